//! `bundle --target partner-center`: the bundle's direct-license writes (a removal wave, a
//! change-then-migrate product change, their undo) also as Partner Center `licenseupdates`
//! requests, one per user and op, for a CSP partner who assigns licenses through Partner Center.
//!
//! Partner Center has no endpoint for group licensing: group writes (create, members, group
//! licenses) stay on Microsoft Graph under GDAP, run by `apply.ps1`, and the files say so. A
//! request never mixes license groups ("A license assignment request must contain licenses from
//! a single license group"): products of license group 2 (Minecraft: Education Edition) go in a
//! request of their own, and the op is then marked as not atomic.

use serde::Serialize;
use serde_json::{json, Value};

use super::manifest::{Manifest, OpKind, Operation};
use crate::preflight::PartnerError;

/// Where a bundle's writes go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Target {
    /// Microsoft Graph only (`apply.ps1`).
    #[default]
    Graph,
    /// Also the direct-license writes as Partner Center `licenseupdates` requests.
    PartnerCenter,
}

/// The schema of `partner-center/licenseupdates.json`.
pub const SCHEMA: &str = "licplan-partner-center/1";

/// Partner Center's REST base.
const BASE: &str = "https://api.partnercenter.microsoft.com/v1";

/// One request.
#[derive(Debug, Clone, PartialEq, Serialize)]
struct Update {
    /// The manifest op it carries out.
    op: String,
    kind: &'static str,
    user: String,
    /// 1 for Microsoft 365 and Entra ID products, 2 for Minecraft: Education Edition.
    license_group: u8,
    /// False when the op's products span license groups and it takes two requests.
    atomic: bool,
    method: &'static str,
    url: String,
    body: Value,
    /// The Partner Center errors this request may meet.
    errors: Vec<&'static str>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
struct GraphOnly {
    op: String,
    kind: &'static str,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
struct File {
    schema: &'static str,
    plan_hash: String,
    customer_id: String,
    requests: Vec<Update>,
    /// Ops Partner Center cannot make: they stay on Microsoft Graph under GDAP.
    graph_only: Vec<GraphOnly>,
}

/// A product's license group, from the catalog's name (group 2 is Minecraft: Education Edition).
fn license_group(sku: &str) -> u8 {
    let minecraft = crate::model::SkuId::parse(sku)
        .ok()
        .and_then(|id| crate::catalog::Catalog::bundled().sku(id))
        .is_some_and(|s| s.display_name().to_ascii_lowercase().contains("minecraft"));
    if minecraft {
        2
    } else {
        1
    }
}

fn updates(op: &Operation, customer: &str) -> Vec<Update> {
    let Some(body) = op.request.as_ref().and_then(|r| r.body.as_ref()) else {
        return Vec::new();
    };
    let add: Vec<(String, Value)> = body
        .get("addLicenses")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|l| {
            let sku = l.get("skuId")?.as_str()?.to_owned();
            let plans = l.get("disabledPlans").cloned().unwrap_or(Value::Null);
            Some((sku, plans))
        })
        .collect();
    let remove: Vec<String> = body
        .get("removeLicenses")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|s| s.as_str().map(str::to_owned))
        .collect();
    let mut groups: Vec<u8> = add
        .iter()
        .map(|(s, _)| license_group(s))
        .chain(remove.iter().map(|s| license_group(s)))
        .collect();
    groups.sort_unstable();
    groups.dedup();
    let user = &op.target.id;
    groups
        .iter()
        .map(|&g| {
            let assign: Vec<Value> = add
                .iter()
                .filter(|(s, _)| license_group(s) == g)
                .map(|(s, plans)| {
                    let excluded = match plans {
                        Value::Array(a) if !a.is_empty() => plans.clone(),
                        _ => Value::Null,
                    };
                    json!({ "SkuId": s, "ExcludedPlans": excluded })
                })
                .collect();
            let drop: Vec<&String> = remove.iter().filter(|s| license_group(s) == g).collect();
            let mut errors = vec![
                PartnerError::Pc900309.as_str(),
                PartnerError::Pc900316.as_str(),
            ];
            if !assign.is_empty() {
                errors.insert(0, PartnerError::Pc60012.as_str());
            }
            Update {
                op: op.id.clone(),
                kind: op.kind.as_str(),
                user: user.clone(),
                license_group: g,
                atomic: groups.len() == 1,
                method: "POST",
                url: format!("{BASE}/customers/{customer}/users/{user}/licenseupdates"),
                body: json!({
                    "LicensesToAssign": if assign.is_empty() { Value::Null } else { Value::from(assign) },
                    "LicensesToRemove": if drop.is_empty() { Value::Null } else { json!(drop) },
                    "LicenseWarnings": Value::Null,
                    "Attributes": { "ObjectType": "LicenseUpdate" },
                }),
                errors,
            }
        })
        .collect()
}

