//! The bundle's Graph requests replayed on the simulator: read back as ops
//! (`licplan::bundle::graph::ops_of`), the manifest's requests and the batch files' requests
//! of every stage and wave of three plans on contoso, from the simulated start of the unit,
//! end where the plan's own actions end (every user's licenses, plans, paths and memberships);
//! and the undo requests, from there, give every user back what they held at the start.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use licplan::bundle::build::{build, translator_at_start, Bundle};
use licplan::bundle::graph::ops_of;
use licplan::bundle::manifest::Operation;
use licplan::bundle::unit::Unit;
use licplan::model::Tenant;
use licplan::plan::file::PlanFile;
use licplan::simulate::engine::{Replayer, UserView};
use licplan::simulate::ops::{Op, OpSource};
use licplan::simulate::rules::Rules;
use serde_json::Value;

use crate::common::testdata;

/// Plans `intent` on contoso into `dir` and reads the plan back.
pub fn contoso_plan(intent: &str, dir: &Path) -> (PathBuf, PlanFile) {
    let out = dir.join(format!(
        "{}.json",
        Path::new(intent)
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("plan")
    ));
    let plan = crate::common::plan_file("testdata/contoso", intent, &out);
    (out, plan)
}

/// Every unit of a plan: (stage, wave).
pub fn units(plan: &PlanFile) -> Vec<(u32, Option<u32>)> {
    let mut v = Vec::new();
    for s in &plan.stages {
        if s.waves.is_empty() {
            v.push((s.number, None));
        }
        for w in &s.waves {
            v.push((s.number, Some(w.number)));
        }
    }
    v
}

pub const INTENTS: [&str; 3] = [
    "plans/e1-to-e3.yaml",
    "plans/two-moves.yaml",
    "testdata/intents/e1-to-e3-change-first.yaml",
];

fn views(rp: &Replayer<'_>, t: &Tenant) -> Vec<UserView> {
    (0..t.users.len()).map(|u| rp.user_view(u)).collect()
}

fn unique_to_id(plan: &PlanFile) -> BTreeMap<String, String> {
    plan.placeholders
        .iter()
        .map(|p| (p.unique_name.clone(), p.group_id.clone()))
        .collect()
}

/// An op id, its request (method, url, body) and the group it waits for.
type Item = (
    String,
    Option<(String, String, Option<Value>)>,
    Option<String>,
);

/// Replays Graph requests (method, url, body) and waits on `rp`.
fn replay_requests(rp: &mut Replayer<'_>, items: &[Item], placeholders: &BTreeMap<String, String>) {
    for (id, req, wait) in items {
        let src = OpSource { path: id.clone() };
        if let Some((method, url, body)) = req {
            let ops = ops_of(method, url, body.as_ref(), placeholders)
                .unwrap_or_else(|e| panic!("{id}: {e}"));
            assert!(!ops.is_empty(), "{id}: a request that does nothing");
            for op in ops {
                rp.step(&src, &op)
                    .unwrap_or_else(|e| panic!("{id}: {op} does not replay: {e:?}"));
            }
        }
        if let Some(g) = wait {
            let group = match g
                .strip_prefix("{placeholder:")
                .and_then(|s| s.strip_suffix('}'))
            {
                Some(u) => placeholders[u].clone(),
                None => g.clone(),
            };
            rp.step(&src, &Op::WaitForProcessing { group: Some(group) })
                .unwrap_or_else(|e| panic!("{id}: the wait does not replay: {e:?}"));
        }
    }
}

fn manifest_items(ops: &[Operation]) -> Vec<Item> {
    ops.iter()
        .map(|o| {
            (
                o.id.clone(),
                o.request
                    .as_ref()
                    .map(|r| (r.method.clone(), r.url.clone(), r.body.clone())),
                o.wait.as_ref().map(|w| w.group.clone()),
            )
        })
        .collect()
}

