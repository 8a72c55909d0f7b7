//! `licplan plan --from-stage N --fresh FRESH`: the stages and waves a plan has left, re-planned
//! on a fresh export taken after the earlier ones ran.
//!
//! The plan is the one `licplan plan` makes from the original export and the intent (the plan
//! whose bundles ran, with the same hash). Stages before N stay in the document, empty, so every
//! later stage keeps its number. From stage N on:
//!
//! 1. the groups the plan created are found in the fresh export (by `uniqueName`, else display
//!    name) and their placeholder ids replaced by the real ones; a group an earlier stage
//!    created must be there;
//! 2. actions the fresh export shows done already (a member added, a direct license removed, a
//!    group's product changed) are dropped, with the rollback ops that undo them;
//! 3. users gone since the plan are skipped, users new since the plan held back (the earlier
//!    stages never carried them);
//! 4. the rest is replayed by the simulator from the fresh export; a user it finds failing (an
//!    error, or a loss that drift brought: a service enabled since, a group license changed) is
//!    held back with all their actions removed, and the replay runs again;
//! 5. the rollbacks are proven again, the seat forecast and times recomputed from the fresh
//!    export.
//!
//! The result is a plan of the fresh export (its export hash is the fresh one), so its bundles
//! are made from, and checked against, the fresh export.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use rustc_hash::FxHashSet;
use serde::Serialize;

use crate::ingest::error::{InputError, Location};
use crate::model::{AssignmentPath, GroupId, Tenant, User, UserId};
use crate::plan::file::PlaceholderRef;
use crate::simulate::ops::Op;
use crate::simulate::report::{ErrorRecord, Violation};
use crate::simulate::rules::Rules;
use crate::simulate::state::State;
use crate::verify::{FoundBy, FoundGroup};

use super::builder::Builder;
use super::doc::{
    Action, HeldBack, HoldReason, Plan, RollbackProof, SkipReason, Skipped, Stage, StageKind,
    Verdict,
};
use super::draw::Drawn;
use super::intent::{Intent, Scope};
use super::seats::SeatTrace;
use super::select::{hold, Hold};

/// What a re-plan started from, in the document beside its stages.
#[derive(Debug, Clone, Serialize)]
pub struct Replan {
    /// The first stage re-planned; the stages before it ran before the fresh export.
    pub from_stage: u32,
    /// The plan re-planned (the hash its bundles carry) and the export it was made from.
    pub base_plan_hash: String,
    pub base_export_hash: String,
    /// The groups that plan creates, as found in the fresh export.
    pub groups: Vec<FoundGroup>,
    /// Actions the fresh export shows done already: dropped.
    pub actions_done: u64,
    /// Users the plan moved that the fresh export no longer has: skipped.
    pub users_gone: u64,
    /// Users in a move's scope the original export did not have: held back.
    pub users_new: u64,
    /// Users the remaining stages would have failed on the fresh export: held back.
    pub users_failing: u64,
}

/// At most this many rounds of "replay, hold back the failing users".
const ROUNDS: usize = 8;

