//! Editing the plan's remaining stages: real group ids for placeholders, what is done already,
//! the rollback ops that go with what is left, users taken out.

use std::collections::{BTreeMap, BTreeSet};

use rustc_hash::FxHashSet;

use crate::model::{AssignmentPath, GroupId, Tenant, User, UserId};
use crate::simulate::ops::Op;

use super::super::doc::{Action, Stage};

use super::actions;

/// A stage's own actions, or one wave's, with their rollback.
pub(super) struct UnitMut<'a> {
    pub(super) forward: &'a mut Vec<Action>,
    pub(super) rollback: &'a mut Vec<Action>,
}

pub(super) fn units_mut(st: &mut Stage) -> Vec<UnitMut<'_>> {
    let mut out = vec![UnitMut {
        forward: &mut st.actions,
        rollback: &mut st.rollback_actions,
    }];
    for w in &mut st.waves {
        out.push(UnitMut {
            forward: &mut w.actions,
            rollback: &mut w.rollback_actions,
        });
    }
    out
}

/// Placeholder ids replaced by the real groups' ids (the action then names a real group).
pub(super) fn map_groups(a: &mut Action, ids: &BTreeMap<GroupId, GroupId>) {
    let map = |g: &mut GroupId| {
        if let Some(real) = ids.get(g) {
            *g = *real;
            true
        } else {
            false
        }
    };
    let mapped = match &mut a.op {
        Op::AssignGroupLicense { group, .. }
        | Op::ChangeGroupLicense { group, .. }
        | Op::RemoveGroupLicense { group, .. }
        | Op::DeleteGroup { group }
        | Op::AddMember { group, .. }
        | Op::RemoveMember { group, .. } => map(group),
        Op::Reprocess {
            group: Some(group), ..
        }
        | Op::WaitForProcessing { group: Some(group) } => map(group),
        _ => false,
    };
    let shown = a.shown.group_id.as_mut().is_some_and(map);
    if mapped || shown {
        a.shown.placeholder = false;
    }
}

/// Whether the fresh export already shows what the action does.
pub(super) fn is_done(fresh: &Tenant, a: &Action, ids: &BTreeMap<GroupId, GroupId>) -> bool {
    shows(fresh, a, ids) == Some(true)
}

/// Whether the fresh export shows what the action does; `None` for an action an export cannot
/// show (a wait, a reprocessing, a check), and for one naming a user or group the fresh export
/// does not have (gone since: counted elsewhere).
pub(super) fn shows(fresh: &Tenant, a: &Action, ids: &BTreeMap<GroupId, GroupId>) -> Option<bool> {
    let user = |u: &UserId| fresh.users.get(u);
    let group_of = |g: &GroupId| fresh.groups.get(g);
    let direct = |u: &User, sku| {
        u.assignments
            .iter()
            .any(|x| x.sku == sku && x.path == AssignmentPath::Direct)
    };
    let on_user = |u: &UserId, f: &dyn Fn(&User) -> bool| user(u).map(f);
    let on_group = |g: &GroupId, f: &dyn Fn(&crate::model::Group) -> bool| group_of(g).map(f);
    match &a.op {
        // A created group found in the fresh export (its placeholder id mapped).
        Op::CreateGroup { .. } => {
            Some(a.shown.group_id.is_some_and(|g| {
                ids.values().any(|real| *real == g) && fresh.groups.contains_key(&g)
            }))
        }
        Op::AddMember { group: g, user: u } => {
            user(u)?;
            on_group(g, &|g| g.has_user(*u))
        }
        Op::RemoveMember { group: g, user: u } => {
            user(u)?;
            on_group(g, &|g| !g.has_user(*u))
        }
        Op::AssignGroupLicense { group: g, sku, .. } => {
            on_group(g, &|g| g.licenses.iter().any(|l| l.sku == *sku))
        }
        Op::ChangeGroupLicense {
            group: g,
            add,
            remove,
        } => on_group(g, &|g| {
            add.iter()
                .all(|s| g.licenses.iter().any(|l| l.sku == s.sku))
                && remove
                    .iter()
                    .all(|s| g.licenses.iter().all(|l| l.sku != *s))
        }),
        Op::RemoveDirectLicense { user: u, sku } => on_user(u, &|u| !direct(u, *sku)),
        Op::AssignDirectLicense { user: u, sku, .. } => on_user(u, &|u| direct(u, *sku)),
        Op::ChangeDirectLicense {
            user: u,
            add,
            remove,
        } => on_user(u, &|u| {
            add.iter().all(|s| direct(u, s.sku)) && remove.iter().all(|s| !direct(u, *s))
        }),
        Op::SetUsageLocation { user: u, country } => {
            on_user(u, &|u| u.usage_location.as_ref() == Some(country))
        }
        _ => None,
    }
}

/// What a rollback op undoes: the forward op's name and its user and group.
pub(super) fn undoes(a: &Action) -> Option<(&'static str, Option<UserId>, Option<GroupId>)> {
    let forward = match &a.op {
        Op::DeleteGroup { .. } => "create-group",
        Op::RemoveGroupLicense { .. } => "assign-group-license",
        Op::AssignGroupLicense { .. } => "remove-group-license",
        Op::RemoveMember { .. } => "add-member",
        Op::AddMember { .. } => "remove-member",
        Op::AssignDirectLicense { .. } => "remove-direct-license",
        Op::RemoveDirectLicense { .. } => "assign-direct-license",
        Op::ChangeGroupLicense { .. } => "change-group-license",
        Op::ChangeDirectLicense { .. } => "change-direct-license",
        Op::SetUsageLocation { .. } => "set-usage-location",
        _ => return None,
    };
    Some((forward, a.user(), a.group_id()))
}

/// Keeps the rollback ops whose forward op is still in the unit (waits and reprocessing only
/// while some write is kept): a rollback undoes what its unit does, not what ran before.
pub(super) fn keep_matching_rollback(forward: &[Action], rollback: &mut Vec<Action>) {
    let keys: FxHashSet<(&'static str, Option<UserId>, Option<GroupId>)> = forward
        .iter()
        .map(|a| (a.op_name(), a.user(), a.group_id()))
        .collect();
    rollback.retain(|a| match undoes(a) {
        Some(k) => keys.contains(&k),
        None => true,
    });
    if !rollback.iter().any(|a| undoes(a).is_some()) {
        rollback.clear();
    }
}

/// Every user the stages' forward actions name.
pub(super) fn forward_users(stages: &[Stage]) -> BTreeSet<UserId> {
    actions(stages).filter_map(Action::user).collect()
}

/// Removes every action (forward and rollback) naming these users; waves left empty go.
pub(super) fn drop_users(stages: &mut [Stage], out: &BTreeSet<UserId>) {
    if out.is_empty() {
        return;
    }
    let keep = |a: &Action| a.user().is_none_or(|u| !out.contains(&u));
    for st in stages.iter_mut() {
        for unit in units_mut(st) {
            unit.forward.retain(keep);
            unit.rollback.retain(keep);
            keep_matching_rollback(unit.forward, unit.rollback);
        }
        st.waves.retain(|w| !w.actions.is_empty());
        for w in &mut st.waves {
            w.users = w
                .actions
                .iter()
                .filter_map(Action::user)
                .collect::<BTreeSet<_>>()
                .len() as u64;
        }
    }
}
