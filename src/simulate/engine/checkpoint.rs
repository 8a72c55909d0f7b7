//! A replay with checkpoints: ops interleaved with commands that record a compact fingerprint
//! of some users (`Snapshot`) and later compare the users' state with it (`Compare`). The
//! planner proves its rollbacks with it in one pass: each stage, its rollback, the stage again,
//! with the users compared after the rollback (with the stage's start) and after the redo (with
//! the stage's end).
//!
//! A fingerprint is one 64-bit hash per user of what the user holds: the direct licenses with
//! their disabled plans (and which are in ActiveWithError), each group path with its state and
//! licenses, and the groups the user is a direct member of. A snapshot costs 16 bytes per user,
//! and is dropped once compared.

use std::hash::{Hash, Hasher};
use std::path::Path;

use rustc_hash::FxHashMap as HashMap;

use crate::ingest::error::InputError;
use crate::model::{GroupId, UserId};
use crate::simulate::ops::{Ids, Op, OpSource};
use crate::simulate::report::SimReport;
use crate::simulate::state::{PathState, State};

use super::run::{NameErrors, Sim};

/// One item of a checkpointed stream.
#[derive(Debug, Clone)]
pub enum Item {
    Op(OpSource, Op<Ids>),
    /// Records these users' fingerprints under `key` (users not in the tenant are ignored).
    Snapshot {
        key: u32,
        users: Vec<UserId>,
    },
    /// Compares the users of snapshot `key` with their state now, and drops the snapshot; with
    /// `settle`, pending group processing is completed first, as one more step.
    Compare {
        key: u32,
        settle: bool,
    },
    /// Marks where a part of the stream begins: the steps from here on belong to `label`.
    Mark(u32),
    /// Completes pending group processing now, as one more step (nothing when none is pending).
    Settle,
}

/// What a checkpointed replay found beside its report.
#[derive(Debug, Clone, Default)]
pub struct Checkpoints {
    /// Each mark's label and the first step after it (steps are 1-based; errors and
    /// violations carry their step).
    pub marks: Vec<(u32, usize)>,
    pub compares: Vec<Comparison>,
}

impl Checkpoints {
    /// The label of the part of the stream a step belongs to.
    pub fn label_of(&self, step: usize) -> Option<u32> {
        let i = self.marks.partition_point(|(_, s)| *s <= step);
        i.checked_sub(1).map(|i| self.marks[i].0)
    }
}

/// One `Compare`: how many users were compared and those whose state differs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comparison {
    pub key: u32,
    pub compared: u64,
    /// One hash of the snapshot's fingerprints: equal for two replays whose users were in the
    /// same state when the snapshot was taken.
    pub snapshot: u64,
    /// The users whose state differs, in the snapshot's order.
    pub differ: Vec<UserId>,
}

/// Replays a checkpointed stream from `st` (no step report is kept); with `settle_at_end`,
/// pending group processing completes after the last item, as a run's end does. A stream that
/// is the first part of a longer one leaves it pending, as the longer stream would.
///
/// # Errors
///
/// The first name that does not resolve (a planner's own ops all resolve).
pub fn simulate_checkpointed(
    st: State<'_>,
    items: &mut dyn Iterator<Item = Item>,
    ops_path: &Path,
    settle_at_end: bool,
) -> Result<(SimReport, Checkpoints), InputError> {
    let mut sim = Sim::new(st, ops_path, false);
    let mut seats = Vec::new();
    let mut bad_names = NameErrors::default();
    let mut observe = |_: usize, _: &[_]| {};
    let mut snapshots: HashMap<u32, Vec<(usize, u64)>> = HashMap::default();
    let mut out = Checkpoints::default();
    for item in items {
        match item {
            Item::Op(src, op) => sim.op_step(&src, &op, &mut bad_names, &mut seats, &mut observe),
            Item::Snapshot { key, users } => {
                let tenant = sim.st.tenant;
                let fp: Vec<(usize, u64)> = users
                    .iter()
                    .filter_map(|id| tenant.users.index_of(id))
                    .map(|u| (u, fingerprint(&sim.st, u)))
                    .collect();
                snapshots.insert(key, fp);
            }
            Item::Compare { key, settle } => {
                if settle {
                    sim.settle_at_end(&mut seats, &mut observe);
                }
                let fp = snapshots.remove(&key).unwrap_or_default();
                let snapshot = {
                    let mut h = rustc_hash::FxHasher::default();
                    fp.hash(&mut h);
                    h.finish()
                };
                let differ = fp
                    .iter()
                    .filter(|(u, h)| fingerprint(&sim.st, *u) != *h)
                    .map(|(u, _)| sim.st.user_record(*u).id)
                    .collect();
                out.compares.push(Comparison {
                    key,
                    compared: fp.len() as u64,
                    snapshot,
                    differ,
                });
            }
            Item::Mark(label) => out.marks.push((label, sim.step + 1)),
            Item::Settle => sim.settle_at_end(&mut seats, &mut observe),
        }
    }
    if settle_at_end {
        sim.settle_at_end(&mut seats, &mut observe);
    }
    bad_names
        .finish(ops_path)
        .map_err(|mut e| e.0.swap_remove(0))?;
    Ok((sim.report(), out))
}

/// What the user holds, as one hash: direct licenses (sorted by product), group paths (sorted
/// by group id) with their state, and direct memberships (by group id).
fn fingerprint(st: &State<'_>, u: usize) -> u64 {
    let mut h = rustc_hash::FxHasher::default();
    let user = &st.users[u];
    for (sku, disabled) in &user.direct {
        sku.hash(&mut h);
        disabled.hash(&mut h);
    }
    0xA5u8.hash(&mut h);
    if let Some(awe) = &user.awe {
        awe.direct.hash(&mut h);
    }
    let mut paths: smallvec::SmallVec<[(GroupId, &PathState); 4]> = user
        .inherited
        .iter()
        .map(|(g, p)| (st.groups[*g].id, p))
        .collect();
    paths.sort_by_key(|p| p.0);
    for (g, p) in paths {
        g.hash(&mut h);
        let (tag, lic) = match p {
            PathState::Active(l) => (0u8, l),
            PathState::ActiveWithError(l) => (1, l),
            PathState::Error { error, sku, stuck } => {
                error.hash(&mut h);
                sku.hash(&mut h);
                (2, stuck)
            }
        };
        tag.hash(&mut h);
        for (sku, disabled) in lic {
            sku.hash(&mut h);
            disabled.hash(&mut h);
        }
    }
    0x5Au8.hash(&mut h);
    let mut groups: smallvec::SmallVec<[GroupId; 4]> =
        user.groups.iter().map(|g| st.groups[*g].id).collect();
    groups.sort_unstable();
    groups.hash(&mut h);
    h.finish()
}
