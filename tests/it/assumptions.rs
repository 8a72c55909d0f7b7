//! A plan states only the readings that touch its products, rules and situations, counts the
//! rest, and `simulate` still states every one.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::common::licplan;

fn json(out: &std::process::Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "JSON on stdout ({e}): {}",
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn texts(v: &Value) -> Vec<String> {
    v["assumptions"]
        .as_array()
        .expect("assumptions")
        .iter()
        .map(|a| a.as_str().expect("text").to_owned())
        .collect()
}

/// The plan's JSON, and the readings `simulate --plan` states for that plan.
fn plan_and_simulation(tenant: &str, intent: &str, extra: &[&str]) -> (Value, Vec<String>) {
    let dir = tempfile::tempdir().expect("temp");
    let file = dir.path().join("plan.json");
    let file = file.to_str().expect("utf-8");
    let mut args = vec![
        "plan", tenant, "--intent", intent, "--format", "json", "--output", file,
    ];
    args.extend_from_slice(extra);
    let out = licplan(&args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let plan: Value = serde_json::from_slice(&std::fs::read(file).expect("plan")).expect("json");
    let mut args = vec!["simulate", tenant, "--plan", file, "--format", "json"];
    args.extend_from_slice(extra);
    let sim = licplan(&args);
    (plan, texts(&json(&sim)))
}

/// The plan's own readings (pacing, processing time, soaks) are not the simulation's.
fn from_simulation(plan: &Value, sim: &[String]) -> Vec<String> {
    let sim: BTreeSet<&String> = sim.iter().collect();
    texts(plan)
        .into_iter()
        .filter(|t| sim.contains(t))
        .collect()
}

#[test]
fn a_plan_states_only_the_readings_touching_it_and_counts_the_others() {
    for intent in ["plans/e1-direct-to-group.yaml", "plans/e1-to-e3.yaml"] {
        let (plan, sim) = plan_and_simulation("testdata/contoso", intent, &[]);
        let kept = from_simulation(&plan, &sim);
        let left_out = plan["assumptions_left_out"].as_u64().expect("count");
        assert_eq!(
            kept.len() as u64 + left_out,
            sim.len() as u64,
            "{intent}: every reading of the simulation is stated or counted"
        );
        // The kept readings keep the simulation's order.
        let order: Vec<&String> = sim.iter().filter(|t| kept.contains(t)).collect();
        assert_eq!(order, kept.iter().collect::<Vec<_>>(), "{intent}");
    }
    let (direct, sim) =
        plan_and_simulation("testdata/contoso", "plans/e1-direct-to-group.yaml", &[]);
    let direct = from_simulation(&direct, &sim);
    let (change, _) = plan_and_simulation("testdata/contoso", "plans/e1-to-e3.yaml", &[]);
    let change = texts(&change);
    let about = |texts: &[String], id: &str| texts.iter().any(|t| t.ends_with(&format!("({id})")));
    // A product change trades plans for their successors; a move of E1 to groups does not.
    assert!(about(&change, "successors-from-the-catalog"));
    assert!(!about(&direct, "successors-from-the-catalog"));
    assert!(sim
        .iter()
        .any(|t| t.ends_with("(successors-from-the-catalog)")));
    // E1 holds Exchange Online (Plan 1), E3 (Plan 2): only the change holds both.
    assert!(about(&change, "exchange-plan1-plan2-held-together"));
    assert!(!about(&direct, "exchange-plan1-plan2-held-together"));
    // Readings about nothing in particular are in every plan.
    for texts in [&direct, &change] {
        assert!(about(texts, "exclusive-tables-are-incomplete"));
    }
}

#[test]
fn a_rules_file_says_what_its_readings_are_about() {
    let dir = tempfile::tempdir().expect("temp");
    let rules = dir.path().join("rules.yaml");
    std::fs::write(
        &rules,
        "version: 1\nassumptions:\n  \
         - id: about-e1-exchange\n    text: \"A reading about Exchange Online (Plan 1).\"\n    source: test\n    about: {plans: [EXCHANGE_S_STANDARD]}\n  \
         - id: about-dynamics\n    text: \"A reading about Dynamics 365.\"\n    source: test\n    about: {plans: [DYN365_ENTERPRISE_P1, \"CRMSTANDARD*\"]}\n  \
         - id: about-a-product-change\n    text: \"A reading about product changes.\"\n    source: test\n    about: {when: [product-change]}\n",
    )
    .expect("rules");
    let rules = rules.to_str().expect("utf-8");
    let (plan, sim) = plan_and_simulation(
        "testdata/contoso",
        "plans/e1-direct-to-group.yaml",
        &["--rules", rules],
    );
    let stated = texts(&plan);
    assert!(stated
        .contains(&"A reading about Exchange Online (Plan 1). (about-e1-exchange)".to_owned()));
    assert!(!stated.iter().any(|t| t.contains("(about-dynamics)")));
    assert!(!stated
        .iter()
        .any(|t| t.contains("(about-a-product-change)")));
    for id in [
        "about-e1-exchange",
        "about-dynamics",
        "about-a-product-change",
    ] {
        assert!(
            sim.iter().any(|t| t.ends_with(&format!("({id})"))),
            "simulate states {id}"
        );
    }
    let (change, _) = plan_and_simulation(
        "testdata/contoso",
        "plans/e1-to-e3.yaml",
        &["--rules", rules],
    );
    assert!(texts(&change)
        .iter()
        .any(|t| t.ends_with("(about-a-product-change)")));
}

#[test]
fn a_misspelt_plan_or_count_in_about_is_refused_naming_the_field() {
    let dir = tempfile::tempdir().expect("temp");
    for (about, field, says) in [
        (
            "{plans: [EXCHANGE_S_STANDRD]}",
            "about.plans",
            "EXCHANGE_S_STANDARD",
        ),
        (
            "{plans: [EXCHANGE_S_STANDARD], at_least: 2}",
            "about.at_least",
            "between 1 and",
        ),
        ("{when: [product-changes]}", "when", "product-change"),
    ] {
        let rules = dir.path().join("rules.yaml");
        std::fs::write(
            &rules,
            format!(
                "version: 1\nassumptions:\n  - id: mine\n    text: t\n    source: s\n    about: {about}\n"
            ),
        )
        .expect("rules");
        let out = licplan(&[
            "plan",
            "testdata/contoso",
            "--intent",
            "plans/e1-direct-to-group.yaml",
            "--rules",
            rules.to_str().expect("utf-8"),
        ]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{about}: {err}");
        assert!(err.contains("rules.yaml"), "{about}: {err}");
        assert!(err.contains(field), "{about}: {err}");
        assert!(err.contains(says), "{about}: {err}");
    }
}
