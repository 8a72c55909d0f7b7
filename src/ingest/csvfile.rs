//! CSV files as real tools write them: BOM or UTF-16 (handled by `text`), a `#TYPE` first line
//! (Windows PowerShell 5.1 `Export-Csv`), `,` or `;` (European Excel) or tab delimiters, CRLF,
//! quoted fields with embedded newlines. The `csv` crate does the parsing; this module only
//! sniffs the dialect and keeps line numbers true to the file.

use std::collections::HashMap;
use std::io::{self, BufRead, BufReader, Cursor, Read};
use std::path::Path;

use super::error::{thousands, InputError, Location};
use super::text::{first_nonblank_line, TextReader};

mod line_ends;

pub use line_ends::LineEnds;

type Inner = LineEnds<BufReader<std::io::Chain<Cursor<Vec<u8>>, TextReader>>>;

/// Longest cell read, in bytes of UTF-8: a real export's longest cells (a `Licenses` list, proxy
/// addresses) are a few kilobytes.
pub const CELL_MAX: usize = 1 << 20;
/// Longest record (row) read, in bytes.
pub const RECORD_MAX: usize = 4 << 20;
/// Most fields a record may have: exports have tens of columns.
pub const FIELDS_MAX: usize = 10_000;

/// A record past a limit, or a quote never closed: found while the bytes stream to the parser,
/// before it buffers them, so memory stays bounded whatever the file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Limit {
    #[error("a cell is longer than {} bytes (1 MiB)", thousands(CELL_MAX as u64))]
    Cell {
        line: u64,
        column: usize,
        /// Whether the cell opened with a quote (then a quote not closed is the likely cause).
        quoted: bool,
    },
    #[error("a row is longer than {} bytes (4 MiB)", thousands(RECORD_MAX as u64))]
    Record { line: u64 },
    #[error("a row has more than {} fields", thousands(FIELDS_MAX as u64))]
    Fields { line: u64 },
    #[error("a quoted cell opens on this line and is never closed")]
    Unclosed { line: u64, column: usize },
}

impl Limit {
    /// The line (1-based, of the stream the scanner saw) the record starts on.
    fn line(self) -> u64 {
        match self {
            Limit::Cell { line, .. }
            | Limit::Record { line }
            | Limit::Fields { line }
            | Limit::Unclosed { line, .. } => line,
        }
    }

    /// The 0-based column at fault, when one is.
    fn column(self) -> Option<usize> {
        match self {
            Limit::Cell { column, .. } | Limit::Unclosed { column, .. } => Some(column),
            _ => None,
        }
    }

    fn hint(self) -> &'static str {
        match self {
            Limit::Unclosed { .. } => {
                "a quote opening a cell runs to the next quote, across line ends: add the closing quote, and double the quotes inside the cell (\"a \"\"b\"\" c\")"
            }
            Limit::Cell { quoted: true, .. } => {
                "if the cell should be short, the quote opening it is not closed (everything up to the next quote, across line ends, is one cell): add the closing quote, and double the quotes inside the cell"
            }
            Limit::Cell { quoted: false, .. } | Limit::Record { .. } | Limit::Fields { .. } => {
                "an export's rows are a few kilobytes of text: check that the file is the CSV export itself, not a binary file or another format"
            }
        }
    }
}

/// An open CSV file positioned after its header.
pub struct CsvFile<'a> {
    pub path: &'a Path,
    /// Header names as written (trimmed).
    pub header: Vec<String>,
    /// Normalised header name → column index (lower case, spaces and hyphens as `_`).
    index: HashMap<String, usize>,
    reader: csv::Reader<Inner>,
    /// Lines before the header (blank lines, `#TYPE`), added to the parser's line numbers.
    line_offset: u64,
    record: csv::StringRecord,
    bytes: csv::ByteRecord,
}

