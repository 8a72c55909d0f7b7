//! Property test of the bundles: for random tenants and intents (the generators of
//! `prop_plan`), and for the sample tenants with hostile names, every unit's bundle has a
//! manifest that is valid JSON and reads back as itself, whose operations carry each of the
//! unit's actions exactly once (and its undo each rollback action exactly once), whose ids are
//! unique, and whose runners hold no string of the exports (UPNs, display names, ids).

use std::collections::BTreeMap;
use std::path::Path;

use licplan::bundle::build::{build, Bundle};
use licplan::bundle::manifest::Manifest;
use licplan::bundle::unit::Unit;
use licplan::model::Tenant;
use licplan::plan::file::PlanFile;
use licplan::simulate::rules::Rules;
use proptest::prelude::*;

use crate::bundle_replay::units;
use crate::prop_plan::{build as build_tenant, intent_spec, intent_yaml, tenant_spec};

/// Strings of the exports a runner must not hold (those long enough to mean something).
fn export_strings(t: &Tenant) -> Vec<String> {
    let mut v = Vec::new();
    for u in t.users.values() {
        v.push(u.id.to_string());
        v.extend(u.upn.clone());
        v.extend(u.display_name.clone());
    }
    for (id, g) in &t.groups {
        v.push(id.to_string());
        v.extend(g.display_name.clone());
    }
    v.retain(|s| s.trim().len() >= 6);
    v
}

/// Checks every unit's bundle of the plan.
fn check_plan(t: &Tenant, rules: &Rules, plan: &PlanFile) -> Result<usize, String> {
    let strings = export_strings(t);
    let mut ops = 0;
    for (stage, wave) in units(plan) {
        let label = format!("stage {stage} wave {wave:?}");
        let unit = Unit::select(plan, stage, wave).map_err(|e| format!("{label}: {e}"))?;
        let b: Bundle = build(t, rules, &unit).map_err(|e| format!("{label}: {e}"))?;
        let files = b.files();
        let file = |name: &str| {
            files
                .iter()
                .find(|(p, _)| p == name)
                .map(|(_, bytes)| bytes.clone())
                .ok_or_else(|| format!("{label}: no {name}"))
        };
        let m: Manifest = serde_json::from_slice(&file("manifest.json")?)
            .map_err(|e| format!("{label}: the manifest is not valid: {e}"))?;
        if m != b.manifest {
            return Err(format!(
                "{label}: the manifest does not read back as itself"
            ));
        }
        for (list, actions) in [(&m.ops, unit.actions()), (&m.undo, unit.rollback())] {
            let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
            for o in list {
                for a in &o.actions {
                    *seen.entry(a.as_str()).or_default() += 1;
                }
            }
            for (src, op) in actions {
                match seen.remove(src.path.as_str()) {
                    Some(1) => {}
                    n => return Err(format!("{label}: {} ({op}) carried {n:?} times", src.path)),
                }
            }
            if let Some((extra, _)) = seen.into_iter().next() {
                return Err(format!(
                    "{label}: an op carries {extra}, not an action of the unit"
                ));
            }
        }
        let mut ids: Vec<&str> = m.ops.iter().chain(&m.undo).map(|o| o.id.as_str()).collect();
        let n = ids.len();
        ids.sort_unstable();
        ids.dedup();
        if ids.len() != n {
            return Err(format!("{label}: op ids repeat"));
        }
        for o in m.ops.iter().chain(&m.undo) {
            if o.summary.chars().any(char::is_control) {
                return Err(format!(
                    "{label}: {}: a control character in the summary",
                    o.id
                ));
            }
            if let Some(i) = o
                .inverse
                .iter()
                .find(|i| !m.undo.iter().any(|u| &u.id == *i))
            {
                return Err(format!("{label}: {}: inverse {i} is no undo op", o.id));
            }
        }
        for runner in ["apply.ps1", "undo.ps1"] {
            let text = String::from_utf8_lossy(&file(runner)?).to_lowercase();
            if let Some(s) = strings.iter().find(|s| text.contains(&s.to_lowercase())) {
                return Err(format!("{label}: {runner} holds {s:?} from the exports"));
            }
        }
        // The undo is proven when the planner proves the unit's rollback.
        let claimed = plan.doc["rollback"]["parts"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|p| p["stage"] == stage && p["wave"].as_u64() == wave.map(u64::from))
            .and_then(|p| p["proven"].as_bool());
        if claimed == Some(true) && !m.undo_proof.proven {
            return Err(format!(
                "{label}: the planner proves the rollback, the bundle does not: {:?}",
                m.undo_proof.reasons
            ));
        }
        ops += m.ops.len();
    }
    Ok(ops)
}

/// Plans the intent on the tenant and reads the plan back as `licplan plan` writes it.
fn plan_file(t: &Tenant, rules: &Rules, intent_text: &str) -> Result<Option<PlanFile>, String> {
    let path = Path::new("prop.yaml");
    let intent = licplan::plan::intent::parse(intent_text, path, t)
        .map_err(|e| format!("the intent: {e}"))?;
    let mut plan =
        licplan::plan::plan(t, rules, &intent, path).map_err(|e| format!("plan: {e}"))?;
    if !plan.verdict.safe {
        return Ok(None);
    }
    plan.seal(licplan::plan::doc::ExportRef {
        hash: licplan::model::fingerprint::export_hash(t),
        tenant_id: None,
        read: Default::default(),
    });
    let mut json = Vec::new();
    licplan::render::plan(&plan, licplan::render::Format::Json, &mut json)
        .map_err(|e| format!("render: {e}"))?;
    let text = String::from_utf8(json).map_err(|e| format!("not UTF-8: {e}"))?;
    let file = licplan::plan::file::parse(&text, Path::new("plan.json"))
        .map_err(|e| format!("the plan does not read back: {e}"))?;
    file.check_hash().map_err(|e| format!("{e}"))?;
    Ok(Some(file))
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: crate::common::proptest_cases(48),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn every_bundle_carries_each_action_once_and_its_runners_hold_no_tenant_data(
        spec in tenant_spec(),
        ispec in intent_spec(),
    ) {
        let tenant = build_tenant(&spec);
        let text = intent_yaml(&spec, &ispec);
        let rules = Rules::bundled().expect("bundled rules");
        let checked = plan_file(&tenant, &rules, &text)
            .and_then(|p| p.map_or(Ok(0), |p| check_plan(&tenant, &rules, &p)));
        if let Err(e) = checked {
            return Err(TestCaseError::fail(format!("{e}\n\nintent:\n{text}")));
        }
    }
}

#[test]
fn bundles_of_the_hostile_sample_tenants_carry_each_action_once() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let rules = Rules::bundled().expect("bundled rules");
    let mut ops = 0;
    for name in ["hostile", "hostile-render", "hostile-yaml"] {
        let tenant = format!("testdata/{name}");
        let intent = format!("testdata/{name}-intent.yaml");
        let out = dir.path().join(format!("{name}.json"));
        let plan = crate::common::plan_file(&tenant, &intent, &out);
        let loaded = crate::common::load(&[&crate::common::testdata(name)]);
        match check_plan(&loaded.tenant, &rules, &plan) {
            Ok(n) => ops += n,
            Err(e) => panic!("{name}: {e}"),
        }
    }
    assert!(ops >= 30, "only {ops} operations in the hostile bundles");
}
