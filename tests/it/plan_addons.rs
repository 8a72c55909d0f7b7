//! Add-ons and their prerequisites in plans (RULES.md R5, R7, R11): Microsoft's add-on group
//! pattern ('Manage licenses for products with prerequisites') carries users whose add-on
//! depends on a product a move changes, and carries a moved add-on's prerequisite; where it
//! cannot (or the intent turns it off), the user is held back before any simulation with
//! `addon-dependency`. Each scenario's intent.yaml cites its sources.

use serde_json::Value;

use crate::common::plan_scenario;

fn upns(v: &Value, list: &str) -> Vec<String> {
    v[list]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|u| u["upn"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// The groups of the plan's first move, by name.
fn group<'a>(plan: &'a Value, name: &str) -> &'a Value {
    plan["moves"][0]["groups"]
        .as_array()
        .and_then(|gs| gs.iter().find(|g| g["group_name"] == name))
        .unwrap_or_else(|| panic!("no group {name} in {}", plan["moves"][0]["groups"]))
}

/// Every action of the plan, stage by stage and wave by wave, with its stage kind.
fn actions(plan: &Value) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    for st in plan["stages"].as_array().into_iter().flatten() {
        let kind = st["kind"].as_str().unwrap_or("").to_owned();
        for a in st["actions"].as_array().into_iter().flatten() {
            out.push((kind.clone(), a.clone()));
        }
        for w in st["waves"].as_array().into_iter().flatten() {
            for a in w["actions"].as_array().into_iter().flatten() {
                out.push((kind.clone(), a.clone()));
            }
        }
    }
    out
}

/// The E3 seats consumed after the stage of this kind (its first forecast row).
fn seats_after(plan: &Value, kind: &str, sku: &str) -> i64 {
    let stage = plan["stages"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["kind"] == kind))
        .map(|s| s["number"].clone())
        .unwrap_or_else(|| panic!("no {kind} stage"));
    plan["seats"]
        .as_array()
        .and_then(|rows| {
            rows.iter()
                .find(|r| r["stage"] == stage && r["sku"] == sku)
                .and_then(|r| r["consumed"].as_i64())
        })
        .unwrap_or_else(|| panic!("no {sku} seats after {kind}"))
}

const ADDON_GROUP: &str = "LIC-O365-E3-2";

/// The add-on group of a product change: Workplace Analytics, with E3 enabling only Exchange
/// Online (Plan 2); Alice its only member; drawn in its own stage before any product change,
/// the prerequisite assigned before the add-on (a group holding the add-on alone is refused).
fn assert_addon_group_carries_alice(plan: &Value, change_stage: &str) {
    assert_eq!(plan["verdict"]["status"], "safe", "{}", plan["verdict"]);
    assert_eq!(plan["summary"]["users_moving"], 2);
    assert!(upns(plan, "held_back").is_empty(), "{}", plan["held_back"]);
    let g = group(plan, ADDON_GROUP);
    assert_eq!(g["created"], true);
    assert_eq!(g["sku"], "WORKPLACE_ANALYTICS");
    assert_eq!(g["members_added"], 1);
    assert_eq!(g["also_carries"][0]["role"], "prerequisite");
    assert_eq!(g["also_carries"][0]["sku"], "ENTERPRISEPACK");
    assert_eq!(
        g["also_carries"][0]["only_plans"],
        serde_json::json!(["EXCHANGE_S_ENTERPRISE"])
    );
    let all = actions(plan);
    let at = |pred: &dyn Fn(&(String, Value)) -> bool| {
        all.iter()
            .position(pred)
            .unwrap_or_else(|| panic!("no such action in {all:?}"))
    };
    let e3 = at(&|(k, a)| {
        k == "addon-groups"
            && a["op"] == "assign-group-license"
            && a["group_name"] == ADDON_GROUP
            && a["sku_part_number"] == "ENTERPRISEPACK"
    });
    let wpa = at(&|(k, a)| {
        k == "addon-groups"
            && a["op"] == "assign-group-license"
            && a["group_name"] == ADDON_GROUP
            && a["sku_part_number"] == "WORKPLACE_ANALYTICS"
    });
    let join = at(&|(k, a)| {
        k == "addon-groups" && a["op"] == "add-member" && a["user_upn"] == "alice@contoso.com"
    });
    let change = at(&|(k, _)| k == change_stage);
    assert!(
        e3 < wpa && wpa < join && join < change,
        "{e3} {wpa} {join} {change}"
    );
    // Only Alice joins the add-on group; Bob has no add-on.
    assert!(!all.iter().any(|(k, a)| k == "addon-groups"
        && a["op"] == "add-member"
        && a["user_upn"] == "bob@contoso.com"));
    // Alice's E3 seat is taken at the add-on group's stage, before the change (R2: the same
    // seat the change needs).
    assert_eq!(seats_after(plan, "addon-groups", "ENTERPRISEPACK"), 1);
}

