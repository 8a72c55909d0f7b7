//! One user's status against the ops up to the unit, with the fresh export's rows as evidence;
//! the groups' rows; the next wave's readiness.

use std::collections::{BTreeMap, BTreeSet};

use crate::ingest::error::InputError;
use crate::model::{
    Assignment, AssignmentError, AssignmentPath, AssignmentState, GroupId, PlanId, PlanIds, SkuId,
    Tenant, UserId,
};
use crate::plan::file::PlanFile;
use crate::simulate::ops::{Op, OpSource};
use crate::simulate::planset::PlanSet;
use crate::simulate::rules::Rules;
use crate::simulate::state::State;

use super::units::{refs, Expect, Ids, Units};
use super::{Blocker, GroupRow, NextWave, Row, Status, UserRow};

/// What every user's status is judged with.
pub(super) struct Context<'a> {
    pub fresh: &'a Tenant,
    pub plan: &'a PlanFile,
    /// The fresh tenant in the simulator's terms, for coverage (E3's plans cover E1's).
    state: State<'a>,
    /// Each mover's starting direct licenses, as the plan's rollback ops record them.
    pub starts: BTreeMap<UserId, Vec<(SkuId, BTreeSet<String>)>>,
    /// Direct licenses the ops after the unit remove.
    pub later_removals: BTreeSet<(UserId, SkuId)>,
    /// Every group the plan's ops name (real ids where found).
    plan_groups: BTreeSet<GroupId>,
    /// The products the plan's moves go to.
    target_skus: BTreeSet<SkuId>,
    /// Placeholder names of groups not found.
    names: BTreeMap<GroupId, String>,
    /// Groups the plan creates: their real ids where found, else their placeholder ids.
    created: BTreeSet<GroupId>,
    /// The plan's ops, mapped; the unit's end.
    pub ops: &'a [(OpSource, Op)],
    pub end: usize,
}

/// Whether [`Context::new`] reads this rollback op: the direct licenses a rollback gives back.
pub(super) fn reads_rollback(op: &Op) -> bool {
    matches!(
        op,
        Op::AssignDirectLicense { .. } | Op::ChangeDirectLicense { .. }
    )
}

impl<'a> Context<'a> {
    pub fn new(
        fresh: &'a Tenant,
        rules: &'a Rules,
        plan: &'a PlanFile,
        units: &Units<'_>,
        found: &[super::FoundGroup],
        ops: &'a [(OpSource, Op)],
        end: usize,
    ) -> Result<Self, InputError> {
        let mut starts: BTreeMap<UserId, Vec<(SkuId, BTreeSet<String>)>> = BTreeMap::new();
        for (source, op) in units.rollback.iter().filter(|(_, op)| reads_rollback(op)) {
            let ids = Ids { plan, source };
            let upper = |p: &[String]| p.iter().map(|x| x.trim().to_ascii_uppercase()).collect();
            match op {
                Op::AssignDirectLicense {
                    user,
                    sku,
                    disabled_plans,
                } => starts
                    .entry(ids.user(user)?)
                    .or_default()
                    .push((ids.sku(sku)?, upper(disabled_plans))),
                Op::ChangeDirectLicense { user, add, .. } => {
                    let u = ids.user(user)?;
                    for a in add {
                        let s = ids.sku(&a.sku)?;
                        starts
                            .entry(u)
                            .or_default()
                            .push((s, upper(&a.disabled_plans)));
                    }
                }
                _ => {}
            }
        }
        let mut later_removals = BTreeSet::new();
        for (source, op) in &ops[end..] {
            let ids = Ids { plan, source };
            match op {
                Op::RemoveDirectLicense { user, sku } => {
                    later_removals.insert((ids.user(user)?, ids.sku(sku)?));
                }
                Op::ChangeDirectLicense { user, remove, .. } => {
                    for r in remove {
                        later_removals.insert((ids.user(user)?, ids.sku(r)?));
                    }
                }
                _ => {}
            }
        }
        let plan_groups = ops
            .iter()
            .filter_map(|(_, op)| refs(op).1)
            .filter_map(|g| GroupId::parse(g.trim()).ok())
            .collect();
        let target_skus = plan
            .doc
            .get("moves")
            .and_then(|m| m.as_array())
            .into_iter()
            .flatten()
            .filter_map(|m| m.get("to").and_then(|t| t.as_str()))
            .filter_map(|to| {
                fresh
                    .skus
                    .values()
                    .find(|s| {
                        s.part_number
                            .as_deref()
                            .is_some_and(|p| p.eq_ignore_ascii_case(to))
                    })
                    .map(|s| s.id)
            })
            .collect();
        let names = plan
            .placeholders
            .iter()
            .filter_map(|p| Some((GroupId::parse(&p.group_id).ok()?, p.group_name.clone())))
            .collect();
        let created = found
            .iter()
            .filter_map(|f| f.key.or_else(|| GroupId::parse(&f.placeholder_id).ok()))
            .collect();
        Ok(Context {
            created,
            fresh,
            plan,
            state: State::new(fresh, rules),
            starts,
            later_removals,
            plan_groups,
            target_skus,
            names,
            ops,
            end,
        })
    }

