//! Helpers shared by the integration tests.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A path under `testdata/`.
pub fn testdata(rel: &str) -> PathBuf {
    root().join("testdata").join(rel)
}

/// Runs the real binary from the repository root (so paths in its output are relative).
pub fn licplan(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_licplan"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("the licplan binary runs")
}

/// Loads a tenant through the library, failing the test with the errors.
#[track_caller]
pub fn load(paths: &[&Path]) -> licplan::ingest::Loaded {
    let paths: Vec<PathBuf> = paths.iter().map(|p| p.to_path_buf()).collect();
    match licplan::ingest::load(&paths) {
        Ok(l) => l,
        Err(e) => panic!("loading {paths:?} failed:\n{e}"),
    }
}

// Building blocks of the property tests' random tenants.

/// The `i`th test user's id.
pub fn user_id(i: usize) -> licplan::model::UserId {
    licplan::model::UserId::parse(&format!("00000000-0000-4000-8000-{:012}", i + 1))
        .expect("a GUID")
}

/// The `i`th test group's id.
pub fn group_id(i: usize) -> licplan::model::GroupId {
    licplan::model::GroupId::parse(&format!("00000000-0000-4000-9000-{:012}", i + 1))
        .expect("a GUID")
}

/// A product's service plans from the bundled catalog.
pub fn catalog_plans(s: licplan::model::SkuId) -> Vec<licplan::model::ServicePlan> {
    licplan::catalog::Catalog::bundled()
        .sku(s)
        .map(|c| c.service_plans.clone())
        .unwrap_or_default()
}

/// A product of the bundled catalog as the tenant lists it, with these seats (or none known).
pub fn catalog_sku(
    id: licplan::model::SkuId,
    seats: Option<licplan::model::Seats>,
) -> licplan::model::Sku {
    let c = licplan::catalog::Catalog::bundled()
        .sku(id)
        .expect("a catalog product");
    licplan::model::Sku {
        id,
        part_number: Some(c.part_number.clone()),
        display_name: c.display_names.first().cloned(),
        service_plans: c.service_plans.clone(),
        seats,
    }
}

/// A few disabled plans of a product, chosen by index.
pub fn disabled(s: licplan::model::SkuId, picks: &[usize]) -> licplan::model::PlanIds {
    let plans = catalog_plans(s);
    if plans.is_empty() {
        return licplan::model::PlanIds::new();
    }
    picks.iter().map(|i| plans[i % plans.len()].id).collect()
}

/// The finding with `code` in a JSON inspection report.
pub fn finding<'v>(report: &'v serde_json::Value, code: &str) -> Option<&'v serde_json::Value> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["code"] == code)
}

/// The examples of the finding with `code` (none when there is no such finding).
pub fn examples(report: &serde_json::Value, code: &str) -> Vec<String> {
    finding(report, code)
        .map(|f| {
            f["examples"]
                .as_array()
                .expect("examples")
                .iter()
                .filter_map(|e| e.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// A planner scenario: `testdata/scenarios/<name>/` holds `tenant/`, `intent.yaml` (its first
/// comment lines say what it shows, with the Microsoft page it follows) and optionally
/// `rules.yaml`. Runs `licplan plan` in JSON and table form, checks both exit with `code` and
/// leave stderr empty, and returns the plan JSON and the table (for the caller's snapshot).
#[track_caller]
pub fn plan_scenario(name: &str, code: i32) -> (serde_json::Value, String) {
    let dir = format!("testdata/scenarios/{name}");
    let tenant = format!("{dir}/tenant");
    let intent = format!("{dir}/intent.yaml");
    let rules = format!("{dir}/rules.yaml");
    let mut args = vec!["plan", tenant.as_str(), "--intent", intent.as_str()];
    if root().join(&rules).is_file() {
        args.extend(["--rules", rules.as_str()]);
    }
    let mut outputs = json_and_table(name, &args, code);
    let table = outputs.pop().unwrap_or_default();
    let json = serde_json::from_str(&outputs[0]).expect("plan --format json is JSON");
    (json, table)
}

/// Plans `intent` on `tenant` into the JSON file `out` (exit 0 checked, stderr shown when not)
/// and reads the plan back as `bundle` and `verify` read it.
#[track_caller]
pub fn plan_file(tenant: &str, intent: &str, out: &Path) -> licplan::plan::file::PlanFile {
    let o = licplan(&[
        "plan",
        tenant,
        "--intent",
        intent,
        "--format",
        "json",
        "--output",
        out.to_str().expect("a UTF-8 path"),
        "--quiet",
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "plan {tenant} --intent {intent}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    licplan::plan::file::read(out).expect("the plan reads back")
}

/// Cases a property test runs: `PROPTEST_CASES` when set (a longer run by hand), else `default`.
pub fn proptest_cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(default)
}

/// Runs licplan with `args` in `--format json` and `--format table`; checks that both exit with
/// `code` and leave stderr empty; returns both outputs, in that order.
#[track_caller]
pub fn json_and_table(name: &str, args: &[&str], code: i32) -> Vec<String> {
    let mut outputs = Vec::new();
    for format in ["json", "table"] {
        let mut a = args.to_vec();
        a.extend(["--format", format]);
        let out = licplan(&a);
        assert_eq!(
            out.status.code(),
            Some(code),
            "{name} --format {format}: exit code; stderr:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            out.stderr.is_empty(),
            "{name} --format {format}: nothing on stderr, got:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        outputs.push(String::from_utf8(out.stdout).expect("UTF-8 output"));
    }
    outputs
}
