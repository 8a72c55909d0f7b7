//! `--redact`: no UPN, display name, proxy address or object id of the tenant survives in any
//! output, and the pseudonyms are stable from run to run.

use crate::common::{licplan, load, testdata};

fn personal_strings() -> Vec<String> {
    let t = load(&[&testdata("contoso")]).tenant;
    let mut v = Vec::new();
    for u in t.users.values() {
        v.push(u.id.to_string());
        v.extend(u.upn.clone());
        v.extend(u.display_name.clone());
        for a in &u.proxy_addresses {
            v.push(licplan::inspect::normalise_proxy_address(a));
        }
    }
    for g in t.groups.values() {
        v.push(g.id.to_string());
        v.extend(g.display_name.clone());
    }
    // The organization's name and domains (the sample intents' names start "Contoso").
    assert_eq!(t.organization.names, ["Contoso"]);
    assert!(t
        .organization
        .domains
        .iter()
        .any(|d| d == "contoso.onmicrosoft.com"));
    v.extend(t.organization.names.clone());
    v.extend(t.organization.domains.clone());
    v.retain(|s| s.len() >= 3);
    v
}

#[test]
fn the_organization_name_and_domains_are_redacted_in_any_text() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let intent = tmp.path().join("i.yaml");
    std::fs::write(
        &intent,
        "name: \"Move Contoso's users (contoso.com, CONTOSO.onmicrosoft.com, mail.contoso.com) to E3. Contoso.\"\nmoves:\n  - {from: STANDARDPACK, to: ENTERPRISEPACK, group: LIC-O365-E3}\n",
    )
    .expect("intent");
    let intent = intent.display().to_string();
    for tenant in ["testdata/contoso", "testdata/contoso-powershell"] {
        for format in ["json", "markdown", "table", "yaml"] {
            let args = [
                "plan", tenant, "--intent", &intent, "--format", format, "--redact",
            ];
            let out = licplan(&args);
            assert!(
                matches!(out.status.code(), Some(0 | 3)),
                "{args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let text = String::from_utf8_lossy(&out.stdout);
            assert!(
                !text.to_lowercase().contains("contoso"),
                "{args:?} leaks the organization: {text}"
            );
            if format == "json" {
                assert!(
                    text.contains("Move Organization's users (domain1.invalid, domain2.invalid, mail.domain1.invalid) to E3. Organization."),
                    "{text}"
                );
            }
            // Without --redact the name is as written.
            let plain = licplan(&args[..args.len() - 1]);
            assert!(String::from_utf8_lossy(&plain.stdout).contains("Move Contoso's users"));
        }
    }
}

