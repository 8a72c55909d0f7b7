//! `licplan verify` on fresh exports of the sample tenant after stage 2 of `plans/e1-to-e3.yaml`
//! (`testdata/verify/`, built by `testdata/verify/make.py`): each fixture's statuses, verdict
//! and exit code, the JSON contract, and one Markdown snapshot.

use std::path::Path;

use serde_json::Value;

use crate::common::{licplan, testdata};

const PLAN: &str = "testdata/verify/plan.json";

/// Runs verify of stage 2 on a fixture (or any folder) with `--format json`; the report and the
/// exit code.
#[track_caller]
fn verify(tenant: &str) -> (Value, i32) {
    verify_at(tenant, &["--stage", "2"])
}

/// Runs verify of the unit `at` names (`--stage N [--wave K]`).
#[track_caller]
fn verify_at(tenant: &str, at: &[&str]) -> (Value, i32) {
    let mut args = vec!["verify", tenant, "--plan", PLAN, "--format", "json"];
    args.extend_from_slice(at);
    let out = licplan(&args);
    let code = out.status.code().expect("an exit code");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{tenant}: not JSON ({e}); stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (v, code)
}

/// The status of each user, by UPN.
fn statuses(v: &Value) -> Vec<(String, String)> {
    v["users"]
        .as_array()
        .expect("users")
        .iter()
        .map(|u| {
            (
                u["user"].as_str().expect("user").to_owned(),
                u["status"].as_str().expect("status").to_owned(),
            )
        })
        .collect()
}

fn user<'v>(v: &'v Value, upn: &str) -> &'v Value {
    v["users"]
        .as_array()
        .expect("users")
        .iter()
        .find(|u| u["user"] == upn)
        .unwrap_or_else(|| panic!("{upn} not in the report"))
}

fn not_done(v: &Value) -> Vec<(String, String)> {
    statuses(v)
        .into_iter()
        .filter(|(_, s)| s != "done")
        .collect()
}

#[test]
fn all_done_is_ready_with_every_created_group_found_by_unique_name() {
    let (v, code) = verify("testdata/verify/done");
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(v["verdict"]["status"], "ready");
    assert_eq!(v["verdict"]["counts"]["done"], 25);
    assert_eq!(not_done(&v), vec![]);
    let found: Vec<&str> = v["placeholders"]
        .as_array()
        .expect("placeholders")
        .iter()
        .map(|p| p["found"].as_str().expect("found"))
        .collect();
    assert_eq!(found, vec!["unique-name"; 4]);
    // The real ids, not the plan's placeholders.
    let p = &v["placeholders"][0];
    assert_ne!(p["group_id"], p["placeholder_id"]);
    for g in v["groups"].as_array().expect("groups") {
        assert_eq!(g["processing"], "ProcessingComplete", "{g}");
        assert_eq!(g["members_in_error"], 0, "{g}");
    }
    // Every user of the pilot wave is done with stages 1 to 4.
    assert_eq!(v["next_wave"]["stage"], 5);
    assert_eq!(v["next_wave"]["wave"], 1);
    assert_eq!(v["next_wave"]["ready"].as_array().expect("ready").len(), 10);
    assert_eq!(v["next_wave"]["not_ready"], serde_json::json!([]));
    assert_eq!(v["drift"]["resimulation"]["verdict"], "SAFE");
    assert_eq!(v["drift"]["users_added"], serde_json::json!([]));
    // The evidence is the export's rows.
    let e = &user(&v, "adele.vance@contoso.com")["evidence"];
    assert!(
        e.as_array()
            .expect("rows")
            .iter()
            .any(|r| r["path"] == "via LIC-O365-E3-2" && r["state"] == "Active"),
        "{e}"
    );
}

