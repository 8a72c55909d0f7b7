//! Error reports that help (issue 11, section 4), through the real binary: every problem of an
//! ops, intent or rules file in one run, each with its file, record and field; the nearest
//! known name for an unknown one; a printed list fair across files; `users:` files with
//! comments.

use serde_json::Value;

use crate::common::licplan;

/// Runs licplan, expecting unusable input: exit 2, nothing on stdout; gives stderr.
#[track_caller]
fn refused(args: &[&str]) -> String {
    let out = licplan(args);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
    assert!(out.stdout.is_empty(), "{args:?}");
    stderr
}

/// The problem lines of a report (those that name a place), in order.
fn problems(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .skip(1)
        .filter(|l| l.starts_with("  ") && !l.trim_start().starts_with('…'))
        .collect()
}

#[track_caller]
fn has(stderr: &str, place: &str, says: &str) {
    assert!(
        problems(stderr)
            .iter()
            .any(|l| l.contains(place) && l.contains(says)),
        "no line with {place:?} and {says:?} in:\n{stderr}"
    );
}

#[test]
fn every_unknown_name_of_every_op_is_reported_with_the_nearest_known_one() {
    let e = refused(&[
        "simulate",
        "testdata/contoso",
        "--ops",
        "testdata/bad/ops/several-unknown-names.yaml",
    ]);
    assert!(e.starts_with("error: 6 problems in the input"), "{e}");
    assert_eq!(problems(&e).len(), 6, "{e}");
    let file = "several-unknown-names.yaml: record";
    has(&e, "($.ops[0].user)", "no user \"nobody@contoso.com\"");
    // A name far from every known one gets no suggestion.
    assert!(
        !problems(&e)[0].contains("did you mean"),
        "{}",
        problems(&e)[0]
    );
    has(&e, "($.ops[1].group)", "did you mean LIC-O365-E3?");
    has(
        &e,
        "($.ops[1].user)",
        "did you mean laura.chen@contoso.com?",
    );
    has(&e, "($.ops[2].sku)", "did you mean ENTERPRISEPACK?");
    has(
        &e,
        "($.ops[3].disabled_plans)",
        "did you mean EXCHANGE_S_STANDARD?",
    );
    has(
        &e,
        "($.ops[3].disabled_plans)",
        "no service plan \"TELEPORTATION\"",
    );
    assert!(problems(&e).iter().all(|l| l.contains(file)), "{e}");
}

#[test]
fn every_bad_field_of_an_ops_file_is_reported() {
    let dir = tempfile::tempdir().expect("temp dir");
    let ops = dir.path().join("ops.yaml");
    std::fs::write(
        &ops,
        "ops:\n  - {op: add-membr, group: G, user: u}\n  - {op: remove-member, grup: G, usr: u}\n  - {op: wait-for-processing}\n",
    )
    .expect("write");
    let e = refused(&[
        "simulate",
        "testdata/contoso",
        "--ops",
        &ops.display().to_string(),
    ]);
    assert_eq!(problems(&e).len(), 3, "{e}");
    has(&e, "($.ops[0].op)", "did you mean add-member?");
    has(&e, "($.ops[1].grup)", "did you mean group?");
    has(&e, "($.ops[1].usr)", "did you mean user?");
}

#[test]
fn every_problem_of_an_intent_is_reported_in_one_run() {
    let e = refused(&[
        "plan",
        "testdata/contoso",
        "--intent",
        "testdata/bad/intents/several-problems.yaml",
    ]);
    assert_eq!(problems(&e).len(), 4, "{e}");
    has(&e, "$.moves[0].from", "did you mean STANDARDPACK?");
    has(&e, "$.moves[1].scope", "did you mean Sales Team?");
    has(
        &e,
        "$.moves[2].strategy",
        "did you mean change-then-migrate?",
    );
    has(&e, "$.waves.size", "must be more than zero");

    let e = refused(&[
        "plan",
        "testdata/contoso",
        "--intent",
        "testdata/bad/intents/several-unknown-fields.yaml",
    ]);
    assert_eq!(problems(&e).len(), 4, "{e}");
    has(&e, "($.wave)", "did you mean waves?");
    has(&e, "($.moves[0].frm)", "did you mean from?");
    has(&e, "($.moves[1].grop)", "did you mean group?");
    has(&e, "($.moves[1].scpe)", "did you mean scope?");
    // One best suggestion, not serde's list of every expected field.
    assert!(!e.contains("expected one of"), "{e}");
}

#[test]
fn every_stranger_of_a_users_file_is_reported_with_its_line() {
    let e = refused(&[
        "plan",
        "testdata/contoso",
        "--intent",
        "testdata/bad/intents/users-file-several-strangers.yaml",
    ]);
    assert_eq!(problems(&e).len(), 3, "{e}");
    has(
        &e,
        "several-strangers.txt:3:",
        "no user \"nobody@contoso.com\"",
    );
    has(
        &e,
        "several-strangers.txt:4:",
        "did you mean alex.wilber@contoso.com?",
    );
    has(&e, "several-strangers.txt:6:", "no user \"x@y\"");
}

