//! A plan file read back whole (`licplan::plan::file`): its hash is the one `licplan plan`
//! wrote, in JSON and YAML, and an edited op is caught.

use crate::common::{licplan, root, testdata};

fn plan_to(dir: &std::path::Path, intent: &str, format: &str) -> std::path::PathBuf {
    let out = dir.join(format!("plan.{format}"));
    let o = licplan(&[
        "plan",
        testdata("contoso").to_str().expect("a UTF-8 path"),
        "--intent",
        root().join(intent).to_str().expect("a UTF-8 path"),
        "--format",
        format,
        "--output",
        out.to_str().expect("a UTF-8 path"),
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    out
}

#[test]
fn a_plan_read_back_has_the_hash_it_was_written_with_in_json_and_yaml() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    for intent in [
        "plans/e1-to-e3.yaml",
        "testdata/intents/e1-to-e3-change-first.yaml",
        "plans/two-moves.yaml",
    ] {
        let mut hashes = Vec::new();
        for format in ["json", "yaml"] {
            let path = plan_to(dir.path(), intent, format);
            let plan = licplan::plan::file::read(&path).expect("as written");
            plan.check_hash().expect("as written");
            let written = plan.plan_hash.clone().expect("as written");
            assert!(written.starts_with("sha256:"), "{written}");
            assert!(plan
                .export_hash
                .as_deref()
                .expect("as written")
                .starts_with("sha256:"));
            assert_eq!(
                plan.tenant_id.as_deref(),
                Some("074bbc78-c664-5b49-a07d-f8c8f73b1354")
            );
            // Rollback ops are read too, and every created group is a placeholder.
            assert!(plan.stages.iter().any(|s| !s.rollback.is_empty()));
            assert!(!plan.placeholders.is_empty());
            assert!(plan
                .placeholders
                .iter()
                .all(|p| p.unique_name.starts_with("licplan-")));
            hashes.push(written);
        }
        assert_eq!(
            hashes[0], hashes[1],
            "{intent}: JSON and YAML name one hash"
        );
    }
}

#[test]
fn an_edited_op_no_longer_matches_the_plan_hash() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = plan_to(dir.path(), "plans/e1-to-e3.yaml", "json");
    let text = std::fs::read_to_string(&path).expect("as written");
    let mut v: serde_json::Value = serde_json::from_str(&text).expect("as written");
    // The first removal wave's first op now removes another product.
    let stages = v["stages"].as_array_mut().expect("as written");
    let wave = stages
        .iter_mut()
        .find(|s| s["kind"] == "remove-direct")
        .expect("as written")["waves"][0]["actions"][0]
        .as_object_mut()
        .expect("as written");
    wave.insert("sku".into(), "6fd2c87f-b296-42f0-b197-1e91e994b900".into());
    let edited = dir.path().join("edited.json");
    std::fs::write(
        &edited,
        serde_json::to_string_pretty(&v).expect("as written"),
    )
    .expect("as written");
    let plan = licplan::plan::file::read(&edited).expect("as written");
    let e = plan.check_hash().expect_err("refused");
    assert_eq!(e.field.as_deref(), Some("plan_hash"));
    assert!(e.message.contains("edited"), "{}", e.message);
    // A plan without a hash is refused too.
    v.as_object_mut().expect("as written").remove("plan_hash");
    std::fs::write(
        &edited,
        serde_json::to_string_pretty(&v).expect("as written"),
    )
    .expect("as written");
    let plan = licplan::plan::file::read(&edited).expect("as written");
    assert!(plan
        .check_hash()
        .expect_err("refused")
        .message
        .contains("no plan_hash"));
}

/// The ops of each list of a plan file, as (stage index, wave index or none, rollback?, count).
fn list_counts(plan: &licplan::plan::file::PlanFile) -> Vec<(usize, Option<usize>, bool, usize)> {
    let mut v = Vec::new();
    for (s, st) in plan.stages.iter().enumerate() {
        v.push((s, None, false, st.actions.len()));
        v.push((s, None, true, st.rollback.len()));
        for (w, wave) in st.waves.iter().enumerate() {
            v.push((s, Some(w), false, wave.actions.len()));
            v.push((s, Some(w), true, wave.rollback.len()));
        }
    }
    v
}

#[test]
fn a_bundle_keeps_the_actions_up_to_its_unit_and_the_units_rollback_alone() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = plan_to(dir.path(), "plans/e1-direct-to-group.yaml", "json");
    let whole = licplan::plan::file::read(&path).expect("as written");
    // The removal stage in waves, its second wave.
    let s = whole
        .stages
        .iter()
        .position(|st| st.waves.len() >= 2)
        .expect("a stage in waves");
    let (stage, wave) = (whole.stages[s].number, whole.stages[s].waves[1].number);
    let mut kept = whole.clone();
    kept.keep_only_unit(stage, Some(wave));
    for ((si, wi, undo, n), (_, _, _, left)) in
        list_counts(&whole).into_iter().zip(list_counts(&kept))
    {
        let before = si < s || (si == s && wi.is_none_or(|w| w <= 1));
        let expected = match (undo, si == s && wi == Some(1)) {
            (true, true) => n,
            (true, false) => 0,
            (false, _) if before => n,
            (false, _) => 0,
        };
        assert_eq!(left, expected, "stage {si} wave {wi:?} rollback {undo}");
    }
    assert!(
        list_counts(&whole)
            .iter()
            .any(|(si, _, _, n)| *si > s && *n > 0)
            || s + 1 == whole.stages.len()
    );
    // A unit the plan does not have leaves the plan as it is.
    let mut same = whole.clone();
    same.keep_only_unit(stage, Some(999));
    assert_eq!(list_counts(&same), list_counts(&whole));
    // Verify keeps the rollbacks that give direct licenses back.
    let mut direct = whole.clone();
    direct.retain_rollbacks(|op| {
        matches!(op, licplan::simulate::ops::Op::AssignDirectLicense { .. })
    });
    let left: usize = list_counts(&direct)
        .iter()
        .filter(|c| c.2)
        .map(|c| c.3)
        .sum();
    let assigns = direct.stages[s]
        .waves
        .iter()
        .map(|w| w.rollback.len())
        .sum::<usize>();
    assert!(assigns > 0 && left == assigns, "{left} {assigns}");
}
