//! A user's paths summarised, so "every path but one group's" costs that group's licenses.

use rustc_hash::FxHashMap as HashMap;

use crate::model::SkuId;
use crate::simulate::planset::PlanSet;

use super::{PathState, State};

/// One user's paths, summarised so that "everything but one group's path" costs that group's
/// licenses, not a walk over all of the user's groups: a plan comes from the other paths if the
/// direct path or two groups give it, or one group does and that group is not the one left out.
#[derive(Debug, Clone)]
pub struct PathSummary {
    /// Plans of the direct path, and plans two or more groups give.
    fixed: PlanSet,
    /// Plans any group gives.
    any: PlanSet,
    /// Products any path takes a seat of, sorted.
    seated: smallvec::SmallVec<[SkuId; 4]>,
}

impl PathSummary {
    /// [`State::holds`] as of the summary.
    pub fn holds(&self, sku: SkuId) -> bool {
        self.seated.binary_search(&sku).is_ok()
    }
}

/// Above this many group paths a user's questions go through a cached [`PathSummary`]; below
/// it, walking the paths is as cheap as building one.
const SUMMARISE_ABOVE: usize = 4;

/// Path summaries of the users one batch of checks asks about, made on first use, while the
/// state does not change: a user in thousands of groups is walked once per batch, not once per
/// group.
#[derive(Debug, Default)]
pub struct Summaries(HashMap<usize, PathSummary>);

impl Summaries {
    fn get(&mut self, st: &State<'_>, u: usize) -> Option<&PathSummary> {
        if st.users[u].inherited.len() <= SUMMARISE_ABOVE {
            return None;
        }
        Some(self.0.entry(u).or_insert_with(|| st.path_summary(u)))
    }

    /// [`State::plans_without_group`].
    pub fn without_group(&mut self, st: &State<'_>, u: usize, g: usize) -> PlanSet {
        match self.get(st, u) {
            Some(s) => st.without_group(s, u, g),
            None => st.plans_without_group(u, g),
        }
    }

    /// [`State::holds`].
    pub fn holds(&mut self, st: &State<'_>, u: usize, sku: SkuId) -> bool {
        match self.get(st, u) {
            Some(s) => s.holds(sku),
            None => st.holds(u, sku),
        }
    }
}

impl State<'_> {
    /// A user's paths summarised in one walk over them, for many questions about "every path
    /// but one group's" (see [`State::without_group`]).
    pub fn path_summary(&self, u: usize) -> PathSummary {
        let user = &self.users[u];
        let mut fixed = PlanSet::new();
        self.plans_of(&user.direct, &mut fixed);
        let (mut any, mut twice) = (PlanSet::new(), PlanSet::new());
        let mut seated: smallvec::SmallVec<[SkuId; 4]> = user.direct.keys().copied().collect();
        for p in user.inherited.values() {
            seated.extend(p.seated());
            if let Some(l) = p.active() {
                let mut one = PlanSet::new();
                self.plans_of(l, &mut one);
                let mut both = one.clone();
                both.intersect_with(&any);
                twice.union_with(&both);
                any.union_with(&one);
            }
        }
        seated.sort_unstable();
        seated.dedup();
        fixed.union_with(&twice);
        PathSummary { fixed, any, seated }
    }

    /// [`State::plans_without_group`] from a [`PathSummary`] of the user: the cost of one
    /// group's licenses, however many groups the user is in.
    pub fn without_group(&self, s: &PathSummary, u: usize, g: usize) -> PlanSet {
        let mut out = s.any.clone();
        if let Some(l) = self.users[u].inherited.get(&g).and_then(PathState::active) {
            let mut own = PlanSet::new();
            self.plans_of(l, &mut own);
            out.difference_with(&own);
        }
        out.union_with(&s.fixed);
        out
    }
}