/// Re-plans `base` (made from `original` and the intent) from stage `from` on `fresh`.
///
/// # Errors
///
/// `from` is not one of the plan's stages (named against the intent, `--from-stage`); a group an
/// earlier stage creates is not in the fresh export, or is ambiguous there (named against the
/// fresh export); an op of the plan that does not resolve on the fresh export.
pub fn replan(
    base: &Plan,
    original: &Tenant,
    fresh: &Tenant,
    rules: &Rules,
    intent: &Intent,
    paths: (&Path, &Path),
    from: u32,
) -> Result<Plan, InputError> {
    let (intent_path, fresh_path) = paths;
    if !base.stages.iter().any(|s| s.number == from) {
        let have: Vec<String> = base.stages.iter().map(|s| s.number.to_string()).collect();
        return Err(InputError::new(
            intent_path,
            Location::File,
            format!("the plan of this intent has no stage {from}"),
        )
        .field("--from-stage")
        .hint(format!("its stages: {}", have.join(", "))));
    }
    let groups = find_groups(base, fresh, fresh_path, from)?;
    let ids: BTreeMap<GroupId, GroupId> = groups
        .iter()
        .filter_map(|f| Some((GroupId::parse(&f.placeholder_id).ok()?, f.key?)))
        .collect();

    let mut stages: Vec<Stage> = base.stages.clone();
    let mut done = 0u64;
    for st in &mut stages {
        if st.number < from {
            empty_stage(st, from, &base.plan_hash);
            continue;
        }
        for unit in units_mut(st) {
            for a in unit.forward.iter_mut().chain(unit.rollback.iter_mut()) {
                map_groups(a, &ids);
            }
            let before = unit.forward.len();
            unit.forward.retain(|a| !is_done(fresh, a, &ids));
            done += (before - unit.forward.len()) as u64;
            keep_matching_rollback(unit.forward, unit.rollback);
        }
    }

    // Users gone since the plan: their actions go, they are counted as skipped.
    let named: BTreeSet<UserId> = forward_users(&stages);
    let gone: BTreeSet<UserId> = named
        .iter()
        .copied()
        .filter(|u| !fresh.users.contains_key(u))
        .collect();
    drop_users(&mut stages, &gone);
    let mut skipped: Vec<Skipped> = base
        .skipped
        .iter()
        .filter(|s| fresh.users.contains_key(&s.user_id))
        .cloned()
        .collect();
    for u in &gone {
        skipped.push(Skipped {
            user_id: *u,
            upn: original.users.get(u).and_then(|x| x.upn.clone()),
            why: SkipReason::GoneSincePlanning,
        });
    }

    let mut held: BTreeMap<UserId, HeldBack> = base
        .held_back
        .iter()
        .filter(|h| fresh.users.contains_key(&h.user_id))
        .map(|h| (h.user_id, h.clone()))
        .collect();
    let mut users_new = 0;
    for u in new_in_scope(original, fresh, intent) {
        users_new += 1;
        hold(
            &mut held,
            u,
            Hold::new(
                HoldReason::NewSincePlanning,
                format!(
                    "not in the export the plan was made from; stage {from} and later do not carry them"
                ),
            ),
        );
    }

    // Seats first, as the plan allocates them: the users a product change cannot seat wait.
    let short = seat_shortfall(fresh, &stages);
    let out: BTreeSet<UserId> = short.keys().copied().collect();
    let mut failing_total = out.len() as u64;
    for (u, h) in short {
        if let Some(user) = fresh.users.get(&u) {
            hold(&mut held, user, h);
        }
    }
    drop_users(&mut stages, &out);
    detach_held(fresh, &held, &mut stages);

    // Replay from the fresh export, holding back whoever fails, until no one does.
    let shared = crate::inspect::shared_proxy_addresses(fresh);
    let mut round = 0;
    let (report, seats) = loop {
        round += 1;
        let drawn = as_drawn(&stages);
        let mut trace = SeatTrace::new(fresh, intent, &drawn);
        let st = State::with_shared(fresh, rules, &shared);
        let report = crate::simulate::engine::simulate_stream_ids(
            st,
            &mut super::draw::ops(&stages),
            intent_path,
            false,
            &mut |step, seats| trace.observe(step, seats),
        )?;
        let reached = reached_users(fresh, &stages);
        let failing = failing(&stages, &reached, &report.errors, &report.violations);
        if failing.is_empty() || round >= ROUNDS {
            break (report, trace.forecast(&drawn));
        }
        let out: BTreeSet<UserId> = failing.keys().copied().collect();
        for (u, h) in failing {
            if let Some(user) = fresh.users.get(&u) {
                failing_total += 1;
                hold(&mut held, user, h);
            }
        }
        drop_users(&mut stages, &out);
        detach_held(fresh, &held, &mut stages);
    };

    // Moving: the users the remaining actions name, but for the held back who leave a group.
    let moving: BTreeSet<UserId> = forward_users(&stages)
        .into_iter()
        .filter(|u| !held.contains_key(u))
        .collect();
    let reached = reached_users(fresh, &stages);
    let rollback = prove_rollbacks(fresh, rules, &shared, &reached, &mut stages, intent_path)?;
    finish_times(fresh, intent, &mut stages);

    let placeholders: Vec<_> = base
        .placeholders
        .iter()
        .filter(|p| {
            groups
                .iter()
                .any(|f| f.placeholder_id == p.group_id && f.key.is_none())
        })
        .cloned()
        .collect();
    let mut held_back: Vec<HeldBack> = held.into_values().collect();
    held_back.sort_by(|a, b| {
        (a.upn.as_deref().unwrap_or(""), a.user_id)
            .cmp(&(b.upn.as_deref().unwrap_or(""), b.user_id))
    });
    skipped.sort_by(|a, b| {
        (a.upn.as_deref().unwrap_or(""), a.user_id)
            .cmp(&(b.upn.as_deref().unwrap_or(""), b.user_id))
    });
    let mut summary = base.summary.clone();
    summary.users_moving = moving.len() as u64;
    summary.users_held_back = held_back.len() as u64;
    summary.users_skipped = skipped.len() as u64;
    summary.groups_created = placeholders.len() as u64;
    summary.removal_waves = stages
        .iter()
        .filter(|s| s.kind == StageKind::RemoveDirect)
        .map(|s| s.waves.len() as u64)
        .sum();
    summary.least_elapsed_minutes = stages.iter().map(|s| s.least_elapsed_minutes).sum();
    let mut moves = base.moves.clone();
    for g in moves.iter_mut().flat_map(|m| m.groups.iter_mut()) {
        if let Some(f) = groups
            .iter()
            .find(|f| f.placeholder_id.eq_ignore_ascii_case(&g.group_id))
        {
            if let Some(real) = &f.group_id {
                g.group_id.clone_from(real);
                g.placeholder = false;
            }
        }
    }
    let mut warnings = base.warnings.clone();
    if let [m] = moves.as_mut_slice() {
        m.users = summary.users_moving;
        m.held_back = summary.users_held_back;
        m.skipped = summary.users_skipped;
        m.users_in_scope = m.users + m.held_back + m.skipped;
        summary.users_in_scope = m.users_in_scope;
    } else {
        warnings.push(
            "Each move's counts are those of the plan re-planned; the summary's are counted on the fresh export.".to_owned(),
        );
    }
    let mut assumptions = base.assumptions.clone();
    assumptions.push(format!(
        "Re-planned from stage {from} on a fresh export: the stages before it ran before that export was taken, and the groups they created are found there by uniqueName, else by display name."
    ));
    Ok(Plan {
        schema_version: base.schema_version,
        name: base.name.clone(),
        plan_hash: String::new(),
        export: super::doc::ExportRef::default(),
        placeholders,
        summary,
        moves,
        stages,
        held_back,
        skipped,
        seats,
        pilot: base.pilot.clone(),
        verdict: Verdict {
            warnings: super::rollback::warnings(&rollback),
            ..Verdict::new(report.violations.clone(), report.errors.clone())
        },
        rollback,
        assumptions,
        warnings,
        partner_access: None,
        replan: Some(Replan {
            from_stage: from,
            base_plan_hash: base.plan_hash.clone(),
            base_export_hash: base.export.hash.clone(),
            groups,
            actions_done: done,
            users_gone: gone.len() as u64,
            users_new,
            users_failing: failing_total,
        }),
    })
}

