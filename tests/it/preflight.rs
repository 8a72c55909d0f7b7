//! `licplan preflight`: every real exported Conditional Access policy under
//! `testdata/conditional-access/real/` and one synthetic policy per rule under `synthetic/` get
//! the verdict their fields imply, each naming the field that decided it; the export shapes
//! (list responses, bare lists, UTF-16 LE) read alike; exit codes 0/3/4/2; fixes as PATCH bodies.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde_json::Value;

use crate::bundle_replay::contoso_plan;
use crate::common::licplan;

/// The partner's tenant in these tests.
const P: &str = "0c39d6d5-c70d-4c55-bc02-f620844f3fd1";

/// The sample tenant's E1 → E3 plan, written once.
fn plan() -> &'static Path {
    static PLAN: OnceLock<PathBuf> = OnceLock::new();
    PLAN.get_or_init(|| {
        let dir = Box::leak(Box::new(tempfile::tempdir().expect("a temp dir")));
        contoso_plan("plans/e1-to-e3.yaml", dir.path()).0
    })
}

fn run(extra: &[&str]) -> (Option<i32>, String, String) {
    let plan = plan().to_str().expect("UTF-8").to_owned();
    let mut args = vec!["preflight", "testdata/contoso", "--plan", &plan, "--quiet"];
    args.extend_from_slice(extra);
    let o = licplan(&args);
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[track_caller]
fn json(extra: &[&str]) -> (Option<i32>, Value) {
    let mut args = extra.to_vec();
    args.extend(["--format", "json"]);
    let (code, out, err) = run(&args);
    let v = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}\n{err}"));
    (code, v)
}

