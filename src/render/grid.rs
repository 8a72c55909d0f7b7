//! Terminal tables shared by every report, and the one rule for showing exported text to a
//! person: one fixed layout, and cells that cannot reach the terminal's control or hide what
//! they hold.
//!
//! A CR or an escape sequence in a name would move the cursor or recolour the screen, a
//! right-to-left override (U+202E) or an isolate (U+2066) would show `exe.txt` for `txt.exe`, a
//! zero-width space would make two names look alike. Such characters ([`is_hidden`]) are
//! shown escaped (`\r`, `\u{1b}`, `\u{202e}`) by [`clean`], which every human-readable renderer
//! uses (tables, the simulate step listing, Markdown); JSON and YAML keep strings exact.

use comfy_table::{presets::UTF8_FULL_CONDENSED, CellAlignment, ContentArrangement, Table};

/// Characters of one line of a cell shown in a terminal table; the rest is cut and counted. A
/// table pads every row to its widest cell, so one megabyte-long name would make every row a
/// megabyte wide; the JSON and YAML outputs keep the whole text.
pub const MAX_LINE_CHARS: usize = 1000;

/// A table with the given header. The layout never depends on the terminal's width, so output
/// is the same on any terminal and in a pipe.
pub fn new_table(header: &[&str]) -> Table {
    let mut t = Table::new();
    t.load_style(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(header.iter().map(|h| clean(h)));
    t
}

/// Right-aligns these columns (numbers).
pub fn right(t: &mut Table, columns: &[usize]) {
    for &c in columns {
        if let Some(col) = t.column_mut(c) {
            col.set_cell_alignment(CellAlignment::Right);
        }
    }
}

/// A table cell: one text, or several shown on lines of their own. A line break inside a text
/// (a name holding a newline) is shown as `\n`, so it cannot pass for a second line or row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    Text(String),
    Lines(Vec<String>),
}

impl From<String> for Cell {
    fn from(s: String) -> Self {
        Cell::Text(s)
    }
}

impl From<&str> for Cell {
    fn from(s: &str) -> Self {
        Cell::Text(s.to_owned())
    }
}

impl Cell {
    /// The cell as the table shows it: each text cleaned and cut to [`MAX_LINE_CHARS`].
    fn shown(&self) -> String {
        match self {
            Cell::Text(s) => cut(&clean(s)),
            Cell::Lines(v) => v
                .iter()
                .map(|s| cut(&clean(s)))
                .collect::<Vec<_>>()
                .join("\n"),
        }
    }
}

/// Adds a row of cleaned cells.
pub fn add_row(t: &mut Table, cells: Vec<Cell>) {
    t.add_row(cells.iter().map(Cell::shown).collect::<Vec<String>>());
}

/// Whether a character must not reach a reader as itself: control characters (C0, DEL, C1),
/// bidirectional embeddings, overrides, isolates and marks (U+202A–U+202E, U+2066–U+2069,
/// U+200E, U+200F, U+061C), line and paragraph separators (U+2028, U+2029), and invisible
/// characters: zero-width space and joiners (U+200B–U+200D), word joiner and invisible
/// operators (U+2060–U+2064), deprecated format characters (U+206A–U+206F), the byte-order
/// mark (U+FEFF), soft hyphen (U+00AD), combining grapheme joiner (U+034F), Hangul fillers
/// (U+115F, U+1160, U+3164, U+FFA0), Khmer inherent vowels (U+17B4, U+17B5), Mongolian
/// variation selectors and vowel separator (U+180B–U+180F), interlinear annotation marks
/// (U+FFF9–U+FFFB), shorthand format controls (U+1BCA0–U+1BCA3), musical format characters
/// (U+1D173–U+1D17A) and tag characters (U+E0000–U+E007F, which can spell hidden ASCII).
///
/// Zero-width joiners also build emoji sequences and Persian words; they are shown escaped
/// all the same, since a reader cannot tell two names apart that differ only by them.
/// Variation selectors (U+FE00–U+FE0F) change how the character before them looks and are
/// kept.
pub fn is_hidden(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{00AD}'
                | '\u{034F}'
                | '\u{061C}'
                | '\u{115F}'
                | '\u{1160}'
                | '\u{17B4}'
                | '\u{17B5}'
                | '\u{180B}'..='\u{180F}'
                | '\u{200B}'..='\u{200F}'
                | '\u{2028}'..='\u{202E}'
                | '\u{2060}'..='\u{2064}'
                | '\u{2066}'..='\u{206F}'
                | '\u{3164}'
                | '\u{FEFF}'
                | '\u{FFA0}'
                | '\u{FFF9}'..='\u{FFFB}'
                | '\u{1BCA0}'..='\u{1BCA3}'
                | '\u{1D173}'..='\u{1D17A}'
                | '\u{E0000}'..='\u{E007F}'
        )
}

