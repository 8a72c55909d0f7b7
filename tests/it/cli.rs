//! The command-line edge: each command takes the formats it renders and refuses the others
//! (clap's usage error, exit 2, listing what it takes), every format it takes renders as
//! itself, and a missing or doubled replay file is a usage error, never a run that did nothing.

use crate::common::licplan;

const REPORT_FORMATS: &str = "[possible values: table, json, yaml, markdown]";
const DOCUMENT_FORMATS: &str = "[possible values: table, json, yaml, markdown, html]";

#[track_caller]
fn refused(args: &[&str], listing: &str) {
    let out = licplan(args);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    assert!(out.stdout.is_empty(), "{args:?}: nothing on stdout");
    assert!(err.contains("invalid value"), "{args:?}: {err}");
    assert!(err.contains(listing), "{args:?} lists {listing}: {err}");
}

#[test]
fn a_format_a_command_does_not_render_is_refused_with_the_formats_it_takes() {
    let ops = "testdata/scenarios/r1-paths/ops.yaml";
    let tenant = "testdata/scenarios/r1-paths/tenant";
    refused(
        &["inspect", "testdata/contoso", "--format", "html"],
        REPORT_FORMATS,
    );
    refused(
        &["inspect", "testdata/contoso", "--format", "csv"],
        REPORT_FORMATS,
    );
    refused(
        &["simulate", tenant, "--ops", ops, "--format", "graph"],
        REPORT_FORMATS,
    );
    refused(
        &[
            "plan",
            "testdata/contoso",
            "--intent",
            "plans/e1-to-e3.yaml",
            "--format",
            "powershell",
        ],
        DOCUMENT_FORMATS,
    );
    let dir = tempfile::tempdir().expect("a temporary folder");
    let out = dir.path().join("gen");
    let out = out.to_str().expect("a UTF-8 path");
    refused(
        &[
            "generate", "--users", "3", "--out", out, "--format", "markdown",
        ],
        "[possible values: graph, powershell, csv]",
    );
    assert!(
        !dir.path().join("gen").exists(),
        "a refused generate writes nothing"
    );
}

/// What each format's output starts with.
#[track_caller]
fn renders_as_itself(format: &str, stdout: &[u8]) {
    let text = String::from_utf8_lossy(stdout);
    match format {
        "table" => assert!(
            !text.starts_with('#') && !text.starts_with('{'),
            "{text:.200}"
        ),
        "markdown" => assert!(text.starts_with("# "), "{text:.200}"),
        "json" => {
            let v: serde_json::Value = serde_json::from_slice(stdout).expect("JSON");
            assert!(v.get("schema_version").is_some(), "{text:.200}");
        }
        "yaml" => {
            assert!(text.starts_with("schema_version: "), "{text:.200}");
        }
        other => panic!("unknown format {other}"),
    }
}

#[test]
fn every_format_a_command_takes_it_renders() {
    let tenant = "testdata/scenarios/r1-paths/tenant";
    let ops = "testdata/scenarios/r1-paths/ops.yaml";
    for format in ["table", "json", "yaml", "markdown"] {
        let runs: [Vec<&str>; 3] = [
            vec!["inspect", "testdata/contoso", "--format", format],
            vec!["simulate", tenant, "--ops", ops, "--format", format],
            vec![
                "plan",
                "testdata/contoso",
                "--intent",
                "plans/e1-to-e3.yaml",
                "--format",
                format,
            ],
        ];
        for args in runs {
            let out = licplan(&args);
            assert!(
                matches!(out.status.code(), Some(0 | 3 | 4)),
                "{args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            renders_as_itself(format, &out.stdout);
        }
    }
}

#[test]
fn simulate_needs_exactly_one_of_ops_and_plan() {
    let tenant = "testdata/scenarios/r1-paths/tenant";
    let ops = "testdata/scenarios/r1-paths/ops.yaml";
    for args in [
        vec!["simulate", tenant],
        vec!["simulate", tenant, "--ops", ops, "--plan", ops],
    ] {
        let out = licplan(&args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(out.stdout.is_empty(), "{args:?}: no report");
        assert!(err.contains("--ops <FILE>"), "{args:?}: {err}");
    }
}

#[test]
fn every_command_documents_the_exit_codes_and_the_shared_arguments() {
    for cmd in ["inspect", "plan", "simulate", "generate"] {
        let out = licplan(&[cmd, "--help"]);
        let help = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{cmd}");
        assert!(help.contains("Exit codes:"), "{cmd}: {help}");
        for code in ["  0  ", "  1  ", "  2  ", "  3  ", "  4  "] {
            assert!(help.contains(code), "{cmd} documents exit {code}: {help}");
        }
    }
    for cmd in ["inspect", "plan", "simulate"] {
        let out = licplan(&[cmd, "--help"]);
        let help = String::from_utf8_lossy(&out.stdout);
        for arg in [
            "<TENANT>...",
            "--format <FORMAT>",
            "--redact",
            "--allow-partial",
        ] {
            assert!(help.contains(arg), "{cmd} takes {arg}: {help}");
        }
        let formats = if cmd == "plan" {
            DOCUMENT_FORMATS
        } else {
            REPORT_FORMATS
        };
        assert!(help.contains(formats), "{cmd}: {help}");
        assert!(
            help.contains("admin-center or plain CSV"),
            "{cmd}: one description of TENANT"
        );
    }
    for cmd in ["plan", "simulate"] {
        let out = licplan(&[cmd, "--help"]);
        assert!(String::from_utf8_lossy(&out.stdout).contains("--rules <FILE>"));
    }
    let top = licplan(&["--help"]);
    assert!(String::from_utf8_lossy(&top.stdout).contains("Exit codes:"));
}
