//! Property test of the rollbacks: for random tenants and intents (the generators of
//! `prop_plan`), every stage's and wave's rollback, replayed from that stage's end, restores
//! every user's starting licenses and services and is safe. Checked independently of the
//! planner's own proof: the forward ops up to the stage's start and up to its end plus its
//! rollback are replayed with `licplan::simulate` (each from the tenant), and the final states
//! are compared — so a bug in the planner's one-pass proof is caught here.

use std::path::Path;

use licplan::model::Tenant;
use licplan::plan::doc::{Action, Plan};
use licplan::simulate::engine::{simulate_final, FinalState};
use licplan::simulate::ops::{OpSource, OpsFile};
use licplan::simulate::rules::Rules;
use proptest::prelude::*;

use crate::prop_plan::{build, intent_spec, intent_yaml, tenant_spec};

/// One stage's own actions or one wave's, with its rollback, in plan order.
struct Part<'a> {
    label: String,
    stage: u32,
    wave: Option<u32>,
    forward: &'a [Action],
    rollback: &'a [Action],
}

fn parts(plan: &Plan) -> Vec<Part<'_>> {
    let mut v = Vec::new();
    for st in &plan.stages {
        v.push(Part {
            label: format!("stage {}", st.number),
            stage: st.number,
            wave: None,
            forward: &st.actions,
            rollback: &st.rollback_actions,
        });
        for w in &st.waves {
            v.push(Part {
                label: format!("stage {} wave {}", st.number, w.number),
                stage: st.number,
                wave: Some(w.number),
                forward: &w.actions,
                rollback: &w.rollback_actions,
            });
        }
    }
    v
}

fn ops<'a>(actions: impl Iterator<Item = &'a Action>) -> OpsFile {
    OpsFile {
        ops: actions
            .enumerate()
            .map(|(i, a)| {
                (
                    OpSource {
                        path: format!("ops[{i}]"),
                    },
                    a.op.to_written(),
                )
            })
            .collect(),
    }
}

/// The state after these ops, with its report's violations and errors (all pending processing
/// completed at the end).
fn replay(
    t: &Tenant,
    rules: &Rules,
    file: &OpsFile,
) -> Result<(licplan::simulate::report::SimReport, FinalState), String> {
    simulate_final(t, rules, file, Path::new("rollback.json"))
        .map_err(|e| format!("the ops do not replay: {e}"))
}

/// Plans the intent and checks each part's rollback from the part's end.
/// The intent planned on the tenant, with the tenant as the plan sees it (the intent's default
/// usage location standing in for the organization's) and the bundled rules.
fn planned(tenant: &Tenant, intent_text: &str) -> Result<(Tenant, Rules, Plan), String> {
    let path = Path::new("prop.yaml");
    let rules = Rules::bundled().map_err(|e| format!("bundled rules: {e}"))?;
    let intent = licplan::plan::intent::parse(intent_text, path, tenant)
        .map_err(|e| format!("the intent names only what the tenant holds, yet: {e}"))?;
    let plan = licplan::plan::plan(tenant, &rules, &intent, path)
        .map_err(|e| format!("plan returned an error: {e}"))?;
    let mut t = tenant.clone();
    if intent.default_usage_location.is_some() {
        t.default_usage_location = intent.default_usage_location;
    }
    Ok((t, rules, plan))
}

fn check(tenant: &Tenant, intent_text: &str) -> Result<(), String> {
    let (t, rules, plan) = planned(tenant, intent_text)?;
    if !plan.verdict.safe {
        // Unsafe plans are prop_plan's concern; their rollbacks are not claimed.
        return Ok(());
    }
    let parts = parts(&plan);
    let mut done: Vec<&Action> = Vec::new();
    for p in &parts {
        if p.rollback.is_empty() {
            done.extend(p.forward);
            continue;
        }
        let (_, start) = replay(&t, &rules, &ops(done.iter().copied()))?;
        done.extend(p.forward);
        let found = restores(&t, &rules, &done, p, &start);
        let claim = plan
            .rollback
            .parts
            .iter()
            .find(|x| x.stage == p.stage && x.wave == p.wave)
            .ok_or_else(|| format!("{}: no proof in the plan's rollback record", p.label))?;
        match (&found, claim.proven) {
            (Ok(()), true) => {}
            (Err(e), true) => {
                return Err(format!(
                    "{}: the planner proves the rollback, the replay finds: {e}",
                    p.label
                ))
            }
            (Ok(()), false) => {
                return Err(format!(
                    "{}: the replay finds the rollback sound, the planner does not: {:?}",
                    p.label, claim.reasons
                ))
            }
            (Err(e), false) => {
                // The reasons a rollback may be impossible: seats the tenant lacks (an
                // over-consumed product whose seat the stage freed), or a start the rules
                // refuse to create again (two conflicting products held together in the
                // export). Anything else is a rollback drawn wrong.
                if !e.contains("CountViolation") && !e.contains("MutuallyExclusiveViolation") {
                    return Err(format!("{}: the rollback is not sound: {e}", p.label));
                }
                if claim.reasons.is_empty() {
                    return Err(format!("{}: unproven without a reason", p.label));
                }
                if !plan
                    .verdict
                    .warnings
                    .iter()
                    .any(|w| w.contains("not proven"))
                {
                    return Err(format!(
                        "{}: unproven, yet no warning in the verdict",
                        p.label
                    ));
                }
                // Later stages' proofs ran from a state this failure changed.
                return Ok(());
            }
        }
    }
    if !plan.rollback.proven {
        return Err(format!(
            "the planner does not prove its rollbacks, the replay does: {:#?}",
            plan.rollback.parts
        ));
    }
    Ok(())
}

