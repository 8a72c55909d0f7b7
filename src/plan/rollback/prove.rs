//! The rollbacks proven in one extra pass: for each stage (or wave) in order, its ops, its
//! rollback, then its ops again (do, undo, redo), with checkpoints: the users' fingerprints at
//! the stage's start are compared after the rollback, and those at its end after the redo (so
//! every later rollback is proven from the state the plan really reaches). A rollback is proven
//! when no step of it has an error or a violation and every user it concerns holds exactly what
//! they held when the stage began.

use std::collections::BTreeMap;
use std::path::Path;

use crate::ingest::error::InputError;
use crate::model::{Tenant, UserId};
use crate::simulate::engine::{simulate_checkpointed, Item};
use crate::simulate::ops::{Op, OpSource};
use crate::simulate::state::State;

use crate::plan::carrying::Carrying;
use crate::plan::doc::{Action, RollbackPart, RollbackProof, Stage};

/// Users named in a reason, at most.
const NAMED: usize = 5;

/// One stage's own actions, or one wave's, with its rollback.
struct Unit<'a> {
    stage: usize,
    wave: Option<usize>,
    forward: &'a [Action],
    rollback: &'a [Action],
}

impl Unit<'_> {
    /// The unit's forward ops, or its rollback's, as items.
    fn ops(&self, undo: bool) -> impl Iterator<Item = Item> + '_ {
        let list = if undo { self.rollback } else { self.forward };
        list.iter().enumerate().map(move |(i, a)| {
            Item::Op(
                OpSource {
                    path: self.path(i, undo),
                },
                a.op.clone(),
            )
        })
    }

    fn path(&self, i: usize, undo: bool) -> String {
        let list = if undo { "rollback_actions" } else { "actions" };
        match self.wave {
            Some(w) => format!("stages[{}].waves[{w}].{list}[{i}]", self.stage),
            None => format!("stages[{}].{list}[{i}]", self.stage),
        }
    }
}

fn units(stages: &[Stage]) -> Vec<Unit<'_>> {
    let mut out = Vec::new();
    for (s, st) in stages.iter().enumerate() {
        if !st.actions.is_empty() || st.waves.is_empty() {
            out.push(Unit {
                stage: s,
                wave: None,
                forward: &st.actions,
                rollback: &st.rollback_actions,
            });
        }
        for (w, wave) in st.waves.iter().enumerate() {
            out.push(Unit {
                stage: s,
                wave: Some(w),
                forward: &wave.actions,
                rollback: &wave.rollback_actions,
            });
        }
    }
    out
}

/// The users a unit concerns: those its actions name, the members a group change reaches (the
/// carrying group's movers), and every member of an existing group it changes. The second list
/// is those compared with the stage's start: reprocessed users are not (no op brings an error
/// back).
fn users(
    t: &Tenant,
    carrying: &[Carrying],
    movers: &[UserId],
    u: &Unit,
) -> (Vec<UserId>, Vec<UserId>) {
    let mut all = Vec::new();
    let mut reprocessed = Vec::new();
    // Each group once, however many of the unit's actions name it (an existing group of 100,000
    // members taking 100,000 new ones must not cost 10^10).
    let mut changed = std::collections::BTreeSet::new();
    let mut named = std::collections::BTreeSet::new();
    for a in u.forward {
        match &a.op {
            Op::Reprocess { user: Some(id), .. } => reprocessed.push(*id),
            op => {
                if let Some(id) = a.user() {
                    all.push(id);
                }
                let group = match op {
                    Op::AssignGroupLicense { group, .. }
                    | Op::ChangeGroupLicense { group, .. }
                    | Op::AddMember { group, .. } => Some(*group),
                    _ => None,
                };
                if let Some(g) = group {
                    if !matches!(op, Op::AddMember { .. }) {
                        changed.insert(g);
                    }
                    named.insert(g);
                }
            }
        }
    }
    for g in &changed {
        for c in carrying.iter().filter(|c| c.id == *g) {
            all.extend(c.movers.iter().filter_map(|i| movers.get(*i).copied()));
        }
    }
    for g in &named {
        if let Some(tg) = t.groups.get(g) {
            all.extend(tg.user_members());
        }
    }
    all.sort_unstable();
    all.dedup();
    reprocessed.sort_unstable();
    reprocessed.dedup();
    let start: Vec<UserId> = all
        .iter()
        .copied()
        .filter(|id| reprocessed.binary_search(id).is_err())
        .collect();
    all.extend(reprocessed);
    all.sort_unstable();
    all.dedup();
    (all, start)
}

