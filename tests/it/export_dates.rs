//! The exports a report was made from, with when each was taken, from evidence in the data only:
//! a response saved with `curl -i` has its `Date` header, a users file the newest
//! `lastUpdatedDateTime` of its license states (a lower bound), anything else "not recorded".
//! The file's modification time never counts.

use std::path::Path;

use serde_json::Value;

use crate::common::{licplan, root, testdata};

/// Copies the sample tenant into `dir`, the users' first page and the SKUs saved as `curl -i`
/// (and `curl -iL`) would save them.
fn dated_tenant(dir: &Path) {
    for e in std::fs::read_dir(testdata("contoso")).expect("contoso") {
        let e = e.expect("entry");
        std::fs::copy(e.path(), dir.join(e.file_name())).expect("copy");
    }
    let users = std::fs::read_to_string(testdata("contoso/users.page1.json")).expect("users");
    std::fs::write(
        dir.join("users.page1.json"),
        format!("HTTP/2 200\r\ncontent-type: application/json\r\ndate: Tue, 01 Dec 2026 08:00:05 GMT\r\n\r\n{users}"),
    )
    .expect("write");
    // A redirect's Date is not the answer's: the final response's counts.
    let skus = std::fs::read_to_string(testdata("contoso/subscribedSkus.json")).expect("skus");
    std::fs::write(
        dir.join("subscribedSkus.json"),
        format!("HTTP/1.1 302 Found\nDate: Mon, 30 Nov 2026 23:59:00 GMT\nLocation: https://graph.microsoft.com/v1.0/subscribedSkus\n\nHTTP/1.1 200 OK\nDate: Tue, 01 Dec 2026 08:03:10 GMT\n\n{skus}"),
    )
    .expect("write");
    // A file's modification time says nothing: an old one changes no date.
    let old = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(86_400);
    let f = std::fs::File::options()
        .write(true)
        .open(dir.join("groups.json"))
        .expect("groups");
    f.set_modified(old).expect("mtime");
}

#[track_caller]
fn plan_json(tenant: &str, extra: &[&str]) -> Value {
    let mut args = vec![
        "plan",
        tenant,
        "--intent",
        "plans/e1-direct-to-group.yaml",
        "--format",
        "json",
    ];
    args.extend_from_slice(extra);
    let out = licplan(&args);
    assert!(
        matches!(out.status.code(), Some(0 | 3)),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON")
}

fn file<'v>(export: &'v Value, name: &str) -> &'v Value {
    export["files"]
        .as_array()
        .expect("files")
        .iter()
        .find(|f| f["file"] == name)
        .unwrap_or_else(|| panic!("{name} not among {}", export["files"]))
}

