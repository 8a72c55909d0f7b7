//! Exports as real tools and hostile hands produce them, through the binary: what must be read
//! (UTF-16 without a BOM, `curl -iL` output, CR line ends), what must be refused with a message
//! that points the right way (duplicate keys, records that disagree, delta pages, binary and
//! non-UTF-8 files, numbers out of range), and tenant folders holding links, pipes, sockets and
//! unreadable files, built in a temporary folder at test time.
//!
//! Every file of `testdata/bad/` is also run by `hostile.rs` (exit 2, file and place named);
//! here each of this area's cases is checked for what its message says.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::{examples, finding, root, testdata};

const E3: &str = "6fd2c87f-b296-42f0-b197-1e91e994b900";

/// Runs the binary with a deadline: a hang (a FIFO opened, a quadratic loop) fails the test
/// instead of stalling the suite.
fn licplan_within(args: &[&str], limit: Duration) -> Output {
    let dir = tempfile::tempdir().expect("a temp dir");
    let (out_path, err_path) = (dir.path().join("out"), dir.path().join("err"));
    let mut child = Command::new(env!("CARGO_BIN_EXE_licplan"))
        .args(args)
        .current_dir(root())
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out_path).expect("stdout file"))
        .stderr(std::fs::File::create(&err_path).expect("stderr file"))
        .spawn()
        .expect("the licplan binary runs");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("licplan {args:?} still ran after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Output {
        status,
        stdout: std::fs::read(&out_path).expect("stdout"),
        stderr: std::fs::read(&err_path).expect("stderr"),
    }
}

/// `inspect --format json` of paths that must be read; the report as JSON.
#[track_caller]
fn inspected(paths: &[&str]) -> Value {
    let mut args = vec!["inspect"];
    args.extend_from_slice(paths);
    args.extend(["--format", "json"]);
    let out = licplan_within(&args, Duration::from_secs(120));
    assert_eq!(
        out.status.code(),
        Some(0),
        "{paths:?} refused:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("the report is JSON")
}

/// `inspect` of paths that must be refused; stderr.
#[track_caller]
fn refused(paths: &[&str]) -> String {
    let mut args = vec!["inspect"];
    args.extend_from_slice(paths);
    let out = licplan_within(&args, Duration::from_secs(120));
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{paths:?}:\n{stderr}");
    assert!(out.stdout.is_empty(), "{paths:?}: output on stdout");
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}

// ---------------------------------------------------------------------------------------------
// testdata/bad: what each of this area's messages says

/// One bad export: its file, the place right after the file name, and words the message holds.
#[track_caller]
fn says(file: &str, place: &str, words: &[&str]) {
    let path = format!("testdata/bad/{file}");
    let stderr = refused(&[&path]);
    let at = format!("{path}{place}");
    let line = stderr
        .lines()
        .find(|l| l.trim_start().starts_with(&at))
        .unwrap_or_else(|| panic!("no problem at {at:?}:\n{stderr}"));
    for w in words {
        assert!(line.contains(w), "{w:?} not in {line:?}");
    }
    // One short message, not the input quoted back.
    assert!(stderr.len() < 2_000, "{} bytes on stderr", stderr.len());
}

#[test]
fn a_key_given_twice_in_a_record_is_an_error_naming_the_record_and_key() {
    // The empty second "assignedLicenses" would silently drop the user's license.
    says(
        "users-duplicate-key-empty-assigned-licenses.json",
        ": record 1 ($.value[0].assignedLicenses): field \"assignedLicenses\"",
        &["\"assignedLicenses\" is given twice"],
    );
    // PowerShell's PascalCase beside camelCase: one key, as licplan reads keys in any case.
    says(
        "users-powershell-duplicate-key-letter-case.json",
        ": record 1 ($[0].LicenseAssignmentStates)",
        &["\"LicenseAssignmentStates\" and \"licenseAssignmentStates\" are one key"],
    );
    says(
        "users-powershell-duplicate-in-additional-properties.json",
        ": record 1 ($[0].assignedLicenses)",
        &["in the record and in its AdditionalProperties"],
    );
    // Nested objects the reader uses: a license state, prepaidUnits, a group's license, a
    // member, the organization.
    says(
        "users-duplicate-key-in-license-state.json",
        ": record 1 ($.value[0].licenseAssignmentStates[0].assignedByGroup)",
        &["given twice"],
    );
    says(
        "skus-duplicate-key-prepaid-enabled.json",
        ": record 1 ($.value[0].prepaidUnits.enabled)",
        &["\"enabled\" and \"Enabled\""],
    );
    says(
        "groups-duplicate-key-license-sku-id.json",
        ": record 1 ($.value[0].assignedLicenses[0].skuId)",
        &["\"skuId\" is given twice"],
    );
    says(
        "members-duplicate-key-odata-type.json",
        ": record 1 ($.value[0].@odata.type)",
        &["given twice"],
    );
    says(
        "organization-duplicate-key-country.json",
        ": record 1 ($.value[0].countryLetterCode)",
        &["given twice"],
    );
    says("value-twice.json", ":4:", &["two `value` members"]);
}

#[test]
fn two_records_of_one_object_that_disagree_are_an_error_naming_both_places() {
    let stderr = refused(&["testdata/bad/users-two-pages-disagree"]);
    assert!(
        stderr.contains(
            "testdata/bad/users-two-pages-disagree/users.page2.json: record 1 ($.value[0]): user \
             10000000-0000-4000-8000-000000000001 is also at \
             testdata/bad/users-two-pages-disagree/users.page1.json: record 1 ($.value[0]), with \
             different content (licenses)"
        ),
        "{stderr}"
    );
    says(
        "groups-same-id-different-content.json",
        ": record 2 ($.value[1])",
        &[
            "is also at testdata/bad/groups-same-id-different-content.json: record 1 ($.value[0])",
            "(licenses)",
        ],
    );
    says(
        "skus-same-id-different-seats.json",
        ": record 2 ($[1])",
        &[
            "product 6fd2c87f-b296-42f0-b197-1e91e994b900 is also at",
            "(seats)",
        ],
    );
}

#[test]
fn identical_records_of_one_object_stay_a_finding() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let page = format!(
        "{{\"value\":[{{\"id\":\"10000000-0000-4000-8000-000000000001\",\"userPrincipalName\":\"a@contoso.com\",\"usageLocation\":\"US\",\"assignedLicenses\":[{{\"skuId\":\"{E3}\",\"disabledPlans\":[]}}]}}]}}\n"
    );
    for name in ["users.page1.json", "users.page2.json"] {
        std::fs::write(dir.path().join(name), &page).expect("write");
    }
    let shown = dir.path().display().to_string();
    let report = inspected(&[&shown]);
    assert_eq!(report["users"], 1);
    assert_eq!(
        examples(&report, "duplicate-record"),
        ["user 10000000-0000-4000-8000-000000000001 (users.page2.json:1)"]
    );
}

