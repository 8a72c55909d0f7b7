//! The plan as a sequence of units (a stage's own actions, then each of its waves), and what the
//! ops up to a point require of the tenant.

use std::collections::{BTreeMap, BTreeSet};

use crate::ingest::error::{InputError, Location};
use crate::model::{GroupId, SkuId, Tenant, UserId};
use crate::plan::file::PlanFile;
use crate::simulate::ops::{Op, OpSource};

use super::Target;

/// One unit: a stage's own actions, or one wave.
#[derive(Debug, Clone)]
pub(super) struct Unit {
    pub stage: u32,
    pub wave: Option<u32>,
    /// The stage's kind (`assign-groups`) or the wave's label (`pilot`).
    pub kind: String,
    /// Its actions in the flattened op list.
    pub ops: std::ops::Range<usize>,
}

/// Where the verified unit is: its first op, the end of its ops (exclusive), its last unit.
#[derive(Debug, Clone, Copy)]
pub(super) struct End {
    pub first: usize,
    pub end: usize,
    pub unit: usize,
}

pub(super) struct Units<'p> {
    pub units: Vec<Unit>,
    /// Every rollback op, in plan order.
    pub rollback: Vec<&'p (OpSource, Op)>,
}

/// Takes every action out of the plan, in order (each unit's range into them): the caller maps
/// them in place instead of holding a second copy (a million-user plan has 400,000).
pub(super) fn take_actions(plan: &mut PlanFile) -> (Vec<Unit>, Vec<(OpSource, Op)>) {
    let mut units = Vec::new();
    let mut actions = Vec::new();
    for s in &mut plan.stages {
        let start = actions.len();
        actions.append(&mut s.actions);
        units.push(Unit {
            stage: s.number,
            wave: None,
            kind: s.kind.clone(),
            ops: start..actions.len(),
        });
        for w in &mut s.waves {
            let start = actions.len();
            actions.append(&mut w.actions);
            units.push(Unit {
                stage: s.number,
                wave: Some(w.number),
                kind: w.label.clone(),
                ops: start..actions.len(),
            });
        }
    }
    (units, actions)
}

impl<'p> Units<'p> {
    /// The units, with the plan's rollback ops in plan order.
    pub fn new(units: Vec<Unit>, plan: &'p PlanFile) -> Self {
        let mut rollback = Vec::new();
        for s in &plan.stages {
            rollback.extend(s.rollback.iter());
            for w in &s.waves {
                rollback.extend(w.rollback.iter());
            }
        }
        Units { units, rollback }
    }

    /// The target's ops: a wave's, or a whole stage's (its own actions and every wave).
    pub fn end_of(&self, t: Target) -> Option<End> {
        let picked: Vec<usize> = (0..self.units.len())
            .filter(|&i| {
                let u = &self.units[i];
                u.stage == t.stage && (t.wave.is_none() || u.wave == t.wave)
            })
            .collect();
        let (first, last) = (*picked.first()?, *picked.last()?);
        Some(End {
            first: self.units[first].ops.start,
            end: self.units[last].ops.end,
            unit: last,
        })
    }

    /// The next wave after unit `i`: its index.
    pub fn next_wave(&self, i: usize) -> Option<usize> {
        (i + 1..self.units.len()).find(|&j| self.units[j].wave.is_some())
    }

    pub fn label(&self, end: End) -> String {
        let u = &self.units[end.unit];
        match u.wave {
            Some(w)
                if self.units.iter().filter(|x| x.stage == u.stage).count() > 1
                    && end.first == u.ops.start =>
            {
                format!("stage {} wave {w} ({})", u.stage, u.kind)
            }
            _ => {
                let kind = self
                    .units
                    .iter()
                    .find(|x| x.stage == u.stage && x.wave.is_none())
                    .map_or("", |x| x.kind.as_str());
                format!("stage {} ({kind})", u.stage)
            }
        }
    }
}

/// Replaces, in every action, the placeholder ids of found groups by the real ids.
pub(super) fn map_actions(actions: &mut [(OpSource, Op)], map: &BTreeMap<String, String>) {
    if map.is_empty() {
        return;
    }
    for (_, op) in actions {
        *op = map_groups(op, map);
    }
}

