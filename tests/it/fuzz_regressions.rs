//! Inputs that crashed or stressed a fuzz target (see fuzz/README.md), kept in
//! `testdata/fuzz-regressions/` and fed through the same entry points: each must give an answer
//! (a tenant, or an error with a message), never a panic.
//!
//! A file is named `<target>-<short-name>`; the target says which entry point reads it, the same
//! way the fuzz target of that name does.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use licplan::ingest::{self, InputErrors, Loaded};
use licplan::model::Tenant;
use licplan::plan::intent;
use licplan::simulate::ops;
use licplan::simulate::rules::Rules;

use crate::common::testdata;

/// The file names `ingest_any` picks from with its first byte (fuzz/fuzz_targets/ingest_any.rs).
const ANY_NAMES: &[&str] = &[
    "fuzz.json",
    "fuzz.csv",
    "fuzz.txt",
    "fuzz.jsonl",
    "fuzz.tsv",
    "members.241b3144-63f2-5689-bda0-e09d352c7b55.json",
];

/// What an entry point answered: `Ok` or the error's message.
type Answer = Result<(), String>;

fn dir() -> PathBuf {
    testdata("fuzz-regressions")
}

fn input(name: &str) -> Vec<u8> {
    let path = dir().join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// The `intent` target's tenant: the contoso-csv sample.
fn tenant() -> &'static Tenant {
    static TENANT: OnceLock<Tenant> = OnceLock::new();
    TENANT.get_or_init(|| crate::common::load(&[&testdata("contoso-csv")]).tenant)
}

fn ingest_answer(r: Result<Loaded, InputErrors>) -> Answer {
    match r {
        Ok(loaded) => {
            // As the fuzz targets do: what was read must also inspect.
            let _ = licplan::inspect::inspect(&loaded);
            Ok(())
        }
        Err(e) => Err(e.to_string()),
    }
}

/// Feeds `bytes` to the entry point of fuzz target `target`.
fn run(target: &str, bytes: &[u8]) -> Answer {
    let text = || String::from_utf8_lossy(bytes).into_owned();
    match target {
        "ingest_json" => ingest_answer(ingest::load_bytes("fuzz.json", bytes)),
        "ingest_csv" => ingest_answer(ingest::load_bytes("fuzz.csv", bytes)),
        "ingest_any" => {
            let Some((&pick, content)) = bytes.split_first() else {
                return Ok(());
            };
            let name = ANY_NAMES[usize::from(pick) % ANY_NAMES.len()];
            ingest_answer(ingest::load_bytes(name, content))
        }
        "ops" => ops::parse(&text(), Path::new("fuzz-ops.yaml"))
            .map(|_| ())
            .map_err(|e| e.to_string()),
        // Beside the sample intents, as the fuzz target's intent is beside its users file.
        "intent" => intent::parse(&text(), &testdata("intents/fuzz.yaml"), tenant())
            .map(|_| ())
            .map_err(|e| e.to_string()),
        "rules" => Rules::from_yaml(&text(), Path::new("fuzz-rules.yaml"))
            .map(|_| ())
            .map_err(|e| e.to_string()),
        other => panic!("no fuzz target {other:?}"),
    }
}

/// Runs the regression input `name` through its target.
fn answer(name: &str) -> Answer {
    let target = target_of(name).unwrap_or_else(|| panic!("{name}: no target in the name"));
    run(target, &input(name))
}

fn target_of(name: &str) -> Option<&'static str> {
    // Longest first: `ingest_json` before a shorter name it starts with.
    const TARGETS: &[&str] = &[
        "ingest_json",
        "ingest_csv",
        "ingest_any",
        "intent",
        "rules",
        "ops",
    ];
    TARGETS.iter().copied().find(|t| {
        name.strip_prefix(t)
            .is_some_and(|rest| rest.starts_with('-'))
    })
}

#[track_caller]
fn refused(name: &str, needle: &str) -> String {
    match answer(name) {
        Ok(()) => panic!("{name}: accepted, expected an error mentioning {needle:?}"),
        Err(e) => {
            assert!(e.contains(needle), "{name}: {needle:?} not in:\n{e}");
            e
        }
    }
}

#[track_caller]
fn accepted(name: &str) {
    if let Err(e) = answer(name) {
        panic!("{name}: refused:\n{e}");
    }
}

