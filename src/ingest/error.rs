//! Errors that make an export unusable, each naming the file, the place and the field.

use std::fmt;
use std::path::{Path, PathBuf};

/// Where in a file a problem is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// The file as a whole (cannot be opened, cannot tell what it is).
    File,
    /// A CSV line (1-based, as an editor shows it).
    Line(u64),
    /// A JSON syntax error.
    Position { line: u64, column: u64 },
    /// A JSON record: its 0-based index among the file's records and the path to the field,
    /// e.g. `$.value[12].licenseAssignmentStates[0].skuId`.
    Record { index: usize, path: String },
    /// A line of a JSON Lines file.
    JsonLine { line: u64, path: String },
}

/// Most characters of one value a message quotes; a longer value is cut there, on a character
/// boundary, and its length given: `"aaaa…" (20,971,520 characters)`.
pub const QUOTE_MAX: usize = 200;

/// Most characters of a message or a hint, values already clipped: a message that quotes a
/// value without quotes, or many values, is cut there too, with its length given.
pub const TEXT_MAX: usize = 1000;

/// Most characters of a JSON path in a location.
const PATH_MAX: usize = 400;

/// One reason an export cannot be used. Boxed: errors are rare and results are everywhere.
///
/// Whatever a value holds, what is shown stays short and on one line: every text passes
/// through [`bound`] (values quoted in the message clipped to [`QUOTE_MAX`] characters, control,
/// bidirectional and line-break characters escaped, the whole clipped to [`TEXT_MAX`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError(Box<Detail>);

/// What an [`InputError`] says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detail {
    pub file: PathBuf,
    pub location: Location,
    /// The column or JSON key, when one field is at fault: its first [`QUOTE_MAX`] characters.
    pub field: Option<String>,
    /// How many characters the field's name has (more than `field` holds when it was cut).
    pub field_chars: usize,
    pub message: String,
    /// What the user can do about it.
    pub hint: String,
    /// Not one problem but this many more of the file, not listed one by one (see
    /// [`InputError::more`]); 0 for an ordinary problem.
    pub more: u64,
}

impl InputError {
    pub fn new(file: &Path, location: Location, message: impl Into<String>) -> Self {
        let location = match location {
            Location::Record { index, path } => Location::Record {
                index,
                path: clip_text(&path, PATH_MAX),
            },
            Location::JsonLine { line, path } => Location::JsonLine {
                line,
                path: clip_text(&path, PATH_MAX),
            },
            other => other,
        };
        InputError(Box::new(Detail {
            file: file.to_path_buf(),
            location,
            field: None,
            field_chars: 0,
            message: bound(&message.into()),
            hint: String::new(),
            more: 0,
        }))
    }

    /// Stands for `count` more problems of a file that are not listed one by one (after the
    /// first few hundred bad rows of one CSV file, say), with how many there are of each kind.
    pub fn more(file: &Path, count: u64, kinds: &std::collections::BTreeMap<String, u64>) -> Self {
        let mut list: Vec<String> = kinds
            .iter()
            .take(KINDS_SHOWN)
            .map(|(k, n)| format!("{k}: {}", thousands(*n)))
            .collect();
        if kinds.len() > KINDS_SHOWN {
            list.push(format!("{} more kinds", kinds.len() - KINDS_SHOWN));
        }
        let mut e = InputError::new(
            file,
            Location::File,
            format!(
                "{} more problem{} not listed one by one ({})",
                thousands(count),
                if count == 1 { "" } else { "s" },
                list.join("; ")
            ),
        )
        .hint("fix the problems listed, then run again to see the rest");
        e.0.more = count;
        e
    }

    pub fn field(mut self, field: impl Into<String>) -> Self {
        let field = field.into();
        self.0.field_chars = field.chars().count();
        self.0.field = Some(match field.char_indices().nth(QUOTE_MAX) {
            Some((at, _)) => format!("{}…", &field[..at]),
            None => field,
        });
        self
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.0.hint = bound(&hint.into());
        self
    }

    /// How many problems this stands for: 1, or the count of [`InputError::more`].
    pub fn weight(&self) -> u64 {
        if self.more > 0 {
            self.more
        } else {
            1
        }
    }
}

/// Kinds named in a count of problems not listed.
const KINDS_SHOWN: usize = 8;

