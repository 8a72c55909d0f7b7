//! Streaming JSON records out of Graph exports, whatever their wrapper.
//!
//! Graph answers with a page wrapper (`@odata.context`, `@odata.nextLink`, `value: [...]`);
//! `ConvertTo-Json` writes a bare array (or a bare object for one result); scripts write JSON
//! Lines. Records are handed to a callback one at a time through a `DeserializeSeed`, so a
//! million-user file is never held as one tree; each record is a [`Node`] that borrows its
//! strings from the file's bytes.

use std::borrow::Cow;
use std::fmt;
use std::io::{BufReader, Cursor, Read};
use std::path::Path;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use super::error::{InputError, Location};
use super::node::{object_from_map, Node, Obj};
use super::text::{first_nonblank_line, TextReader};

mod seed;

use seed::*;

/// What the wrapper said about the records.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JsonMeta {
    /// `@odata.context`, e.g. `https://graph.microsoft.com/v1.0/$metadata#users(id,…)`.
    pub context: Option<String>,
    /// `@odata.nextLink` (also the old AAD-Graph spelling `odata.nextLink`).
    pub next_link: Option<String>,
    /// `@odata.deltaLink`: the last page of a delta query.
    pub delta_link: Option<String>,
    /// Page wrappers read (`{"value": [...]}` objects; a JSON Lines file may hold several).
    pub pages: u32,
    /// Pages that carried `@odata.nextLink`: each needs a page after it.
    pub pages_with_next: u32,
    /// The largest `@odata.count` a page gave (the total the query matched).
    pub count: Option<u64>,
}

impl JsonMeta {
    /// Counts one page wrapper: whether it carried a next link, and its `@odata.count`.
    fn page(&mut self, had_next: bool, count: Option<&Node<'_>>) {
        self.pages += 1;
        self.pages_with_next += u32::from(had_next);
        let n = match count {
            Some(Node::Int(n)) => u64::try_from(*n).ok(),
            Some(Node::UInt(n)) => Some(*n),
            Some(Node::Str(s)) => s.trim().parse().ok(),
            _ => None,
        };
        if let Some(n) = n {
            self.count = Some(self.count.map_or(n, |c| c.max(n)));
        }
    }

    /// Whether the page comes from a delta query (`/users/delta`, `/groups/delta`): a
    /// `deltaLink`, or a link or context naming `/delta`.
    pub fn is_delta(&self) -> bool {
        let names_delta = |s: &Option<String>| {
            s.as_deref().is_some_and(|s| {
                let lower = s.to_ascii_lowercase();
                lower.contains("/delta")
                    || lower.contains("delta(")
                    || lower.contains("$deltatoken")
            })
        };
        self.delta_link.is_some() || names_delta(&self.next_link) || names_delta(&self.context)
    }

    fn set(&mut self, key: MetaKey, value: String) {
        match key {
            MetaKey::Context => self.context = Some(value),
            MetaKey::NextLink => self.next_link = Some(value),
            MetaKey::DeltaLink => self.delta_link = Some(value),
        }
    }
}

/// Where a record sits in its file, to name it in messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordPlace {
    /// The `index`th record of a `value` array.
    Wrapped { index: usize },
    /// The `index`th element of a bare array.
    Array { index: usize },
    /// The file is one object.
    Single,
    /// A JSON Lines record; `index` counts records within a line holding a page wrapper.
    Line { line: u64, index: Option<usize> },
}

impl RecordPlace {
    /// Where the record is, as one number for findings and [`super::raw::Origin`]: its 1-based
    /// ordinal among the file's records, or for JSON Lines its line.
    pub fn at(&self) -> u64 {
        match self {
            RecordPlace::Wrapped { index } | RecordPlace::Array { index } => *index as u64 + 1,
            RecordPlace::Single => 1,
            RecordPlace::Line { line, .. } => *line,
        }
    }

    /// The location of a field inside this record; `path` starts with `.` or `[` or is empty.
    pub fn location(&self, path: &str) -> Location {
        match self {
            RecordPlace::Wrapped { index } => Location::Record {
                index: *index,
                path: format!("$.value[{index}]{path}"),
            },
            RecordPlace::Array { index } => Location::Record {
                index: *index,
                path: format!("$[{index}]{path}"),
            },
            RecordPlace::Single => Location::Record {
                index: 0,
                path: format!("${path}"),
            },
            RecordPlace::Line { line, index } => Location::JsonLine {
                line: *line,
                path: match index {
                    Some(i) => format!("$.value[{i}]{path}"),
                    None => format!("${path}"),
                },
            },
        }
    }
}

