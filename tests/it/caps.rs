//! Long lists are capped in every human report (terminal, Markdown, HTML) of `plan` and
//! `verify`, the rest counted, and `--attachments DIR` writes them all as CSV.

use std::path::Path;

use serde_json::Value;

use crate::common::licplan;

fn ok(args: &[&str], codes: &[i32]) -> String {
    let out = licplan(args);
    assert!(
        out.status.code().is_some_and(|c| codes.contains(&c)),
        "{args:?}: {:?}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8")
}

fn records(path: &Path) -> Vec<csv::StringRecord> {
    csv::Reader::from_path(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .records()
        .map(|r| r.expect("a record"))
        .collect()
}

/// Rows of the first Markdown table after the heading `heading`.
fn markdown_rows(md: &str, heading: &str) -> usize {
    let after = md
        .split_once(&format!("\n{heading}\n"))
        .unwrap_or_else(|| panic!("no {heading}"))
        .1;
    let table: Vec<&str> = after
        .lines()
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .collect();
    table.len().saturating_sub(2)
}

/// Rows of the first terminal table after a line starting `title`.
fn terminal_rows(t: &str, title: &str) -> usize {
    let after = t
        .split_once(&format!("\n{title}"))
        .unwrap_or_else(|| panic!("no {title} in\n{t}"))
        .1;
    // Header, its rule, then the rows, between box lines.
    after
        .lines()
        .skip_while(|l| !l.starts_with('╞'))
        .skip(1)
        .take_while(|l| l.starts_with('│'))
        .count()
}

#[test]
fn plan_and_verify_reports_cap_long_lists_and_attachments_hold_them_all() {
    let dir = tempfile::tempdir().expect("temp");
    let tenant = dir.path().join("tenant");
    ok(
        &[
            "generate",
            "--users",
            "3000",
            "--out",
            s(&tenant),
            "--format",
            "graph",
            "--seed",
            "3",
            "--quiet",
        ],
        &[0],
    );
    // A product change holds many users back (their add-ons, seats): far more than a page.
    let plan = dir.path().join("plan.json");
    ok(
        &[
            "plan",
            s(&tenant),
            "--intent",
            "plans/e1-to-e3.yaml",
            "--format",
            "json",
            "--output",
            s(&plan),
            "--quiet",
        ],
        &[0],
    );
    let doc: Value = serde_json::from_slice(&std::fs::read(&plan).expect("plan")).expect("json");
    let held = doc["held_back"].as_array().expect("held_back").len();
    assert!(
        held > 60,
        "{held} held back: the test needs more than a page"
    );

    let terminal = ok(
        &[
            "plan",
            s(&tenant),
            "--intent",
            "plans/e1-to-e3.yaml",
            "--quiet",
        ],
        &[0],
    );
    assert_eq!(terminal_rows(&terminal, "Held-back users"), 50);
    assert!(
        terminal.contains(&format!("… and {} more held-back users", held - 50)),
        "{terminal}"
    );
    let att = dir.path().join("plan-attachments");
    ok(
        &[
            "plan",
            s(&tenant),
            "--intent",
            "plans/e1-to-e3.yaml",
            "--format",
            "markdown",
            "--attachments",
            s(&att),
            "--quiet",
        ],
        &[0],
    );
    assert_eq!(records(&att.join("held-back.csv")).len(), held);
    let errors = doc["verdict"]["errors"].as_array().expect("errors").len();
    assert_eq!(records(&att.join("errors.csv")).len(), errors);

    // Verify stage 2 of a plan moving every E1 user, on the export itself: nothing applied,
    // every user in the unit pending.
    let plan = dir.path().join("direct.json");
    ok(
        &[
            "plan",
            s(&tenant),
            "--intent",
            "plans/e1-direct-to-group.yaml",
            "--format",
            "json",
            "--output",
            s(&plan),
            "--quiet",
        ],
        &[0],
    );
    let json = ok(
        &[
            "verify",
            s(&tenant),
            "--plan",
            s(&plan),
            "--stage",
            "2",
            "--format",
            "json",
            "--quiet",
        ],
        &[3],
    );
    let report: Value = serde_json::from_str(&json).expect("json");
    let users = report["users"].as_array().expect("users").len();
    assert!(users > 60, "{users} users in the unit");
    let md = ok(
        &[
            "verify",
            s(&tenant),
            "--plan",
            s(&plan),
            "--stage",
            "2",
            "--format",
            "markdown",
            "--quiet",
        ],
        &[3],
    );
    assert_eq!(markdown_rows(&md, "## Users"), 50);
    assert!(
        md.contains(&format!("… and {} more users", users - 50)),
        "{md}"
    );
    let html = ok(
        &[
            "verify",
            s(&tenant),
            "--plan",
            s(&plan),
            "--stage",
            "2",
            "--format",
            "html",
            "--quiet",
        ],
        &[3],
    );
    assert!(html.contains(&format!("… and {} more users", users - 50)));
    let terminal = ok(
        &[
            "verify",
            s(&tenant),
            "--plan",
            s(&plan),
            "--stage",
            "2",
            "--quiet",
        ],
        &[3],
    );
    assert_eq!(terminal_rows(&terminal, "Users"), 50);
    assert!(terminal.contains(&format!("… and {} more users", users - 50)));

    let att = dir.path().join("verify-attachments");
    ok(
        &[
            "verify",
            s(&tenant),
            "--plan",
            s(&plan),
            "--stage",
            "2",
            "--attachments",
            s(&att),
            "--quiet",
        ],
        &[3],
    );
    for name in licplan::render::attachments::VERIFY_FILES {
        assert!(att.join(name).is_file(), "{name}");
    }
    let rows = records(&att.join("users.csv"));
    assert_eq!(rows.len(), users);
    for (row, u) in rows.iter().zip(report["users"].as_array().expect("users")) {
        assert_eq!(&row[0], u["user_id"].as_str().expect("id"));
        assert_eq!(&row[2], u["status"].as_str().expect("status"));
    }
    let next = &report["next_wave"];
    let listed = next["ready"].as_array().map_or(0, Vec::len)
        + next["not_ready"].as_array().map_or(0, Vec::len);
    assert_eq!(records(&att.join("next-wave.csv")).len(), listed);
}

#[test]
fn an_attachments_folder_inside_an_input_is_refused_before_any_work() {
    // The plan file does not exist: were the folder checked only after the work, the run would
    // stop on the plan (exit 2) instead.
    let tmp = tempfile::tempdir().expect("temp");
    let tenant = tmp.path().join("tenant");
    std::fs::create_dir(&tenant).expect("mkdir");
    for e in std::fs::read_dir(crate::common::testdata("contoso")).expect("contoso") {
        let e = e.expect("entry");
        std::fs::copy(e.path(), tenant.join(e.file_name())).expect("copy");
    }
    let before: Vec<_> = std::fs::read_dir(&tenant).expect("dir").collect();
    let missing = tmp.path().join("no-such-plan.json");
    for args in [
        vec![
            "verify",
            s(&tenant),
            "--plan",
            s(&missing),
            "--stage",
            "2",
            "--attachments",
            s(&tenant),
        ],
        vec![
            "plan",
            s(&tenant),
            "--intent",
            "plans/e1-to-e3.yaml",
            "--attachments",
            s(&tenant),
        ],
    ] {
        let out = licplan(&args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(err.contains("an input of this run"), "{err}");
    }
    let after: Vec<_> = std::fs::read_dir(&tenant).expect("dir").collect();
    assert_eq!(
        before.len(),
        after.len(),
        "nothing written into the tenant folder"
    );
}
