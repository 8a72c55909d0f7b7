//! YAML safety, both ways.
//!
//! Output: every string that a YAML 1.1 reader (PyYAML, yq v3) or a YAML 1.2 reader would take
//! for a boolean, null, number, date or time is quoted, checked with the resolvers in
//! `yaml11.rs` (PyYAML's regexes) on samples of every resolver class, random strings and random
//! structures, and on real `plan`/`inspect` output of a tenant whose names are such words.
//!
//! Input: licplan's own files (ops, plans, intents, rules) refuse duplicate keys, nesting past
//! 100 levels and alias bombs, quickly, with the file, line and record named.

use std::time::Instant;

use proptest::prelude::*;
use serde_json::{json, Value};

use crate::common::licplan;
use crate::yaml11::{self, Kind};

fn emit<T: serde::Serialize>(v: &T) -> String {
    let mut out = Vec::new();
    licplan::render::yaml(v, &mut out).expect("YAML written");
    String::from_utf8(out).expect("UTF-8")
}

/// Each resolver class of YAML 1.1 (and 1.2), with samples the resolvers must recognise.
const CLASSES: &[(Kind, &[&str])] = &[
    (
        Kind::Bool,
        &[
            "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "true", "True", "TRUE",
            "false", "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF",
        ],
    ),
    (Kind::Null, &["~", "null", "Null", "NULL", ""]),
    (
        Kind::Int,
        &[
            "0",
            "12",
            "-12",
            "+12",
            "012",
            "0o17",
            "0x1F",
            "-0x1f",
            "0b101",
            "1_000",
            "190:20:30",
            "-1:30",
        ],
    ),
    (
        Kind::Float,
        &[
            "1.5",
            "1.",
            ".5",
            "1e3",
            "1E-3",
            "1.0e+3",
            "-.inf",
            ".inf",
            "+.INF",
            ".nan",
            ".NaN",
            "1_000.5",
            "190:20:30.15",
            ".",
            "1.2.3",
        ],
    ),
    (
        Kind::Timestamp,
        &[
            "2001-12-14",
            "2001-12-14t21:59:43.10-05:00",
            "2001-12-14 21:59:43.10 -5",
            "2001-12-15T02:59:43.1Z",
            "2001-1-2T3:04:05",
        ],
    ),
    (Kind::Merge, &["<<"]),
    (Kind::Value, &["="]),
];

/// Strings that are not of those classes but are easy to get wrong.
const AWKWARD: &[&str] = &[
    "12:30:45",
    " lead",
    "trail ",
    " ",
    "- dash",
    "-",
    "?",
    "? q",
    ":",
    ": c",
    "a: b",
    "a:",
    "a #b",
    "#hash",
    "[a",
    "]a",
    "{a",
    "}a",
    ",a",
    "&anchor",
    "*alias",
    "!tag",
    "|",
    ">",
    "'",
    "\"",
    "%pct",
    "@at",
    "`tick",
    "---",
    "--- x",
    "...",
    "a\nb",
    "a\n",
    "\n",
    "tab\there",
    "\t",
    "cr\r",
    "nul\0",
    "bell\u{7}",
    "del\u{7f}",
    "nel\u{85}",
    "ls\u{2028}ps\u{2029}",
    "\u{feff}bom",
    "rlo\u{202e}txt",
    "iso\u{2066}late\u{2069}",
    "zw\u{200b}sp",
    "nbsp\u{a0}",
    "\u{a0}",
    "é",
    "😀",
    "a'b",
    "a\"b",
    "a\\b",
    "a,b",
    "a]b",
    "a:b",
    "a#b",
    "1a",
    "0x",
    "e",
    "face",
    "inf",
    "nan",
    "infinity",
    "NaN",
    "+",
    "+-1",
    "20442134-cf51-5e17-afae-3d760747b8b7",
];

#[test]
fn the_resolver_recognises_every_yaml_1_1_class() {
    // Without this the checks below could pass against a resolver that finds nothing.
    for (kind, samples) in CLASSES {
        for s in *samples {
            assert_eq!(yaml11::resolve(s), Some(*kind), "{s:?}");
        }
    }
    for s in [
        "LIC-O365-E3",
        "dana.whitfield@contoso.com",
        "Office 365 E1",
        "a b",
    ] {
        assert_eq!(yaml11::resolve(s), None, "{s:?}");
    }
}

