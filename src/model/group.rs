//! Groups, the licenses they carry and their members.

use serde::{Deserialize, Serialize};

use super::ids::{GroupId, SkuId, UserId};
use super::planids::PlanIds;

/// A license assigned to a group (`assignedLicenses` entry).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct GroupLicense {
    pub sku: SkuId,
    pub disabled_plans: PlanIds,
}

/// A direct member of a group. Only user members inherit licenses (R9: nested groups get nothing).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "kind", content = "id")]
pub enum Member {
    User(UserId),
    Group(GroupId),
}

/// How a group's membership is managed, which decides whether a plan may add users to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum GroupKind {
    /// Members are added and removed by hand or script.
    Static,
    /// Members follow `membershipRule` (R10).
    Dynamic,
    /// Synced from on-premises AD: changes only there, with a sync delay (R10).
    Synced,
}

impl GroupKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Static => "static",
            Self::Dynamic => "dynamic",
            Self::Synced => "synced",
        }
    }
}

/// `licenseProcessingState.state` of a group: whether Entra ID has applied the group's licenses
/// to every member since its last change (R8).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LicenseProcessing {
    QueuedForProcessing,
    ProcessingInProgress,
    ProcessingComplete,
    /// A value Graph does not document (kept as exported, never read as complete).
    Unrecognised(Box<str>),
}

impl LicenseProcessing {
    /// Parses the value as exports spell it, ignoring case and stray spaces; an undocumented
    /// value is kept as [`LicenseProcessing::Unrecognised`].
    pub fn parse(s: &str) -> Self {
        let t = s.trim();
        [
            ("QueuedForProcessing", Self::QueuedForProcessing),
            ("ProcessingInProgress", Self::ProcessingInProgress),
            ("ProcessingComplete", Self::ProcessingComplete),
        ]
        .into_iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(t))
        .map_or_else(|| Self::Unrecognised(t.into()), |(_, v)| v)
    }

    pub fn as_str(&self) -> &str {
        match self {
            Self::QueuedForProcessing => "QueuedForProcessing",
            Self::ProcessingInProgress => "ProcessingInProgress",
            Self::ProcessingComplete => "ProcessingComplete",
            Self::Unrecognised(s) => s,
        }
    }

    pub fn is_complete(&self) -> bool {
        *self == Self::ProcessingComplete
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    pub id: GroupId,
    pub display_name: Option<String>,
    /// `None` when the export did not select `securityEnabled`.
    pub security_enabled: Option<bool>,
    /// `groupTypes` contains `Unified` (a Microsoft 365 group).
    pub unified: bool,
    /// `groupTypes` contains `DynamicMembership`, or a membership rule is set.
    pub dynamic: bool,
    pub membership_rule: Option<String>,
    /// `onPremisesSyncEnabled`: `Some(true)` synced, `Some(false)` once synced, `None` cloud-only.
    pub on_premises_sync_enabled: Option<bool>,
    /// `uniqueName`: the key a plan's bundle creates its groups by; `None` when unset or not
    /// exported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unique_name: Option<String>,
    /// `licenseProcessingState.state`; `None` when not exported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub license_processing: Option<LicenseProcessing>,
    /// Sorted by SKU.
    pub licenses: Vec<GroupLicense>,
    /// Sorted, without duplicates.
    pub members: Vec<Member>,
}

impl Group {
    pub fn kind(&self) -> GroupKind {
        if self.on_premises_sync_enabled == Some(true) {
            GroupKind::Synced
        } else if self.dynamic {
            GroupKind::Dynamic
        } else {
            GroupKind::Static
        }
    }

    pub fn is_licensed(&self) -> bool {
        !self.licenses.is_empty()
    }

    /// The name to show a person: display name, else the id.
    pub fn label(&self) -> String {
        self.display_name
            .clone()
            .unwrap_or_else(|| self.id.to_string())
    }

    /// Whether the user is a direct member: a binary search, as `members` is sorted.
    pub fn has_user(&self, user: UserId) -> bool {
        self.members.binary_search(&Member::User(user)).is_ok()
    }

    pub fn user_members(&self) -> impl Iterator<Item = UserId> + '_ {
        self.members.iter().filter_map(|m| match m {
            Member::User(u) => Some(*u),
            Member::Group(_) => None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn license_processing_parses_every_spelling() {
        assert_eq!(
            LicenseProcessing::parse(" processingcomplete "),
            LicenseProcessing::ProcessingComplete
        );
        assert_eq!(
            LicenseProcessing::parse("QueuedForProcessing"),
            LicenseProcessing::QueuedForProcessing
        );
        assert_eq!(
            LicenseProcessing::parse("ProcessingInProgress"),
            LicenseProcessing::ProcessingInProgress
        );
        let odd = LicenseProcessing::parse("Paused");
        assert_eq!(odd, LicenseProcessing::Unrecognised("Paused".into()));
        assert!(!odd.is_complete());
        assert_eq!(odd.as_str(), "Paused");
    }
}
