//! YAML output: a small block-style emitter for our `Serialize` values, written straight to the
//! output as serde walks the value (a million-user plan is never built as a second tree).
//!
//! The layout is libyaml's, as serde_yaml wrote it: two-space indentation, lists inside a
//! mapping at the mapping's indentation, `[]` and `{}` for empty collections. What differs is
//! quoting. serde_yaml quoted only what YAML 1.2 reads as something other than a string, so
//! `yes`, `no`, `on`, `y`, `2001-12-14`, `12:30:45` and `1_000` went out plain, and YAML 1.1
//! readers (PyYAML, yq v3, go-yaml v2) read them back as booleans, dates and numbers. Here a
//! string is written plain only when it matches a conservative safe pattern
//! ([`plain_is_safe`]); otherwise it is single-quoted, or double-quoted with escapes when it
//! holds a line break, a control, format or bidirectional character (which are then visible).
//! Enum variants with data are written as a one-key mapping (as in the JSON output), not as
//! YAML tags.

use std::fmt::{self, Display};
use std::io::{self, Write};

use serde::ser::{self, Serialize};

/// Writes `value` as a YAML document.
///
/// # Errors
///
/// The writer's error (its kind kept, so a closed pipe stays `BrokenPipe`), or a value YAML
/// cannot hold here (a map key that is a list or a map).
pub fn write<T: Serialize + ?Sized>(value: &T, out: &mut dyn Write) -> io::Result<()> {
    let mut em = Emitter { out };
    value
        .serialize(ValueSer {
            em: &mut em,
            at: At::Top,
        })
        .map_err(|e| match e {
            Error::Io(e) => e,
            Error::Message(m) => io::Error::new(io::ErrorKind::InvalidData, m),
        })
}

/// Whether `s` can be written as a plain (unquoted) scalar: YAML 1.1 and 1.2 readers alike read
/// it back as this very string. Conservative: anything that might resolve to a boolean, null,
/// number, date or time in either version, start an indicator, hold `: ` or ` #`, or carry
/// spaces at its ends is quoted.
pub fn plain_is_safe(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    if !s.chars().all(plain_char) || s.starts_with(' ') || s.ends_with(' ') {
        return false;
    }
    // Indicators that start something other than a plain scalar (or might); `-x` is plain.
    let dash_word = first == '-' && s.len() > 1 && !s[1..].starts_with(' ') && !looks_numeric(s);
    let indicator = matches!(
        first,
        '-' | '?'
            | ':'
            | ','
            | '['
            | ']'
            | '{'
            | '}'
            | '#'
            | '&'
            | '*'
            | '!'
            | '|'
            | '>'
            | '\''
            | '"'
            | '%'
            | '@'
            | '`'
            | '~'
            | '='
            | '<'
    );
    if indicator && !dash_word {
        return false;
    }
    if s.starts_with("---") || s.starts_with("...") {
        return false;
    }
    if s.contains(": ") || s.contains(" #") || s.ends_with(':') {
        return false;
    }
    !resolves_to_non_string(s)
}

/// Printable, not a line break, tab, BOM, or bidirectional/format control.
fn plain_char(c: char) -> bool {
    !c.is_control() && !needs_escape(c)
}

/// Characters written as escapes in a double-quoted string: controls, YAML's line breaks
/// (NEL, LS, PS), the BOM, non-characters, and the format characters that change how text
/// around them is shown (bidirectional embeddings, overrides and isolates, zero-width marks).
fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{85}'
                | '\u{ad}'
                | '\u{61c}'
                | '\u{180e}'
                | '\u{200b}'..='\u{200f}'
                | '\u{2028}'..='\u{202e}'
                | '\u{2060}'..='\u{2069}'
                | '\u{feff}'
                | '\u{fff9}'..='\u{fffb}'
                | '\u{fffe}'
                | '\u{ffff}'
        )
}

/// The words YAML 1.1 and 1.2 read as booleans or null, in the case variants they list, plus
/// the merge key and YAML 1.1's `=` value key.
const RESERVED: &[&str] = &[
    "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "true", "True", "TRUE", "false",
    "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF", "null", "Null", "NULL", "~", "<<",
    "=",
];

