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

use serde::Serialize;

use crate::ingest::error::{InputError, Location};
use crate::model::{GroupId, Tenant, UserId};
use crate::plan::file::PlaceholderRef;
use crate::simulate::ops::Op;
use crate::simulate::rules::Rules;
use crate::simulate::state::State;
use crate::verify::{FoundBy, FoundGroup};

mod earlier;
mod edit;
mod hold;

pub use earlier::NotRun;

use edit::{drop_users, forward_users, is_done, keep_matching_rollback, map_groups, units_mut};
use hold::{detach_held, failing, new_in_scope, reached_users, seat_shortfall};

use super::builder::Builder;
use super::doc::{
    Action, HeldBack, HoldReason, Plan, RollbackProof, SkipReason, Skipped, Stage, StageKind,
    Verdict,
};
use super::draw::Drawn;
use super::intent::Intent;
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
    /// Stages before `from_stage` the fresh export shows not fully run (empty when they all ran).
    pub earlier_not_run: Vec<NotRun>,
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
    let (earlier_not_run, not_run_holds) = {
        let remaining: Vec<Stage> = base
            .stages
            .iter()
            .filter(|s| s.number >= from)
            .cloned()
            .map(|mut s| {
                for u in units_mut(&mut s) {
                    u.forward.iter_mut().for_each(|a| map_groups(a, &ids));
                }
                s
            })
            .collect();
        earlier::not_run(&base.stages, &remaining, fresh, &ids, from)
    };
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

    // The users an earlier stage left behind wait, named with it.
    let behind: BTreeSet<UserId> = not_run_holds.keys().copied().collect();
    for (u, h) in not_run_holds {
        if let Some(user) = fresh.users.get(&u) {
            hold(&mut held, user, h);
        }
    }
    drop_users(&mut stages, &behind);

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
    super::sort_by_upn(&mut held_back, &mut skipped);
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
    warnings.extend(earlier_not_run.iter().map(|n| earlier::warning(n, from)));
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
        assumptions_left_out: base.assumptions_left_out,
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
            earlier_not_run,
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
    let more = || State::with_shared(fresh, rules, shared);
    let proof = super::rollback::prove::prove(st, &more, fresh, &[], &ids, stages, intent_path)?;
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
    let named: BTreeSet<GroupId> = actions(stages).filter_map(Action::group_id).collect();
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

/// Every forward action of the stages and their waves, in order.
pub(super) fn actions(stages: &[Stage]) -> impl Iterator<Item = &Action> {
    stages.iter().flat_map(|s| {
        s.actions
            .iter()
            .chain(s.waves.iter().flat_map(|w| w.actions.iter()))
    })
}