#[test]
fn users_files_take_comments_after_the_upn_blank_lines_and_stray_spaces() {
    let out = licplan(&[
        "plan",
        "testdata/contoso",
        "--intent",
        "testdata/users-comments/intent.yaml",
        "--format",
        "json",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_ne!(out.status.code(), Some(2), "{stderr}");
    let plan: Value = serde_json::from_slice(&out.stdout).expect("a JSON plan");
    // adele, alex, allan and cameron: each line's comment and spaces left out.
    assert_eq!(plan["summary"]["users_in_scope"], 4, "{plan:#}");
    let upns: Vec<&str> = plan["stages"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|s| s["actions"].as_array().into_iter().flatten())
        .filter_map(|a| a["user_upn"].as_str())
        .collect();
    for upn in [
        "adele.vance@contoso.com",
        "alex.wilber@contoso.com",
        "allan.deyoung@contoso.com",
        "cameron.white@contoso.com",
    ] {
        assert!(upns.contains(&upn), "{upn} not moved: {upns:?}");
    }
}

#[test]
fn one_noisy_file_does_not_hide_the_problems_of_another() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut users = "id,upn\n".to_owned();
    for i in 0..40 {
        users.push_str(&format!("not-a-guid-{i},u{i}@contoso.com\n"));
    }
    std::fs::write(dir.path().join("users.csv"), users).expect("write");
    std::fs::write(
        dir.path().join("groups.csv"),
        "id,display_name\nnot-a-guid,LIC-E3\n",
    )
    .expect("write");
    let e = refused(&["inspect", &dir.path().display().to_string()]);
    let lines = problems(&e);
    assert_eq!(lines.len(), 20, "{e}");
    let in_file = |name: &str| lines.iter().filter(|l| l.contains(name)).count();
    assert_eq!(in_file("groups.csv"), 1, "{e}");
    assert_eq!(in_file("users.csv"), 19, "{e}");
    // Grouped by file: each file's lines together.
    let first_group = lines
        .iter()
        .position(|l| l.contains("groups.csv"))
        .expect("groups.csv listed");
    assert!(
        lines[..first_group].iter().all(|l| l.contains("users.csv"))
            || lines[first_group..]
                .iter()
                .all(|l| l.contains("groups.csv")),
        "{e}"
    );
    assert!(e.contains("… and 21 more problems ("), "{e}");
    assert!(e.contains("users.csv: 21)"), "{e}");
}

#[test]
fn every_bad_rule_of_a_rules_file_is_reported_in_one_run() {
    let dir = tempfile::tempdir().expect("temp dir");
    let rules = dir.path().join("rules.yaml");
    std::fs::write(
        &rules,
        "mutually_exclusive:\n  - id: first-set\n    plans: [EXCHANGE_S_STANDRD, SWAY]\n    source: t\nnot_offered_in:\n  - id: second\n    plan: TEAMS1\n    locations: [USA]\n    source: t\ndisable: [yamer]\n",
    )
    .expect("write");
    let e = refused(&[
        "simulate",
        "testdata/scenarios/r1-paths/tenant",
        "--ops",
        "testdata/scenarios/r1-paths/ops.yaml",
        "--rules",
        &rules.display().to_string(),
    ]);
    assert_eq!(problems(&e).len(), 3, "{e}");
    has(&e, "rules.yaml:3:", "did you mean EXCHANGE_S_STANDARD?");
    has(
        &e,
        "rules.yaml:8:",
        "\"USA\" is not a two-letter country code",
    );
    has(&e, "rules.yaml:10:", "did you mean yammer?");
}

#[test]
fn sources_are_shown_relative_to_the_tenant_whatever_the_working_folder() {
    let sources = |cwd: &std::path::Path, tenant: &str| -> Vec<String> {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_licplan"))
            .args(["inspect", tenant, "--format", "json"])
            .current_dir(cwd)
            .output()
            .expect("the licplan binary runs");
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
        v["sources"]
            .as_array()
            .expect("sources")
            .iter()
            .map(|s| s["file"].as_str().expect("file").to_owned())
            .collect()
    };
    let root = crate::common::root();
    let absolute = root.join("testdata/contoso").display().to_string();
    let from_root = sources(&root, "testdata/contoso");
    let elsewhere = tempfile::tempdir().expect("temp dir");
    assert_eq!(from_root, sources(elsewhere.path(), &absolute));
    assert_eq!(sources(&root.join("testdata"), "./contoso/"), from_root);
    assert!(
        from_root.contains(&"groups.json".to_owned()),
        "{from_root:?}"
    );
    // A file named on its own is shown by its name.
    let one = root
        .join("testdata/contoso/groups.json")
        .display()
        .to_string();
    let out = licplan(&["inspect", &one, "--format", "json"]);
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(v["sources"][0]["file"], "groups.json", "{v:#}");
}
