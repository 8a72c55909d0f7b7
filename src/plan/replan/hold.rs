//! Who the re-plan holds back: users past the seats, users new since the plan, users the replay
//! finds failing; and the held back taken out of carrying groups before their product changes.

use std::collections::{BTreeMap, BTreeSet};

use crate::model::{AssignmentPath, GroupId, Tenant, User, UserId};
use crate::simulate::ops::Op;
use crate::simulate::report::{ErrorRecord, Violation};

use super::super::doc::{Action, HeldBack, HoldReason, Stage};
use super::super::intent::{Intent, Scope};
use super::super::select::Hold;

use super::actions;
use super::edit::{forward_users, units_mut};

/// The users a remaining product change cannot seat on the fresh export, in UPN order past the
/// seats available (R5: CountViolation would fail them, and which ones is not guaranteed).
/// Every member a group's change reaches takes a seat, moving or not; only movers wait.
pub(super) fn seat_shortfall(fresh: &Tenant, stages: &[Stage]) -> BTreeMap<UserId, Hold> {
    let moving = forward_users(stages);
    // Per product: the users who take a seat of it, in the order the plan's actions run.
    let mut need: BTreeMap<crate::model::SkuId, BTreeSet<UserId>> = BTreeMap::new();
    let lacks = |u: UserId, sku| {
        fresh
            .users
            .get(&u)
            .is_some_and(|x| !x.assignments.iter().any(|a| a.sku == sku && !a.is_error()))
    };
    for a in actions(stages) {
        let (skus, users): (Vec<_>, Vec<UserId>) = match &a.op {
            Op::ChangeGroupLicense { group, add, .. } => (
                add.iter().map(|l| l.sku).collect(),
                fresh
                    .groups
                    .get(group)
                    .map(|g| g.user_members().collect())
                    .unwrap_or_default(),
            ),
            Op::ChangeDirectLicense { user, add, .. } => {
                (add.iter().map(|l| l.sku).collect(), vec![*user])
            }
            _ => continue,
        };
        for sku in skus {
            need.entry(sku)
                .or_default()
                .extend(users.iter().copied().filter(|u| lacks(*u, sku)));
        }
    }
    let mut out = BTreeMap::new();
    for (sku, users) in need {
        let Some(seats) = fresh.skus.get(&sku).and_then(|s| s.seats) else {
            continue;
        };
        let available = (i64::from(seats.enabled) - i64::from(seats.consumed)).max(0) as usize;
        if users.len() <= available {
            continue;
        }
        let short = users.len() - available;
        let label = fresh
            .skus
            .get(&sku)
            .map_or_else(|| sku.to_string(), |s| s.label());
        // Members the plan does not move take their seats whatever it does: movers wait, the
        // last in UPN order first.
        let mut movers: Vec<UserId> = users
            .iter()
            .copied()
            .filter(|u| moving.contains(u))
            .collect();
        movers.sort_by(|a, b| {
            let upn = |u: &UserId| fresh.users.get(u).and_then(|x| x.upn.clone());
            (upn(a), *a).cmp(&(upn(b), *b))
        });
        for u in movers.iter().rev().take(short) {
            out.insert(
                *u,
                Hold::new(
                    HoldReason::CountViolation,
                    format!(
                        "{label}: {available} seat(s) available on the fresh export for {} user(s); {short} more needed",
                        users.len()
                    ),
                ),
            );
        }
    }
    out
}