#[test]
fn no_personal_data_survives_in_any_command_or_format() {
    let personal = personal_strings();
    assert!(personal.len() > 100);
    let runs: Vec<Vec<&str>> = vec![
        vec!["inspect", "testdata/contoso"],
        vec![
            "plan",
            "testdata/contoso",
            "--intent",
            "plans/e1-to-e3.yaml",
        ],
        vec![
            "plan",
            "testdata/contoso",
            "--intent",
            "plans/two-moves.yaml",
        ],
        vec![
            "simulate",
            "testdata/contoso",
            "--plan",
            "plans/examples/e1-to-e3.contoso.yaml",
        ],
    ];
    for run in runs {
        for format in ["json", "markdown", "table", "yaml"] {
            let mut args = run.clone();
            args.extend(["--format", format, "--redact"]);
            let out = licplan(&args);
            assert!(
                matches!(out.status.code(), Some(0 | 3)),
                "{args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let text = String::from_utf8_lossy(&out.stdout).to_lowercase();
            for p in &personal {
                assert!(!text.contains(&p.to_lowercase()), "{args:?} leaks {p:?}");
            }
            let again = licplan(&args);
            assert_eq!(out.stdout, again.stdout, "{args:?}: pseudonyms are stable");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Identifiers the users and groups exports do not hold

/// A guest, a device, a contact and a nested group that no export holds, as members of a group
/// whose own record is missing too (so its id is known only from the file name).
const GROUP_FROM_FILE_NAME: &str = "7e1f0c3a-5b2d-4c8e-9f10-a1b2c3d4e5f6";
const GUEST: &str = "8a2b3c4d-1111-4222-8333-944455566677";
const DEVICE: &str = "9b3c4d5e-2222-4333-8444-a55566677788";
const CONTACT: &str = "ac4d5e6f-3333-4444-8555-b66677788899";
const NESTED: &str = "bd5e6f70-4444-4555-8666-c777888999aa";
/// The folder the export sits in: a customer's and a person's name.
const FOLDER: &str = "fabrikam-alice-export";

/// testdata/contoso copied into `FOLDER` in a temporary folder, with the members above, a
/// plain CSV membership naming a member and a user the exports do not hold, a file named after
/// a user's UPN and a per-user folder the reader skips.
fn tenant_with_strangers() -> (tempfile::TempDir, std::path::PathBuf) {
    let tmp = tempfile::tempdir().expect("a temp dir");
    let t = tmp.path().join(FOLDER);
    std::fs::create_dir(&t).expect("tenant folder");
    for e in std::fs::read_dir(testdata("contoso")).expect("contoso") {
        let p = e.expect("entry").path();
        std::fs::copy(&p, t.join(p.file_name().expect("name"))).expect("copy");
    }
    let members = format!(
        r##"{{"value": [
  {{"@odata.type": "#microsoft.graph.user", "id": "{GUEST}", "displayName": "Gwen Guest",
    "userPrincipalName": "gwen_fabrikam.com#EXT#@contoso.onmicrosoft.com", "mail": "gwen@fabrikam.com"}},
  {{"@odata.type": "#microsoft.graph.device", "id": "{DEVICE}", "displayName": "ALICE-LAPTOP"}},
  {{"@odata.type": "#microsoft.graph.orgContact", "id": "{CONTACT}", "displayName": "Carl Contact",
    "mail": "carl@supplier.example"}},
  {{"@odata.type": "#microsoft.graph.group", "id": "{NESTED}", "displayName": "Hidden Nested"}}
]}}"##
    );
    std::fs::write(
        t.join(format!("members.{GROUP_FROM_FILE_NAME}.json")),
        members,
    )
    .expect("members file");
    std::fs::write(
        t.join("memberships.csv"),
        "group,member,member_type\n\
         SYNC-Finance,Sales EMEA Contractors,group\n\
         SYNC-Finance,outsider@fabrikam.com,user\n",
    )
    .expect("memberships");
    std::fs::write(
        t.join("adele.vance@contoso.com notes.docx"),
        "not an export",
    )
    .expect("docx");
    let per_user = t.join("Users");
    std::fs::create_dir(&per_user).expect("Users");
    std::fs::write(per_user.join(format!("{GUEST}.json")), "{}").expect("per-user file");
    (tmp, t)
}

/// Every e-mail address in a text: the characters around each `@` that can make one.
fn addresses_in(text: &str) -> Vec<String> {
    let local = |c: char| c.is_alphanumeric() || "._%+-#'".contains(c);
    let domain = |c: char| c.is_alphanumeric() || ".-".contains(c);
    let mut out = Vec::new();
    for (at, _) in text.match_indices('@') {
        let start = text[..at]
            .char_indices()
            .rev()
            .take_while(|(_, c)| local(*c))
            .last()
            .map_or(at, |(i, _)| i);
        let end = text[at + 1..]
            .char_indices()
            .take_while(|(_, c)| domain(*c))
            .last()
            .map_or(at + 1, |(i, c)| at + 1 + i + c.len_utf8());
        let a = text[start..end].trim_end_matches('.');
        if start < at && a[at - start + 1..].contains('.') {
            out.push(a.to_lowercase());
        }
    }
    out
}

/// Every hyphenated GUID in a text, lower-cased.
fn guids_in(text: &str) -> Vec<String> {
    let b = text.as_bytes();
    (0..b.len().saturating_sub(35))
        .filter(|&i| {
            b[i..i + 36].iter().enumerate().all(|(j, c)| match j {
                8 | 13 | 18 | 23 => *c == b'-',
                _ => c.is_ascii_hexdigit(),
            })
        })
        .map(|i| text[i..i + 36].to_ascii_lowercase())
        .collect()
}

/// Product and service-plan ids: Microsoft's, the same in every tenant, not personal.
fn public_ids(t: &licplan::model::Tenant) -> std::collections::HashSet<String> {
    let mut ids = std::collections::HashSet::new();
    for s in licplan::catalog::Catalog::bundled().skus() {
        ids.insert(s.id.to_string());
        ids.extend(s.service_plans.iter().map(|p| p.id.to_string()));
    }
    for s in t.skus.values() {
        ids.insert(s.id.to_string());
        ids.extend(s.service_plans.iter().map(|p| p.id.to_string()));
    }
    ids
}

/// What must not survive: every GUID of the input files but product ids, every address in
/// them, every user's and group's name, the names only the CSV gives, the folder's name.
fn secrets(t: &std::path::Path) -> Vec<String> {
    let loaded = load(&[t]);
    let public = public_ids(&loaded.tenant);
    let mut v: Vec<String> = Vec::new();
    let mut files = vec![t.join("Users").join(format!("{GUEST}.json"))];
    files.extend(
        std::fs::read_dir(t)
            .expect("tenant")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.is_file()),
    );
    for f in files {
        let name = f.to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&f).unwrap_or_default();
        for s in [name.as_str(), text.as_str()] {
            v.extend(guids_in(s).into_iter().filter(|g| !public.contains(g)));
            v.extend(addresses_in(s));
        }
    }
    for u in loaded.tenant.users.values() {
        v.extend(u.display_name.clone());
    }
    for g in loaded.tenant.groups.values() {
        v.extend(g.display_name.clone());
    }
    v.extend(
        [
            "Sales EMEA Contractors",
            "Gwen Guest",
            "ALICE-LAPTOP",
            "Carl Contact",
            FOLDER,
        ]
        .map(str::to_owned),
    );
    v.retain(|s| s.len() >= 3);
    v.sort();
    v.dedup();
    v
}

