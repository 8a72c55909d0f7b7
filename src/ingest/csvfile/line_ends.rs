//! The byte-level pass under the csv crate: line ends made LF, rows numbered where they end, and
//! the limits on cells, records and fields held while reading.

use super::*;

/// Where a CSV parse stands, as the `csv` crate reads (RFC 4180 with its leniencies: a quote
/// opens a quoted cell only at the start of a cell; after the closing quote the cell goes on
/// unquoted).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Scan {
    CellStart,
    Unquoted,
    Quoted,
    /// A quote inside a quoted cell: a doubled quote, or the cell's closing quote.
    QuoteInQuoted,
}

/// Sizes of the record being read, checked byte by byte against the limits.
#[derive(Debug, Clone)]
pub(super) struct Scanner {
    pub(super) delimiter: u8,
    pub(super) state: Scan,
    /// The line being read (1-based) and the line the record started on.
    pub(super) line: u64,
    pub(super) record_line: u64,
    pub(super) record: usize,
    pub(super) cell: usize,
    /// 0-based column of the cell being read.
    pub(super) column: usize,
    /// The line where the last quoted cell began, and whether the cell being read began so.
    pub(super) quote_line: u64,
    pub(super) quoted: bool,
}

impl Scanner {
    pub(super) fn new(delimiter: u8) -> Self {
        Scanner {
            delimiter,
            state: Scan::CellStart,
            line: 1,
            record_line: 1,
            record: 0,
            cell: 0,
            column: 0,
            quote_line: 1,
            quoted: false,
        }
    }

    pub(super) fn byte(&mut self, b: u8) -> Result<(), Limit> {
        if self.record == 0 {
            self.record_line = self.line;
        }
        let end_of_cell = |s: &mut Scanner| {
            s.column += 1;
            s.cell = 0;
            s.quoted = false;
            s.state = Scan::CellStart;
            if s.column >= FIELDS_MAX {
                return Err(Limit::Fields {
                    line: s.record_line,
                });
            }
            Ok(())
        };
        let end_of_record = |s: &mut Scanner| {
            s.line += 1;
            s.record = 0;
            s.cell = 0;
            s.column = 0;
            s.quoted = false;
            s.state = Scan::CellStart;
        };
        match (self.state, b) {
            (Scan::Quoted, b'"') => self.state = Scan::QuoteInQuoted,
            (Scan::Quoted, b'\n') => self.line += 1,
            (Scan::Quoted, _) => {}
            (Scan::QuoteInQuoted, b'"') => self.state = Scan::Quoted,
            (Scan::CellStart, b'"') => {
                self.state = Scan::Quoted;
                self.quote_line = self.line;
                self.quoted = true;
            }
            (_, b'\n') => {
                end_of_record(self);
                return Ok(());
            }
            (_, d) if d == self.delimiter => {
                self.record += 1;
                return end_of_cell(self);
            }
            _ => self.state = Scan::Unquoted,
        }
        self.record += 1;
        self.cell += 1;
        if self.cell > CELL_MAX {
            return Err(Limit::Cell {
                line: self.record_line,
                column: self.column,
                quoted: self.quoted,
            });
        }
        if self.record > RECORD_MAX {
            return Err(Limit::Record {
                line: self.record_line,
            });
        }
        Ok(())
    }

    /// At the end of the text: a quoted cell still open is an error, not a cell holding the
    /// rest of the file.
    pub(super) fn end(&self) -> Result<(), Limit> {
        if self.state == Scan::Quoted {
            return Err(Limit::Unclosed {
                line: self.quote_line,
                column: self.column,
            });
        }
        Ok(())
    }
}

/// Streams text with every line end (CRLF, CR, LF) as LF, and an LF after the last line.
///
/// The csv crate counts lines by LF only and stamps a record with the line where reading it
/// began, which is before any blank lines it skips, and, after a CRLF, before the LF it has not
/// consumed yet. So rows are numbered from where each one ends instead (see
/// [`CsvFile::next_row`]); that needs every record to end in an LF, which this guarantees.
/// Line ends inside quoted fields become LF too, so a value reads the same from any dialect.
///
/// With a delimiter ([`LineEnds::checked`]) it also holds the file to the limits on cells,
/// records and fields, and refuses a quoted cell that is never closed, as an I/O error
/// carrying a [`Limit`].
pub struct LineEnds<R> {
    pub(super) inner: R,
    pub(super) after_cr: bool,
    /// Whether the last byte written was an LF (true at the start: an empty input stays empty).
    pub(super) at_line_start: bool,
    pub(super) done: bool,
    pub(super) scanner: Option<Scanner>,
}

impl<R: BufRead> LineEnds<R> {
    pub fn new(inner: R) -> Self {
        LineEnds {
            inner,
            after_cr: false,
            at_line_start: true,
            done: false,
            scanner: None,
        }
    }

    /// Line ends normalised and the CSV limits held, for this delimiter.
    pub fn checked(inner: R, delimiter: u8) -> Self {
        LineEnds {
            scanner: Some(Scanner::new(delimiter)),
            ..LineEnds::new(inner)
        }
    }

    pub(super) fn scan(&mut self, out: &[u8], at_end: bool) -> io::Result<()> {
        let Some(sc) = self.scanner.as_mut() else {
            return Ok(());
        };
        let checked = out.iter().try_for_each(|&b| sc.byte(b)).and_then(|()| {
            if at_end {
                sc.end()
            } else {
                Ok(())
            }
        });
        checked.map_err(|limit| io::Error::new(io::ErrorKind::InvalidData, limit))
    }
}

impl<R: BufRead> Read for LineEnds<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let mut n = 0;
        while n < out.len() && !self.done {
            let buf = self.inner.fill_buf()?;
            if buf.is_empty() {
                self.done = true;
                if !self.at_line_start {
                    out[n] = b'\n';
                    n += 1;
                }
                break;
            }
            let mut used = 0;
            for &b in buf {
                if n == out.len() {
                    break;
                }
                used += 1;
                match b {
                    b'\r' => {
                        out[n] = b'\n';
                        n += 1;
                        self.after_cr = true;
                        self.at_line_start = true;
                    }
                    b'\n' if self.after_cr => self.after_cr = false,
                    _ => {
                        out[n] = b;
                        n += 1;
                        self.after_cr = false;
                        self.at_line_start = b == b'\n';
                    }
                }
            }
            self.inner.consume(used);
            if n > 0 {
                break;
            }
        }
        self.scan(&out[..n], self.done)?;
        Ok(n)
    }
}
