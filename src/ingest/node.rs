//! A JSON record as the Graph mapping reads it: a light tree that borrows its strings from the
//! file's bytes.
//!
//! `serde_json::Value` would serve, but it allocates every key and string and keeps objects in a
//! B-tree; a million-user export is tens of millions of those. Graph records are small objects
//! whose keys are read a handful of times each, so an object here is a vector of pairs searched
//! in order, and a string without escapes points into the input instead of being copied. That
//! makes reading a record about as cheap as deserialising it into a typed struct, while the
//! mapping stays free to match keys case-insensitively, look into PowerShell's
//! `AdditionalProperties` and name the exact path of a field of the wrong type.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

/// A JSON value; strings and keys borrow from the input where they can.
#[derive(Debug, Clone, PartialEq)]
pub enum Node<'a> {
    Null,
    Bool(bool),
    /// A whole number that fits an `i64`.
    Int(i64),
    /// A whole number above `i64::MAX`.
    UInt(u64),
    Float(f64),
    Str(Cow<'a, str>),
    Array(Vec<Node<'a>>),
    Object(Obj<'a>),
}

/// A JSON object: its members in file order. A key given twice keeps both; lookups see the last,
/// as `serde_json::Value` would.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Obj<'a> {
    pub members: Vec<(Cow<'a, str>, Node<'a>)>,
}

impl<'a> Obj<'a> {
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    pub fn len(&self) -> usize {
        self.members.len()
    }

    /// The value of exactly this key (the last one, if it is repeated).
    pub fn get_exact(&self, key: &str) -> Option<&Node<'a>> {
        self.members
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }

    /// The value of this key in any letter case (an exact match first).
    pub fn get_ignore_case(&self, key: &str) -> Option<&Node<'a>> {
        self.get_exact(key).or_else(|| {
            self.members
                .iter()
                .rev()
                .find(|(k, _)| k.eq_ignore_ascii_case(key))
                .map(|(_, v)| v)
        })
    }

    /// The first key the object gives twice, in any letter case (`"id"` twice, or
    /// `"AssignedLicenses"` beside `"assignedLicenses"`), as its two spellings: which one an
    /// export meant cannot be told, so a reader must not pick one. Records are small objects,
    /// compared pair by pair (most pairs differ in length or first letter); a large one through
    /// a hash set, so the cost stays linear in its keys.
    pub fn repeated_key(&self) -> Option<(&str, &str)> {
        let n = self.members.len();
        if n <= SMALL {
            for i in 1..n {
                let k = self.members[i].0.as_ref();
                if let Some((first, _)) = self.members[..i].iter().find(|(f, _)| same_key(f, k)) {
                    return Some((first, k));
                }
            }
            return None;
        }
        let mut seen: rustc_hash::FxHashMap<std::borrow::Cow<'_, str>, usize> =
            rustc_hash::FxHashMap::default();
        seen.reserve(n);
        for (i, (k, _)) in self.members.iter().enumerate() {
            let folded = if k.bytes().any(|b| b.is_ascii_uppercase()) {
                std::borrow::Cow::Owned(k.to_ascii_lowercase())
            } else {
                std::borrow::Cow::Borrowed(k.as_ref())
            };
            if let Some(&first) = seen.get(&folded) {
                return Some((self.members[first].0.as_ref(), k));
            }
            seen.insert(folded, i);
        }
        None
    }

    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.members.iter().map(|(k, _)| k.as_ref())
    }

    /// Removes every member whose key matches, returning the last one's value.
    pub fn remove_where(&mut self, mut matches: impl FnMut(&str) -> bool) -> Option<Node<'a>> {
        let mut found = None;
        let mut kept = Vec::with_capacity(self.members.len());
        for (k, v) in std::mem::take(&mut self.members) {
            if matches(&k) {
                found = Some(v);
            } else {
                kept.push((k, v));
            }
        }
        self.members = kept;
        found
    }

    /// Copies what still borrows from the input.
    pub fn into_owned(self) -> Obj<'static> {
        Obj {
            members: self
                .members
                .into_iter()
                .map(|(k, v)| (Cow::Owned(k.into_owned()), v.into_owned()))
                .collect(),
        }
    }
}

/// Objects up to this many keys are checked for a repeated key pair by pair.
const SMALL: usize = 24;

/// `a` and `b` equal in any ASCII letter case. Keys are short and most compared pairs differ in
/// length or first letter, so those are tested before any byte is folded.
#[inline]
fn same_key(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    match (a.first(), b.first()) {
        (Some(x), Some(y)) if !x.eq_ignore_ascii_case(y) => false,
        _ => a == b || a.iter().zip(b).all(|(x, y)| x.eq_ignore_ascii_case(y)),
    }
}

impl<'a> Node<'a> {
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Node::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn is_array(&self) -> bool {
        matches!(self, Node::Array(_))
    }

    /// The value as a whole number, if it is one.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Node::Int(n) => Some(*n),
            _ => None,
        }
    }

    /// What kind of value this is, for messages ("expected a string, found a number").
    pub fn kind(&self) -> &'static str {
        match self {
            Node::Null => "null",
            Node::Bool(_) => "a boolean",
            Node::Int(_) | Node::UInt(_) | Node::Float(_) => "a number",
            Node::Str(_) => "a string",
            Node::Array(_) => "an array",
            Node::Object(_) => "an object",
        }
    }

    /// Copies what still borrows from the input.
    pub fn into_owned(self) -> Node<'static> {
        match self {
            Node::Null => Node::Null,
            Node::Bool(b) => Node::Bool(b),
            Node::Int(n) => Node::Int(n),
            Node::UInt(n) => Node::UInt(n),
            Node::Float(n) => Node::Float(n),
            Node::Str(s) => Node::Str(Cow::Owned(s.into_owned())),
            Node::Array(items) => Node::Array(items.into_iter().map(Node::into_owned).collect()),
            Node::Object(o) => Node::Object(o.into_owned()),
        }
    }
}

