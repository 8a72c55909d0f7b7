//! Terminal tables (`--format table`): a [`Report`] on a terminal.
//!
//! The report's headline on the first line, then each section as its title on a line of its
//! own after a blank line, and its blocks under it. Tables are the fixed-layout grids of
//! [`super::grid`]; every text from the exports is [cleaned](super::grid::clean) so it cannot
//! reach the terminal's control or hide what it holds.

use std::io::{self, Write};

use super::grid::{self, add_row, clean, new_table, right};
use super::report::{Align, Block, Cell, Medium, Report, Section, Span, Table};

const HERE: Medium = Medium::Terminal;

/// Writes a report for a terminal.
///
/// # Errors
///
/// The writer's own error.
pub fn write(r: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "{}", spans(&r.headline))?;
    for s in &r.sections {
        section(s, out)?;
    }
    Ok(())
}

/// A line of spans: text from the exports cleaned, licplan's words as they are.
fn spans(spans: &[Span<'_>]) -> String {
    let mut line = String::new();
    for s in spans {
        match s {
            Span::Plain(s) | Span::Strong(s) => line.push_str(s),
            Span::Text(s) => line.push_str(&clean(s)),
        }
    }
    line
}

fn section(s: &Section<'_>, out: &mut dyn Write) -> io::Result<()> {
    if !s.shown_in(HERE) {
        return Ok(());
    }
    writeln!(out, "\n{}", clean(s.title_in(HERE)))?;
    for b in &s.blocks {
        block(b, out)?;
    }
    Ok(())
}

fn block(b: &Block<'_>, out: &mut dyn Write) -> io::Result<()> {
    let Some(b) = b.shown_in(HERE) else {
        return Ok(());
    };
    match b {
        Block::Paragraph(s) => writeln!(out, "{}", spans(s)),
        Block::Fields(fields) => {
            for (k, v) in fields {
                writeln!(out, "{}: {}", clean(k), spans(v))?;
            }
            Ok(())
        }
        Block::Table(t) => table(t, out),
        Block::Bullets(items) => {
            for i in items {
                writeln!(out, "- {}", clean(i))?;
            }
            Ok(())
        }
        Block::Nothing(detail) => nothing(detail.as_deref(), out),
        Block::Section(s) => section(s, out),
        // `shown_in` has unwrapped it.
        Block::Only(_, b) => block(b, out),
        Block::Band(b) => {
            writeln!(out, "{}: {}", b.tone.word(), spans(&b.line))?;
            for r in &b.reasons {
                writeln!(out, "- {}", clean(r))?;
            }
            Ok(())
        }
        Block::Chart(c) => {
            writeln!(out, "{}", clean(&c.title))?;
            table(&c.table, out)
        }
    }
}

fn nothing(detail: Option<&str>, out: &mut dyn Write) -> io::Result<()> {
    match detail {
        None => writeln!(out, "(none)"),
        Some(d) => writeln!(out, "(none: {})", clean(d)),
    }
}

fn table(t: &Table<'_>, out: &mut dyn Write) -> io::Result<()> {
    if let Some(detail) = t.empty_in(HERE) {
        return nothing(detail, out);
    }
    let columns = t.shown_columns(HERE);
    if let Some(l) = t.listing.as_ref().filter(|l| t.rows.len() > l.above) {
        writeln!(out, "{}", l.note)?;
        return listing(t, &columns, out);
    }
    let names: Vec<&str> = columns.iter().map(|&c| t.columns[c].name).collect();
    let mut grid = new_table(&names);
    for r in &t.rows {
        add_row(
            &mut grid,
            columns.iter().map(|&c| grid_cell(&r[c])).collect(),
        );
    }
    let right_aligned: Vec<usize> = columns
        .iter()
        .enumerate()
        .filter(|(_, &c)| t.columns[c].align_in(HERE) == Align::Right)
        .map(|(i, _)| i)
        .collect();
    right(&mut grid, &right_aligned);
    writeln!(out, "{grid}")
}

fn grid_cell(c: &Cell<'_>) -> grid::Cell {
    match c {
        Cell::Text(s) | Cell::Code(s) => grid::Cell::Text(s.to_string()),
        Cell::Int(n) => grid::Cell::Text(n.to_string()),
        Cell::List { items, .. } => {
            grid::Cell::Lines(items.iter().map(|s| s.to_string()).collect())
        }
    }
}

/// Every row on lines of its own, written as it goes: the first cell right-aligned and the
/// second after it, then each further cell that is not empty on a line of its own, indented,
/// after its column's label. Names come from the exports: control characters are escaped as in
/// the grid, and line breaks too, so each field stays on its line.
fn listing(t: &Table<'_>, columns: &[usize], out: &mut dyn Write) -> io::Result<()> {
    let Some((&first, rest)) = columns.split_first() else {
        return Ok(());
    };
    let width = t
        .rows
        .iter()
        .map(|r| r[first].inline().chars().count())
        .max()
        .unwrap_or(1);
    for r in &t.rows {
        let head = clean(&r[first].inline());
        match rest.split_first() {
            Some((&second, _)) => {
                writeln!(out, "{head:>width$}  {}", clean(&r[second].inline()))?;
            }
            None => writeln!(out, "{head:>width$}")?,
        }
        for &c in rest.iter().skip(1) {
            let value = r[c].inline();
            if !value.is_empty() {
                writeln!(
                    out,
                    "{:width$}    {}{}",
                    "",
                    t.columns[c].label,
                    clean(&value)
                )?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::report::{Column, Empty};

    fn shown(r: &Report<'_>) -> String {
        let mut out = Vec::new();
        write(r, &mut out).expect("written to memory");
        String::from_utf8(out).expect("UTF-8")
    }

    fn report(blocks: Vec<Block<'static>>) -> Report<'static> {
        Report {
            title: "Title".into(),
            headline: vec![Span::plain("Head: "), Span::text("a\u{1b}b")],
            lead: vec![Block::plain("only in documents")],
            sections: vec![Section {
                title: "Section".into(),
                terminal_title: None,
                only: None,
                blocks,
            }],
        }
    }

    #[test]
    fn headline_and_sections_without_the_documents_lead() {
        let r = report(vec![
            Block::plain("para"),
            Block::plain("doc only").only(Medium::Document),
            Block::Fields(vec![("key".into(), vec![Span::strong("value")])]),
            Block::Bullets(vec!["x\ny".into()]),
            Block::Nothing(Some("all well".into())),
            Block::Nothing(None),
        ]);
        assert_eq!(
            shown(&r),
            "Head: a\\u{1b}b\n\nSection\npara\nkey: value\n- x\\ny\n(none: all well)\n(none)\n"
        );
    }

    #[test]
    fn document_only_sections_are_left_out() {
        let mut r = report(vec![Block::plain("shown")]);
        r.sections.push(
            Section::new("Skipped users")
                .only(Medium::Document)
                .block(Block::plain("not on a terminal")),
        );
        r.sections
            .push(Section::new("Last").block(Block::Nothing(None)));
        assert_eq!(
            shown(&r),
            "Head: a\\u{1b}b\n\nSection\nshown\n\nLast\n(none)\n"
        );
    }

    #[test]
    fn document_only_columns_are_left_out_and_alignment_is_the_terminals() {
        let t = Table::new(vec![
            Column::right_in_documents("step"),
            Column::left("what it means").only(Medium::Document),
            Column::right("n"),
        ])
        .rows([
            vec![Cell::int(1), Cell::text("long prose"), Cell::int(7)],
            vec![Cell::int(10), Cell::text("more prose"), Cell::int(100)],
        ]);
        let out = shown(&report(vec![Block::Table(t)]));
        assert!(
            !out.contains("prose") && !out.contains("what it means"),
            "{out}"
        );
        assert!(out.contains("│ 1    ┆   7 │"), "{out}");
    }

    #[test]
    fn long_tables_are_listed_and_empty_ones_say_so() {
        let t = Table::new(vec![
            Column::left("n"),
            Column::left("op"),
            Column::left("effect"),
            Column::left("seats").label("seats: "),
        ])
        .listed_above(1, "(2 rows)")
        .rows([
            vec![
                Cell::int(9),
                "op a".into(),
                "".into(),
                Cell::list(vec![], ", "),
            ],
            vec![
                Cell::int(10),
                "op\rb".into(),
                "did".into(),
                Cell::list(vec!["E3 1/2".into(), "E5 0/1".into()], ", "),
            ],
        ]);
        assert_eq!(
            shown(&report(vec![Block::Table(t)])),
            "Head: a\\u{1b}b\n\nSection\n(2 rows)\n 9  op a\n10  op\\rb\n      did\n      seats: E3 1/2, E5 0/1\n"
        );
        let empty = Table::new(vec![Column::left("a")]).when_empty(Empty::Nothing(None));
        assert!(shown(&report(vec![Block::Table(empty)])).ends_with("Section\n(none)\n"));
    }
}
