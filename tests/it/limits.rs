//! Bounded cost: inputs generated at test time (in temporary folders) just past each limit, or
//! big enough that a quadratic or cubic algorithm would run for minutes where a linear one takes
//! a second. Nothing here is timed: a regression shows as a test that does not finish.

use std::path::Path;
use std::process::Output;

use crate::common::{licplan, root};

/// Longest a whole report of problems may be here: one line per problem, values clipped.
const SHORT: usize = 4096;

/// The limits the README states (checked against the library's constants).
const CELL_MAX: usize = 1 << 20;
const RECORD_MAX: usize = 4 << 20;
const FIELDS_MAX: usize = 10_000;

#[test]
fn the_stated_limits_are_the_librarys() {
    use licplan::ingest::csvfile;
    assert_eq!(csvfile::CELL_MAX, CELL_MAX);
    assert_eq!(csvfile::RECORD_MAX, RECORD_MAX);
    assert_eq!(csvfile::FIELDS_MAX, FIELDS_MAX);
    assert_eq!(licplan::ingest::error::QUOTE_MAX, 200);
}

fn run(args: &[&str]) -> (Output, String) {
    let out = licplan(args);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    (out, stderr)
}

/// Unusable input, said in a short report naming `place` (e.g. `users.csv:2`).
#[track_caller]
fn refused(args: &[&str], place: &str, says: &str) -> String {
    let (out, stderr) = run(args);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
    assert!(out.stdout.is_empty(), "{args:?}: stdout not empty");
    assert!(
        stderr.len() < SHORT,
        "{args:?}: {} bytes on stderr",
        stderr.len()
    );
    assert!(stderr.contains(place), "{args:?}: no {place:?} in {stderr}");
    assert!(stderr.contains(says), "{args:?}: no {says:?} in {stderr}");
    assert!(
        !stderr.chars().any(|c| c.is_control() && c != '\n'),
        "{args:?}: raw control characters in {stderr:?}"
    );
    stderr
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let p = dir.join(name);
    std::fs::write(&p, bytes).expect("writes");
    p.to_string_lossy().into_owned()
}

const GUID: &str = "11111111-1111-4111-8111-111111111111";

#[test]
fn a_20_mb_bad_id_in_json_is_quoted_in_part_with_its_length() {
    let dir = tempfile::tempdir().expect("temp dir");
    // Over the 1 MiB a JSON string may hold: refused where it stands, in a short message.
    let id = "a".repeat(20 * 1024 * 1024);
    let text =
        format!("{{\"value\": [{{\"id\": \"{id}\", \"userPrincipalName\": \"a@contoso.com\"}}]}}");
    let f = write(dir.path(), "users.json", text.as_bytes());
    let stderr = refused(
        &["inspect", &f],
        "users.json:1:20971540",
        "a string of 20971520 bytes is longer than any export holds",
    );
    assert!(stderr.contains("export it again"), "{stderr}");
    // Under it, but still no id: quoted in part, with its length.
    let id = "a".repeat(900 * 1024);
    let text =
        format!("{{\"value\": [{{\"id\": \"{id}\", \"userPrincipalName\": \"a@contoso.com\"}}]}}");
    let f = write(dir.path(), "users.json", text.as_bytes());
    let stderr = refused(
        &["inspect", &f],
        "users.json:1 ($.value[0].id)",
        "(921,600 characters)",
    );
    assert!(
        stderr.contains(&format!("\"{}…\"", "a".repeat(200))),
        "{stderr}"
    );
}

#[test]
fn a_20_mb_id_cell_is_refused_with_its_place() {
    let dir = tempfile::tempdir().expect("temp dir");
    let text = format!("id,upn\n{},a@contoso.com\n", "a".repeat(20 * 1024 * 1024));
    let f = write(dir.path(), "users.csv", text.as_bytes());
    refused(
        &["inspect", &f],
        "users.csv:2: field \"id\"",
        "longer than 1,048,576 bytes",
    );
}