/// `20971520` → `20,971,520`.
pub fn thousands(n: impl Into<u64>) -> String {
    let digits = n.into().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A value as a message quotes it: in double quotes, control characters escaped, cut after
/// [`QUOTE_MAX`] characters with its length given: `"aaaa…" (20,971,520 characters)`.
pub fn quote(value: &str) -> String {
    bound(&format!("{value:?}"))
}

/// Whether a character could forge output on a terminal: controls (line breaks, escape
/// sequences), the bidirectional embeddings, overrides and isolates, and the line and
/// paragraph separators.
fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
                | '\u{2028}' | '\u{2029}'
        )
}

fn push_escaped(out: &mut String, c: char) {
    if is_unsafe(c) {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\0' => out.push_str("\\0"),
            c => out.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
        }
    } else {
        out.push(c);
    }
}

/// Bounds a message or hint: each double-quoted value in it (as `{:?}` writes one, escapes
/// included) keeps its first [`QUOTE_MAX`] characters and gets its length; characters that
/// could forge terminal output are escaped; the whole is cut after [`TEXT_MAX`] characters.
/// Linear in the text's length.
pub fn bound(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(4 * TEXT_MAX));
    let mut rest = text;
    // Stops once past the limit: a 20 MB text costs what its first thousand characters do,
    // and one count of the rest.
    while out.len() <= 8 * TEXT_MAX {
        let Some(c) = rest.chars().next() else {
            break;
        };
        if c == '"' {
            if let Some((shown, chars, len)) = quoted(rest) {
                out.push('"');
                for c in shown.chars() {
                    push_escaped(&mut out, c);
                }
                if chars > QUOTE_MAX {
                    out.push_str("…\" (");
                    out.push_str(&thousands(chars as u64));
                    out.push_str(" characters)");
                } else {
                    out.push('"');
                }
                rest = &rest[len..];
                continue;
            }
        }
        push_escaped(&mut out, c);
        rest = &rest[c.len_utf8()..];
    }
    match out.char_indices().nth(TEXT_MAX) {
        Some((at, _)) => {
            out.truncate(at);
            out.push_str("… (");
            out.push_str(&thousands(text.chars().count() as u64));
            out.push_str(" characters in all)");
            out
        }
        None => out,
    }
}

/// A double-quoted literal at the start of `s` (escapes as Rust's `{:?}` writes them):
/// the text of its first [`QUOTE_MAX`] characters (escapes kept whole), how many characters it
/// stands for, and its length in bytes with both quotes. `None` when it is not closed.
fn quoted(s: &str) -> Option<(&str, usize, usize)> {
    let bytes = s.as_bytes();
    let mut i = 1;
    let mut chars = 0usize;
    let mut shown_end = 1;
    while i < bytes.len() {
        let unit = match bytes[i] {
            b'"' => {
                if chars <= QUOTE_MAX {
                    shown_end = i;
                }
                return Some((&s[1..shown_end], chars, i + 1));
            }
            b'\\' => match bytes.get(i + 1) {
                Some(b'u') if bytes.get(i + 2) == Some(&b'{') => {
                    s[i..].find('}').map_or(bytes.len() - i, |c| c + 1)
                }
                Some(_) => 1 + s[i + 1..].chars().next().map_or(1, char::len_utf8),
                None => 1,
            },
            _ => s[i..].chars().next().map_or(1, char::len_utf8),
        };
        i += unit;
        chars += 1;
        if chars == QUOTE_MAX {
            shown_end = i.min(bytes.len());
        }
    }
    None
}

/// `text` with unsafe characters escaped, cut after `max` characters (on a character
/// boundary) with its length given.
fn clip_text(text: &str, max: usize) -> String {
    let mut out = String::new();
    for (n, c) in text.chars().enumerate() {
        if n == max {
            out.push_str(&format!(
                "… ({} characters in all)",
                thousands(text.chars().count() as u64)
            ));
            break;
        }
        push_escaped(&mut out, c);
    }
    out
}

