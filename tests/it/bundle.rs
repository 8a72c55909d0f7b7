//! `licplan bundle` through the binary: the same bytes run after run, an undo not proven (exit 3,
//! the bundle written and saying why), the refusals (exit 2
//! naming the plan and the field; exit 1 for an output it will not write), and a snapshot of
//! one small manifest.

use std::collections::BTreeMap;
use std::path::Path;

use crate::bundle_replay::contoso_plan;
use crate::common::licplan;

/// Every file under `dir`, by relative path, with its bytes.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("a folder") {
            let p = e.expect("an entry").path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p
                    .strip_prefix(dir)
                    .expect("inside")
                    .to_string_lossy()
                    .into_owned();
                out.insert(rel, std::fs::read(&p).expect("readable"));
            }
        }
    }
    out
}

fn run(args: &[&str]) -> (Option<i32>, String, String) {
    let o = licplan(args);
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn bundle(tenant: &str, plan: &Path, unit: &[&str], out: &Path) -> (Option<i32>, String, String) {
    let mut args = vec![
        "bundle",
        tenant,
        "--plan",
        plan.to_str().expect("UTF-8"),
        "--out",
        out.to_str().expect("UTF-8"),
        "--quiet",
    ];
    args.extend_from_slice(unit);
    run(&args)
}

#[test]
fn a_bundle_is_the_same_bytes_twice_and_again_over_itself() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let (plan, _) = contoso_plan("plans/e1-to-e3.yaml", dir.path());
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    for unit in [&["--stage", "2"][..], &["--stage", "5", "--wave", "1"][..]] {
        let _ = std::fs::remove_dir_all(&a);
        let _ = std::fs::remove_dir_all(&b);
        for out in [&a, &b] {
            let (code, _, err) = bundle("testdata/contoso", &plan, unit, out);
            assert_eq!(code, Some(0), "{unit:?}: {err}");
        }
        let first = tree(&a);
        assert_eq!(first, tree(&b), "{unit:?}: two runs differ");
        for f in [
            "manifest.json",
            "apply.ps1",
            "undo.ps1",
            "README.md",
            "batch/001.json",
        ] {
            assert!(
                first.contains_key(f),
                "{unit:?}: no {f} in {:?}",
                first.keys()
            );
        }
        assert!(first.keys().any(|k| k.starts_with("undo-batch/0")));
        // Over itself (the runners' journal beside it stays): the same files, the journal kept.
        std::fs::write(a.join("journal.csv"), "kept").expect("writes");
        let (code, _, err) = bundle("testdata/contoso", &plan, unit, &a);
        assert_eq!(code, Some(0), "{unit:?} again: {err}");
        let again = tree(&a);
        assert_eq!(
            again.get("journal.csv").map(Vec::as_slice),
            Some(&b"kept"[..])
        );
        let mut without = again.clone();
        without.remove("journal.csv");
        assert_eq!(
            without, first,
            "{unit:?}: rewritten over itself, it differs"
        );
    }
    // The manifest is pretty JSON without a BOM; the runners start with one.
    let m = std::fs::read(a.join("manifest.json")).expect("a manifest");
    assert!(m.starts_with(b"{\n"));
    assert!(std::fs::read(a.join("apply.ps1"))
        .expect("apply.ps1")
        .starts_with(b"\xEF\xBB\xBF"));
}

#[track_caller]
fn refused(out: (Option<i32>, String, String), code: i32, says: &[&str]) {
    let (got, stdout, err) = out;
    assert_eq!(got, Some(code), "stdout: {stdout}\nstderr: {err}");
    for s in says {
        assert!(err.contains(s), "stderr does not say {s:?}:\n{err}");
    }
}

#[test]
fn bundle_refuses_an_edited_plan_another_export_and_units_that_do_not_exist() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let (plan, _) = contoso_plan("plans/e1-to-e3.yaml", dir.path());
    let out = dir.path().join("out");
    let t = "testdata/contoso";
    // An edited plan: one disabled plan added to a group license.
    let text = std::fs::read_to_string(&plan).expect("the plan");
    let edited = dir.path().join("edited.json");
    let mut v: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    v["stages"][1]["actions"][1]["disabled_plans"] = serde_json::json!(["YAMMER_ENTERPRISE"]);
    std::fs::write(&edited, serde_json::to_string_pretty(&v).expect("JSON")).expect("writes");
    refused(
        bundle(t, &edited, &["--stage", "2"], &out),
        2,
        &["edited.json", "plan_hash"],
    );
    refused(
        bundle("testdata/contoso-csv", &plan, &["--stage", "2"], &out),
        2,
        &["export.hash", "another export", "plan again on this export"],
    );
    refused(
        bundle(t, &plan, &["--stage", "9"], &out),
        2,
        &["\"stage\"", "no stage 9", "1, 2, 3, 4, 5, 6, 7"],
    );
    refused(
        bundle(t, &plan, &["--stage", "5"], &out),
        2,
        &["\"wave\"", "runs in waves", "--wave", "1, 2, 3, 4, 5"],
    );
    refused(
        bundle(t, &plan, &["--stage", "5", "--wave", "6"], &out),
        2,
        &["\"wave\"", "no wave 6", "1, 2, 3, 4, 5"],
    );
    refused(
        bundle(t, &plan, &["--stage", "2", "--wave", "1"], &out),
        2,
        &["\"wave\"", "has no waves", "leave out --wave"],
    );
    assert!(!out.exists(), "a refused bundle wrote its folder");
}