fn batch_items(b: &Bundle, dir: &str) -> Vec<Item> {
    let mut out = Vec::new();
    for (path, bytes) in &b.files() {
        if !(path.starts_with(&format!("{dir}/")) && path.ends_with(".json")) {
            continue;
        }
        let v: Value = serde_json::from_slice(bytes).expect("a batch file is JSON");
        let reqs = v["requests"].as_array().expect("a requests array");
        assert!(
            !reqs.is_empty() && reqs.len() <= 20,
            "{path}: {} requests",
            reqs.len()
        );
        for r in reqs {
            if r.get("body").is_some() {
                assert_eq!(
                    r["headers"]["Content-Type"], "application/json",
                    "{path}: a request with a body and no Content-Type"
                );
            }
            out.push((
                r["id"].as_str().expect("an id").to_owned(),
                Some((
                    r["method"].as_str().expect("a method").to_owned(),
                    r["url"].as_str().expect("a url").to_owned(),
                    r.get("body").cloned(),
                )),
                None,
            ));
        }
    }
    out
}

fn differing(a: &[UserView], b: &[UserView], t: &Tenant) -> Vec<String> {
    a.iter()
        .zip(b)
        .enumerate()
        .filter(|(_, (x, y))| x != y)
        .map(|(i, (x, y))| {
            format!(
                "{:?}: expected {x:?}, got {y:?}",
                t.users.values().nth(i).map(|u| u.upn.clone())
            )
        })
        .collect()
}

#[test]
fn the_requests_of_every_bundle_replay_to_the_plans_state_and_the_undo_restores_the_start() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let loaded = crate::common::load(&[&testdata("contoso")]);
    let t = &loaded.tenant;
    let rules = Rules::bundled().expect("bundled rules");
    let mut checked = 0;
    let mut undone = 0;
    for intent in INTENTS {
        let (_, plan) = contoso_plan(intent, dir.path());
        let placeholders = unique_to_id(&plan);
        for (stage, wave) in units(&plan) {
            let unit = Unit::select(&plan, stage, wave).expect("the unit exists");
            let label = format!("{intent} stage {stage} wave {wave:?}");
            let bundle = build(t, &rules, &unit).unwrap_or_else(|e| panic!("{label}: {e}"));
            let m = &bundle.manifest;
            let planned = licplan::bundle::build::as_planned(t, &plan);
            let t = &*planned;
            // What the plan's own actions reach.
            let mut expected = translator_at_start(t, &rules, &unit).expect("replays");
            let mut at_start = translator_at_start(t, &rules, &unit).expect("replays");
            at_start.rp.settle();
            let start = views(&at_start.rp, t);
            expected.replay(unit.actions().iter()).expect("replays");
            expected.rp.settle();
            let end = views(&expected.rp, t);
            for (what, fwd, back) in [
                ("manifest", manifest_items(&m.ops), manifest_items(&m.undo)),
                (
                    "batch files",
                    batch_items(&bundle, "batch"),
                    batch_items(&bundle, "undo-batch"),
                ),
            ] {
                let mut got = translator_at_start(t, &rules, &unit).expect("replays");
                replay_requests(&mut got.rp, &fwd, &placeholders);
                got.rp.settle();
                let d = differing(&end, &views(&got.rp, t), t);
                assert!(
                    d.is_empty(),
                    "{label}, {what}: the requests end elsewhere:\n{d:#?}"
                );
                replay_requests(&mut got.rp, &back, &placeholders);
                got.rp.settle();
                let d = differing(&start, &views(&got.rp, t), t);
                assert!(
                    d.is_empty(),
                    "{label}, {what}: the undo does not restore:\n{d:#?}"
                );
                if !back.is_empty() {
                    undone += 1;
                }
            }
            if !m.ops.is_empty() {
                checked += 1;
            }
            assert!(m.undo_proof.proven, "{label}: {:?}", m.undo_proof.reasons);
        }
    }
    // Every plan has a stage 2 and waves: far more units than this have operations.
    assert!(checked >= 15, "only {checked} units with operations");
    assert!(undone >= 24, "only {undone} undo replays");
}