#[test]
fn a_cell_just_over_the_limit_is_refused_and_one_at_it_is_read() {
    let dir = tempfile::tempdir().expect("temp dir");
    let row = |name_len: usize| {
        format!(
            "id,upn,display_name\n{GUID},a@contoso.com,{}\n",
            "n".repeat(name_len)
        )
    };
    let over = write(dir.path(), "users.csv", row(CELL_MAX + 1).as_bytes());
    refused(
        &["inspect", &over],
        "users.csv:2: field \"display_name\"",
        "a cell is longer than 1,048,576 bytes (1 MiB)",
    );
    let at = dir.path().join("at");
    std::fs::create_dir(&at).expect("dir");
    let f = write(&at, "users.csv", row(CELL_MAX).as_bytes());
    let (out, stderr) = run(&["inspect", &f, "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
}

#[test]
fn a_row_just_over_the_limit_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    // Five cells under the cell limit, together over the row limit.
    let cell = "p".repeat(RECORD_MAX / 5 + 1);
    let text = format!(
        "id,upn,display_name,usage_location,account_enabled,proxy_addresses\n\n{GUID},{cell},{cell},{cell},{cell},{cell}\n"
    );
    let f = write(dir.path(), "users.csv", text.as_bytes());
    refused(
        &["inspect", &f],
        "users.csv:3:",
        "a row is longer than 4,194,304 bytes (4 MiB)",
    );
}

#[test]
fn one_huge_line_of_text_or_of_nul_bytes_is_refused_in_a_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    // No line end, no delimiter, no NUL: the limits alone must hold.
    let f = write(dir.path(), "a.csv", &vec![b'a'; CELL_MAX + 2]);
    let stderr = refused(&["inspect", &f], "a.csv:1:", "a cell is longer than");
    assert_eq!(stderr.lines().count(), 2, "{stderr}");
    let f = write(dir.path(), "nul.csv", &vec![0u8; 2 * CELL_MAX]);
    refused(&["inspect", &f], "nul.csv", "");
}

#[test]
fn a_header_of_a_million_columns_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut text = "id,upn".to_owned();
    for i in 0..1_000_000 {
        text.push_str(&format!(",c{i}"));
        if text.len() > RECORD_MAX - 16 {
            break;
        }
    }
    text.push('\n');
    let f = write(dir.path(), "users.csv", text.as_bytes());
    refused(
        &["inspect", &f],
        "users.csv:1:",
        "a row has more than 10,000 fields",
    );
    let f = write(dir.path(), "commas.csv", ",".repeat(1_000_000).as_bytes());
    refused(
        &["inspect", &f],
        "commas.csv:1:",
        "a row has more than 10,000 fields",
    );
}

#[test]
fn a_report_of_many_problems_lists_some_and_counts_the_rest() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut text = "id,upn\n".to_owned();
    for i in 0..5_000 {
        text.push_str(&format!("bad-{i}-{},u{i}@contoso.com\n", "x".repeat(300)));
    }
    let f = write(dir.path(), "users.csv", text.as_bytes());
    let (out, stderr) = run(&["inspect", &f]);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(out.stdout.is_empty());
    assert!(
        stderr.starts_with("error: 5,000 problems in the input"),
        "{stderr}"
    );
    assert!(
        stderr.contains("… and 4,980 more problems (") && stderr.contains("users.csv: 4,980)"),
        "{stderr}"
    );
    // Twenty problems of at most a thousand characters each, and the count.
    assert!(stderr.lines().count() == 22, "{stderr}");
    assert!(stderr.len() < 25 * 1000, "{} bytes", stderr.len());
}

