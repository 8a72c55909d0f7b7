//! Issue 13 items 8–11 through the real binary: least elapsed times (paced writes, processing
//! waits, soaks), the pilot's choice, the names of created groups, and seats counted from the
//! write whose processing takes them.

use serde_json::Value;

use crate::common::{licplan, plan_scenario};

fn stage<'a>(plan: &'a Value, kind: &str) -> &'a Value {
    plan["stages"]
        .as_array()
        .and_then(|v| v.iter().find(|s| s["kind"] == kind))
        .unwrap_or_else(|| panic!("no {kind} stage"))
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or(f64::NAN)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

/// The UPNs of a wave's actions.
fn upns(wave: &Value) -> Vec<String> {
    let mut v: Vec<String> = wave["actions"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x["user_upn"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

#[test]
fn plan_time_soaks() {
    let (plan, table) = plan_scenario("plan-time-soaks", 0);
    // 7 writes at 2,400 per 150 s: under half a second, not "2.5 minutes".
    let groups = stage(&plan, "assign-groups");
    assert_eq!(groups["writes"], 7);
    assert!(
        close(f(&groups["min_minutes"]), 7.0 * 2.5 / 2400.0),
        "{groups}"
    );
    assert!(close(
        f(&groups["least_elapsed_minutes"]),
        7.0 * 2.5 / 2400.0
    ));
    // The dual-assignment check waits for processing: 5 minutes + 1.44 s for each of 5 users.
    let verify = stage(&plan, "verify-dual-assignment");
    assert!(
        close(f(&verify["processing_wait_minutes"]), 308.0 / 60.0),
        "{verify}"
    );
    assert!(close(f(&verify["least_elapsed_minutes"]), 308.0 / 60.0));
    // Waves: pilot 1 soaks 4 h, wave 2 soaks 30 min, the last none.
    let removal = stage(&plan, "remove-direct");
    let waves = removal["waves"].as_array().expect("waves");
    let soaks: Vec<f64> = waves.iter().map(|w| f(&w["soak_minutes"])).collect();
    assert_eq!(soaks, [240.0, 30.0, 0.0]);
    let sizes: Vec<u64> = waves.iter().filter_map(|w| w["users"].as_u64()).collect();
    assert_eq!(sizes, [1, 2, 2]);
    for w in waves {
        let writes = w["writes"].as_f64().unwrap_or(0.0);
        assert!(close(f(&w["min_minutes"]), writes * 2.5 / 2400.0), "{w}");
        assert!(close(
            f(&w["least_elapsed_minutes"]),
            f(&w["min_minutes"]) + f(&w["soak_minutes"])
        ));
    }
    assert!(
        waves[0]["gates"][0]
            .as_str()
            .is_some_and(|g| g.contains("for at least 4 hours before the next wave")),
        "{}",
        waves[0]["gates"]
    );
    // The plan's least elapsed time is the sum of its stages'.
    let total: f64 = plan["stages"]
        .as_array()
        .map(|v| v.iter().map(|s| f(&s["least_elapsed_minutes"])).sum())
        .unwrap_or(0.0);
    let expected = (12.0 * 2.5 / 2400.0) + 308.0 / 60.0 + 270.0;
    assert!(close(total, expected), "{total} != {expected}");
    assert!(close(f(&plan["summary"]["least_elapsed_minutes"]), total));
    assert!(table.contains("least elapsed time 4 h 35 min"), "{table}");
    let assumptions = plan["assumptions"].to_string();
    assert!(assumptions.contains("2400 per 150 s"), "{assumptions}");
    assert!(assumptions.contains("an estimate"), "{assumptions}");
    insta::assert_snapshot!("plan-time-soaks", table);
}

#[test]
fn soak_times_without_a_unit_are_refused_naming_the_field() {
    let out = licplan(&[
        "plan",
        "testdata/scenarios/plan-time-soaks/tenant",
        "--intent",
        "testdata/scenarios/plan-time-soaks/bad-soak.yaml",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("waves.pilot_soak"), "{err}");
    assert!(
        err.contains("4 is not a soak time: write its unit"),
        "{err}"
    );
    assert!(err.contains("waves.soak"), "{err}");
    assert!(err.contains("\"1 week\" is not a soak time"), "{err}");
}

#[test]
fn plan_pilot_covers_every_set() {
    let (plan, table) = plan_scenario("plan-pilot-covers-every-set", 0);
    let removal = stage(&plan, "remove-direct");
    let pilot = &removal["waves"][0];
    assert_eq!(pilot["label"], "pilot");
    // One user of each carrying group (no plan, TEAMS1, SWAY disabled), not the first three UPNs.
    assert_eq!(
        upns(pilot),
        ["alice@contoso.com", "yan@contoso.com", "zoe@contoso.com"]
    );
    assert_eq!(plan["moves"][0]["groups"].as_array().map(Vec::len), Some(3));
    assert_eq!(plan["pilot"]["source"], "count");
    assert_eq!(plan["pilot"]["users"], 3);
    // The later waves take the rest by UPN.
    assert_eq!(
        upns(&removal["waves"][1]),
        ["bob@contoso.com", "carol@contoso.com"]
    );
    insta::assert_snapshot!("plan-pilot-covers-every-set", table);
}

#[test]
fn plan_pilot_named() {
    let (plan, table) = plan_scenario("plan-pilot-named", 0);
    let removal = stage(&plan, "remove-direct");
    assert_eq!(upns(&removal["waves"][0]), ["dave@contoso.com"]);
    assert_eq!(removal["waves"][0]["label"], "pilot");
    assert_eq!(plan["pilot"]["source"], "file:pilot.txt");
    assert_eq!(plan["pilot"]["users"], 1);
    assert_eq!(
        plan["pilot"]["named_not_moving"],
        serde_json::json!(["frank@contoso.com"])
    );
    assert!(table.contains(
        "Warning: 1 user named for the pilot is not moving (held back, skipped or out of scope): frank@contoso.com."
    ), "{table}");
    // Every mover still moves: the pilot only orders them.
    assert_eq!(plan["summary"]["users_moving"], 5);
    insta::assert_snapshot!("plan-pilot-named", table);

    // The same pilot named by a group's direct user members.
    let out = licplan(&[
        "plan",
        "testdata/scenarios/plan-pilot-named/tenant",
        "--intent",
        "testdata/scenarios/plan-pilot-named/intent-group.yaml",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let by_group: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(
        upns(&stage(&by_group, "remove-direct")["waves"][0]),
        ["dave@contoso.com"]
    );
    assert_eq!(by_group["pilot"]["source"], "group:Pilot users");
    assert_eq!(
        by_group["pilot"]["named_not_moving"],
        serde_json::json!(["frank@contoso.com"])
    );
}

#[test]
fn a_named_pilot_that_does_not_resolve_is_refused_naming_the_field() {
    let dir = tempfile::tempdir().expect("temp dir");
    let intent = dir.path().join("intent.yaml");
    std::fs::write(
        &intent,
        "name: x\nmoves:\n  - {from: STANDARDPACK, to: STANDARDPACK, group: G}\nwaves:\n  pilot: group:No such group\n",
    )
    .expect("write");
    let intent = intent.to_string_lossy().into_owned();
    let out = licplan(&[
        "plan",
        "testdata/scenarios/plan-pilot-named/tenant",
        "--intent",
        &intent,
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("waves.pilot"), "{err}");
    assert!(err.contains("No such group"), "{err}");
}

#[test]
fn plan_names_from_the_intent() {
    let (plan, table) = plan_scenario("plan-names-from-the-intent", 0);
    let groups = plan["moves"][0]["groups"].as_array().expect("groups");
    let names: Vec<&str> = groups
        .iter()
        .filter_map(|g| g["group_name"].as_str())
        .collect();
    // "lic o365 e1-2" exists in the tenant: the second group skips to -3.
    assert_eq!(names, ["LIC O365 E1", "LIC O365 E1-3"]);
    let nicks: Vec<&str> = groups
        .iter()
        .filter_map(|g| g["mail_nickname"].as_str())
        .collect();
    assert_eq!(nicks, ["LIC-O365-E1", "LIC-O365-E1-3"]);
    for n in &nicks {
        assert!(n.len() <= 64);
        assert!(
            n.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)),
            "{n}"
        );
    }
    assert!(
        groups[1]["description"]
            .as_str()
            .is_some_and(|d| d.starts_with("STANDARDPACK, disabled: SWAY;")),
        "{}",
        groups[1]
    );
    assert!(groups[0]["description"]
        .as_str()
        .is_some_and(|d| d.contains("no service plan disabled")));
    // The create-group actions carry the same names, as ops files read them.
    let creates: Vec<&Value> = stage(&plan, "assign-groups")["actions"]
        .as_array()
        .map(|a| a.iter().filter(|x| x["op"] == "create-group").collect())
        .unwrap_or_default();
    assert_eq!(creates.len(), 2);
    assert_eq!(creates[1]["group"], "LIC O365 E1-3");
    assert_eq!(creates[1]["mail_nickname"], "LIC-O365-E1-3");
    assert!(creates[1]["description"]
        .as_str()
        .is_some_and(|d| d.contains("SWAY")));
    insta::assert_snapshot!("plan-names-from-the-intent", table);
}

#[test]
fn plan_seats_at_the_write() {
    let (plan, table) = plan_scenario("plan-seats-at-the-write", 0);
    let change = stage(&plan, "change-products")["number"].clone();
    let verify = stage(&plan, "verify-product-change")["number"].clone();
    let seats = plan["seats"].as_array().expect("seats");
    let e3 = |n: &Value| {
        seats
            .iter()
            .find(|s| s["stage"] == *n && s["wave"].is_null() && s["sku"] == "ENTERPRISEPACK")
            .cloned()
            .unwrap_or(Value::Null)
    };
    // The E3 seats can be taken as soon as the group's product changes: the peak is there.
    assert_eq!(e3(&change)["peak"], 3, "{}", e3(&change));
    assert_eq!(e3(&change)["consumed"], 0);
    assert_eq!(e3(&verify)["consumed"], 3);
    // No stage before the change shows an E3 seat taken.
    for s in seats.iter().filter(|s| s["sku"] == "ENTERPRISEPACK") {
        if s["stage"].as_u64() < change.as_u64() {
            assert_eq!(s["peak"], 0, "{s}");
        }
    }
    insta::assert_snapshot!("plan-seats-at-the-write", table);
}
