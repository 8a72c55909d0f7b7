//! Turning export bytes into UTF-8 text, as real tools write them.
//!
//! Windows PowerShell 5.1 writes UTF-16 LE with a BOM (`Out-File`, `Export-Csv -Encoding
//! Unicode`), Excel and the admin center write UTF-8 with a BOM, everything else plain UTF-8.
//! `encoding_rs_io` sniffs the BOM and transcodes while streaming, so a million-user file is never
//! held twice in memory.
//!
//! Before that, the first few kilobytes are looked at: UTF-16 without a BOM (`[IO.File]::
//! WriteAllText` with `[Text.Encoding]::Unicode`, some `iconv` runs) is told from where its zero
//! bytes fall and transcoded too; zero bytes in any other pattern mean a binary file (or one
//! padded with zeros), refused at once instead of being fed to a parser; and text that is not
//! UTF-8 is named with the encoding it looks like and how to save it as UTF-8.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Cursor, Read};
use std::path::Path;

use encoding_rs::Encoding;
use encoding_rs_io::DecodeReaderBytesBuilder;

/// A streaming UTF-8 reader over a file, BOM removed, UTF-16 transcoded.
pub type TextReader = BufReader<Box<dyn Read>>;

/// How many bytes at the start of a file are looked at to tell its encoding.
const HEAD: usize = 8 << 10;

/// Opens a file as UTF-8 text. Fails with a [`NotText`] inside the `io::Error` (see
/// [`not_text`]) when the file's start shows it is binary, UTF-32 or not UTF-8.
pub fn open(path: &Path) -> io::Result<TextReader> {
    let file = File::open(path)?;
    decode_sniffed(Box::new(file))
}

/// Wraps any byte source, telling its encoding from its first bytes as [`open`] does.
pub fn decode_sniffed(mut inner: Box<dyn Read>) -> io::Result<TextReader> {
    let mut head = Vec::with_capacity(HEAD);
    (&mut inner).take(HEAD as u64).read_to_end(&mut head)?;
    let encoding = sniff(&head).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
    let joined: Box<dyn Read> = Box::new(Cursor::new(head).chain(inner));
    Ok(decode_as(joined, encoding))
}

/// Wraps any byte source: a BOM is sniffed and removed, UTF-16 with a BOM transcoded, anything
/// else passed through as it is.
pub fn decode(inner: Box<dyn Read>) -> TextReader {
    decode_as(inner, None)
}

fn decode_as(inner: Box<dyn Read>, encoding: Option<&'static Encoding>) -> TextReader {
    let mut builder = DecodeReaderBytesBuilder::new();
    builder
        .bom_sniffing(true)
        .strip_bom(true)
        // Without a BOM, bytes pass through untouched: invalid UTF-8 is then reported by the
        // CSV or JSON reader with its position, instead of being silently replaced.
        .utf8_passthru(true);
    if encoding.is_some() {
        builder.encoding(encoding);
    }
    BufReader::with_capacity(1 << 16, Box::new(builder.build(inner)) as Box<dyn Read>)
}

/// Why a file is not text licplan can read, told from its first bytes or a line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotText {
    /// Zero bytes that are not UTF-16's.
    #[error(
        "the file contains NUL (zero) bytes, the first at byte {offset}: it is not a text export \
         (a binary file, or one cut short and padded with zeros)"
    )]
    Binary { line: u64, offset: u64 },
    #[error("the file is UTF-32 ({0}), which licplan does not read")]
    Utf32(&'static str),
    /// Compressed or packed: gzip, or ZIP (which an Excel workbook also is).
    #[error("the file is {0}, not a text export")]
    Packed(&'static str),
    #[error(
        "the file starts with a UTF-8 byte-order mark and then a UTF-16 one: it was converted twice"
    )]
    TwoBoms,
    /// Bytes that are not UTF-8, with what they look like.
    #[error("the file is not UTF-8: {detail}")]
    NotUtf8 {
        line: u64,
        column: u64,
        detail: String,
    },
}

