//! Snapshots of `licplan inspect` on every sample tenant, in every format: the reviewed output.
//! After an intended change, review with `cargo insta review` (see the README).

use crate::common::licplan;

const TENANTS: &[&str] = &[
    "contoso",
    "contoso-powershell",
    "contoso-csv",
    "contoso-admin",
];
const FORMATS: &[&str] = &["table", "json", "yaml", "markdown"];

#[test]
fn inspect_every_sample_tenant_in_every_format() {
    for tenant in TENANTS {
        for format in FORMATS {
            let dir = format!("testdata/{tenant}");
            let out = licplan(&["inspect", &dir, "--format", format]);
            assert!(
                out.status.success(),
                "{tenant} {format}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            assert!(
                out.stderr.is_empty(),
                "{tenant} {format}: nothing on stderr"
            );
            let text = String::from_utf8(out.stdout).expect("UTF-8 output");
            insta::assert_snapshot!(format!("inspect__{tenant}__{format}"), text);
        }
    }
}

#[test]
fn json_output_keeps_its_contract() {
    let out = licplan(&["inspect", "testdata/contoso", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(v["schema_version"], 1);
    assert_eq!(v["users"], 50);
    assert_eq!(v["groups"], 5);
    let skus = v["skus"].as_array().expect("skus array");
    let e1 = skus
        .iter()
        .find(|s| s["sku_part_number"] == "STANDARDPACK")
        .expect("E1");
    for key in [
        "sku_id",
        "enabled",
        "consumed",
        "direct",
        "inherited",
        "direct_and_inherited",
    ] {
        assert!(e1.get(key).is_some(), "skus[].{key}");
    }
    assert_eq!(e1["direct_and_inherited"], 2);
    let findings = v["findings"].as_array().expect("findings array");
    for f in findings {
        for key in ["code", "count", "examples"] {
            assert!(f.get(key).is_some(), "findings[].{key}");
        }
    }
    let codes: Vec<&str> = findings.iter().filter_map(|f| f["code"].as_str()).collect();
    for expected in [
        "duplicate-proxy-address",
        "dynamic-group",
        "error-state",
        "missing-usage-location",
        "nested-group",
        "synced-group",
    ] {
        assert!(codes.contains(&expected), "{expected} in {codes:?}");
    }
}