    pub fn recorded_users(&self) -> Vec<UserId> {
        self.starts.keys().copied().collect()
    }

    pub fn sku_label(&self, s: SkuId) -> String {
        self.fresh
            .skus
            .get(&s)
            .and_then(|x| x.part_number.clone())
            .unwrap_or_else(|| s.to_string())
    }

    pub fn group_label(&self, g: GroupId) -> String {
        match self.fresh.groups.get(&g) {
            Some(x) => x.label(),
            None => self.names.get(&g).cloned().unwrap_or_else(|| g.to_string()),
        }
    }

    /// Service plan names of a product's disabled plans, upper case.
    pub fn plan_names(&self, sku: SkuId, plans: &PlanIds) -> BTreeSet<String> {
        plans
            .iter()
            .map(|p| self.plan_name(sku, *p).to_ascii_uppercase())
            .collect()
    }

    fn plan_name(&self, sku: SkuId, p: PlanId) -> String {
        self.fresh
            .skus
            .get(&sku)
            .and_then(|s| s.service_plans.iter().find(|x| x.id == p))
            .map_or_else(|| p.to_string(), |x| x.name.clone())
    }

    /// Names as the plan wrote them (a GUID stands for the plan it names), upper case.
    fn normalise(&self, sku: SkuId, names: &BTreeSet<String>) -> BTreeSet<String> {
        names
            .iter()
            .map(|n| match PlanId::parse(n) {
                Ok(p) => self.plan_name(sku, p).to_ascii_uppercase(),
                Err(_) => n.clone(),
            })
            .collect()
    }

    fn plan_ids(&self, sku: SkuId, names: &BTreeSet<String>) -> PlanIds {
        let mut out = PlanIds::new();
        if let Some(s) = self.fresh.skus.get(&sku) {
            for n in names {
                if let Some(p) = s.service_plans.iter().find(|p| {
                    p.name.eq_ignore_ascii_case(n) || p.id.to_string().eq_ignore_ascii_case(n)
                }) {
                    out.insert(p.id);
                }
            }
        }
        out
    }

    pub fn evidence(&self, a: &Assignment) -> Row {
        Row {
            sku: self.sku_label(a.sku),
            path: match a.path {
                AssignmentPath::Direct => "direct".into(),
                AssignmentPath::Group(g) => format!("via {}", self.group_label(g)),
                AssignmentPath::Unknown => "path unknown".into(),
            },
            state: a.state.map(|s| s.as_str().to_owned()),
            error: a.error.map(|e| e.as_str().to_owned()),
            disabled_plans: self
                .plan_names(a.sku, &a.disabled_plans)
                .into_iter()
                .collect(),
        }
    }

    fn blocker(&self, a: &Assignment) -> Blocker {
        let code = a.error.unwrap_or(AssignmentError::Other);
        Blocker {
            sku: self.sku_label(a.sku),
            path: self.evidence(a).path,
            error: a.error.map_or_else(
                || a.state.map_or("Error", AssignmentState::as_str).to_owned(),
                |e| e.as_str().to_owned(),
            ),
            description: code.description().to_owned(),
            fix: code.fix().to_owned(),
            reprocess: matches!(a.path, AssignmentPath::Group(_)),
        }
    }