/// The op with every group reference found in `map` replaced (the op's JSON `group` field).
pub(super) fn map_groups(op: &Op, map: &BTreeMap<String, String>) -> Op {
    if map.is_empty() || matches!(op, Op::CreateGroup { .. }) {
        return op.clone();
    }
    let Ok(mut v) = serde_json::to_value(op) else {
        return op.clone();
    };
    if let Some(g) = v.get_mut("group") {
        if let Some(real) = g.as_str().and_then(|s| map.get(&s.to_ascii_lowercase())) {
            *g = serde_json::Value::from(real.clone());
        }
    }
    serde_json::from_value(v).unwrap_or_else(|_| op.clone())
}

/// What the ops up to a point require: the last op on each membership, group license and
/// direct license wins.
#[derive(Debug, Clone, Default)]
pub(super) struct Expect {
    /// Membership by (user, group): keyed by user first, so one user's are one range.
    pub member: BTreeMap<(UserId, GroupId), bool>,
    pub group_lic: BTreeMap<GroupId, BTreeMap<SkuId, bool>>,
    /// Direct license → its disabled plans as the plan names them (upper case), or removed.
    pub direct: BTreeMap<(UserId, SkuId), Option<BTreeSet<String>>>,
    pub created: BTreeSet<GroupId>,
}

/// The ids of an op's references, or the error naming the op.
pub(super) struct Ids<'a> {
    pub plan: &'a PlanFile,
    pub source: &'a OpSource,
}

impl Ids<'_> {
    fn error(&self, field: &str, value: &str) -> InputError {
        InputError::new(
            &self.plan.path,
            Location::Record {
                index: 0,
                path: format!("$.{}", self.source.path),
            },
            format!("{field} {value:?} is not an id"),
        )
        .field(field)
        .hint("verify reads plans written by licplan plan, which name users, groups and products by id")
    }
    pub fn user(&self, s: &str) -> Result<UserId, InputError> {
        UserId::parse(s.trim()).map_err(|_| self.error("user", s))
    }
    pub fn group(&self, s: &str) -> Result<GroupId, InputError> {
        GroupId::parse(s.trim()).map_err(|_| self.error("group", s))
    }
    pub fn sku(&self, s: &str) -> Result<SkuId, InputError> {
        SkuId::parse(s.trim()).map_err(|_| self.error("sku", s))
    }
}

fn upper(plans: &[String]) -> BTreeSet<String> {
    plans
        .iter()
        .map(|p| p.trim().to_ascii_uppercase())
        .collect()
}

impl Expect {
    pub fn of(ops: &[(OpSource, Op)], plan: &PlanFile) -> Result<Expect, InputError> {
        let mut e = Expect::default();
        for (source, op) in ops {
            let ids = Ids { plan, source };
            match op {
                Op::CreateGroup { group, .. } => {
                    e.created
                        .insert(crate::simulate::engine::planned_group_id(group));
                }
                Op::AssignGroupLicense { group, sku, .. } => {
                    e.group_lic
                        .entry(ids.group(group)?)
                        .or_default()
                        .insert(ids.sku(sku)?, true);
                }
                Op::ChangeGroupLicense { group, add, remove } => {
                    let g = e.group_lic.entry(ids.group(group)?).or_default();
                    for r in remove {
                        g.insert(ids.sku(r)?, false);
                    }
                    for a in add {
                        g.insert(ids.sku(&a.sku)?, true);
                    }
                }
                Op::RemoveGroupLicense { group, sku } => {
                    e.group_lic
                        .entry(ids.group(group)?)
                        .or_default()
                        .insert(ids.sku(sku)?, false);
                }
                Op::DeleteGroup { group } => {
                    let g = ids.group(group)?;
                    e.member.retain(|(_, mg), _| *mg != g);
                    e.group_lic.remove(&g);
                }
                Op::AddMember { group, user } => {
                    e.member.insert((ids.user(user)?, ids.group(group)?), true);
                }
                Op::RemoveMember { group, user } => {
                    e.member.insert((ids.user(user)?, ids.group(group)?), false);
                }
                Op::AssignDirectLicense {
                    user,
                    sku,
                    disabled_plans,
                } => {
                    e.direct.insert(
                        (ids.user(user)?, ids.sku(sku)?),
                        Some(upper(disabled_plans)),
                    );
                }
                Op::ChangeDirectLicense { user, add, remove } => {
                    let u = ids.user(user)?;
                    for r in remove {
                        e.direct.insert((u, ids.sku(r)?), None);
                    }
                    for a in add {
                        e.direct
                            .insert((u, ids.sku(&a.sku)?), Some(upper(&a.disabled_plans)));
                    }
                }
                Op::RemoveDirectLicense { user, sku } => {
                    e.direct.insert((ids.user(user)?, ids.sku(sku)?), None);
                }
                Op::SetUsageLocation { .. }
                | Op::Reprocess { .. }
                | Op::WaitForProcessing { .. } => {}
            }
        }
        Ok(e)
    }

