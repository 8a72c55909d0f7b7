//! The plan's moves as it reports them: per move, the users that belong to it (moving, held back,
//! skipped: a user in the scopes of several moves belongs to the first), the warnings of
//! overlapping scopes, and each carrying group with its licenses before and after the plan.

use std::collections::BTreeMap;

use crate::model::{SkuId, Tenant, UserId};

use super::carrying::Carrying;
use super::doc::{self, CarryingGroup, HeldBack, MoveSummary, Skipped};
use super::intent::Intent;
use super::names::Names;
use super::select::{Mover, Scopes};

/// Each move as the plan reports it.
pub(super) fn moves(
    t: &Tenant,
    intent: &Intent,
    names: &Names<'_>,
    carrying: &[Carrying],
    scopes: &Scopes,
    counts: &MoveCounts,
    movers: &[Mover],
) -> Vec<MoveSummary> {
    intent
        .moves
        .iter()
        .enumerate()
        .map(|(mi, mv)| {
            let groups: Vec<CarryingGroup> = carrying
                .iter()
                .filter(|c| c.mv == mi)
                .map(|c| carrying_group(t, names, c, movers))
                .collect();
            let mut warnings = overlap_warnings(scopes, mi, false);
            warnings.extend(group_warnings(&groups));
            MoveSummary {
                from: names.sku(mv.from),
                to: names.sku(mv.to),
                strategy: (mv.from != mv.to).then_some(mv.strategy),
                scope: mv.scope_text.clone(),
                groups,
                users: counts.moving[mi],
                users_in_scope: scopes.in_scope_of(mi),
                held_back: counts.held[mi],
                skipped: counts.skipped[mi],
                users_of_earlier_moves: scopes.overlaps[mi].values().sum(),
                warnings,
            }
        })
        .collect()
}

/// Per move: users moving, held back and skipped, each user counted for the move it belongs to.
pub(super) struct MoveCounts {
    moving: Vec<u64>,
    held: Vec<u64>,
    skipped: Vec<u64>,
}

impl MoveCounts {
    pub(super) fn new(
        intent: &Intent,
        scopes: &Scopes,
        movers: &[Mover],
        held: &BTreeMap<UserId, HeldBack>,
        skipped: &[Skipped],
    ) -> Self {
        let n = intent.moves.len();
        let mut c = MoveCounts {
            moving: vec![0; n],
            held: vec![0; n],
            skipped: vec![0; n],
        };
        for m in movers {
            c.moving[m.mv] += 1;
        }
        for u in held.keys() {
            if let Some(mi) = scopes.owner.get(u) {
                c.held[*mi] += 1;
            }
        }
        for k in skipped {
            if let Some(mi) = scopes.owner.get(&k.user_id) {
                c.skipped[*mi] += 1;
            }
        }
        c
    }
}

/// The warnings of move `mi`'s scope overlapping earlier moves' scopes: for the plan (naming the
/// move) or for the move itself.
pub(super) fn overlap_warnings(scopes: &Scopes, mi: usize, for_plan: bool) -> Vec<String> {
    scopes.overlaps[mi]
        .iter()
        .map(|(k, n)| {
            let users = if *n == 1 {
                "1 user".to_owned()
            } else {
                format!("{n} users")
            };
            let whose = if for_plan {
                format!("move {}'s scope", mi + 1)
            } else {
                "this move's scope".to_owned()
            };
            format!(
                "{users} in {whose} {} also in move {}'s: scopes are disjoint, so {} to move {} (the first whose scope holds them) and move {} leaves them alone; narrow the scopes, or plan move {} again after this plan",
                if *n == 1 { "is" } else { "are" },
                k + 1,
                if *n == 1 { "the user belongs" } else { "they belong" },
                k + 1,
                mi + 1,
                mi + 1,
            )
        })
        .collect()
}