/// Normalises a header name for matching: `Disabled Plans`, `disabled-plans` → `disabled_plans`.
pub fn normalise(name: &str) -> String {
    name.trim()
        .chars()
        .map(|c| match c {
            ' ' | '-' => '_',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

/// Picks the delimiter that splits the header line into the most fields, quotes respected.
fn sniff_delimiter(header: &str) -> u8 {
    let mut counts = [(b',', 0usize), (b';', 0), (b'\t', 0)];
    let mut quoted = false;
    for b in header.bytes() {
        if b == b'"' {
            quoted = !quoted;
        } else if !quoted {
            for (d, n) in counts.iter_mut() {
                if b == *d {
                    *n += 1;
                }
            }
        }
    }
    // Ties go to the comma: it comes first and `max_by_key` keeps the last maximum, so reverse.
    counts
        .iter()
        .rev()
        .max_by_key(|(_, n)| *n)
        .map_or(b',', |(d, _)| *d)
}

impl<'a> CsvFile<'a> {
    /// Opens a CSV whose first non-blank line (`first`, found after `lines_before` lines
    /// including itself) has already been read for sniffing.
    pub fn open(
        path: &'a Path,
        mut rest: TextReader,
        first: String,
        lines_before: u64,
    ) -> Result<Self, InputError> {
        let (mut header_line, mut consumed) = (first, lines_before);
        let start = header_line.trim_start().as_bytes();
        if start.len() >= 5 && start[..5].eq_ignore_ascii_case(b"#TYPE") {
            let (next, n) = first_nonblank_line(&mut rest).map_err(|e| {
                InputError::new(
                    path,
                    Location::Line(consumed + 1),
                    format!("cannot read: {e}"),
                )
            })?;
            header_line = next;
            consumed += n;
        }
        if header_line.trim().is_empty() {
            return Err(
                InputError::new(path, Location::File, "the file has no header row")
                    .hint("a CSV export starts with a row of column names"),
            );
        }
        let delimiter = sniff_delimiter(header_line.trim_end_matches(['\r', '\n']));
        let inner = LineEnds::checked(
            BufReader::new(Cursor::new(header_line.into_bytes()).chain(rest)),
            delimiter,
        );
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .flexible(true)
            .has_headers(true)
            .from_reader(inner);
        let line_offset = consumed.saturating_sub(1);
        let header: Vec<String> = reader
            .headers()
            .map_err(|e| csv_error(path, line_offset, &[], &e))?
            .iter()
            .map(|h| h.trim().to_owned())
            .collect();
        if header.iter().all(String::is_empty) {
            return Err(InputError::new(
                path,
                Location::Line(line_offset + 1),
                format!(
                    "the header row has {} column{} and no column names",
                    thousands(header.len() as u64),
                    if header.len() == 1 { "" } else { "s" }
                ),
            )
            .hint("a CSV export starts with a row of column names"));
        }
        let mut index = HashMap::new();
        for (i, h) in header.iter().enumerate() {
            index.entry(normalise(h)).or_insert(i);
        }
        Ok(CsvFile {
            path,
            header,
            index,
            reader,
            line_offset,
            record: csv::StringRecord::new(),
            bytes: csv::ByteRecord::new(),
        })
    }

    /// The column of a normalised header name.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.index.get(name).copied()
    }

    pub fn has(&self, name: &str) -> bool {
        self.index.contains_key(name)
    }

    /// Reads the next row; `Ok(None)` at the end. A row that cannot be read (more or fewer
    /// fields than the header: a truncated or mis-delimited file; text that is not UTF-8) is
    /// added to `skipped` and reading goes on, so one run reports every bad row. `Err` only when
    /// the file itself cannot be read on.
    pub fn next_row(
        &mut self,
        skipped: &mut Vec<InputError>,
    ) -> Result<Option<Row<'_>>, InputError> {
        loop {
            // Read as bytes first so that a row that is not UTF-8 is still numbered and its
            // column named; the two records swap buffers, so nothing is allocated per row.
            match self.reader.read_byte_record(&mut self.bytes) {
                Ok(false) => return Ok(None),
                Ok(true) => {}
                Err(e) => return Err(csv_error(self.path, self.line_offset, &self.header, &e)),
            }
            // The line after the record's closing LF, less the line ends inside its quoted
            // fields and that LF: where the record starts, blank lines before it skipped.
            let inside: usize = self.bytes.iter().flatten().filter(|&&b| b == b'\n').count();
            let end = self.reader.position().line();
            let line = end.saturating_sub(inside as u64 + 1).max(1) + self.line_offset;
            // A NUL byte past the part of the file its start was sniffed from: never part of
            // a name, a binary tail or a damaged file.
            if let Some(at) = self.bytes.as_slice().iter().position(|&b| b == 0) {
                let field = (0..self.bytes.len())
                    .find(|&i| self.bytes.range(i).is_some_and(|r| r.end > at));
                let mut err = InputError::new(
                    self.path,
                    Location::Line(line),
                    "the row holds a NUL (zero) byte: the file is damaged or not a text export",
                )
                .hint("export the file again; if it was edited, save it as UTF-8 CSV");
                if let Some(name) = field.and_then(|f| self.header.get(f)) {
                    err = err.field(name.clone());
                }
                skipped.push(err);
                continue;
            }
            match csv::StringRecord::from_byte_record(std::mem::take(&mut self.bytes)) {
                Ok(record) => {
                    let old = std::mem::replace(&mut self.record, record);
                    self.bytes = old.into_byte_record();
                }
                Err(e) => {
                    let field = e.utf8_error().field();
                    let valid = e.utf8_error().valid_up_to();
                    self.bytes = e.into_byte_record();
                    // The row's text (fields joined, quotes aside), to name the byte's column
                    // and show what the text looks like read as a legacy code page.
                    let mut row = Vec::new();
                    let mut bad = 0;
                    for (i, f) in self.bytes.iter().enumerate() {
                        if i > 0 {
                            row.push(b',');
                        }
                        if i == field {
                            bad = row.len() + valid;
                        }
                        row.extend_from_slice(f);
                    }
                    let why = super::text::describe_not_utf8(&row, bad, line);
                    let mut err = InputError::new(self.path, Location::Line(line), why.to_string())
                        .hint(why.hint());
                    if let Some(name) = self.header.get(field) {
                        err = err.field(name.clone());
                    }
                    skipped.push(err);
                    continue;
                }
            }
            if self.record.len() != self.header.len() {
                skipped.push(
                    InputError::new(
                        self.path,
                        Location::Line(line),
                        format!(
                            "the row has {} fields but the header has {}",
                            self.record.len(),
                            self.header.len()
                        ),
                    )
                    .hint(
                        "the file may be truncated, or a field holding the delimiter is not quoted",
                    ),
                );
                continue;
            }
            return Ok(Some(Row {
                path: self.path,
                line,
                record: &self.record,
                header: &self.header,
            }));
        }
    }
}

fn csv_error(path: &Path, offset: u64, header: &[String], e: &csv::Error) -> InputError {
    if let csv::ErrorKind::Io(io) = e.kind() {
        if let Some(limit) = io.get_ref().and_then(|x| x.downcast_ref::<Limit>()) {
            let mut err = InputError::new(
                path,
                Location::Line(limit.line() + offset),
                limit.to_string(),
            )
            .hint(limit.hint());
            if let Some(c) = limit.column() {
                err = match header.get(c) {
                    Some(name) => err.field(name.clone()),
                    None => err.field(format!("column {}", c + 1)),
                };
            }
            return err;
        }
    }
    let line = e.position().map_or(0, |p| p.line()) + offset;
    let loc = if line > 0 {
        Location::Line(line)
    } else {
        Location::File
    };
    let msg = match e.kind() {
        csv::ErrorKind::Utf8 { .. } => "the text is not valid UTF-8".to_owned(),
        _ => e.to_string(),
    };
    InputError::new(path, loc, msg)
        .hint("save the file as UTF-8 (or UTF-16 with a byte-order mark) CSV")
}

/// One data row.
pub struct Row<'r> {
    pub path: &'r Path,
    pub line: u64,
    record: &'r csv::StringRecord,
    header: &'r [String],
}

