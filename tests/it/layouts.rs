//! The layouts real exports come in, through the binary: a tenant folder read recursively,
//! per-group member pages (`members/<gid>.json`, `<gid>/members.json`, `members.<gid>.json`
//! anywhere), Microsoft's EntraExporter tree from PowerShell 7 and Windows PowerShell 5.1, and
//! memberships implied by license states.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::{examples, finding, licplan, load, root, testdata};

const G1: &str = "aaaaaaaa-0000-4000-8000-000000000001";
const G2: &str = "aaaaaaaa-0000-4000-8000-000000000002";
const G3: &str = "aaaaaaaa-0000-4000-8000-000000000003";
const U: [&str; 4] = [
    "bbbbbbbb-0000-4000-8000-000000000001",
    "bbbbbbbb-0000-4000-8000-000000000002",
    "bbbbbbbb-0000-4000-8000-000000000003",
    "bbbbbbbb-0000-4000-8000-000000000004",
];

/// `inspect --format json` of paths that must be read.
#[track_caller]
fn inspected(paths: &[&str]) -> Value {
    let mut args = vec!["inspect"];
    args.extend_from_slice(paths);
    args.extend(["--format", "json"]);
    let out = licplan(&args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{paths:?} refused:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("the report is JSON")
}

/// The user members of each group, by group id, as the library reads the paths.
fn members(paths: &[PathBuf]) -> Vec<(String, Vec<String>)> {
    let refs: Vec<&Path> = paths.iter().map(PathBuf::as_path).collect();
    let loaded = load(&refs);
    loaded
        .tenant
        .groups
        .iter()
        .map(|(id, g)| {
            let users = g
                .members
                .iter()
                .filter_map(|m| match m {
                    licplan::model::Member::User(u) => Some(u.to_string()),
                    licplan::model::Member::Group(_) => None,
                })
                .collect();
            (id.to_string(), users)
        })
        .collect()
}

fn ids(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

#[test]
fn per_group_member_pages_are_read_wherever_they_lie() {
    for layout in ["members-folder", "group-folder", "members-dot-name"] {
        let rel = format!("testdata/layouts/{layout}");
        let report = inspected(&[&rel]);
        assert_eq!(report["users"], 4, "{layout}");
        assert_eq!(report["groups"], 2, "{layout}");
        let licensed = &report["licensed_groups"][0];
        assert_eq!(licensed["display_name"], "LIC-E3", "{layout}");
        assert_eq!(licensed["user_members"], 2, "{layout}");
        // Every membership came from a member page: none implied, nothing skipped.
        for code in [
            "implied-membership",
            "skipped-file",
            "licensed-group-without-members",
        ] {
            assert!(finding(&report, code).is_none(), "{layout}: {code}");
        }
        let sources = report["sources"].as_array().expect("sources");
        let pages = sources
            .iter()
            .filter(|s| s["content"] == "group-members")
            .count();
        assert_eq!(pages, 2, "{layout}: {sources:?}");
        assert_eq!(
            members(&[testdata(&format!("layouts/{layout}"))]),
            vec![(G1.to_owned(), ids(&U[..2])), (G2.to_owned(), ids(&U[2..])),],
            "{layout}"
        );
    }
}

/// Every file under a folder, in name order, relative to the repository root.
fn files_under(dir: &Path, out: &mut Vec<String>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("read_dir")
        .map(|e| e.expect("entry").path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            files_under(&p, out);
        } else {
            let rel = p.strip_prefix(root()).expect("under the root");
            out.push(rel.display().to_string());
        }
    }
}

#[test]
fn an_entra_exporter_tree_reads_to_its_users_groups_and_members_in_both_powershells() {
    for tree in ["entra-exporter-ps7", "entra-exporter-ps51"] {
        let rel = format!("testdata/{tree}");
        let report = inspected(&[&rel]);
        // Four users: the device (it has accountEnabled) and the member stubs are not users.
        assert_eq!(report["users"], 4, "{tree}");
        assert_eq!(report["groups"], 2, "{tree}");
        // Default properties: no group is known to carry a license, every path is unknown.
        assert_eq!(report["licensed_groups"], serde_json::json!([]), "{tree}");
        assert_eq!(
            finding(&report, "unknown-assignment-path").expect("unknown paths")["count"],
            3,
            "{tree}"
        );
        let defaults = finding(&report, "entra-exporter-defaults").expect("defaults finding");
        assert_eq!(defaults["count"], 6, "{tree}: 4 users and 2 groups");
        let said = defaults["description"].as_str().expect("description");
        assert!(
            said.contains("licenseAssignmentStates") && said.contains("$select="),
            "{said}"
        );
        // Owners, the role's member, the device, the role, the group setting and the branding.
        let skipped = examples(&report, "skipped-file");
        assert_eq!(
            finding(&report, "skipped-file").expect("skipped")["count"],
            6,
            "{tree}: {skipped:?}"
        );
        assert!(
            skipped
                .iter()
                .any(|s| s.contains("/Owners/") && s.ends_with("owners are not members")),
            "{skipped:?}"
        );
        assert!(
            skipped.iter().any(|s| s.starts_with("Devices/")),
            "{skipped:?}"
        );
        let org = &report["default_usage_location"];
        assert_eq!(org, "US", "{tree}");
        let skus = report["skus"].as_array().expect("skus");
        assert_eq!(skus.len(), 1, "{tree}: {skus:?}");
        // Members of LIC-E3: Alice and Bob; Carol only owns it. Staff: Dan.
        let want = vec![(G1.to_owned(), ids(&U[..2])), (G2.to_owned(), ids(&U[3..]))];
        assert_eq!(members(&[testdata(tree)]), want, "{tree}");

        // The files named one by one read the same as the folder.
        let mut files = Vec::new();
        files_under(&testdata(tree), &mut files);
        let args: Vec<&str> = files.iter().map(String::as_str).collect();
        let one_by_one = inspected(&args);
        for key in [
            "users",
            "groups",
            "licensed_groups",
            "skus",
            "default_usage_location",
        ] {
            assert_eq!(one_by_one[key], report[key], "{tree}: {key}");
        }
        let codes = |r: &Value| -> Vec<(String, u64)> {
            r["findings"]
                .as_array()
                .expect("findings")
                .iter()
                .map(|f| {
                    (
                        f["code"].as_str().unwrap_or("").to_owned(),
                        f["count"].as_u64().unwrap_or(0),
                    )
                })
                .collect()
        };
        assert_eq!(codes(&one_by_one), codes(&report), "{tree}");
        let paths: Vec<PathBuf> = files.iter().map(|f| root().join(f)).collect();
        assert_eq!(members(&paths), want, "{tree} one by one");
    }
}

#[test]
fn windows_powershell_writes_utf16_with_a_bom_and_its_own_layout() {
    // Guards the fixture: were it UTF-8, the test above would not show what it claims.
    let file = testdata(&format!("entra-exporter-ps51/Users/{0}/{0}.json", U[2]));
    let bytes = std::fs::read(file).expect("fixture");
    assert_eq!(&bytes[..2], &[0xFF, 0xFE]);
    let text: String = char::decode_utf16(
        bytes[2..]
            .chunks(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]])),
    )
    .map(|c| c.expect("UTF-16"))
    .collect();
    assert!(
        text.contains("\"displayName\":  \"Carol O\\u0027Neil\""),
        "{text}"
    );
    assert!(text.contains("\\/Date(1704067200000)\\/"), "{text}");
}