/// Might a YAML 1.1 or 1.2 reader resolve this plain scalar to a non-string?
fn resolves_to_non_string(s: &str) -> bool {
    RESERVED.contains(&s)
        || looks_numeric(s)
        || looks_like_date(s)
        || matches!(
            s.trim_start_matches(['+', '-']),
            ".inf" | ".Inf" | ".INF" | ".nan" | ".NaN" | ".NAN"
        )
}

/// A superset of every integer and float form of YAML 1.1 and 1.2 (decimal, `0x`, `0o`, `0b`,
/// octal `012`, `1_000`, sexagesimal `190:20:30`, `1e3`, `.5`): an optional sign, then a digit
/// or a `.`, then only digits, `_ . : + -`, hex letters and the letters of `0x`, `0o`, `e`.
fn looks_numeric(s: &str) -> bool {
    let body = s.strip_prefix(['+', '-']).unwrap_or(s);
    let Some(first) = body.chars().next() else {
        return false;
    };
    (first.is_ascii_digit() || first == '.')
        && body.chars().all(|c| {
            c.is_ascii_hexdigit()
                || matches!(c, '_' | '.' | ':' | '+' | '-' | 'x' | 'X' | 'o' | 'O')
        })
        && !is_guid_like(body)
}

/// GUIDs (`20442134-cf51-5e17-afae-3d760747b8b7`) are read as strings by every YAML reader:
/// digits and hex letters in groups joined by single `-`, at least one group holding a letter
/// or there being more than one `-`-separated group of mixed length.
fn is_guid_like(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && [8, 4, 4, 4, 12]
            .iter()
            .zip(&groups)
            .all(|(n, g)| g.len() == *n && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// YAML 1.1's timestamp starts with a date: `2001-12-14`, `2001-1-2`, then optionally a time.
fn looks_like_date(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |from: usize, min: usize, max: usize| -> Option<usize> {
        let n = b[from.min(b.len())..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count();
        (min..=max).contains(&n).then_some(from + n)
    };
    let Some(i) = digits(0, 4, 4) else {
        return false;
    };
    if b.get(i) != Some(&b'-') {
        return false;
    }
    let Some(i) = digits(i + 1, 1, 2) else {
        return false;
    };
    if b.get(i) != Some(&b'-') {
        return false;
    }
    digits(i + 1, 1, 2).is_some()
}

/// Writes a string scalar in the plainest style that reads back as this exact string.
fn scalar_text(s: &str) -> String {
    if plain_is_safe(s) {
        s.to_owned()
    } else if !s.chars().any(|c| c == '\t' || needs_escape(c)) {
        format!("'{}'", s.replace('\'', "''"))
    } else {
        let mut out = String::with_capacity(s.len() + 2);
        out.push('"');
        for c in s.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\t' => out.push_str("\\t"),
                '\r' => out.push_str("\\r"),
                '\0' => out.push_str("\\0"),
                c if needs_escape(c) => {
                    let n = u32::from(c);
                    if n <= 0xFF {
                        out.push_str(&format!("\\x{n:02X}"));
                    } else if n <= 0xFFFF {
                        out.push_str(&format!("\\u{n:04X}"));
                    } else {
                        out.push_str(&format!("\\U{n:08X}"));
                    }
                }
                c => out.push(c),
            }
        }
        out.push('"');
        out
    }
}

/// A float as YAML 1.1 and 1.2 both read it: `1.5`, `0.0`, `1.0e+20`, `.inf`, `.nan`.
fn float_text(v: f64) -> String {
    if v.is_nan() {
        return ".nan".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { ".inf" } else { "-.inf" }.into();
    }
    // Debug is the shortest text that reads back as `v`: `0.0`, `100.0`, `1e20`, `1.5e-7`.
    let t = format!("{v:?}");
    match t.split_once('e') {
        // YAML 1.1 floats need a `.` and a signed exponent.
        Some((mantissa, exp)) => {
            let mantissa = if mantissa.contains('.') {
                mantissa.to_owned()
            } else {
                format!("{mantissa}.0")
            };
            let exp = if exp.starts_with('-') {
                exp.to_owned()
            } else {
                format!("+{exp}")
            };
            format!("{mantissa}e{exp}")
        }
        None => t,
    }
}

#[derive(Debug)]
enum Error {
    Io(io::Error),
    Message(String),
}

impl Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io(e) => e.fmt(f),
            Error::Message(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for Error {}

impl ser::Error for Error {
    fn custom<T: Display>(msg: T) -> Self {
        Error::Message(msg.to_string())
    }
}

impl From<io::Error> for Error {
    fn from(e: io::Error) -> Self {
        Error::Io(e)
    }
}

struct Emitter<'w> {
    out: &'w mut dyn Write,
}

impl Emitter<'_> {
    fn put(&mut self, s: &str) -> Result<(), Error> {
        self.out.write_all(s.as_bytes()).map_err(Error::Io)
    }

    fn spaces(&mut self, n: usize) -> Result<(), Error> {
        const SPACES: &str = "                                                                ";
        let mut left = n;
        while left > 0 {
            let k = left.min(SPACES.len());
            self.put(&SPACES[..k])?;
            left -= k;
        }
        Ok(())
    }
}