#[track_caller]
fn round_trips(s: &str) {
    let v = json!({ "value": s, "list": [s, [s]], "map": { s: s }, "nested": [{ s: [s] }] });
    let out = emit(&v);
    let back: Value = serde_yaml::from_str(&out).unwrap_or_else(|e| panic!("{s:?}: {e}\n{out}"));
    assert_eq!(back, v, "{s:?}\n{out}");
    if let Err(e) = yaml11::check(&out) {
        panic!("{s:?}: {e}");
    }
    let top = emit(&s);
    let back: String = serde_yaml::from_str(&top).unwrap_or_else(|e| panic!("{s:?}: {e}\n{top}"));
    assert_eq!(back, s);
    if let Err(e) = yaml11::check(&top) {
        panic!("{s:?}: {e}");
    }
}

#[test]
fn strings_of_every_resolver_class_are_quoted_and_read_back() {
    for (_, samples) in CLASSES {
        for s in *samples {
            round_trips(s);
            // Quoted at the top level, as a value and as a key.
            let top = emit(s);
            assert!(
                top.starts_with('\'') || top.starts_with('"'),
                "{s:?}: {top}"
            );
        }
    }
    for s in AWKWARD {
        round_trips(s);
    }
    // Control, line-break and bidirectional characters are escaped, so they show.
    for s in [
        "rlo\u{202e}txt",
        "ls\u{2028}",
        "nel\u{85}",
        "\u{feff}bom",
        "a\nb",
    ] {
        let out = emit(&s);
        assert!(out.starts_with('"') && out.is_ascii(), "{s:?}: {out}");
    }
    // A long key takes the explicit `? key` form (implicit keys stop at 1024 characters).
    round_trips(&"k".repeat(2000));
    assert!(emit(&json!({ "k".repeat(2000): 1 })).starts_with("? "));
}

#[test]
fn ordinary_strings_stay_plain() {
    for s in [
        "LIC-O365-E3 (from STANDARDPACK)",
        "dana.whitfield@contoso.com",
        "20442134-cf51-5e17-afae-3d760747b8b7",
        "Office 365 E1",
        "migrate-then-change",
        "-foo",
        "a:b",
        "a,b",
        "é",
    ] {
        assert_eq!(emit(&s), format!("{s}\n"));
    }
    assert_eq!(
        emit(&json!({"a": [], "b": {}, "c": [1, {"d": null}], "e": 1.5, "f": 1e20, "g": true})),
        "a: []\nb: {}\nc:\n- 1\n- d: null\ne: 1.5\nf: 1.0e+20\ng: true\n"
    );
}

fn yamlish() -> impl Strategy<Value = String> {
    prop_oneof![
        "[ -~]{0,12}",
        "[0-9a-fA-FxXoObBeE_.:+ -]{0,10}",
        "[\t\n\r\u{85}\u{a0}\u{2028}\u{202e}\u{feff}#:'\"a -]{0,8}",
        prop::sample::select(
            CLASSES
                .iter()
                .flat_map(|(_, s)| s.iter())
                .chain(AWKWARD)
                .map(|s| s.to_string())
                .collect::<Vec<_>>()
        ),
    ]
}

fn values() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        yamlish().prop_map(Value::String),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        Just(Value::Null),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(yamlish(), inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn any_value_reads_back_the_same_and_no_plain_string_resolves_otherwise(v in values()) {
        let out = emit(&v);
        let back: Value = serde_yaml::from_str(&out)
            .map_err(|e| TestCaseError::fail(format!("{e}\n{out}")))?;
        prop_assert_eq!(&back, &v, "{}", out);
        yaml11::check(&out).map_err(TestCaseError::fail)?;
    }
}

// ---------------------------------------------------------------------------------------------
// Output of the real binary.

const NAMES: &str = "testdata/hostile-yaml";
const NAMES_INTENT: &str = "testdata/hostile-yaml-intent.yaml";

#[track_caller]
fn run_ok(args: &[&str]) -> String {
    let out = licplan(args);
    assert!(
        matches!(out.status.code(), Some(0 | 3 | 4)),
        "{args:?}: {:?}\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8")
}

