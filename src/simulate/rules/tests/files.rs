//! Rules files over the bundled rules: replacing and adding entries, disabling, and every
//! problem of a bad file named with its file, line, field and entry.

use super::*;

#[test]
fn a_rules_file_replaces_an_entry_by_id_and_adds_others() {
    let r = user_ok(
        "version: 1
mutually_exclusive:
  - id: sharepoint-online
    plans: [SHAREPOINTSTANDARD, SHAREPOINTENTERPRISE]
    source: our tenant's own test
not_offered_in:
  - id: no-calling-plan-here
    plan: MCOPSTN1
    locations: [NO, ON, gb]   # YAML 1.1 would read NO and ON as booleans
    source: made up for a test
",
    );
    assert_eq!(
        conflict_id(&r, "ONEDRIVEENTERPRISE", "SHAREPOINTSTANDARD"),
        None
    );
    let set = r
        .conflict(plan("SHAREPOINTSTANDARD"), plan("SHAREPOINTENTERPRISE"))
        .expect("still conflicts");
    assert_eq!(set.source, "our tenant's own test");
    assert!(r
        .assumptions()
        .iter()
        .any(|a| a.id == "rules-file-replaces-sharepoint-online"));
    let country = |c: &str| {
        CountryCode::parse_optional(c)
            .ok()
            .flatten()
            .expect("country")
    };
    for c in ["NO", "ON", "GB"] {
        assert!(!r.offered_in(plan("MCOPSTN1"), &country(c)), "{c}");
    }
    assert!(r.offered_in(plan("MCOPSTN1"), &country("US")));
    assert!(r.offered_in(plan("MCOPSTN2"), &country("NO")));
    assert!(r.entry_ids().contains(&"no-calling-plan-here"));
}

#[test]
fn an_empty_rules_file_changes_nothing() {
    let r = user_ok("# nothing yet\n\n");
    assert_eq!(r.entry_ids(), rules().entry_ids());
    assert_eq!(r.assumptions(), rules().assumptions());
}

#[test]
fn successor_cycles_end() {
    let r = user_ok(
        "successors:
  - id: loop-a
    plan: TEAMS1
    successors: [SWAY]
    source: test
  - id: loop-b
    plan: SWAY
    successors: [TEAMS1]
    source: test
",
    );
    assert_eq!(r.successors(plan("TEAMS1")), &plans(&["SWAY"]));
    assert_eq!(r.successors(plan("SWAY")), &plans(&["TEAMS1"]));
    assert!(r.covered(plan("TEAMS1"), &plans(&["SWAY"])));
}

#[test]
fn an_unknown_plan_name_names_the_entry_and_line() {
    let e = user_err(
        "mutually_exclusive:
  - id: my-set
    plans:
      - EXCHANGE_S_STANDARD
      - NO_SUCH_PLAN
    source: test
",
    );
    let msg = e.to_string();
    assert!(
        msg.contains("my-set") && msg.contains("NO_SUCH_PLAN"),
        "{msg}"
    );
    assert!(msg.starts_with("my-rules.yaml:5:"), "{msg}");
    assert_eq!(e.location, Location::Line(5));
    assert_eq!(e.field.as_deref(), Some("plans"));
    assert!(!e.hint.is_empty());

    let e = user_err(
        "prerequisites:\n  - id: needs-x\n    plan: TEAMS1\n    requires_one_of: [Nope]\n    source: t\n",
    );
    assert!(e.to_string().contains("needs-x"), "{e}");
    assert_eq!(e.field.as_deref(), Some("requires_one_of"));
    assert_eq!(e.location, Location::Line(4));
}

#[test]
fn every_bad_entry_and_disable_id_is_reported_in_one_run() {
    let text = "mutually_exclusive:
  - id: first-set
    plans: [EXCHANGE_S_STANDRD, SWAY]
    source: t
  - id: fine-set
    plans: [TEAMS1, SWAY]
    source: t
  - id: Bad_Id
    plans: [TEAMS1, SWAY]
    source: t
successors:
  - id: second
    plan: TEAMS1
    successors: []
    source: t
not_offered_in:
  - id: third
    plan: TEAMS1
    locations: [USA]
    source: t
";
    let Err(e) = user(text) else {
        panic!("accepted");
    };
    // The id first (parsing stops after it), then, once ids are fixed, every entry.
    assert_eq!(e.0.len(), 1, "{e}");
    assert!(
        e.to_string().contains("\"Bad_Id\" is not kebab-case"),
        "{e}"
    );
    let Err(e) = user(&text.replace("Bad_Id", "bad-id")) else {
        panic!("accepted");
    };
    let text_of = e.to_string();
    assert_eq!(e.0.len(), 3, "{text_of}");
    assert!(
        text_of.contains("my-rules.yaml:3: field \"plans\": entry `first-set`"),
        "{text_of}"
    );
    assert!(
        text_of.contains("did you mean EXCHANGE_S_STANDARD?"),
        "{text_of}"
    );
    assert!(text_of.contains("entry `second`: is empty"), "{text_of}");
    assert!(
        text_of.contains("entry `third`: \"USA\" is not a two-letter"),
        "{text_of}"
    );
    let Err(e) = user("disable: [intune, no-such-entry, yamer]\n") else {
        panic!("accepted");
    };
    assert_eq!(e.0.len(), 2, "{e}");
    assert!(
        e.to_string().contains("`no-such-entry` is not the id"),
        "{e}"
    );
    assert!(
        e.to_string()
            .contains("`yamer` is not the id of a bundled entry; did you mean yammer?"),
        "{e}"
    );
}