#[test]
fn bundle_will_not_write_over_an_input_or_into_a_folder_of_something_else() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let (plan, _) = contoso_plan("plans/two-moves.yaml", dir.path());
    let before = tree(&crate::common::testdata("contoso"));
    // Into the tenant folder, and over the plan itself.
    refused(
        bundle(
            "testdata/contoso",
            &plan,
            &["--stage", "2"],
            Path::new("testdata/contoso"),
        ),
        1,
        &["will not write", "testdata/contoso"],
    );
    refused(
        bundle("testdata/contoso", &plan, &["--stage", "2"], &plan),
        1,
        &["two-moves.json"],
    );
    assert_eq!(
        tree(&crate::common::testdata("contoso")),
        before,
        "the tenant changed"
    );
    assert!(std::fs::read_to_string(&plan)
        .expect("the plan")
        .contains("plan_hash"));
    // A folder holding something else, or another stage's bundle, is left as it is.
    let other = dir.path().join("other");
    std::fs::create_dir(&other).expect("a folder");
    std::fs::write(other.join("notes.txt"), "mine").expect("writes");
    refused(
        bundle("testdata/contoso", &plan, &["--stage", "2"], &other),
        1,
        &["not empty"],
    );
    assert_eq!(tree(&other).len(), 1);
    let s2 = dir.path().join("s2");
    let (code, _, err) = bundle("testdata/contoso", &plan, &["--stage", "2"], &s2);
    assert_eq!(code, Some(0), "{err}");
    let s2_files = tree(&s2);
    refused(
        bundle(
            "testdata/contoso",
            &plan,
            &["--stage", "5", "--wave", "1"],
            &s2,
        ),
        1,
        &["not empty"],
    );
    assert_eq!(tree(&s2), s2_files, "another stage's bundle was changed");
}

#[test]
fn a_small_manifest() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let (plan, _) = contoso_plan("plans/e1-to-e3.yaml", dir.path());
    let out = dir.path().join("b");
    let (code, stdout, err) = bundle(
        "testdata/contoso",
        &plan,
        &["--stage", "5", "--wave", "2"],
        &out,
    );
    assert_eq!(code, Some(0), "{err}");
    assert!(
        stdout.contains("4 operation(s), 4 undo operation(s)"),
        "{stdout}"
    );
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).expect("a manifest"))
            .expect("JSON");
    assert_eq!(m["wave"]["number"], 2);
    assert!(m["undo_proof"]["proven"].as_bool().expect("a bool"));
    insta::assert_json_snapshot!("bundle-e1-to-e3-stage-5-wave-2", m);
}

/// Regression: the undo of a change wave that freed the tenant's last seat of the old product
/// (`plan-rollback-no-seat`: Office 365 E1 over-consumed, so changing Alice back needs a seat
/// that no longer exists). The forward plan is safe; the bundle is written whole, says why
/// its undo is not proven in the manifest and README, and exits 3.
#[test]
fn a_bundle_whose_undo_runs_out_of_seats_is_written_and_exits_3_saying_why() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let s = "testdata/scenarios/plan-rollback-no-seat";
    let (tenant, intent) = (format!("{s}/tenant"), format!("{s}/intent.yaml"));
    let plan = dir.path().join("plan.json");
    crate::common::plan_file(&tenant, &intent, &plan);
    let out = dir.path().join("b");
    let (code, stdout, err) = bundle(&tenant, &plan, &["--stage", "2", "--wave", "1"], &out);
    assert_eq!(code, Some(3), "stdout: {stdout}\nstderr: {err}");
    assert!(stdout.contains("undo NOT proven"), "{stdout}");
    assert!(err.contains("undo is not proven"), "{err}");
    let files = tree(&out);
    for f in [
        "manifest.json",
        "apply.ps1",
        "undo.ps1",
        "README.md",
        "undo-batch/001.json",
    ] {
        assert!(files.contains_key(f), "no {f} in {:?}", files.keys());
    }
    let m: serde_json::Value =
        serde_json::from_slice(&files["manifest.json"]).expect("the manifest is JSON");
    assert_eq!(m["undo_proof"]["proven"], false);
    assert_eq!(m["undo_proof"]["users_checked"], 1);
    let reasons = m["undo_proof"]["reasons"].to_string();
    assert!(
        reasons.contains("CountViolation")
            && reasons.contains("STANDARDPACK")
            && reasons.contains("alice@contoso.com"),
        "{reasons}"
    );
    let readme = String::from_utf8_lossy(&files["README.md"]);
    assert!(readme.contains("**The undo is NOT proven**"), "{readme}");
    assert!(
        readme.contains("the undo fails: CountViolation alice@contoso.com"),
        "{readme}"
    );
    // The forward op is still there to run: the undo's refusal does not empty the bundle.
    assert_eq!(m["ops"].as_array().map(Vec::len), Some(1));
    assert_eq!(m["ops"][0]["kind"], "change-direct-license");
}

