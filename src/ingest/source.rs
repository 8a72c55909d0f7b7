//! What each file was read as: its export format and its content, as closed sets with one
//! table each (the stable kebab-case spelling shown in every report, and a description).

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The export format a file was read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SourceFormat {
    /// Microsoft Graph REST JSON (`@odata.context`, camelCase keys).
    GraphRest,
    /// Graph JSON as the Microsoft Graph PowerShell SDK writes it (PascalCase keys,
    /// `AdditionalProperties`).
    GraphPowershell,
    /// The Microsoft 365 admin center's Export users CSV.
    AdminCenterCsv,
    /// A plain CSV in the columns the README describes.
    PlainCsv,
}

/// Every format with its spelling and description, in one table.
const FORMATS: &[(SourceFormat, &str, &str)] = &[
    (
        SourceFormat::GraphRest,
        "graph-rest",
        "Microsoft Graph REST JSON (pages with @odata.context, camelCase keys)",
    ),
    (
        SourceFormat::GraphPowershell,
        "graph-powershell",
        "Graph JSON as the Microsoft Graph PowerShell SDK writes it (PascalCase keys)",
    ),
    (
        SourceFormat::AdminCenterCsv,
        "admin-center-csv",
        "the Microsoft 365 admin center's Export users CSV",
    ),
    (
        SourceFormat::PlainCsv,
        "plain-csv",
        "a plain CSV with the columns the README describes",
    ),
];

impl SourceFormat {
    /// Every format, in table order.
    pub fn all() -> impl Iterator<Item = SourceFormat> {
        FORMATS.iter().map(|(f, _, _)| *f)
    }

    fn row(self) -> &'static (SourceFormat, &'static str, &'static str) {
        // Every variant has a row (tested below); the first row is never reached otherwise.
        FORMATS
            .iter()
            .find(|(f, _, _)| *f == self)
            .unwrap_or(&FORMATS[0])
    }

    /// The stable spelling, e.g. `graph-rest`.
    pub fn as_str(self) -> &'static str {
        self.row().1
    }

    /// What the format is, in a sentence fragment.
    pub fn description(self) -> &'static str {
        self.row().2
    }
}

impl fmt::Display for SourceFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for SourceFormat {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for SourceFormat {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        SourceFormat::all()
            .find(|f| f.as_str() == s)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown export format {s:?}")))
    }
}

/// What a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SourceContent {
    Users,
    Groups,
    GroupMembers,
    GroupLicenses,
    Assignments,
    Skus,
    Organization,
    /// A JSON file with no records at all.
    Empty,
}

/// Every content with its spelling and description, in one table.
const CONTENTS: &[(SourceContent, &str, &str)] = &[
    (
        SourceContent::Users,
        "users",
        "users, with their licenses where the export has them",
    ),
    (
        SourceContent::Groups,
        "groups",
        "groups, with the licenses assigned to them",
    ),
    (
        SourceContent::GroupMembers,
        "group-members",
        "the members of groups",
    ),
    (
        SourceContent::GroupLicenses,
        "group-licenses",
        "the licenses assigned to groups",
    ),
    (
        SourceContent::Assignments,
        "assignments",
        "one row per license a user holds",
    ),
    (
        SourceContent::Skus,
        "skus",
        "the tenant's products and their seats",
    ),
    (
        SourceContent::Organization,
        "organization",
        "the organization's settings",
    ),
    (SourceContent::Empty, "empty", "no records"),
];

impl SourceContent {
    /// Every content, in table order.
    pub fn all() -> impl Iterator<Item = SourceContent> {
        CONTENTS.iter().map(|(c, _, _)| *c)
    }

    fn row(self) -> &'static (SourceContent, &'static str, &'static str) {
        // Every variant has a row (tested below); the first row is never reached otherwise.
        CONTENTS
            .iter()
            .find(|(c, _, _)| *c == self)
            .unwrap_or(&CONTENTS[0])
    }

    /// The stable spelling, e.g. `group-members`.
    pub fn as_str(self) -> &'static str {
        self.row().1
    }

    /// What the content is, in a sentence fragment.
    pub fn description(self) -> &'static str {
        self.row().2
    }
}

impl fmt::Display for SourceContent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for SourceContent {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for SourceContent {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        SourceContent::all()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown export content {s:?}")))
    }
}

/// What a file was read as.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Source {
    pub file: String,
    /// The export format, e.g. `graph-rest`, `graph-powershell`, `admin-center-csv`, `plain-csv`.
    pub format: SourceFormat,
    /// What it holds, e.g. `users`, `groups`, `group-members`, `skus`.
    pub content: SourceContent,
    pub records: u64,
    /// When the file was taken, from evidence in its data (see [`super::dates`]); the plan and
    /// verify reports show it, `inspect` does not.
    #[serde(skip)]
    pub taken: super::dates::Taken,
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn every_format_has_one_row_and_a_unique_kebab_case_spelling() {
        let variants = [
            SourceFormat::GraphRest,
            SourceFormat::GraphPowershell,
            SourceFormat::AdminCenterCsv,
            SourceFormat::PlainCsv,
        ];
        assert_eq!(FORMATS.len(), variants.len());
        for v in variants {
            assert_eq!(
                FORMATS.iter().filter(|(f, _, _)| *f == v).count(),
                1,
                "{v:?}"
            );
        }
        let spellings: BTreeSet<&str> = SourceFormat::all().map(SourceFormat::as_str).collect();
        assert_eq!(spellings.len(), FORMATS.len(), "spellings are unique");
        for s in spellings {
            assert!(
                !s.is_empty() && s.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
                "{s} is kebab-case"
            );
        }
        assert!(SourceFormat::all().all(|f| !f.description().is_empty()));
    }

    #[test]
    fn every_content_has_one_row_and_a_unique_kebab_case_spelling() {
        let variants = [
            SourceContent::Users,
            SourceContent::Groups,
            SourceContent::GroupMembers,
            SourceContent::GroupLicenses,
            SourceContent::Assignments,
            SourceContent::Skus,
            SourceContent::Organization,
            SourceContent::Empty,
        ];
        assert_eq!(CONTENTS.len(), variants.len());
        for v in variants {
            assert_eq!(
                CONTENTS.iter().filter(|(c, _, _)| *c == v).count(),
                1,
                "{v:?}"
            );
        }
        let spellings: BTreeSet<&str> = SourceContent::all().map(SourceContent::as_str).collect();
        assert_eq!(spellings.len(), CONTENTS.len(), "spellings are unique");
        for s in spellings {
            assert!(
                !s.is_empty() && s.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
                "{s} is kebab-case"
            );
        }
        assert!(SourceContent::all().all(|c| !c.description().is_empty()));
    }

    #[test]
    fn serializes_as_its_spelling() {
        let s = Source {
            file: "users.csv".into(),
            format: SourceFormat::AdminCenterCsv,
            content: SourceContent::Users,
            records: 2,
            taken: Default::default(),
        };
        let json = serde_json::to_string(&s).expect("serializes");
        assert_eq!(
            json,
            r#"{"file":"users.csv","format":"admin-center-csv","content":"users","records":2}"#
        );
    }
}
