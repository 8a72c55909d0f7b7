//! The operations plans are made of, as ops files and plan files spell them.
//!
//! An ops file is `{"ops": [...]}` in JSON or YAML; a plan file (`licplan plan` output) holds
//! `stages[].actions` and `stages[].waves[].actions`, read here in order as one op sequence so a
//! plan — hand-edited or not — can be re-checked. Each op names users by id or UPN, groups by id
//! or display name, SKUs by GUID, part number or display name; names are resolved by the engine.
//! Actions may carry display fields (`user_upn`, `group_name`, …) next to the op's own fields;
//! anything else is an error, so a typo never silently changes what is simulated.

pub(crate) mod file;
mod map;

pub use file::{parse, read};
pub use map::MapRefs;

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::model::{CountryCode, GroupId, PlanId, SkuId, UserId};

/// How an op names what it touches. Files name users, groups, products and service plans by
/// text ([`Written`]: an id, UPN, display name or part number); a plan drawn by licplan holds
/// typed ids ([`Ids`]), written out as the same text; the engine replays ops whose every
/// reference is resolved to typed ids (the engine's own [`Resolved`] view). One enum, [`Op`],
/// serves all three, so an op added to the vocabulary is one variant everywhere.
pub trait Refs: Clone + fmt::Debug + PartialEq + Eq + 'static {
    type User: Clone + fmt::Debug + PartialEq + Eq;
    type Group: Clone + fmt::Debug + PartialEq + Eq;
    type Sku: Clone + fmt::Debug + PartialEq + Eq;
    type Plan: Clone + fmt::Debug + PartialEq + Eq;
    type Country: Clone + fmt::Debug + PartialEq + Eq;
}

/// References as ops files and plan files spell them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Written;

impl Refs for Written {
    type User = String;
    type Group = String;
    type Sku = String;
    type Plan = String;
    type Country = String;
}

/// References as licplan's planner makes them: object ids, and service plans by id with the
/// name a plan file writes for them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ids;

impl Refs for Ids {
    type User = UserId;
    type Group = GroupId;
    type Sku = SkuId;
    type Plan = PlanRef;
    type Country = CountryCode;
}

/// References as the engine applies them: users and groups by their index in the engine's state,
/// products and service plans by id, the country as the user's new usage location (`None`
/// clears it). Every reference of an op is resolved to this view before the op is applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Resolved;

impl Refs for Resolved {
    type User = usize;
    type Group = usize;
    type Sku = SkuId;
    type Plan = PlanId;
    type Country = Option<CountryCode>;
}

/// A service plan a planned op names: its id, and the name a plan file writes (plan files name
/// disabled plans as people read them; the name resolves back within the op's product).
#[derive(Debug, Clone)]
pub struct PlanRef {
    pub id: PlanId,
    pub name: std::sync::Arc<str>,
}

impl PartialEq for PlanRef {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}
impl Eq for PlanRef {}

impl fmt::Display for PlanRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

impl Serialize for PlanRef {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.name)
    }
}

/// A license as an op names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(bound(
    serialize = "R::Sku: Serialize, R::Plan: Serialize",
    deserialize = "R::Sku: Deserialize<'de>, R::Plan: Deserialize<'de>"
))]
pub struct LicenseSpec<R: Refs = Written> {
    pub sku: R::Sku,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub disabled_plans: Vec<R::Plan>,
}

fn yes() -> bool {
    true
}