/// `(file, verdict, field)` of every policy in the report.
fn verdicts(report: &Value) -> Vec<(String, String, String)> {
    report["policies"]
        .as_array()
        .expect("policies")
        .iter()
        .map(|p| {
            (
                p["file"].as_str().unwrap_or("").to_owned(),
                p["verdict"].as_str().unwrap_or("").to_owned(),
                p["field"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

#[track_caller]
fn expect(report: &Value, want: &[(&str, &str, &str)]) {
    let got = verdicts(report);
    assert_eq!(got.len(), want.len(), "{got:#?}");
    for (g, w) in got.iter().zip(want) {
        assert_eq!(
            (g.0.as_str(), g.1.as_str(), g.2.as_str()),
            *w,
            "policy {}",
            g.0
        );
    }
}

#[test]
fn real_exported_policies_get_the_verdict_their_fields_imply() {
    let (code, r) = json(&[
        "--conditional-access",
        "testdata/conditional-access/real",
        "--partner-tenant",
        P,
        "--roles",
        "User Administrator",
    ]);
    expect(
        &r,
        &[
            // All users, all apps, MFA: partners enforce MFA.
            ("CA000-Global-IdentityProtection-AnyApp-AnyPlatform-MFA.json", "satisfiable", "grantControls.builtInControls"),
            // All users blocked outside one named location (a country allow-list).
            ("CA001-Global-AttackSurfaceReduction-AnyApp-AnyPlatform-BLOCK-CountryWhitelist.json", "conditional", "conditions.locations.excludeLocations"),
            // Legacy clients only.
            ("CA002-Global-IdentityProtection-AnyApp-AnyPlatform-Block-LegacyAuthentication.json", "not-targeted", "conditions.clientAppTypes"),
            // Admin roles (User Administrator among them) on the admin portals, the built-in MFA strength.
            ("CA100-Admins-IdentityProtection-AdminPortals-AnyPlatform-MFA.json", "satisfiable", "grantControls.authenticationStrength"),
            // One group only.
            ("CA205-Internals-BaseProtection-AnyApp-Windows-CompliantorAADHJ.json", "not-targeted", "conditions.users"),
            // Five guest types, serviceProvider not among them (the file's own list).
            ("CA401-GuestUsers-AttackSurfaceReduction-AllApps-AnyPlatform-BlockNonGuestAppAccess.json", "not-targeted", "conditions.users"),
            // POST body: All users, every guest type excluded for all tenants, report-only.
            ("conditionalAccessPolicy.excludeGuestsOrExternalUsers-serviceProvider.lasahe-CA01.json", "excluded", "conditions.users.excludeGuestsOrExternalUsers"),
            // The Graph docs' GET response: disabled.
            ("conditionalAccessPolicy.get.response.json", "disabled", "state"),
        ],
    );
    // CA001 is conditional: not proven, exit 4, with its fix.
    assert_eq!(code, Some(4), "{r:#}");
    assert_eq!(r["status"], "not-proven");
    let ca001 = &r["policies"][1];
    assert!(ca001["fix"]["request"].as_str().is_some_and(|s| s
        .ends_with("/identity/conditionalAccess/policies/19bbdbd4-d871-4964-a6ef-9b3054b9337c")));
    assert_eq!(
        r["skipped_files"][0],
        "LICENSE.j0eyv-ConditionalAccessBaseline: not named *.json"
    );
    assert!(r["policies"][3]["warnings"][0]
        .as_str()
        .is_some_and(|w| w.contains("authentication strength")));
}

#[test]
fn the_graph_docs_policy_would_be_excluded_by_its_legacy_keyword_once_enabled() {
    // The same policy with its state turned on: the legacy excludeUsers literal decides.
    let dir = tempfile::tempdir().expect("a temp dir");
    let text = std::fs::read_to_string(
        "testdata/conditional-access/real/conditionalAccessPolicy.get.response.json",
    )
    .expect("readable")
    .replace("\"state\": \"disabled\"", "\"state\": \"enabled\"");
    let f = dir.path().join("enabled.json");
    std::fs::write(&f, text).expect("written");
    let (_, r) = json(&[
        "--conditional-access",
        f.to_str().expect("UTF-8"),
        "--partner-tenant",
        P,
    ]);
    expect(
        &r,
        &[("enabled.json", "excluded", "conditions.users.excludeUsers")],
    );
    assert!(r["policies"][0]["warnings"][0]
        .as_str()
        .is_some_and(|w| w.contains("legacy GuestsOrExternalUsers")));
}

const SYNTHETIC_WITH_PARTNER: &[(&str, &str, &str)] = &[
    ("01-report-only-block-all.json", "would-block", "state"),
    (
        "02-block-all-users.json",
        "blocks",
        "grantControls.builtInControls",
    ),
    (
        "03-include-guests-keyword.json",
        "blocks",
        "grantControls.builtInControls",
    ),
    (
        "04-include-service-providers-all-tenants.json",
        "blocks",
        "grantControls.builtInControls",
    ),
    (
        "05-include-service-providers-partner.json",
        "blocks",
        "grantControls.builtInControls",
    ),
    (
        "06-include-service-providers-other-tenant.json",
        "not-targeted",
        "conditions.users",
    ),
    (
        "07-include-roles.json",
        "blocks",
        "grantControls.builtInControls",
    ),
    (
        "08-include-groups-only.json",
        "not-targeted",
        "conditions.users",
    ),
    (
        "09-exclude-service-providers-partner.json",
        "excluded",
        "conditions.users.excludeGuestsOrExternalUsers",
    ),
    (
        "10-exclude-service-providers-other-tenant.json",
        "blocks",
        "grantControls.builtInControls",
    ),
    (
        "11-exclude-legacy-keyword.json",
        "excluded",
        "conditions.users.excludeUsers",
    ),
    (
        "12-exclude-role-used.json",
        "excluded",
        "conditions.users.excludeRoles",
    ),
    (
        "13-apps-explicit-list.json",
        "unknown",
        "conditions.applications.includeApplications",
    ),
    (
        "14-apps-exclude-graph.json",
        "not-targeted",
        "conditions.applications.excludeApplications",
    ),
    (
        "15-apps-office365.json",
        "blocks",
        "grantControls.builtInControls",
    ),
    (
        "16-apps-graph.json",
        "blocks",
        "grantControls.builtInControls",
    ),
    (
        "17-user-actions-only.json",
        "not-targeted",
        "conditions.applications.includeUserActions",
    ),
    (
        "18-legacy-clients-only.json",
        "not-targeted",
        "conditions.clientAppTypes",
    ),
    (
        "19-custom-control-duo.json",
        "blocks",
        "grantControls.customAuthenticationFactors",
    ),
    (
        "20-compliant-device.json",
        "blocks",
        "grantControls.builtInControls",
    ),
    (
        "21-approved-app.json",
        "blocks",
        "grantControls.builtInControls",
    ),
    (
        "22-mfa.json",
        "satisfiable",
        "grantControls.builtInControls",
    ),
    (
        "23-mfa-or-compliant.json",
        "satisfiable",
        "grantControls.builtInControls",
    ),
    (
        "24-mfa-and-compliant.json",
        "blocks",
        "grantControls.builtInControls",
    ),
    (
        "25-phishing-resistant-strength.json",
        "unknown",
        "grantControls.authenticationStrength",
    ),
    (
        "26-terms-of-use.json",
        "unknown",
        "grantControls.termsOfUse",
    ),
    (
        "27-locations.json",
        "conditional",
        "conditions.locations.excludeLocations",
    ),
    (
        "28-platforms.json",
        "conditional",
        "conditions.platforms.includePlatforms",
    ),
    (
        "29-sign-in-risk.json",
        "conditional",
        "conditions.signInRiskLevels",
    ),
    (
        "30-device-filter.json",
        "conditional",
        "conditions.devices.deviceFilter",
    ),
    (
        "31-service-principals.json",
        "not-targeted",
        "conditions.clientApplications",
    ),
    (
        "32-no-grant-session-only.json",
        "satisfiable",
        "grantControls",
    ),
    (
        "33-exclude-enumerated-no-partner-known.json",
        "excluded",
        "conditions.users.excludeGuestsOrExternalUsers",
    ),
];

#[test]
fn one_synthetic_policy_per_rule_gets_its_verdict() {
    let (code, r) = json(&[
        "--conditional-access",
        "testdata/conditional-access/synthetic",
        "--partner-tenant",
        P,
        "--roles",
        "License Administrator",
    ]);
    expect(&r, SYNTHETIC_WITH_PARTNER);
    assert_eq!(code, Some(3));
    assert_eq!(r["status"], "blocked");
    // Every policy the exclusion would help has a fix; the others none.
    for p in r["policies"].as_array().expect("policies") {
        let helps = matches!(
            p["verdict"].as_str(),
            Some("blocks" | "conditional" | "unknown" | "would-block")
        );
        assert_eq!(p["fix"].is_object(), helps, "{p:#}");
    }
}

#[test]
fn without_the_partner_tenant_enumerated_tenants_cannot_be_told_apart() {
    let (_, r) = json(&[
        "--conditional-access",
        "testdata/conditional-access/synthetic",
    ]);
    let got = verdicts(&r);
    let of = |f: &str| {
        got.iter()
            .find(|g| g.0 == f)
            .map(|g| (g.1.as_str(), g.2.as_str()))
            .expect("listed")
    };
    // An enumerated include: the partner is assumed among the tenants (with a warning).
    assert_eq!(of("05-include-service-providers-partner.json").0, "blocks");
    assert_eq!(
        of("06-include-service-providers-other-tenant.json").0,
        "blocks"
    );
    // An enumerated exclusion proves nothing without the partner's tenant.
    assert_eq!(
        of("33-exclude-enumerated-no-partner-known.json"),
        ("unknown", "conditions.users.excludeGuestsOrExternalUsers")
    );
    assert_eq!(of("09-exclude-service-providers-partner.json").0, "unknown");
    // No roles given: a role exclusion cannot be matched.
    assert_eq!(of("12-exclude-role-used.json").0, "blocks");
    let fix = &r["policies"][1]["fix"];
    assert_eq!(
        fix["body"]["conditions"]["users"]["excludeGuestsOrExternalUsers"]["externalTenants"]
            ["members"][0],
        "<partner-tenant-id>"
    );
    assert!(fix["note"]
        .as_str()
        .is_some_and(|n| n.contains("--partner-tenant")));
    assert!(r["unchecked"]
        .as_array()
        .expect("unchecked")
        .iter()
        .any(|u| u["check"] == "roles"));
}

#[test]
fn a_fix_adds_only_the_partners_service_providers_and_keeps_the_rest_of_the_users_condition() {
    let (_, r) = json(&[
        "--conditional-access",
        "testdata/conditional-access/synthetic",
        "--partner-tenant",
        P,
    ]);
    let by = |f: &str| {
        r["policies"]
            .as_array()
            .expect("policies")
            .iter()
            .find(|p| p["file"] == f)
            .cloned()
            .expect("listed")
    };
    let two = by("02-block-all-users.json");
    let users = &two["fix"]["body"]["conditions"]["users"];
    assert_eq!(users["includeUsers"], serde_json::json!(["All"]));
    let ex = &users["excludeGuestsOrExternalUsers"];
    assert_eq!(ex["guestOrExternalUserTypes"], "serviceProvider");
    assert_eq!(ex["externalTenants"]["membershipKind"], "enumerated");
    assert_eq!(ex["externalTenants"]["members"], serde_json::json!([P]));
    assert_eq!(
        two["fix"]["prevents"],
        serde_json::json!(["AADSTS53003", "900309"])
    );
    assert!(two["fix"]["portal"]
        .as_str()
        .is_some_and(|p| p.contains("Service provider users")));
    assert!(two["fix"]["request"]
        .as_str()
        .is_some_and(|p| p.ends_with("/policies/{policy-id}")));
    // An exclusion of other types for another tenant: the partner added to it, with a note.
    let ten = by("10-exclude-service-providers-other-tenant.json");
    let ex = &ten["fix"]["body"]["conditions"]["users"]["excludeGuestsOrExternalUsers"];
    assert_eq!(
        ex["guestOrExternalUserTypes"],
        "internalGuest,serviceProvider"
    );
    assert_eq!(
        ex["externalTenants"]["members"],
        serde_json::json!(["9f3b2c1a-5e4d-4c3b-8a29-1d0e6f7a8b9c", P])
    );
    assert!(ten["fix"]["note"]
        .as_str()
        .is_some_and(|n| n.contains("internalGuest")));
}

#[test]
fn export_shapes_read_alike() {
    let (_, r) = json(&[
        "--conditional-access",
        "testdata/conditional-access/shapes",
        "--partner-tenant",
        P,
    ]);
    expect(
        &r,
        &[
            (
                "bare-list.json",
                "excluded",
                "conditions.users.excludeGuestsOrExternalUsers",
            ),
            ("bare-list.json", "not-targeted", "conditions.users"),
            (
                "list-response.json",
                "blocks",
                "grantControls.builtInControls",
            ),
            (
                "list-response.json",
                "satisfiable",
                "grantControls.builtInControls",
            ),
            // PascalCase keys, every unset property null (no filter, strength or exclusion).
            (
                "powershell-sdk-object.json",
                "blocks",
                "grantControls.builtInControls",
            ),
            (
                "utf16-one-policy.json",
                "blocks",
                "grantControls.builtInControls",
            ),
        ],
    );
    assert_eq!(
        r["policies"][2]["id"],
        "a1b2c3d4-0000-4000-8000-000000000001"
    );
    assert_eq!(r["policies"][3]["record"], 2);
    let sdk = &r["policies"][4];
    assert_eq!(sdk["warnings"], serde_json::json!([]), "{sdk:#}");
    // The fix is spelt as Graph spells it, whatever the export's case.
    let users = &sdk["fix"]["body"]["conditions"]["users"];
    assert_eq!(
        users["excludeGuestsOrExternalUsers"]["externalTenants"]["members"],
        serde_json::json!([P])
    );
    assert_eq!(
        users["includeGuestsOrExternalUsers"]["externalTenants"]["@odata.type"],
        "#microsoft.graph.conditionalAccessAllExternalTenants"
    );
    assert!(users.get("IncludeUsers").is_none() && users["includeUsers"] == serde_json::json!([]));
    assert_eq!(
        r["policy_files"],
        serde_json::json!([
            {"file": "bare-list.json", "policies": 2},
            {"file": "list-response.json", "policies": 2},
            {"file": "powershell-sdk-object.json", "policies": 1},
            {"file": "utf16-one-policy.json", "policies": 1},
        ])
    );
}

#[test]
fn exit_codes_follow_the_status() {
    let mfa = "testdata/conditional-access/synthetic/22-mfa.json";
    let block = "testdata/conditional-access/synthetic/02-block-all-users.json";
    let (code, r) = json(&[
        "--conditional-access",
        mfa,
        "--partner-tenant",
        P,
        "--roles",
        "User Administrator",
    ]);
    assert_eq!(
        (code, r["status"].as_str()),
        (Some(0), Some("clear")),
        "{r:#}"
    );
    assert_eq!(r["unchecked"], serde_json::json!([]));
    let (code, r) = json(&[
        "--conditional-access",
        block,
        "--partner-tenant",
        P,
        "--roles",
        "User Administrator",
    ]);
    assert_eq!((code, r["status"].as_str()), (Some(3), Some("blocked")));
    // No policies given: not proven, whatever else holds.
    let (code, r) = json(&["--partner-tenant", P, "--roles", "User Administrator"]);
    assert_eq!((code, r["status"].as_str()), (Some(4), Some("not-proven")));
    assert_eq!(r["unchecked"][0]["check"], "conditional-access");
    // License Administrator alone cannot create the groups or add their members (stage 2).
    let (code, r) = json(&[
        "--conditional-access",
        mfa,
        "--partner-tenant",
        P,
        "--roles",
        "license-administrator",
    ]);
    assert_eq!(code, Some(3));
    let two = &r["stages"][1];
    assert_eq!(
        (two["stage"].as_u64(), two["runnable"].as_bool()),
        (Some(2), Some(false))
    );
    assert!(two["missing"][0]["ops"]
        .as_array()
        .is_some_and(
            |o| o.iter().any(|x| x == "create-group") && o.iter().any(|x| x == "add-members")
        ));
    assert_eq!(
        r["stages"][4]["runnable"], true,
        "the removal waves need License Administrator only"
    );
    assert!(r["blocked"][0]
        .as_str()
        .is_some_and(|b| b.starts_with("stage 2:")));
    // With Groups Administrator beside it, every stage runs.
    let (code, _) = json(&[
        "--conditional-access",
        mfa,
        "--partner-tenant",
        P,
        "--roles",
        "License Administrator,Groups Administrator",
    ]);
    assert_eq!(code, Some(0));
}

#[test]
fn partner_center_names_900316_and_the_partner_access_token() {
    let (_, r) = json(&["--via", "partner-center", "--partner-tenant", P]);
    assert_eq!(r["via"], "partner-center");
    assert!(r["token"]
        .as_str()
        .is_some_and(|t| t.contains("900316") && t.contains("Partner Access Token")));
    let codes: Vec<&str> = r["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|e| e["code"].as_str())
        .collect();
    assert_eq!(codes, ["AADSTS53003", "900309", "900316", "60012"]);
    // The seat forecast: stage 6 takes the last E3 seats.
    assert_eq!(
        r["seats"],
        serde_json::json!([{"stage": 6, "wave": null, "sku": "ENTERPRISEPACK", "enabled": 39, "peak": 39, "spare": 0}])
    );
}

#[track_caller]
fn refused(extra: &[&str], names: &[&str]) {
    let (code, out, err) = run(extra);
    assert_eq!(code, Some(2), "{out}\n{err}");
    assert!(out.is_empty(), "{out}");
    for n in names {
        assert!(err.contains(n), "{n:?} not in: {err}");
    }
}

#[test]
fn bad_input_is_refused_naming_the_file_and_field() {
    let bad = |f: &str| format!("testdata/conditional-access/bad/{f}");
    refused(
        &["--conditional-access", &bad("not-json.json")],
        &["not-json.json", "not JSON"],
    );
    refused(
        &["--conditional-access", &bad("unknown-state.json")],
        &["unknown-state.json", "field \"state\"", "\"on\""],
    );
    refused(
        &[
            "--conditional-access",
            &bad("include-users-not-a-list.json"),
        ],
        &[
            "include-users-not-a-list.json",
            "$.conditions.users.includeUsers",
            "not a list",
        ],
    );
    refused(
        &["--conditional-access", &bad("guest-types-a-number.json")],
        &[
            "guest-types-a-number.json",
            "field \"guestOrExternalUserTypes\"",
            "comma-joined",
        ],
    );
    refused(
        &["--conditional-access", &bad("no-conditions.json")],
        &["no-conditions.json", "field \"conditions\""],
    );
    refused(
        &["--conditional-access", &bad("value-not-a-list.json")],
        &["value-not-a-list.json", "field \"value\""],
    );
    // A folder: every bad file at once.
    refused(
        &["--conditional-access", "testdata/conditional-access/bad"],
        &[
            "not-json.json",
            "unknown-state.json",
            "no-conditions.json",
            "value-not-a-list.json",
            "6 problems",
        ],
    );
    refused(
        &["--roles", "Security Reader"],
        &["--roles", "Security Reader", "License Administrator"],
    );
    refused(
        &["--partner-tenant", "contoso"],
        &["--partner-tenant", "not a tenant id"],
    );
    refused(
        &[
            "--conditional-access",
            "testdata/conditional-access/missing",
        ],
        &["missing", "cannot read"],
    );
}

#[test]
fn a_plan_of_another_export_is_refused() {
    let plan = plan().to_str().expect("UTF-8").to_owned();
    let o = licplan(&[
        "preflight",
        "testdata/contoso-powershell",
        "--plan",
        &plan,
        "--quiet",
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("export.hash") && err.contains("another export"),
        "{err}"
    );
}

#[test]
fn the_report_is_the_same_bytes_twice_and_reads_as_markdown() {
    let args = [
        "--conditional-access",
        "testdata/conditional-access/real",
        "--partner-tenant",
        P,
        "--roles",
        "License Administrator,Groups Administrator",
        "--format",
        "markdown",
    ];
    let (code, a, _) = run(&args);
    let (_, b, _) = run(&args);
    assert_eq!(code, Some(4));
    assert_eq!(a, b);
    insta::assert_snapshot!("preflight-real-markdown", a);
}

#[test]
fn more_real_policies_read_and_decide_as_their_fields_say() {
    // AlexFilipin/ConditionalAccess templates: report-only, with `"locations": []` (307) and a
    // strength given by id only (100).
    let (_, r) = json(&[
        "--conditional-access",
        "testdata/conditional-access/more-real/alexfilipin",
        "--partner-tenant",
        P,
    ]);
    let got = verdicts(&r);
    let want = [
        ("100 - RING - Admin protection - All apps Require Strong Auth For admins.json", "would-block", "once enabled: unknown (authentication strength Phishing-resistant MFA"),
        ("201 - RING - Base protection - Register security information Require MFA or trusted device or trusted location For internal users.json", "excluded", "legacy keyword"),
        ("210 - RING - Base protection - All apps Require ToU for external Users.json", "would-block", "once enabled: unknown (terms of use ToU"),
        ("307 - RING - Attack surface reduction - All apps Block Device Code Flow copy.json", "would-block", "device-code"),
        ("507 - RING - Data protection - O365 Block access For external users When using mobile apps on iOS or Android.json", "would-block", "once enabled: conditional"),
    ];
    assert_eq!(got.len(), want.len(), "{got:#?}");
    for ((p, (file, verdict, _)), (wfile, wverdict, says)) in r["policies"]
        .as_array()
        .expect("policies")
        .iter()
        .zip(&got)
        .zip(want)
    {
        assert_eq!((file.as_str(), verdict.as_str()), (wfile, wverdict));
        assert!(
            p["reason"].as_str().is_some_and(|x| x.contains(says)),
            "{p:#}"
        );
    }
}

/// A bundle written with `--target`, its Partner Center files read back.
fn partner_bundle(plan: &Path, unit: &[&str], dir: &Path) -> (Value, Value) {
    let mut args = vec![
        "bundle",
        "testdata/contoso",
        "--plan",
        plan.to_str().expect("UTF-8"),
        "--out",
        dir.to_str().expect("UTF-8"),
        "--target",
        "partner-center",
        "--quiet",
    ];
    args.extend_from_slice(unit);
    let o = licplan(&args);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let read = |f: &str| -> Value {
        serde_json::from_slice(&std::fs::read(dir.join("partner-center").join(f)).expect("written"))
            .expect("JSON")
    };
    (
        read("licenseupdates.json"),
        read("undo-licenseupdates.json"),
    )
}

#[test]
fn a_partner_center_bundle_writes_one_licenseupdate_per_user_and_direct_op() {
    let dir = tempfile::tempdir().expect("a temp dir");
    // The removal pilot: each removal a LicensesToRemove request, its undo a LicensesToAssign.
    let out = dir.path().join("pilot");
    let (fwd, undo) = partner_bundle(plan(), &["--stage", "5", "--wave", "1"], &out);
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).expect("manifest"))
            .expect("JSON");
    let removals: Vec<&Value> = manifest["ops"]
        .as_array()
        .expect("ops")
        .iter()
        .filter(|o| o["kind"] == "remove-direct-license")
        .collect();
    let requests = fwd["requests"].as_array().expect("requests");
    assert!(!removals.is_empty());
    assert_eq!(requests.len(), removals.len());
    for (r, op) in requests.iter().zip(&removals) {
        assert_eq!(r["op"], op["id"]);
        assert_eq!(r["user"], op["target"]["id"]);
        let url = r["url"].as_str().expect("url");
        assert!(url.starts_with("https://api.partnercenter.microsoft.com/v1/customers/074bbc78-c664-5b49-a07d-f8c8f73b1354/users/"));
        assert!(url.ends_with("/licenseupdates"));
        assert_eq!(r["body"]["Attributes"]["ObjectType"], "LicenseUpdate");
        assert_eq!(r["body"]["LicensesToAssign"], Value::Null);
        assert_eq!(
            r["body"]["LicensesToRemove"],
            serde_json::json!(["18181a46-0d4e-45cd-891e-60aabd171b4e"])
        );
        assert_eq!(r["errors"], serde_json::json!(["900309", "900316"]));
    }
    let back = &undo["requests"][0]["body"]["LicensesToAssign"][0];
    assert_eq!(back["SkuId"], "18181a46-0d4e-45cd-891e-60aabd171b4e");
    assert_eq!(undo["requests"][0]["errors"][0], "60012");
    // Group writes have no Partner Center endpoint: stage 2 stays on Graph, and says so.
    let (fwd, _) = partner_bundle(plan(), &["--stage", "2"], &dir.path().join("groups"));
    assert_eq!(fwd["requests"], serde_json::json!([]));
    let kinds: Vec<&str> = fwd["graph_only"]
        .as_array()
        .expect("graph_only")
        .iter()
        .filter_map(|g| g["kind"].as_str())
        .collect();
    assert!(
        kinds.contains(&"create-group") && kinds.contains(&"add-members"),
        "{kinds:?}"
    );
    let readme = std::fs::read_to_string(dir.path().join("groups/partner-center/README.md"))
        .expect("README");
    assert!(readme.contains("no Partner Center endpoint") && readme.contains("900316"));
    // Without --target, no Partner Center files.
    let plain = dir.path().join("plain");
    let o = licplan(&[
        "bundle",
        "testdata/contoso",
        "--plan",
        plan().to_str().expect("UTF-8"),
        "--stage",
        "2",
        "--out",
        plain.to_str().expect("UTF-8"),
        "--quiet",
    ]);
    assert_eq!(o.status.code(), Some(0));
    assert!(!plain.join("partner-center").exists());
}

#[test]
fn a_change_then_migrate_product_change_is_one_licenseupdate_per_user() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let (plan, _) = contoso_plan("testdata/intents/e1-to-e3-change-first.yaml", dir.path());
    let (fwd, undo) = partner_bundle(
        &plan,
        &["--stage", "2", "--wave", "1"],
        &dir.path().join("change"),
    );
    let requests = fwd["requests"].as_array().expect("requests");
    assert!(!requests.is_empty());
    for r in requests {
        assert_eq!(r["kind"], "change-direct-license");
        assert_eq!(r["atomic"], true);
        assert_eq!(r["license_group"], 1);
        assert_eq!(
            r["body"]["LicensesToAssign"][0]["SkuId"],
            "6fd2c87f-b296-42f0-b197-1e91e994b900"
        );
        assert_eq!(
            r["body"]["LicensesToRemove"],
            serde_json::json!(["18181a46-0d4e-45cd-891e-60aabd171b4e"])
        );
    }
    // The undo changes each user back in one request.
    let u = &undo["requests"][0]["body"];
    assert_eq!(
        u["LicensesToAssign"][0]["SkuId"],
        "18181a46-0d4e-45cd-891e-60aabd171b4e"
    );
    assert_eq!(
        u["LicensesToRemove"],
        serde_json::json!(["6fd2c87f-b296-42f0-b197-1e91e994b900"])
    );
}

#[test]
fn an_output_among_the_policies_is_refused_and_named_as_a_policy_file() {
    let dir = tempfile::tempdir().expect("temp");
    let policies = dir.path().join("policies");
    std::fs::create_dir(&policies).expect("dir");
    let src = Path::new("testdata/conditional-access/synthetic");
    let first = std::fs::read_dir(src)
        .expect("synthetic")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .min()
        .expect("a policy");
    let target = policies.join(first.file_name().expect("name"));
    std::fs::copy(&first, &target).expect("copy");
    let before = std::fs::read(&target).expect("read");
    let (code, _, err) = run(&[
        "--conditional-access",
        policies.to_str().expect("UTF-8"),
        "--output",
        target.to_str().expect("UTF-8"),
    ]);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("Conditional Access policy file"), "{err}");
    assert!(!err.contains("the tenant"), "{err}");
    assert_eq!(std::fs::read(&target).expect("read"), before);
}