/// Pushes a hidden character as its escape: `\n`, `\t`, `\r`, `\u{1b}`, `\u{202e}`.
pub fn push_escaped(out: &mut String, c: char) {
    out.extend(c.escape_default());
}

/// A text as one line a person can read: every [hidden](is_hidden) character escaped, line
/// breaks included, and a text of only spaces (which would look like an empty cell) quoted.
pub fn clean(s: &str) -> String {
    let blank = is_blank(s);
    if !blank && !s.chars().any(is_hidden) {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len() + 8);
    if blank {
        out.push('"');
    }
    for c in s.chars() {
        if is_hidden(c) {
            push_escaped(&mut out, c);
        } else {
            out.push(c);
        }
    }
    if blank {
        out.push('"');
    }
    out
}

/// A non-empty text that shows nothing: only white space and hidden characters.
pub fn is_blank(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_whitespace() || is_hidden(c))
}

/// A line cut to [`MAX_LINE_CHARS`] characters, saying how many were left out.
fn cut(s: &str) -> String {
    match s.char_indices().nth(MAX_LINE_CHARS) {
        None => s.to_owned(),
        Some((at, _)) => {
            let rest = s[at..].chars().count();
            format!("{}… ({rest} more characters)", &s[..at])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn case(raw: &str, shown: &str) {
        assert_eq!(clean(raw), shown, "{raw:?}");
    }

    #[test]
    fn control_and_invisible_characters_are_escaped() {
        case("a\r-b\tc", "a\\r-b\\tc");
        case("\u{1b}[31mred", "\\u{1b}[31mred");
        case("one\ntwo", "one\\ntwo");
        case("C1 \u{9b}31m", "C1 \\u{9b}31m");
        case("abc\u{202e}txt.exe", "abc\\u{202e}txt.exe");
        case("\u{2066}x\u{2069}", "\\u{2066}x\\u{2069}");
        case("a\u{200e}\u{200f}\u{61c}", "a\\u{200e}\\u{200f}\\u{61c}");
        case("\u{200e}", "\"\\u{200e}\"");
        case("ad\u{200b}ele", "ad\\u{200b}ele");
        case("\u{feff}bom", "\\u{feff}bom");
        case("line\u{2028}sep\u{2029}", "line\\u{2028}sep\\u{2029}");
        case("tag\u{e0041}", "tag\\u{e0041}");
        case("Zoë Ωmega 名前 ❤\u{fe0f}", "Zoë Ωmega 名前 ❤\u{fe0f}");
    }

    #[test]
    fn blank_texts_are_quoted() {
        case("   ", "\"   \"");
        case("\u{3164}", "\"\\u{3164}\"");
        case("", "");
        case(" a ", " a ");
    }

    #[test]
    fn long_lines_are_cut_and_counted() {
        let long = "x".repeat(MAX_LINE_CHARS + 5);
        let shown = Cell::Text(long).shown();
        assert_eq!(
            shown,
            format!("{}… (5 more characters)", "x".repeat(MAX_LINE_CHARS))
        );
        let exact = "é".repeat(MAX_LINE_CHARS);
        assert_eq!(Cell::Text(exact.clone()).shown(), exact);
    }

    #[test]
    fn lines_stay_lines_but_a_name_cannot_add_one() {
        let c = Cell::Lines(vec!["a\nforged".into(), "b".into()]);
        assert_eq!(c.shown(), "a\\nforged\nb");
    }
}
