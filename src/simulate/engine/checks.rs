//! The Microsoft licensing checks, one function each, citing its rule in docs/domain/RULES.md
//! (a copy of ../shared/domain/RULES.md): seats (R2, R5 CountViolation), mutual exclusion (R5
//! MutuallyExclusiveViolation), dependencies (R5 DependencyViolation, R7), usage location (R6,
//! R5 ProhibitedInUsageLocationViolation), uniqueness (R5 UniquenessViolation), nesting (R9)
//! and group kinds (R9 security-enabled groups, R10 dynamic and synced groups).

use crate::model::{AssignmentError, CountryCode, Group, GroupKind, SkuId, UserId};
use crate::simulate::planset::PlanSet;
use crate::simulate::report::Refusal;
use crate::simulate::state::Lic;

use super::run::{Check, Sim};

/// R9: nested groups are not supported: only a group's first-level user members get its
/// licenses (a member group, and that group's members, get nothing from it).
pub(crate) fn inheriting_members(g: &Group) -> impl Iterator<Item = UserId> + '_ {
    g.user_members()
}

/// A group check that failed: why the service refuses the op, and the detail.
pub(super) type Refused = (Refusal, String);

impl Sim<'_> {
    /// Checks licenses arriving on one path against the user's other enabled plans: usage
    /// location, proxy uniqueness, mutually exclusive plans (each its own check below, in that
    /// order). Seats and prerequisites are checked by the callers.
    pub(super) fn check_arrival(
        &self,
        u: usize,
        lic: &Lic,
        others: &PlanSet,
        by_group: bool,
    ) -> Result<(), Check> {
        let location = self.usage_location(u, lic, by_group)?;
        for (sku, disabled) in lic {
            self.offered_in(*sku, disabled, location)?;
            self.unique_proxy(u, *sku)?;
        }
        self.mutually_exclusive(lic, others)
    }

    /// R6: a user needs a usage location; group assignment falls back on the organization's
    /// (R5 ProhibitedInUsageLocationViolation when there is none).
    pub(super) fn usage_location(
        &self,
        u: usize,
        lic: &Lic,
        by_group: bool,
    ) -> Result<&CountryCode, Check> {
        let user = &self.st.users[u];
        let location = match (&user.location, by_group) {
            (Some(l), _) => Some(l),
            (None, true) => self.st.default_location.as_ref(),
            (None, false) => None,
        };
        location.ok_or_else(|| {
            (
                AssignmentError::ProhibitedInUsageLocationViolation,
                lic.keys().next().copied(),
                if by_group {
                    "the user has no usage location and the organization's is not in the exports"
                        .into()
                } else {
                    "the user has no usage location (direct assignment needs one)".into()
                },
            )
        })
    }

    /// R5 ProhibitedInUsageLocationViolation: every enabled plan of the product must be offered
    /// in the user's usage location (when the rules restrict locations).
    pub(super) fn offered_in(
        &self,
        sku: SkuId,
        disabled: &crate::model::PlanIds,
        location: &CountryCode,
    ) -> Result<(), Check> {
        let rules = self.st.rules;
        let Some(s) = self.st.skus.get(&sku) else {
            return Ok(());
        };
        if rules.restricts_locations() {
            for p in s.plans.iter().filter(|p| !disabled.contains(p)) {
                if !rules.offered_in(*p, location) {
                    return Err((
                        AssignmentError::ProhibitedInUsageLocationViolation,
                        Some(sku),
                        format!("{} is not offered in {location}", self.st.plan_label(*p)),
                    ));
                }
            }
        }
        Ok(())
    }

    /// R5 UniquenessViolation: a product with Exchange Online needs the user's proxy addresses
    /// to be unique in the tenant.
    pub(super) fn unique_proxy(&self, u: usize, sku: SkuId) -> Result<(), Check> {
        let unique = self.st.skus.get(&sku).is_some_and(|s| s.unique_proxy);
        if unique && self.st.users[u].dup_proxy {
            return Err((
                AssignmentError::UniquenessViolation,
                Some(sku),
                "Proxy address is already being used (the user shares a proxy address with another user)".into(),
            ));
        }
        Ok(())
    }

    /// R5 MutuallyExclusiveViolation: no arriving product's plan may conflict with a plan the
    /// user has enabled through another product, nor with one of the products arriving with it
    /// (one group, or one atomic call).
    pub(super) fn mutually_exclusive(&self, lic: &Lic, others: &PlanSet) -> Result<(), Check> {
        // Each arriving product's enabled plans.
        let arriving: Vec<(SkuId, PlanSet)> = lic
            .iter()
            .map(|(s, d)| {
                let mut one = PlanSet::new();
                self.st.plans_of_one(*s, d, &mut one);
                (*s, one)
            })
            .collect();
        for (sku, set) in &arriving {
            if let Some((a, b)) = self.st.index.conflict(set, others) {
                return Err(self.conflict_refusal(*sku, a, b, None));
            }
        }
        for (i, (sa, pa)) in arriving.iter().enumerate() {
            for (sb, pb) in &arriving[i + 1..] {
                if let Some((b, a)) = self.st.index.conflict(pb, pa) {
                    return Err(self.conflict_refusal(*sb, b, a, Some(*sa)));
                }
            }
        }
        Ok(())
    }

    /// R2, R5 CountViolation: a user who does not hold the product yet needs an available seat
    /// of it (products without exported seat counts are not checked).
    pub(super) fn seat_for(&self, u: usize, sku: SkuId) -> Result<(), Check> {
        if self.st.holds(u, sku) {
            return Ok(());
        }
        match self.st.available(sku) {
            Some(avail) if avail <= 0 => Err((
                AssignmentError::CountViolation,
                Some(sku),
                format!("no available seats of {}", self.st.sku_label(sku)),
            )),
            _ => Ok(()),
        }
    }

    /// R7: an add-on's prerequisite must be carried by the same group (R5 DependencyViolation),
    /// refused for the group as the portal words it ("License operation failed. …",
    /// entra-group-licensing-problems-and-migration.txt, 'Manage licenses for products with
    /// prerequisites').
    pub(super) fn group_prerequisites(&self, lic: &Lic) -> Result<(), Check> {
        let enabled = self.plans(lic);
        let Some((p, _)) = self.st.index.broken_dependency(&enabled) else {
            return Ok(());
        };
        let plan = self.st.index.id(p);
        let ids = self.st.plan_ids(&enabled);
        let Some(pre) = self
            .st
            .rules
            .prerequisites(plan)
            .iter()
            .find(|pre| !pre.one_of.iter().any(|q| ids.contains(q)))
        else {
            return Ok(());
        };
        let need: Vec<String> = pre.one_of.iter().map(|q| self.st.plan_label(*q)).collect();
        Err((
            AssignmentError::DependencyViolation,
            lic.keys().next().copied(),
            format!(
                "License operation failed. Make sure that the group has necessary services before adding or removing a dependent service. The service {} requires {} to be enabled as well ({}): the group must carry it too (R7)",
                self.st.plan_label(plan),
                need.join(" or "),
                pre.id
            ),
        ))
    }

    /// R9: only security-enabled groups carry licenses. An export that does not say is read as
    /// "not security-enabled" (the careful reading).
    pub(super) fn carries_licenses(&self, g: usize) -> Result<(), Refused> {
        let grp = &self.st.groups[g];
        if grp.security_enabled == Some(true) {
            return Ok(());
        }
        let why = if grp.security_enabled.is_none() {
            "securityEnabled is not in the exports"
        } else {
            "the group is not security-enabled"
        };
        Err((
            Refusal::GroupNotSecurityEnabled,
            format!("{} cannot carry licenses: {why} (R9)", grp.label),
        ))
    }

    /// R10: the members of dynamic groups follow the membership rule, those of synced groups
    /// change only on-premises; only static groups' members can be edited.
    pub(super) fn editable_membership(&self, g: usize) -> Result<(), Refused> {
        let grp = &self.st.groups[g];
        let (code, why) = match grp.kind {
            GroupKind::Static => return Ok(()),
            GroupKind::Dynamic => (
                Refusal::DynamicMembershipGroup,
                "members follow its membership rule (R10)",
            ),
            _ => (
                Refusal::SyncedGroupMembership,
                "its membership changes only on-premises (R10)",
            ),
        };
        Err((code, format!("{} cannot be edited: {why}", grp.label)))
    }

    /// A MutuallyExclusiveViolation naming both plans and the exclusive set's entry.
    pub(super) fn conflict_refusal(
        &self,
        sku: SkuId,
        a: u32,
        b: u32,
        other_sku: Option<SkuId>,
    ) -> Check {
        let (pa, pb) = (self.st.index.id(a), self.st.index.id(b));
        let set = self
            .st
            .rules
            .conflict(pa, pb)
            .map_or_else(String::new, |s| s.id.clone());
        let detail = match other_sku {
            Some(o) => format!(
                "{} in {} conflicts with {} in {} ({set})",
                self.st.plan_label(pa),
                self.st.sku_label(sku),
                self.st.plan_label(pb),
                self.st.sku_label(o),
            ),
            None => format!(
                "{} conflicts with {} the user already has ({set})",
                self.st.plan_label(pa),
                self.st.plan_label(pb),
            ),
        };
        (
            AssignmentError::MutuallyExclusiveViolation,
            Some(sku),
            detail,
        )
    }

    /// R5 DependencyViolation, R7: a plan left enabled without any of its prerequisites.
    pub(super) fn broken_dependency(&self, enabled: &PlanSet) -> Option<String> {
        let (p, _) = self.st.index.broken_dependency(enabled)?;
        let plan = self.st.index.id(p);
        let ids = self.st.plan_ids(enabled);
        let pre = self
            .st
            .rules
            .prerequisites(plan)
            .iter()
            .find(|pre| !pre.one_of.iter().any(|q| ids.contains(q)))?;
        let need: Vec<String> = pre.one_of.iter().map(|q| self.st.plan_label(*q)).collect();
        Some(format!(
            "{} requires {} ({})",
            self.st.plan_label(plan),
            need.join(" or "),
            pre.id
        ))
    }

    pub(super) fn plans(&self, lic: &Lic) -> PlanSet {
        let mut out = PlanSet::new();
        self.st.plans_of(lic, &mut out);
        out
    }

    /// Enabled plans from inherited paths only.
    pub(super) fn inherited_plans(&self, u: usize) -> PlanSet {
        let mut out = PlanSet::new();
        for p in self.st.users[u].inherited.values() {
            if let Some(l) = p.active() {
                self.st.plans_of(l, &mut out);
            }
        }
        out
    }
}