impl std::ops::Deref for InputError {
    type Target = Detail;
    fn deref(&self) -> &Detail {
        &self.0
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}",
            clip_text(&self.file.display().to_string(), PATH_MAX)
        )?;
        match &self.location {
            Location::File => {}
            Location::Line(l) => write!(f, ":{l}")?,
            Location::Position { line, column } => write!(f, ":{line}:{column}")?,
            Location::Record { index, path } => write!(f, ": record {} ({path})", index + 1)?,
            Location::JsonLine { line, path } => write!(f, ":{line} ({path})")?,
        }
        if let Some(field) = &self.field {
            write!(f, ": field {field:?}")?;
            if self.field_chars > QUOTE_MAX {
                write!(f, " ({} characters)", thousands(self.field_chars as u64))?;
            }
        }
        write!(f, ": {}", self.message)?;
        if !self.hint.is_empty() {
            write!(f, "; {}", self.hint)?;
        }
        Ok(())
    }
}

/// Every problem found in the exports: reading goes on after a bad record so that one run
/// reports them all ("collect, then decide").
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct InputErrors(pub Vec<InputError>);

/// How many errors are printed before "and N more".
const SHOWN: usize = 20;

/// Files named in the count of the problems not printed.
const FILES_SHOWN: usize = 10;

impl InputErrors {
    /// The errors grouped by file (files in the order they first come, each file's errors in
    /// their order), with how many of each file are printed: the [`SHOWN`] places are dealt
    /// round-robin, one per file a round, so a file with thousands of problems cannot hide
    /// the one problem of the next file.
    fn dealt(&self) -> Vec<(&Path, Vec<&InputError>, usize)> {
        let mut files: Vec<(&Path, Vec<&InputError>, usize)> = Vec::new();
        let mut at: std::collections::HashMap<&Path, usize> = Default::default();
        for e in &self.0 {
            let i = *at.entry(e.file.as_path()).or_insert_with(|| {
                files.push((e.file.as_path(), Vec::new(), 0));
                files.len() - 1
            });
            files[i].1.push(e);
        }
        let mut left = SHOWN;
        while left > 0 {
            let mut dealt = false;
            for (_, errors, shown) in files.iter_mut() {
                if left > 0 && *shown < errors.len() {
                    *shown += 1;
                    left -= 1;
                    dealt = true;
                }
            }
            if !dealt {
                break;
            }
        }
        files
    }
}

impl fmt::Display for InputErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n: u64 = self.0.iter().map(InputError::weight).sum();
        writeln!(
            f,
            "{} problem{} in the input make{} it unusable:",
            thousands(n),
            if n == 1 { "" } else { "s" },
            if n == 1 { "s" } else { "" }
        )?;
        let files = self.dealt();
        for (_, errors, shown) in &files {
            for e in &errors[..*shown] {
                writeln!(f, "  {e}")?;
            }
        }
        // What was not printed, counted by file, in the order the files first come.
        let by_file: Vec<(&Path, u64)> = files
            .iter()
            .map(|(p, errors, shown)| (*p, errors[*shown..].iter().map(|e| e.weight()).sum()))
            .filter(|(_, k)| *k > 0)
            .collect();
        if !by_file.is_empty() {
            let m: u64 = by_file.iter().map(|(_, k)| k).sum();
            let mut list: Vec<String> = by_file
                .iter()
                .take(FILES_SHOWN)
                .map(|(p, k)| {
                    format!(
                        "{}: {}",
                        clip_text(&p.display().to_string(), PATH_MAX),
                        thousands(*k)
                    )
                })
                .collect();
            if by_file.len() > FILES_SHOWN {
                list.push(format!("{} more files", by_file.len() - FILES_SHOWN));
            }
            writeln!(
                f,
                "  … and {} more problem{} ({})",
                thousands(m),
                if m == 1 { "" } else { "s" },
                list.join("; ")
            )?;
        }
        Ok(())
    }
}

impl std::error::Error for InputErrors {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_values_are_quoted_in_part_with_their_length() {
        let value = "a".repeat(20 * 1024 * 1024);
        let e = InputError::new(
            Path::new("u.csv"),
            Location::Line(2),
            format!("{value:?} is not a GUID"),
        )
        .field(value.clone())
        .hint(format!("not {value}"));
        let text = e.to_string();
        assert!(text.len() < 3000, "{} bytes", text.len());
        assert!(
            text.contains(&format!(
                "\"{}…\" (20,971,520 characters) is not a GUID",
                "a".repeat(200)
            )),
            "{text}"
        );
        assert!(text.contains(" (20,971,520 characters): "), "{text}");
        assert!(text.contains("characters in all)"), "{text}");
        assert_eq!(e.field.as_deref().map(|f| f.chars().count()), Some(201));
    }

