//! The stages before the re-plan's first one, checked on the fresh export: the remaining stages
//! rely on them having run. An action of theirs the fresh export does not show (a member not
//! added, a direct license not removed, a group's product not changed) holds back the users it
//! leaves behind, with the stage named, rather than letting the replay fail them for a reason
//! that hides the cause (a conflict, a loss).

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::model::{GroupId, Tenant, UserId};
use crate::simulate::ops::Op;

use super::super::doc::{Action, HoldReason, Stage};
use super::super::select::Hold;
use super::edit::{map_groups, shows};
use super::hold::reached_users;

/// An earlier stage the fresh export shows not fully run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NotRun {
    pub stage: u32,
    /// Its actions the fresh export does not show done.
    pub actions_not_done: u64,
    /// The users held back for them (`earlier-stage-not-done`).
    pub users_held_back: u64,
}

/// The earlier stages (before `from`) not fully run on `fresh`, and the users of the remaining
/// `stages` their undone actions leave behind: the user an action names, or, for a group's
/// action, every user the remaining stages reach who is in that group (on the fresh export or by
/// the plan's own add-member).
pub(super) fn not_run(
    base: &[Stage],
    remaining: &[Stage],
    fresh: &Tenant,
    ids: &BTreeMap<GroupId, GroupId>,
    from: u32,
) -> (Vec<NotRun>, BTreeMap<UserId, Hold>) {
    let moving = reached_users(fresh, remaining);
    // The plan's add-members per group (real ids): who a group's undone action reaches.
    let mut added: BTreeMap<GroupId, BTreeSet<UserId>> = BTreeMap::new();
    for a in base.iter().flat_map(stage_actions) {
        if let Op::AddMember { group, user } = &a.op {
            added
                .entry(ids.get(group).copied().unwrap_or(*group))
                .or_default()
                .insert(*user);
        }
    }
    let mut out = Vec::new();
    let mut held: BTreeMap<UserId, Hold> = BTreeMap::new();
    for st in base.iter().filter(|s| s.number < from) {
        let mut not_done = 0u64;
        let mut users = BTreeSet::new();
        for a in stage_actions(st) {
            let mut a = a.clone();
            map_groups(&mut a, ids);
            if shows(fresh, &a, ids) != Some(false) {
                continue;
            }
            not_done += 1;
            let what = describe(&a, st.number);
            let reached: Vec<UserId> = match (a.user(), a.group_id()) {
                (Some(u), _) => vec![u],
                (None, Some(g)) => {
                    let members: Vec<UserId> = fresh
                        .groups
                        .get(&g)
                        .map(|x| x.user_members().collect())
                        .unwrap_or_default();
                    members
                        .into_iter()
                        .chain(added.get(&g).into_iter().flatten().copied())
                        .collect()
                }
                (None, None) => Vec::new(),
            };
            for u in reached.into_iter().filter(|u| moving.contains(u)) {
                users.insert(u);
                held.entry(u).or_insert_with(|| {
                    Hold::new(
                        HoldReason::EarlierStageNotDone,
                        format!("{what}; the stages from {from} on rely on it"),
                    )
                });
            }
        }
        if not_done > 0 {
            out.push(NotRun {
                stage: st.number,
                actions_not_done: not_done,
                users_held_back: users.len() as u64,
            });
        }
    }
    (out, held)
}

/// The warning a re-plan gives for each earlier stage not fully run.
pub(super) fn warning(n: &NotRun, from: u32) -> String {
    format!(
        "Stage {s} has not fully run: {a} of its actions are not done on the fresh export, so {u} users the stages from {from} on would move are held back (earlier-stage-not-done). Run stage {s}'s bundle again (apply.ps1 -Resume continues where it stopped), check it with licplan verify FRESH --plan PLAN --stage {s}, then re-plan; or re-plan from stage {s}.",
        s = n.stage,
        a = n.actions_not_done,
        u = n.users_held_back,
    )
}

/// A stage's own actions and its waves'.
fn stage_actions(st: &Stage) -> impl Iterator<Item = &Action> {
    st.actions
        .iter()
        .chain(st.waves.iter().flat_map(|w| w.actions.iter()))
}

/// "stage 2's add-member to 'Licensing - E3' is not done on the fresh export".
fn describe(a: &Action, stage: u32) -> String {
    let mut s = format!("stage {stage}'s {}", a.op_name());
    if let Some(p) = &a.shown.sku_part_number {
        s.push_str(&format!(" of {p}"));
    }
    if let Some(g) = &a.shown.group_name {
        s.push_str(&format!(" for group '{g}'"));
    }
    s.push_str(" is not done on the fresh export");
    s
}
