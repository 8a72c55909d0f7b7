//! The serde seeds that stream a file's records: the top-level value (a page wrapper, a bare
//! array or one object) and a page's `value` array, with the page annotations licplan reads.

use super::*;

/// The page annotations licplan reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum MetaKey {
    Context,
    NextLink,
    DeltaLink,
}

impl MetaKey {
    pub(super) fn name(self) -> &'static str {
        match self {
            MetaKey::Context => "@odata.context",
            MetaKey::NextLink => "@odata.nextLink",
            MetaKey::DeltaLink => "@odata.deltaLink",
        }
    }
}

pub(super) fn meta_key(key: &str) -> Option<MetaKey> {
    // Also the old AAD-Graph spelling without the `@`.
    let k = key.strip_prefix('@').unwrap_or(key);
    if k.eq_ignore_ascii_case("odata.context") {
        Some(MetaKey::Context)
    } else if k.eq_ignore_ascii_case("odata.nextLink") {
        Some(MetaKey::NextLink)
    } else if k.eq_ignore_ascii_case("odata.deltaLink") {
        Some(MetaKey::DeltaLink)
    } else {
        None
    }
}

pub(super) fn take_meta(
    file: &Path,
    line: u64,
    obj: &mut Obj<'_>,
    meta: &mut JsonMeta,
) -> Result<(), InputError> {
    let count = obj.remove_where(is_count_key);
    let mut had_next = false;
    for key in [MetaKey::Context, MetaKey::NextLink, MetaKey::DeltaLink] {
        let mut seen = 0;
        let found = obj.remove_where(|k| {
            let hit = meta_key(k) == Some(key);
            seen += usize::from(hit);
            hit
        });
        if seen > 1 {
            return Err(InputError::new(
                file,
                Location::Line(line),
                format!("the page gives `{}` twice", key.name()),
            )
            .hint("export the page again; a Graph page gives each annotation once"));
        }
        if let Some(Node::Str(s)) = found {
            had_next |= key == MetaKey::NextLink;
            meta.set(key, s.into_owned());
        }
    }
    meta.page(had_next, count.as_ref());
    Ok(())
}

/// `@odata.count` (also without the `@`).
pub(super) fn is_count_key(key: &str) -> bool {
    key.strip_prefix('@')
        .unwrap_or(key)
        .eq_ignore_ascii_case("odata.count")
}

pub(super) struct TopSeed<'m, 'c, 'f> {
    pub(super) meta: &'m mut JsonMeta,
    pub(super) on_record: &'c mut OnRecord<'f>,
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
        let mut saw_value = false;
        let mut seen_meta: Vec<MetaKey> = Vec::new();
        while let Some(super::super::node::Key(key)) = map.next_key()? {
            if key.eq_ignore_ascii_case("value") {
                if std::mem::replace(&mut saw_value, true) {
                    return Err(de::Error::custom(
                        "the page has two `value` members: which one holds the records is ambiguous; export the page again",
                    ));
                }
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
                (Some(k), Node::Str(s)) => {
                    if seen_meta.contains(&k) {
                        return Err(de::Error::custom(format!(
                            "the page gives {key:?} twice; export the page again"
                        )));
                    }
                    seen_meta.push(k);
                    self.meta.set(k, s.into_owned());
                }
                (_, v) => rest.members.push((key, v)),
            }
        }
        if saw_value_array {
            let count = rest
                .members
                .iter()
                .rev()
                .find(|(k, _)| is_count_key(k))
                .map(|(_, v)| v);
            self.meta
                .page(seen_meta.contains(&MetaKey::NextLink), count);
        }
        if !saw_value_array {
            if let (Some(v), false) = (rest.get_ignore_case("value"), seen_meta.is_empty()) {
                return Err(de::Error::custom(format!(
                    "the page's `value` is {}, not an array of records",
                    v.kind()
                )));
            }
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
pub(super) struct ValueArraySeed<'m, 'c, 'f> {
    pub(super) meta: &'m mut JsonMeta,
    pub(super) on_record: &'c mut OnRecord<'f>,
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
