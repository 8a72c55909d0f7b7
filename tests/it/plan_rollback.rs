//! Rollbacks as ops (issue 13, item 5): the planner's scenarios, each with its facts asserted
//! from the plan JSON and its table kept as a snapshot.

use serde_json::Value;

use crate::common::plan_scenario;

fn stage<'a>(plan: &'a Value, kind: &str) -> &'a Value {
    plan["stages"]
        .as_array()
        .and_then(|v| v.iter().find(|s| s["kind"] == kind))
        .unwrap_or_else(|| panic!("a {kind} stage in {plan}"))
}

fn ops(actions: &Value) -> Vec<String> {
    actions
        .as_array()
        .expect("a list of actions")
        .iter()
        .map(|a| {
            let who = a["user_upn"]
                .as_str()
                .or(a["group_name"].as_str())
                .unwrap_or("");
            format!("{} {who}", a["op"].as_str().unwrap_or("?"))
        })
        .collect()
}

#[test]
fn an_existing_carrying_group_keeps_its_license_and_members_when_stage_2_is_rolled_back() {
    let (plan, table) = plan_scenario("plan-rollback-existing-group", 0);
    assert_eq!(plan["verdict"]["status"], "safe");
    let g = &plan["moves"][0]["groups"][0];
    assert_eq!(g["group_name"], "LIC-E3");
    assert_eq!(g["created"], false);
    let st = stage(&plan, "assign-groups");
    // Only the two members the plan added leave; LIC-E3 keeps its license and is not deleted.
    assert_eq!(
        ops(&st["rollback_actions"]),
        [
            "remove-member alice@contoso.com",
            "remove-member bob@contoso.com",
            "wait-for-processing ",
        ]
    );
    let text = st["rollback"].to_string();
    assert!(!text.contains("As stage"), "{text}");
    // The proof compared all four users, Carol and Dave (LIC-E3's own members) too.
    let part = plan["rollback"]["parts"]
        .as_array()
        .expect("parts")
        .iter()
        .find(|p| p["stage"] == st["number"])
        .expect("stage 2's proof");
    assert_eq!(part["users_checked"], 4, "{part}");
    assert_eq!(part["proven"], true, "{part}");
    assert_eq!(plan["rollback"]["proven"], true);
    assert!(
        plan["verdict"].get("warnings").is_none(),
        "{}",
        plan["verdict"]
    );
    assert!(table.contains("Rollback summary"), "{table}");
    insta::assert_snapshot!("plan-rollback-existing-group", table);
}

#[test]
fn the_removal_waves_rollback_re_adds_each_direct_license_with_that_users_disabled_plans() {
    let (plan, table) = plan_scenario("plan-rollback-removal-disabled-plans", 0);
    assert_eq!(plan["verdict"]["status"], "safe");
    let st = stage(&plan, "remove-direct");
    let mut seen = Vec::new();
    for w in st["waves"].as_array().expect("waves") {
        let rb = w["rollback_actions"].as_array().expect("rollback ops");
        assert_eq!(rb.len(), 1, "{w}");
        let a = &rb[0];
        assert_eq!(a["op"], "assign-direct-license");
        assert_eq!(a["sku_part_number"], "STANDARDPACK");
        // The wave's own removal is undone for the same user.
        assert_eq!(a["user"], w["actions"][0]["user"], "{w}");
        let plans: Vec<String> = a["disabled_plans"]
            .as_array()
            .map(|v| {
                v.iter()
                    .map(|p| p.as_str().unwrap_or("?").to_owned())
                    .collect()
            })
            .unwrap_or_default();
        seen.push((a["user_upn"].as_str().unwrap_or("?").to_owned(), plans));
    }
    seen.sort();
    assert_eq!(
        seen,
        [
            (
                "alice@contoso.com".to_owned(),
                vec!["YAMMER_ENTERPRISE".to_owned()]
            ),
            (
                "bob@contoso.com".to_owned(),
                vec!["SWAY".to_owned(), "YAMMER_ENTERPRISE".to_owned()]
            ),
            ("carol@contoso.com".to_owned(), vec![]),
        ]
    );
    let text = st["rollback"].to_string();
    assert!(!text.contains("@(...)") && !text.contains('<'), "{text}");
    // Stage 2 deletes only the three groups it created, after their licenses are removed.
    let a = ops(&stage(&plan, "assign-groups")["rollback_actions"]);
    let first_delete = a
        .iter()
        .position(|o| o.starts_with("delete-group"))
        .expect("a delete");
    let last_license = a
        .iter()
        .rposition(|o| o.starts_with("remove-group-license"))
        .expect("a license removal");
    assert!(last_license < first_delete, "{a:?}");
    assert_eq!(
        a.iter().filter(|o| o.starts_with("delete-group")).count(),
        3,
        "{a:?}"
    );
    for p in plan["rollback"]["parts"].as_array().expect("parts") {
        assert_eq!(p["proven"], true, "{p}");
    }
    insta::assert_snapshot!("plan-rollback-removal-disabled-plans", table);
}