#[test]
fn delta_pages_are_refused_and_a_removed_user_is_never_live() {
    says(
        "users-delta-last-page.json",
        ": record 2 ($.value[1].@removed)",
        &[
            "marked \"@removed\" (reason \"deleted\")",
            "not live",
            "not /users/delta",
        ],
    );
    // The page itself, by its deltaLink, even where no record is marked.
    let stderr = refused(&["testdata/bad/users-delta-last-page.json"]);
    assert!(stderr.contains("a page of a delta query"), "{stderr}");
    // A marked record without its page wrapper (JSON Lines), and PowerShell's
    // Get-MgUserDelta, which keeps the mark in AdditionalProperties.
    says(
        "users-delta-removed-record.jsonl",
        ":2 ($.@removed)",
        &["reason \"changed\""],
    );
    says(
        "users-powershell-delta-removed.json",
        ": record 2 ($[1].@removed)",
        &["\"@removed\""],
    );
    says(
        "groups-delta-members-delta.json",
        ": record 1 ($.value[0].members@delta)",
        &["lists only what changed"],
    );
    // Microsoft's own delta example (a page with a /delta next link).
    let stderr = refused(&["testdata/real-graph/users.delta.nextLink.response.json"]);
    assert!(stderr.contains("a page of a delta query"), "{stderr}");
}

#[test]
fn http_responses_that_are_not_a_success_name_their_status() {
    says(
        "http-redirect-then-forbidden.json",
        ":5:",
        &["\"HTTP/1.1 403 Forbidden\", not a success"],
    );
    says(
        "http-redirect-not-followed.json",
        ":1:",
        &["\"HTTP/2 302\", a redirect", "curl -L"],
    );
    says(
        "graph-error-response.json",
        ": record 1 ($.error)",
        &["a Graph error response", "InvalidAuthenticationToken"],
    );
}