/// One operation. The JSON/YAML names (`op: add-member`, field names) are part of the contract.
///
/// `create-group` names the group it makes by display name in every view: the group has no
/// object id until it exists (a plan derives one from the name, [`planned_group_id`]).
///
/// [`planned_group_id`]: crate::simulate::engine::planned_group_id
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "kebab-case")]
#[serde(bound(
    serialize = "R::User: Serialize, R::Group: Serialize, R::Sku: Serialize, R::Plan: Serialize, R::Country: Serialize",
    deserialize = "R::User: Deserialize<'de>, R::Group: Deserialize<'de>, R::Sku: Deserialize<'de>, R::Plan: Deserialize<'de>, R::Country: Deserialize<'de>"
))]
pub enum Op<R: Refs = Written> {
    CreateGroup {
        group: String,
        #[serde(default = "yes")]
        security_enabled: bool,
        /// The group's description (optional; the simulator does not read it).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        description: Option<Box<str>>,
        /// The group's `mailNickname` (optional; the simulator does not read it).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        mail_nickname: Option<Box<str>>,
        /// The group's `uniqueName`, the key a bundle creates it by (optional; the simulator does
        /// not read it).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        unique_name: Option<Box<str>>,
    },
    AssignGroupLicense {
        group: R::Group,
        sku: R::Sku,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        disabled_plans: Vec<R::Plan>,
    },
    /// One atomic update: additions and removals are applied together (R11).
    ChangeGroupLicense {
        group: R::Group,
        #[serde(default)]
        add: Vec<LicenseSpec<R>>,
        #[serde(default)]
        remove: Vec<R::Sku>,
    },
    RemoveGroupLicense {
        group: R::Group,
        sku: R::Sku,
    },
    /// Deletes a group: refused while it carries licenses (R10); its members lose what it
    /// gave, processed as a license removal (R8).
    DeleteGroup {
        group: R::Group,
    },
    AddMember {
        group: R::Group,
        user: R::User,
    },
    RemoveMember {
        group: R::Group,
        user: R::User,
    },
    AssignDirectLicense {
        user: R::User,
        sku: R::Sku,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        disabled_plans: Vec<R::Plan>,
    },
    /// One atomic `assignLicense` call with `addLicenses` and `removeLicenses`.
    ChangeDirectLicense {
        user: R::User,
        #[serde(default)]
        add: Vec<LicenseSpec<R>>,
        #[serde(default)]
        remove: Vec<R::Sku>,
    },
    RemoveDirectLicense {
        user: R::User,
        sku: R::Sku,
    },
    SetUsageLocation {
        user: R::User,
        country: R::Country,
    },
    Reprocess {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        group: Option<R::Group>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        user: Option<R::User>,
    },
    WaitForProcessing {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        group: Option<R::Group>,
    },
}

/// A planner's typed references as a file writes them: ids as GUID text, service plans by name.
struct AsWritten;

impl MapRefs<Ids, Written> for AsWritten {
    type Miss = std::convert::Infallible;
    fn user(&mut self, u: &UserId) -> Result<String, Self::Miss> {
        Ok(u.to_string())
    }
    fn group(&mut self, g: &GroupId) -> Result<String, Self::Miss> {
        Ok(g.to_string())
    }
    fn sku(&mut self, _: &'static str, s: &SkuId) -> Result<String, Self::Miss> {
        Ok(s.to_string())
    }
    fn plan(&mut self, _: &String, p: &PlanRef) -> Result<String, Self::Miss> {
        Ok(p.name.to_string())
    }
    fn country(&mut self, c: &CountryCode) -> Result<String, Self::Miss> {
        Ok(c.to_string())
    }
}

impl Op<Ids> {
    /// The op as a file writes it: ids as GUID text, service plans by name.
    pub fn to_written(&self) -> Op {
        let Ok(op) = self.map_refs(&mut AsWritten);
        op
    }
}