/// Below this many ops in all (forward and rollback), the proof runs on one thread: a second
/// starting state costs more than it saves.
const SPLIT_MIN_OPS: usize = 50_000;

/// A second starting state, counted in ops: building one for every user costs about as much as
/// replaying one op for every sixth user (measured at 1,000,000 users).
const STATE_COST_USERS_PER_OP: usize = 6;

/// The proof on at most this many threads: each part holds a simulator state for every user of
/// the tenant (about 250 MB at 1,000,000 users), so more parts would buy time with memory.
const MAX_PARTS: usize = 2;

/// What a proof's replays found: each label's errors and violations as the reasons name them,
/// and each snapshot key's comparison (with a hash of the users' state at the snapshot). Two
/// replays that found the same went through the same states.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Found {
    errors: BTreeMap<u32, Vec<String>>,
    compares: BTreeMap<u32, crate::simulate::engine::Comparison>,
}

impl Found {
    fn merge(&mut self, other: Found) {
        self.errors.extend(other.errors);
        self.compares.extend(other.compares);
    }
}

/// Replays every unit, its rollback and the unit again from a fresh state, and records which
/// rollbacks are proven.
///
/// On two cores, and for a plan large enough, the units are proven in two parts at once: the
/// first from `st`; the second from a state `more` builds, brought to the start of its first unit
/// by the earlier units' own ops (each after pending processing completes, as it does after each
/// unit's rollback in one pass). When every rollback is proven the two parts find what one pass
/// finds: each unit's redo left its users as its first run did, so the state the later units start
/// from is the same. When one is not, the proof is made again in one pass, so what a plan says
/// never depends on the machine's cores.
///
/// # Errors
///
/// A name that does not resolve (a planner's own ops all resolve).
pub fn prove<'t>(
    st: State<'t>,
    more: &(dyn Fn() -> State<'t> + Sync),
    t: &'t Tenant,
    carrying: &[Carrying],
    movers: &[UserId],
    stages: &[Stage],
    intent_path: &Path,
) -> Result<RollbackProof, InputError> {
    let (proof, _) = prove_with(
        st,
        more,
        (t, carrying, movers),
        stages,
        intent_path,
        Split::Auto,
    )?;
    Ok(proof)
}

/// How a proof is split in two parts proven at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Split {
    /// As the plan's size and the machine's cores make it worth it (what `licplan plan` does).
    Auto,
    /// One pass.
    Never,
    /// The second part from this unit on (the units: each stage's own actions, then each of its
    /// waves, in plan order); out of range is one pass. For tests comparing the two.
    At(usize),
    /// As `At`, but a rollback not proven is not proven again in one pass: for tests showing
    /// that the two parts find what one pass finds.
    Exactly(usize),
}