/// Where the next value goes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum At {
    /// The document itself: column 0, nothing on the line yet.
    Top,
    /// Right after `key:` of a mapping whose keys are at this column.
    MapValue(usize),
    /// Right after `- ` of a list item whose `-` is at this column.
    SeqItem(usize),
}

impl At {
    /// The column of a mapping's keys or a list's `-` placed here, and what goes before the
    /// first entry (a line break after `key:`; nothing after `- ` or at the top).
    fn block(self, is_seq: bool) -> (usize, bool) {
        match self {
            At::Top => (0, false),
            // Lists in a mapping sit at the mapping's own indentation, as libyaml writes them.
            At::MapValue(p) => (if is_seq { p } else { p + 2 }, true),
            At::SeqItem(p) => (p + 2, false),
        }
    }
}

/// Serialises one value at a place.
struct ValueSer<'a, 'w> {
    em: &'a mut Emitter<'w>,
    at: At,
}

impl<'a, 'w> ValueSer<'a, 'w> {
    fn scalar(self, text: &str) -> Result<(), Error> {
        if let At::MapValue(_) = self.at {
            self.em.put(" ")?;
        }
        self.em.put(text)?;
        self.em.put("\n")
    }

    fn block(self, is_seq: bool) -> Block<'a, 'w> {
        open_block(self, is_seq)
    }
}

fn open_block<'a, 'w>(v: ValueSer<'a, 'w>, is_seq: bool) -> Block<'a, 'w> {
    let (column, break_first) = v.at.block(is_seq);
    Block {
        em: v.em,
        at: v.at,
        column,
        break_first,
        is_seq,
        entries: 0,
        key: None,
    }
}

/// A mapping or list being written: entries go at `column`.
struct Block<'a, 'w> {
    em: &'a mut Emitter<'w>,
    at: At,
    column: usize,
    break_first: bool,
    is_seq: bool,
    entries: usize,
    /// A mapping's key waiting for its value (SerializeMap sends them apart).
    key: Option<String>,
}

impl Block<'_, '_> {
    /// Starts an entry: the line break or indentation before it.
    fn start_entry(&mut self) -> Result<(), Error> {
        if self.entries == 0 {
            if self.break_first {
                self.em.put("\n")?;
                self.em.spaces(self.column)?;
            }
        } else {
            self.em.spaces(self.column)?;
        }
        self.entries += 1;
        Ok(())
    }

    fn item<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.start_entry()?;
        self.em.put("- ")?;
        value.serialize(ValueSer {
            em: self.em,
            at: At::SeqItem(self.column),
        })
    }

    fn entry<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> Result<(), Error> {
        self.start_entry()?;
        // Long keys take the explicit `? key` form: YAML readers limit implicit keys to 1024
        // characters (libyaml wrote `?` past 128).
        if key.chars().count() > 128 {
            self.em.put("? ")?;
            self.em.put(key)?;
            self.em.put("\n")?;
            self.em.spaces(self.column)?;
            self.em.put(":")?;
        } else {
            self.em.put(key)?;
            self.em.put(":")?;
        }
        value.serialize(ValueSer {
            em: self.em,
            at: At::MapValue(self.column),
        })
    }

    fn finish(self) -> Result<(), Error> {
        if self.entries == 0 {
            let empty = if self.is_seq { "[]" } else { "{}" };
            return ValueSer {
                em: self.em,
                at: self.at,
            }
            .scalar(empty);
        }
        Ok(())
    }
}

