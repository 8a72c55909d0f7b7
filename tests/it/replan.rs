//! `licplan plan --from-stage N --fresh FRESH`: the remaining stages re-planned on a fresh export
//! (the verify fixtures: the sample tenant after stage 2 of plans/e1-to-e3.yaml).

use std::path::Path;

use serde_json::Value;

use crate::common::{licplan, testdata};

const INTENT: &str = "plans/e1-to-e3.yaml";

fn replan(fresh: &Path, from: &str) -> (Value, std::process::Output) {
    replan_with(fresh, from, &["--format", "json", "--quiet"])
}

/// The sample tenant's plan re-planned from `from` on `fresh`, with these options; its JSON
/// (null when the output is not JSON) and the run.
fn replan_with(fresh: &Path, from: &str, extra: &[&str]) -> (Value, std::process::Output) {
    let contoso = testdata("contoso");
    let mut args = vec![
        "plan",
        contoso.to_str().expect("path"),
        "--intent",
        INTENT,
        "--from-stage",
        from,
        "--fresh",
        fresh.to_str().expect("path"),
    ];
    args.extend_from_slice(extra);
    let out = licplan(&args);
    let v = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (v, out)
}

fn stage(plan: &Value, n: u64) -> &Value {
    plan["stages"]
        .as_array()
        .expect("stages")
        .iter()
        .find(|s| s["number"] == n)
        .expect("stage")
}

/// Every action of the stage and its waves.
fn actions(st: &Value) -> Vec<&Value> {
    let own = st["actions"].as_array().into_iter().flatten();
    let waves = st["waves"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|w| w["actions"].as_array().into_iter().flatten());
    own.chain(waves).collect()
}

