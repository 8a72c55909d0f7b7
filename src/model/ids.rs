//! Identifiers of directory objects.
//!
//! Entra ID object ids, SKU ids and service-plan ids are GUIDs. Exports spell them in upper or
//! lower case (Graph's own `assignLicense` response echoes an upper-case skuId) and sometimes with
//! stray whitespace, so they are parsed into 128-bit values and compared as such; they always print
//! lower-case and hyphenated, which keeps every output stable whatever the export's spelling.
//! Each kind of object gets its own newtype so a user id can never be passed where a SKU is meant.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A string that should have been a GUID but is not.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{value:?} is not a GUID (expected 8-4-4-4-12 hexadecimal digits, e.g. 18181a46-0d4e-45cd-891e-60aabd171b4e)")]
pub struct NotAGuid {
    pub value: String,
}

/// Parses a GUID as exports spell it: any case, surrounding whitespace ignored, braces allowed.
///
/// ```
/// use licplan::model::SkuId;
///
/// // Graph's own assignLicense response echoes skuIds upper-case.
/// let upper = SkuId::parse("0118A350-71FC-4EC3-8F0C-6A1CB8867561").unwrap();
/// let lower = SkuId::parse("0118a350-71fc-4ec3-8f0c-6a1cb8867561").unwrap();
/// assert_eq!(upper, lower);
/// assert_eq!(upper.to_string(), "0118a350-71fc-4ec3-8f0c-6a1cb8867561");
/// assert!(SkuId::parse("ENTERPRISEPACK").is_err());
/// ```
pub fn parse_guid(s: &str) -> Result<Uuid, NotAGuid> {
    let t = s.trim();
    let t = t
        .strip_prefix('{')
        .and_then(|x| x.strip_suffix('}'))
        .unwrap_or(t);
    // Only the hyphenated 36-character form (the one every Microsoft export uses) is accepted:
    // a bare 32-digit string is far more likely to be some other identifier.
    if t.len() != 36 {
        return Err(NotAGuid {
            value: s.to_owned(),
        });
    }
    Uuid::parse_str(t).map_err(|_| NotAGuid {
        value: s.to_owned(),
    })
}

/// A name in lower case for case-insensitive lookups (UPNs, group and product names), without
/// allocating when it is lower case already — as most exported UPNs are.
pub fn fold_case(s: &str) -> std::borrow::Cow<'_, str> {
    if s.is_ascii() {
        // The common case, without decoding characters.
        return if s.bytes().any(|b| b.is_ascii_uppercase()) {
            std::borrow::Cow::Owned(s.to_ascii_lowercase())
        } else {
            std::borrow::Cow::Borrowed(s)
        };
    }
    if s.chars().any(char::is_uppercase) {
        std::borrow::Cow::Owned(s.to_lowercase())
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

/// Whether a string looks like a GUID; used to decide between "an id" and "a name" in references.
pub fn looks_like_guid(s: &str) -> bool {
    parse_guid(s).is_ok()
}

macro_rules! guid_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            pub fn parse(s: &str) -> Result<Self, NotAGuid> {
                parse_guid(s).map($name)
            }
            pub const fn from_uuid(u: Uuid) -> Self {
                $name(u)
            }
            pub const fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl FromStr for $name {
            type Err = NotAGuid;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0.hyphenated(), f)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0.hyphenated())
            }
        }
    };
}

guid_id!(
    /// A user's object id.
    UserId
);
guid_id!(
    /// A group's object id.
    GroupId
);
guid_id!(
    /// A product's `skuId`.
    SkuId
);
guid_id!(
    /// A service plan's `servicePlanId`.
    PlanId
);

/// A two-letter ISO 3166 usage location (`US`, `GB`), stored upper-case in two bytes: a
/// million users' locations as strings would be a million allocations.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CountryCode([u8; 2]);

impl Serialize for CountryCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for CountryCode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        match CountryCode::parse_optional(&s) {
            Ok(Some(c)) => Ok(c),
            Ok(None) => Err(serde::de::Error::custom("an empty usage location")),
            Err(e) => Err(serde::de::Error::custom(e)),
        }
    }
}

/// A usage location that is not two ASCII letters.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{value:?} is not a two-letter ISO 3166 country code (e.g. US, GB, DE)")]
pub struct NotACountry {
    pub value: String,
}

impl CountryCode {
    /// Parses a usage location; an empty string is "none" (`Ok(None)`), as exports write it.
    pub fn parse_optional(s: &str) -> Result<Option<Self>, NotACountry> {
        let t = s.trim();
        if t.is_empty() {
            return Ok(None);
        }
        match t.as_bytes() {
            &[a, b] if a.is_ascii_alphabetic() && b.is_ascii_alphabetic() => {
                Ok(Some(CountryCode([
                    a.to_ascii_uppercase(),
                    b.to_ascii_uppercase(),
                ])))
            }
            _ => Err(NotACountry {
                value: s.to_owned(),
            }),
        }
    }

    pub fn as_str(&self) -> &str {
        // Two ASCII letters, by construction.
        std::str::from_utf8(&self.0).unwrap_or("??")
    }
}

impl fmt::Display for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CountryCode({})", self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guids_compare_case_insensitively_and_print_lower_case() {
        let a = SkuId::parse("0118A350-71FC-4EC3-8F0C-6A1CB8867561").expect("upper");
        let b = SkuId::parse(" 0118a350-71fc-4ec3-8f0c-6a1cb8867561\t").expect("lower, padded");
        assert_eq!(a, b);
        assert_eq!(a.to_string(), "0118a350-71fc-4ec3-8f0c-6a1cb8867561");
        assert_eq!(
            SkuId::parse("{0118a350-71fc-4ec3-8f0c-6a1cb8867561}").expect("braced"),
            a
        );
    }

    #[test]
    fn non_guids_are_refused() {
        for bad in [
            "",
            "ENTERPRISEPACK",
            "0118a35071fc4ec38f0c6a1cb8867561",
            "0118a350-71fc-4ec3-8f0c-6a1cb886756z",
        ] {
            assert!(UserId::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn usage_locations() {
        assert_eq!(
            CountryCode::parse_optional(" us ")
                .expect("ok")
                .expect("some")
                .as_str(),
            "US"
        );
        assert_eq!(CountryCode::parse_optional("").expect("ok"), None);
        assert!(CountryCode::parse_optional("USA").is_err());
        assert!(CountryCode::parse_optional("U1").is_err());
    }
}
