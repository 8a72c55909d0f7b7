//! Users and the paths by which they hold licenses.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::ids::{CountryCode, GroupId, SkuId, UserId};
use super::planids::PlanIds;

/// How a user holds a SKU (rule R1: directly and through each licensed group, at once).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "kind", content = "group")]
pub enum AssignmentPath {
    /// `assignedByGroup` is null.
    Direct,
    /// Inherited from this group.
    Group(GroupId),
    /// The export does not say (admin-center CSV, or `assignedLicenses` without
    /// `licenseAssignmentStates`): direct, inherited or both are all possible.
    Unknown,
}

/// `licenseAssignmentState.state`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum AssignmentState {
    Active,
    ActiveWithError,
    Disabled,
    Error,
}

impl AssignmentState {
    /// Parses the value as exports spell it, ignoring case and stray spaces (Microsoft's own
    /// example has `" Active "`).
    pub fn parse(s: &str) -> Option<Self> {
        let t = s.trim();
        [
            ("Active", Self::Active),
            ("ActiveWithError", Self::ActiveWithError),
            ("Disabled", Self::Disabled),
            ("Error", Self::Error),
        ]
        .into_iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(t))
        .map(|(_, v)| v)
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "Active",
            Self::ActiveWithError => "ActiveWithError",
            Self::Disabled => "Disabled",
            Self::Error => "Error",
        }
    }
}

crate::code_table! {
    /// `licenseAssignmentState.error`, the Graph error name (R5 of docs/domain/RULES.md).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
    pub enum AssignmentError {
        CountViolation => "CountViolation",
            "Not enough available seats (enabled minus consumed) of the product.",
            "Buy or free seats of the product, then reprocess the group or user.";
        MutuallyExclusiveViolation => "MutuallyExclusiveViolation",
            "A service plan of the product conflicts with one the user already has enabled through another product.",
            "Remove or disable the conflicting plan first, or change both products in one atomic update.";
        DependencyViolation => "DependencyViolation",
            "A plan is left enabled without a plan it depends on (or an add-on's group lacks its prerequisite).",
            "Keep the prerequisite plan enabled (in the same group for an add-on), then reprocess.";
        ProhibitedInUsageLocationViolation => "ProhibitedInUsageLocationViolation",
            "The user has no usage location, or a service of the product is not offered there.",
            "Set the user's usage location (or the organization's, for group licensing) to a country the product is offered in.";
        UniquenessViolation => "UniquenessViolation",
            "The user shares a proxy address with another user, and the product includes Exchange Online.",
            "Make the user's proxy addresses unique in the tenant, then reprocess.";
        /// `Other`, spelled `Others` in older and localised copies of the docs.
        Other => "Other",
            "A licensing error Graph does not name more precisely.",
            "Look at the user's license assignment states in the admin center, fix the cause and reprocess.";
    }
}

/// What an `error` field held.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParsedError {
    /// Null, empty or the string `"None"`: no error.
    NoError,
    Error(AssignmentError),
    /// A value no version of the docs lists.
    Unrecognised,
}

impl AssignmentError {
    pub fn parse(s: &str) -> ParsedError {
        let t = s.trim();
        if t.is_empty() || t.eq_ignore_ascii_case("None") || t.eq_ignore_ascii_case("null") {
            return ParsedError::NoError;
        }
        if t.eq_ignore_ascii_case("Others") {
            return ParsedError::Error(Self::Other);
        }
        Self::ALL
            .iter()
            .copied()
            .find(|e| e.as_str().eq_ignore_ascii_case(t))
            .map_or(ParsedError::Unrecognised, ParsedError::Error)
    }
}

impl fmt::Display for AssignmentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One license on one path: an entry of `licenseAssignmentStates`, or of `assignedLicenses` when
/// the path is unknown.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Assignment {
    pub sku: SkuId,
    pub path: AssignmentPath,
    pub disabled_plans: PlanIds,
    /// `None` when the export does not carry states (paths unknown).
    pub state: Option<AssignmentState>,
    pub error: Option<AssignmentError>,
}

impl Assignment {
    /// Whether the assignment is in a licensing error (an error code, or state Error /
    /// ActiveWithError without a code).
    pub fn is_error(&self) -> bool {
        self.error.is_some()
            || matches!(
                self.state,
                Some(AssignmentState::Error | AssignmentState::ActiveWithError)
            )
    }
}

/// A user as the exports describe it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: UserId,
    /// `None` when the export did not select `userPrincipalName`.
    pub upn: Option<String>,
    pub display_name: Option<String>,
    /// `None` when the user has no usage location; group licensing then uses the tenant default (R6).
    pub usage_location: Option<CountryCode>,
    pub account_enabled: Option<bool>,
    /// As exported, e.g. `SMTP:alice@contoso.com` (primary) and `smtp:` (secondary).
    pub proxy_addresses: Vec<String>,
    /// Sorted by SKU, then path.
    pub assignments: Vec<Assignment>,
}

impl User {
    /// The name to show a person: UPN, else the id.
    pub fn label(&self) -> String {
        self.upn.clone().unwrap_or_else(|| self.id.to_string())
    }

    /// Whether any assignment's path is unknown.
    pub fn has_unknown_paths(&self) -> bool {
        self.assignments
            .iter()
            .any(|a| a.path == AssignmentPath::Unknown)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assignment_error_codes_are_unique_parse_back_and_serialise_as_graph_spells_them() {
        crate::model::codes::assert_table(
            AssignmentError::ALL,
            AssignmentError::as_str,
            AssignmentError::from_code,
            |c| (c.description(), c.fix()),
        );
        for e in AssignmentError::ALL {
            assert_eq!(AssignmentError::parse(e.as_str()), ParsedError::Error(*e));
            let json = serde_json::to_string(e).expect("serialises");
            assert_eq!(json, format!("\"{}\"", e.as_str()));
        }
    }

    #[test]
    fn enum_values_as_real_exports_spell_them() {
        assert_eq!(AssignmentError::parse("None"), ParsedError::NoError);
        assert_eq!(AssignmentError::parse(" None"), ParsedError::NoError);
        assert_eq!(AssignmentError::parse(""), ParsedError::NoError);
        assert_eq!(
            AssignmentError::parse("Others"),
            ParsedError::Error(AssignmentError::Other)
        );
        assert_eq!(
            AssignmentError::parse("countviolation"),
            ParsedError::Error(AssignmentError::CountViolation)
        );
        assert_eq!(AssignmentError::parse("Bogus"), ParsedError::Unrecognised);
        assert_eq!(
            AssignmentState::parse(" Active "),
            Some(AssignmentState::Active)
        );
        assert_eq!(
            AssignmentState::parse("activewitherror"),
            Some(AssignmentState::ActiveWithError)
        );
        assert_eq!(AssignmentState::parse("Gone"), None);
    }
}