/// The callback that receives each record.
pub type OnRecord<'a> = dyn FnMut(RecordPlace, &JsonMeta, Node<'_>) + 'a;

/// Reads every record of a JSON or JSON Lines file. Fails only on a syntax error (with its
/// line and column); what is inside the records is the callback's business.
pub fn read_records(
    file: &Path,
    mut reader: TextReader,
    on_record: &mut OnRecord<'_>,
) -> Result<JsonMeta, InputError> {
    let (first, skipped) = first_nonblank_line(&mut reader).map_err(|e| read_error(file, &e, 0))?;
    let mut meta = JsonMeta::default();
    let trimmed = first.trim();
    if trimmed.starts_with('{') {
        if let Ok(Node::Object(obj)) = serde_json::from_str::<Node>(trimmed) {
            // A complete object on the first line: JSON Lines (or a one-line document, which
            // reads the same way).
            handle_line(file, skipped, obj, &mut meta, on_record)?;
            read_lines(file, reader, skipped, &mut meta, on_record)?;
            return Ok(meta);
        }
    }
    // A file up to this size is read whole and parsed from memory, which serde_json does several
    // times faster than from a reader; a larger one (a single multi-gigabyte PowerShell export)
    // streams, record by record, so memory stays bounded.
    const IN_MEMORY: u64 = 256 << 20;
    let mut head = take_buffer();
    head.extend_from_slice(first.as_bytes());
    let mut rest = reader;
    let whole = {
        let before = head.len();
        (&mut rest)
            .take(IN_MEMORY)
            .read_to_end(&mut head)
            .map_err(|e| InputError::new(file, Location::File, format!("cannot read: {e}")))?;
        ((head.len() - before) as u64) < IN_MEMORY
    };
    let line_offset = skipped.saturating_sub(1);
    let seed = TopSeed {
        meta: &mut meta,
        on_record,
    };
    if whole && super::text::is_utf16(file) {
        // Transcoding turned malformed UTF-16 (an unpaired surrogate) into U+FFFD: the text is
        // not what the export holds.
        if let Some(at) = head.windows(3).position(|w| w == "\u{FFFD}".as_bytes()) {
            let line = head[..at].iter().filter(|&&b| b == b'\n').count() as u64 + 1;
            give_back_buffer(head);
            return Err(InputError::new(
                file,
                Location::Line(line + line_offset),
                "the text is not valid UTF-16 (an unpaired surrogate, shown as U+FFFD)",
            )
            .hint("export again, or save the file as UTF-8"));
        }
    }
    if whole {
        let mut de = serde_json::Deserializer::from_slice(&head);
        let parsed = seed.deserialize(&mut de).and_then(|()| de.end());
        let parsed = parsed.map_err(|e| {
            // Bytes that are not UTF-8 explain any error after them: name them and their
            // encoding rather than what the parser made of them.
            match std::str::from_utf8(&head) {
                Err(bad) => {
                    let e = super::text::describe_not_utf8(&head, bad.valid_up_to(), 1);
                    not_text_error(file, &e, line_offset)
                }
                Ok(_) => json_error(file, &e, line_offset, Some(&head)),
            }
        });
        give_back_buffer(head);
        parsed?;
    } else {
        let chained = BufReader::new(Cursor::new(head).chain(rest));
        let mut de = serde_json::Deserializer::from_reader(chained);
        seed.deserialize(&mut de)
            .and_then(|()| de.end())
            .map_err(|e| json_error(file, &e, line_offset, None))?;
    }
    Ok(meta)
}

/// An error reading the text of a file: not UTF-8, binary, or an I/O error; `line_offset` lines
/// come before the text read.
pub fn read_error(file: &Path, e: &std::io::Error, line_offset: u64) -> InputError {
    match super::text::not_text(e) {
        Some(t) => not_text_error(file, t, line_offset),
        None => InputError::new(file, Location::File, format!("cannot read: {e}")),
    }
}