#[test]
fn files_that_are_not_utf8_text_say_what_they_look_like() {
    says(
        "skus-latin1-one-line.json",
        ":1:",
        &[
            "byte 0xE9",
            "Windows-1252",
            "résumé",
            "Out-File -Encoding utf8",
            "CSV UTF-8",
        ],
    );
    says(
        "users-windows-1252-line-4.json",
        ":4:",
        &["line 4", "Windows-1252", "Adèle"],
    );
    says(
        "users-windows-1252-line-3.jsonl",
        ":3:",
        &["line 3", "Windows-1252", "Zoë Müller"],
    );
    says(
        "binary-nul-bytes.json",
        ":1:",
        &["NUL (zero) bytes", "not a text export"],
    );
    says(
        "json-padded-with-nul-bytes.json",
        ":4:",
        &["NUL (zero) bytes, the first at byte 18"],
    );
    says(
        "utf32le-without-bom.json",
        ":1:",
        &["UTF-32 (little-endian)"],
    );
    says("utf32le-with-bom.json", ":1:", &["UTF-32"]);
    says(
        "users-utf8-bom-then-utf16le.csv",
        ":1:",
        &["converted twice"],
    );
    says(
        "users-utf16le-unpaired-surrogate.json",
        ":4:",
        &["not valid UTF-16 (an unpaired surrogate"],
    );
    says(
        "sign-in-page-saved-as-users.json",
        ":1:",
        &["an HTML or XML page, not an export"],
    );
    says(
        "two-exports-joined-with-a-bom.json",
        ":10:1:",
        &["byte-order mark (U+FEFF) in the middle"],
    );
}

#[test]
fn numbers_out_of_range_say_too_large_with_the_field() {
    says(
        "skus-seats-1e20.json",
        ": record 1 ($.value[0].prepaidUnits.enabled): field \"enabled\"",
        &["seat count 1e20 is too large (out of range"],
    );
    says(
        "skus-seats-20-digits.json",
        ": record 1 ($.value[0].consumedUnits): field \"consumedUnits\"",
        &["too large"],
    );
    let stderr = refused(&["testdata/bad/skus-seats-above-32-bits.json"]);
    for w in [
        "($[0].consumedUnits): field \"consumedUnits\": seat count 4294967296 is too large",
        "($[0].prepaidUnits.enabled): field \"enabled\": seat count 18446744073709551616 is too large",
    ] {
        assert!(stderr.contains(w), "{w:?} not in {stderr}");
    }
    says(
        "skus-seats-negative-string.json",
        ": record 1 ($[0].prepaidUnits.enabled)",
        &["seat count -5 is negative"],
    );
}

#[test]
fn wrappers_and_records_of_the_wrong_shape_are_named() {
    says(
        "deep-nesting-200.json",
        ":1:",
        &["nested more than 128 levels deep"],
    );
    says(
        "value-not-an-array.json",
        ":4:",
        &["the page's `value` is an object, not an array of records"],
    );
    // Records that are strings were once read as "no records" and accepted.
    says(
        "records-that-are-strings.json",
        ": record 1 ($[0])",
        &["expected a record (an object), found a string"],
    );
}

// ---------------------------------------------------------------------------------------------
// testdata/hostile: read as intended

#[test]
fn utf16_without_a_bom_is_read() {
    for name in ["users-utf16le-no-bom.json", "users-utf16be-no-bom.json"] {
        let path = testdata("hostile-encodings").join(name);
        let report = inspected(&[&path.display().to_string()]);
        assert_eq!(report["users"], 2, "{name}");
        let loaded = crate::common::load(&[&path]);
        let names: Vec<&str> = loaded
            .tenant
            .users
            .values()
            .filter_map(|u| u.display_name.as_deref())
            .collect();
        assert_eq!(names, ["Adèle Vance", "Zoë 名前"], "{name}");
        assert!(loaded
            .tenant
            .users
            .values()
            .all(|u| u.assignments.len() == 1));
    }
    let report = inspected(&["testdata/hostile-encodings/users-utf16le-no-bom.csv"]);
    assert_eq!(report["users"], 1);
    assert_eq!(report["sources"][0]["content"], "users");
}

#[test]
fn http_headers_before_the_body_are_skipped_even_after_a_redirect() {
    for name in ["users-curl-iL.json", "users-curl-i-100-continue.json"] {
        let path = format!("testdata/hostile-framing/{name}");
        let report = inspected(&[&path]);
        assert_eq!(report["users"], 2, "{name}");
        assert_eq!(report["sources"][0]["content"], "users", "{name}");
        let loaded = crate::common::load(&[&root().join(&path)]);
        assert!(
            loaded
                .tenant
                .users
                .values()
                .all(|u| u.assignments.len() == 1),
            "{name}: licenses read"
        );
    }
}

