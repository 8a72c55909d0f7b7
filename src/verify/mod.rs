//! `licplan verify`: a fresh export compared with what a plan's stage (or wave) must have
//! achieved.
//!
//! The plan's ops up to and including the unit give each user's postconditions (memberships,
//! group licenses, direct licenses); the fresh export's `licenseAssignmentStates` rows are the
//! evidence. Groups the plan created are found by `uniqueName`, else by display name, and every
//! placeholder id in the plan's ops is mapped to the real id first ([`placeholders`]). Each user
//! in the unit's scope gets one [`Status`]; the users the plan recorded starting licenses of (its
//! rollback ops) are checked for a loss with the simulator's coverage rules. Drift (what changed
//! outside the plan) is reported apart, with the remaining ops re-simulated on the fresh export.

pub mod app;
mod drift;
pub(crate) mod placeholders;
mod report;
mod status;
mod units;

pub use report::*;

use std::collections::BTreeSet;

use crate::ingest::error::{InputError, Location};
use crate::ingest::evidence::Evidence;
use crate::model::{Tenant, UserId};
use crate::plan::file::PlanFile;
use crate::simulate::rules::Rules;

/// What to verify: a stage, or one wave of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Target {
    pub stage: u32,
    pub wave: Option<u32>,
}

/// Verifies the unit of the plan against the fresh tenant.
///
/// # Errors
///
/// An error naming the plan file when the stage or wave is not in the plan, or an op names a
/// user, group or product by something other than an id (a plan licplan wrote names them by id).
pub fn verify(
    fresh: &Tenant,
    evidence: &Evidence,
    plan: &mut PlanFile,
    target: Target,
    rules: &Rules,
) -> Result<VerifyReport, InputError> {
    // The plan's actions are taken out of it and mapped where they are.
    let (layout, mut ops) = units::take_actions(plan);
    let plan: &PlanFile = plan;
    let units = units::Units::new(layout, plan);
    let end = units
        .end_of(target)
        .ok_or_else(|| missing_unit(plan, target))?;
    let found = placeholders::find(fresh, &plan.placeholders);
    let map = placeholders::id_map(&found);
    units::map_actions(&mut ops, &map);
    // The later ops' re-simulation on the fresh export and the export's hash need only the
    // tenant and the ops: they run on other threads beside the statuses (at a million users
    // each takes seconds of one core).
    let ((resimulation, fresh_export_hash), judged) = crate::par::join(
        || {
            crate::par::join(
                || drift::resimulate(fresh, &ops[end.end..], &plan.path, rules),
                || crate::model::fingerprint::export_hash(fresh),
            )
        },
        || -> Result<_, InputError> {
            let before = units::Expect::of(&ops[..end.end], plan)?;
            let context = status::Context::new(fresh, rules, plan, &units, &found, &ops, end.end)?;
            let scope = units::scope(fresh, &ops, end.first..end.end);

            let mut users = Vec::new();
            for u in &scope {
                if let Some(row) = context.status(*u, &before) {
                    users.push(row);
                }
            }
            // Every mover whose starting licenses the plan recorded is checked for a loss, in scope or
            // not: a loss anywhere stops the migration.
            let in_scope: BTreeSet<UserId> = users.iter().map(|r| r.id).collect();
            for u in context.recorded_users() {
                if in_scope.contains(&u) {
                    continue;
                }
                if let Some(row) = context.status(u, &before) {
                    if row.status == Status::Regressed {
                        users.push(row);
                    }
                }
            }
            users.sort_by(|a, b| (a.status, &a.user, a.id).cmp(&(b.status, &b.user, b.id)));

            let groups = context.group_rows(&ops[end.first..end.end]);
            let next_wave = match units.next_wave(end.unit) {
                Some(n) => Some(context.next_wave(&units, n)?),
                None => None,
            };
            Ok((before, context, scope, users, groups, next_wave))
        },
    );
    let (before, context, scope, users, groups, next_wave) = judged?;

    let mut touched = crate::ingest::evidence::Touched::default();
    touched.users.extend(scope.iter().copied());
    touched.groups.extend(groups.iter().filter_map(|g| g.key));
    touched.skus.extend(before.skus());
    let mut unchecked = evidence.unchecked(fresh, &touched);
    unchecked.sort();
    unchecked.dedup();
    let mut notes = Vec::new();
    for g in &groups {
        if g.key.is_some() && g.processing.is_none() {
            notes.push(format!(
                "{}: licenseProcessingState not exported (export GET /v1.0/groups?$select=id,displayName,uniqueName,licenseProcessingState)",
                g.group
            ));
        }
    }
    for p in &found {
        if p.found == FoundBy::Ambiguous {
            notes.push(format!(
                "{}: several groups have this display name and none has the uniqueName {}",
                p.group_name, p.unique_name
            ));
        }
    }

    let drift = drift::drift(&context, &map, resimulation);
    let verdict = Verdict::of(&users, &groups, unchecked, notes);
    Ok(VerifyReport {
        schema_version: SCHEMA_VERSION,
        plan: plan.name.clone(),
        plan_hash: plan.plan_hash.clone().unwrap_or_default(),
        planned_export_hash: plan.export_hash.clone(),
        fresh_export_hash,
        // What was read is known to the caller, which has the files (see `app::verify`).
        planned_export: plan
            .doc
            .get("export")
            .and_then(|e| serde_json::from_value(e.clone()).ok()),
        fresh_export: Default::default(),
        stage: target.stage,
        wave: target.wave,
        unit: units.label(end),
        verdict,
        placeholders: found,
        users,
        groups,
        next_wave,
        drift,
    })
}

fn missing_unit(plan: &PlanFile, target: Target) -> InputError {
    let what = match target.wave {
        Some(w) => format!("stage {} wave {w}", target.stage),
        None => format!("stage {}", target.stage),
    };
    let have: Vec<String> = plan
        .stages
        .iter()
        .map(|s| {
            if s.waves.is_empty() {
                s.number.to_string()
            } else {
                format!(
                    "{} (waves {})",
                    s.number,
                    s.waves
                        .iter()
                        .map(|w| w.number.to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            }
        })
        .collect();
    InputError::new(
        &plan.path,
        Location::Record {
            index: 0,
            path: "$.stages".into(),
        },
        format!("the plan has no {what}"),
    )
    .field(if target.wave.is_some() {
        "--wave"
    } else {
        "--stage"
    })
    .hint(format!("the plan's stages: {}", have.join("; ")))
}