    #[test]
    fn cuts_fall_on_character_and_escape_boundaries() {
        // Two-byte characters, and escapes that must not be cut in half.
        let v: String = "é\n\u{202e}".repeat(300);
        let q = quote(&v);
        assert!(q.starts_with("\"é\\n\\u{202e}é"), "{q}");
        assert!(q.ends_with("…\" (900 characters)"), "{q}");
        // 200 units: 66 whole "é\n\u{202e}" and then "é\n".
        assert!(q.contains("\\u{202e}é\\n…\""), "{q}");
        assert_eq!(quote("short"), "\"short\"");
        assert_eq!(thousands(0u64), "0");
        assert_eq!(thousands(1_000u64), "1,000");
        assert_eq!(thousands(20_971_520u64), "20,971,520");
    }

    #[test]
    fn nothing_in_a_message_can_start_a_line_or_an_escape_sequence() {
        let e = InputError::new(
            Path::new("a\nb.csv"),
            Location::Record {
                index: 0,
                path: "$.x\r\n".into(),
            },
            "bad \u{1b}[31mred\u{1b}[0m\nforged: line \u{2066}x",
        )
        .hint("\r");
        let text = e.to_string();
        assert!(
            !text.chars().any(|c| c.is_control() || c == '\u{2066}'),
            "{text:?}"
        );
        assert!(
            text.contains("a\\nb.csv") && text.contains("\\u{1b}[31m"),
            "{text}"
        );
        // An unclosed quote is text like any other.
        assert_eq!(bound("say \"hi"), "say \"hi");
    }

    #[test]
    fn the_report_counts_what_it_does_not_list() {
        let mut all: Vec<InputError> = (0..30)
            .map(|i| InputError::new(Path::new("users.csv"), Location::Line(i + 2), "bad"))
            .collect();
        let mut kinds = std::collections::BTreeMap::new();
        kinds.insert("field \"id\"".to_owned(), 1_000u64);
        all.push(InputError::more(Path::new("users.csv"), 1_000, &kinds));
        all.push(InputError::new(
            Path::new("groups.csv"),
            Location::Line(2),
            "bad",
        ));
        let text = InputErrors(all).to_string();
        assert!(
            text.starts_with("1,031 problems in the input make it unusable:"),
            "{text}"
        );
        // groups.csv gets its place although users.csv came first with 1,030 problems.
        assert!(text.contains("  groups.csv:2: bad\n"), "{text}");
        assert!(
            text.contains("… and 1,011 more problems (users.csv: 1,011)"),
            "{text}"
        );
        assert_eq!(text.lines().count(), 22, "{text}");
    }

    #[test]
    fn places_are_dealt_round_robin_and_printed_grouped_by_file() {
        let file = |name: &str, n: u64| -> Vec<InputError> {
            (0..n)
                .map(|i| InputError::new(Path::new(name), Location::Line(i + 2), "bad"))
                .collect()
        };
        // Interleaved as parallel reading may leave them: printed grouped all the same.
        let mut all = file("a.csv", 40);
        all.insert(3, file("b.csv", 1).remove(0));
        all.extend(file("c.csv", 5));
        all.extend(file("b.csv", 3).into_iter().skip(1));
        let text = InputErrors(all).to_string();
        let printed: Vec<&str> = text
            .lines()
            .skip(1)
            .filter(|l| !l.contains("more problems"))
            .map(|l| l.trim().split(':').next().unwrap_or(""))
            .collect();
        // b has 3 and c 5: both whole; a gets the other 12.
        let mut expected = vec!["a.csv"; 12];
        expected.extend(["b.csv"; 3]);
        expected.extend(["c.csv"; 5]);
        assert_eq!(printed, expected, "{text}");
        assert!(
            text.ends_with("  … and 28 more problems (a.csv: 28)\n"),
            "{text}"
        );
        // Many files with one problem each: twenty printed, the rest counted by file.
        let many: Vec<InputError> = (0..25)
            .flat_map(|i| file(&format!("f{i:02}.csv"), 1))
            .collect();
        let text = InputErrors(many).to_string();
        assert!(
            text.contains("f19.csv:2") && !text.contains("f20.csv:2"),
            "{text}"
        );
        assert!(
            text.contains("… and 5 more problems (f20.csv: 1; f21.csv: 1; f22.csv: 1; f23.csv: 1; f24.csv: 1)"),
            "{text}"
        );
    }
}
