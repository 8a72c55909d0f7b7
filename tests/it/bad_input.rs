//! Unusable exports through the real binary: exit code 2 (never a panic), nothing on stdout,
//! and one line on stderr per problem naming the file, the place and the field, with a hint.
//! Each case is a small file in `testdata/bad/`.

use std::process::Output;

use crate::common::licplan;

/// What a failed run printed.
struct Failure {
    stderr: String,
}

/// Runs `licplan inspect` on paths and checks the run failed as bad input should.
#[track_caller]
fn fails(paths: &[&str]) -> Failure {
    let mut args = vec!["inspect"];
    args.extend_from_slice(paths);
    let out: Output = licplan(&args);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(
        out.status.code(),
        Some(2),
        "licplan inspect {paths:?} should exit 2; stderr:\n{stderr}"
    );
    assert!(
        out.stdout.is_empty(),
        "nothing may be written to stdout on bad input, got:\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(stderr.starts_with("error: "), "{stderr}");
    Failure { stderr }
}

impl Failure {
    /// Asserts one problem names `path`, the place right after it (`:4`, `:3:15`,
    /// `: record 3 ($.value[2].id)`, or nothing for the file as a whole), and the field.
    #[track_caller]
    fn names(&self, path: &str, place: &str, field: Option<&str>) -> &Self {
        let at = format!("{path}{place}: ");
        let line = self
            .stderr
            .lines()
            .find(|l| l.trim_start().starts_with(&at))
            .unwrap_or_else(|| panic!("no problem reported at {at:?}:\n{}", self.stderr));
        match field {
            Some(f) => {
                let named = format!("{at}field {f:?}: ");
                assert!(line.contains(&named), "{named:?} not in {line:?}");
            }
            None => assert!(!line.contains(": field "), "no field expected: {line:?}"),
        }
        // Every problem comes with what to do about it.
        assert!(line.contains("; "), "no hint in {line:?}");
        self
    }

    #[track_caller]
    fn says(&self, words: &str) -> &Self {
        assert!(
            self.stderr.contains(words),
            "{words:?} not in:\n{}",
            self.stderr
        );
        self
    }

    #[track_caller]
    fn problems(&self, n: usize) -> &Self {
        let problems = self.stderr.lines().filter(|l| l.starts_with("  ")).count();
        assert_eq!(problems, n, "{}", self.stderr);
        self
    }
}

/// One bad file in `testdata/bad/`: fails with one problem at `place`, about `field`.
#[track_caller]
fn case(file: &str, place: &str, field: Option<&str>) -> Failure {
    let path = format!("testdata/bad/{file}");
    let f = fails(&[&path]);
    f.names(&path, place, field).problems(1);
    f
}

// JSON syntax: line:column as an editor counts them.

#[test]
fn truncated_json() {
    // The download stopped in the middle of a string.
    case("truncated.json", ":11:36", None).says("EOF while parsing a string");
}

#[test]
fn json_truncated_after_a_line_end_names_the_last_line() {
    // serde_json says "line 9 column 0" for the end of a file ending in a newline; the place
    // shown is the end of the last line instead.
    case("truncated-at-line-end.json", ":8", None).says("EOF while parsing");
}

#[test]
fn invalid_json_syntax_mid_file() {
    // A missing comma between two members.
    let f = case("syntax-mid-file.json", ":6:7", None);
    f.says("expected `,` or `}`");
    // serde_json's own "at line … column …" is not repeated (it would contradict the place
    // when blank lines precede the JSON).
    assert!(!f.stderr.contains("at line"), "{}", f.stderr);
}

#[test]
fn trailing_garbage_after_the_json() {
    case("trailing-garbage.json", ":4:1", None).says("trailing characters");
}

#[test]
fn top_level_string() {
    // A `.json` file is read as JSON even when its content does not start like JSON.
    case("top-level-string.json", ":1:7", None).says("top level of the file is a string");
}

#[test]
fn json_lines_file_with_one_bad_line() {
    // Line 3 is blank; the bad record is on line 4 and the column is within that line.
    case("lines-one-bad.jsonl", ":4:107", None).says("JSON Lines");
}

#[test]
fn deeply_nested_json_arrays_are_an_error_not_a_stack_overflow() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let path = dir.path().join("deep.json");
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    std::fs::write(&path, deep).expect("write deep.json");
    let shown = path.display().to_string();
    fails(&[&shown])
        .names(&shown, ":1:128", None)
        .says("recursion limit")
        .problems(1);
}