#[test]
fn an_addon_user_in_an_atomic_group_product_change_is_carried_by_an_addon_group() {
    let name = "plan-addon-group-change";
    let (plan, table) = plan_scenario(name, 0);
    assert_addon_group_carries_alice(&plan, "change-products");
    insta::assert_snapshot!(name, table);
}

#[test]
fn without_addon_groups_the_addon_user_is_held_back_before_any_simulation() {
    let name = "plan-addon-group-off";
    let (plan, table) = plan_scenario(name, 0);
    assert_eq!(plan["verdict"]["status"], "safe");
    assert_eq!(upns(&plan, "held_back"), ["alice@contoso.com"]);
    let h = &plan["held_back"][0];
    assert_eq!(h["reason"], "addon-dependency");
    let detail = h["detail"].as_str().unwrap_or_default();
    for part in [
        "WORKPLACE_ANALYTICS",
        "EXCHANGE_S_ENTERPRISE or EXCHANGE_S_STANDARD",
        "STANDARDPACK",
        "addon_groups is false",
    ] {
        assert!(detail.contains(part), "{part:?} in {detail:?}");
    }
    assert!(h["fix"]
        .as_str()
        .unwrap_or_default()
        .contains("addon_groups"));
    // Held back by the precheck, not by a failed round: the simulation saw no error at all.
    assert_eq!(plan["verdict"]["errors"], serde_json::json!([]));
    assert!(!actions(&plan)
        .iter()
        .any(|(_, a)| a["user_upn"] == "alice@contoso.com"));
    assert_eq!(plan["summary"]["groups_created"], 1);
    insta::assert_snapshot!(name, table);
}

#[test]
fn an_addon_user_in_a_direct_product_change_is_carried_by_an_addon_group() {
    let name = "plan-addon-direct-change";
    let (plan, table) = plan_scenario(name, 0);
    assert_addon_group_carries_alice(&plan, "change-direct");
    insta::assert_snapshot!(name, table);
}