#[test]
fn json_lines_with_cr_line_ends_or_a_bom_on_every_line_are_read() {
    for name in [
        "users-cr-line-ends.jsonl",
        "users-jsonl-joined-with-boms.jsonl",
    ] {
        let path = testdata("hostile-framing").join(name);
        let report = inspected(&[&path.display().to_string()]);
        assert_eq!(report["users"], 4, "{name}");
        let loaded = crate::common::load(&[&path]);
        let licensed = loaded
            .tenant
            .users
            .values()
            .filter(|u| !u.assignments.is_empty())
            .count();
        assert_eq!(licensed, 2, "{name}");
    }
}

// ---------------------------------------------------------------------------------------------
// Sizes: bounded memory and short messages

#[test]
fn a_file_of_nul_bytes_is_refused_at_once_with_one_short_message() {
    let dir = tempfile::tempdir().expect("a temp dir");
    for name in ["users.json", "users.csv", "users.jsonl"] {
        let path = dir.path().join(name);
        std::fs::write(&path, vec![0u8; 8 << 20]).expect("write");
        let shown = path.display().to_string();
        let stderr = refused(&[&shown]);
        assert!(
            stderr.contains(&format!("{shown}:1: the file contains NUL (zero) bytes")),
            "{stderr}"
        );
        assert_eq!(stderr.lines().count(), 2, "{stderr}");
        assert!(stderr.len() < 600, "{} bytes: {stderr}", stderr.len());
    }
}

#[test]
fn a_20_mb_value_gives_a_short_message() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let huge = "7".repeat(20 << 20);
    for (name, record) in [
        (
            "id.json",
            format!("{{\"value\":[{{\"id\":\"{huge}\",\"userPrincipalName\":\"a@contoso.com\"}}]}}"),
        ),
        (
            "key.json",
            format!("{{\"value\":[{{\"id\":\"10000000-0000-4000-8000-000000000001\",\"{huge}\":1}}]}}"),
        ),
        (
            "state.jsonl",
            format!("{{\"id\":\"10000000-0000-4000-8000-000000000001\",\"licenseAssignmentStates\":[{{\"skuId\":\"{E3}\",\"state\":\"{huge}\"}}]}}\n"),
        ),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, record).expect("write");
        let shown = path.display().to_string();
        let stderr = refused(&[&shown]);
        assert!(
            stderr.contains(&format!("a string of {} bytes is longer than any export holds", 20 << 20)),
            "{name}: {}",
            &stderr[..stderr.len().min(2000)]
        );
        assert!(stderr.len() < 1_000, "{name}: {} bytes on stderr", stderr.len());
    }
}

/// A record with 300,000 keys: the duplicate-key check looks keys up one pass each, so this is
/// read at once; comparing every key with every other would take 45 billion comparisons.
#[test]
fn a_record_with_many_keys_is_checked_for_duplicates_in_linear_time() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let mut record = String::from(
        "{\"value\":[{\"id\":\"10000000-0000-4000-8000-000000000001\",\"userPrincipalName\":\"a@contoso.com\",\"assignedLicenses\":[]",
    );
    for i in 0..300_000 {
        record.push_str(&format!(",\"k{i}\":0"));
    }
    record.push_str("}]}\n");
    let path = dir.path().join("users.json");
    std::fs::write(&path, record).expect("write");
    let report = inspected(&[&path.display().to_string()]);
    assert_eq!(report["users"], 1);
}

// ---------------------------------------------------------------------------------------------
// Tenant folder entries, built at test time

/// A tenant folder with one valid users export, for entries to be added beside it.
fn tenant() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temp dir");
    let users = format!(
        "{{\"value\":[{{\"id\":\"10000000-0000-4000-8000-000000000001\",\"userPrincipalName\":\"a@contoso.com\",\"usageLocation\":\"US\",\"assignedLicenses\":[{{\"skuId\":\"{E3}\",\"disabledPlans\":[]}}]}}]}}\n"
    );
    std::fs::write(dir.path().join("users.json"), users).expect("write");
    dir
}

fn shown(p: &Path) -> String {
    p.display().to_string()
}