#[test]
fn plan_and_inspect_yaml_quote_names_yaml_1_1_would_misread() {
    for args in [
        vec!["inspect", NAMES],
        vec!["plan", NAMES, "--intent", NAMES_INTENT],
    ] {
        let mut yaml_args = args.clone();
        yaml_args.extend(["--format", "yaml"]);
        let yaml = run_ok(&yaml_args);
        let mut json_args = args.clone();
        json_args.extend(["--format", "json"]);
        let json: Value = serde_json::from_str(&run_ok(&json_args)).expect("JSON output");
        let back: Value = serde_yaml::from_str(&yaml).expect("YAML output");
        assert_eq!(back, json, "{args:?}: YAML and JSON differ");
        if let Err(e) = yaml11::check(&yaml) {
            panic!("{args:?}: {e}");
        }
        if args[0] == "plan" {
            for word in [
                "'yes'",
                "'2001-12-14'",
                "'12:30:45'",
                "'0x1F'",
                "'<<'",
                "'~'",
                "'on'",
            ] {
                assert!(yaml.contains(word), "{args:?}: no {word}");
            }
        }
    }
    // The YAML plan replays as an ops file.
    let dir = tempfile::tempdir().expect("a temporary folder");
    let plan = dir.path().join("plan.yaml");
    let text = run_ok(&["plan", NAMES, "--intent", NAMES_INTENT, "--format", "yaml"]);
    std::fs::write(&plan, text).expect("plan written");
    let plan = plan.to_string_lossy().into_owned();
    let out = licplan(&["simulate", NAMES, "--ops", &plan]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn json_and_yaml_writers_keep_a_broken_pipe_visible() {
    struct Closed;
    impl std::io::Write for Closed {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::ErrorKind::BrokenPipe.into())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let v = json!({"a": [1, 2, 3]});
    let e = licplan::render::json(&v, &mut Closed).expect_err("closed");
    assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe);
    let e = licplan::render::yaml(&v, &mut Closed).expect_err("closed");
    assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe);
}

// ---------------------------------------------------------------------------------------------
// licplan's own files.

/// Runs licplan on a file written into a temporary folder: exit 2, stderr naming the file, a
/// line, and `says`.
#[track_caller]
fn refused(command: &str, name: &str, text: &str, says: &[&str]) -> f64 {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = dir.path().join(name);
    std::fs::write(&path, text).expect("written");
    let p = path.to_string_lossy().into_owned();
    let args: Vec<&str> = match command {
        "simulate" => vec!["simulate", "testdata/contoso", "--ops", &p],
        "plan" => vec!["plan", "testdata/contoso", "--intent", &p],
        _ => vec![
            "plan",
            "testdata/contoso",
            "--intent",
            "plans/e1-to-e3.yaml",
            "--rules",
            &p,
        ],
    };
    let start = Instant::now();
    let out = licplan(&args);
    let took = start.elapsed().as_secs_f64();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{name}: {err}");
    assert!(out.stdout.is_empty(), "{name}");
    assert!(
        err.contains(&format!("{p}:")),
        "{name} not named with a line: {err}"
    );
    for s in says {
        assert!(err.contains(s), "{name}: no {s:?} in {err}");
    }
    // Bounded messages: no echo of a huge input.
    assert!(err.len() < 4096, "{name}: {} bytes of error", err.len());
    took
}

#[test]
fn nesting_100000_deep_is_refused_in_every_own_format() {
    // A quadratic reader takes minutes on these (libyaml did); each is refused in well under
    // that, so a regression shows as a hang, not a timing assertion.
    let n = 200_000;
    let flow = format!("{}{}", "[".repeat(n), "]".repeat(n));
    let flow_map = format!("{}1{}", "{a: ".repeat(n), "}".repeat(n));
    let block = format!("{}x", "- ".repeat(n));
    let deep = "nested more than 100 levels deep";
    refused("simulate", "ops.yaml", &format!("ops: {flow}\n"), &[deep]);
    refused(
        "simulate",
        "ops.yaml",
        &format!("ops: {flow_map}\n"),
        &[deep],
    );
    refused("simulate", "ops.yaml", &format!("ops:\n{block}\n"), &[deep]);
    refused(
        "simulate",
        "plan.json",
        &format!("{{\"stages\": {flow}}}"),
        &[deep],
    );
    refused(
        "simulate",
        "plan.yaml",
        &format!("stages: {flow}\n"),
        &[deep],
    );
    refused(
        "plan",
        "intent.yaml",
        &format!("name: x\nmoves: {flow}\n"),
        &[deep],
    );
    refused(
        "plan",
        "intent.yaml",
        &format!("name: x\nmoves:\n{block}\n"),
        &[deep],
    );
    refused(
        "rules",
        "rules.yaml",
        &format!("assumptions: {flow}\n"),
        &[deep],
    );
    refused(
        "rules",
        "rules.yaml",
        &format!("disable: {flow_map}\n"),
        &[deep],
    );
}