/// The plan's created groups found in the fresh export; those an earlier stage creates must be.
fn find_groups(
    base: &Plan,
    fresh: &Tenant,
    fresh_path: &Path,
    from: u32,
) -> Result<Vec<FoundGroup>, InputError> {
    let refs: Vec<PlaceholderRef> = base
        .placeholders
        .iter()
        .map(|p| PlaceholderRef {
            group_id: p.group_id.clone(),
            group_name: p.group_name.clone(),
            unique_name: p.unique_name.clone(),
        })
        .collect();
    let found = crate::verify::placeholders::find(fresh, &refs);
    for f in &found {
        let Some(created_in) = creating_stage(base, &f.placeholder_id) else {
            continue;
        };
        if created_in >= from || f.key.is_some() {
            continue;
        }
        let what = if f.found == FoundBy::Ambiguous {
            format!(
                "several groups of the fresh export are named {} and none has the uniqueName {}",
                f.group_name, f.unique_name
            )
        } else {
            format!(
                "group {} (uniqueName {}), which stage {created_in} creates, is not in the fresh export",
                f.group_name, f.unique_name
            )
        };
        return Err(InputError::new(fresh_path, Location::File, what)
            .field("uniqueName")
            .hint(format!(
                "run stage {created_in} and check it with licplan verify, and export the groups with their uniqueName (GET /v1.0/groups?$select=id,displayName,uniqueName,…); or re-plan from stage {created_in}"
            )));
    }
    Ok(found)
}

/// The stage whose `create-group` action makes the placeholder's group.
fn creating_stage(base: &Plan, placeholder: &str) -> Option<u32> {
    base.stages
        .iter()
        .find(|s| {
            s.actions.iter().any(|a| {
                matches!(a.op, Op::CreateGroup { .. })
                    && a.shown
                        .group_id
                        .is_some_and(|g| g.to_string().eq_ignore_ascii_case(placeholder))
            })
        })
        .map(|s| s.number)
}

