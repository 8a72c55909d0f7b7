//! YAML scalars: when a string may go out plain, how it is quoted otherwise, and floats as
//! YAML 1.1 and 1.2 both read them.

/// Whether `s` can be written as a plain (unquoted) scalar: YAML 1.1 and 1.2 readers alike read
/// it back as this very string. Conservative: anything that might resolve to a boolean, null,
/// number, date or time in either version, start an indicator, hold `: ` or ` #`, or carry
/// spaces at its ends is quoted.
pub fn plain_is_safe(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    if !s.chars().all(plain_char) || s.starts_with(' ') || s.ends_with(' ') {
        return false;
    }
    // Indicators that start something other than a plain scalar (or might); `-x` is plain.
    let dash_word = first == '-' && s.len() > 1 && !s[1..].starts_with(' ') && !looks_numeric(s);
    let indicator = matches!(
        first,
        '-' | '?'
            | ':'
            | ','
            | '['
            | ']'
            | '{'
            | '}'
            | '#'
            | '&'
            | '*'
            | '!'
            | '|'
            | '>'
            | '\''
            | '"'
            | '%'
            | '@'
            | '`'
            | '~'
            | '='
            | '<'
    );
    if indicator && !dash_word {
        return false;
    }
    if s.starts_with("---") || s.starts_with("...") {
        return false;
    }
    if s.contains(": ") || s.contains(" #") || s.ends_with(':') {
        return false;
    }
    !resolves_to_non_string(s)
}

/// Printable, not a line break, tab, BOM, or bidirectional/format control.
fn plain_char(c: char) -> bool {
    !c.is_control() && !needs_escape(c)
}

/// Characters written as escapes in a double-quoted string: controls, YAML's line breaks
/// (NEL, LS, PS), the BOM, non-characters, and the format characters that change how text
/// around them is shown (bidirectional embeddings, overrides and isolates, zero-width marks).
fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{85}'
                | '\u{ad}'
                | '\u{61c}'
                | '\u{180e}'
                | '\u{200b}'..='\u{200f}'
                | '\u{2028}'..='\u{202e}'
                | '\u{2060}'..='\u{2069}'
                | '\u{feff}'
                | '\u{fff9}'..='\u{fffb}'
                | '\u{fffe}'
                | '\u{ffff}'
        )
}

/// The words YAML 1.1 and 1.2 read as booleans or null, in the case variants they list, plus
/// the merge key and YAML 1.1's `=` value key.
const RESERVED: &[&str] = &[
    "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "true", "True", "TRUE", "false",
    "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF", "null", "Null", "NULL", "~", "<<",
    "=",
];

/// Might a YAML 1.1 or 1.2 reader resolve this plain scalar to a non-string?
fn resolves_to_non_string(s: &str) -> bool {
    RESERVED.contains(&s)
        || looks_numeric(s)
        || looks_like_date(s)
        || matches!(
            s.trim_start_matches(['+', '-']),
            ".inf" | ".Inf" | ".INF" | ".nan" | ".NaN" | ".NAN"
        )
}

/// A superset of every integer and float form of YAML 1.1 and 1.2 (decimal, `0x`, `0o`, `0b`,
/// octal `012`, `1_000`, sexagesimal `190:20:30`, `1e3`, `.5`): an optional sign, then a digit
/// or a `.`, then only digits, `_ . : + -`, hex letters and the letters of `0x`, `0o`, `e`.
fn looks_numeric(s: &str) -> bool {
    let body = s.strip_prefix(['+', '-']).unwrap_or(s);
    let Some(first) = body.chars().next() else {
        return false;
    };
    (first.is_ascii_digit() || first == '.')
        && body.chars().all(|c| {
            c.is_ascii_hexdigit()
                || matches!(c, '_' | '.' | ':' | '+' | '-' | 'x' | 'X' | 'o' | 'O')
        })
        && !is_guid_like(body)
}

/// GUIDs (`20442134-cf51-5e17-afae-3d760747b8b7`) are read as strings by every YAML reader:
/// digits and hex letters in groups joined by single `-`, at least one group holding a letter
/// or there being more than one `-`-separated group of mixed length.
fn is_guid_like(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && [8, 4, 4, 4, 12]
            .iter()
            .zip(&groups)
            .all(|(n, g)| g.len() == *n && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// YAML 1.1's timestamp starts with a date: `2001-12-14`, `2001-1-2`, then optionally a time.
fn looks_like_date(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |from: usize, min: usize, max: usize| -> Option<usize> {
        let n = b[from.min(b.len())..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count();
        (min..=max).contains(&n).then_some(from + n)
    };
    let Some(i) = digits(0, 4, 4) else {
        return false;
    };
    if b.get(i) != Some(&b'-') {
        return false;
    }
    let Some(i) = digits(i + 1, 1, 2) else {
        return false;
    };
    if b.get(i) != Some(&b'-') {
        return false;
    }
    digits(i + 1, 1, 2).is_some()
}

/// Writes a string scalar in the plainest style that reads back as this exact string.
pub(super) fn scalar_text(s: &str) -> String {
    if plain_is_safe(s) {
        s.to_owned()
    } else if !s.chars().any(|c| c == '\t' || needs_escape(c)) {
        format!("'{}'", s.replace('\'', "''"))
    } else {
        let mut out = String::with_capacity(s.len() + 2);
        out.push('"');
        for c in s.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\t' => out.push_str("\\t"),
                '\r' => out.push_str("\\r"),
                '\0' => out.push_str("\\0"),
                c if needs_escape(c) => {
                    let n = u32::from(c);
                    if n <= 0xFF {
                        out.push_str(&format!("\\x{n:02X}"));
                    } else if n <= 0xFFFF {
                        out.push_str(&format!("\\u{n:04X}"));
                    } else {
                        out.push_str(&format!("\\U{n:08X}"));
                    }
                }
                c => out.push(c),
            }
        }
        out.push('"');
        out
    }
}

/// A float as YAML 1.1 and 1.2 both read it: `1.5`, `0.0`, `1.0e+20`, `.inf`, `.nan`.
pub(super) fn float_text(v: f64) -> String {
    if v.is_nan() {
        return ".nan".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { ".inf" } else { "-.inf" }.into();
    }
    // Debug is the shortest text that reads back as `v`: `0.0`, `100.0`, `1e20`, `1.5e-7`.
    let t = format!("{v:?}");
    match t.split_once('e') {
        // YAML 1.1 floats need a `.` and a signed exponent.
        Some((mantissa, exp)) => {
            let mantissa = if mantissa.contains('.') {
                mantissa.to_owned()
            } else {
                format!("{mantissa}.0")
            };
            let exp = if exp.starts_with('-') {
                exp.to_owned()
            } else {
                format!("+{exp}")
            };
            format!("{mantissa}e{exp}")
        }
        None => t,
    }
}