/// A carrying group as the plan shows it: its licenses before and after, the members they
/// reach at the change and the seats others take.
fn carrying_group(t: &Tenant, names: &Names<'_>, c: &Carrying, movers: &[Mover]) -> CarryingGroup {
    use crate::model::GroupKind;
    let existing = (!c.created).then(|| t.groups.get(&c.id)).flatten();
    let text = |sku: SkuId, d: &crate::model::PlanIds| {
        let enabled: crate::model::PlanIds = names
            .plans_of(sku)
            .iter()
            .map(|p| p.id)
            .filter(|p| !d.contains(p))
            .collect();
        doc::GroupLicenseText {
            sku: names.sku(sku),
            disabled_plans: names.plan_list(sku, d),
            only_plans: (enabled.len() < d.len()).then(|| names.plan_list(sku, &enabled)),
        }
    };
    let before_lic: Vec<(SkuId, crate::model::PlanIds)> = existing
        .map(|g| {
            g.licenses
                .iter()
                .map(|l| (l.sku, l.disabled_plans.clone()))
                .collect()
        })
        .unwrap_or_default();
    let mut after_lic = before_lic.clone();
    if c.assigns {
        // An add-on group's prerequisites and further add-ons are assigned with it (R7).
        let own = (c.sku, c.disabled.clone());
        let assigned = c
            .prerequisites
            .iter()
            .chain(std::iter::once(&own))
            .chain(c.addons.iter());
        for (sku, disabled) in assigned {
            after_lic.retain(|(s, _)| s != sku);
            after_lic.push((*sku, disabled.clone()));
        }
    }
    // The product that arrives at the group's last change.
    let mut arriving = c.assigns.then_some(c.sku);
    if let Some((to, d)) = &c.change_to {
        after_lic.retain(|(s, _)| *s != c.sku && s != to);
        after_lic.push((*to, d.clone()));
        arriving = Some(*to);
    }
    after_lic.sort_by_key(|a| a.0);
    let licenses_before: Vec<doc::GroupLicenseText> =
        before_lic.iter().map(|(s, d)| text(*s, d)).collect();
    let licenses_after: Vec<doc::GroupLicenseText> =
        after_lic.iter().map(|(s, d)| text(*s, d)).collect();
    let changes = licenses_before != licenses_after;
    let existing_members: Vec<UserId> = existing
        .map(|g| g.user_members().collect())
        .unwrap_or_default();
    let members_at_change = match (changes, c.change_to.is_some()) {
        (false, _) => 0,
        // A product change reaches every member, those the plan added included.
        (true, true) => (existing_members.len() + c.add.len()) as u64,
        (true, false) => existing_members.len() as u64,
    };
    let moved: rustc_hash::FxHashSet<UserId> = c.movers.iter().map(|i| movers[*i].user).collect();
    let new_seats_for_others = match (changes, arriving) {
        (true, Some(sku)) => existing_members
            .iter()
            .filter(|u| !moved.contains(u))
            .filter(|u| {
                t.users
                    .get(u)
                    .is_some_and(|u| !u.assignments.iter().any(|a| a.sku == sku && !a.is_error()))
            })
            .count() as u64,
        _ => 0,
    };
    let kind = existing.map_or(GroupKind::Static, |g| g.kind());
    let membership = match kind {
        GroupKind::Dynamic => "dynamic",
        GroupKind::Synced => "synced",
        _ => "static",
    };
    let future_members = match (changes, kind, arriving) {
        (true, GroupKind::Dynamic, Some(sku)) => Some(format!(
            "every user the group's membership rule matches later also takes a seat of {}",
            names.sku(sku)
        )),
        (true, GroupKind::Synced, Some(sku)) => Some(format!(
            "every member added to the group on-premises later also takes a seat of {}",
            names.sku(sku)
        )),
        _ => None,
    };
    CarryingGroup {
        group_id: c.id.to_string(),
        group_name: c.name.clone(),
        created: c.created,
        placeholder: c.created,
        unique_name: c.new_names.as_ref().map(|n| n.unique_name.clone()),
        sku: names.sku(c.sku),
        disabled_plans: names.plan_list(c.sku, &c.disabled),
        members_added: c.add.len() as u64,
        membership,
        licenses_before,
        licenses_after,
        members_at_change,
        new_seats_for_others,
        future_members,
        mail_nickname: c.new_names.as_ref().map(|n| n.mail_nickname.clone()),
        description: c.new_names.as_ref().map(|n| n.description.clone()),
        also_carries: super::addon::also_carried(names, c),
    }
}

/// Warnings of a move's carrying groups: an existing group whose licenses change for members
/// the plan does not move, or for members its rule or sync brings later.
fn group_warnings(groups: &[CarryingGroup]) -> Vec<String> {
    groups
        .iter()
        .filter(|g| !g.created && g.licenses_change())
        .filter(|g| g.new_seats_for_others > 0 || g.future_members.is_some())
        .map(|g| {
            let lic = |l: &[doc::GroupLicenseText]| {
                if l.is_empty() {
                    "none".to_owned()
                } else {
                    l.iter().map(|x| x.sku.as_str()).collect::<Vec<_>>().join(", ")
                }
            };
            let mut w = format!(
                "{} is an existing {} group whose licenses the plan changes ({} → {}): they reach all {} of its members at the change, and {} member(s) the plan does not move take a new seat",
                g.group_name,
                g.membership,
                lic(&g.licenses_before),
                lic(&g.licenses_after),
                g.members_at_change,
                g.new_seats_for_others
            );
            if let Some(f) = &g.future_members {
                w.push_str("; ");
                w.push_str(f);
            }
            w
        })
        .collect()
}

/// Every move's group warnings, each group once, for the plan.
pub(super) fn moves_groups_warnings(moves: &[MoveSummary]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (mi, m) in moves.iter().enumerate() {
        for w in group_warnings(&m.groups) {
            let w = format!("move {}: {w}", mi + 1);
            if !out.contains(&w) {
                out.push(w);
            }
        }
    }
    out
}