#[test]
fn deeply_nested_json_objects_are_an_error_not_a_stack_overflow() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let path = dir.path().join("deep.json");
    let deep = format!("{}1{}\n", "{\"a\":".repeat(10_000), "}".repeat(10_000));
    std::fs::write(&path, deep).expect("write deep.json");
    let shown = path.display().to_string();
    fails(&[&shown])
        .names(&shown, ":1:636", None)
        .says("recursion limit")
        .problems(1);
}

#[test]
fn microsoft_doc_sample_verbatim_starts_with_an_http_status_line() {
    // The Entra docs' example, kept as published: `HTTP/1.1 200 OK`, then JSON with
    // `# comments`, `...` and a trailing comma. The status line is skipped; the first problem
    // is the `# assigned directly.` comment on line 12.
    case(
        "user.licenseAssignmentStates.entra-docs-example.NOT-VALID-JSON.txt",
        ":12:36",
        None,
    )
    .says("key must be a string");
}

#[test]
fn microsoft_doc_sample_body_stops_at_the_first_comment() {
    // The same file with the status line blanked (so lines keep their numbers): the first
    // problem is the `# assigned directly.` comment on line 12.
    case(
        "user.licenseAssignmentStates.entra-docs-example.body-only.json",
        ":12:36",
        None,
    )
    .says("key must be a string");
}

// JSON records: the record and the path to the field.

#[test]
fn user_id_that_is_not_a_guid() {
    case(
        "user-id-not-guid.json",
        ": record 2 ($.value[1].id)",
        Some("id"),
    )
    .says("\"dana.whitfield\" is not a GUID");
}

#[test]
fn sku_id_inside_license_assignment_states_that_is_not_a_guid() {
    case(
        "sku-id-not-guid.json",
        ": record 3 ($.value[2].licenseAssignmentStates[0].skuId)",
        Some("skuId"),
    )
    .says("\"STANDARDPACK\" is not a GUID");
}

#[test]
fn wrong_type_account_enabled_maybe() {
    case(
        "account-enabled-maybe.json",
        ": record 1 ($[0].accountEnabled)",
        Some("accountEnabled"),
    )
    .says("expected true or false, found a string");
}

#[test]
fn wrong_type_consumed_units_lots() {
    case(
        "consumed-units-lots.json",
        ": record 1 ($.value[0].consumedUnits)",
        Some("consumedUnits"),
    )
    .says("expected a whole number, found a string");
}

#[test]
fn negative_prepaid_units() {
    case(
        "prepaid-negative.json",
        ": record 1 ($.value[0].prepaidUnits.enabled)",
        Some("enabled"),
    )
    .says("seat count -5 is negative");
}

#[test]
fn convertto_json_too_shallow() {
    // `ConvertTo-Json` without `-Depth` writes nested objects as their type name.
    case(
        "convertto-json-too-shallow.json",
        ": record 1 ($[0].assignedLicenses)",
        Some("assignedLicenses"),
    )
    .says("Microsoft.Graph.PowerShell.Models.MicrosoftGraphAssignedLicense")
    .says("-Depth");
}

#[test]
fn usage_location_usa() {
    case(
        "usage-location-usa.json",
        ": record 2 ($.value[1].usageLocation)",
        Some("usageLocation"),
    )
    .says("\"USA\" is not a two-letter");
}

#[test]
fn members_file_that_does_not_say_its_group() {
    // No groupId, no GUID in the file name, no next link.
    case(
        "members-no-group.json",
        ": record 1 ($.value[0])",
        Some("groupId"),
    )
    .says("members.<group-id>.json");
}

// CSV: the line as an editor shows it, and the column.

#[test]
fn csv_row_with_too_few_fields() {
    case("users-truncated-row.csv", ":4", None).says("the row has 3 fields but the header has 6");
}