impl<R: Refs> Op<R> {
    /// The op's name as files spell it.
    pub fn name(&self) -> &'static str {
        match self {
            Op::CreateGroup { .. } => "create-group",
            Op::AssignGroupLicense { .. } => "assign-group-license",
            Op::ChangeGroupLicense { .. } => "change-group-license",
            Op::RemoveGroupLicense { .. } => "remove-group-license",
            Op::DeleteGroup { .. } => "delete-group",
            Op::AddMember { .. } => "add-member",
            Op::RemoveMember { .. } => "remove-member",
            Op::AssignDirectLicense { .. } => "assign-direct-license",
            Op::ChangeDirectLicense { .. } => "change-direct-license",
            Op::RemoveDirectLicense { .. } => "remove-direct-license",
            Op::SetUsageLocation { .. } => "set-usage-location",
            Op::Reprocess { .. } => "reprocess",
            Op::WaitForProcessing { .. } => "wait-for-processing",
        }
    }

    /// Whether the op writes to the tenant (a wait only observes).
    pub fn writes(&self) -> bool {
        !matches!(self, Op::WaitForProcessing { .. })
    }
}

/// Items written out one after another, separated by commas.
fn join<T: fmt::Display>(items: &[T]) -> String {
    let mut out = String::new();
    for (i, x) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(&x.to_string());
    }
    out
}

/// An op as a person reads it; the planner's typed ops read as the same op written to a file.
impl<R: Refs> fmt::Display for Op<R>
where
    R::User: fmt::Display,
    R::Group: fmt::Display,
    R::Sku: fmt::Display,
    R::Plan: fmt::Display,
    R::Country: fmt::Display,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let plans = |p: &[R::Plan]| {
            if p.is_empty() {
                String::new()
            } else {
                format!(" (disabled: {})", join(p))
            }
        };
        let specs = |v: &[LicenseSpec<R>]| {
            v.iter()
                .map(|s| format!("{}{}", s.sku, plans(&s.disabled_plans)))
                .collect::<Vec<_>>()
                .join(", ")
        };
        match self {
            Op::CreateGroup {
                group,
                security_enabled,
                ..
            } => write!(
                f,
                "create-group {group}{}",
                if *security_enabled {
                    ""
                } else {
                    " (not security-enabled)"
                }
            ),
            Op::AssignGroupLicense {
                group,
                sku,
                disabled_plans,
            } => write!(
                f,
                "assign-group-license {group}: {sku}{}",
                plans(disabled_plans)
            ),
            Op::ChangeGroupLicense { group, add, remove } => write!(
                f,
                "change-group-license {group}: add [{}] remove [{}]",
                specs(add),
                join(remove)
            ),
            Op::RemoveGroupLicense { group, sku } => {
                write!(f, "remove-group-license {group}: {sku}")
            }
            Op::DeleteGroup { group } => write!(f, "delete-group {group}"),
            Op::AddMember { group, user } => write!(f, "add-member {group} + {user}"),
            Op::RemoveMember { group, user } => write!(f, "remove-member {group} - {user}"),
            Op::AssignDirectLicense {
                user,
                sku,
                disabled_plans,
            } => write!(
                f,
                "assign-direct-license {user}: {sku}{}",
                plans(disabled_plans)
            ),
            Op::ChangeDirectLicense { user, add, remove } => write!(
                f,
                "change-direct-license {user}: add [{}] remove [{}]",
                specs(add),
                join(remove)
            ),
            Op::RemoveDirectLicense { user, sku } => {
                write!(f, "remove-direct-license {user}: {sku}")
            }
            Op::SetUsageLocation { user, country } => {
                write!(f, "set-usage-location {user}: {country}")
            }
            Op::Reprocess { group, user } => match (group, user) {
                (Some(g), _) => write!(f, "reprocess group {g}"),
                (None, Some(u)) => write!(f, "reprocess user {u}"),
                (None, None) => write!(f, "reprocess"),
            },
            Op::WaitForProcessing { group } => match group {
                Some(g) => write!(f, "wait-for-processing {g}"),
                None => write!(f, "wait-for-processing"),
            },
        }
    }
}

/// Where an op came from, for messages: `ops[3]` or `stages[2].waves[0].actions[5]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OpSource {
    pub path: String,
}

/// Ops read from a file, in order.
#[derive(Debug, Clone)]
pub struct OpsFile {
    pub ops: Vec<(OpSource, Op)>,
}
