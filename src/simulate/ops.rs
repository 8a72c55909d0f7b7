//! The operations plans are made of, as ops files and plan files spell them.
//!
//! An ops file is `{"ops": [...]}` in JSON or YAML; a plan file (`licplan plan` output) holds
//! `stages[].actions` and `stages[].waves[].actions`, read here in order as one op sequence so a
//! plan — hand-edited or not — can be re-checked. Each op names users by id or UPN, groups by id
//! or display name, SKUs by GUID, part number or display name; names are resolved by the engine.
//! Actions may carry display fields (`user_upn`, `group_name`, …) next to the op's own fields;
//! anything else is an error, so a typo never silently changes what is simulated.

use std::fmt;
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::docfile::bounded;
use crate::ingest::error::{InputError, InputErrors, Location};
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

impl Op<Ids> {
    /// The op as a file writes it: ids as GUID text, service plans by name.
    pub fn to_written(&self) -> Op {
        let plans = |p: &[PlanRef]| p.iter().map(|x| x.name.to_string()).collect::<Vec<_>>();
        let specs = |v: &[LicenseSpec<Ids>]| {
            v.iter()
                .map(|l| LicenseSpec {
                    sku: l.sku.to_string(),
                    disabled_plans: plans(&l.disabled_plans),
                })
                .collect::<Vec<_>>()
        };
        let skus = |v: &[SkuId]| v.iter().map(SkuId::to_string).collect::<Vec<_>>();
        match self {
            Op::CreateGroup {
                group,
                security_enabled,
            } => Op::CreateGroup {
                group: group.clone(),
                security_enabled: *security_enabled,
            },
            Op::AssignGroupLicense {
                group,
                sku,
                disabled_plans,
            } => Op::AssignGroupLicense {
                group: group.to_string(),
                sku: sku.to_string(),
                disabled_plans: plans(disabled_plans),
            },
            Op::ChangeGroupLicense { group, add, remove } => Op::ChangeGroupLicense {
                group: group.to_string(),
                add: specs(add),
                remove: skus(remove),
            },
            Op::RemoveGroupLicense { group, sku } => Op::RemoveGroupLicense {
                group: group.to_string(),
                sku: sku.to_string(),
            },
            Op::AddMember { group, user } => Op::AddMember {
                group: group.to_string(),
                user: user.to_string(),
            },
            Op::RemoveMember { group, user } => Op::RemoveMember {
                group: group.to_string(),
                user: user.to_string(),
            },
            Op::AssignDirectLicense {
                user,
                sku,
                disabled_plans,
            } => Op::AssignDirectLicense {
                user: user.to_string(),
                sku: sku.to_string(),
                disabled_plans: plans(disabled_plans),
            },
            Op::ChangeDirectLicense { user, add, remove } => Op::ChangeDirectLicense {
                user: user.to_string(),
                add: specs(add),
                remove: skus(remove),
            },
            Op::RemoveDirectLicense { user, sku } => Op::RemoveDirectLicense {
                user: user.to_string(),
                sku: sku.to_string(),
            },
            Op::SetUsageLocation { user, country } => Op::SetUsageLocation {
                user: user.to_string(),
                country: country.to_string(),
            },
            Op::Reprocess { group, user } => Op::Reprocess {
                group: group.map(|g| g.to_string()),
                user: user.map(|u| u.to_string()),
            },
            Op::WaitForProcessing { group } => Op::WaitForProcessing {
                group: group.map(|g| g.to_string()),
            },
        }
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

impl Op {
    /// The fields an op may carry (besides `op` and display fields).
    fn fields(name: &str) -> Option<&'static [&'static str]> {
        Some(match name {
            "create-group" => &["group", "security_enabled"],
            "assign-group-license" => &["group", "sku", "disabled_plans"],
            "change-group-license" => &["group", "add", "remove"],
            "remove-group-license" => &["group", "sku"],
            "add-member" | "remove-member" => &["group", "user"],
            "assign-direct-license" => &["user", "sku", "disabled_plans"],
            "change-direct-license" => &["user", "add", "remove"],
            "remove-direct-license" => &["user", "sku"],
            "set-usage-location" => &["user", "country"],
            "reprocess" => &["group", "user"],
            "wait-for-processing" => &["group"],
            _ => return None,
        })
    }
}

/// Fields plans add to actions for people to read; ignored by the engine.
const DISPLAY_FIELDS: &[&str] = &[
    "user_id",
    "user_upn",
    "group_id",
    "group_name",
    "sku_id",
    "sku_part_number",
    "sku_name",
    "note",
    "reason",
];

const ALL_OPS: &str = "create-group, assign-group-license, change-group-license, remove-group-license, add-member, remove-member, assign-direct-license, change-direct-license, remove-direct-license, set-usage-location, reprocess, wait-for-processing";

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

/// Reads an ops file or a plan file (JSON or YAML).
///
/// # Errors
///
/// As [`parse`], or the file cannot be read.
pub fn read(path: &Path) -> Result<OpsFile, InputErrors> {
    let text = crate::docfile::read_text(
        path,
        "the ops file",
        "name an ops file ({\"ops\": [...]}) or a plan written by licplan plan",
    )
    .map_err(|e| InputErrors(vec![e]))?;
    parse(&text, path)
}

/// Parses ops from text; `path` only names the source in messages.
///
/// # Errors
///
/// Every problem of every op, each naming the op's record path and field (`$.ops[3].grup`):
/// one run lists them all. A file that cannot be read as JSON or YAML is one error.
pub fn parse(text: &str, path: &Path) -> Result<OpsFile, InputErrors> {
    parse_ops(text, path).map_err(|e| InputErrors(vec![e]))?
}

/// The ops of a file, or its problems; the outer error is one that stops reading at once.
fn parse_ops(text: &str, path: &Path) -> Result<Result<OpsFile, InputErrors>, InputError> {
    // Duplicate keys, deep nesting and alias bombs are refused here (see `docfile`).
    let doc = crate::docfile::read_value(text, path)?;
    let mut ops = Vec::new();
    let mut errors = Vec::new();
    let at = |p: String| Location::Record { index: 0, path: p };
    if let Value::Object(top) = &doc {
        plan_keys(path, top)?;
    }
    match &doc {
        Value::Object(top) if top.contains_key("ops") => match top.get("ops") {
            Some(Value::Array(items)) => {
                for (i, v) in items.iter().enumerate() {
                    collect(path, format!("ops[{i}]"), v, &mut ops, &mut errors);
                }
            }
            _ => {
                return Err(
                    InputError::new(path, at("$.ops".into()), "`ops` must be a list")
                        .field("ops")
                        .hint("write ops: followed by a list of operations"),
                )
            }
        },
        Value::Object(top) if top.contains_key("stages") => {
            let stages = top.get("stages").and_then(Value::as_array).ok_or_else(|| {
                InputError::new(path, at("$.stages".into()), "`stages` must be a list")
                    .field("stages")
            })?;
            for (s, stage) in stages.iter().enumerate() {
                known_keys(path, stage, &format!("$.stages[{s}]"), STAGE_KEYS, "stage")?;
                for (w, wave) in stage
                    .get("waves")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .enumerate()
                {
                    known_keys(
                        path,
                        wave,
                        &format!("$.stages[{s}].waves[{w}]"),
                        WAVE_KEYS,
                        "wave",
                    )?;
                }
                // A plan whose stages hold something other than lists would replay nothing.
                for key in ["actions", "waves"] {
                    if stage
                        .get(key)
                        .is_some_and(|v| !v.is_array() && !v.is_null())
                    {
                        errors.push(
                            InputError::new(
                                path,
                                at(format!("$.stages[{s}].{key}")),
                                format!("`{key}` must be a list"),
                            )
                            .field(key)
                            .hint("a plan file comes from licplan plan; check the hand edits"),
                        );
                    }
                }
                if let Some(actions) = stage.get("actions").and_then(Value::as_array) {
                    for (i, v) in actions.iter().enumerate() {
                        collect(
                            path,
                            format!("stages[{s}].actions[{i}]"),
                            v,
                            &mut ops,
                            &mut errors,
                        );
                    }
                }
                if let Some(waves) = stage.get("waves").and_then(Value::as_array) {
                    for (w, wave) in waves.iter().enumerate() {
                        if wave
                            .get("actions")
                            .is_some_and(|v| !v.is_array() && !v.is_null())
                        {
                            errors.push(
                                InputError::new(
                                    path,
                                    at(format!("$.stages[{s}].waves[{w}].actions")),
                                    "`actions` must be a list",
                                )
                                .field("actions")
                                .hint("a plan file comes from licplan plan; check the hand edits"),
                            );
                        }
                        if let Some(actions) = wave.get("actions").and_then(Value::as_array) {
                            for (i, v) in actions.iter().enumerate() {
                                collect(
                                    path,
                                    format!("stages[{s}].waves[{w}].actions[{i}]"),
                                    v,
                                    &mut ops,
                                    &mut errors,
                                );
                            }
                        }
                    }
                }
            }
        }
        _ => return Err(InputError::new(
            path,
            at("$".into()),
            "no `ops` list and no plan `stages`",
        )
        .hint(
            "an ops file is {\"ops\": [...]} in JSON or YAML; a plan file comes from licplan plan",
        )),
    }
    if errors.is_empty() {
        Ok(Ok(OpsFile { ops }))
    } else {
        Ok(Err(InputErrors(errors)))
    }
}

/// The keys of a plan's stages and waves as `licplan plan` writes them (`plan::doc`). A key
/// outside them is a hand edit gone wrong (`"Actions"` for `"actions"` would replay nothing).
const STAGE_KEYS: &[&str] = &[
    "actions",
    "gates",
    "kind",
    "min_minutes",
    "number",
    "purpose",
    "risks",
    "rollback",
    "title",
    "waves",
    "writes",
];
const WAVE_KEYS: &[&str] = &[
    "actions",
    "gates",
    "label",
    "min_minutes",
    "number",
    "users",
    "writes",
];

/// A file that is both an ops file and a plan, or names `ops` or `stages` in another letter
/// case, would replay only part of what it says: refused.
fn plan_keys(path: &Path, top: &serde_json::Map<String, Value>) -> Result<(), InputError> {
    let at = |p: &str| Location::Record {
        index: 0,
        path: p.to_owned(),
    };
    if top.contains_key("ops") && top.contains_key("stages") {
        return Err(InputError::new(
            path,
            at("$"),
            "the file has both an `ops` list and plan `stages`: which to replay cannot be told",
        )
        .hint("keep one: an ops file is {\"ops\": [...]}, a plan file comes from licplan plan"));
    }
    for key in top.keys() {
        for want in ["ops", "stages"] {
            if key != want && key.eq_ignore_ascii_case(want) {
                return Err(InputError::new(
                    path,
                    at(&format!("$.{}", bounded(key))),
                    format!(
                        "{:?} is not a key licplan reads; did you mean {want:?}?",
                        bounded(key)
                    ),
                )
                .field(bounded(key))
                .hint("keys are lower-case, as licplan writes them"));
            }
        }
    }
    Ok(())
}

/// Refuses a key of a plan's stage or wave that `licplan plan` does not write.
fn known_keys(
    path: &Path,
    v: &Value,
    at: &str,
    known: &[&str],
    what: &str,
) -> Result<(), InputError> {
    let Value::Object(obj) = v else {
        return Ok(());
    };
    for key in obj.keys() {
        if !known.contains(&key.as_str()) {
            return Err(InputError::new(
                path,
                Location::Record {
                    index: 0,
                    path: format!("{at}.{}", bounded(key)),
                },
                format!("a plan's {what} has no key {:?}", bounded(key)),
            )
            .field(bounded(key))
            .hint(format!(
                "a {what} holds {}; a plan file comes from licplan plan: check the hand edits",
                known.join(", ")
            )));
        }
    }
    Ok(())
}

fn collect(
    path: &Path,
    at: String,
    v: &Value,
    ops: &mut Vec<(OpSource, Op)>,
    errors: &mut Vec<InputError>,
) {
    let loc = |p: &str| Location::Record {
        index: ops.len(),
        path: format!("$.{at}{p}"),
    };
    let Value::Object(obj) = v else {
        errors.push(
            InputError::new(path, loc(""), "an op must be a mapping with an `op` field")
                .hint(format!("ops are: {ALL_OPS}")),
        );
        return;
    };
    let Some(name) = obj.get("op").and_then(Value::as_str) else {
        errors.push(
            InputError::new(path, loc(".op"), "the `op` field is missing")
                .field("op")
                .hint(format!("ops are: {ALL_OPS}")),
        );
        return;
    };
    let Some(fields) = Op::fields(name) else {
        errors.push(
            InputError::new(
                path,
                loc(".op"),
                format!("{:?} is not an op", bounded(name)),
            )
            .field("op")
            .hint(format!(
                "{}ops are: {ALL_OPS}",
                crate::suggest::did_you_mean(name, ALL_OPS.split(", "))
            )),
        );
        return;
    };
    let mut clean = serde_json::Map::new();
    let mut unknown = false;
    for (k, val) in obj {
        if k == "op" || fields.contains(&k.as_str()) {
            clean.insert(k.clone(), val.clone());
        } else if !DISPLAY_FIELDS.contains(&k.as_str()) {
            // Every unknown field of the op is reported, each with the closest known one.
            let hint = format!(
                "{}{name} takes: {}",
                crate::suggest::did_you_mean(k, fields.iter().copied()),
                fields.join(", ")
            );
            errors.push(
                InputError::new(
                    path,
                    loc(&format!(".{}", bounded(k))),
                    format!("{name} has no field {:?}", bounded(k)),
                )
                .field(bounded(k))
                .hint(hint),
            );
            unknown = true;
        }
    }
    if unknown {
        return;
    }
    match serde_json::from_value::<Op>(Value::Object(clean)) {
        Ok(op) => {
            if let Some(problem) = check(&op) {
                errors.push(
                    InputError::new(path, loc(""), problem).hint("see the README's op reference"),
                );
                return;
            }
            ops.push((OpSource { path: at }, op));
        }
        Err(e) => errors.push(
            InputError::new(
                path,
                loc(""),
                format!("{name}: {}", bounded(&e.to_string())),
            )
            .hint(format!("{name} takes: {}", fields.join(", "))),
        ),
    }
}

fn check(op: &Op) -> Option<String> {
    match op {
        Op::Reprocess {
            group: None,
            user: None,
        } => Some("reprocess needs a `group` or a `user`".into()),
        Op::Reprocess {
            group: Some(_),
            user: Some(_),
        } => Some("reprocess takes a `group` or a `user`, not both".into()),
        Op::ChangeGroupLicense { add, remove, .. }
        | Op::ChangeDirectLicense { add, remove, .. }
            if add.is_empty() && remove.is_empty() =>
        {
            Some("a change with nothing to add or remove".into())
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(text: &str) -> Vec<Op> {
        parse(text, Path::new("ops.yaml"))
            .map(|f| f.ops.into_iter().map(|(_, o)| o).collect())
            .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn yaml_and_json_ops() {
        let y = ok("ops:\n  - op: add-member\n    group: LIC-E3\n    user: a@contoso.com\n  - op: wait-for-processing\n");
        assert_eq!(y.len(), 2);
        assert_eq!(
            y[0],
            Op::AddMember {
                group: "LIC-E3".into(),
                user: "a@contoso.com".into()
            }
        );
        let j = ok(
            r#"{"ops": [{"op": "change-group-license", "group": "G", "add": [{"sku": "ENTERPRISEPACK"}], "remove": ["STANDARDPACK"]}]}"#,
        );
        assert!(
            matches!(&j[0], Op::ChangeGroupLicense { add, remove, .. } if add.len() == 1 && remove.len() == 1)
        );
    }

    #[test]
    fn plan_files_read_in_stage_then_wave_order_with_display_fields() {
        let ops = ok("stages:\n  - actions:\n      - {op: create-group, group: G, group_name: G}\n    waves:\n      - actions:\n          - {op: remove-direct-license, user: a, sku: E1, user_upn: a@x}\n  - actions:\n      - {op: wait-for-processing}\n");
        assert_eq!(
            ops.iter().map(Op::name).collect::<Vec<_>>(),
            [
                "create-group",
                "remove-direct-license",
                "wait-for-processing"
            ]
        );
    }

    #[test]
    fn mistakes_name_the_op_and_field() {
        let e = parse(
            "ops:\n  - op: add-member\n    grup: G\n    user: u\n",
            Path::new("o.yaml"),
        )
        .expect_err("typo");
        assert!(e.to_string().contains("$.ops[0].grup"), "{e}");
        assert!(
            e.to_string().contains("add-member has no field \"grup\""),
            "{e}"
        );
        let e = parse("ops:\n  - op: fly\n", Path::new("o.yaml")).expect_err("bad op");
        assert!(e.to_string().contains("\"fly\" is not an op"), "{e}");
        let e = parse(
            "ops:\n  - op: add-member\n    group: G\n",
            Path::new("o.yaml"),
        )
        .expect_err("missing");
        assert!(e.to_string().contains("missing field `user`"), "{e}");
        let e = parse("ops: [\n", Path::new("o.yaml")).expect_err("yaml");
        assert!(matches!(e.0[0].location, Location::Position { .. }), "{e}");
        let e = parse("ops:\n  - op: reprocess\n", Path::new("o.yaml")).expect_err("reprocess");
        assert!(e.to_string().contains("needs a `group` or a `user`"), "{e}");
    }

    #[test]
    fn every_bad_op_and_field_is_reported_in_one_run_with_the_nearest_name() {
        let e = parse(
            "ops:\n  - op: add-membr\n    group: G\n    user: u\n  - op: add-member\n    grup: G\n    usr: u\n  - op: add-member\n    group: G\n  - op: create-group\n    group: ok\n",
            Path::new("o.yaml"),
        )
        .expect_err("four problems");
        let text = e.to_string();
        assert_eq!(e.0.len(), 4, "{text}");
        assert!(
            text.contains("\"add-membr\" is not an op; did you mean add-member?"),
            "{text}"
        );
        assert!(
            text.contains("$.ops[1].grup") && text.contains("did you mean group?"),
            "{text}"
        );
        assert!(
            text.contains("$.ops[1].usr") && text.contains("did you mean user?"),
            "{text}"
        );
        assert!(
            text.contains("$.ops[2]") && text.contains("missing field `user`"),
            "{text}"
        );
    }
}