#[test]
fn csv_rows_that_cannot_be_read_do_not_hide_the_rows_after_them() {
    let path = "testdata/bad/users-several-bad-rows.csv";
    fails(&[path])
        .problems(3)
        .names(path, ":3", None)
        .says("the row has 2 fields but the header has 6")
        // An unquoted comma in "Bennett, Oliver".
        .names(path, ":4", None)
        .says("the row has 7 fields but the header has 6")
        .names(path, ":5", Some("id"));
}

#[test]
fn csv_missing_a_required_column() {
    case("skus-missing-consumed.csv", ":1", Some("consumed"))
        .says("required column \"consumed\" is missing");
}

#[test]
fn csv_non_numeric_seat_count() {
    case("skus-not-a-number.csv", ":3", Some("enabled")).says("\"many\" is not a whole number");
}

#[test]
fn csv_negative_seat_count() {
    case("skus-negative.csv", ":3", Some("consumed")).says("seat count -2 is negative");
}

#[test]
fn csv_bad_boolean() {
    case("users-bad-boolean.csv", ":2", Some("account_enabled"))
        .says("\"enabled\" is not true or false");
}

#[test]
fn csv_invalid_guid_in_users_id() {
    case("users-bad-guid.csv", ":3", Some("id")).says("is not a GUID");
}

#[test]
fn csv_invalid_member_type() {
    case("members-bad-type.csv", ":3", Some("member_type")).says("\"device\" is not a member type");
}

#[test]
fn csv_header_that_matches_no_known_export() {
    // Names are quoted (a header may hold control characters, shown escaped).
    case("unknown-header.csv", ":1", None).says(r#"("Name", "Email", "Phone")"#);
}

#[test]
fn csv_with_invalid_utf8() {
    // "Renée" saved as Latin-1: byte E9 alone, on line 4 after a blank line.
    case("users-latin1.csv", ":4", Some("display_name"))
        .says("byte 0xE9 at line 4, column 55 is not part of a UTF-8 character")
        .says("looks like Windows-1252")
        .says("Renée")
        .says("\"CSV UTF-8\"");
}

#[test]
fn empty_file() {
    case("empty.csv", "", None).says("the file is empty");
}

#[test]
fn file_of_blank_lines() {
    case("blank-lines-only.json", "", None).says("the file is empty");
}

// Collect, then decide.

#[test]
fn every_problem_of_every_file_is_reported_in_one_run() {
    let f = fails(&["testdata/bad/many"]);
    f.problems(7)
        .says("7 problems in the input make it unusable")
        .names("testdata/bad/many/groups.json", ":8:5", None)
        .names(
            "testdata/bad/many/members.json",
            ": record 1 ($.value[0])",
            Some("groupId"),
        )
        .names(
            "testdata/bad/many/skus.json",
            ": record 1 ($.value[0].prepaidUnits.enabled)",
            Some("enabled"),
        )
        .names(
            "testdata/bad/many/skus.json",
            ": record 1 ($.value[0].consumedUnits)",
            Some("consumedUnits"),
        )
        .names("testdata/bad/many/users.csv", ":3", Some("id"))
        .names("testdata/bad/many/users.csv", ":4", Some("account_enabled"))
        .names("testdata/bad/many/users.csv", ":5", Some("usage_location"));
}

// Recoverable oddities are findings, not errors.

#[test]
fn unknown_columns_and_empty_rows_are_findings_with_exit_0() {
    let out = licplan(&["inspect", "testdata/bad/recoverable", "--format", "json"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("stdout is one JSON document");
    let findings = report["findings"].as_array().expect("a findings array");
    let finding = |code: &str| {
        findings
            .iter()
            .find(|f| f["code"] == code)
            .unwrap_or_else(|| panic!("no {code} finding in {findings:#?}"))
    };
    let unknown = finding("unknown-column");
    assert_eq!(unknown["count"], 2);
    assert_eq!(
        unknown["examples"],
        serde_json::json!(["\"Department\" in users.csv", "\"Manager\" in users.csv"])
    );
    let empty = finding("empty-row");
    assert_eq!(empty["count"], 2);
    assert_eq!(
        empty["examples"],
        serde_json::json!(["users.csv:3", "users.csv:5"])
    );
    assert_eq!(report["users"], 2, "{report:#}");
}
