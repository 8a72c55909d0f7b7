//! The exports a report was made from: when they were taken, and the files read (the plan's
//! key numbers, `verify`'s planned and fresh exports).

use crate::ingest::dates::Taken;
use crate::plan::doc::ExportRead;

use super::report::{Block, Cell, Column, Empty, Table};

/// Files listed; the rest are counted (the JSON/YAML lists all).
const ROWS: usize = 50;

/// When one file was taken, as a cell says it.
pub fn taken_cell(t: Taken) -> String {
    match t {
        Taken::HttpDate(s) => format!("{s} (HTTP Date)"),
        Taken::NotBefore(s) => format!("not before {s} (lastUpdatedDateTime)"),
        Taken::NotRecorded => "not recorded".to_owned(),
    }
}

/// A heading line naming the export, then its files (the first [`ROWS`], then a count).
pub fn files<'a>(what: &str, read: &'a ExportRead) -> Vec<Block<'a>> {
    if read.files.is_empty() {
        return vec![Block::plain(format!("{what}: none recorded."))];
    }
    let t = Table::new(vec![
        Column::left("file"),
        Column::left("holds"),
        Column::left("format"),
        Column::right("records"),
        Column::left("taken"),
    ])
    .when_empty(Empty::Nothing(Some("no file listed".into())))
    .rows(read.files.iter().map(|f| {
        vec![
            Cell::text(f.file.as_str()),
            Cell::text(f.role.as_str()),
            Cell::text(f.format.as_str()),
            Cell::int(f.records),
            Cell::text(taken_cell(f.taken)),
        ]
    }));
    let mut v = vec![Block::plain(format!(
        "{what} ({} {}): {}.",
        read.files.len(),
        if read.files.len() == 1 {
            "file"
        } else {
            "files"
        },
        read.taken.said
    ))];
    v.extend(super::report::capped(
        t,
        ROWS,
        "files",
        "the JSON/YAML",
        None,
    ));
    v
}