/// A group reprocess has no Microsoft Graph call (Graph reprocesses one user at a time), so a
/// plan holding one, even with its hash made again after the edit, is refused naming the
/// action and the way out; nothing is written.
#[test]
fn bundle_refuses_a_group_reprocess_naming_the_action_and_what_to_do() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let (plan, _) = contoso_plan("plans/e1-to-e3.yaml", dir.path());
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&plan).expect("the plan")).expect("JSON");
    let actions = v["stages"][1]["actions"]
        .as_array_mut()
        .expect("stage 2's actions");
    assert_eq!(actions[1]["op"], "assign-group-license");
    let group = actions[1]["group"].clone();
    actions.insert(2, serde_json::json!({"op": "reprocess", "group": group}));
    // Hashed again as licplan hashes a plan, so the refusal is the reprocess's, not the hash's.
    let text = serde_json::to_string_pretty(&v).expect("JSON");
    let hash = licplan::plan::file::parse(&text, Path::new("edited.json"))
        .expect("the edited plan reads")
        .computed_hash();
    v["plan_hash"] = serde_json::Value::from(hash);
    let edited = dir.path().join("edited.json");
    std::fs::write(&edited, serde_json::to_string_pretty(&v).expect("JSON")).expect("writes");
    let out = dir.path().join("out");
    refused(
        bundle("testdata/contoso", &edited, &["--stage", "2"], &out),
        2,
        &[
            "edited.json",
            "stages[1].actions[2]",
            "\"group\"",
            "reprocess of a group",
            "/users/{id}/reprocessLicenseAssignment",
            "reprocess the group's users one by one",
        ],
    );
    assert!(!out.exists(), "a refused bundle wrote its folder");
}

/// A bundle written into a new folder is all there or not there at all: a signal while its
/// files are written (or synced) removes every file and folder it made, and it exits with
/// 128 + the signal's number.
#[cfg(unix)]
#[test]
fn a_signal_while_a_bundle_is_written_leaves_nothing_of_it() {
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};
    let dir = tempfile::tempdir().expect("a temp dir");
    let t = dir.path().join("t");
    let plan = dir.path().join("plan.json");
    let s = |p: &Path| p.to_str().expect("UTF-8").to_owned();
    let (code, _, err) = run(&["generate", "--users", "20000", "--out", &s(&t), "--quiet"]);
    assert_eq!(code, Some(0), "{err}");
    let intent = crate::common::root().join("plans/e1-direct-to-group.yaml");
    let args = [
        "plan",
        &s(&t),
        "--intent",
        &s(&intent),
        "--format",
        "json",
        "--output",
        &s(&plan),
        "--quiet",
    ];
    let (code, _, err) = run(&args);
    assert!(matches!(code, Some(0 | 3)), "{err}");
    let kill = |pid: u32, name: &str| {
        let ok = Command::new("kill")
            .args([&format!("-{name}"), &pid.to_string()])
            .status()
            .expect("kill runs")
            .success();
        assert!(ok, "kill -{name} {pid}");
    };
    let mut caught = 0;
    for attempt in 0..8 {
        let out = dir.path().join(format!("b{attempt}"));
        let mut child = Command::new(env!("CARGO_BIN_EXE_licplan"))
            .args(["bundle", &s(&t), "--plan", &s(&plan), "--stage", "2"])
            .args(["--out", &s(&out), "--quiet"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("licplan runs");
        // Wait for the folder, freeze the process, and signal it while the bundle is not
        // complete (no manifest yet: it is written last).
        let start = Instant::now();
        let mut frozen = false;
        while start.elapsed() < Duration::from_secs(120) {
            if out.join("undo-batch").exists() {
                kill(child.id(), "STOP");
                frozen = true;
                break;
            }
            if child.try_wait().expect("try_wait").is_some() {
                break;
            }
            std::thread::sleep(Duration::from_micros(100));
        }
        let mut signalled = false;
        if frozen {
            if !out.join("manifest.json").exists() {
                kill(child.id(), "TERM");
                signalled = true;
            }
            kill(child.id(), "CONT");
        }
        let status = child.wait().expect("licplan ends");
        if signalled {
            caught += 1;
            assert_eq!(status.code(), Some(128 + 15), "attempt {attempt}");
            assert!(
                !out.exists(),
                "attempt {attempt}: left {:?}",
                tree(&out).keys().collect::<Vec<_>>()
            );
        } else {
            assert_eq!(status.code(), Some(0), "attempt {attempt}");
            assert!(tree(&out).contains_key("manifest.json"));
        }
    }
    assert!(
        caught > 0,
        "never caught a bundle being written in 8 attempts"
    );
}