#[test]
fn redact_covers_members_the_exports_do_not_hold_and_file_names() {
    let (_tmp, t) = tenant_with_strangers();
    let tenant = t.to_str().expect("UTF-8 path");
    let secrets = secrets(&t);
    for must in [
        GUEST,
        DEVICE,
        CONTACT,
        NESTED,
        GROUP_FROM_FILE_NAME,
        "outsider@fabrikam.com",
    ] {
        assert!(secrets.iter().any(|s| s == must), "{must} not collected");
    }

    // Without --redact they reach the output: else the check below proves nothing.
    let plain = licplan(&["inspect", tenant, "--format", "json"]);
    assert_eq!(
        plain.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&plain.stderr)
    );
    let plain = String::from_utf8_lossy(&plain.stdout).to_lowercase();
    for shown in [
        GUEST,
        DEVICE,
        CONTACT,
        NESTED,
        GROUP_FROM_FILE_NAME,
        "outsider@fabrikam.com",
        "sales emea contractors",
        "adele.vance@contoso.com notes.docx",
    ] {
        assert!(
            plain.contains(shown),
            "{shown} is not in the plain inspection"
        );
    }

    let runs: Vec<Vec<&str>> = vec![
        vec!["inspect", tenant],
        vec!["plan", tenant, "--intent", "plans/e1-to-e3.yaml"],
        vec![
            "simulate",
            tenant,
            "--plan",
            "plans/examples/e1-to-e3.contoso.yaml",
        ],
    ];
    for run in runs {
        for format in ["json", "markdown", "table", "yaml"] {
            let mut args = run.clone();
            args.extend(["--format", format, "--redact"]);
            let out = licplan(&args);
            assert!(
                matches!(out.status.code(), Some(0 | 3)),
                "{args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let text = String::from_utf8_lossy(&out.stdout).to_lowercase();
            assert!(!text.is_empty(), "{args:?}: no output");
            for s in &secrets {
                assert!(!text.contains(&s.to_lowercase()), "{args:?} leaks {s:?}");
            }
            // Nor the folders above the tenant (a home folder, a customer's name).
            assert!(
                !text.contains(&tenant.to_lowercase()),
                "{args:?} shows the path"
            );
        }
    }
}
