//! `plan --conditional-access … --roles …`: the partner preflight in the plan's own report (a
//! "Partner access" section and a condition on the verdict band).

use serde_json::Value;

use crate::common::{licplan, testdata};

fn plan(extra: &[&str], format: &str) -> std::process::Output {
    let contoso = testdata("contoso");
    let mut args = vec![
        "plan",
        contoso.to_str().expect("path"),
        "--intent",
        "plans/e1-to-e3.yaml",
        "--format",
        format,
        "--quiet",
    ];
    args.extend_from_slice(extra);
    licplan(&args)
}

#[test]
fn roles_that_cannot_run_a_stage_make_the_band_no_go() {
    let ca = testdata("conditional-access/real");
    let extra = [
        "--conditional-access",
        ca.to_str().expect("path"),
        "--roles",
        "License Administrator",
    ];
    let out = plan(&extra, "json");
    // The plan's own verdict (the simulation) still gives the exit code.
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["partner_access"]["status"], "blocked");
    assert!(v["partner_access"]["blocked"][0]
        .as_str()
        .is_some_and(|b| b.starts_with("stage 2:")));
    let md = String::from_utf8(plan(&extra, "markdown").stdout).expect("utf-8");
    let band = md.lines().find(|l| l.starts_with("> **")).expect("band");
    assert!(band.contains("NO-GO"), "{band}");
    assert!(md.contains("Partner access is blocked: stage 2"), "{md}");
    assert!(md.contains("## Partner access"));
    let html = String::from_utf8(plan(&extra, "html").stdout).expect("utf-8");
    assert!(html.contains("Partner access"));
}

#[test]
fn a_conditional_policy_leaves_partner_access_not_proven_a_condition_on_the_band() {
    let ca = testdata("conditional-access/real");
    let extra = [
        "--conditional-access",
        ca.to_str().expect("path"),
        "--roles",
        "License Administrator,Groups Administrator",
        "--partner-tenant",
        "0c39d6d5-c70d-4c55-bc02-f620844f3fd1",
    ];
    let v: Value = serde_json::from_slice(&plan(&extra, "json").stdout).expect("json");
    assert_eq!(
        v["partner_access"]["status"], "not-proven",
        "{}",
        v["partner_access"]
    );
    let md = String::from_utf8(plan(&extra, "markdown").stdout).expect("utf-8");
    let band = md.lines().find(|l| l.starts_with("> **")).expect("band");
    assert!(
        !band.contains("NO-GO") && !band.contains("**GO**"),
        "{band}"
    );
    assert!(md.contains("Partner access is not proven"), "{md}");
}

#[test]
fn without_partner_options_the_plan_has_no_partner_access_and_bad_ones_are_refused() {
    let v: Value = serde_json::from_slice(&plan(&[], "json").stdout).expect("json");
    assert!(v.get("partner_access").is_none());
    let out = plan(&["--partner-tenant", "not-a-guid"], "json");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--partner-tenant"));
    let out = plan(&["--roles", "Chief Licensing Wizard"], "json");
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