#[test]
fn users_without_a_group_path_or_membership_yet_are_pending() {
    let (v, code) = verify("testdata/verify/pending");
    assert_eq!(code, 3, "{v:#}");
    assert_eq!(v["verdict"]["status"], "not-ready");
    let mut pending = not_done(&v);
    pending.sort();
    assert_eq!(
        pending,
        [
            "allan.deyoung@contoso.com",
            "emily.braun@contoso.com",
            "joni.sherman@contoso.com",
            "lee.gu@contoso.com"
        ]
        .map(|u| (u.to_owned(), "pending".to_owned()))
    );
    let why = user(&v, "lee.gu@contoso.com")["reasons"].to_string();
    assert!(why.contains("not yet a member of LIC-O365-E3-2"), "{why}");
    let why = user(&v, "joni.sherman@contoso.com")["reasons"].to_string();
    assert!(why.contains("QueuedForProcessing"), "{why}");
    let queued = v["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .find(|g| g["group"] == "LIC-O365-E3-3")
        .expect("the group's row");
    assert_eq!(queued["processing"], "QueuedForProcessing");
    assert_eq!(v["verdict"]["groups_processing"], 1);
    // Two pilot users are not ready; the rest are.
    let not_ready = v["next_wave"]["not_ready"].to_string();
    assert!(
        not_ready.contains("allan.deyoung@contoso.com (pending)")
            && not_ready.contains("emily.braun@contoso.com (pending)"),
        "{not_ready}"
    );
    assert_eq!(v["next_wave"]["ready"].as_array().expect("ready").len(), 8);
    // Removing their direct licenses now would lose them: the re-simulation says so.
    assert_eq!(v["drift"]["resimulation"]["verdict"], "UNSAFE");
}

#[test]
fn a_count_violation_on_the_group_path_is_blocked_with_its_fix_and_reprocess() {
    let (v, code) = verify("testdata/verify/blocked");
    assert_eq!(code, 3, "{v:#}");
    assert_eq!(
        not_done(&v),
        vec![("megan.bowen@contoso.com".to_owned(), "blocked".to_owned())]
    );
    let b = &user(&v, "megan.bowen@contoso.com")["blockers"][0];
    assert_eq!(b["error"], "CountViolation");
    assert_eq!(b["path"], "via LIC-O365-E3-2");
    assert_eq!(b["reprocess"], true);
    assert!(b["fix"].as_str().expect("fix").contains("seats"), "{b}");
    let g = v["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .find(|g| g["group"] == "LIC-O365-E3-2")
        .expect("row");
    assert_eq!(g["members_in_error"], 1);
}

#[test]
fn a_user_without_direct_e1_and_without_an_active_group_path_regressed() {
    let (v, code) = verify("testdata/verify/regressed");
    assert_eq!(code, 5, "{v:#}");
    assert_eq!(v["verdict"]["status"], "regressed");
    assert_eq!(
        not_done(&v),
        vec![("adele.vance@contoso.com".to_owned(), "regressed".to_owned())]
    );
    let lost = user(&v, "adele.vance@contoso.com")["lost"].to_string();
    assert!(
        lost.contains("STANDARDPACK (all 34 service plans)"),
        "{lost}"
    );

    let out = licplan(&[
        "verify",
        "testdata/verify/regressed",
        "--plan",
        PLAN,
        "--stage",
        "2",
    ]);
    assert_eq!(out.status.code(), Some(5));
    let text = String::from_utf8(out.stdout).expect("UTF-8");
    assert!(text.contains("STOP THE MIGRATION"), "{text}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("stop the migration"),
        "the exit is explained on stderr too"
    );
}

#[test]
fn drift_lists_a_user_added_to_a_carrying_group_and_lowered_seats_apart_from_the_gate() {
    let (v, code) = verify("testdata/verify/drift");
    // The gate: everyone in scope is done.
    assert_eq!(code, 0, "{v:#}");
    let d = &v["drift"];
    assert_eq!(
        d["users_added"],
        serde_json::json!(["new.hire@contoso.com (LIC-O365-E3-2)"])
    );
    assert_eq!(
        d["seats_changed"],
        serde_json::json!([{"what": "ENTERPRISEPACK", "planned": "39 enabled", "now": "30 enabled"}])
    );
    assert_eq!(d["users_gone"], serde_json::json!([]));
    // The product change of stage 6 no longer has the seats.
    assert_eq!(d["resimulation"]["verdict"], "UNSAFE");
    assert!(
        d["resimulation"]["findings"]
            .to_string()
            .contains("seats: ENTERPRISEPACK"),
        "{d}"
    );
}

#[test]
fn json_report_keeps_its_contract() {
    let (v, _) = verify("testdata/verify/blocked");
    assert_eq!(v["schema_version"], 1);
    assert_eq!(v["stage"], 2);
    assert_eq!(v["wave"], Value::Null);
    assert_eq!(v["unit"], "stage 2 (assign-groups)");
    assert!(v["plan_hash"]
        .as_str()
        .expect("hash")
        .starts_with("sha256:"));
    assert!(v["fresh_export_hash"]
        .as_str()
        .expect("hash")
        .starts_with("sha256:"));
    let counts = v["verdict"]["counts"].as_object().expect("counts");
    let keys: Vec<&str> = counts.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "blocked",
            "done",
            "expected-conflict",
            "pending",
            "regressed"
        ]
    );
    let u = user(&v, "megan.bowen@contoso.com");
    for field in [
        "user_id", "user", "status", "reasons", "blockers", "lost", "evidence",
    ] {
        assert!(u.get(field).is_some(), "users[].{field}");
    }
    for field in [
        "users_gone",
        "users_added",
        "direct_changed",
        "group_licenses_changed",
        "seats_changed",
        "resimulation",
    ] {
        assert!(v["drift"].get(field).is_some(), "drift.{field}");
    }
}