fn not_text_error(file: &Path, t: &super::text::NotText, line_offset: u64) -> InputError {
    let place = match t.place() {
        Some((line, Some(column))) => Location::Position {
            line: line + line_offset,
            column,
        },
        Some((line, None)) => Location::Line(line + line_offset),
        None => Location::File,
    };
    InputError::new(file, place, t.to_string()).hint(t.hint())
}

/// What serde_json said, in words that point at the cause, at the place an editor shows.
/// `bytes` is the text parsed from, when it was parsed from memory.
fn json_error(
    file: &Path,
    e: &serde_json::Error,
    line_offset: u64,
    bytes: Option<&[u8]>,
) -> InputError {
    let place = syntax_place(e, line_offset);
    let said = without_position(e);
    if e.is_data() && said.contains(crate::ingest::node::TOO_LONG) {
        return InputError::new(file, place, said).hint(
            "no field of an export is this long: the file was damaged or is not an export; export it again",
        );
    }
    if e.is_data() {
        // Raised by licplan's own visitors (the top level, the page wrapper, a string's size):
        // the message says what is wrong already.
        return InputError::new(file, place, said).hint(
            "a Graph export is an object with a `value` array, an array of records, or JSON Lines",
        );
    }
    if said.starts_with("recursion limit exceeded") {
        return InputError::new(
            file,
            place,
            format!(
                "the JSON is nested more than {MAX_DEPTH} levels deep (recursion limit exceeded); no export is"
            ),
        )
        .hint("this is not a Graph export, or it was damaged: export it again");
    }
    if said.starts_with("number out of range") {
        return InputError::new(
            file,
            place,
            "a number is too large to read (out of range for any field)",
        )
        .hint("counts in Graph exports are whole numbers like 25; check the place shown");
    }
    let bom_here = bytes.and_then(|b| byte_at(b, e.line(), e.column()));
    if bom_here.is_some_and(|(b, i)| b[i..].starts_with(&[0xEF, 0xBB, 0xBF])) {
        return InputError::new(
            file,
            place,
            "a byte-order mark (U+FEFF) in the middle of the file: were two exports joined into one?",
        )
        .hint("give licplan each export as a file of its own");
    }
    InputError::new(file, place, format!("invalid JSON: {said}")).hint(
        "the export may be truncated or hand-edited; export it again, or check the place shown",
    )
}

/// The nesting serde_json allows (its recursion limit).
pub const MAX_DEPTH: usize = 128;

/// `bytes` and the offset of serde_json's 1-based line and column (a byte count) in them.
fn byte_at(bytes: &[u8], line: usize, column: usize) -> Option<(&[u8], usize)> {
    let mut start = 0;
    for _ in 1..line {
        start += bytes[start..].iter().position(|&b| b == b'\n')? + 1;
    }
    let i = start + column.saturating_sub(1);
    (i < bytes.len()).then_some((bytes, i))
}

