//! The invariant: no user loses a service plan in any state it may be in (the no-loss check):
//! every plan a user had at the start is still provided by some active path, or by a declared
//! successor, in every state pending group processing may leave the user in (R8).

use std::collections::BTreeMap;

use crate::simulate::planset::PlanSet;
use crate::simulate::report::{Violation, ViolationKind};
use crate::simulate::state::{Event, Lic, Summaries};

use super::run::Sim;

impl Sim<'_> {
    // ----- the invariant -----

    /// What a group may give a user in a state it may reach before processing completes.
    pub(super) fn tentative(
        &self,
        sums: &mut Summaries,
        (u, g): (usize, usize),
        lic: &Lic,
        member: bool,
    ) -> PlanSet {
        if !member || lic.is_empty() {
            return PlanSet::new();
        }
        let others = sums.without_group(&self.st, u, g);
        if self.check_arrival(u, lic, &others, true).is_err() {
            return PlanSet::new();
        }
        self.plans(lic)
    }

    /// Every state a user may be in from a pending group: what it gave at its last processing,
    /// then the result of each change since, in order.
    /// A path in ActiveWithError counts in these states only `with_awe`.
    pub(super) fn possible_states(
        &self,
        sums: &mut Summaries,
        u: usize,
        g: usize,
        with_awe: bool,
    ) -> Vec<PlanSet> {
        let grp = &self.st.groups[g];
        let mut states = Vec::new();
        let mut first = PlanSet::new();
        if let Some(l) = self.st.users[u]
            .inherited
            .get(&g)
            .and_then(|p| p.covering(with_awe))
        {
            self.st.plans_of(l, &mut first);
        }
        states.push(first);
        let mut idx: Vec<usize> = grp.config_events.clone();
        if let Some(mine) = grp.member_events.get(&u) {
            idx.extend(mine.iter().copied());
        }
        idx.sort_unstable();
        let mut lic = &grp.processed_licenses;
        let mut member = grp.processed_members.contains(&u);
        for i in idx {
            match &grp.events[i] {
                Event::Config(c) => lic = c,
                Event::Member(_, m) => member = *m,
                Event::ReprocessAll | Event::ReprocessUser(_) => continue,
            }
            states.push(self.tentative(sums, (u, g), lic, member));
        }
        states
    }

    /// What the user holds once every pending group has processed its last change (`fixed`:
    /// what the user's other paths give): a loss also missing here is the op's doing, not a
    /// processing window. Worked out only when a loss is reported.
    pub(super) fn settled(&self, u: usize, fixed: &PlanSet, with_awe: bool) -> PlanSet {
        let user = &self.st.users[u];
        let mut pending: Vec<usize> = user
            .groups
            .iter()
            .chain(user.inherited.keys())
            .copied()
            .filter(|g| self.st.groups[*g].pending())
            .collect();
        pending.sort_unstable();
        pending.dedup();
        let mut sums = Summaries::default();
        let mut settled = fixed.clone();
        for g in pending {
            if let Some(last) = self.possible_states(&mut sums, u, g, with_awe).last() {
                settled.union_with(last);
            }
        }
        settled
    }

    /// Checks one user's baseline plans in every state the user may be in, and reports each
    /// plan lost (once, until it comes back). `op` is only written out when something is lost.
    ///
    /// ActiveWithError, the careful reading: plans the user held through an Active path at the
    /// start must stay covered by Active paths (a path in ActiveWithError never makes removing
    /// another path safe); plans held only through paths in ActiveWithError may stay covered by
    /// such paths (the user keeps them while nothing changes them).
    pub(super) fn check_user(&mut self, u: usize, op: &dyn std::fmt::Display, rule: &str) {
        let weak = self.st.users[u].weak().cloned().unwrap_or_default();
        let mut strong = self.st.users[u].baseline.clone();
        strong.difference_with(&weak);
        let (mut lost_now, mut lost_by, fixed) = self.losses(u, &strong, false);
        let fixed_weak = if weak.is_empty() {
            None
        } else {
            let (l, by, f) = self.losses(u, &weak, true);
            lost_now.union_with(&l);
            for (p, g) in by {
                lost_by.entry(p).or_insert(g);
            }
            Some(f)
        };
        self.report_losses(
            u,
            op,
            rule,
            lost_now,
            &lost_by,
            (&fixed, fixed_weak.as_ref()),
        );
    }

    /// The plans of `baseline` the user may lose in some state, each with the pending group
    /// whose state loses it first, and the fixed paths' plans; paths in ActiveWithError cover
    /// only `with_awe`.
    fn losses(
        &self,
        u: usize,
        baseline: &PlanSet,
        with_awe: bool,
    ) -> (PlanSet, BTreeMap<u32, Option<usize>>, PlanSet) {
        let user = &self.st.users[u];
        // Every candidate below holds `fixed`: when it covers the whole baseline, no state of a
        // pending group can lose anything, and none is worked out (nor are the user's groups
        // walked: a user joining thousands of groups before one wait costs little per op). The
        // walk over the paths stops as soon as they cover it, checked after 1, 2, 4, … paths,
        // so a user with thousands of paths whose first few cover the baseline costs those.
        let covers = |set: &PlanSet| baseline.iter().all(|p| self.st.index.covered(p, set));
        let mut fixed = PlanSet::new();
        self.st.direct_covering(u, with_awe, &mut fixed);
        let mut all_fixed = covers(&fixed);
        let (mut walked, mut next_check) = (0usize, 1usize);
        for (g, p) in &user.inherited {
            if all_fixed {
                break;
            }
            if !self.st.groups[*g].pending() {
                if let Some(l) = p.covering(with_awe) {
                    self.st.plans_of(l, &mut fixed);
                }
            }
            walked += 1;
            if walked == next_check || walked == user.inherited.len() {
                all_fixed = covers(&fixed);
                next_check *= 2;
            }
        }
        // The pending groups the user had an active path from ("held"): every state each may
        // give is worked out. Any other pending group of the user's first gives nothing (no
        // path yet, or one in error): with that state it is the weakest candidate of its own,
        // and the same one for all such groups (the fixed paths and the held groups' worst),
        // so it is tried once, named after the first of them. A user joining thousands of new
        // groups is then checked in the time of its held paths, not of its pending groups.
        let mut held: smallvec::SmallVec<[usize; 4]> = smallvec::SmallVec::new();
        let mut first_fresh: Option<usize> = None;
        if !all_fixed {
            for (g, p) in &user.inherited {
                if self.st.groups[*g].pending() {
                    if p.covering(with_awe).is_some() {
                        held.push(*g);
                    } else if first_fresh.is_none() {
                        first_fresh = Some(*g);
                    }
                }
            }
            // Ascending: the first pending group the user is in without an active path.
            let joined = user.groups.iter().copied().find(|g| {
                self.st.groups[*g].pending()
                    && user
                        .inherited
                        .get(g)
                        .is_none_or(|p| p.covering(with_awe).is_none())
            });
            first_fresh = match (first_fresh, joined) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
        }
        // Each candidate: the enabled plans, and the pending group whose state it tries.
        let mut candidates: smallvec::SmallVec<[(PlanSet, Option<usize>); 2]> =
            smallvec::SmallVec::new();
        if held.is_empty() && first_fresh.is_none() {
            candidates.push((fixed.clone(), None));
        } else {
            let mut sums = Summaries::default();
            let states: Vec<(usize, Vec<PlanSet>)> = held
                .iter()
                .map(|g| (*g, self.possible_states(&mut sums, u, *g, with_awe)))
                .collect();
            let worst: Vec<PlanSet> = states
                .iter()
                .map(|(_, ss)| {
                    let mut it = ss.iter();
                    let mut acc = it.next().cloned().unwrap_or_default();
                    for s in it {
                        acc.intersect_with(s);
                    }
                    acc
                })
                .collect();
            // The worst of every other held group, for each group in turn, without a walk over
            // the others for each: a plan is in it if two groups' worst hold it, or one does and
            // that one is not the group being tried.
            let (mut any_worst, mut twice) = (PlanSet::new(), PlanSet::new());
            for w in &worst {
                let mut both = w.clone();
                both.intersect_with(&any_worst);
                twice.union_with(&both);
                any_worst.union_with(w);
            }
            let mut fresh_one = first_fresh.map(|g| {
                let mut set = any_worst.clone();
                set.union_with(&fixed);
                (set, Some(g))
            });
            for ((g, ss), w) in states.iter().zip(&worst) {
                if fresh_one.as_ref().is_some_and(|(_, f)| *f < Some(*g)) {
                    candidates.extend(fresh_one.take());
                }
                let mut base = any_worst.clone();
                base.difference_with(w);
                base.union_with(&twice);
                base.union_with(&fixed);
                for s in ss {
                    let mut set = base.clone();
                    set.union_with(s);
                    candidates.push((set, Some(*g)));
                }
            }
            candidates.extend(fresh_one);
        }
        let mut lost_now = PlanSet::new();
        let mut lost_by: BTreeMap<u32, Option<usize>> = BTreeMap::new();
        for (set, g) in &candidates {
            for p in baseline.iter() {
                if !self.st.index.covered(p, set) {
                    lost_now.insert(p);
                    lost_by.entry(p).or_insert(*g);
                }
            }
        }
        (lost_now, lost_by, fixed)
    }

    /// Reports the plans newly lost (`fixed`: the fixed paths' plans of the Active-only check,
    /// and of the check with paths in ActiveWithError when there was one).
    fn report_losses(
        &mut self,
        u: usize,
        op: &dyn std::fmt::Display,
        rule: &str,
        lost_now: PlanSet,
        lost_by: &BTreeMap<u32, Option<usize>>,
        (fixed, fixed_weak): (&PlanSet, Option<&PlanSet>),
    ) {
        let previously = self.st.users[u].lost.take().map(|b| *b).unwrap_or_default();
        let mut fresh = lost_now.clone();
        fresh.difference_with(&previously);
        if !fresh.is_empty() {
            let settled = self.settled(u, fixed, false);
            let no_weak = PlanSet::new();
            let weak = self.st.users[u].weak().unwrap_or(&no_weak);
            let settled_weak = fixed_weak.map(|f| self.settled(u, f, true));
            let permanent = fresh.iter().any(|p| {
                let set = match &settled_weak {
                    Some(w) if weak.contains(p) => w,
                    _ => &settled,
                };
                !self.st.index.covered(p, set)
            });
            let g = fresh
                .iter()
                .find_map(|p| lost_by.get(&p).copied().flatten())
                .filter(|_| !permanent);
            let cause = match g {
                Some(g) => {
                    let grp = &self.st.groups[g];
                    format!(
                        "{op}: {} has not finished processing{}; until it has, the user may hold only what it gave before or any state since (R8)",
                        grp.label,
                        grp.last_change.as_ref().map_or(String::new(), |c| format!(" ({c})"))
                    )
                }
                None => format!("{op} ({rule})"),
            };
            let lost = self.describe_lost(u, &fresh);
            self.violations.push(Violation {
                step: self.step,
                kind: ViolationKind::Loss,
                user: Some(self.st.user_label(u).into_owned()),
                user_id: Some(self.st.user_record(u).id),
                group_id: g.map(|g| self.st.groups[g].id),
                lost,
                cause,
            });
        }
        self.st.users[u].lost = (!lost_now.is_empty()).then(|| Box::new(lost_now));
    }
}

impl Sim<'_> {
    /// Names what a user lost: whole products when every plan they gave is gone, else plans.
    pub(super) fn describe_lost(&self, u: usize, lost: &PlanSet) -> String {
        let mut left = lost.clone();
        let mut parts = Vec::new();
        for (sku, plans) in &self.st.baseline_by_sku(u) {
            let mut missing = plans.clone();
            missing.difference_with(lost);
            if !plans.is_empty() && missing.is_empty() {
                parts.push(format!(
                    "{} (all {} service plans)",
                    self.st.sku_label(*sku),
                    plans.iter().count()
                ));
                left.difference_with(plans);
            }
        }
        let mut names: Vec<String> = left.iter().map(|p| self.st.plan_label_at(p)).collect();
        names.sort();
        parts.extend(names);
        parts.join(", ")
    }
}