impl<'a, 'w> ser::Serializer for ValueSer<'a, 'w> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Block<'a, 'w>;
    type SerializeTuple = Block<'a, 'w>;
    type SerializeTupleStruct = Block<'a, 'w>;
    type SerializeTupleVariant = VariantSeq<'a, 'w>;
    type SerializeMap = Block<'a, 'w>;
    type SerializeStruct = Block<'a, 'w>;
    type SerializeStructVariant = VariantSeq<'a, 'w>;

    fn serialize_bool(self, v: bool) -> Result<(), Error> {
        self.scalar(if v { "true" } else { "false" })
    }
    fn serialize_i8(self, v: i8) -> Result<(), Error> {
        self.scalar(&v.to_string())
    }
    fn serialize_i16(self, v: i16) -> Result<(), Error> {
        self.scalar(&v.to_string())
    }
    fn serialize_i32(self, v: i32) -> Result<(), Error> {
        self.scalar(&v.to_string())
    }
    fn serialize_i64(self, v: i64) -> Result<(), Error> {
        self.scalar(&v.to_string())
    }
    fn serialize_i128(self, v: i128) -> Result<(), Error> {
        self.scalar(&v.to_string())
    }
    fn serialize_u8(self, v: u8) -> Result<(), Error> {
        self.scalar(&v.to_string())
    }
    fn serialize_u16(self, v: u16) -> Result<(), Error> {
        self.scalar(&v.to_string())
    }
    fn serialize_u32(self, v: u32) -> Result<(), Error> {
        self.scalar(&v.to_string())
    }
    fn serialize_u64(self, v: u64) -> Result<(), Error> {
        self.scalar(&v.to_string())
    }
    fn serialize_u128(self, v: u128) -> Result<(), Error> {
        self.scalar(&v.to_string())
    }
    fn serialize_f32(self, v: f32) -> Result<(), Error> {
        // Through its shortest decimal text, so 0.1f32 is written 0.1.
        let v = v.to_string().parse::<f64>().unwrap_or(f64::from(v));
        self.scalar(&float_text(v))
    }
    fn serialize_f64(self, v: f64) -> Result<(), Error> {
        self.scalar(&float_text(v))
    }
    fn serialize_char(self, v: char) -> Result<(), Error> {
        self.scalar(&scalar_text(v.encode_utf8(&mut [0; 4])))
    }
    fn serialize_str(self, v: &str) -> Result<(), Error> {
        self.scalar(&scalar_text(v))
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<(), Error> {
        use ser::SerializeSeq;
        let mut seq = self.serialize_seq(Some(v.len()))?;
        for b in v {
            seq.serialize_element(b)?;
        }
        seq.end()
    }
    fn serialize_none(self) -> Result<(), Error> {
        self.scalar("null")
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Error> {
        self.scalar("null")
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Error> {
        self.scalar("null")
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<(), Error> {
        self.scalar(&scalar_text(variant))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        let mut map = self.block(false);
        map.entry(&key_text(variant), value)?;
        map.finish()
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Block<'a, 'w>, Error> {
        Ok(self.block(true))
    }
    fn serialize_tuple(self, _: usize) -> Result<Block<'a, 'w>, Error> {
        Ok(self.block(true))
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Block<'a, 'w>, Error> {
        Ok(self.block(true))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<VariantSeq<'a, 'w>, Error> {
        VariantSeq::start(self, variant, true)
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Block<'a, 'w>, Error> {
        Ok(self.block(false))
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Block<'a, 'w>, Error> {
        Ok(self.block(false))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<VariantSeq<'a, 'w>, Error> {
        VariantSeq::start(self, variant, false)
    }
}

/// A tuple or struct variant: the one-key mapping `Variant:` holding a list or a mapping (the
/// mapping's one entry is written when the variant starts; only the inner block stays open).
struct VariantSeq<'a, 'w> {
    inner: Block<'a, 'w>,
}

impl<'a, 'w> VariantSeq<'a, 'w> {
    fn start(v: ValueSer<'a, 'w>, variant: &str, is_seq: bool) -> Result<Self, Error> {
        let mut outer = open_block(v, false);
        outer.start_entry()?;
        outer.em.put(&key_text(variant))?;
        outer.em.put(":")?;
        let column = outer.column;
        let inner = open_block(
            ValueSer {
                em: outer.em,
                at: At::MapValue(column),
            },
            is_seq,
        );
        Ok(VariantSeq { inner })
    }
}

impl ser::SerializeTupleVariant for VariantSeq<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.inner.item(value)
    }
    fn end(self) -> Result<(), Error> {
        self.inner.finish()
    }
}

impl ser::SerializeStructVariant for VariantSeq<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.inner.entry(&key_text(key), value)
    }
    fn end(self) -> Result<(), Error> {
        self.inner.finish()
    }
}

impl ser::SerializeSeq for Block<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.item(value)
    }
    fn end(self) -> Result<(), Error> {
        self.finish()
    }
}

impl ser::SerializeTuple for Block<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.item(value)
    }
    fn end(self) -> Result<(), Error> {
        self.finish()
    }
}

impl ser::SerializeTupleStruct for Block<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.item(value)
    }
    fn end(self) -> Result<(), Error> {
        self.finish()
    }
}

