//! One function per op: what it does to the state, checked as the service checks it.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Display;

use crate::model::{AssignmentError, CountryCode, GroupKind, SkuId};
use crate::simulate::ops::{LicenseSpec, Op, Resolved};
use crate::simulate::planset::PlanSet;
use crate::simulate::report::Refusal;
use crate::simulate::state::{Event, GroupSt, Lic};

use super::planned_group_id;
use super::run::{Outcome, Sim};

/// The rule named when a group's new licenses are still on their way.
const GROUP_ASYNC: &str = "R8: group processing is asynchronous";

/// Resolved licenses as the state holds them.
fn licenses(specs: Vec<LicenseSpec<Resolved>>) -> Lic {
    let mut out = Lic::new();
    for s in specs {
        out.insert(s.sku, s.disabled_plans.into_iter().collect());
    }
    out
}

impl Sim<'_> {
    // ----- ops -----

    /// Applies one resolved op; `shown` is the op as written, for the report.
    pub(super) fn apply(&mut self, op: Op<Resolved>, shown: &dyn Display) -> Outcome {
        if let Some(g) = named_group(&op).filter(|g| self.st.groups[*g].deleted) {
            let detail = format!("{} was deleted at an earlier step", self.st.groups[g].label);
            return self.refusal(None, Some(g), Refusal::GroupDeleted, detail);
        }
        match op {
            Op::CreateGroup {
                group,
                security_enabled,
                ..
            } => self.create_group(&group, security_enabled),
            Op::AssignGroupLicense {
                group,
                sku,
                disabled_plans,
            } => {
                let mut lic = self.st.groups[group].licenses.clone();
                lic.insert(sku, disabled_plans.into_iter().collect());
                self.group_config(group, lic, shown, true, GROUP_ASYNC)
            }
            Op::ChangeGroupLicense { group, add, remove } => {
                let rule = "R11: the products the change removes leave the group's members";
                self.change_group(group, licenses(add), &remove, shown, rule)
            }
            // One removal and no addition: the same update as a change.
            Op::RemoveGroupLicense { group, sku } => {
                let rule = "R10: a license removed from a group leaves its members";
                self.change_group(group, Lic::new(), &[sku], shown, rule)
            }
            Op::DeleteGroup { group } => self.delete_group(group, shown),
            Op::AddMember { group, user } => self.membership(group, user, true, shown),
            Op::RemoveMember { group, user } => self.membership(group, user, false, shown),
            Op::AssignDirectLicense {
                user,
                sku,
                disabled_plans,
            } => {
                let mut add = Lic::new();
                add.insert(sku, disabled_plans.into_iter().collect());
                self.direct_change(user, add, Vec::new(), shown)
            }
            Op::ChangeDirectLicense { user, add, remove } => {
                self.direct_change(user, licenses(add), remove, shown)
            }
            Op::RemoveDirectLicense { user, sku } => {
                self.direct_change(user, Lic::new(), vec![sku], shown)
            }
            Op::SetUsageLocation { user, country } => self.set_usage_location(user, country),
            Op::Reprocess { group, user } => self.reprocess(group, user),
            Op::WaitForProcessing { group } => {
                let (effect, affected) = self.process(group);
                Outcome {
                    effect,
                    affected,
                    rule: "group processing (R4, R5, R10)".into(),
                }
            }
        }
    }

    /// R10: "You must remove all licenses assigned to a group before you can delete the
    /// group" (entra-group-licensing-problems-and-migration.txt and m365-group-licensing-errors.txt,
    /// 'When a licensed group is deleted'). Once deleted, every member leaves it: what the group
    /// still gives them goes when processing runs, as for a license removal (R8); licenses a
    /// removal left in error (a dependency, R5) stay on the user in error.
    fn delete_group(&mut self, g: usize, op: &dyn Display) -> Outcome {
        if !self.st.groups[g].licenses.is_empty() {
            let grp = &self.st.groups[g];
            let what: Vec<String> = grp.licenses.keys().map(|s| self.st.sku_label(*s)).collect();
            let detail = format!(
                "{} carries {}: you must remove all licenses assigned to a group before you can delete the group (R10)",
                grp.label,
                what.join(", ")
            );
            return self.refusal(None, Some(g), Refusal::GroupHasLicenses, detail);
        }
        let members: Vec<usize> = self.st.groups[g].members.iter().copied().collect();
        for &u in &members {
            self.st.push_event(g, Event::Member(u, false));
            self.st.users[u].groups.remove(&g);
        }
        // A group without members and licenses may still be pending: processing takes away
        // what it gave before.
        let grp = &mut self.st.groups[g];
        grp.members.clear();
        grp.deleted = true;
        grp.last_change = Some(op.to_string());
        let affected: Vec<usize> = grp.processed_members.iter().copied().collect();
        Outcome {
            effect: format!(
                "{}: deleted; {} member(s) leave it, processing pending",
                grp.label,
                members.len()
            ),
            affected,
            rule: "R10: the members of a deleted group lose what it gave".into(),
        }
    }

    fn set_usage_location(&mut self, u: usize, c: Option<CountryCode>) -> Outcome {
        let label = c.as_ref().map_or("none".to_owned(), |c| c.to_string());
        self.st.users[u].location = c;
        Outcome {
            effect: format!("{}: usage location {label}", self.st.user_label(u)),
            affected: Vec::new(),
            rule: std::borrow::Cow::Borrowed(""),
        }
    }

    /// A reprocess of a group (every member) or of a user (in each of the user's groups).
    fn reprocess(&mut self, group: Option<usize>, user: Option<usize>) -> Outcome {
        if let Some(g) = group {
            self.st.push_event(g, Event::ReprocessAll);
            Outcome {
                effect: format!(
                    "{}: every member will be reprocessed",
                    self.st.groups[g].label
                ),
                affected: Vec::new(),
                rule: std::borrow::Cow::Borrowed(""),
            }
        } else if let Some(u) = user {
            let gs: BTreeSet<usize> = self.st.users[u]
                .groups
                .iter()
                .chain(self.st.users[u].inherited.keys())
                .copied()
                .collect();
            for g in &gs {
                self.st.push_event(*g, Event::ReprocessUser(u));
            }
            Outcome {
                effect: format!(
                    "{} will be reprocessed in {} group(s)",
                    self.st.user_label(u),
                    gs.len()
                ),
                affected: Vec::new(),
                rule: std::borrow::Cow::Borrowed(""),
            }
        } else {
            Outcome::refused("nothing to reprocess".into())
        }
    }

    /// Removes and adds products on a group in one update (R11); removing a product the group
    /// does not carry refuses the whole update.
    fn change_group(
        &mut self,
        g: usize,
        added: Lic,
        removed: &[SkuId],
        op: &dyn Display,
        rule: &'static str,
    ) -> Outcome {
        let mut lic = self.st.groups[g].licenses.clone();
        for sku in removed {
            if lic.remove(sku).is_none() {
                let detail = format!(
                    "{} does not carry {}",
                    self.st.groups[g].label,
                    self.st.sku_label(*sku)
                );
                return self.refusal(None, Some(g), Refusal::LicenseNotAssigned, detail);
            }
        }
        let adds = !added.is_empty();
        lic.extend(added);
        self.group_config(g, lic, op, adds, rule)
    }

    fn create_group(&mut self, name: &str, security_enabled: bool) -> Outcome {
        let key = name.trim().to_lowercase();
        // A deleted group's name is free again (an undo that deletes a group, then a redo that
        // creates it anew); until then, ops naming it find the deleted group and are refused.
        let taken = match self.st.group_by_name.get(&key) {
            Some(Some(i)) => !self.st.groups[*i].deleted,
            Some(None) => true,
            None => false,
        };
        if taken {
            return self.refusal(
                None,
                None,
                Refusal::GroupNameInUse,
                format!("a group named {name:?} exists"),
            );
        }
        let id = planned_group_id(name);
        let i = self.st.groups.len();
        self.st.groups.push(GroupSt {
            id,
            label: name.trim().to_owned(),
            security_enabled: Some(security_enabled),
            kind: GroupKind::Static,
            licenses: Lic::new(),
            members: BTreeSet::new(),
            processed_licenses: Lic::new(),
            processed_members: BTreeSet::new(),
            events: Vec::new(),
            member_events: Default::default(),
            config_events: Vec::new(),
            last_change: None,
            deleted: false,
        });
        self.st.group_by_id.insert(id, i);
        self.st.group_by_name.insert(key, Some(i));
        Outcome::refused(format!("created {name} ({id})"))
    }

    /// A group's licenses change (assign, change, remove): checked at once, applied in the
    /// background.
    fn group_config(
        &mut self,
        g: usize,
        lic: Lic,
        op: &dyn Display,
        adds: bool,
        rule: &'static str,
    ) -> Outcome {
        if adds {
            if let Err((code, detail)) = self.carries_licenses(g) {
                return self.refusal(None, Some(g), code, detail);
            }
        }
        if let Err(r) = self.group_prerequisites(&lic) {
            self.error(None, Some(g), &r, false);
            return Outcome::refused(format!("refused: DependencyViolation: {}", r.2));
        }
        self.st.push_event(g, Event::Config(lic.clone()));
        let grp = &mut self.st.groups[g];
        grp.licenses = lic;
        grp.last_change = Some(op.to_string());
        let affected: Vec<usize> = grp.members.union(&grp.processed_members).copied().collect();
        Outcome {
            effect: format!(
                "{}: licenses updated; processing pending for {} member(s)",
                grp.label,
                grp.members.len()
            ),
            affected,
            rule: rule.into(),
        }
    }

    fn membership(&mut self, g: usize, u: usize, join: bool, op: &dyn Display) -> Outcome {
        if let Err((code, detail)) = self.editable_membership(g) {
            return self.refusal(Some(u), Some(g), code, detail);
        }
        let members = &mut self.st.groups[g].members;
        let changed = if join {
            members.insert(u)
        } else {
            members.remove(&u)
        };
        if !changed {
            return Outcome::refused(format!(
                "{} is {} a member of {}: nothing to do",
                self.st.user_label(u),
                if join { "already" } else { "not" },
                self.st.groups[g].label
            ));
        }
        self.st.push_event(g, Event::Member(u, join));
        self.st.groups[g].last_change = Some(op.to_string());
        if join {
            self.st.users[u].groups.insert(g);
        } else {
            self.st.users[u].groups.remove(&g);
        }
        Outcome {
            effect: self.effect(|| {
                format!(
                    "{} {} {}; processing pending",
                    self.st.user_label(u),
                    if join { "joins" } else { "leaves" },
                    self.st.groups[g].label
                )
            }),
            affected: vec![u],
            rule: if join {
                "R8: group processing is asynchronous".into()
            } else {
                "R10: leaving a group removes its licenses".into()
            },
        }
    }

    /// Direct changes (assign, change, remove): one atomic call, applied or refused at once.
    fn direct_change(
        &mut self,
        u: usize,
        add: Lic,
        remove: Vec<SkuId>,
        op: &dyn Display,
    ) -> Outcome {
        let user = &self.st.users[u];
        let mut new_direct = user.direct.clone();
        for sku in &remove {
            if new_direct.remove(sku).is_none() {
                let inherited = user
                    .inherited
                    .values()
                    .any(|p| p.seated().any(|s| s == *sku));
                let (code, detail) = if inherited {
                    (Refusal::InheritedLicenseCannotBeRemoved, format!("User license is inherited from a group membership and it cannot be removed directly from the user ({})", self.st.sku_label(*sku)))
                } else {
                    (
                        Refusal::LicenseNotAssigned,
                        format!(
                            "{} does not hold {} directly",
                            self.st.user_label(u),
                            self.st.sku_label(*sku)
                        ),
                    )
                };
                return self.refusal(Some(u), None, code, detail);
            }
        }
        // The direct licenses the change keeps (`rest`: neither removed nor replaced) and the
        // inherited plans, each computed once: the checks below all start from them.
        let inherited = self.inherited_plans(u);
        let mut kept = PlanSet::new();
        for (sku, disabled) in new_direct.iter().filter(|(s, _)| !add.contains_key(s)) {
            self.st.plans_of_one(*sku, disabled, &mut kept);
        }
        kept.union_with(&inherited);
        new_direct.extend(add.clone());
        if !add.is_empty() {
            if let Err(r) = self.check_arrival(u, &add, &kept, false) {
                self.error(Some(u), None, &r, false);
                return Outcome::refused(format!("refused: {}: {}", r.0.as_str(), r.2));
            }
        }
        let mut after = self.plans(&new_direct);
        after.union_with(&inherited);
        // A product change: the products it adds do not satisfy an add-on the removed product
        // was the prerequisite of (R11's precondition, "no other assigned service licenses that
        // can … prevent removal of the current license", licensing-groups-change-licenses).
        let change_breaks = if add.is_empty() || remove.is_empty() {
            None
        } else {
            let mut before = self.plans(&self.st.users[u].direct);
            before.union_with(&inherited);
            self.broken_dependency(&kept)
                .filter(|_| self.broken_dependency(&before).is_none())
                .map(|why| format!("{why}; the products the change adds do not count: the add-on blocks removing its prerequisite's product (R11)"))
        };
        if let Some(why) = change_breaks.or_else(|| self.broken_dependency(&after)) {
            let r = (
                AssignmentError::DependencyViolation,
                remove.first().or(add.keys().next()).copied(),
                why,
            );
            self.error(Some(u), None, &r, false);
            return Outcome::refused(format!("refused: DependencyViolation: {}", r.2));
        }
        for sku in add.keys() {
            if let Err(r) = self.seat_for(u, *sku) {
                self.error(Some(u), None, &r, false);
                self.seats_short(*sku, 1, format!("{op} (R5 CountViolation)"));
                return Outcome::refused(format!("refused: CountViolation: {}", r.2));
            }
        }
        let touched: Vec<SkuId> = add.keys().copied().chain(remove.iter().copied()).collect();
        let before = self.holding(u, touched.iter().copied());
        self.st.users[u].direct = new_direct;
        // A direct change is evaluated at once: what it touches is no longer in ActiveWithError.
        if let Some(awe) = self.st.users[u].awe.as_mut() {
            for sku in touched.iter() {
                awe.direct.remove(sku);
            }
        }
        self.reseat(u, &before);
        Outcome {
            effect: self.effect(|| {
                let what: Vec<String> = add
                    .keys()
                    .map(|s| format!("+{}", self.st.sku_label(*s)))
                    .chain(remove.iter().map(|s| format!("-{}", self.st.sku_label(*s))))
                    .collect();
                format!("{}: direct {}", self.st.user_label(u), what.join(" "))
            }),
            affected: vec![u],
            rule: if remove.is_empty() {
                "R3".into()
            } else {
                "R1: the direct path was removed".into()
            },
        }
    }

    /// Updates seat counts after a user's paths changed for these products.
    pub(super) fn reseat(&mut self, u: usize, before: &BTreeMap<SkuId, bool>) {
        for (sku, was) in before {
            let now = self.st.holds(u, *sku);
            if let Some(s) = self.st.skus.get_mut(sku) {
                match (was, now) {
                    (false, true) => s.consumed += 1,
                    (true, false) => s.consumed -= 1,
                    _ => {}
                }
            }
        }
    }

    /// Updates seat counts from the products a user held before a change and after it (both
    /// sorted, as [`State::seated`] gives them).
    pub(super) fn reseat_sorted(&mut self, before: &[SkuId], after: &[SkuId]) {
        let (mut i, mut j) = (0, 0);
        while i < before.len() || j < after.len() {
            let (sku, delta) = match (before.get(i), after.get(j)) {
                (Some(b), Some(a)) if b == a => {
                    i += 1;
                    j += 1;
                    continue;
                }
                (Some(b), Some(a)) if b < a => {
                    i += 1;
                    (*b, -1)
                }
                (Some(b), None) => {
                    i += 1;
                    (*b, -1)
                }
                (_, Some(a)) => {
                    j += 1;
                    (*a, 1)
                }
                (None, None) => break,
            };
            if let Some(s) = self.st.skus.get_mut(&sku) {
                s.consumed += delta;
            }
        }
    }

    pub(super) fn holding(
        &self,
        u: usize,
        skus: impl IntoIterator<Item = SkuId>,
    ) -> BTreeMap<SkuId, bool> {
        skus.into_iter().map(|s| (s, self.st.holds(u, s))).collect()
    }
}

/// The group an op names, if any.
fn named_group(op: &Op<Resolved>) -> Option<usize> {
    match op {
        Op::AssignGroupLicense { group, .. }
        | Op::ChangeGroupLicense { group, .. }
        | Op::RemoveGroupLicense { group, .. }
        | Op::DeleteGroup { group }
        | Op::AddMember { group, .. }
        | Op::RemoveMember { group, .. } => Some(*group),
        Op::Reprocess { group, .. } | Op::WaitForProcessing { group } => *group,
        _ => None,
    }
}
