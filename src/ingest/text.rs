//! Turning export bytes into UTF-8 text, as real tools write them.
//!
//! Windows PowerShell 5.1 writes UTF-16 LE with a BOM (`Out-File`, `Export-Csv -Encoding
//! Unicode`), Excel and the admin center write UTF-8 with a BOM, everything else plain UTF-8.
//! `encoding_rs_io` sniffs the BOM and transcodes while streaming, so a million-user file is never
//! held twice in memory.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;

use encoding_rs_io::DecodeReaderBytesBuilder;

/// A streaming UTF-8 reader over a file, BOM removed, UTF-16 transcoded.
pub type TextReader = BufReader<Box<dyn Read>>;

/// Opens a file as UTF-8 text.
pub fn open(path: &Path) -> io::Result<TextReader> {
    let file = File::open(path)?;
    Ok(decode(Box::new(file)))
}

/// Wraps any byte source (tests use in-memory bytes).
pub fn decode(inner: Box<dyn Read>) -> TextReader {
    let decoder = DecodeReaderBytesBuilder::new()
        .bom_sniffing(true)
        .strip_bom(true)
        // Without a BOM, bytes pass through untouched: invalid UTF-8 is then reported by the
        // CSV or JSON reader with its position, instead of being silently replaced.
        .utf8_passthru(true)
        .build(inner);
    BufReader::with_capacity(1 << 16, Box::new(decoder) as Box<dyn Read>)
}

/// Reads the first line that is not blank (including its line ending), and how many lines were
/// read to get it. Used to sniff the content before handing the stream to a parser.
pub fn first_nonblank_line(r: &mut impl BufRead) -> io::Result<(String, u64)> {
    let mut lines = 0;
    loop {
        let mut line = String::new();
        let n = read_line_lossless(r, &mut line).map_err(|e| {
            if e.kind() == io::ErrorKind::InvalidData {
                io::Error::new(io::ErrorKind::InvalidData, BadLine { line: lines + 1 })
            } else {
                e
            }
        })?;
        if n == 0 {
            return Ok((String::new(), lines));
        }
        lines += 1;
        if !line.trim().is_empty() {
            return Ok((line, lines));
        }
    }
}

/// A line that is not text: the 1-based line, for the message's place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("line {line} is neither UTF-8 nor UTF-16 with a byte-order mark")]
pub struct BadLine {
    pub line: u64,
}

/// The line of a [`BadLine`] error, if the error is one.
pub fn bad_line(e: &io::Error) -> Option<u64> {
    e.get_ref()
        .and_then(|x| x.downcast_ref::<BadLine>())
        .map(|b| b.line)
}

/// `read_line` that reports invalid UTF-8 as an error with a clear message.
fn read_line_lossless(r: &mut impl BufRead, out: &mut String) -> io::Result<usize> {
    let mut buf = Vec::new();
    // A line is capped so that a 10 MB single-line file is still sniffed in bounded memory:
    // only its start matters for telling JSON from CSV.
    const CAP: u64 = 1 << 24;
    let mut n = Read::take(&mut *r, CAP).read_until(b'\n', &mut buf)?;
    // The cap may cut a character in two: complete it (at most three more bytes).
    if n as u64 == CAP && buf.last() != Some(&b'\n') {
        for _ in 0..3 {
            match std::str::from_utf8(&buf) {
                Err(e) if e.error_len().is_none() => {
                    let mut byte = [0u8; 1];
                    if r.read(&mut byte)? == 0 {
                        break;
                    }
                    buf.push(byte[0]);
                    n += 1;
                }
                _ => break,
            }
        }
    }
    match String::from_utf8(buf) {
        Ok(s) => {
            out.push_str(&s);
            Ok(n)
        }
        Err(_) => Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "the file is neither UTF-8 nor UTF-16 with a byte-order mark",
        )),
    }
}

/// Whether a file starts with a UTF-16 byte-order mark (its text was transcoded, and malformed
/// UTF-16 became U+FFFD on the way).
pub fn is_utf16(path: &Path) -> bool {
    let mut head = [0u8; 2];
    File::open(path)
        .and_then(|mut f| f.read_exact(&mut head))
        .is_ok()
        && (head == [0xFF, 0xFE] || head == [0xFE, 0xFF])
}