#[test]
fn bad_yaml_names_the_line() {
    let e = user_err("mutually_exclusive:\n  - id: x\n    plans: [A, B\n    source: t\n");
    assert!(matches!(e.location, Location::Line(n) if n >= 3), "{e}");
    assert!(e.to_string().starts_with("my-rules.yaml:"), "{e}");

    // A misspelt section is refused, not ignored.
    let e = user_err("version: 1\nmutualy_exclusive: []\n");
    assert_eq!(e.location, Location::Line(2), "{e}");
    assert!(e.message.contains("mutualy_exclusive"), "{e}");
    assert!(!e.message.contains(" at line "), "location given once: {e}");

    let e = user_err("mutually_exclusive:\n  - id: no-source\n    plans: [TEAMS1, SWAY]\n");
    assert!(e.message.contains("source"), "{e}");
    assert!(matches!(e.location, Location::Line(_)), "{e}");
}

#[test]
fn ids_are_checked() {
    let e = user_err(
        "successors:
  - id: same
    plan: TEAMS1
    successors: [SWAY]
    source: t
  - id: same
    plan: SWAY
    successors: [TEAMS1]
    source: t
",
    );
    assert_eq!(e.location, Location::Line(6), "{e}");
    assert!(
        e.message.contains("`same`") && e.message.contains("line 2"),
        "{e}"
    );

    let e = user_err(
        "mutually_exclusive:\n  - id: Not_Kebab\n    plans: [TEAMS1, SWAY]\n    source: t\n",
    );
    assert_eq!(e.location, Location::Line(2), "{e}");
    assert_eq!(e.field.as_deref(), Some("id"));

    let e = user_err("disable: [no-such-entry]\n");
    assert!(e.message.contains("no-such-entry"), "{e}");
    assert_eq!(e.location, Location::Line(1));

    let e = user_err(
        "disable: [yammer]\nmutually_exclusive:\n  - id: yammer\n    plans: [YAMMER_EDU, YAMMER_MIDSIZE]\n    source: t\n",
    );
    assert!(e.message.contains("both disabled and defined"), "{e}");

    let e = user_err("version: 2\n");
    assert_eq!(e.field.as_deref(), Some("version"));
    assert_eq!(e.location, Location::Line(1));
}

#[test]
fn entries_must_say_something() {
    for (text, field) in [
        (
            "mutually_exclusive:\n  - id: one\n    plans: [TEAMS1, teams1]\n    source: t\n",
            "plans",
        ),
        (
            "successors:\n  - id: none\n    plan: TEAMS1\n    successors: []\n    source: t\n",
            "successors",
        ),
        (
            "successors:\n  - id: self\n    plan: TEAMS1\n    successors: [TEAMS1]\n    source: t\n",
            "successors",
        ),
        (
            "not_offered_in:\n  - id: where\n    plan: TEAMS1\n    locations: [USA]\n    source: t\n",
            "locations",
        ),
        (
            "mutually_exclusive:\n  - id: unsourced\n    plans: [TEAMS1, SWAY]\n    source: ' '\n",
            "source",
        ),
        (
            "assumptions:\n  - id: about\n    entry: nothing-here\n    text: t\n    source: t\n",
            "entry",
        ),
    ] {
        let e = user_err(text);
        assert_eq!(e.field.as_deref(), Some(field), "{e}");
        assert!(e.message.starts_with("entry `"), "{e}");
    }
}

#[test]
fn a_rules_file_can_be_read_from_disk() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("rules.yaml");
    // As a Windows editor saves it: BOM and CRLF.
    std::fs::write(&path, "\u{feff}version: 1\r\ndisable: [yammer]\r\n").expect("write");
    let r = Rules::with_file(&path).expect("rules file");
    assert_eq!(conflict_id(&r, "YAMMER_ENTERPRISE", "YAMMER_EDU"), None);
    let missing = Rules::with_file(&dir.path().join("missing.yaml")).expect_err("missing");
    assert_eq!(missing.0[0].location, Location::File);
}