impl Row<'_> {
    /// The trimmed cell of a column (empty when the column is absent).
    pub fn get(&self, col: Option<usize>) -> &str {
        col.and_then(|c| self.record.get(c)).map_or("", str::trim)
    }

    /// The first column whose cell holds this character.
    pub fn column_with(&self, c: char) -> Option<usize> {
        self.record.iter().position(|f| f.contains(c))
    }

    pub fn is_empty(&self) -> bool {
        self.record.iter().all(|f| f.trim().is_empty())
    }

    /// The first cell for which `f` holds, with its column.
    pub fn find_cell(&self, f: impl Fn(&str) -> bool) -> Option<(usize, &str)> {
        self.record
            .iter()
            .map(str::trim)
            .enumerate()
            .find(|(_, c)| f(c))
    }

    /// An error about one cell.
    pub fn error(&self, col: Option<usize>, message: impl Into<String>, hint: &str) -> InputError {
        let mut e = InputError::new(self.path, Location::Line(self.line), message).hint(hint);
        if let Some(name) = col.and_then(|c| self.header.get(c)) {
            e = e.field(name.clone());
        }
        e
    }
}

/// A cell that should have been a boolean.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotABool;

/// Parses a boolean cell: true/false, yes/no, 1/0 (any case); empty = unknown.
pub fn parse_bool(s: &str) -> Result<Option<bool>, NotABool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "" => Ok(None),
        "true" | "yes" | "1" => Ok(Some(true)),
        "false" | "no" | "0" => Ok(Some(false)),
        _ => Err(NotABool),
    }
}

/// Splits a list cell on `;`, `|`, `,` or whitespace: ids, plan names and proxy addresses never
/// contain any of them.
pub fn split_list(s: &str) -> Vec<&str> {
    s.split(|c: char| c == ';' || c == '|' || c == ',' || c.is_whitespace())
        .filter(|x| !x.is_empty())
        .collect()
}

#[cfg(test)]
mod tests;