/// [`prove`], split as told, with what its replays found.
///
/// # Errors
///
/// As [`prove`].
pub fn prove_with<'t>(
    st: State<'t>,
    more: &(dyn Fn() -> State<'t> + Sync),
    (t, carrying, movers): (&'t Tenant, &[Carrying], &[UserId]),
    stages: &[Stage],
    intent_path: &Path,
    split: Split,
) -> Result<(RollbackProof, Found), InputError> {
    let units = units(stages);
    let cx = Cx {
        t,
        carrying,
        movers,
        units: &units,
        intent_path,
    };
    let fallback = !matches!(split, Split::Exactly(_));
    let split = match split {
        Split::Auto => split_point(&units, t.users.len(), crate::par::threads().min(MAX_PARTS)),
        Split::Never => None,
        Split::At(m) | Split::Exactly(m) => Some(m).filter(|m| (1..units.len()).contains(m)),
    };
    let Some(m) = split else {
        let found = cx.replay(st, 0, 0, units.len(), true)?;
        return Ok((cx.judge(stages, &found), found));
    };
    let (later, first) = crate::par::join(
        || cx.replay(more(), 0, m, units.len(), true),
        || cx.replay(st, 0, 0, m, false),
    );
    let mut found = first?;
    found.merge(later?);
    let proof = cx.judge(stages, &found);
    if proof.proven || !fallback {
        return Ok((proof, found));
    }
    let found = cx.replay(more(), 0, 0, units.len(), true)?;
    Ok((cx.judge(stages, &found), found))
}

/// Where to split the units into two parts proven at once (the first unit of the second part),
/// or `None` to prove them in one pass: the split whose slower part is quickest, when it saves
/// enough. The first part replays its units three times (do, undo, redo); the second builds a
/// state, replays the first part's units once, then its own three times.
fn split_point(units: &[Unit<'_>], users: usize, parts: usize) -> Option<usize> {
    let proof = |u: &Unit<'_>| 2 * u.forward.len() + u.rollback.len();
    let total: usize = units.iter().map(proof).sum();
    if parts < 2 || total < SPLIT_MIN_OPS || units.len() < 2 {
        return None;
    }
    let build = users / STATE_COST_USERS_PER_OP;
    let (mut first, mut warm) = (0usize, 0usize);
    let mut best: Option<(usize, usize)> = None;
    for m in 1..units.len() {
        let prev = &units[m - 1];
        first += proof(prev);
        warm += prev.forward.len();
        let second = build + warm + (total - first);
        let slower = first.max(second);
        if best.is_none_or(|(_, b)| slower < b) {
            best = Some((m, slower));
        }
    }
    // Worth a second state only when the slower part takes at most 85% of one pass.
    best.filter(|(_, slower)| *slower * 100 <= total * 85)
        .map(|(m, _)| m)
}

/// What the replays of a proof share.
struct Cx<'a> {
    t: &'a Tenant,
    carrying: &'a [Carrying],
    movers: &'a [UserId],
    units: &'a [Unit<'a>],
    intent_path: &'a Path,
}