thread_local! {
    /// The last file's bytes, kept for the next file read on this thread: hundreds of page files
    /// of about a megabyte each would otherwise each take fresh memory from the system, which
    /// costs more (zeroing it) than parsing them.
    static BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// An empty buffer, with the room the last file on this thread needed.
fn take_buffer() -> Vec<u8> {
    let mut b = BUFFER.with(|b| std::mem::take(&mut *b.borrow_mut()));
    b.clear();
    b
}

/// Keeps a buffer for the next file, unless it grew large (one big export is not worth holding
/// on to).
fn give_back_buffer(b: Vec<u8>) {
    const KEEP: usize = 32 << 20;
    if b.capacity() <= KEEP {
        BUFFER.with(|cell| *cell.borrow_mut() = b);
    }
}

/// The longest JSON Lines line read: a line may hold a whole page of a thousand users (a few
/// megabytes), never this much.
const MAX_LINE: usize = 64 << 20;

fn read_lines(
    file: &Path,
    mut reader: TextReader,
    first_line_no: u64,
    meta: &mut JsonMeta,
    on_record: &mut OnRecord<'_>,
) -> Result<(), InputError> {
    let mut line_no = first_line_no;
    let mut buf = Vec::new();
    loop {
        buf.clear();
        let n = super::text::read_line_bytes(&mut reader, &mut buf, MAX_LINE).map_err(|e| {
            InputError::new(
                file,
                Location::Line(line_no + 1),
                format!("cannot read: {e}"),
            )
        })?;
        if n == 0 {
            return Ok(());
        }
        line_no += 1;
        if n == MAX_LINE && !buf.ends_with(b"\n") && !buf.ends_with(b"\r") {
            return Err(InputError::new(
                file,
                Location::Line(line_no),
                format!(
                    "the line is longer than {} MiB: no JSON Lines record is that long",
                    MAX_LINE >> 20
                ),
            )
            .hint("write one JSON object per line; check the file's line ends"));
        }
        let text = match std::str::from_utf8(&buf) {
            Ok(t) => t,
            Err(e) => {
                let t = super::text::describe_not_utf8(&buf, e.valid_up_to(), line_no);
                return Err(not_text_error(file, &t, 0));
            }
        };
        // A byte-order mark at the start of a line is where two files were joined (`cat`,
        // `Add-Content`): it is no part of the record.
        let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
        if text.trim().is_empty() {
            continue;
        }
        // Leading blanks are kept so that a syntax error's column is the editor's column.
        match serde_json::from_str::<Node>(text.trim_end()) {
            Ok(Node::Object(obj)) => handle_line(file, line_no, obj, meta, on_record)?,
            Ok(_) => {
                return Err(InputError::new(
                    file,
                    Location::Line(line_no),
                    "a JSON Lines record must be an object",
                )
                .hint("write one JSON object per line"))
            }
            Err(e) => {
                let mut err = json_error(file, &e, line_no - 1, None);
                if !e.is_data() && err.message.starts_with("invalid JSON") {
                    err =
                        err.hint("each line of a JSON Lines file must be one complete JSON object");
                }
                return Err(err);
            }
        }
    }
}

/// Where a syntax error is, as an editor counts: serde_json's lines are counted from the first
/// non-blank line (`line_offset` lines were skipped before it), and its column 0 means "just after
/// the end of the previous line" (a line end inside a string, or the end of the file after a
/// final newline), which is the end of that line.
fn syntax_place(e: &serde_json::Error, line_offset: u64) -> Location {
    let (line, column) = (e.line() as u64, e.column() as u64);
    if column == 0 && line > 1 {
        Location::Line(line - 1 + line_offset)
    } else {
        Location::Position {
            line: line + line_offset,
            column: column.max(1),
        }
    }
}

/// serde_json's message without its " at line L column C" suffix, which would contradict the
/// place shown when lines were skipped before the JSON (or count within one JSON Lines line).
fn without_position(e: &serde_json::Error) -> String {
    let s = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    s.strip_suffix(&suffix).unwrap_or(&s).to_owned()
}

/// One JSON Lines object: either a record or a whole page wrapper.
fn handle_line(
    file: &Path,
    line: u64,
    mut obj: Obj<'_>,
    meta: &mut JsonMeta,
    on_record: &mut OnRecord<'_>,
) -> Result<(), InputError> {
    let values = obj
        .keys()
        .filter(|k| k.eq_ignore_ascii_case("value"))
        .count();
    let wrapper = values > 0 && obj.keys().any(|k| meta_key(k).is_some());
    if values > 1 && (wrapper || obj.get_ignore_case("value").is_some_and(Node::is_array)) {
        return Err(InputError::new(
            file,
            Location::Line(line),
            "the page has two `value` members: which one holds the records is ambiguous",
        )
        .field("value")
        .hint("export the page again; a Graph page has one `value` array"));
    }
    if obj.get_ignore_case("value").is_some_and(|v| v.is_array()) {
        take_meta(file, line, &mut obj, meta)?;
        if let Some(Node::Array(items)) = obj.remove_where(|k| k.eq_ignore_ascii_case("value")) {
            for (i, item) in items.into_iter().enumerate() {
                on_record(
                    RecordPlace::Line {
                        line,
                        index: Some(i),
                    },
                    meta,
                    item,
                );
            }
        }
        return Ok(());
    }
    if wrapper {
        let found = obj.get_ignore_case("value").map_or("nothing", Node::kind);
        return Err(InputError::new(
            file,
            Location::JsonLine {
                line,
                path: "$.value".into(),
            },
            format!("the page's `value` is {found}, not an array of records"),
        )
        .field("value")
        .hint("save the Graph response as it came; its `value` is an array"));
    }
    on_record(
        RecordPlace::Line { line, index: None },
        meta,
        Node::Object(obj),
    );
    Ok(())
}

#[cfg(test)]
mod tests;
