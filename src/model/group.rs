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