impl Cx<'_> {
    /// Replays units `from..to` (do, undo, redo, with their checkpoints) from `st`, after the
    /// forward ops of units `warm..from` alone (each after pending processing completes).
    fn replay(
        &self,
        st: State<'_>,
        warm: usize,
        from: usize,
        to: usize,
        settle_at_end: bool,
    ) -> Result<Found, InputError> {
        // Labels: 3k forward, 3k + 1 rollback, 3k + 2 redo; snapshot keys: 2k start, 2k + 1 end.
        let warm_up = self.units[warm..from]
            .iter()
            .flat_map(|u| std::iter::once(Item::Settle).chain(u.ops(false)));
        let proved = self.units[from..to]
            .iter()
            .enumerate()
            .flat_map(|(k, u)| self.items(from + k, u));
        let mut items = warm_up.chain(proved);
        let (report, cps) = simulate_checkpointed(st, &mut items, self.intent_path, settle_at_end)?;
        let mut found = Found::default();
        for e in &report.errors {
            if let Some(l) = cps.label_of(e.step) {
                let who = e.user.as_deref().or(e.group.as_deref()).unwrap_or("");
                found
                    .errors
                    .entry(l)
                    .or_default()
                    .push(format!("{} {who}: {}", e.error, e.detail));
            }
        }
        for v in &report.violations {
            if let Some(l) = cps.label_of(v.step) {
                let text = match v.user.as_deref() {
                    Some(who) => format!("{who} loses {}", v.lost),
                    None => format!("seats short: {}", v.lost),
                };
                found.errors.entry(l).or_default().push(text);
            }
        }
        found.compares = cps.compares.into_iter().map(|c| (c.key, c)).collect();
        Ok(found)
    }

    /// Unit `k`'s items: snapshot, do, snapshot, undo, compare, redo, compare.
    fn items<'u>(&'u self, k: usize, u: &'u Unit<'u>) -> impl Iterator<Item = Item> + 'u {
        let (all, start) = users(self.t, self.carrying, self.movers, u);
        let k = k32(k);
        std::iter::once(Item::Snapshot {
            key: 2 * k,
            users: start,
        })
        .chain(std::iter::once(Item::Mark(3 * k)))
        .chain(u.ops(false))
        .chain(std::iter::once(Item::Snapshot {
            key: 2 * k + 1,
            users: all,
        }))
        .chain(std::iter::once(Item::Mark(3 * k + 1)))
        .chain(u.ops(true))
        .chain(std::iter::once(Item::Compare {
            key: 2 * k,
            settle: true,
        }))
        .chain(std::iter::once(Item::Mark(3 * k + 2)))
        .chain(u.ops(false))
        .chain(std::iter::once(Item::Compare {
            key: 2 * k + 1,
            settle: false,
        }))
    }

    /// Each unit's verdict from what the replays found.
    fn judge(&self, stages: &[Stage], found: &Found) -> RollbackProof {
        let t = self.t;
        let errors = &found.errors;
        let compares = &found.compares;
        let label = |t: &Tenant, ids: &[UserId]| -> String {
            let mut v: Vec<String> = ids
                .iter()
                .take(NAMED)
                .map(|id| {
                    t.users
                        .get(id)
                        .and_then(|u| u.upn.clone())
                        .unwrap_or_else(|| id.to_string())
                })
                .collect();
            if ids.len() > NAMED {
                v.push(format!("and {} more", ids.len() - NAMED));
            }
            v.join(", ")
        };
        let mut parts = Vec::new();
        for (k, u) in self.units.iter().enumerate() {
            let k = k32(k);
            let st = &stages[u.stage];
            let mut reasons = Vec::new();
            let none = Vec::new();
            let fwd = errors.get(&(3 * k)).unwrap_or(&none);
            if let Some(v) = errors.get(&(3 * k + 1)) {
                for e in v.iter().take(NAMED) {
                    reasons.push(format!("the rollback fails: {e}"));
                }
                if v.len() > NAMED {
                    reasons.push(format!("and {} more failures", v.len() - NAMED));
                }
            }
            let undo_failed = !reasons.is_empty();
            if let Some(v) = errors.get(&(3 * k + 2)).filter(|_| !undo_failed) {
                if v.len() > fwd.len() {
                    reasons.push(format!(
                        "after its rollback the stage cannot be run again as before: {}",
                        v.iter().find(|e| !fwd.contains(e)).unwrap_or(&v[0])
                    ));
                }
            }
            let users_checked = compares.get(&(2 * k)).map_or(0, |c| c.compared);
            if let Some(c) = compares.get(&(2 * k)) {
                if !c.differ.is_empty() {
                    reasons.push(format!(
                    "{} of {} user(s) do not hold after the rollback what they held when the stage began: {}",
                    c.differ.len(),
                    c.compared,
                    label(t, &c.differ)
                ));
                }
            }
            if let Some(c) = compares.get(&(2 * k + 1)).filter(|_| !undo_failed) {
                if !c.differ.is_empty() {
                    reasons.push(format!(
                    "{} user(s) hold something else when the stage is run again after its rollback: {}",
                    c.differ.len(),
                    label(t, &c.differ)
                ));
                }
            }
            parts.push(RollbackPart {
                stage: st.number,
                wave: u.wave.map(|w| st.waves[w].number),
                actions: u.rollback.len() as u64,
                users_checked,
                proven: reasons.is_empty(),
                reasons,
            });
        }
        RollbackProof {
            proven: parts.iter().all(|p| p.proven),
            parts,
        }
    }
}

/// A unit's number as a label's.
fn k32(k: usize) -> u32 {
    u32::try_from(k).unwrap_or(u32::MAX / 4)
}