/// A stage that ran before the re-plan: kept for its number, with nothing left to do.
fn empty_stage(st: &mut Stage, from: u32, base_hash: &str) {
    st.actions.clear();
    st.waves.clear();
    st.rollback_actions.clear();
    st.writes = 0;
    st.min_minutes = 0.0;
    st.processing_wait_minutes = 0.0;
    st.least_elapsed_minutes = 0.0;
    st.rollback = vec![format!(
        "Carried out before this re-plan from stage {from}: its undo is the undo of its bundle of plan {base_hash}."
    )];
}

/// A stage's own actions, or one wave's, with their rollback.
struct UnitMut<'a> {
    forward: &'a mut Vec<Action>,
    rollback: &'a mut Vec<Action>,
}

fn units_mut(st: &mut Stage) -> Vec<UnitMut<'_>> {
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
fn map_groups(a: &mut Action, ids: &BTreeMap<GroupId, GroupId>) {
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
fn is_done(fresh: &Tenant, a: &Action, ids: &BTreeMap<GroupId, GroupId>) -> bool {
    let user = |u: &UserId| fresh.users.get(u);
    let group = |g: &GroupId| fresh.groups.get(g);
    let direct = |u: &User, sku| {
        u.assignments
            .iter()
            .any(|x| x.sku == sku && x.path == AssignmentPath::Direct)
    };
    match &a.op {
        // A created group found in the fresh export (its placeholder id mapped).
        Op::CreateGroup { .. } => a
            .shown
            .group_id
            .is_some_and(|g| ids.values().any(|real| *real == g) && fresh.groups.contains_key(&g)),
        Op::AddMember { group: g, user: u } => group(g).is_some_and(|g| g.has_user(*u)),
        Op::RemoveMember { group: g, user: u } => group(g).is_some_and(|g| !g.has_user(*u)),
        Op::AssignGroupLicense { group: g, sku, .. } => {
            group(g).is_some_and(|g| g.licenses.iter().any(|l| l.sku == *sku))
        }
        Op::ChangeGroupLicense {
            group: g,
            add,
            remove,
        } => group(g).is_some_and(|g| {
            add.iter()
                .all(|s| g.licenses.iter().any(|l| l.sku == s.sku))
                && remove
                    .iter()
                    .all(|s| g.licenses.iter().all(|l| l.sku != *s))
        }),
        Op::RemoveDirectLicense { user: u, sku } => user(u).is_some_and(|u| !direct(u, *sku)),
        Op::AssignDirectLicense { user: u, sku, .. } => user(u).is_some_and(|u| direct(u, *sku)),
        Op::ChangeDirectLicense {
            user: u,
            add,
            remove,
        } => user(u).is_some_and(|u| {
            add.iter().all(|s| direct(u, s.sku)) && remove.iter().all(|s| !direct(u, *s))
        }),
        Op::SetUsageLocation { user: u, country } => {
            user(u).is_some_and(|u| u.usage_location.as_ref() == Some(country))
        }
        _ => false,
    }
}

/// What a rollback op undoes: the forward op's name and its user and group.
fn undoes(a: &Action) -> Option<(&'static str, Option<UserId>, Option<GroupId>)> {
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
fn keep_matching_rollback(forward: &[Action], rollback: &mut Vec<Action>) {
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
fn forward_users(stages: &[Stage]) -> BTreeSet<UserId> {
    stages
        .iter()
        .flat_map(|s| {
            s.actions
                .iter()
                .chain(s.waves.iter().flat_map(|w| w.actions.iter()))
        })
        .filter_map(Action::user)
        .collect()
}

/// Removes every action (forward and rollback) naming these users; waves left empty go.
fn drop_users(stages: &mut [Stage], out: &BTreeSet<UserId>) {
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

/// The users a remaining product change cannot seat on the fresh export, in UPN order past the
/// seats available (R5: CountViolation would fail them, and which ones is not guaranteed).
/// Every member a group's change reaches takes a seat, moving or not; only movers wait.
fn seat_shortfall(fresh: &Tenant, stages: &[Stage]) -> BTreeMap<UserId, Hold> {
    let moving = forward_users(stages);
    // Per product: the users who take a seat of it, in the order the plan's actions run.
    let mut need: BTreeMap<crate::model::SkuId, BTreeSet<UserId>> = BTreeMap::new();
    let lacks = |u: UserId, sku| {
        fresh
            .users
            .get(&u)
            .is_some_and(|x| !x.assignments.iter().any(|a| a.sku == sku && !a.is_error()))
    };
    for a in stages.iter().flat_map(|s| {
        s.actions
            .iter()
            .chain(s.waves.iter().flat_map(|w| w.actions.iter()))
    }) {
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
fn detach_held(fresh: &Tenant, held: &BTreeMap<UserId, HeldBack>, stages: &mut [Stage]) {
    // Each (group, user) once: those an earlier round added stay as they are.
    let mut done: BTreeSet<(GroupId, UserId)> = stages
        .iter()
        .flat_map(|s| {
            s.actions
                .iter()
                .chain(s.waves.iter().flat_map(|w| w.actions.iter()))
        })
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
                    let shown = super::doc::Shown {
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
fn new_in_scope<'t>(original: &Tenant, fresh: &'t Tenant, intent: &Intent) -> Vec<&'t User> {
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
fn failing(
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
fn reached_users(fresh: &Tenant, stages: &[Stage]) -> BTreeSet<UserId> {
    let mut out = forward_users(stages);
    for a in stages.iter().flat_map(|s| {
        s.actions
            .iter()
            .chain(s.waves.iter().flat_map(|w| w.actions.iter()))
    }) {
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
fn users_of_group(stages: &[Stage], g: GroupId) -> BTreeSet<UserId> {
    stages
        .iter()
        .flat_map(|s| {
            s.actions
                .iter()
                .chain(s.waves.iter().flat_map(|w| w.actions.iter()))
        })
        .filter(|a| a.group_id() == Some(g))
        .filter_map(Action::user)
        .collect()
}

/// The stages as the seat trace reads them: each op's stage and wave, in replay order.
fn as_drawn(stages: &[Stage]) -> Drawn {
    let mut segments = Vec::new();
    for st in stages {
        segments.extend(st.actions.iter().map(|_| (st.number, None)));
        for w in &st.waves {
            segments.extend(w.actions.iter().map(|_| (st.number, Some(w.number))));
        }
    }
    Drawn {
        stages: stages.to_vec(),
        segments,
        carrying: Vec::new(),
    }
}

/// The remaining rollbacks proven from the fresh export, each stage's rollback text saying so.
fn prove_rollbacks(
    fresh: &Tenant,
    rules: &Rules,
    shared: &crate::inspect::SharedProxies,
    moving: &BTreeSet<UserId>,
    stages: &mut [Stage],
    intent_path: &Path,
) -> Result<RollbackProof, InputError> {
    let st = State::with_shared(fresh, rules, shared);
    let ids: Vec<UserId> = moving.iter().copied().collect();
    let proof = super::rollback::prove::prove(st, fresh, &[], &ids, stages, intent_path)?;
    for s in stages.iter_mut() {
        if s.actions.is_empty() && s.waves.is_empty() {
            continue;
        }
        s.rollback.retain(|r| {
            !r.starts_with("Proven by the simulator")
                && !r.starts_with("Not proven by the simulator")
        });
        let parts: Vec<_> = proof.parts.iter().filter(|p| p.stage == s.number).collect();
        if parts.iter().any(|p| !p.proven) {
            s.rollback
                .push("Not proven by the simulator: see the rollback summary for why.".to_owned());
        } else if parts.iter().map(|p| p.actions).sum::<u64>() > 0 {
            s.rollback.push(
                "Proven by the simulator: replayed from the stage's end, it gives every user back what they held when the stage began, with no error and no loss.".to_owned(),
            );
        }
    }
    Ok(proof)
}

/// Writes, least times and processing waits, counted again for what is left.
fn finish_times(fresh: &Tenant, intent: &Intent, stages: &mut Vec<Stage>) {
    let named: BTreeSet<GroupId> = stages
        .iter()
        .flat_map(|s| {
            s.actions
                .iter()
                .chain(s.waves.iter().flat_map(|w| w.actions.iter()))
        })
        .filter_map(Action::group_id)
        .collect();
    let mut b = Builder {
        stages: std::mem::take(stages),
        soaks: (intent.pilot_soak, intent.soak),
        members: named
            .iter()
            .filter_map(|g| {
                fresh
                    .groups
                    .get(g)
                    .map(|x| (*g, x.user_members().count() as u64))
            })
            .collect(),
        ..Builder::default()
    };
    b.finish();
    *stages = b.stages;
}