#[test]
fn memberships_implied_by_license_states_are_added_and_reported() {
    let report = inspected(&["testdata/layouts/implied-membership"]);
    let implied = examples(&report, "implied-membership");
    assert_eq!(
        implied,
        vec![
            format!("LIC-E3 ({G1}): 1 member implied by license states (its member export does not list them)"),
            format!("LIC-E3-Sales ({G2}): 1 member implied by license states (no member export lists the group)"),
        ]
    );
    assert_eq!(
        examples(&report, "licensed-group-without-members"),
        vec![
            format!("LIC-E3-Sales ({G2}): no member export"),
            format!("LIC-E3-Unused ({G3}): no member export"),
        ]
    );
    assert_eq!(
        members(&[testdata("layouts/implied-membership")]),
        vec![
            (G1.to_owned(), ids(&U[..2])),
            (G2.to_owned(), ids(&U[2..3])),
            (G3.to_owned(), vec![]),
        ]
    );
}

#[test]
fn removing_a_member_known_only_from_license_states_is_a_loss() {
    let out = licplan(&[
        "simulate",
        "testdata/layouts/implied-membership",
        "--ops",
        "testdata/layouts/ops/remove-bob.yaml",
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(3),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("bob@contoso.test"), "{stdout}");
    assert!(!stdout.contains("not a member"), "{stdout}");
}

#[test]
fn a_link_back_up_the_tree_is_read_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    let tenant = dir.path().join("tenant");
    std::fs::create_dir(&tenant).expect("mkdir");
    for f in ["users.json", "groups.json", "subscribedSkus.json"] {
        std::fs::copy(testdata("layouts/members-folder").join(f), tenant.join(f)).expect("copy");
    }
    std::fs::create_dir(tenant.join("members")).expect("mkdir");
    std::fs::copy(
        testdata(&format!("layouts/members-folder/members/{G1}.json")),
        tenant.join(format!("members/{G1}.json")),
    )
    .expect("copy");
    #[cfg(unix)]
    std::os::unix::fs::symlink(&tenant, tenant.join("members").join("loop")).expect("symlink");
    let shown = tenant.display().to_string();
    let report = inspected(&[&shown]);
    assert_eq!(report["users"], 4);
    assert_eq!(report["licensed_groups"][0]["user_members"], 2);
    #[cfg(unix)]
    {
        let skipped = examples(&report, "skipped-file");
        assert_eq!(skipped.len(), 1, "{skipped:?}");
        assert!(
            skipped[0].ends_with("members/loop: a folder already read (a symbolic link back into the tree, or a second link to one folder): not read again"),
            "{skipped:?}"
        );
    }
}