    /// What the user lost of the starting licenses the plan recorded: service plans neither
    /// direct nor from an active group path covers (a successor counts, as in the simulator).
    fn lost(&self, u: UserId) -> Vec<String> {
        let (Some(starts), Some(i)) = (self.starts.get(&u), self.fresh.users.index_of(&u)) else {
            return Vec::new();
        };
        let covering = self.state.covering_plans(i, true);
        let mut out = Vec::new();
        for (sku, disabled) in starts {
            let mut base = PlanSet::new();
            self.state
                .plans_of_one(*sku, &self.plan_ids(*sku, disabled), &mut base);
            let mut lost: Vec<String> = base
                .iter()
                .filter(|p| !self.state.index.covered(*p, &covering))
                .map(|p| self.state.plan_label_at(p))
                .collect();
            lost.sort();
            let all = base.iter().count();
            match lost.len() {
                0 => {}
                n if n == all => {
                    out.push(format!("{} (all {n} service plans)", self.sku_label(*sku)))
                }
                _ => out.push(format!("{}: {}", self.sku_label(*sku), lost.join(", "))),
            }
        }
        out
    }

    /// The user's status against `expect`; `None` when the fresh export does not hold the user.
    pub fn status(&self, u: UserId, expect: &Expect) -> Option<UserRow> {
        let user = self.fresh.users.get(&u)?;
        let mut pending = Vec::new();
        let mut conflicts = Vec::new();
        let mut blockers: BTreeSet<Blocker> = BTreeSet::new();
        let row = |sku: SkuId, path: AssignmentPath| {
            user.assignments
                .iter()
                .find(move |a| a.sku == sku && a.path == path)
        };
        let conflicted = |a: &Assignment| {
            a.error == Some(AssignmentError::MutuallyExclusiveViolation)
                && user.assignments.iter().any(|d| {
                    d.path == AssignmentPath::Direct && self.later_removals.contains(&(u, d.sku))
                })
        };
        // One range of each map per user (a scan of every pair per user was quadratic).
        for (g, on) in expect.members_of(u) {
            let g = &g;
            let label = self.group_label(*g);
            let group = self.fresh.groups.get(g);
            if on {
                let Some(group) = group else {
                    pending.push(format!("group {label} is not in the export"));
                    continue;
                };
                if !group.has_user(u) {
                    pending.push(format!("not yet a member of {label}"));
                    continue;
                }
                let processing = group
                    .license_processing
                    .as_ref()
                    .filter(|p| !p.is_complete());
                for sku in expect.group_skus(self.fresh, *g) {
                    let s = self.sku_label(sku);
                    match row(sku, AssignmentPath::Group(*g)) {
                        None => pending.push(match processing {
                            Some(p) => format!("no {s} from {label} yet ({label}: {})", p.as_str()),
                            None => format!("no {s} from {label} yet"),
                        }),
                        Some(a) if conflicted(a) => conflicts.push(format!(
                            "{s} from {label} in MutuallyExclusiveViolation while the product it replaces is still held directly (removed by a later stage)"
                        )),
                        Some(a) if a.is_error() => {
                            blockers.insert(self.blocker(a));
                        }
                        Some(a) if a.state != Some(AssignmentState::Active) => pending.push(
                            format!(
                                "{s} from {label} is {}",
                                a.state.map_or("of unknown state", AssignmentState::as_str)
                            ),
                        ),
                        Some(_) => {}
                    }
                }
                if let Some(p) = processing {
                    pending.push(format!("{label}: licenseProcessingState {}", p.as_str()));
                }
            } else {
                if group.is_some_and(|g| g.has_user(u)) {
                    pending.push(format!("still a member of {label}"));
                }
                for a in &user.assignments {
                    if a.path == AssignmentPath::Group(*g) {
                        pending.push(format!(
                            "still holds {} from {label}",
                            self.sku_label(a.sku)
                        ));
                    }
                }
            }
        }
        for (sku, want) in expect.direct_of(u) {
            let sku = &sku;
            let s = self.sku_label(*sku);
            let have = row(*sku, AssignmentPath::Direct);
            match (want, have) {
                (Some(_), None) => pending.push(format!("no direct {s} yet")),
                (Some(_), Some(a)) if a.is_error() => {
                    blockers.insert(self.blocker(a));
                }
                (Some(want), Some(a)) => {
                    let want = self.normalise(*sku, want);
                    let now = self.plan_names(*sku, &a.disabled_plans);
                    if want != now {
                        pending.push(format!(
                            "direct {s} has disabled plans [{}], the plan gives [{}]",
                            join(&now),
                            join(&want)
                        ));
                    }
                }
                (None, Some(_)) => pending.push(format!("still holds {s} directly")),
                (None, None) => {}
            }
        }
        for a in &user.assignments {
            let relied = match a.path {
                AssignmentPath::Group(g) => self.plan_groups.contains(&g),
                _ => false,
            } || self.target_skus.contains(&a.sku);
            if relied && a.is_error() && !conflicted(a) {
                blockers.insert(self.blocker(a));
            }
        }
        let lost = self.lost(u);
        let status = if !lost.is_empty() {
            Status::Regressed
        } else if !blockers.is_empty() {
            Status::Blocked
        } else if !pending.is_empty() {
            Status::Pending
        } else if !conflicts.is_empty() {
            Status::ExpectedConflict
        } else {
            Status::Done
        };
        let mut reasons = pending;
        reasons.extend(conflicts);
        reasons.sort();
        reasons.dedup();
        Some(UserRow {
            id: u,
            user_id: u.to_string(),
            user: user.label(),
            status,
            reasons,
            blockers: blockers.into_iter().collect(),
            lost,
            evidence: user.assignments.iter().map(|a| self.evidence(a)).collect(),
        })
    }

