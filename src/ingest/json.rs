//! Streaming JSON records out of Graph exports, whatever their wrapper.
//!
//! Graph answers with a page wrapper (`@odata.context`, `@odata.nextLink`, `value: [...]`);
//! `ConvertTo-Json` writes a bare array (or a bare object for one result); scripts write JSON
//! Lines. Records are handed to a callback one at a time through a `DeserializeSeed`, so a
//! million-user file is never held as one tree; each record is a [`Node`] that borrows its
//! strings from the file's bytes.

use std::borrow::Cow;
use std::fmt;
use std::io::{BufRead, BufReader, Cursor, Read};
use std::path::Path;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use super::error::{InputError, Location};
use super::node::{object_from_map, Node, Obj};
use super::text::{first_nonblank_line, TextReader};

/// What the wrapper said about the records.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JsonMeta {
    /// `@odata.context`, e.g. `https://graph.microsoft.com/v1.0/$metadata#users(id,…)`.
    pub context: Option<String>,
    /// `@odata.nextLink` (also the old AAD-Graph spelling `odata.nextLink`).
    pub next_link: Option<String>,
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
    /// The record's ordinal among the file's records, for messages.
    pub fn index(&self) -> usize {
        match self {
            RecordPlace::Wrapped { index } | RecordPlace::Array { index } => *index,
            RecordPlace::Single => 0,
            RecordPlace::Line { line, index } => {
                usize::try_from(*line).unwrap_or(usize::MAX) + index.unwrap_or(0)
            }
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
    let (first, skipped) = first_nonblank_line(&mut reader)
        .map_err(|e| InputError::new(file, Location::File, format!("cannot read: {e}")))?;
    let mut meta = JsonMeta::default();
    let trimmed = first.trim();
    if trimmed.starts_with('{') {
        if let Ok(Node::Object(obj)) = serde_json::from_str::<Node>(trimmed) {
            // A complete object on the first line: JSON Lines (or a one-line document, which
            // reads the same way).
            handle_line(skipped, obj, &mut meta, on_record);
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
    let syntax = |e: serde_json::Error| {
        InputError::new(
            file,
            syntax_place(&e, line_offset),
            format!("invalid JSON: {}", without_position(&e)),
        )
        .hint(
            "the export may be truncated or hand-edited; export it again, or check the place shown",
        )
    };
    let top_level = |e: serde_json::Error| {
        if e.is_data() && e.to_string().starts_with("the top level") {
            InputError::new(file, syntax_place(&e, line_offset), without_position(&e))
                .hint("a Graph export is an object with a `value` array, an array of records, or JSON Lines")
        } else {
            syntax(e)
        }
    };
    let seed = TopSeed {
        meta: &mut meta,
        on_record,
    };
    if whole {
        let mut de = serde_json::Deserializer::from_slice(&head);
        let parsed = seed
            .deserialize(&mut de)
            .map_err(top_level)
            .and_then(|()| de.end().map_err(syntax));
        give_back_buffer(head);
        parsed?;
    } else {
        let chained = BufReader::new(Cursor::new(head).chain(rest));
        let mut de = serde_json::Deserializer::from_reader(chained);
        seed.deserialize(&mut de).map_err(top_level)?;
        de.end().map_err(syntax)?;
    }
    Ok(meta)
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

fn read_lines(
    file: &Path,
    mut reader: TextReader,
    first_line_no: u64,
    meta: &mut JsonMeta,
    on_record: &mut OnRecord<'_>,
) -> Result<(), InputError> {
    let mut line_no = first_line_no;
    let mut buf = String::new();
    loop {
        buf.clear();
        let n = reader.read_line(&mut buf).map_err(|e| {
            InputError::new(
                file,
                Location::Line(line_no + 1),
                format!("cannot read: {e}"),
            )
            .hint("save the file as UTF-8 or UTF-16 with a byte-order mark")
        })?;
        if n == 0 {
            return Ok(());
        }
        line_no += 1;
        if buf.trim().is_empty() {
            continue;
        }
        // Leading blanks are kept so that a syntax error's column is the editor's column.
        match serde_json::from_str::<Node>(buf.trim_end()) {
            Ok(Node::Object(obj)) => handle_line(line_no, obj, meta, on_record),
            Ok(_) => {
                return Err(InputError::new(
                    file,
                    Location::Line(line_no),
                    "a JSON Lines record must be an object",
                )
                .hint("write one JSON object per line"))
            }
            Err(e) => {
                return Err(InputError::new(
                    file,
                    Location::Position {
                        line: line_no,
                        column: e.column() as u64,
                    },
                    format!("invalid JSON: {}", without_position(&e)),
                )
                .hint("each line of a JSON Lines file must be one complete JSON object"))
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
fn handle_line(line: u64, mut obj: Obj<'_>, meta: &mut JsonMeta, on_record: &mut OnRecord<'_>) {
    if obj.get_ignore_case("value").is_some_and(|v| v.is_array()) {
        take_meta(&mut obj, meta);
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
        return;
    }
    on_record(
        RecordPlace::Line { line, index: None },
        meta,
        Node::Object(obj),
    );
}

fn meta_key(key: &str) -> Option<bool> {
    // Some(true) = context, Some(false) = next link.
    let k = key.strip_prefix('@').unwrap_or(key);
    if k.eq_ignore_ascii_case("odata.context") {
        Some(true)
    } else if k.eq_ignore_ascii_case("odata.nextLink") {
        Some(false)
    } else {
        None
    }
}

fn take_meta(obj: &mut Obj<'_>, meta: &mut JsonMeta) {
    if let Some(Node::Str(s)) = obj.remove_where(|k| meta_key(k) == Some(true)) {
        meta.context = Some(s.into_owned());
    }
    if let Some(Node::Str(s)) = obj.remove_where(|k| meta_key(k) == Some(false)) {
        meta.next_link = Some(s.into_owned());
    }
}

struct TopSeed<'m, 'c, 'f> {
    meta: &'m mut JsonMeta,
    on_record: &'c mut OnRecord<'f>,
}

impl<'de> DeserializeSeed<'de> for TopSeed<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for TopSeed<'_, '_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the top level of a Graph export: an object or an array")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut index = 0;
        while let Some(v) = seq.next_element::<Node<'de>>()? {
            (self.on_record)(RecordPlace::Array { index }, self.meta, v);
            index += 1;
        }
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut rest = Obj::default();
        let mut saw_value_array = false;
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            if !saw_value_array && key.eq_ignore_ascii_case("value") {
                let outcome = map.next_value_seed(ValueArraySeed {
                    meta: self.meta,
                    on_record: self.on_record,
                })?;
                match outcome {
                    None => saw_value_array = true,
                    Some(other) => rest.members.push((key, other)),
                }
                continue;
            }
            let v: Node<'de> = map.next_value()?;
            match (meta_key(&key), v) {
                (Some(true), Node::Str(s)) => self.meta.context = Some(s.into_owned()),
                (Some(false), Node::Str(s)) => self.meta.next_link = Some(s.into_owned()),
                (_, v) => rest.members.push((key, v)),
            }
        }
        if !saw_value_array {
            (self.on_record)(RecordPlace::Single, self.meta, Node::Object(rest));
        }
        Ok(())
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        Err(E::custom(
            "the top level of the file is a string, not an object or array",
        ))
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        Err(E::custom(
            "the top level of the file is a number, not an object or array",
        ))
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        Err(E::custom(
            "the top level of the file is a number, not an object or array",
        ))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        Err(E::custom(
            "the top level of the file is a number, not an object or array",
        ))
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        Err(E::custom(
            "the top level of the file is a boolean, not an object or array",
        ))
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Err(E::custom(
            "the top level of the file is null, not an object or array",
        ))
    }
}

/// The `value` member: streamed when it is an array; anything else is handed back so the object
/// can be read as a plain record that happens to have a `value` field.
struct ValueArraySeed<'m, 'c, 'f> {
    meta: &'m mut JsonMeta,
    on_record: &'c mut OnRecord<'f>,
}

impl<'de> DeserializeSeed<'de> for ValueArraySeed<'_, '_, '_> {
    type Value = Option<Node<'de>>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ValueArraySeed<'_, '_, '_> {
    type Value = Option<Node<'de>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut index = 0;
        while let Some(v) = seq.next_element::<Node<'de>>()? {
            (self.on_record)(RecordPlace::Wrapped { index }, self.meta, v);
            index += 1;
        }
        Ok(None)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        Ok(Some(Node::Object(object_from_map(map)?)))
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Some(Node::Str(Cow::Borrowed(v))))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Some(Node::Str(Cow::Owned(v.to_owned()))))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Some(Node::Str(Cow::Owned(v))))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Some(Node::Int(v)))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Some(i64::try_from(v).map_or(Node::UInt(v), Node::Int)))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Some(Node::Float(v)))
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Some(Node::Bool(v)))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Some(Node::Null))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::text::decode;

    fn records(text: &str) -> Result<(Vec<(RecordPlace, Node<'static>)>, JsonMeta), InputError> {
        let mut out = Vec::new();
        let reader = decode(Box::new(Cursor::new(text.as_bytes().to_vec())));
        let meta = read_records(Path::new("t.json"), reader, &mut |p, _, v| {
            out.push((p, v.into_owned()))
        })?;
        Ok((out, meta))
    }

    #[test]
    fn paged_wrapper_bare_array_single_object_and_json_lines() {
        let (r, meta) = records(
            r#"{"@odata.context":"ctx","@odata.nextLink":"next","value":[{"id":1},{"id":2}]}"#,
        )
        .expect("wrapper");
        assert_eq!(r.len(), 2);
        assert_eq!(meta.context.as_deref(), Some("ctx"));
        assert_eq!(meta.next_link.as_deref(), Some("next"));

        let (r, _) = records("[\n {\"id\": 1},\n {\"id\": 2},\n {\"id\": 3}\n]").expect("array");
        assert_eq!(r.len(), 3);
        assert_eq!(r[2].0, RecordPlace::Array { index: 2 });

        let (r, _) = records("{\n \"skuId\": \"x\",\n \"value\": 3\n}").expect("single");
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].0, RecordPlace::Single);
        let Node::Object(single) = &r[0].1 else {
            panic!("not an object: {:?}", r[0].1);
        };
        assert_eq!(single.get_exact("value"), Some(&Node::Int(3)));

        let (r, _) =
            records("{\"id\":1}\n\n{\"id\":2}\r\n{\"value\":[{\"id\":3}]}\n").expect("jsonl");
        assert_eq!(r.len(), 3);
        assert_eq!(
            r[1].0,
            RecordPlace::Line {
                line: 3,
                index: None
            }
        );
        assert_eq!(
            r[2].0,
            RecordPlace::Line {
                line: 4,
                index: Some(0)
            }
        );
    }

    #[test]
    fn syntax_errors_name_line_and_column() {
        let e = records("{\n  \"value\": [\n    {\"id\": 1},\n    {\"id\": }\n  ]\n}")
            .expect_err("bad");
        assert!(
            matches!(e.location, Location::Position { line: 4, .. }),
            "{e}"
        );
        let e = records("[{\"id\": 1}] trailing").expect_err("trailing");
        assert!(e.to_string().contains("invalid JSON"), "{e}");
        let e = records("\"just a string\"").expect_err("scalar");
        assert!(e.to_string().contains("top level"), "{e}");
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        let e = records(&deep).expect_err("deep");
        assert!(e.to_string().contains("recursion limit"), "{e}");
    }
}
