//! The bundle's `manifest.json` (schema `licplan-bundle/1`, docs/BUNDLE.md): the data the fixed
//! runners read. Fields serialise in the order declared here, so the file is the same bytes for
//! the same plan, stage and wave.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The schema name written in every manifest.
pub const SCHEMA: &str = "licplan-bundle/1";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub schema: String,
    pub plan: PlanRef,
    pub export: ExportRef,
    pub stage: StageRef,
    pub wave: Option<WaveRef>,
    pub scopes: Vec<String>,
    pub roles: Vec<String>,
    pub pacing: Pacing,
    pub placeholders: Vec<Placeholder>,
    pub ops: Vec<Operation>,
    pub undo: Vec<Operation>,
    pub undo_proof: UndoProof,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanRef {
    pub name: String,
    pub hash: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExportRef {
    pub hash: String,
    pub tenant_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StageRef {
    pub number: u32,
    pub kind: String,
    pub title: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WaveRef {
    pub number: u32,
    pub label: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pacing {
    pub writes_per_window: u64,
    pub window_seconds: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Placeholder {
    pub unique_name: String,
    pub display_name: String,
    pub placeholder_id: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UndoProof {
    pub proven: bool,
    pub users_checked: u64,
    pub reasons: Vec<String>,
}

/// The kinds of operation, as the manifest spells them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OpKind {
    CreateGroup,
    AssignGroupLicense,
    ChangeGroupLicense,
    RemoveGroupLicense,
    DeleteGroup,
    AddMembers,
    RemoveMember,
    AssignDirectLicense,
    ChangeDirectLicense,
    RemoveDirectLicense,
    SetUsageLocation,
    Reprocess,
    WaitForProcessing,
}

impl OpKind {
    /// The kind of an op (written from a plan file, or typed in a plan), as a manifest names it.
    pub fn of<R: crate::simulate::ops::Refs>(op: &crate::simulate::ops::Op<R>) -> OpKind {
        use crate::simulate::ops::Op;
        match op {
            Op::CreateGroup { .. } => OpKind::CreateGroup,
            Op::AssignGroupLicense { .. } => OpKind::AssignGroupLicense,
            Op::ChangeGroupLicense { .. } => OpKind::ChangeGroupLicense,
            Op::RemoveGroupLicense { .. } => OpKind::RemoveGroupLicense,
            Op::DeleteGroup { .. } => OpKind::DeleteGroup,
            Op::AddMember { .. } => OpKind::AddMembers,
            Op::RemoveMember { .. } => OpKind::RemoveMember,
            Op::AssignDirectLicense { .. } => OpKind::AssignDirectLicense,
            Op::ChangeDirectLicense { .. } => OpKind::ChangeDirectLicense,
            Op::RemoveDirectLicense { .. } => OpKind::RemoveDirectLicense,
            Op::SetUsageLocation { .. } => OpKind::SetUsageLocation,
            Op::Reprocess { .. } => OpKind::Reprocess,
            Op::WaitForProcessing { .. } => OpKind::WaitForProcessing,
        }
    }

    /// The least Graph scopes and the roles that can make every write of these kinds (one
    /// role runs them all; Global Reader when nothing writes).
    pub fn scopes_and_roles(
        kinds: &std::collections::BTreeSet<OpKind>,
    ) -> (
        std::collections::BTreeSet<&'static str>,
        std::collections::BTreeSet<&'static str>,
    ) {
        use std::collections::BTreeSet;
        let mut scopes: BTreeSet<&'static str> =
            kinds.iter().filter_map(|k| k.write_scope()).collect();
        scopes.extend(["User.Read.All", "GroupMember.Read.All"]);
        let mut roles: Option<BTreeSet<&'static str>> = None;
        for k in kinds {
            if let Some(can) = k.roles() {
                let can: BTreeSet<&'static str> = can.iter().copied().collect();
                roles = Some(match roles {
                    None => can,
                    Some(r) => r.intersection(&can).copied().collect(),
                });
            }
        }
        let roles = roles.unwrap_or_else(|| BTreeSet::from(["Global Reader"]));
        (scopes, roles)
    }

    pub const ALL: [OpKind; 13] = [
        OpKind::CreateGroup,
        OpKind::AssignGroupLicense,
        OpKind::ChangeGroupLicense,
        OpKind::RemoveGroupLicense,
        OpKind::DeleteGroup,
        OpKind::AddMembers,
        OpKind::RemoveMember,
        OpKind::AssignDirectLicense,
        OpKind::ChangeDirectLicense,
        OpKind::RemoveDirectLicense,
        OpKind::SetUsageLocation,
        OpKind::Reprocess,
        OpKind::WaitForProcessing,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OpKind::CreateGroup => "create-group",
            OpKind::AssignGroupLicense => "assign-group-license",
            OpKind::ChangeGroupLicense => "change-group-license",
            OpKind::RemoveGroupLicense => "remove-group-license",
            OpKind::DeleteGroup => "delete-group",
            OpKind::AddMembers => "add-members",
            OpKind::RemoveMember => "remove-member",
            OpKind::AssignDirectLicense => "assign-direct-license",
            OpKind::ChangeDirectLicense => "change-direct-license",
            OpKind::RemoveDirectLicense => "remove-direct-license",
            OpKind::SetUsageLocation => "set-usage-location",
            OpKind::Reprocess => "reprocess",
            OpKind::WaitForProcessing => "wait-for-processing",
        }
    }

    /// The delegated Graph scope the op's write needs (`None` for a wait: it only reads).
    pub fn write_scope(self) -> Option<&'static str> {
        match self {
            OpKind::CreateGroup | OpKind::DeleteGroup => Some("Group.ReadWrite.All"),
            OpKind::AddMembers | OpKind::RemoveMember => Some("GroupMember.ReadWrite.All"),
            OpKind::AssignGroupLicense
            | OpKind::ChangeGroupLicense
            | OpKind::RemoveGroupLicense
            | OpKind::AssignDirectLicense
            | OpKind::ChangeDirectLicense
            | OpKind::RemoveDirectLicense => Some("LicenseAssignment.ReadWrite.All"),
            OpKind::SetUsageLocation | OpKind::Reprocess => Some("User.ReadWrite.All"),
            OpKind::WaitForProcessing => None,
        }
    }

    /// The Entra roles that can make the op's write (Microsoft's role permissions; License
    /// Administrator cannot create groups or manage their members). A wait only reads.
    pub fn roles(self) -> Option<&'static [&'static str]> {
        const GROUPS: &[&str] = &[
            "Directory Writers",
            "Groups Administrator",
            "User Administrator",
        ];
        const GROUP_LICENSES: &[&str] = &[
            "Directory Writers",
            "Groups Administrator",
            "License Administrator",
            "User Administrator",
        ];
        const USER_LICENSES: &[&str] = &[
            "Directory Writers",
            "License Administrator",
            "User Administrator",
        ];
        Some(match self {
            OpKind::CreateGroup
            | OpKind::DeleteGroup
            | OpKind::AddMembers
            | OpKind::RemoveMember => GROUPS,
            OpKind::AssignGroupLicense
            | OpKind::ChangeGroupLicense
            | OpKind::RemoveGroupLicense => GROUP_LICENSES,
            OpKind::AssignDirectLicense
            | OpKind::ChangeDirectLicense
            | OpKind::RemoveDirectLicense
            | OpKind::Reprocess
            | OpKind::SetUsageLocation => USER_LICENSES,
            OpKind::WaitForProcessing => return None,
        })
    }
}

/// The target of an op.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target {
    #[serde(rename = "type")]
    pub kind: TargetKind,
    pub id: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TargetKind {
    User,
    Group,
}

/// A condition and the checks that decide it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Condition {
    pub text: String,
    pub checks: Vec<Check>,
}

/// One check a runner makes by reading Graph.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "check", rename_all = "kebab-case")]
pub enum Check {
    UserDirectLicense {
        user: String,
        sku: String,
        present: bool,
        /// Compared as a set; written only when `present` is true.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        disabled_plans: Option<Vec<String>>,
    },
    UserGroupLicense {
        user: String,
        group: String,
        sku: String,
        state: String,
    },
    Member {
        group: String,
        user: String,
        present: bool,
    },
    GroupExists {
        group: String,
        present: bool,
    },
    GroupLicense {
        group: String,
        sku: String,
        present: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        disabled_plans: Option<Vec<String>>,
    },
    GroupProcessingComplete {
        group: String,
    },
    UsageLocation {
        user: String,
        country: Option<String>,
    },
}

/// A Graph request, relative to `https://graph.microsoft.com/v1.0`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Request {
    pub method: String,
    pub url: String,
    pub headers: std::collections::BTreeMap<String, String>,
    pub body: Option<Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Wait {
    pub group: String,
    pub timeout_minutes: u64,
}

/// One operation of the bundle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Operation {
    pub id: String,
    pub kind: OpKind,
    pub actions: Vec<String>,
    pub target: Target,
    pub summary: String,
    pub precondition: Condition,
    pub request: Option<Request>,
    pub postcondition: Condition,
    pub inverse: Vec<String>,
    pub wait: Option<Wait>,
}