    /// The groups the ops license, change or add members to, with their processing state.
    pub fn group_rows(&self, ops: &[(OpSource, Op)]) -> Vec<GroupRow> {
        let ids: BTreeSet<GroupId> = ops
            .iter()
            .filter(|(_, op)| !matches!(op, Op::Reprocess { .. }))
            .filter_map(|(_, op)| refs(op).1)
            .filter_map(|g| GroupId::parse(g.trim()).ok())
            .collect();
        let mut rows: Vec<GroupRow> = ids
            .into_iter()
            .map(|g| {
                let group = self.fresh.groups.get(&g);
                let members_in_error = group.map_or(0, |grp| {
                    grp.user_members()
                        .filter(|u| {
                            self.fresh.users.get(u).is_some_and(|x| {
                                x.assignments
                                    .iter()
                                    .any(|a| a.path == AssignmentPath::Group(g) && a.is_error())
                            })
                        })
                        .count()
                });
                GroupRow {
                    group: self.group_label(g),
                    key: group.map(|x| x.id),
                    group_id: group.map(|x| x.id.to_string()),
                    placeholder: self.created.contains(&g),
                    processing: group
                        .and_then(|x| x.license_processing.as_ref())
                        .map(|p| p.as_str().to_owned()),
                    members: group.map_or(0, |x| x.user_members().count()),
                    members_in_error,
                }
            })
            .collect();
        rows.sort_by(|a, b| a.group.cmp(&b.group));
        rows
    }

    /// The users of unit `n` (a wave), each ready when done with every unit before it.
    pub fn next_wave(&self, units: &Units<'_>, n: usize) -> Result<NextWave, InputError> {
        let unit = &units.units[n];
        let expect = Expect::of(&self.ops[..unit.ops.start], self.plan)?;
        let mut ready = Vec::new();
        let mut not_ready = Vec::new();
        let users: BTreeSet<UserId> = self.ops[unit.ops.clone()]
            .iter()
            .filter_map(|(_, op)| refs(op).0)
            .filter_map(|u| UserId::parse(u.trim()).ok())
            .collect();
        for u in users {
            match self.status(u, &expect) {
                Some(r) if matches!(r.status, Status::Done | Status::ExpectedConflict) => {
                    ready.push(r.user)
                }
                Some(r) => not_ready.push(format!("{} ({})", r.user, r.status.as_str())),
                None => not_ready.push(format!("{u} (not in the export)")),
            }
        }
        ready.sort();
        not_ready.sort();
        Ok(NextWave {
            stage: unit.stage,
            wave: unit.wave.unwrap_or(0),
            ready,
            not_ready,
        })
    }
}

fn join(s: &BTreeSet<String>) -> String {
    s.iter().cloned().collect::<Vec<_>>().join(", ")
}