#[test]
fn yaml_is_the_same_report() {
    let out = licplan(&[
        "verify",
        "testdata/verify/pending",
        "--plan",
        PLAN,
        "--stage",
        "2",
        "--format",
        "yaml",
    ]);
    assert_eq!(out.status.code(), Some(3));
    let text = String::from_utf8(out.stdout).expect("UTF-8");
    assert!(text.contains("status: not-ready"), "{text}");
    assert!(text.contains("processing: QueuedForProcessing"), "{text}");
}

#[test]
fn markdown_report_of_pending_users() {
    let out = licplan(&[
        "verify",
        "testdata/verify/pending",
        "--plan",
        PLAN,
        "--stage",
        "2",
        "--format",
        "markdown",
    ]);
    assert_eq!(out.status.code(), Some(3));
    insta::assert_snapshot!(
        "verify__pending__markdown",
        String::from_utf8(out.stdout).expect("UTF-8")
    );
}

/// A copy of the `done` fixture with `edit` applied to each of its files' JSON.
fn edited(edit: impl Fn(&str, &mut Value)) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for entry in std::fs::read_dir(testdata("verify/done")).expect("fixture") {
        let path = entry.expect("entry").path();
        let name = path
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        let mut v: Value =
            serde_json::from_slice(&std::fs::read(&path).expect("read")).expect("JSON");
        edit(&name, &mut v);
        std::fs::write(
            dir.path().join(&name),
            serde_json::to_vec_pretty(&v).expect("JSON"),
        )
        .expect("write");
    }
    dir
}

fn path_str(p: &Path) -> &str {
    p.to_str().expect("UTF-8 path")
}

#[test]
fn created_groups_without_unique_name_are_found_by_display_name() {
    let dir = edited(|name, v| {
        if name == "groups.json" {
            for g in v["value"].as_array_mut().expect("groups") {
                g.as_object_mut().expect("group").remove("uniqueName");
            }
        }
    });
    let (v, code) = verify(path_str(dir.path()));
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(v["placeholders"][0]["found"], "display-name");
}

/// The done fixture with `field` removed from every record of the files `file` picks.
fn without_field(file: impl Fn(&str) -> bool, field: &str) -> tempfile::TempDir {
    edited(|name, v| {
        if file(name) {
            for r in v["value"].as_array_mut().expect("records") {
                r.as_object_mut().expect("a record").remove(field);
            }
        }
    })
}