#[test]
fn an_addon_whose_prerequisite_comes_from_another_product_is_not_touched() {
    let name = "plan-addon-prereq-elsewhere";
    let (plan, table) = plan_scenario(name, 0);
    assert_eq!(plan["verdict"]["status"], "safe");
    assert_eq!(plan["summary"]["users_moving"], 2);
    assert!(upns(&plan, "held_back").is_empty());
    let groups = plan["moves"][0]["groups"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(
        groups.iter().all(|g| g.get("also_carries").is_none()),
        "no add-on group: {groups:?}"
    );
    assert!(!actions(&plan).iter().any(|(k, a)| k == "addon-groups"
        || a["sku_part_number"] == "WORKPLACE_ANALYTICS"
        || a["sku_part_number"] == "EXCHANGEENTERPRISE"));
    insta::assert_snapshot!(name, table);
}

#[test]
fn audio_conferencing_on_skype_for_business_uses_the_same_pattern() {
    let name = "plan-addon-audio-conferencing";
    let (plan, table) = plan_scenario(name, 0);
    assert_eq!(plan["verdict"]["status"], "safe", "{}", plan["verdict"]);
    assert!(upns(&plan, "held_back").is_empty(), "{}", plan["held_back"]);
    let g = group(&plan, "LIC-O365-E3-2");
    assert_eq!(g["sku"], "MCOMEETADV");
    assert_eq!(g["also_carries"][0]["sku"], "ENTERPRISEPACK");
    assert_eq!(
        g["also_carries"][0]["only_plans"],
        serde_json::json!(["MCOSTANDARD"])
    );
    insta::assert_snapshot!(name, table);
}

#[test]
fn a_moved_addon_is_carried_with_its_prerequisite_one_group_per_prerequisite_product() {
    let name = "plan-addon-move";
    let (plan, table) = plan_scenario(name, 0);
    assert_eq!(plan["verdict"]["status"], "safe", "{}", plan["verdict"]);
    assert_eq!(plan["summary"]["users_moving"], 3);
    assert!(upns(&plan, "held_back").is_empty(), "{}", plan["held_back"]);
    let e3 = group(&plan, "LIC-WPA");
    assert_eq!(e3["sku"], "WORKPLACE_ANALYTICS");
    assert_eq!(e3["members_added"], 2);
    assert_eq!(e3["also_carries"][0]["sku"], "ENTERPRISEPACK");
    assert_eq!(
        e3["also_carries"][0]["only_plans"],
        serde_json::json!(["EXCHANGE_S_ENTERPRISE"])
    );
    let e1 = group(&plan, "LIC-WPA-2");
    assert_eq!(e1["members_added"], 1);
    assert_eq!(e1["also_carries"][0]["sku"], "STANDARDPACK");
    assert_eq!(
        e1["also_carries"][0]["only_plans"],
        serde_json::json!(["EXCHANGE_S_STANDARD"])
    );
    let all = actions(&plan);
    let joined = |g: &str, u: &str| {
        all.iter()
            .any(|(_, a)| a["op"] == "add-member" && a["group_name"] == g && a["user_upn"] == u)
    };
    assert!(joined("LIC-WPA", "alice@contoso.com") && joined("LIC-WPA", "bob@contoso.com"));
    assert!(joined("LIC-WPA-2", "carol@contoso.com"));
    // The prerequisite products take no extra seat: each user holds the product already (R2).
    let rows = plan["seats"].as_array().cloned().unwrap_or_default();
    for (sku, seats) in [("ENTERPRISEPACK", 2), ("STANDARDPACK", 1)] {
        assert!(
            rows.iter()
                .filter(|r| r["sku"] == sku)
                .all(|r| r["consumed"] == seats && r["peak"] == seats),
            "{sku}: {rows:?}"
        );
    }
    insta::assert_snapshot!(name, table);
}

#[test]
fn the_seat_allocation_counts_the_addon_groups_seat_as_the_movers_one_seat() {
    let name = "plan-addon-seats";
    let (plan, table) = plan_scenario(name, 0);
    assert_eq!(plan["verdict"]["status"], "safe", "{}", plan["verdict"]);
    assert_eq!(upns(&plan, "held_back"), ["bob@contoso.com"]);
    assert_eq!(plan["held_back"][0]["reason"], "CountViolation");
    assert_eq!(plan["verdict"]["errors"], serde_json::json!([]));
    let rows = plan["seats"].as_array().cloned().unwrap_or_default();
    assert!(
        rows.iter()
            .filter(|r| r["sku"] == "ENTERPRISEPACK")
            .all(|r| r["peak"].as_i64() <= Some(5)),
        "{rows:?}"
    );
    assert_eq!(seats_after(&plan, "addon-groups", "ENTERPRISEPACK"), 5);
    insta::assert_snapshot!(name, table);
}

#[test]
fn two_moves_on_the_sample_tenant_moves_its_workplace_analytics_users_through_addon_groups() {
    let out = crate::common::licplan(&[
        "plan",
        "testdata/contoso",
        "--intent",
        "plans/two-moves.yaml",
        "--format",
        "json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let plan: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(plan["verdict"]["status"], "safe");
    assert!(upns(&plan, "held_back").is_empty(), "{}", plan["held_back"]);
    assert_eq!(plan["moves"][0]["users"], 2);
    let g = group(&plan, "LIC-WPA");
    assert_eq!(g["also_carries"][0]["sku"], "ENTERPRISEPACK");
    assert_eq!(
        g["also_carries"][0]["only_plans"],
        serde_json::json!(["EXCHANGE_S_ENTERPRISE"])
    );
    assert_eq!(g["members_added"], 2);
}

#[test]
fn where_the_addon_group_would_conflict_the_user_is_held_back_with_the_conflict_named() {
    let name = "plan-addon-pattern-conflicts";
    let (plan, table) = plan_scenario(name, 0);
    assert_eq!(plan["verdict"]["status"], "safe");
    assert_eq!(upns(&plan, "held_back"), ["alice@contoso.com"]);
    let h = &plan["held_back"][0];
    assert_eq!(h["reason"], "addon-dependency");
    let detail = h["detail"].as_str().unwrap_or_default();
    for part in [
        "WORKPLACE_ANALYTICS",
        "EXCHANGE_S_ENTERPRISE of ENTERPRISEPACK would conflict with EXCHANGE_S_STANDARD",
        "exchange-online-plan1-plan2",
    ] {
        assert!(detail.contains(part), "{part:?} in {detail:?}");
    }
    assert!(!actions(&plan).iter().any(|(k, _)| k == "addon-groups"));
    assert_eq!(plan["summary"]["users_moving"], 1);
    insta::assert_snapshot!(name, table);
}