#[test]
fn alias_bombs_are_refused_in_every_own_format() {
    let mut lol = String::from(
        "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    let mut prev = 'a';
    for c in 'b'..='i' {
        lol.push_str(&format!(
            "{c}: &{c} [{}]\n",
            vec![format!("*{prev}"); 9].join(",")
        ));
        prev = c;
    }
    let says = ["aliases (*name) expand this file"];
    refused("simulate", "ops.yaml", &format!("{lol}ops: *i\n"), &says);
    refused(
        "plan",
        "intent.yaml",
        &format!("{lol}name: x\nmoves: *i\n"),
        &says,
    );
    refused(
        "rules",
        "rules.yaml",
        &lol.replace("a:", "assumptions:"),
        &says,
    );
    // Few jumps, each replaying a large anchor.
    let wide = format!(
        "a: &a [{}]\nops: [{}]\n",
        "x,".repeat(30_000),
        "*a,".repeat(30_000)
    );
    refused("simulate", "ops.yaml", &wide, &says);
}

#[test]
fn duplicate_keys_name_the_record_and_key_in_every_own_format() {
    let twice = |k: &str| format!("has the key \"{k}\" twice");
    refused(
        "simulate",
        "ops.yaml",
        "ops:\n  - op: remove-direct-license\n    user: dana.whitfield@contoso.com\n    sku: STANDARDPACK\n    user: laura.chen@contoso.com\n",
        &["$.ops[0]", &twice("user"), "ops.yaml:5:"],
    );
    refused(
        "simulate",
        "ops.json",
        r#"{"ops": [{"op": "wait-for-processing"}, {"op": "add-member", "group": "G", "user": "a", "group": "H"}]}"#,
        &["$.ops[1]", &twice("group")],
    );
    refused(
        "simulate",
        "plan.json",
        r#"{"stages": [{"actions": [], "waves": [{"actions": [{"op": "wait-for-processing"}], "actions": []}]}]}"#,
        &["$.stages[0].waves[0]", &twice("actions")],
    );
    refused(
        "plan",
        "intent.yaml",
        "name: a\nname: b\nmoves:\n  - {from: STANDARDPACK, to: ENTERPRISEPACK, group: G}\n",
        &["$ has", &twice("name")],
    );
    refused(
        "plan",
        "intent.yaml",
        "name: a\nmoves:\n  - {from: STANDARDPACK, to: ENTERPRISEPACK, group: G, group: H}\n",
        &["$.moves[0]", &twice("group")],
    );
    refused(
        "rules",
        "rules.yaml",
        "not_offered_in:\n  - id: x\n    plan: TEAMS1\n    locations: [US]\n    locations: [FR]\n    source: s\n",
        &["$.not_offered_in[0]", &twice("locations")],
    );
}

#[test]
fn huge_wave_sizes_put_everyone_left_in_one_wave() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let intent = dir.path().join("intent.yaml");
    std::fs::write(
        &intent,
        "name: one wave\nmoves:\n  - {from: STANDARDPACK, to: ENTERPRISEPACK, group: LIC-O365-E3}\nwaves: {pilot: 1, size: 18446744073709551615}\n",
    )
    .expect("written");
    let intent = intent.to_string_lossy().into_owned();
    let plan: Value = serde_json::from_str(&run_ok(&[
        "plan",
        "testdata/contoso",
        "--intent",
        &intent,
        "--format",
        "json",
    ]))
    .expect("a JSON plan");
    let waves: Vec<u64> = plan["stages"]
        .as_array()
        .expect("stages")
        .iter()
        .flat_map(|s| s["waves"].as_array().cloned().unwrap_or_default())
        .map(|w| w["users"].as_u64().expect("users"))
        .collect();
    assert_eq!(waves.len(), 2, "{waves:?}");
    assert_eq!(waves[0], 1);
    // A pilot past every user is one pilot wave.
    std::fs::write(
        dir.path().join("intent.yaml"),
        "name: all pilot\nmoves:\n  - {from: STANDARDPACK, to: ENTERPRISEPACK, group: LIC-O365-E3}\nwaves: {pilot: 18446744073709551615, size: 18446744073709551615}\n",
    )
    .expect("written");
    run_ok(&["plan", "testdata/contoso", "--intent", &intent]);
}
