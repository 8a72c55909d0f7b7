//! CSV files as real tools write them: BOM or UTF-16 (handled by `text`), a `#TYPE` first line
//! (Windows PowerShell 5.1 `Export-Csv`), `,` or `;` (European Excel) or tab delimiters, CRLF,
//! quoted fields with embedded newlines. The `csv` crate does the parsing; this module only
//! sniffs the dialect and keeps line numbers true to the file.

use std::collections::HashMap;
use std::io::{BufReader, Cursor, Read};
use std::path::Path;

use super::error::{InputError, Location};
use super::text::{first_nonblank_line, TextReader};

type Inner = BufReader<std::io::Chain<Cursor<Vec<u8>>, TextReader>>;

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
        if header_line
            .trim_start()
            .to_ascii_uppercase()
            .starts_with("#TYPE")
        {
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
        let inner = BufReader::new(Cursor::new(header_line.into_bytes()).chain(rest));
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .flexible(true)
            .has_headers(true)
            .from_reader(inner);
        let line_offset = consumed.saturating_sub(1);
        let header: Vec<String> = reader
            .headers()
            .map_err(|e| csv_error(path, line_offset, &e))?
            .iter()
            .map(|h| h.trim().to_owned())
            .collect();
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
        })
    }

    /// The column of a normalised header name.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.index.get(name).copied()
    }

    pub fn has(&self, name: &str) -> bool {
        self.index.contains_key(name)
    }

    /// Reads the next row; `Ok(None)` at the end. Rows with more or fewer fields than the header
    /// are errors (a truncated or mis-delimited file).
    pub fn next_row(&mut self) -> Result<Option<Row<'_>>, InputError> {
        match self.reader.read_record(&mut self.record) {
            Ok(false) => Ok(None),
            Ok(true) => {
                let line = self.record.position().map_or(0, |p| p.line()) + self.line_offset;
                if self.record.len() != self.header.len() {
                    return Err(InputError::new(
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
                    ));
                }
                Ok(Some(Row {
                    path: self.path,
                    line,
                    record: &self.record,
                    header: &self.header,
                }))
            }
            Err(e) => Err(csv_error(self.path, self.line_offset, &e)),
        }
    }
}

fn csv_error(path: &Path, offset: u64, e: &csv::Error) -> InputError {
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

    pub fn is_empty(&self) -> bool {
        self.record.iter().all(|f| f.trim().is_empty())
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
mod tests {
    use super::*;

    #[test]
    fn delimiter_sniffing() {
        assert_eq!(sniff_delimiter("user,sku"), b',');
        assert_eq!(sniff_delimiter("user;sku;disabled_plans"), b';');
        assert_eq!(sniff_delimiter("\"a;b\",c"), b',');
        assert_eq!(sniff_delimiter("user\tsku"), b'\t');
        assert_eq!(sniff_delimiter("single"), b',');
    }

    #[test]
    fn lists_and_booleans() {
        assert_eq!(split_list("A; B|C, D  E"), ["A", "B", "C", "D", "E"]);
        assert_eq!(parse_bool(" TRUE "), Ok(Some(true)));
        assert_eq!(parse_bool(""), Ok(None));
        assert!(parse_bool("maybe").is_err());
    }
}
