//! Terminal tables shared by every report: one fixed layout, and cells that cannot reach the
//! terminal's control: a CR or an escape sequence in a name would move the cursor or recolour
//! the screen, so control characters other than the line breaks licplan itself puts in a cell
//! are shown escaped (`\r`, `\u{1b}`).

use comfy_table::{presets::UTF8_FULL_CONDENSED, CellAlignment, ContentArrangement, Table};

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

/// Adds a row of cleaned cells.
pub fn add_row(t: &mut Table, cells: Vec<String>) {
    t.add_row(cells.iter().map(|c| clean(c)).collect::<Vec<String>>());
}

/// A cell's text with control characters (but `\n`) escaped.
pub fn clean(s: &str) -> String {
    if !s.chars().any(|c| c.is_control() && c != '\n') {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if c.is_control() && c != '\n' {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::clean;

    #[test]
    fn control_characters_are_escaped_but_line_breaks_kept() {
        assert_eq!(clean("a\r-b\tc"), "a\\r-b\\tc");
        assert_eq!(clean("\u{1b}[31mred"), "\\u{1b}[31mred");
        assert_eq!(clean("one\ntwo"), "one\ntwo");
    }
}
