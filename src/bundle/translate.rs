//! Plan actions to manifest operations: each action replayed on the simulator, its
//! precondition read from the state before it and its request and postcondition from the op
//! (service plans resolved to ids within the product, as the engine resolves them). Consecutive
//! add-member actions of one group become one `add-members` op of at most 20 users.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::json;

use crate::ingest::error::{InputError, Location};
use crate::model::{CountryCode, GroupId, PlanId, SkuId, UserId};
use crate::simulate::engine::Replayer;
use crate::simulate::ops::{Op, OpSource};

use super::conditions::{condition, text_of};
use super::manifest::{Check, OpKind, Operation, Request, Target, TargetKind, Wait};

/// Users one `add-members` op binds, at most (Graph's limit for `members@odata.bind`).
pub const MEMBERS_PER_OP: usize = 20;

/// What an op touches, to find its inverse among the undo ops.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Key {
    Group(String),
    GroupSku(String, SkuId),
    Member(String, UserId),
    UserSku(UserId, SkuId),
    Location(UserId),
}

/// The ops of one list (forward or undo), with what each touches.
#[derive(Debug, Default)]
pub struct Built {
    pub ops: Vec<Operation>,
    pub keys: Vec<Vec<Key>>,
    /// Users the list's ops name.
    pub users: BTreeSet<UserId>,
    /// Groups the list's ops name (by id).
    pub groups: BTreeSet<GroupId>,
}

/// A replay of the plan that turns actions into operations as it goes.
pub struct Translator<'r> {
    pub rp: Replayer<'r>,
    /// Placeholder group id → `uniqueName`.
    placeholders: BTreeMap<GroupId, String>,
    file: std::path::PathBuf,
    /// Groups whose licenses or members the plan changed so far, in order of first change:
    /// what a wait names when the simulation has nothing pending.
    changed: Vec<GroupId>,
}

fn err(file: &Path, src: &OpSource, field: &str, message: String) -> InputError {
    InputError::new(
        file,
        Location::Record {
            index: 0,
            path: format!("$.{}.{field}", src.path),
        },
        message,
    )
    .field(field)
    .hint("bundle a plan as licplan plan wrote it")
}

/// The token a group the plan creates is named by.
pub fn placeholder_token(unique_name: &str) -> String {
    format!("{{placeholder:{unique_name}}}")
}

fn sorted(ids: impl IntoIterator<Item = PlanId>) -> Vec<String> {
    let mut v: Vec<String> = ids.into_iter().map(|p| p.to_string()).collect();
    v.sort();
    v.dedup();
    v
}

impl<'r> Translator<'r> {
    pub fn new(rp: Replayer<'r>, placeholders: BTreeMap<GroupId, String>, file: &Path) -> Self {
        Translator {
            rp,
            placeholders,
            file: file.to_path_buf(),
            changed: Vec::new(),
        }
    }