#[test]
fn a_licenses_cell_of_thousands_of_names_is_matched_in_linear_time() {
    // Before: about cubic in the names (1,600: 37 s); 5,000 would take hours.
    let dir = tempfile::tempdir().expect("temp dir");
    let names = [
        "Enterprise Mobility + Security E5",
        "Office 365 E3",
        "Microsoft 365 Empresa Básico",
        "Foo + Bar",
    ];
    let cell: Vec<&str> = (0..5_000).map(|i| names[i % names.len()]).collect();
    let text = format!(
        "User principal name,Display name,Object Id,Licenses,Block credential,Usage location\n\
         dana@contoso.com,Dana,{GUID},\"{}\",False,US\n",
        cell.join("+")
    );
    let f = write(dir.path(), "users.csv", text.as_bytes());
    let (out, stderr) = run(&["inspect", &f, "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let parts: Vec<&str> = report["skus"]
        .as_array()
        .expect("skus")
        .iter()
        .filter_map(|s| s["sku_part_number"].as_str())
        .collect();
    assert_eq!(parts, ["ENTERPRISEPACK", "EMSPREMIUM"], "{report}");
    let unknown = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["code"] == "unknown-sku")
        .expect("unknown names reported");
    // "Microsoft 365 Empresa Básico" and "Foo + Bar", 1,250 times each.
    assert_eq!(unknown["count"], 2_500, "{unknown}");
}

#[test]
fn one_user_joining_thousands_of_licensed_groups_before_one_wait_is_linear() {
    // Before: cubic in the groups (2,000: 17 s); 5,000 took minutes. Now about a second in a
    // debug build.
    let n = 5_000;
    let mut ops = Vec::new();
    for i in 0..n {
        ops.push(serde_json::json!({"op": "create-group", "group": format!("G{i}"), "security_enabled": true}));
        ops.push(serde_json::json!({"op": "assign-group-license", "group": format!("G{i}"), "sku": "STANDARDPACK"}));
    }
    // Joined in reverse: each new path goes in front of the others.
    for i in (0..n).rev() {
        ops.push(serde_json::json!({"op": "add-member", "group": format!("G{i}"), "user": "alice@contoso.com"}));
    }
    ops.push(serde_json::json!({"op": "wait-for-processing"}));
    // Then leave them all again, one by one, with a wait after each hundred.
    for i in 0..n {
        ops.push(serde_json::json!({"op": "remove-member", "group": format!("G{i}"), "user": "alice@contoso.com"}));
        if i % 100 == 99 {
            ops.push(serde_json::json!({"op": "wait-for-processing"}));
        }
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let f = write(
        dir.path(),
        "ops.json",
        serde_json::json!({ "ops": ops }).to_string().as_bytes(),
    );
    let tenant = root().join("testdata/scenarios/r3-union/tenant");
    let tenant = tenant.to_string_lossy();
    let (out, stderr) = run(&["simulate", &tenant, "--ops", &f, "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(report["safe"], true);
    let steps = report["steps"].as_array().expect("steps");
    let wait = &steps[3 * n];
    assert!(
        wait["effect"]
            .as_str()
            .is_some_and(|e| e.ends_with(&format!("{n} user(s) licensed, 0 in error, 0 removed"))),
        "{}",
        wait["effect"]
    );
    // Seats: alice holds the product already, so thousands of paths take no new seat.
    let seats = &wait["seats"][0];
    assert_eq!(seats["consumed"], 2, "{seats}");
}

/// A JSON export of thousands of bad records keeps the first problems of the file one by one
/// and counts the rest, in the library (memory) as in the message.
#[test]
fn a_json_export_of_many_bad_records_lists_some_and_counts_the_rest() {
    let dir = tempfile::tempdir().expect("temp dir");
    let records: Vec<String> = (0..5000)
        .map(|i| format!(r#"{{"id":"bad-{i}","userPrincipalName":"u{i}@contoso.com"}}"#))
        .collect();
    let body = format!(r#"{{"value":[{}]}}"#, records.join(","));
    let path = write(dir.path(), "users.json", body.as_bytes());
    let errors = licplan::ingest::load(&[std::path::PathBuf::from(&path)])
        .expect_err("ids that are not GUIDs");
    let listed = licplan::ingest::tables::LISTED_PER_FILE;
    assert_eq!(errors.0.len(), listed + 1, "listed, then one count");
    let last = errors.0.last().expect("the count");
    assert_eq!(last.more, 5000 - listed as u64);
    assert!(last.to_string().contains("in field \"id\""), "{last}");
    let (out, stderr) = run(&["inspect", &path]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr.contains("4,980 more problems"), "{stderr}");
    assert!(stderr.len() < 20_000, "{} bytes", stderr.len());
}