#[cfg(unix)]
#[test]
fn a_dangling_link_is_reported_as_one() {
    let dir = tenant();
    let missing = dir.path().join("gone.json");
    // Named like an export: the export is missing, the tenant is refused.
    let link = dir.path().join("groups.json");
    std::os::unix::fs::symlink(&missing, &link).expect("symlink");
    let stderr = refused(&[&shown(dir.path())]);
    assert!(
        stderr.contains(&format!(
            "{}: a symbolic link whose target ({}) does not exist",
            shown(&link),
            shown(&missing)
        )),
        "{stderr}"
    );
    assert!(!stderr.contains("does not end in"), "{stderr}");
    // Named on the command line, the same.
    let stderr = refused(&[&shown(&link)]);
    assert!(stderr.contains("a symbolic link whose target"), "{stderr}");

    // Any other name: skipped, and the finding says why.
    std::fs::remove_file(&link).expect("remove");
    let other = dir.path().join("notes");
    std::os::unix::fs::symlink(&missing, &other).expect("symlink");
    let report = inspected(&[&shown(dir.path())]);
    assert_eq!(report["users"], 1);
    assert_eq!(
        examples(&report, "skipped-file"),
        // Named relative to the tenant folder, as sources are.
        ["notes: a symbolic link whose target does not exist".to_owned()]
    );
}

#[cfg(unix)]
#[test]
fn a_link_in_a_loop_is_reported_as_one_that_cannot_be_reached() {
    let dir = tenant();
    let link = dir.path().join("skus.json");
    std::os::unix::fs::symlink(&link, &link).expect("symlink");
    let stderr = refused(&[&shown(dir.path())]);
    assert!(
        stderr.contains(&format!(
            "{}: a symbolic link whose target ({}) cannot be reached",
            shown(&link),
            shown(&link)
        )),
        "{stderr}"
    );
}

#[cfg(unix)]
#[test]
fn pipes_sockets_and_folders_are_skipped_and_reported_never_opened() {
    let dir = tenant();
    let fifo = dir.path().join("groups.json");
    let made = Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(made.success(), "mkfifo failed");
    let socket = dir.path().join("members.json");
    let _listener = std::os::unix::net::UnixListener::bind(&socket).expect("a socket");
    std::fs::create_dir(dir.path().join("skus.json")).expect("a folder");
    // A link to the pipe is not opened either.
    let link = dir.path().join("organization.json");
    std::os::unix::fs::symlink(&fifo, &link).expect("symlink");

    // Opening the pipe would wait for a writer forever: the deadline catches it.
    let report = inspected(&[&shown(dir.path())]);
    assert_eq!(report["users"], 1);
    let mut skipped = examples(&report, "skipped-file");
    skipped.sort();
    // Named relative to the tenant folder, as sources are.
    let rel = |p: &Path| {
        p.strip_prefix(dir.path())
            .expect("inside the tenant folder")
            .display()
            .to_string()
    };
    let mut expected = vec![
        format!(
            "{}: a named pipe (FIFO), not a file: not opened",
            rel(&fifo)
        ),
        format!("{}: a socket, not a file: not opened", rel(&socket)),
        format!(
            "{}: a named pipe (FIFO), not a file: not opened",
            rel(&link)
        ),
    ];
    expected.sort();
    assert_eq!(skipped, expected);
    // The (empty) folder is read as a sub-folder: nothing in it to skip.
    assert_eq!(
        finding(&report, "skipped-file").expect("skipped")["count"],
        3
    );
}

#[cfg(unix)]
#[test]
fn an_unreadable_export_is_reported_as_such() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tenant();
    let file = dir.path().join("skus.json");
    std::fs::write(
        &file,
        format!("[{{\"skuId\":\"{E3}\",\"skuPartNumber\":\"ENTERPRISEPACK\",\"consumedUnits\":1,\"prepaidUnits\":{{\"enabled\":5}}}}]\n"),
    )
    .expect("write");
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o000)).expect("chmod");
    // Root (and a process with CAP_DAC_OVERRIDE) reads the file anyway; licplan runs as the
    // same user as this test, so it can read it exactly when this test can.
    let readable = std::fs::read(&file).is_ok();
    let args = [shown(dir.path())];
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    if readable {
        let report = inspected(&args);
        let sources: Vec<&str> = report["sources"]
            .as_array()
            .expect("sources")
            .iter()
            .filter_map(|s| s["content"].as_str())
            .collect();
        assert_eq!(sources, ["skus", "users"]);
    } else {
        let stderr = refused(&args);
        assert!(
            stderr.contains(&format!("{}: cannot open: permission denied", shown(&file))),
            "{stderr}"
        );
    }
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).expect("chmod");
}

#[test]
fn a_path_that_does_not_exist_says_so() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let missing: PathBuf = dir.path().join("nothing-here");
    let stderr = refused(&[&shown(&missing)]);
    assert!(
        stderr.contains(&format!("{}: no such file or folder", shown(&missing))),
        "{stderr}"
    );
}