#[test]
fn a_plain_csv_tenant_without_a_users_file_reads_the_users_its_rows_name() {
    let report = inspected(&["testdata/contoso-csv-no-users"]);
    // 49 of contoso-csv's 50 users: the 50th is named by no assignment or membership.
    assert_eq!(report["users"], 49);
    assert_eq!(report["groups"], 5);
    let from_refs = finding(&report, "users-from-references").expect("reported");
    assert_eq!(from_refs["count"], 49);
    let said = from_refs["description"].as_str().expect("description");
    assert!(
        said.contains("usage location, proxy addresses") && said.contains("unknown"),
        "{said}"
    );
    // Named by UPN only: an id derived from the UPN, said so, the same on every run.
    let ids = examples(&report, "user-id-from-upn");
    assert!(
        ids.contains(
            &"aaron.peterson@contoso.com: 6fabb235-06db-57e4-9893-f77ebd300e41".to_owned()
        ),
        "{ids:?}"
    );
    assert_eq!(
        finding(&report, "groups-from-references").expect("groups")["count"],
        5
    );
    assert!(finding(&report, "dangling-reference").is_none());
    // Their licenses are read: E3 holders are counted from the assignments.
    let loaded = load(&[&testdata("contoso-csv-no-users")]);
    let dana = loaded
        .tenant
        .users
        .values()
        .find(|u| u.upn.as_deref() == Some("dana.whitfield@contoso.com"))
        .expect("dana");
    assert_eq!(dana.assignments.len(), 2, "{:?}", dana.assignments);
    assert!(dana.usage_location.is_none() && dana.proxy_addresses.is_empty());
}

#[test]
fn without_a_users_file_users_named_by_id_and_by_upn_are_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("assignments.csv"),
        "user,sku\nalice@contoso.test,ENTERPRISEPACK\nbbbbbbbb-0000-4000-8000-000000000002,ENTERPRISEPACK\n",
    )
    .expect("write");
    let shown = dir.path().display().to_string();
    let out = licplan(&["inspect", &shown]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("assignments.csv:2")
            && stderr.contains("cannot tell whether they are one person")
            && stderr.contains("add the users file"),
        "{stderr}"
    );
}

/// Exports that cannot carry licenses: refused naming the file, what it is and how to export
/// again.
#[test]
fn exports_that_cannot_carry_licenses_are_refused_with_specific_advice() {
    #[track_caller]
    fn case(file: &str, says: &[&str]) {
        let path = format!("testdata/bad/{file}");
        let out = licplan(&["inspect", &path]);
        assert_eq!(out.status.code(), Some(2), "{file}");
        assert!(out.stdout.is_empty(), "{file}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(&path), "{file}: {stderr}");
        for s in says {
            assert!(stderr.contains(s), "{file}: no {s:?} in\n{stderr}");
        }
    }
    let reexport = "ConvertTo-Json -Depth 10 | Out-File users.json";
    case(
        "get-mguser-export-csv.csv",
        &[
            "a Get-MgUser … | Export-Csv export",
            "as their type name",
            reexport,
        ],
    );
    case(
        "get-mguser-select-export-csv-list.csv",
        &["a PowerShell Export-Csv of users", reexport],
    );
    case(
        "get-msoluser-export-csv.csv",
        &[
            "a Get-MsolUser export",
            "retired MSOnline",
            "field \"IsLicensed\"",
            reexport,
        ],
    );
    case(
        "msol-licenses-tenant-sku.csv",
        &["a Get-MsolUser export", "field \"Licenses\"", reexport],
    );
    case(
        "admin-users-licenses-msol-tenant-sku.csv",
        &[
            ":2: field \"Licenses\"",
            "contoso:ENTERPRISEPACK",
            "tenant:SKU",
            reexport,
        ],
    );
    case(
        "convertto-json-default-depth-ps51.json",
        &[
            "record 1 ($[0].assignedLicenses[0])",
            "@{DisabledPlans=System.Object[]; SkuId=",
            "default depth (2)",
            "-Depth 10",
        ],
    );
    case(
        "convertto-json-too-shallow.json",
        &[
            "Microsoft.Graph.PowerShell.Models.MicrosoftGraphAssignedLicense",
            "-Depth 10",
        ],
    );
    case(
        "graph-error-authorization-request-denied.json",
        &[
            "Authorization_RequestDenied",
            "User.Read.All",
            "GroupMember.Read.All",
            "Directory.Read.All",
        ],
    );
    case(
        "graph-error-too-many-requests.json",
        &["TooManyRequests", "throttled", "Retry-After"],
    );
    case(
        "http-429-too-many-requests.json",
        &["429 Too Many Requests", "Retry-After"],
    );
    case(
        "graph-error-response.json",
        &["InvalidAuthenticationToken", "sign in again"],
    );
}