impl NotText {
    /// The 1-based line and column the problem is at, when it has one.
    pub fn place(&self) -> Option<(u64, Option<u64>)> {
        match self {
            NotText::Binary { line, .. } => Some((*line, None)),
            NotText::Utf32(_) | NotText::TwoBoms | NotText::Packed(_) => Some((1, None)),
            // The column is in the message; the place is the line, as for other CSV problems.
            NotText::NotUtf8 { line, .. } => Some((*line, None)),
        }
    }

    /// What to do about it.
    pub fn hint(&self) -> &'static str {
        match self {
            NotText::Binary { .. } => {
                "give licplan the JSON or CSV export itself; if this is one, it was damaged: export it again"
            }
            NotText::Packed(_) => {
                "unpack it first (gunzip, or unzip; `curl --compressed` saves a response unpacked); \
                 an Excel workbook is saved as \"CSV UTF-8\" with \"Save As\""
            }
            NotText::Utf32(_) | NotText::TwoBoms | NotText::NotUtf8 { .. } => SAVE_AS_UTF8,
        }
    }
}

/// How to re-save a file as UTF-8, with the tools exports come from.
pub const SAVE_AS_UTF8: &str = "save the file as UTF-8: in PowerShell `... | Out-File -Encoding utf8` \
     (or `Export-Csv -Encoding UTF8`), in Excel \"Save As\" > \"CSV UTF-8\", in Notepad \"Save As\" \
     with Encoding \"UTF-8\"";

/// The [`NotText`] inside an error from [`open`], [`decode_sniffed`] or [`first_nonblank_line`].
pub fn not_text(e: &io::Error) -> Option<&NotText> {
    e.get_ref().and_then(|x| x.downcast_ref::<NotText>())
}

/// Tells a file's encoding from its first bytes: `None` leaves it to BOM sniffing (UTF-8, or
/// UTF-16 with a BOM), `Some` is UTF-16 without one.
fn sniff(head: &[u8]) -> Result<Option<&'static Encoding>, NotText> {
    if head.starts_with(&[0x1F, 0x8B]) {
        return Err(NotText::Packed("gzip-compressed"));
    }
    if head.starts_with(b"PK\x03\x04") {
        return Err(NotText::Packed(
            "a ZIP archive (or an Excel .xlsx workbook, which is one)",
        ));
    }
    if head.starts_with(&[0xFF, 0xFE, 0, 0]) {
        return Err(NotText::Utf32("little-endian, with a byte-order mark"));
    }
    if head.starts_with(&[0, 0, 0xFE, 0xFF]) {
        return Err(NotText::Utf32("big-endian, with a byte-order mark"));
    }
    if head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF]) {
        return Ok(None);
    }
    let (skip, body) = match head.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        Some(rest) => (3, rest),
        None => (0, head),
    };
    if skip > 0 && (body.starts_with(&[0xFF, 0xFE]) || body.starts_with(&[0xFE, 0xFF])) {
        return Err(NotText::TwoBoms);
    }
    // Text that is not UTF-8 is named by the reader that meets it, with its line (and, in a
    // CSV, its column's name).
    let Some(first_zero) = body.iter().position(|&b| b == 0) else {
        return Ok(None);
    };
    if let Some(enc) = zero_pattern(body) {
        return enc;
    }
    Err(NotText::Binary {
        line: line_of(&body[..first_zero]),
        offset: (skip + first_zero) as u64,
    })
}

