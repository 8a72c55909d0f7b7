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

mod key;
mod scalar;

use self::key::KeySer;
pub use self::scalar::plain_is_safe;
use self::scalar::{float_text, scalar_text};

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