/// Held-back users who are members of a group whose license a remaining stage changes leave
/// it right before the change (and come back in its rollback): held back, they keep their
/// direct licenses and no group change reaches them.
pub(super) fn detach_held(fresh: &Tenant, held: &BTreeMap<UserId, HeldBack>, stages: &mut [Stage]) {
    // Each (group, user) once: those an earlier round added stay as they are.
    let mut done: BTreeSet<(GroupId, UserId)> = actions(stages)
        .filter_map(|a| match a.op {
            Op::RemoveMember { group, user } => Some((group, user)),
            _ => None,
        })
        .collect();
    for st in stages.iter_mut() {
        for unit in units_mut(st) {
            let mut i = 0;
            while i < unit.forward.len() {
                let g = match &unit.forward[i].op {
                    Op::ChangeGroupLicense { group, .. }
                    | Op::AssignGroupLicense { group, .. }
                    | Op::RemoveGroupLicense { group, .. } => *group,
                    _ => {
                        i += 1;
                        continue;
                    }
                };
                let Some(group) = fresh.groups.get(&g) else {
                    i += 1;
                    continue;
                };
                let leaving: Vec<&HeldBack> = held
                    .values()
                    .filter(|h| group.has_user(h.user_id) && done.insert((g, h.user_id)))
                    .collect();
                for h in leaving {
                    let shown = super::super::doc::Shown {
                        user_upn: h.upn.as_deref().map(Into::into),
                        group_name: group.display_name.as_deref().map(Into::into),
                        ..Default::default()
                    };
                    let mut leave = Action::new(Op::RemoveMember {
                        group: g,
                        user: h.user_id,
                    });
                    leave.shown = shown.clone();
                    unit.forward.insert(i, leave);
                    i += 1;
                    let mut back = Action::new(Op::AddMember {
                        group: g,
                        user: h.user_id,
                    });
                    back.shown = shown;
                    unit.rollback.push(back);
                }
                i += 1;
            }
        }
    }
}

/// Users in a move's scope, holding its product directly (or on an unknown path), that the
/// original export did not have.
pub(super) fn new_in_scope<'t>(
    original: &Tenant,
    fresh: &'t Tenant,
    intent: &Intent,
) -> Vec<&'t User> {
    fresh
        .users
        .values()
        .filter(|u| !original.users.contains_key(&u.id))
        .filter(|u| {
            intent.moves.iter().any(|m| {
                let direct = u.assignments.iter().any(|a| {
                    a.sku == m.from
                        && matches!(a.path, AssignmentPath::Direct | AssignmentPath::Unknown)
                });
                direct
                    && match &m.scope {
                        Scope::DirectHolders => true,
                        Scope::Group(g) => fresh.groups.get(g).is_some_and(|g| g.has_user(u.id)),
                        Scope::Users(list) => list.contains(&u.id),
                    }
            })
        })
        .collect()
}

/// Moving users the replay found failing, with the reason to hold them back: an error on the
/// user, a group-level refusal for every user of the group's actions, or a loss (drift since
/// the plan: the plan's own stages never lose anything on the export they were made from).
pub(super) fn failing(
    stages: &[Stage],
    moving: &BTreeSet<UserId>,
    errors: &[ErrorRecord],
    violations: &[Violation],
) -> BTreeMap<UserId, Hold> {
    let mut out: BTreeMap<UserId, Hold> = BTreeMap::new();
    for e in errors {
        let reason = HoldReason::from(e.error);
        match (e.user_id, e.group_id) {
            (Some(u), g) if moving.contains(&u) => {
                out.entry(u).or_insert_with(|| {
                    let h = Hold::new(reason, e.detail.clone());
                    match g {
                        Some(g) => h.group(g, e.group.clone().unwrap_or_else(|| g.to_string())),
                        None => h,
                    }
                });
            }
            (None, Some(g)) => {
                let label = e.group.clone().unwrap_or_else(|| g.to_string());
                for u in users_of_group(stages, g) {
                    out.entry(u).or_insert_with(|| {
                        Hold::new(reason, format!("{label}: {}", e.detail)).group(g, label.clone())
                    });
                }
            }
            _ => {}
        }
    }
    for v in violations {
        if let Some(u) = v.user_id.filter(|u| moving.contains(u)) {
            out.entry(u).or_insert_with(|| {
                Hold::new(
                    HoldReason::ChangedSincePlanning,
                    format!("would lose {} ({})", v.lost, v.cause),
                )
            });
        }
    }
    out
}

/// The users the remaining stages reach: those their actions name, and the members of the
/// groups whose licenses they change (a change reaches every member, R8).
pub(super) fn reached_users(fresh: &Tenant, stages: &[Stage]) -> BTreeSet<UserId> {
    let mut out = forward_users(stages);
    for a in actions(stages) {
        if let Op::ChangeGroupLicense { group, .. }
        | Op::AssignGroupLicense { group, .. }
        | Op::RemoveGroupLicense { group, .. } = &a.op
        {
            if let Some(g) = fresh.groups.get(group) {
                out.extend(g.user_members());
            }
        }
    }
    out
}

/// The users whose actions name the group.
pub(super) fn users_of_group(stages: &[Stage], g: GroupId) -> BTreeSet<UserId> {
    actions(stages)
        .filter(|a| a.group_id() == Some(g))
        .filter_map(Action::user)
        .collect()
}