/// UTF-16 or UTF-32 told from where zero bytes fall: text that is mostly ASCII (as every export's
/// keys, punctuation and GUIDs are) has a zero in every character's high byte or bytes.
fn zero_pattern(body: &[u8]) -> Option<Result<Option<&'static Encoding>, NotText>> {
    let mut by_pos = [0usize; 4];
    for (i, &b) in body.iter().enumerate() {
        if b == 0 {
            by_pos[i % 4] += 1;
        }
    }
    let quads = body.len() / 4;
    if quads >= 2 {
        let mostly = |n: usize| n * 10 >= quads * 9;
        let rarely = |n: usize| n * 10 <= quads;
        if rarely(by_pos[0]) && mostly(by_pos[1]) && mostly(by_pos[2]) && mostly(by_pos[3]) {
            return Some(Err(NotText::Utf32("little-endian")));
        }
        if mostly(by_pos[0]) && mostly(by_pos[1]) && mostly(by_pos[2]) && rarely(by_pos[3]) {
            return Some(Err(NotText::Utf32("big-endian")));
        }
    }
    let pairs = body.len() / 2;
    let even = by_pos[0] + by_pos[2];
    let odd = by_pos[1] + by_pos[3];
    if pairs > 0 && odd * 4 >= pairs && even * 8 <= odd {
        return Some(Ok(Some(encoding_rs::UTF_16LE)));
    }
    if pairs > 0 && even * 4 >= pairs && odd * 8 <= even {
        return Some(Ok(Some(encoding_rs::UTF_16BE)));
    }
    None
}

/// The line (1-based) that the end of `before` is on: LF, CR LF and a lone CR each end a line.
fn line_of(before: &[u8]) -> u64 {
    let mut line = 1;
    let mut prev_cr = false;
    for &b in before {
        match b {
            b'\n' if prev_cr => {}
            b'\n' | b'\r' => line += 1,
            _ => {}
        }
        prev_cr = b == b'\r';
    }
    line
}

/// Names the first byte that is not UTF-8 (at `bad` in `bytes`, which start line `first_line`)
/// with its line and column and the encoding it looks like.
pub fn describe_not_utf8(bytes: &[u8], bad: usize, first_line: u64) -> NotText {
    let bad = bad.min(bytes.len());
    let line_start = bytes[..bad]
        .iter()
        .rposition(|&b| b == b'\n' || b == b'\r')
        .map_or(0, |i| i + 1);
    let line = first_line + line_of(&bytes[..bad]) - 1;
    let line_end = bytes[bad..]
        .iter()
        .position(|&b| b == b'\n' || b == b'\r')
        .map_or(bytes.len(), |i| bad + i);
    let text = &bytes[line_start..line_end];
    let at = bad - line_start;
    let column = String::from_utf8_lossy(&text[..at]).chars().count() as u64 + 1;
    let byte = bytes.get(bad).copied().unwrap_or(0);
    // A window around the byte, shown as Windows-1252 would read it.
    let from = at.saturating_sub(16);
    let to = (at + 16).min(text.len());
    let (shown, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(&text[from..to]);
    let shown: String = shown
        .chars()
        .map(|c| if c.is_control() { '\u{FFFD}' } else { c })
        .collect();
    let looks = looks_like(text);
    NotText::NotUtf8 {
        line,
        column,
        detail: format!(
            "byte 0x{byte:02X} at line {line}, column {column} is not part of a UTF-8 character; the \
             text {looks} (read that way, it says {}{shown}{})",
            if from > 0 { "…" } else { "" },
            if to < text.len() { "…" } else { "" },
        ),
    }
}

/// What a line that is not UTF-8 most likely is, from its runs of bytes above 0x7F.
fn looks_like(line: &[u8]) -> &'static str {
    let (mut single, mut longer, mut run) = (0usize, 0usize, 0usize);
    for &b in line.iter().chain(std::iter::once(&b' ')) {
        if b >= 0x80 {
            run += 1;
        } else {
            match run {
                0 => {}
                1 => single += 1,
                _ => longer += 1,
            }
            run = 0;
        }
    }
    if single >= longer {
        "looks like Windows-1252 (\"ANSI\", close to Latin-1), which Windows PowerShell 5.1 and Excel write by default"
    } else {
        "looks like a legacy code page (Windows-1252, or a double-byte one such as Shift-JIS or GBK)"
    }
}