/// Whether the part's rollback, replayed after the forward ops `done` (up to the part's end),
/// is safe and gives every user back what they held at the part's start (`start`).
fn restores(
    t: &Tenant,
    rules: &Rules,
    done: &[&Action],
    p: &Part<'_>,
    start: &FinalState,
) -> Result<(), String> {
    let n = done.len();
    let undo = ops(done.iter().copied().chain(p.rollback));
    let (report, end) = replay(t, rules, &undo)?;
    let rollback_errors: Vec<_> = report.errors.iter().filter(|e| e.step > n).collect();
    if !rollback_errors.is_empty() {
        return Err(format!("the rollback fails: {rollback_errors:#?}"));
    }
    if !report.violations.is_empty() {
        return Err(format!(
            "the rollback is not safe: {:#?}",
            report.violations
        ));
    }
    // Reprocessed users keep the group license (no op brings an error back): their services
    // must still be kept.
    let reprocessed: std::collections::BTreeSet<_> = p
        .forward
        .iter()
        .filter(|a| a.op_name() == "reprocess")
        .filter_map(|a| a.user())
        .collect();
    for (a, b) in start.users.iter().zip(&end.users) {
        if a.id != b.id {
            return Err("the users' order differs".into());
        }
        if reprocessed.contains(&a.id) {
            if !a.effective.is_subset(&b.effective) {
                return Err(format!("reprocessed user {} loses services", a.id));
            }
            continue;
        }
        if a.direct != b.direct
            || a.inherited_active != b.inherited_active
            || a.inherited_seated != b.inherited_seated
            || a.effective != b.effective
        {
            return Err(format!(
                "user {} is not restored:\nat the start {a:#?}\nafter the rollback {b:#?}",
                a.id
            ));
        }
    }
    if reprocessed.is_empty() && start.consumed != end.consumed {
        return Err(format!(
            "seats differ: {:?} then {:?}",
            start.consumed, end.consumed
        ));
    }
    Ok(())
}

/// Plans the intent and proves its rollbacks in one pass and split in two parts at every unit.
/// When one pass proves every rollback, the two parts on their own must find what it finds: the
/// same errors in each unit's do, undo and redo, and the same users' states at each unit's start
/// and end. When it does not, the split proof is made again in one pass and must say the same.
fn split_proof_agrees(tenant: &Tenant, intent_text: &str) -> Result<(), String> {
    use licplan::plan::rollback::prove::{prove_with, Split};
    use licplan::simulate::state::State;
    let path = Path::new("prop.yaml");
    let (t, rules, plan) = planned(tenant, intent_text)?;
    let movers: Vec<_> = licplan::plan::moving_users(&plan).into_iter().collect();
    let more = || State::new(&t, &rules);
    let prove = |split| {
        prove_with(more(), &more, (&t, &[], &movers), &plan.stages, path, split)
            .map_err(|e| format!("the plan's ops do not replay: {e}"))
    };
    let one = prove(Split::Never)?;
    for m in 1..=parts(&plan).len() {
        let two = prove(if one.0.proven {
            Split::Exactly(m)
        } else {
            Split::At(m)
        })?;
        if two != one {
            return Err(format!(
                "split at unit {m}, the proof differs:\n{two:#?}\none pass:\n{one:#?}"
            ));
        }
    }
    Ok(())
}

fn cases() -> u32 {
    crate::common::proptest_cases(64)
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn every_rollback_restores_its_stage_start_safely(
        spec in tenant_spec(),
        ispec in intent_spec(),
    ) {
        let tenant = build(&spec);
        let text = intent_yaml(&spec, &ispec);
        if let Err(e) = check(&tenant, &text) {
            return Err(TestCaseError::fail(format!("{e}\n\nintent:\n{text}")));
        }
    }

    #[test]
    fn a_proof_split_in_two_parts_finds_what_one_pass_finds(
        spec in tenant_spec(),
        ispec in intent_spec(),
    ) {
        let tenant = build(&spec);
        let text = intent_yaml(&spec, &ispec);
        if let Err(e) = split_proof_agrees(&tenant, &text) {
            return Err(TestCaseError::fail(format!("{e}\n\nintent:\n{text}")));
        }
    }
}