fn held(plan: &Value, reason: &str) -> Vec<String> {
    plan["held_back"]
        .as_array()
        .expect("held_back")
        .iter()
        .filter(|h| h["reason"] == reason)
        .map(|h| h["upn"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[test]
fn after_stage_2_the_rest_runs_on_the_real_groups_and_is_bundled_from_the_fresh_export() {
    let fresh = testdata("verify/done");
    let (plan, out) = replan(&fresh, "5");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(plan["verdict"]["status"], "safe");
    let r = &plan["replan"];
    assert_eq!(r["from_stage"], 5);
    assert!(r["base_plan_hash"]
        .as_str()
        .is_some_and(|h| h.starts_with("sha256:")));
    assert_ne!(
        r["base_export_hash"], plan["export"]["hash"],
        "the plan is of the fresh export"
    );
    // The four groups stage 2 created are found by uniqueName, and no action names a
    // placeholder any more.
    let groups = r["groups"].as_array().expect("groups");
    assert_eq!(groups.len(), 4);
    assert!(
        groups.iter().all(|g| g["found"] == "unique-name"),
        "{groups:?}"
    );
    assert!(
        plan.get("placeholders").is_none(),
        "{:?}",
        plan["placeholders"]
    );
    let placeholder_ids: Vec<&str> = groups
        .iter()
        .map(|g| g["placeholder_id"].as_str().expect("id"))
        .collect();
    let text = serde_json::to_string(&plan["stages"]).expect("json");
    for id in &placeholder_ids {
        assert!(!text.contains(id), "placeholder {id} still named");
    }
    // Stages 1 to 4 ran: kept for their numbers, empty.
    for n in 1..=4 {
        assert!(actions(stage(&plan, n)).is_empty(), "stage {n}");
    }
    // Stage 5 removes the 25 movers' direct licenses, in the original waves.
    let removals = actions(stage(&plan, 5))
        .iter()
        .filter(|a| a["op"] == "remove-direct-license")
        .count();
    assert_eq!(removals, 25);
    assert_eq!(plan["summary"]["users_moving"], 25);

    // The re-plan is bundled from the fresh export (its export hash is the fresh one).
    let dir = tempfile::tempdir().expect("temp");
    let file = dir.path().join("replan.json");
    std::fs::write(&file, serde_json::to_vec(&plan).expect("json")).expect("write");
    let b = licplan(&[
        "bundle",
        fresh.to_str().expect("path"),
        "--plan",
        file.to_str().expect("path"),
        "--stage",
        "5",
        "--wave",
        "1",
        "--out",
        dir.path().join("b").to_str().expect("path"),
    ]);
    assert_eq!(
        b.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&b.stderr)
    );
    let manifest: Value = serde_json::from_slice(
        &std::fs::read(dir.path().join("b/manifest.json")).expect("manifest"),
    )
    .expect("manifest json");
    assert_eq!(manifest["plan"]["hash"], plan["plan_hash"]);
    assert_eq!(manifest["export"]["hash"], plan["export"]["hash"]);
}

#[test]
fn seats_lowered_since_planning_hold_back_the_users_past_them_and_take_them_out_of_the_groups() {
    // drift: E3 lowered to 30 enabled seats (16 free), a new hire added to a carrying group by
    // hand: 26 members would take an E3 seat at the change, so 10 movers wait.
    let (plan, out) = replan(&testdata("verify/drift"), "5");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let waiting = held(&plan, "CountViolation");
    // 3 held back by the plan itself, 10 more for the fresh export's seats.
    assert_eq!(waiting.len(), 13, "{waiting:?}");
    assert_eq!(plan["replan"]["users_failing"], 10);
    assert_eq!(plan["summary"]["users_moving"], 15);
    // Held back, they keep their direct licenses and leave their carrying group right before
    // its product changes (and come back in the stage's rollback).
    let s6 = stage(&plan, 6);
    let ops: Vec<&str> = s6["actions"]
        .as_array()
        .expect("actions")
        .iter()
        .map(|a| a["op"].as_str().expect("op"))
        .collect();
    let leaves = ops.iter().filter(|o| **o == "remove-member").count();
    assert_eq!(leaves, 10, "{ops:?}");
    let s5: Vec<String> = actions(stage(&plan, 5))
        .iter()
        .map(|a| a["user_upn"].as_str().unwrap_or_default().to_owned())
        .collect();
    for u in &waiting {
        assert!(
            !s5.contains(u),
            "{u} held back but still removed in stage 5"
        );
    }
    // Every product change still has its seats on the fresh export.
    for row in plan["seats"].as_array().expect("seats") {
        if let Some(enabled) = row["enabled"].as_i64() {
            assert!(row["peak"].as_i64().expect("peak") <= enabled, "{row}");
        }
    }
    assert_eq!(plan["verdict"]["status"], "safe");
    assert!(plan["verdict"]["errors"]
        .as_array()
        .expect("errors")
        .is_empty());
}

#[test]
fn a_leave_comes_right_before_the_change_of_its_group() {
    let (plan, _) = replan(&testdata("verify/drift"), "5");
    let s6 = stage(&plan, 6)["actions"]
        .as_array()
        .expect("actions")
        .clone();
    for (i, a) in s6.iter().enumerate() {
        if a["op"] != "remove-member" {
            continue;
        }
        let g = &a["group"];
        let change = s6
            .iter()
            .position(|b| b["op"] == "change-group-license" && &b["group"] == g)
            .expect("the group's change");
        assert!(i < change, "leave {i} after the change {change} of {g}");
    }
}

#[test]
fn users_gone_are_skipped_users_new_are_held_back_and_what_is_done_is_dropped() {
    let dir = tempfile::tempdir().expect("temp");
    let fresh = dir.path().join("fresh");
    std::fs::create_dir(&fresh).expect("dir");
    for e in std::fs::read_dir(testdata("verify/done")).expect("done") {
        let p = e.expect("entry").path();
        std::fs::copy(&p, fresh.join(p.file_name().expect("name"))).expect("copy");
    }
    // The first mover of the pilot wave, from the plan itself.
    let (before, _) = replan(&testdata("verify/done"), "5");
    let wave1 = &stage(&before, 5)["waves"][0]["actions"];
    let gone_id = wave1[0]["user"].as_str().expect("user").to_owned();
    let done_id = wave1[1]["user"].as_str().expect("user").to_owned();
    let done_upn = wave1[1]["user_upn"].as_str().expect("upn").to_owned();
    let e1 = wave1[1]["sku"].as_str().expect("sku").to_owned();

    let page = fresh.join("users.page2.json");
    let mut edited = 0;
    for name in ["users.page1.json", "users.page2.json"] {
        let p = fresh.join(name);
        let mut v: Value = serde_json::from_slice(&std::fs::read(&p).expect("read")).expect("json");
        let users = v["value"].as_array_mut().expect("value");
        let n = users.len();
        users.retain(|u| u["id"] != gone_id.as_str());
        edited += n - users.len();
        for u in users.iter_mut() {
            if u["id"] == done_id.as_str() {
                // Its direct E1 already removed: only the group's row is left.
                let states = u["licenseAssignmentStates"].as_array_mut().expect("states");
                states.retain(|s| {
                    !(s["assignedByGroup"].is_null()
                        && s["skuId"]
                            .as_str()
                            .is_some_and(|x| x.eq_ignore_ascii_case(&e1)))
                });
                edited += 1;
            }
        }
        std::fs::write(&p, serde_json::to_vec_pretty(&v).expect("json")).expect("write");
    }
    assert_eq!(edited, 2, "both users found");
    // A new hire holding E1 directly, in scope of the move (direct holders).
    let mut v: Value = serde_json::from_slice(&std::fs::read(&page).expect("read")).expect("json");
    v["value"].as_array_mut().expect("value").push(serde_json::json!({
        "id": "0b0e0000-0000-4000-8000-00000000abcd",
        "userPrincipalName": "new.hire@contoso.com",
        "displayName": "New Hire",
        "usageLocation": "US",
        "accountEnabled": true,
        "proxyAddresses": ["SMTP:new.hire@contoso.com"],
        "assignedLicenses": [{"disabledPlans": [], "skuId": e1}],
        "licenseAssignmentStates": [{"assignedByGroup": null, "disabledPlans": [], "error": "None",
            "lastUpdatedDateTime": "2026-11-02T09:00:00Z", "skuId": e1, "state": "Active"}]
    }));
    std::fs::write(&page, serde_json::to_vec_pretty(&v).expect("json")).expect("write");

    let (plan, out) = replan(&fresh, "5");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r = &plan["replan"];
    assert_eq!(r["users_gone"], 1);
    assert_eq!(r["users_new"], 1);
    assert_eq!(r["actions_done"], 1);
    let skipped = plan["skipped"].as_array().expect("skipped");
    assert!(
        skipped.iter().any(|s| s["user_id"] == gone_id.as_str()
            && s["why"]
                .as_str()
                .is_some_and(|w| w.contains("not in the fresh export"))),
        "{skipped:?}"
    );
    assert_eq!(held(&plan, "new-since-planning"), ["new.hire@contoso.com"]);
    let named: Vec<&str> = actions(stage(&plan, 5))
        .iter()
        .filter_map(|a| a["user"].as_str())
        .collect();
    assert!(!named.contains(&gone_id.as_str()));
    assert!(
        !named.contains(&done_id.as_str()),
        "{done_upn} is done already"
    );
    assert_eq!(plan["summary"]["users_moving"], 23);
}

#[test]
fn a_group_an_earlier_stage_creates_must_be_in_the_fresh_export() {
    // The original export as the "fresh" one: stage 2 never ran.
    let (_, out) = replan(&testdata("contoso"), "3");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("which stage 2 creates, is not in the fresh export"),
        "{err}"
    );
    assert!(err.contains("uniqueName"), "{err}");
    assert!(err.contains("licplan verify"), "{err}");
    // From stage 2 on, the groups are still to be created: that re-plan is the plan itself.
    let (plan, out) = replan(&testdata("contoso"), "2");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(plan["placeholders"].as_array().map(Vec::len), Some(4));
    assert_eq!(plan["summary"]["users_moving"], 25);
}

#[test]
fn a_stage_the_plan_lacks_and_a_half_given_pair_are_refused() {
    let (_, out) = replan(&testdata("verify/done"), "9");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--from-stage") && err.contains("no stage 9"),
        "{err}"
    );
    assert!(err.contains("1, 2, 3, 4, 5, 6, 7"), "{err}");
    let contoso = testdata("contoso");
    let out = licplan(&[
        "plan",
        contoso.to_str().expect("path"),
        "--intent",
        INTENT,
        "--from-stage",
        "5",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--fresh"));
}

#[test]
fn a_replan_is_the_same_bytes_every_time_and_refuses_to_overwrite_the_fresh_export() {
    let fresh = testdata("verify/drift");
    let (_, a) = replan(&fresh, "5");
    let (_, b) = replan(&fresh, "5");
    assert_eq!(a.stdout, b.stdout);
    let target = fresh.join("organization.json");
    let (_, out) = replan_with(&fresh, "5", &["--output", target.to_str().expect("path")]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_redacted_replan_names_no_user_or_group_of_either_export() {
    let fresh = testdata("verify/drift");
    let (_, out) = replan_with(&fresh, "5", &["--format", "json", "--redact"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    for leak in [
        "@contoso.com",
        "LIC-O365-E3-2",
        "new.hire",
        "5145998d-1617-5af1-bad3-8f415f3a0e95",
    ] {
        assert!(!text.contains(leak), "{leak} in the redacted re-plan");
    }
    let plan: Value = serde_json::from_str(&text).expect("json");
    assert!(plan["export"]["tenant_id"].is_null());
    assert_eq!(plan["replan"]["groups"].as_array().map(Vec::len), Some(4));
}

#[test]
fn a_replan_past_a_stage_that_has_not_run_holds_its_users_back_and_names_the_stage() {
    // The fresh export is the tenant after stage 2: stage 5 (the removals) has not run.
    let (plan, out) = replan(&testdata("verify/done"), "6");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let not_run = plan["replan"]["earlier_not_run"]
        .as_array()
        .expect("earlier_not_run");
    assert_eq!(not_run.len(), 1, "{not_run:?}");
    assert_eq!(not_run[0]["stage"], 5);
    // Every removal of stage 5 is undone on the fresh export, and each leaves its user behind.
    let (full, _) = replan(&testdata("verify/done"), "5");
    let removals = actions(stage(&full, 5)).len() as u64;
    assert!(removals > 0);
    assert_eq!(not_run[0]["actions_not_done"], removals);
    let behind = held(&plan, "earlier-stage-not-done");
    assert_eq!(behind.len() as u64, removals, "{behind:?}");
    assert_eq!(not_run[0]["users_held_back"], removals);
    assert!(
        !held(&plan, "MutuallyExclusiveViolation")
            .iter()
            .any(|u| behind.contains(u)),
        "the stage not run is the reason given, not the conflict it would cause"
    );
    let warned = plan["warnings"]
        .as_array()
        .expect("warnings")
        .iter()
        .filter_map(Value::as_str)
        .any(|w| w.starts_with("Stage 5 has not fully run"));
    assert!(warned, "{:?}", plan["warnings"]);
    // The held-back members leave the carrying groups before their product changes.
    let leaves = actions(stage(&plan, 6))
        .iter()
        .filter(|a| a["op"] == "remove-member")
        .count() as u64;
    assert_eq!(leaves, removals);
    assert_eq!(plan["verdict"]["status"], "safe");

    // With one removal done, only that user moves on.
    let dir = tempfile::tempdir().expect("temp");
    let fresh = dir.path().join("fresh");
    std::fs::create_dir(&fresh).expect("dir");
    for e in std::fs::read_dir(testdata("verify/done")).expect("done") {
        let p = e.expect("entry").path();
        std::fs::copy(&p, fresh.join(p.file_name().expect("name"))).expect("copy");
    }
    let first = &actions(stage(&full, 5))[0];
    let id = first["user"].as_str().expect("user");
    let sku = first["sku"].as_str().expect("sku");
    let mut edited = 0;
    for name in ["users.page1.json", "users.page2.json"] {
        let p = fresh.join(name);
        let mut v: Value = serde_json::from_slice(&std::fs::read(&p).expect("read")).expect("json");
        for u in v["value"].as_array_mut().expect("value") {
            if u["id"] == id {
                let states = u["licenseAssignmentStates"].as_array_mut().expect("states");
                states.retain(|s| {
                    !(s["assignedByGroup"].is_null()
                        && s["skuId"]
                            .as_str()
                            .is_some_and(|x| x.eq_ignore_ascii_case(sku)))
                });
                edited += 1;
            }
        }
        std::fs::write(&p, serde_json::to_vec_pretty(&v).expect("json")).expect("write");
    }
    assert_eq!(edited, 1);
    let (plan, _) = replan(&fresh, "6");
    assert_eq!(
        plan["replan"]["earlier_not_run"][0]["actions_not_done"],
        removals - 1
    );
    assert_eq!(
        held(&plan, "earlier-stage-not-done").len() as u64,
        removals - 1
    );
    let upn = first["user_upn"].as_str().expect("upn");
    assert!(!held(&plan, "earlier-stage-not-done").contains(&upn.to_owned()));
}