    /// User `u`'s memberships, by group id.
    pub fn members_of(&self, u: UserId) -> impl Iterator<Item = (GroupId, bool)> + '_ {
        let (lo, hi) = (
            GroupId::from_uuid(uuid::Uuid::nil()),
            GroupId::from_uuid(uuid::Uuid::max()),
        );
        self.member
            .range((u, lo)..=(u, hi))
            .map(|((_, g), on)| (*g, *on))
    }

    /// User `u`'s direct licenses, by product id.
    pub fn direct_of(
        &self,
        u: UserId,
    ) -> impl Iterator<Item = (SkuId, &Option<BTreeSet<String>>)> + '_ {
        let (lo, hi) = (
            SkuId::from_uuid(uuid::Uuid::nil()),
            SkuId::from_uuid(uuid::Uuid::max()),
        );
        self.direct
            .range((u, lo)..=(u, hi))
            .map(|((_, s), w)| (*s, w))
    }

    /// The products the ops name.
    pub fn skus(&self) -> BTreeSet<SkuId> {
        let mut out: BTreeSet<SkuId> = self.direct.keys().map(|(_, s)| *s).collect();
        for g in self.group_lic.values() {
            out.extend(g.keys().copied());
        }
        out
    }

    /// The products group `g` gives its members by the ops, with those of the fresh export's
    /// group that the ops do not name.
    pub fn group_skus(&self, t: &Tenant, g: GroupId) -> BTreeSet<SkuId> {
        let by_ops = self.group_lic.get(&g);
        let mut out: BTreeSet<SkuId> = t
            .groups
            .get(&g)
            .map(|x| x.licenses.iter().map(|l| l.sku).collect())
            .unwrap_or_default();
        if let Some(ops) = by_ops {
            for (s, on) in ops {
                if *on {
                    out.insert(*s);
                } else {
                    out.remove(s);
                }
            }
        }
        out
    }
}

/// The users an op names, and the group it licenses or changes.
pub(super) fn refs(op: &Op) -> (Option<&str>, Option<&str>) {
    match op {
        Op::AddMember { group, user } | Op::RemoveMember { group, user } => {
            (Some(user), Some(group))
        }
        Op::AssignDirectLicense { user, .. }
        | Op::ChangeDirectLicense { user, .. }
        | Op::RemoveDirectLicense { user, .. }
        | Op::SetUsageLocation { user, .. } => (Some(user), None),
        Op::AssignGroupLicense { group, .. }
        | Op::ChangeGroupLicense { group, .. }
        | Op::RemoveGroupLicense { group, .. } => (None, Some(group)),
        Op::Reprocess { user, group } => (user.as_deref(), group.as_deref()),
        Op::CreateGroup { .. } | Op::DeleteGroup { .. } | Op::WaitForProcessing { .. } => {
            (None, None)
        }
    }
}

/// The users a range of ops concerns, in the fresh export: those its ops name, and the members of
/// the groups whose licenses it changes. A range that names none (a verification stage) concerns
/// everyone the ops before it do.
pub(super) fn scope(
    fresh: &Tenant,
    ops: &[(OpSource, Op)],
    range: std::ops::Range<usize>,
) -> BTreeSet<UserId> {
    let of = |ops: &[(OpSource, Op)]| {
        let mut users = BTreeSet::new();
        for (_, op) in ops {
            let (u, g) = refs(op);
            if let Some(u) = u.and_then(|u| UserId::parse(u.trim()).ok()) {
                users.insert(u);
            }
            let licensing = matches!(
                op,
                Op::AssignGroupLicense { .. }
                    | Op::ChangeGroupLicense { .. }
                    | Op::RemoveGroupLicense { .. }
            );
            if let (true, Some(g)) = (licensing, g) {
                if let Some(group) = GroupId::parse(g.trim())
                    .ok()
                    .and_then(|g| fresh.groups.get(&g))
                {
                    users.extend(group.user_members());
                }
            }
        }
        users.retain(|u| fresh.users.contains_key(u));
        users
    };
    let own = of(&ops[range.clone()]);
    if own.is_empty() {
        of(&ops[..range.end])
    } else {
        own
    }
}
