//! Inputs that used to change a result without a word (issue 10, "no silent result change"),
//! and licplan's own files read as exports are: each through the binary, on a copy of the
//! sample tenant or a file written at test time.

use std::path::Path;

use serde_json::Value;

use crate::common::{licplan, root};

fn copy_tenant(to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(root().join("testdata/contoso")).expect("contoso") {
        let e = e.expect("entry");
        std::fs::copy(e.path(), to.join(e.file_name())).expect("copy");
    }
}

fn edit_json(path: &Path, edit: impl FnOnce(&mut Value)) {
    let mut v: Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("read")).expect("JSON");
    edit(&mut v);
    std::fs::write(path, serde_json::to_string_pretty(&v).expect("JSON")).expect("write");
}

fn arg(p: &Path) -> &str {
    p.to_str().expect("UTF-8 path")
}

/// A member listed twice in a group's pages is kept once and reported, not silently merged.
#[test]
fn a_member_listed_twice_is_a_duplicate_record_finding() {
    let dir = tempfile::tempdir().expect("temp dir");
    let t = dir.path().join("t");
    copy_tenant(&t);
    edit_json(
        &t.join("members.241b3144-63f2-5689-bda0-e09d352c7b55.json"),
        |v| {
            let first = v["value"][0].clone();
            v["value"].as_array_mut().expect("value").push(first);
        },
    );
    let out = licplan(&["inspect", arg(&t), "--format", "json"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(
            "group 241b3144-63f2-5689-bda0-e09d352c7b55: 1 member entries listed more than once"
        ),
        "{text}"
    );
}

/// A group listing one product twice with different disabled plans used to keep one of them.
#[test]
fn a_group_license_listed_twice_differently_is_an_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let t = dir.path().join("t");
    copy_tenant(&t);
    edit_json(&t.join("groups.json"), |v| {
        let licenses = v["value"][0]["assignedLicenses"]
            .as_array_mut()
            .expect("licenses");
        let mut second = licenses[0].clone();
        second["disabledPlans"] = Value::Array(Vec::new());
        licenses.push(second);
    });
    let out = licplan(&["inspect", arg(&t)]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("groups.json"), "{stderr}");
    assert!(
        stderr.contains("lists product 18181a46-0d4e-45cd-891e-60aabd171b4e more than once, with different disabled plans"),
        "{stderr}"
    );
}

/// Windows PowerShell 5.1 writes UTF-16 LE (with a BOM, or without through .NET): ops files,
/// intents and users lists are read like exports; Windows-1252 is named with how to re-save.
#[test]
fn own_files_in_utf16_are_read_and_legacy_code_pages_are_named() {
    let dir = tempfile::tempdir().expect("temp dir");
    let utf16 = |text: &str, bom: bool| -> Vec<u8> {
        let mut out = if bom { vec![0xFF, 0xFE] } else { Vec::new() };
        for u in text.encode_utf16() {
            out.extend_from_slice(&u.to_le_bytes());
        }
        out
    };
    let tenant = root().join("testdata/contoso");
    let ops = r#"{"ops": [{"op": "wait-for-processing"}]}"#;
    for bom in [true, false] {
        let f = dir.path().join(format!("ops-{bom}.json"));
        std::fs::write(&f, utf16(ops, bom)).expect("write");
        let out = licplan(&["simulate", arg(&tenant), "--ops", arg(&f)]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // An intent and its users list, both UTF-16, the list with CR-only line ends.
    let users = dir.path().join("movers.txt");
    std::fs::write(
        &users,
        utf16("# movers\rChristie.Cline@contoso.com  \r", true),
    )
    .expect("write");
    let intent = std::fs::read_to_string(root().join("plans/e1-to-e3.yaml"))
        .expect("intent")
        .replace("scope: direct-holders", "scope: users:movers.txt");
    let f = dir.path().join("intent.yaml");
    std::fs::write(&f, utf16(&intent, true)).expect("write");
    let out = licplan(&[
        "plan",
        arg(&tenant),
        "--intent",
        arg(&f),
        "--format",
        "json",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.code() == Some(0) || out.status.code() == Some(3),
        "{stderr}"
    );
    let plan: Value = serde_json::from_slice(&out.stdout).expect("a JSON plan");
    assert_eq!(plan["summary"]["users_in_scope"], 1, "{plan}");
    // Windows-1252.
    let f = dir.path().join("ops-1252.json");
    std::fs::write(
        &f,
        b"{\"ops\": [{\"op\": \"wait-for-processing\", \"note\": \"D\xe1na\"}]}",
    )
    .expect("write");
    let out = licplan(&["simulate", arg(&tenant), "--ops", arg(&f)]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    for says in ["line 1, column", "Windows-1252", "Out-File -Encoding utf8"] {
        assert!(stderr.contains(says), "no {says:?} in {stderr}");
    }
}

/// A users export without proxy addresses cannot prove the Exchange uniqueness check: every
/// user with Exchange Online has some, so none at all means they were not exported.
#[test]
fn a_users_export_without_proxy_addresses_leaves_a_plan_not_proven() {
    let dir = tempfile::tempdir().expect("temp dir");
    let t = dir.path().join("t");
    copy_tenant(&t);
    for page in ["users.page1.json", "users.page2.json"] {
        edit_json(&t.join(page), |v| {
            for u in v["value"].as_array_mut().expect("value") {
                u.as_object_mut().expect("a user").remove("proxyAddresses");
            }
        });
    }
    let intent = root().join("plans/e1-to-e3.yaml");
    let out = licplan(&[
        "plan",
        arg(&t),
        "--intent",
        arg(&intent),
        "--format",
        "json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let plan: Value = serde_json::from_slice(&out.stdout).expect("a JSON plan");
    assert_eq!(plan["verdict"]["status"], "not-proven");
    let unchecked = plan["verdict"]["unchecked"].as_array().expect("unchecked");
    assert!(
        unchecked.iter().any(|u| u["check"] == "proxy-addresses"
            && u["reason"]
                .as_str()
                .is_some_and(|r| r.contains("ENTERPRISEPACK"))),
        "{unchecked:?}"
    );
    // With them, the same plan is SAFE.
    let out = licplan(&["plan", "testdata/contoso", "--intent", arg(&intent)]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
