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

/// Replays every unit, its rollback and the unit again from a fresh state, and records which
/// rollbacks are proven.
///
/// # Errors
///
/// A name that does not resolve (a planner's own ops all resolve).
pub fn prove(
    st: State<'_>,
    t: &Tenant,
    carrying: &[Carrying],
    movers: &[UserId],
    stages: &[Stage],
    intent_path: &Path,
) -> Result<RollbackProof, InputError> {
    let units = units(stages);
    // Labels: 3k forward, 3k + 1 rollback, 3k + 2 redo; snapshot keys: 2k start, 2k + 1 end.
    let k32 = |k: usize| u32::try_from(k).unwrap_or(u32::MAX / 4);
    let mut items = units.iter().enumerate().flat_map(|(k, u)| {
        let (all, start) = users(t, carrying, movers, u);
        let k = k32(k);
        let fwd = || {
            u.forward.iter().enumerate().map(move |(i, a)| {
                Item::Op(
                    OpSource {
                        path: u.path(i, false),
                    },
                    a.op.clone(),
                )
            })
        };
        let undo = u.rollback.iter().enumerate().map(move |(i, a)| {
            Item::Op(
                OpSource {
                    path: u.path(i, true),
                },
                a.op.clone(),
            )
        });
        std::iter::once(Item::Snapshot {
            key: 2 * k,
            users: start,
        })
        .chain(std::iter::once(Item::Mark(3 * k)))
        .chain(fwd())
        .chain(std::iter::once(Item::Snapshot {
            key: 2 * k + 1,
            users: all,
        }))
        .chain(std::iter::once(Item::Mark(3 * k + 1)))
        .chain(undo)
        .chain(std::iter::once(Item::Compare {
            key: 2 * k,
            settle: true,
        }))
        .chain(std::iter::once(Item::Mark(3 * k + 2)))
        .chain(fwd())
        .chain(std::iter::once(Item::Compare {
            key: 2 * k + 1,
            settle: false,
        }))
    });
    let (report, cps) = simulate_checkpointed(st, &mut items, intent_path)?;
    // Errors and violations per label.
    let mut errors: BTreeMap<u32, Vec<String>> = BTreeMap::new();
    for e in &report.errors {
        if let Some(l) = cps.label_of(e.step) {
            let who = e.user.as_deref().or(e.group.as_deref()).unwrap_or("");
            errors
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
            errors.entry(l).or_default().push(text);
        }
    }
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
    let compares: BTreeMap<u32, &crate::simulate::engine::Comparison> =
        cps.compares.iter().map(|c| (c.key, c)).collect();
    let mut parts = Vec::new();
    for (k, u) in units.iter().enumerate() {
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
    Ok(RollbackProof {
        proven: parts.iter().all(|p| p.proven),
        parts,
    })
}