#[test]
fn an_export_without_license_assignment_states_is_not_proven() {
    let dir = without_field(|name| name.starts_with("users."), "licenseAssignmentStates");
    let (v, code) = verify(path_str(dir.path()));
    assert_eq!(code, 4, "{v:#}");
    assert_eq!(v["verdict"]["status"], "not-proven");
    assert!(
        v["verdict"]["unchecked"]
            .to_string()
            .contains("license-paths"),
        "{}",
        v["verdict"]
    );
}

#[test]
fn a_group_without_license_processing_state_is_not_proven() {
    let dir = without_field(|name| name == "groups.json", "licenseProcessingState");
    let (v, code) = verify(path_str(dir.path()));
    assert_eq!(code, 4, "{v:#}");
    assert!(
        v["verdict"]["notes"]
            .to_string()
            .contains("licenseProcessingState not exported"),
        "{}",
        v["verdict"]
    );
}

#[test]
fn a_stage_or_wave_the_plan_does_not_have_is_bad_input() {
    let out = licplan(&[
        "verify",
        "testdata/verify/done",
        "--plan",
        PLAN,
        "--stage",
        "9",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("the plan has no stage 9") && err.contains("--stage"),
        "{err}"
    );
    let out = licplan(&[
        "verify",
        "testdata/verify/done",
        "--plan",
        PLAN,
        "--stage",
        "2",
        "--wave",
        "1",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no stage 2 wave 1"));
}

#[test]
fn an_edited_plan_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let text = std::fs::read_to_string(testdata("verify/plan.json")).expect("plan");
    // One action of stage 2 turned around.
    let edited = text.replacen("\"op\": \"add-member\"", "\"op\": \"remove-member\"", 1);
    assert_ne!(edited, text);
    let plan = dir.path().join("plan.json");
    std::fs::write(&plan, edited).expect("write");
    let out = licplan(&[
        "verify",
        "testdata/verify/done",
        "--plan",
        path_str(&plan),
        "--stage",
        "2",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("plan_hash"));
}

#[test]
fn a_wave_is_verified_with_every_unit_before_it() {
    // The pilot wave has not run on this export: its users still hold E1 directly.
    let (v, code) = verify_at("testdata/verify/done", &["--stage", "5", "--wave", "1"]);
    assert_eq!(v["stage"], 5, "{v:#}");
    assert_eq!(code, 3);
    assert_eq!(v["unit"], "stage 5 wave 1 (pilot)");
    let pending = not_done(&v);
    assert_eq!(pending.len(), 10, "{pending:?}");
    let why = user(&v, "adele.vance@contoso.com")["reasons"].to_string();
    assert!(why.contains("still holds STANDARDPACK directly"), "{why}");
    assert_eq!(v["next_wave"]["wave"], 2);
}

/// The fixtures' plan is the plan of the sample tenant as it is exported now, written by this
/// licplan: an export hash that predates a change in what is read (as licenseProcessingState
/// once did) fails here, and make.py's header says how to write the plan again.
#[test]
fn the_fixtures_plan_is_that_of_the_sample_tenant_as_exported_now() {
    let loaded = crate::common::load(&[Path::new("testdata/contoso")]);
    let plan = licplan::plan::file::read(&testdata("verify/plan.json")).expect("the plan reads");
    assert_eq!(
        plan.export_hash.as_deref(),
        Some(licplan::model::fingerprint::export_hash(&loaded.tenant).as_str()),
        "testdata/verify/plan.json names another export: write it again (see testdata/verify/make.py)"
    );
    plan.check_hash()
        .expect("the plan's hash is that of its ops");
    // The plan a fresh run writes is the same plan.
    let out = licplan(&[
        "plan",
        "testdata/contoso",
        "--intent",
        "plans/e1-to-e3.yaml",
        "--format",
        "json",
    ]);
    let now: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(now["plan_hash"].as_str(), plan.plan_hash.as_deref());
}