#[test]
fn a_saved_response_is_dated_by_its_http_date_and_a_users_page_by_its_newest_state() {
    let tmp = tempfile::tempdir().expect("temp dir");
    dated_tenant(tmp.path());
    let plan = plan_json(&tmp.path().display().to_string(), &[]);
    let e = &plan["export"];
    let users1 = file(e, "users.page1.json");
    assert_eq!(users1["role"], "users");
    assert_eq!(users1["format"], "graph-rest");
    assert_eq!(users1["records"], 25);
    assert_eq!(
        users1["taken"],
        serde_json::json!({"kind": "http-date", "at": "2026-12-01T08:00:05Z"})
    );
    assert_eq!(
        file(e, "subscribedSkus.json")["taken"],
        serde_json::json!({"kind": "http-date", "at": "2026-12-01T08:03:10Z"})
    );
    assert_eq!(file(e, "subscribedSkus.json")["role"], "skus");
    assert_eq!(
        file(e, "users.page2.json")["taken"],
        serde_json::json!({"kind": "not-before", "at": "2026-10-01T08:00:00Z"})
    );
    assert_eq!(
        file(e, "groups.json")["taken"],
        serde_json::json!({"kind": "not-recorded"})
    );
    let members = file(e, "members.241b3144-63f2-5689-bda0-e09d352c7b55.json");
    assert_eq!(members["role"], "group-members");
    assert_eq!(members["records"], 4);
    // Sorted by path.
    let names: Vec<&str> = e["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|f| f["file"].as_str().expect("file"))
        .collect();
    let mut sorted = names.clone();
    sorted.sort_unstable();
    assert_eq!(names, sorted);
    assert_eq!(names.len(), 11);
    let t = &e["taken"];
    assert_eq!(t["earliest"], "2026-10-01T08:00:00Z");
    assert_eq!(t["latest"], "2026-12-01T08:03:10Z");
    assert_eq!(
        (&t["http_date"], &t["not_before"], &t["not_recorded"]),
        (&2.into(), &1.into(), &8.into())
    );
    assert_eq!(
        t["said"],
        "taken 2026-12-01T08:00:05Z to 2026-12-01T08:03:10Z (the HTTP Date of 2 saved responses); 1 file taken not before 2026-10-01T08:00:00Z (the newest lastUpdatedDateTime of their license states); 8 files not dated"
    );
    // The plan's hash covers what runs, not when the export was taken.
    let plain = plan_json("testdata/contoso", &[]);
    assert_eq!(plan["plan_hash"], plain["plan_hash"]);
    assert_eq!(plan["export"]["hash"], plain["export"]["hash"]);
}

#[test]
fn every_plan_format_shows_the_exports_read_and_their_dates() {
    let tmp = tempfile::tempdir().expect("temp dir");
    dated_tenant(tmp.path());
    let tenant = tmp.path().display().to_string();
    for format in ["table", "markdown", "html", "yaml"] {
        let out = licplan(&[
            "plan",
            &tenant,
            "--intent",
            "plans/e1-direct-to-group.yaml",
            "--format",
            format,
        ]);
        let text = String::from_utf8_lossy(&out.stdout);
        for want in [
            "2026-12-01T08:00:05Z",
            "not before 2026-10-01T08:00:00Z",
            "members.241b3144-63f2-5689-bda0-e09d352c7b55.json",
        ] {
            assert!(text.contains(want), "{format} lacks {want:?}:\n{text}");
        }
        if format != "yaml" {
            assert!(
                text.contains(
                    "Exports read (11 files): taken 2026-12-01T08:00:05Z to 2026-12-01T08:03:10Z"
                ),
                "{format}:\n{text}"
            );
        }
    }
}

#[test]
fn an_export_with_only_license_states_is_taken_not_before_their_newest_update() {
    let plan = plan_json("testdata/contoso", &[]);
    let t = &plan["export"]["taken"];
    assert_eq!(t["earliest"], "2026-10-01T08:00:00Z");
    assert_eq!(t["latest"], "2026-10-01T08:00:00Z");
    assert_eq!(t["http_date"], 0);
    assert_eq!(t["not_before"], 2);
    assert_eq!(
        t["said"],
        "2 files taken not before 2026-10-01T08:00:00Z (the newest lastUpdatedDateTime of their license states); 9 files not dated"
    );
    // PowerShell's export spells the field in PascalCase: read the same.
    let ps = plan_json("testdata/contoso-powershell", &[]);
    assert_eq!(ps["export"]["taken"]["latest"], "2026-10-01T08:00:00Z");
}

#[test]
fn a_csv_export_has_no_date_and_says_so() {
    let plan = plan_json("testdata/contoso-csv", &[]);
    let e = &plan["export"];
    let files = e["files"].as_array().expect("files");
    assert!(!files.is_empty());
    for f in files {
        assert_eq!(
            f["taken"],
            serde_json::json!({"kind": "not-recorded"}),
            "{f}"
        );
        assert!(
            f["format"].as_str().expect("format").ends_with("csv"),
            "{f}"
        );
    }
    assert_eq!(e["taken"]["earliest"], Value::Null);
    assert_eq!(e["taken"]["latest"], Value::Null);
    assert_eq!(
        e["taken"]["said"],
        "when the export was taken is not recorded (no saved response's Date header, no lastUpdatedDateTime)"
    );
}

#[test]
fn redact_replaces_the_ids_in_file_names() {
    let plan = plan_json("testdata/contoso", &["--redact"]);
    let files = plan["export"]["files"].as_array().expect("files");
    assert_eq!(files.len(), 11);
    let text = plan["export"].to_string();
    for gid in [
        "241b3144-63f2-5689-bda0-e09d352c7b55",
        "9e4d45f4-8663-5464-94a1-fcc291dbce9a",
    ] {
        assert!(!text.contains(gid), "{gid} survives: {text}");
    }
    assert!(files.iter().any(|f| f["file"] == "users.page1.json"));
    assert_eq!(plan["export"]["taken"]["not_before"], 2);
    // The redacted names are listed sorted too.
    let names: Vec<&str> = files
        .iter()
        .map(|f| f["file"].as_str().expect("file"))
        .collect();
    let mut sorted = names.clone();
    sorted.sort_unstable();
    assert_eq!(names, sorted);
}

#[test]
fn verify_shows_the_planned_export_and_the_fresh_one() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let plan_path = tmp.path().join("plan.json");
    let out = licplan(&[
        "plan",
        "testdata/contoso",
        "--intent",
        "plans/e1-direct-to-group.yaml",
        "--format",
        "json",
        "--output",
        &plan_path.display().to_string(),
    ]);
    assert!(matches!(out.status.code(), Some(0 | 3)), "{out:?}");
    let fresh = tmp.path().join("fresh");
    std::fs::create_dir(&fresh).expect("mkdir");
    dated_tenant(&fresh);
    let out = licplan(&[
        "verify",
        &fresh.display().to_string(),
        "--plan",
        &plan_path.display().to_string(),
        "--stage",
        "1",
        "--format",
        "json",
    ]);
    let v: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    assert_eq!(
        v["planned_export"]["taken"]["latest"],
        "2026-10-01T08:00:00Z"
    );
    assert_eq!(
        v["planned_export"]["files"].as_array().map(Vec::len),
        Some(11)
    );
    assert_eq!(v["fresh_export"]["taken"]["latest"], "2026-12-01T08:03:10Z");
    assert_eq!(
        file(&v["fresh_export"], "users.page1.json")["taken"]["at"],
        "2026-12-01T08:00:05Z"
    );
    let out = licplan(&[
        "verify",
        &fresh.display().to_string(),
        "--plan",
        &plan_path.display().to_string(),
        "--stage",
        "1",
        "--format",
        "markdown",
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("planned export taken"), "{text}");
    assert!(
        text.contains("Fresh export read (11 files): taken 2026-12-01T08:00:05Z"),
        "{text}"
    );
    // A plan written before plans recorded their files says so.
    let out = licplan(&[
        "verify",
        "testdata/verify/done",
        "--plan",
        "testdata/verify/plan.json",
        "--stage",
        "2",
        "--format",
        "json",
    ]);
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(v["planned_export"], Value::Null);
    assert!(root().join("testdata/verify/plan.json").exists());
}