impl<'de> Deserialize<'de> for Node<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NodeVisitor)
    }
}

/// The longest string (or key) a record may hold, in bytes. No Graph field comes near it (a
/// membership rule is at most 3,072 characters); a longer one is damage or an attack, refused
/// before it is copied or quoted.
pub const MAX_STRING: usize = 1 << 20;

#[inline]
fn checked<E: de::Error>(len: usize) -> Result<(), E> {
    if len > MAX_STRING {
        return Err(too_long(len));
    }
    Ok(())
}

/// What a too-long string's message says (the JSON reader picks its hint by it).
pub const TOO_LONG: &str = "is longer than any export holds";

#[cold]
fn too_long<E: de::Error>(len: usize) -> E {
    E::custom(format!(
        "a string of {len} bytes {TOO_LONG} (the limit is {} MiB)",
        MAX_STRING >> 20
    ))
}

/// A key: borrowed when it has no escapes; longer than [`MAX_STRING`] is an error.
pub struct Key<'a>(pub Cow<'a, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    #[inline]
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_str(KeyVisitor)
    }
}

struct KeyVisitor;

impl<'de> Visitor<'de> for KeyVisitor {
    type Value = Key<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a key")
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        checked(v.len())?;
        Ok(Key(Cow::Borrowed(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        checked(v.len())?;
        Ok(Key(Cow::Owned(v.to_owned())))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        checked(v.len())?;
        Ok(Key(Cow::Owned(v)))
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Node::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Node::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        Node::deserialize(d)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Node::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Node::Int(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(i64::try_from(v).map_or(Node::UInt(v), Node::Int))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Node::Float(v))
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        checked(v.len())?;
        Ok(Node::Str(Cow::Borrowed(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        checked(v.len())?;
        Ok(Node::Str(Cow::Owned(v.to_owned())))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        checked(v.len())?;
        Ok(Node::Str(Cow::Owned(v)))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
        while let Some(v) = seq.next_element()? {
            items.push(v);
        }
        Ok(Node::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        Ok(Node::Object(object_from_map(map)?))
    }
}

/// Reads the rest of an object from inside a visitor.
pub fn object_from_map<'de, A: MapAccess<'de>>(mut map: A) -> Result<Obj<'de>, A::Error> {
    let mut members = Vec::with_capacity(map.size_hint().unwrap_or(0).min(64));
    while let Some(Key(k)) = map.next_key()? {
        let v: Node<'de> = map.next_value()?;
        members.push((k, v));
    }
    Ok(Obj { members })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_without_escapes_borrow_and_others_are_owned() {
        let text = r#"{"id":"abc","name":"a\"b","n":[1,-2,18446744073709551615,2.5,true,null]}"#;
        let Node::Object(o) = serde_json::from_str::<Node>(text).expect("json") else {
            panic!("not an object");
        };
        assert!(matches!(
            o.get_exact("id"),
            Some(Node::Str(Cow::Borrowed("abc")))
        ));
        assert!(matches!(o.get_exact("name"), Some(Node::Str(Cow::Owned(s))) if s == "a\"b"));
        assert_eq!(
            o.get_exact("n"),
            Some(&Node::Array(vec![
                Node::Int(1),
                Node::Int(-2),
                Node::UInt(u64::MAX),
                Node::Float(2.5),
                Node::Bool(true),
                Node::Null
            ]))
        );
    }

    #[test]
    fn lookups_prefer_the_exact_key_then_any_case_and_the_last_of_repeats() {
        let text = r#"{"ID":1,"id":2,"Name":"x","name2":3,"Name":"y"}"#;
        let Node::Object(o) = serde_json::from_str::<Node>(text).expect("json") else {
            panic!("not an object");
        };
        assert_eq!(o.get_ignore_case("id"), Some(&Node::Int(2)));
        assert_eq!(o.get_ignore_case("iD"), Some(&Node::Int(2)));
        assert_eq!(o.get_ignore_case("name"), Some(&Node::Str("y".into())));
        assert_eq!(o.get_exact("missing"), None);
        assert_eq!(o.repeated_key(), Some(("ID", "id")));
    }

    #[test]
    fn a_repeated_key_is_found_in_small_and_large_objects() {
        let object = |keys: &[String]| Obj {
            members: keys
                .iter()
                .map(|k| (Cow::Owned(k.clone()), Node::Null))
                .collect(),
        };
        let mut keys: Vec<String> = (0..100).map(|i| format!("key{i}")).collect();
        assert_eq!(object(&keys).repeated_key(), None);
        assert_eq!(object(&keys[..5]).repeated_key(), None);
        keys.push("KEY7".into());
        assert_eq!(object(&keys).repeated_key(), Some(("key7", "KEY7")));
        let few = ["skuId".to_owned(), "state".to_owned(), "SKUID".to_owned()];
        assert_eq!(object(&few).repeated_key(), Some(("skuId", "SKUID")));
    }
}