impl ser::SerializeMap for Block<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        self.key = Some(key.serialize(KeySer)?);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        let key = self
            .key
            .take()
            .ok_or_else(|| Error::Message("a map value without its key".into()))?;
        self.entry(&key, value)
    }
    fn end(self) -> Result<(), Error> {
        self.finish()
    }
}

impl ser::SerializeStruct for Block<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.entry(&key_text(key), value)
    }
    fn end(self) -> Result<(), Error> {
        self.finish()
    }
}

fn key_text(key: &str) -> String {
    scalar_text(key)
}

/// Serialises a map key to its text: scalars only.
struct KeySer;

fn complex_key() -> Error {
    Error::Message("YAML output: a map key must be a string, a number or a boolean".into())
}

impl ser::Serializer for KeySer {
    type Ok = String;
    type Error = Error;
    type SerializeSeq = ser::Impossible<String, Error>;
    type SerializeTuple = ser::Impossible<String, Error>;
    type SerializeTupleStruct = ser::Impossible<String, Error>;
    type SerializeTupleVariant = ser::Impossible<String, Error>;
    type SerializeMap = ser::Impossible<String, Error>;
    type SerializeStruct = ser::Impossible<String, Error>;
    type SerializeStructVariant = ser::Impossible<String, Error>;

    fn serialize_bool(self, v: bool) -> Result<String, Error> {
        Ok(v.to_string())
    }
    fn serialize_i8(self, v: i8) -> Result<String, Error> {
        Ok(v.to_string())
    }
    fn serialize_i16(self, v: i16) -> Result<String, Error> {
        Ok(v.to_string())
    }
    fn serialize_i32(self, v: i32) -> Result<String, Error> {
        Ok(v.to_string())
    }
    fn serialize_i64(self, v: i64) -> Result<String, Error> {
        Ok(v.to_string())
    }
    fn serialize_i128(self, v: i128) -> Result<String, Error> {
        Ok(v.to_string())
    }
    fn serialize_u8(self, v: u8) -> Result<String, Error> {
        Ok(v.to_string())
    }
    fn serialize_u16(self, v: u16) -> Result<String, Error> {
        Ok(v.to_string())
    }
    fn serialize_u32(self, v: u32) -> Result<String, Error> {
        Ok(v.to_string())
    }
    fn serialize_u64(self, v: u64) -> Result<String, Error> {
        Ok(v.to_string())
    }
    fn serialize_u128(self, v: u128) -> Result<String, Error> {
        Ok(v.to_string())
    }
    fn serialize_f32(self, v: f32) -> Result<String, Error> {
        Ok(float_text(f64::from(v)))
    }
    fn serialize_f64(self, v: f64) -> Result<String, Error> {
        Ok(float_text(v))
    }
    fn serialize_char(self, v: char) -> Result<String, Error> {
        Ok(scalar_text(v.encode_utf8(&mut [0; 4])))
    }
    fn serialize_str(self, v: &str) -> Result<String, Error> {
        Ok(scalar_text(v))
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<String, Error> {
        Err(complex_key())
    }
    fn serialize_none(self) -> Result<String, Error> {
        Ok("null".into())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<String, Error> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<String, Error> {
        Ok("null".into())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<String, Error> {
        Ok("null".into())
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<String, Error> {
        Ok(scalar_text(variant))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<String, Error> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<String, Error> {
        Err(complex_key())
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Error> {
        Err(complex_key())
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Error> {
        Err(complex_key())
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, Error> {
        Err(complex_key())
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Error> {
        Err(complex_key())
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Error> {
        Err(complex_key())
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct, Error> {
        Err(complex_key())
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Error> {
        Err(complex_key())
    }
}