#[test]
fn the_sample_intents_rollbacks_are_all_proven() {
    for intent in [
        "plans/e1-to-e3.yaml",
        "plans/e1-direct-to-group.yaml",
        "plans/two-moves.yaml",
    ] {
        let out = crate::common::licplan(&[
            "plan",
            "testdata/contoso",
            "--intent",
            intent,
            "--format",
            "json",
        ]);
        let plan: Value = serde_json::from_slice(&out.stdout).expect("JSON");
        assert_eq!(
            plan["rollback"]["proven"], true,
            "{intent}: {}",
            plan["rollback"]
        );
        for st in plan["stages"].as_array().expect("stages") {
            let text = st["rollback"].to_string();
            assert!(
                !text.contains("As stage") && !text.contains("@(...)"),
                "{intent}: {text}"
            );
            let undoes = !st["rollback_actions"].as_array().expect("ops").is_empty()
                || st["waves"].as_array().is_some_and(|w| {
                    w.iter()
                        .any(|w| !w["rollback_actions"].as_array().expect("ops").is_empty())
                });
            let writes = st["writes"].as_u64().unwrap_or(0) > 0;
            assert_eq!(
                undoes, writes,
                "{intent}: stage {} writes and has a rollback",
                st["number"]
            );
        }
    }
}

#[test]
fn a_rollback_without_a_seat_is_not_proven_and_the_plan_says_why() {
    let (plan, table) = plan_scenario("plan-rollback-no-seat", 0);
    // The forward plan is safe: an unproven rollback is a warning, not a verdict change.
    assert_eq!(plan["verdict"]["status"], "safe");
    assert_eq!(plan["rollback"]["proven"], false);
    let st = stage(&plan, "change-direct");
    let wave = &st["waves"][0];
    assert_eq!(
        ops(&wave["rollback_actions"]),
        ["change-direct-license alice@contoso.com"]
    );
    let rb = &wave["rollback_actions"][0];
    assert_eq!(rb["sku_part_number"], "ENTERPRISEPACK -> STANDARDPACK");
    let failed: Vec<&Value> = plan["rollback"]["parts"]
        .as_array()
        .expect("parts")
        .iter()
        .filter(|p| p["proven"] == false)
        .collect();
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert_eq!(failed[0]["stage"], st["number"]);
    assert_eq!(failed[0]["wave"], 1);
    let why = failed[0]["reasons"].to_string();
    assert!(
        why.contains("CountViolation") && why.contains("STANDARDPACK"),
        "{why}"
    );
    let warnings = plan["verdict"]["warnings"].as_array().expect("warnings");
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].as_str().unwrap_or("").contains("not proven"),
        "{warnings:?}"
    );
    assert!(table.contains("NOT proven"), "{table}");
    insta::assert_snapshot!("plan-rollback-no-seat", table);
}

#[test]
fn the_checkpointed_replay_tells_a_restored_user_from_a_changed_one() {
    use licplan::simulate::engine::{simulate_checkpointed, Item};
    use licplan::simulate::ops::{Ids, Op, OpSource, PlanRef};
    let loaded = crate::common::load(&[std::path::Path::new(
        "testdata/scenarios/plan-rollback-removal-disabled-plans/tenant",
    )]);
    let t = &loaded.tenant;
    let rules = licplan::simulate::rules::Rules::bundled().expect("bundled rules");
    let alice = t
        .users
        .values()
        .find(|u| u.upn.as_deref() == Some("alice@contoso.com"))
        .expect("alice");
    let (id, e1) = (alice.id, alice.assignments[0].sku);
    let hers: Vec<PlanRef> = alice.assignments[0]
        .disabled_plans
        .iter()
        .map(|p| PlanRef {
            id: *p,
            name: "YAMMER_ENTERPRISE".into(),
        })
        .collect();
    assert_eq!(hers.len(), 1, "Alice has Yammer disabled");
    let src = |p: &str| OpSource { path: p.to_owned() };
    let remove: Op<Ids> = Op::RemoveDirectLicense { user: id, sku: e1 };
    let again = |disabled_plans| Op::AssignDirectLicense {
        user: id,
        sku: e1,
        disabled_plans,
    };
    // Removed, then assigned again with every plan enabled: not what she held. Removed again,
    // then assigned as she held it: restored.
    let mut items = vec![
        Item::Snapshot {
            key: 0,
            users: vec![id],
        },
        Item::Snapshot {
            key: 1,
            users: vec![id],
        },
        Item::Mark(7),
        Item::Op(src("a"), remove.clone()),
        Item::Op(src("b"), again(Vec::new())),
        Item::Compare {
            key: 0,
            settle: true,
        },
        Item::Op(src("c"), remove),
        Item::Mark(8),
        Item::Op(src("d"), again(hers)),
        Item::Compare {
            key: 1,
            settle: false,
        },
    ]
    .into_iter();
    let st = licplan::simulate::state::State::new(t, &rules);
    let (report, cps) = simulate_checkpointed(st, &mut items, std::path::Path::new("x.yaml"), true)
        .expect("replays");
    let differ: Vec<(u32, u64, usize)> = cps
        .compares
        .iter()
        .map(|c| (c.key, c.compared, c.differ.len()))
        .collect();
    assert_eq!(differ, [(0, 1, 1), (1, 1, 0)], "{:?}", cps.compares);
    assert_eq!(cps.marks, [(7, 1), (8, 4)]);
    // Her only license goes at step 1: a loss, attributed to the part marked 7.
    let first = report.violations.first().expect("the removal loses her E1");
    assert_eq!(first.step, 1);
    assert_eq!(cps.label_of(first.step), Some(7));
    assert_eq!(cps.label_of(4), Some(8));
    assert_eq!(cps.label_of(0), None);
}