/// A value as quoted in a finding or message: at most 200 characters, then its length.
pub fn short(s: &str) -> std::borrow::Cow<'_, str> {
    const SHOWN: usize = 200;
    match s.char_indices().nth(SHOWN) {
        None => std::borrow::Cow::Borrowed(s),
        Some((cut, _)) => {
            std::borrow::Cow::Owned(format!("{}… ({} characters)", &s[..cut], s.chars().count()))
        }
    }
}

/// Reads the first line that is not blank (including its line ending), and how many lines were
/// read to get it. Used to sniff the content before handing the stream to a parser. A line ends
/// at LF, CR LF or a lone CR (old Mac files and some JSON Lines writers).
pub fn first_nonblank_line(r: &mut impl BufRead) -> io::Result<(String, u64)> {
    let mut lines = 0;
    let mut buf = Vec::new();
    loop {
        buf.clear();
        // A line is capped so that a 10 MB single-line file is still sniffed in bounded memory:
        // only its start matters for telling JSON from CSV.
        const CAP: usize = 1 << 24;
        let n = read_line_bytes(r, &mut buf, CAP)?;
        if n == 0 {
            return Ok((String::new(), lines));
        }
        lines += 1;
        // The cap may cut a character in two: complete it (at most three more bytes).
        if n == CAP && !buf.ends_with(b"\n") && !buf.ends_with(b"\r") {
            for _ in 0..3 {
                match std::str::from_utf8(&buf) {
                    Err(e) if e.error_len().is_none() => {
                        let mut byte = [0u8; 1];
                        if r.read(&mut byte)? == 0 {
                            break;
                        }
                        buf.push(byte[0]);
                    }
                    _ => break,
                }
            }
        }
        let line = match String::from_utf8(std::mem::take(&mut buf)) {
            Ok(s) => s,
            Err(e) => {
                let bad = e.utf8_error().valid_up_to();
                let e = describe_not_utf8(e.as_bytes(), bad, lines);
                return Err(io::Error::new(io::ErrorKind::InvalidData, e));
            }
        };
        if !line.trim().is_empty() {
            return Ok((line, lines));
        }
    }
}