#[test]
fn every_regression_input_answers_without_panicking() {
    let mut names: Vec<String> = std::fs::read_dir(dir())
        .expect("testdata/fuzz-regressions exists")
        .map(|e| {
            e.expect("a directory entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    assert!(names.len() >= 5, "only {} regression inputs", names.len());
    let mut failures = Vec::new();
    for name in &names {
        if target_of(name).is_none() {
            failures.push(format!("{name}: does not start with a fuzz target's name"));
            continue;
        }
        if let Err(panic) = catch_unwind(AssertUnwindSafe(|| answer(name))) {
            let msg = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_default();
            failures.push(format!("{name}: panicked: {msg}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

// --- Inputs written by hand -------------------------------------------------------------------

#[test]
fn csv_with_10000_columns_is_read() {
    // The known columns are read; the 9,996 others are only counted.
    accepted("ingest_csv-10000-columns");
}

#[test]
fn csv_with_10000_unknown_columns_is_refused() {
    refused(
        "ingest_csv-10000-unknown-columns",
        "cannot tell what this CSV holds",
    );
}

#[test]
fn seat_count_with_500_digits_is_refused() {
    refused("ingest_csv-seats-500-digits", "fuzz.csv");
    refused("ingest_json-seats-500-digits", "fuzz.json");
    refused("ingest_json-consumed-500-digits-exponent", "fuzz.json");
}

#[test]
fn deeply_nested_json_is_refused() {
    refused("ingest_json-deep-nesting-in-record", "recursion limit");
    refused("ingest_json-deep-nesting-top-level", "recursion limit");
    refused("ops-deep-nesting-json", "nested more than 100 levels deep");
}

#[test]
fn deeply_nested_yaml_is_refused() {
    refused("intent-deep-nesting", "nested more than 100 levels deep");
    refused(
        "intent-deep-nesting-maps",
        "nested more than 100 levels deep",
    );
    refused("ops-deep-nesting-yaml", "nested more than 100 levels deep");
    refused("rules-deep-nesting", "nested more than 100 levels deep");
}

#[test]
fn yaml_alias_bombs_are_refused() {
    refused("intent-alias-bomb", "expand this file");
    refused("ops-alias-bomb", "expand this file");
    refused("ops-stages-not-lists", "`actions` must be a list");
    refused("rules-alias-bomb", "expand this file");
}

#[test]
fn huge_numbers_in_yaml_are_refused() {
    refused("intent-wave-size-500-digits", "is not a wave size");
    refused("intent-pilot-500-digits", "waves.pilot");
    refused("intent-wave-size-nan-percent", "is not a wave size");
    refused("rules-version-500-digits", "version");
}

#[test]
fn a_users_scope_naming_a_folder_is_refused() {
    refused("intent-users-scope-is-a-folder", "is not a regular file");
}

#[test]
fn successor_cycles_end() {
    // Plan 1 and Plan 2 as each other's successors: the closure stops, the rules load.
    accepted("rules-successor-cycle");
    refused("rules-successor-self-loop", "its own successor");
}

#[test]
fn odd_encodings_and_framing_are_refused_with_a_message() {
    refused("ingest_any-http-status-only", "without a body");
    refused("ingest_any-bom-only", "the file is empty");
    refused("ingest_any-utf16-odd-length", "is not a GUID");
    refused(
        "ingest_any-utf16be-json",
        "cannot tell what this JSON export holds",
    );
    refused("ingest_any-nul-bytes", "NUL (zero) bytes");
    refused("ingest_any-jsonl-mixed", "must be an object");
    refused(
        "ingest_json-seats-negative-zero-float",
        "expected a whole number",
    );
}

#[test]
fn a_group_that_is_a_member_of_itself_is_read() {
    accepted("ingest_csv-group-member-of-itself");
}

#[test]
fn load_bytes_reads_like_load() {
    for name in ["users.csv", "memberships.csv", "skus.csv"] {
        let path = testdata("contoso-csv").join(name);
        let bytes = std::fs::read(&path).expect("the sample file");
        let from_bytes = match ingest::load_bytes(name, &bytes) {
            Ok(l) => l,
            Err(e) => panic!("{name}: {e}"),
        };
        let from_file = crate::common::load(&[&path]);
        assert_eq!(from_bytes.tenant.users.len(), from_file.tenant.users.len());
        assert_eq!(
            from_bytes.tenant.groups.len(),
            from_file.tenant.groups.len()
        );
        assert_eq!(from_bytes.tenant.skus.len(), from_file.tenant.skus.len());
        assert_eq!(from_bytes.sources.len(), 1);
        assert_eq!(from_bytes.sources[0].file, name);
        assert_eq!(from_bytes.sources[0].records, from_file.sources[0].records);
    }
}