fn file(m: &Manifest, ops: &[Operation]) -> File {
    let customer = m
        .export
        .tenant_id
        .clone()
        .unwrap_or_else(|| "{customer-id}".to_owned());
    let mut requests = Vec::new();
    let mut graph_only = Vec::new();
    for op in ops {
        match op.kind {
            OpKind::AssignDirectLicense
            | OpKind::ChangeDirectLicense
            | OpKind::RemoveDirectLicense => requests.extend(updates(op, &customer)),
            OpKind::WaitForProcessing => {}
            k => graph_only.push(GraphOnly {
                op: op.id.clone(),
                kind: k.as_str(),
            }),
        }
    }
    File {
        schema: SCHEMA,
        plan_hash: m.plan.hash.clone(),
        customer_id: customer,
        requests,
        graph_only,
    }
}

const README: &str = "# Partner Center requests\n\
\n\
`licenseupdates.json` holds the bundle's direct-license writes as Partner Center requests, one per\n\
user and op: `POST https://api.partnercenter.microsoft.com/v1/customers/{customer-id}/users/{user-id}/licenseupdates`\n\
with a `LicenseUpdate` body (`LicensesToAssign` `{SkuId, ExcludedPlans}`, `LicensesToRemove`,\n\
`Attributes.ObjectType: LicenseUpdate`). `undo-licenseupdates.json` holds the undo the same way.\n\
Each request names the manifest op it carries out (`op`): check its precondition and postcondition\n\
in `manifest.json` as the runners do, and post the requests in order.\n\
\n\
- Group licensing has no Partner Center endpoint: the ops under `graph_only` (groups, members,\n\
  group licenses, usage locations, reprocessing) stay on Microsoft Graph under GDAP and are run by\n\
  `apply.ps1` / `undo.ps1`.\n\
- Partner Center takes App+User credentials only: a Partner Access Token of the secure\n\
  application model. An app-only partner token gives 400 `900316`.\n\
- A customer's Conditional Access policy that reaches service-provider users gives 403 `900309`\n\
  (sign-in `AADSTS53003`): run `licplan preflight` first and apply the exclusions it gives.\n\
- Running out of seats gives 400 `60012`: the plan's seat forecast says which stage takes the last\n\
  seats.\n\
- A request never mixes license groups; an op whose products span groups takes two requests\n\
  (`atomic: false`). Microsoft does not document whether one request that assigns and removes is\n\
  applied atomically: a product change is one request here, and its `verify` gate checks the\n\
  result.\n";

/// The files of the Partner Center target, by path relative to the bundle folder.
pub fn files(m: &Manifest) -> Vec<(String, Vec<u8>)> {
    let bytes = |f: &File| {
        let mut v = serde_json::to_vec_pretty(f).unwrap_or_default();
        v.push(b'\n');
        v
    };
    vec![
        (
            "partner-center/README.md".to_owned(),
            README.as_bytes().to_vec(),
        ),
        (
            "partner-center/licenseupdates.json".to_owned(),
            bytes(&file(m, &m.ops)),
        ),
        (
            "partner-center/undo-licenseupdates.json".to_owned(),
            bytes(&file(m, &m.undo)),
        ),
    ]
}