/// Reads one line's bytes into `buf` (appending), its line ending included: LF, CR LF or a lone
/// CR. Stops after `cap` bytes without a line ending. Returns how many bytes were read (0 at the
/// end of the stream).
pub fn read_line_bytes(r: &mut impl BufRead, buf: &mut Vec<u8>, cap: usize) -> io::Result<usize> {
    let start = buf.len();
    loop {
        let (used, ended_cr, ended) = {
            let avail = match r.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if avail.is_empty() {
                return Ok(buf.len() - start);
            }
            let room = cap.saturating_sub(buf.len() - start);
            let window = &avail[..avail.len().min(room)];
            match window.iter().position(|&b| b == b'\n' || b == b'\r') {
                Some(i) => {
                    buf.extend_from_slice(&window[..=i]);
                    (i + 1, window[i] == b'\r', true)
                }
                None => {
                    buf.extend_from_slice(window);
                    (window.len(), false, window.len() == room)
                }
            }
        };
        r.consume(used);
        if ended_cr {
            // CR LF: the LF may be in the next buffer.
            loop {
                match r.fill_buf() {
                    Ok(next) => {
                        if next.first() == Some(&b'\n') {
                            buf.push(b'\n');
                            r.consume(1);
                        }
                        break;
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(e),
                }
            }
        }
        if ended {
            return Ok(buf.len() - start);
        }
    }
}

/// Whether a file is UTF-16, with a byte-order mark or told from its zero bytes (its text was
/// transcoded, and malformed UTF-16 became U+FFFD on the way). Only a regular file is looked at:
/// a pipe must not be opened a second time.
pub fn is_utf16(path: &Path) -> bool {
    if !std::fs::metadata(path).is_ok_and(|m| m.is_file()) {
        return false;
    }
    let mut head = Vec::with_capacity(HEAD);
    let read = File::open(path).and_then(|f| f.take(HEAD as u64).read_to_end(&mut head));
    read.is_ok()
        && (head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF]) || {
            matches!(sniff(&head), Ok(Some(_)))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sniffed(bytes: &[u8]) -> Result<Option<&'static str>, NotText> {
        sniff(bytes).map(|e| e.map(|e| e.name()))
    }

    fn utf16(s: &str, big: bool) -> Vec<u8> {
        s.encode_utf16()
            .flat_map(|u| {
                if big {
                    u.to_be_bytes()
                } else {
                    u.to_le_bytes()
                }
            })
            .collect()
    }

    #[test]
    fn utf16_without_a_bom_is_told_from_its_zero_bytes() {
        let json = r#"{"value":[{"id":"Zoë Ñandú 名前"}]}"#;
        assert_eq!(sniffed(&utf16(json, false)), Ok(Some("UTF-16LE")));
        assert_eq!(sniffed(&utf16(json, true)), Ok(Some("UTF-16BE")));
        assert_eq!(sniffed(json.as_bytes()), Ok(None));
        // A BOM is left to the decoder.
        assert_eq!(sniffed(&[0xFF, 0xFE, b'{', 0]), Ok(None));
    }

    #[test]
    fn zero_bytes_in_no_utf16_pattern_are_a_binary_file() {
        assert_eq!(
            sniffed(&[0u8; 4096]),
            Err(NotText::Binary { line: 1, offset: 0 })
        );
        let mut padded = b"{\n\"a\": 1\n}\n".to_vec();
        padded.extend([0u8; 100]);
        assert_eq!(
            sniffed(&padded),
            Err(NotText::Binary {
                line: 4,
                offset: 11
            })
        );
        let utf32: Vec<u8> = "{\"id\":1}"
            .chars()
            .flat_map(|c| (c as u32).to_le_bytes())
            .collect();
        assert!(matches!(sniffed(&utf32), Err(NotText::Utf32(_))));
    }

    #[test]
    fn windows_1252_is_named_with_line_and_column() {
        let mut r = BufReader::new(Cursor::new(b"\r\n1,Andr\xe9 M\xfcller\r\n".to_vec()));
        let e = first_nonblank_line(&mut r).expect_err("not UTF-8");
        let Some(NotText::NotUtf8 {
            line,
            column,
            detail,
        }) = not_text(&e)
        else {
            panic!("not a NotUtf8: {e}");
        };
        assert_eq!((*line, *column), (2, 7));
        assert!(
            detail.contains("0xE9") && detail.contains("Windows-1252"),
            "{detail}"
        );
        assert!(detail.contains("André Müller"), "{detail}");
        assert_eq!(
            sniffed(b"\xef\xbb\xbf\xff\xfei\x00d\x00"),
            Err(NotText::TwoBoms)
        );
    }

    #[test]
    fn lines_end_at_lf_crlf_or_a_lone_cr() {
        let mut r = BufReader::with_capacity(3, Cursor::new(b"a\r\nb\rc\n\rd".to_vec()));
        let mut lines = Vec::new();
        loop {
            let mut buf = Vec::new();
            if read_line_bytes(&mut r, &mut buf, 100).expect("reads") == 0 {
                break;
            }
            lines.push(String::from_utf8(buf).expect("utf-8"));
        }
        assert_eq!(lines, ["a\r\n", "b\r", "c\n", "\r", "d"]);
        let mut r = Cursor::new(b"abcdef\n".to_vec());
        let mut buf = Vec::new();
        assert_eq!(read_line_bytes(&mut r, &mut buf, 4).expect("reads"), 4);
        assert_eq!(buf, b"abcd");
    }
}