    /// Replays actions without translating them (the plan before the unit).
    ///
    /// # Errors
    ///
    /// An action whose names do not resolve.
    pub fn replay<'a>(
        &mut self,
        actions: impl Iterator<Item = &'a (OpSource, Op)>,
    ) -> Result<(), InputError> {
        for (src, op) in actions {
            self.step(src, op)?;
        }
        Ok(())
    }

    fn step(&mut self, src: &OpSource, op: &Op) -> Result<(), InputError> {
        if let Some(g) = changed_group(op) {
            if let Ok(g) = GroupId::parse(g) {
                if !self.changed.contains(&g) {
                    self.changed.push(g);
                }
            }
        }
        self.rp.step(src, op).map_err(|mut e| e.swap_remove(0))
    }

    fn id(prefix: &str, n: usize) -> String {
        format!("{prefix}-{n:04}")
    }

    /// Translates a list of actions (replaying each), naming ops `<prefix>-0001`….
    ///
    /// # Errors
    ///
    /// An action whose names do not resolve or are not ids, or a group reprocess (Graph has
    /// no call for it).
    pub fn translate(
        &mut self,
        actions: &[(OpSource, Op)],
        prefix: &str,
    ) -> Result<Built, InputError> {
        let mut b = Built::default();
        let mut i = 0;
        while i < actions.len() {
            let (src, op) = &actions[i];
            match op {
                Op::AddMember { group, .. } => {
                    let g = self.group(src, group)?;
                    let mut j = i;
                    let mut users = Vec::new();
                    let mut paths = Vec::new();
                    while j < actions.len() && users.len() < MEMBERS_PER_OP {
                        let (s, o) = &actions[j];
                        let Op::AddMember { group: g2, user } = o else {
                            break;
                        };
                        if GroupId::parse(g2).ok() != Some(g) {
                            break;
                        }
                        users.push(self.user(s, user)?);
                        paths.push(s.path.clone());
                        self.step(s, o)?;
                        j += 1;
                    }
                    let n = b.ops.len() + 1;
                    b.ops
                        .push(self.add_members(Self::id(prefix, n), g, &users, paths));
                    b.keys.push(
                        users
                            .iter()
                            .map(|u| Key::Member(g.to_string(), *u))
                            .collect(),
                    );
                    b.users.extend(users);
                    b.groups.insert(g);
                    i = j;
                }
                Op::WaitForProcessing { group } => {
                    let groups: Vec<GroupId> = match group {
                        Some(g) => vec![self.group(src, g)?],
                        None => {
                            let st = self.rp.state();
                            let pending: Vec<GroupId> =
                                st.pending.iter().map(|g| st.groups[*g].id).collect();
                            if pending.is_empty() {
                                self.changed.clone()
                            } else {
                                pending
                            }
                        }
                    };
                    let members: Vec<usize> = groups
                        .iter()
                        .map(|g| {
                            self.rp
                                .group_index(g)
                                .map_or(0, |i| self.rp.state().groups[i].members.len())
                        })
                        .collect();
                    self.step(src, op)?;
                    if groups.is_empty() {
                        let n = b.ops.len() + 1;
                        b.ops
                            .push(nothing_to_wait_for(Self::id(prefix, n), &src.path));
                        b.keys.push(Vec::new());
                    }
                    for (k, (g, m)) in groups.iter().zip(members).enumerate() {
                        let n = b.ops.len() + 1;
                        let actions = if k == 0 {
                            vec![src.path.clone()]
                        } else {
                            vec![]
                        };
                        b.ops.push(self.wait(Self::id(prefix, n), *g, m, actions));
                        b.keys.push(Vec::new());
                    }
                    i += 1;
                }
                _ => {
                    let n = b.ops.len() + 1;
                    let (op_out, keys) = self.one(Self::id(prefix, n), src, op)?;
                    for k in &keys {
                        match k {
                            Key::Member(_, u) | Key::UserSku(u, _) | Key::Location(u) => {
                                b.users.insert(*u);
                            }
                            Key::Group(_) | Key::GroupSku(..) => {}
                        }
                    }
                    if let Some(g) = op_group(op).and_then(|g| GroupId::parse(g).ok()) {
                        b.groups.insert(g);
                    }
                    b.ops.push(op_out);
                    b.keys.push(keys);
                    i += 1;
                }
            }
        }
        Ok(b)
    }

    fn add_members(
        &self,
        id: String,
        g: GroupId,
        users: &[UserId],
        actions: Vec<String>,
    ) -> Operation {
        let group = self.gref(g);
        let pre = vec![Check::GroupExists {
            group: group.clone(),
            present: true,
        }];
        let post: Vec<Check> = users
            .iter()
            .map(|u| Check::Member {
                group: group.clone(),
                user: u.to_string(),
                present: true,
            })
            .collect();
        let binds: Vec<String> = users
            .iter()
            .map(|u| format!("https://graph.microsoft.com/v1.0/directoryObjects/{u}"))
            .collect();
        Operation {
            id,
            kind: OpKind::AddMembers,
            actions,
            target: Target {
                kind: TargetKind::Group,
                id: group.clone(),
            },
            summary: format!("add {} member(s) to group {group}", users.len()),
            precondition: condition(pre),
            request: Some(request(
                "PATCH",
                format!("/groups/{group}"),
                Some(json!({ "members@odata.bind": binds })),
            )),
            postcondition: condition(post),
            inverse: Vec::new(),
            wait: None,
        }
    }

    fn wait(&self, id: String, g: GroupId, members: usize, actions: Vec<String>) -> Operation {
        let group = self.gref(g);
        let minutes = (crate::plan::builder::PROCESSING_FIXED_SECONDS
            + crate::plan::builder::PROCESSING_SECONDS_PER_USER * members as f64)
            / 60.0;
        // Three times the expected processing time, and never less than half an hour.
        let timeout = ((minutes * 3.0).ceil() as u64).max(30);
        Operation {
            id,
            kind: OpKind::WaitForProcessing,
            actions,
            target: Target {
                kind: TargetKind::Group,
                id: group.clone(),
            },
            summary: format!("wait until group {group} has processed its licenses"),
            precondition: condition(Vec::new()),
            request: None,
            postcondition: condition(vec![Check::GroupProcessingComplete {
                group: group.clone(),
            }]),
            inverse: Vec::new(),
            wait: Some(Wait {
                group,
                timeout_minutes: timeout,
            }),
        }
    }
}

/// A wait when no group was changed before it (a plan that moves nobody): an op with no
/// request, no `wait` and no checks, so the action is still carried by one op.
fn nothing_to_wait_for(id: String, action: &str) -> Operation {
    Operation {
        id,
        kind: OpKind::WaitForProcessing,
        actions: vec![action.to_owned()],
        target: Target {
            kind: TargetKind::Group,
            id: String::new(),
        },
        summary: "nothing to wait for: no group was changed before this step".into(),
        precondition: condition(Vec::new()),
        request: None,
        postcondition: condition(Vec::new()),
        inverse: Vec::new(),
        wait: None,
    }
}

/// One op that is not a membership addition or a wait: its checks, request and keys; the
/// replay steps over it in between (precondition before, postcondition after).
mod lookup;
mod one;

#[cfg(test)]
pub(crate) use one::odata_key;

/// The group whose licenses or members an op changes.
fn changed_group(op: &Op) -> Option<&str> {
    match op {
        Op::AssignGroupLicense { group, .. }
        | Op::ChangeGroupLicense { group, .. }
        | Op::RemoveGroupLicense { group, .. }
        | Op::AddMember { group, .. }
        | Op::RemoveMember { group, .. }
        | Op::DeleteGroup { group } => Some(group),
        _ => None,
    }
}

/// The group an op names (by id).
fn op_group(op: &Op) -> Option<&str> {
    match op {
        Op::Reprocess { group, .. } | Op::WaitForProcessing { group } => group.as_deref(),
        _ => changed_group(op),
    }
}

pub(super) fn request(method: &str, url: String, body: Option<serde_json::Value>) -> Request {
    let mut headers = BTreeMap::new();
    if body.is_some() {
        headers.insert("Content-Type".to_owned(), "application/json".to_owned());
    }
    Request {
        method: method.to_owned(),
        url,
        headers,
        body,
    }
}

/// Text for a summary: control characters replaced by spaces.
pub(super) fn clean(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// A check's condition text, for callers outside (the README).
pub fn describe(c: &Check) -> String {
    text_of(c)
}

/// Parses a country as an op writes it (`None` clears).
fn country(text: &str) -> Option<CountryCode> {
    CountryCode::parse_optional(text).ok().flatten()
}
