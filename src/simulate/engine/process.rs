//! Group processing (R8): pending groups' changes reach their members, all of a group's
//! products or none (R4), with seats counted across the batch (R2, R5).

use std::collections::{BTreeMap, BTreeSet};

use crate::model::{AssignmentError, SkuId};
use crate::simulate::state::{Lic, PathState, Summaries};

use super::run::{Check, Sim};

impl Sim<'_> {
    // ----- group processing (R2–R10) -----

    /// Processes pending groups (all, or one): every affected member's state is recomputed
    /// from the group's licenses now. Checks use the state before the batch, so a change that
    /// could arrive in either order is judged in the worse one.
    pub(super) fn process(&mut self, only: Option<usize>) -> (String, Vec<usize>) {
        let groups: Vec<usize> = match only {
            Some(g) => self.st.pending.get(&g).copied().into_iter().collect(),
            None => self.st.pending.iter().copied().collect(),
        };
        if groups.is_empty() {
            return ("nothing pending".into(), Vec::new());
        }
        // (user, group) pairs to recompute.
        let mut pairs: Vec<(usize, usize)> = Vec::new();
        for &g in &groups {
            let grp = &self.st.groups[g];
            let users: BTreeSet<usize> = if grp.config_events.is_empty() {
                grp.member_events.keys().copied().collect()
            } else {
                grp.members.union(&grp.processed_members).copied().collect()
            };
            pairs.extend(users.into_iter().map(|u| (u, g)));
        }
        // Decide each pair's new state against the state before the batch. A user in many of
        // the batch's groups is summarised once, not walked once per group.
        let mut summaries = Summaries::default();
        let mut decided: Vec<Decision> = Vec::with_capacity(pairs.len());
        for &(u, g) in &pairs {
            let grp = &self.st.groups[g];
            let member = grp.members.contains(&u);
            let others = summaries.without_group(&self.st, u, g);
            let (state, refusal) = if member && !grp.licenses.is_empty() {
                match self.check_arrival(u, &grp.licenses, &others, true) {
                    Ok(()) => (Some(PathState::Active(grp.licenses.clone())), None),
                    Err(r) => (
                        Some(PathState::Error {
                            error: r.0,
                            sku: r.1,
                            stuck: Lic::new(),
                        }),
                        Some(r),
                    ),
                }
            } else {
                (None, None)
            };
            decided.push(Decision {
                u,
                g,
                state,
                refusal,
                at_risk: false,
            });
        }
        // Seats (R2, R5): users who need a new seat of a product, across the batch.
        // Per product, the users needing a new seat and the decisions that would give it: a
        // user getting the product from two groups at once needs one seat (R2), and fails in
        // both if it cannot have one.
        let mut need: BTreeMap<SkuId, BTreeMap<usize, Vec<usize>>> = BTreeMap::new();
        for (i, d) in decided.iter().enumerate() {
            if let Some(PathState::Active(lic)) = &d.state {
                for sku in lic.keys() {
                    // Already seated through any path (this group's included): no new seat.
                    if !summaries.holds(&self.st, d.u, *sku) {
                        need.entry(*sku)
                            .or_default()
                            .entry(d.u)
                            .or_default()
                            .push(i);
                    }
                }
            }
        }
        let mut at_risk: BTreeMap<usize, SkuId> = BTreeMap::new();
        for (sku, users) in &need {
            if let Some(avail) = self.st.available(*sku) {
                let n = users.len() as i64;
                if n > avail.max(0) {
                    for i in users.values().flatten() {
                        at_risk.entry(*i).or_insert(*sku);
                    }
                    let cause = format!(
                        "group processing needs {n} new seat(s) of {} (R5 CountViolation)",
                        self.st.sku_label(*sku)
                    );
                    self.seats_short(*sku, n - avail.max(0), cause);
                }
            }
        }
        for (i, sku) in &at_risk {
            let d = &mut decided[*i];
            let r = (
                AssignmentError::CountViolation,
                Some(*sku),
                "not enough available seats; which users fail is not guaranteed, so this user is at risk".to_owned(),
            );
            d.state = Some(PathState::Error {
                error: r.0,
                sku: r.1,
                stuck: Lic::new(),
            });
            d.refusal = Some(r);
            d.at_risk = true;
        }
        // Removals whose plans another enabled plan depends on stay, in error (R5, newer docs).
        // A product change counts as a removal here: the products it adds do not satisfy the
        // add-on (R11's precondition, "no other assigned service licenses that can … prevent
        // removal of the current license", licensing-groups-change-licenses), even when they
        // carry a successor of the prerequisite.
        for d in decided.iter_mut() {
            let old = self.st.users[d.u].inherited.get(&d.g);
            let Some(old_lic) = old.and_then(PathState::active) else {
                continue;
            };
            let mut after = summaries.without_group(&self.st, d.u, d.g);
            if let Some(PathState::Active(l)) = &d.state {
                for (sku, disabled) in l {
                    if old_lic.contains_key(sku) {
                        self.st.plans_of_one(*sku, disabled, &mut after);
                    }
                }
            }
            if let Some(why) = self.broken_dependency(&after) {
                let mut before_plans = after.clone();
                self.st.plans_of(old_lic, &mut before_plans);
                if self.broken_dependency(&before_plans).is_none() {
                    let r = (AssignmentError::DependencyViolation, old_lic.keys().next().copied(), format!("{why}; the group's licenses stay on the user in an error state until it is resolved and reprocessed"));
                    d.stuck(r, old_lic);
                }
            }
        }
        // An administrator's removal of a group's licenses "can fail … if there's a proxy
        // address conflict issue that prevents the license removal" (m365-group-licensing-
        // errors.txt, 'When a licensed group is deleted'). The careful reading: for a user who
        // shares a proxy address, the removal of a product with Exchange Online fails and the
        // group's licenses stay on the user in error (UniquenessViolation), still taking their
        // seats, as a dependency-blocked removal does; a member leaving the group is not named
        // by the page and is not modelled so.
        for d in decided.iter_mut() {
            if !self.st.users[d.u].dup_proxy {
                continue;
            }
            let old = self.st.users[d.u].inherited.get(&d.g);
            // Stuck by an earlier removal: the licenses stay in error while the conflict does
            // (reprocessing the user does not resolve it).
            if let Some(
                stuck_old @ PathState::Error {
                    error: AssignmentError::UniquenessViolation,
                    stuck,
                    ..
                },
            ) = old
            {
                if !stuck.is_empty() && !matches!(d.state, Some(PathState::Active(_))) {
                    d.state = Some(stuck_old.clone());
                }
                continue;
            }
            if self.st.groups[d.g].config_events.is_empty() {
                continue;
            }
            let Some(old_lic) = old.and_then(PathState::active) else {
                continue;
            };
            if matches!(&d.state, Some(PathState::Error { stuck, .. }) if !stuck.is_empty()) {
                continue;
            }
            let kept = match &d.state {
                Some(PathState::Active(l)) => Some(l),
                _ => None,
            };
            let removed = old_lic.keys().copied().find(|s| {
                self.st.skus.get(s).is_some_and(|x| x.unique_proxy)
                    && !kept.is_some_and(|l| l.contains_key(s))
            });
            let Some(sku) = removed else {
                continue;
            };
            let r = (
                AssignmentError::UniquenessViolation,
                Some(sku),
                format!(
                    "removing {} from the group fails: Proxy address is already being used (the user shares a proxy address with another user); the group's licenses stay on the user in an error state until the conflict is resolved and the user is reprocessed",
                    self.st.sku_label(sku)
                ),
            );
            d.stuck(r, old_lic);
        }
        // A deleted group's licenses that a removal left in error stay on the user, in error,
        // until the dependency is resolved and the user is reprocessed (m365-group-licensing-
        // errors.txt, 'When a licensed group is deleted').
        for d in decided.iter_mut() {
            if d.state.is_none() && self.st.groups[d.g].deleted {
                if let Some(old @ PathState::Error { stuck, .. }) =
                    self.st.users[d.u].inherited.get(&d.g)
                {
                    if !stuck.is_empty() {
                        d.state = Some(old.clone());
                    }
                }
            }
        }
        drop(summaries);
        // Apply: errors in the batch's order; then each user's paths change in one pass over
        // them, and seats are counted from what the user held before and after (what each
        // change's own before and after would add up to): a user in thousands of the batch's
        // groups costs one walk over them, not one per group.
        let mut affected = BTreeSet::new();
        let (mut granted, mut failed, mut removed) = (0usize, 0usize, 0usize);
        let mut changes: Vec<(usize, usize, Option<PathState>)> = Vec::with_capacity(decided.len());
        for Decision {
            u,
            g,
            state,
            refusal,
            at_risk,
        } in decided
        {
            if let Some(r) = &refusal {
                self.error(Some(u), Some(g), r, at_risk);
                failed += 1;
            }
            if matches!(state, Some(PathState::Active(_))) {
                granted += 1;
            }
            changes.push((u, g, state));
        }
        // A (user, group) pair comes once: from the group's own list of users.
        changes.sort_unstable_by_key(|c| (c.0, c.1));
        let mut changes = changes.into_iter().peekable();
        while let Some((u, g, state)) = changes.next() {
            let mut mine = vec![(g, state)];
            while let Some((_, g, state)) = changes.next_if(|c| c.0 == u) {
                mine.push((g, state));
            }
            let before = self.st.seated(u);
            removed += self.st.users[u].inherited.merge_sorted(mine);
            let after = self.st.seated(u);
            self.reseat_sorted(&before, &after);
            affected.insert(u);
        }
        let mut names = Vec::new();
        for &g in &groups {
            names.push(self.st.groups[g].label.clone());
            self.st.settle(g);
        }
        (
            format!(
                "processed {}: {granted} user(s) licensed, {failed} in error, {removed} removed",
                names.join(", ")
            ),
            affected.into_iter().collect(),
        )
    }
}

/// A (user, group) pair's new state in one processing batch.
struct Decision {
    u: usize,
    g: usize,
    /// `None`: the group gives the user nothing any more.
    state: Option<PathState>,
    refusal: Option<Check>,
    at_risk: bool,
}

impl Decision {
    /// A removal that fails: the group's old licenses stay on the user in an error state
    /// (still taking their seats) until the cause is resolved and the user reprocessed.
    fn stuck(&mut self, r: Check, old: &Lic) {
        self.state = Some(PathState::Error {
            error: r.0,
            sku: r.1,
            stuck: old.clone(),
        });
        self.refusal = Some(r);
        self.at_risk = false;
    }
}
