//! A step-wise replay: ops applied one at a time over one [`Sim`], with the state readable
//! between steps. `bundle` writes each op's precondition from the state before it and its
//! postcondition from the state after, and proves a unit's undo by comparing users' views.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::ingest::error::InputError;
use crate::model::{CountryCode, GroupId, PlanIds, SkuId, UserId};
use crate::simulate::ops::{Op, OpSource, Written};
use crate::simulate::report::{ErrorRecord, Violation};
use crate::simulate::state::{PathState, State};

use super::run::{NameErrors, Sim};

/// A replay kept open between ops.
pub struct Replayer<'r> {
    sim: Sim<'r>,
    seats: Vec<(SkuId, Option<u32>, i64)>,
}

/// What one user holds, as compared by `bundle`'s undo proof and its tests.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UserView {
    /// Direct licenses with their disabled plans.
    pub direct: BTreeMap<SkuId, PlanIds>,
    /// Groups the user is a direct member of.
    pub member_of: BTreeSet<GroupId>,
    /// Each group path: its state (`active`, `active-with-error`, `error`) and licenses.
    pub paths: BTreeMap<GroupId, (&'static str, BTreeMap<SkuId, PlanIds>)>,
    pub location: Option<CountryCode>,
}

impl<'r> Replayer<'r> {
    /// A replay starting at `st`; `ops_path` names the ops in messages.
    pub fn new(st: State<'r>, ops_path: &Path) -> Self {
        Replayer {
            sim: Sim::new(st, ops_path, false),
            seats: Vec::new(),
        }
    }

    /// Applies one written op.
    ///
    /// # Errors
    ///
    /// Every name of the op that does not resolve (the op is then skipped).
    pub fn step(&mut self, src: &OpSource, op: &Op<Written>) -> Result<(), Vec<InputError>> {
        let mut bad = NameErrors::default();
        self.sim
            .op_step(src, op, &mut bad, &mut self.seats, &mut |_, _| {});
        let file = self.sim.file.clone();
        bad.finish(&file).map_err(|e| e.0)
    }

    /// Completes every pending group processing (as the end of a run does).
    pub fn settle(&mut self) {
        self.sim.settle_at_end(&mut self.seats, &mut |_, _| {});
    }

    /// The state now.
    pub fn state(&self) -> &State<'r> {
        &self.sim.st
    }

    /// Steps replayed so far (1-based numbers of the errors and violations).
    pub fn steps(&self) -> usize {
        self.sim.step
    }

    /// Every licensing error and refusal so far.
    pub fn errors(&self) -> &[ErrorRecord] {
        &self.sim.errors
    }

    /// Every violation (loss or seat shortage) so far.
    pub fn violations(&self) -> &[Violation] {
        &self.sim.violations
    }

    /// A user's index, by object id.
    pub fn user_index(&self, id: &UserId) -> Option<usize> {
        self.sim.st.tenant.users.index_of(id)
    }

    /// A group's index, by object id (also a group an earlier op created).
    pub fn group_index(&self, id: &GroupId) -> Option<usize> {
        self.sim.st.group_by_id.get(id).copied()
    }

    /// What user `u` holds now.
    pub fn user_view(&self, u: usize) -> UserView {
        let st = &self.sim.st;
        let user = &st.users[u];
        let lic = |l: &crate::simulate::state::Lic| -> BTreeMap<SkuId, PlanIds> {
            l.iter().map(|(s, p)| (*s, p.clone())).collect()
        };
        UserView {
            direct: lic(&user.direct),
            member_of: user.groups.iter().map(|g| st.groups[*g].id).collect(),
            paths: user
                .inherited
                .iter()
                .map(|(g, p)| {
                    let v = match p {
                        PathState::Active(l) => ("active", lic(l)),
                        PathState::ActiveWithError(l) => ("active-with-error", lic(l)),
                        PathState::Error { stuck, .. } => ("error", lic(stuck)),
                    };
                    (st.groups[*g].id, v)
                })
                .collect(),
            location: user.location,
        }
    }
}
