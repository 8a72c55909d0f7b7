//! Engine scenario of a group license removal that a proxy-address conflict blocks (R10, R5):
//! Microsoft's 'When a licensed group is deleted' says the removal "can fail … if there's a
//! proxy address conflict issue that prevents the license removal"; licplan reads it as the
//! dependency case reads: the group's licenses stay on the user in error, taking their seat.

use serde_json::Value;

use crate::common::licplan;

/// Runs `licplan simulate` on the scenario in JSON and table form (both must exit with `code`
/// and leave stderr empty); returns the JSON report and the table.
fn simulate(name: &str, code: i32) -> (Value, String) {
    let dir = format!("testdata/scenarios/{name}");
    let (tenant, ops) = (format!("{dir}/tenant"), format!("{dir}/ops.yaml"));
    let mut outputs = Vec::new();
    for format in ["json", "table"] {
        let out = licplan(&["simulate", &tenant, "--ops", &ops, "--format", format]);
        assert_eq!(
            out.status.code(),
            Some(code),
            "{name} --format {format}; stderr:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.stderr.is_empty(), "{name}: stderr not empty");
        outputs.push(String::from_utf8(out.stdout).expect("UTF-8"));
    }
    let table = outputs.pop().unwrap_or_default();
    (serde_json::from_str(&outputs[0]).expect("JSON"), table)
}

/// `"SKU consumed/enabled"` after a step (1-based).
fn seats(report: &Value, step: usize, sku: &str) -> String {
    let s = &report["steps"][step - 1]["seats"];
    s.as_array()
        .and_then(|l| l.iter().find(|x| x["sku"] == sku))
        .map_or_else(
            || format!("{sku} absent"),
            |l| format!("{sku} {}/{}", l["consumed"], l["enabled"]),
        )
}

#[test]
fn a_proxy_address_conflict_leaves_a_removed_group_license_on_the_user_in_error() {
    let name = "remove-group-license-proxy-conflict";
    let (r, table) = simulate(name, 3);
    assert_eq!(r["safe"], false);
    // One error: Alice's removal fails at processing (step 2), on LIC-E1's E1.
    let errors = r["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 1, "{errors:?}");
    let e = &errors[0];
    assert_eq!(
        (&e["step"], &e["error"], &e["user"], &e["group"], &e["sku"]),
        (
            &2.into(),
            &"UniquenessViolation".into(),
            &"alice@contoso.com".into(),
            &"LIC-E1".into(),
            &"STANDARDPACK".into()
        ),
        "{e}"
    );
    assert!(
        e["detail"]
            .as_str()
            .is_some_and(|d| d.contains("Proxy address is already being used")
                && d.contains("stay on the user in an error state")),
        "{e}"
    );
    // Carol's E1 goes (2 → 1); Alice's stays in error, keeping its seat through her reprocess
    // (the conflict remains) and the group's deletion.
    assert_eq!(seats(&r, 1, "STANDARDPACK"), "STANDARDPACK 2/5");
    for step in [2, 4, 6] {
        assert_eq!(
            seats(&r, step, "STANDARDPACK"),
            "STANDARDPACK 1/5",
            "step {step}"
        );
    }
    // The group could be deleted once it carried no license.
    assert!(
        r["steps"][4]["effect"]
            .as_str()
            .is_some_and(|e| e.contains("deleted")),
        "{}",
        r["steps"][4]
    );
    insta::assert_snapshot!(name, table);
}

#[test]
fn without_a_proxy_address_conflict_the_same_removal_frees_both_seats() {
    // The control: the same ops on a tenant where nobody shares a proxy address free both seats
    // and report no error (so the test above shows the conflict, not the ops).
    let dir = std::env::temp_dir().join(format!("licplan-proxy-control-{}", std::process::id()));
    let src = crate::common::root().join("testdata/scenarios/remove-group-license-proxy-conflict");
    let tenant = dir.join("tenant");
    std::fs::create_dir_all(&tenant).expect("temp dir");
    for f in std::fs::read_dir(src.join("tenant")).expect("tenant") {
        let f = f.expect("entry").path();
        let name = f.file_name().expect("name").to_owned();
        let text = std::fs::read_to_string(&f).expect("read");
        let text = text.replace(";smtp:sales@contoso.com", "");
        std::fs::write(tenant.join(name), text).expect("write");
    }
    let ops = src.join("ops.yaml");
    let out = licplan(&[
        "simulate",
        tenant.to_str().expect("utf-8"),
        "--ops",
        ops.to_str().expect("utf-8"),
        "--format",
        "json",
    ]);
    let _ = std::fs::remove_dir_all(&dir);
    let r: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(
        r["errors"].as_array().map(Vec::len),
        Some(0),
        "{}",
        r["errors"]
    );
    assert_eq!(seats(&r, 2, "STANDARDPACK"), "STANDARDPACK 0/5");
}
