//! `licplan preflight`: before the change window, what stops a Microsoft partner (CSP, GDAP)
//! from carrying a plan out in a customer's tenant — offline, from exports.
//!
//! - Conditional Access: one [`Verdict`] per policy (`read` the exports, `policy` the typed
//!   fields, `evaluate` the rules in order), each naming the field that decided it, with the
//!   narrowest fix (a PATCH body excluding the partner's service-provider users) for every
//!   policy that reaches the partner.
//! - Roles and scopes: per stage, what its writes need ([`roles`]); with the partner's roles,
//!   the stages they cannot run.
//! - Tokens and seats: 900316 and its fix for Partner Center; 60012 predicted from the plan's
//!   seat forecast.
//!
//! The report's [`Status`] gives the exit code: clear 0, blocked 3, not proven 4.

pub mod codes;
pub mod evaluate;
pub mod fix;
pub mod policy;
pub mod read;
pub mod roles;

use serde::Serialize;

use crate::plan::file::PlanFile;

pub use codes::{PartnerError, Status, Verdict};
pub use evaluate::{Context, PolicyResult, Via};
pub use fix::Fix;
pub use roles::{Role, StageAccess};

/// The report's schema version.
pub const SCHEMA_VERSION: u32 = 1;

/// A policy file read and how many policies it held.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PolicyFile {
    pub file: String,
    pub policies: usize,
}

/// How many policies got a verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerdictCount {
    pub verdict: Verdict,
    pub policies: usize,
}

/// A stage or wave whose seats run short (60012) or have none to spare.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SeatRisk {
    pub stage: u64,
    pub wave: Option<u64>,
    pub sku: String,
    pub enabled: i64,
    pub peak: i64,
    /// `enabled - peak`: below 0 the stage meets 60012 (Partner Center) or CountViolation
    /// (Graph); at 0 any assignment outside the plan does.
    pub spare: i64,
}

/// A partner error the run may meet, and what to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ErrorRow {
    pub code: &'static str,
    pub description: &'static str,
    pub fix: &'static str,
}

/// A check the preflight could not make, and how to make it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unchecked {
    pub check: &'static str,
    pub detail: String,
    pub fix: String,
}

/// The preflight report: one value, every format.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PreflightReport {
    pub schema_version: u32,
    pub plan: String,
    pub plan_hash: Option<String>,
    /// The customer's tenant id (the export's organization).
    pub customer_tenant: Option<String>,
    pub partner_tenant: Option<String>,
    pub via: Via,
    /// The GDAP roles given, `None` without `--roles`.
    pub roles: Option<Vec<&'static str>>,
    pub status: Status,
    /// Why the status is blocked, one line each.
    pub blocked: Vec<String>,
    pub unchecked: Vec<Unchecked>,
    pub policy_files: Vec<PolicyFile>,
    pub skipped_files: Vec<String>,
    pub counts: Vec<VerdictCount>,
    pub policies: Vec<PolicyResult>,
    pub stages: Vec<StageAccess>,
    pub seats: Vec<SeatRisk>,
    /// How to get a token that works for the calls.
    pub token: String,
    pub errors: Vec<ErrorRow>,
}

/// What the preflight is asked.
#[derive(Debug, Clone)]
pub struct Options {
    pub context: Context,
    /// The customer's tenant id, from the export.
    pub customer_tenant: Option<String>,
}

/// Kinds of write that take seats.
const TAKES_SEATS: &[&str] = &[
    "add-members",
    "assign-direct-license",
    "assign-group-license",
    "change-direct-license",
    "change-group-license",
];

/// The plan's seat rows whose stage takes seats and has none to spare (or too few).
fn seats(plan: &PlanFile, stages: &[StageAccess]) -> Option<Vec<SeatRisk>> {
    let rows = plan.doc.get("seats")?.as_array()?;
    let taking: Vec<u64> = stages
        .iter()
        .filter(|s| s.writes.iter().any(|w| TAKES_SEATS.contains(w)))
        .map(|s| u64::from(s.stage))
        .collect();
    let mut out = Vec::new();
    for r in rows {
        let (Some(stage), Some(sku), Some(enabled), Some(peak)) = (
            r.get("stage").and_then(serde_json::Value::as_u64),
            r.get("sku").and_then(serde_json::Value::as_str),
            r.get("enabled").and_then(serde_json::Value::as_i64),
            r.get("peak").and_then(serde_json::Value::as_i64),
        ) else {
            continue;
        };
        let spare = enabled - peak;
        if spare <= 0 && taking.contains(&stage) {
            out.push(SeatRisk {
                stage,
                wave: r.get("wave").and_then(serde_json::Value::as_u64),
                sku: sku.to_owned(),
                enabled,
                peak,
                spare,
            });
        }
    }
    Some(out)
}

/// The preflight of `plan` against the policies read (`None`: no `--conditional-access`).
pub fn preflight(
    plan: &PlanFile,
    policies: Option<&read::Read>,
    opts: &Options,
) -> PreflightReport {
    let cx = &opts.context;
    let results: Vec<PolicyResult> = policies
        .map(|r| {
            r.policies
                .iter()
                .map(|p| evaluate::evaluate(p, cx))
                .collect()
        })
        .unwrap_or_default();
    let stages = roles::stages(plan, cx.roles.as_deref());
    let seat_rows = seats(plan, &stages);
    let mut blocked = Vec::new();
    let mut unchecked = Vec::new();
    for p in &results {
        if p.verdict == Verdict::Blocks {
            blocked.push(format!(
                "{} ({}): blocks the partner ({})",
                p.name, p.file, p.field
            ));
        }
    }
    for s in &stages {
        for m in &s.missing {
            blocked.push(format!(
                "stage {}: {} need{} one of {}",
                s.stage,
                m.ops.join(", "),
                if m.ops.len() == 1 { "s" } else { "" },
                m.roles.join(", ")
            ));
        }
    }
    for s in seat_rows.iter().flatten().filter(|s| s.spare < 0) {
        blocked.push(format!(
            "stage {}{}: {} needs {} seats of {} enabled ({} predicted)",
            s.stage,
            s.wave.map(|w| format!(" wave {w}")).unwrap_or_default(),
            s.sku,
            s.peak,
            s.enabled,
            PartnerError::Pc60012.as_str()
        ));
    }
    match policies {
        None => unchecked.push(Unchecked {
            check: "conditional-access",
            detail: "no Conditional Access policies were given: whether they block the partner is not known".into(),
            fix: "export them (GET https://graph.microsoft.com/v1.0/identity/conditionalAccess/policies, or Get-MgIdentityConditionalAccessPolicy | ConvertTo-Json -Depth 10) and pass --conditional-access FILE|DIR".into(),
        }),
        Some(_) => {
            for p in &results {
                if matches!(p.verdict, Verdict::Unknown | Verdict::Conditional) {
                    unchecked.push(Unchecked {
                        check: "conditional-access",
                        detail: format!("{} ({}): {} at {}: {}", p.name, p.file, p.verdict.as_str(), p.field, p.reason),
                        fix: "check it in the portal's What If with Service provider users and the partner's tenant, or apply the fix given".into(),
                    });
                }
            }
        }
    }
    if cx.roles.is_none() {
        unchecked.push(Unchecked {
            check: "roles",
            detail: "no GDAP roles were given: whether the partner can run every stage is not known".into(),
            fix: "pass --roles with the roles of the partner's GDAP relationship, e.g. --roles 'License Administrator,Groups Administrator'".into(),
        });
    }
    if seat_rows.is_none() {
        unchecked.push(Unchecked {
            check: "seats",
            detail: "the plan has no seat forecast: 60012 cannot be predicted".into(),
            fix: "plan again with the subscribedSkus export in the tenant folder".into(),
        });
    }
    let status = if !blocked.is_empty() {
        Status::Blocked
    } else if !unchecked.is_empty() {
        Status::NotProven
    } else {
        Status::Clear
    };
    let counts = Verdict::ALL
        .iter()
        .map(|v| VerdictCount {
            verdict: *v,
            policies: results.iter().filter(|p| p.verdict == *v).count(),
        })
        .filter(|c| c.policies > 0)
        .collect();
    let token = match cx.via {
        Via::PartnerCenter => format!("Partner Center's licenseupdates take a Partner Access Token of the secure application model (app + user, the refresh token exchanged for the customer's tenant); an app-only partner token gives {} (\"Partner token is not allowed in license management calls\"). The group steps stay on Microsoft Graph under GDAP.", PartnerError::Pc900316.as_str()),
        Via::Gdap => "Sign in to Microsoft Graph in the customer's tenant as the GDAP user (Connect-MgGraph -TenantId <customer tenant> -Scopes …, the scopes each stage lists): a delegated token issued by the customer's tenant, which its Conditional Access policies evaluate.".to_owned(),
    };
    PreflightReport {
        schema_version: SCHEMA_VERSION,
        plan: plan.name.clone(),
        plan_hash: plan.plan_hash.clone(),
        customer_tenant: opts.customer_tenant.clone(),
        partner_tenant: cx.partner.clone(),
        via: cx.via,
        roles: cx
            .roles
            .as_ref()
            .map(|r| r.iter().map(|r| r.name).collect()),
        status,
        blocked,
        unchecked,
        policy_files: policies
            .map(|r| {
                r.files
                    .iter()
                    .map(|(file, n)| PolicyFile {
                        file: file.clone(),
                        policies: *n,
                    })
                    .collect()
            })
            .unwrap_or_default(),
        skipped_files: policies.map(|r| r.skipped.clone()).unwrap_or_default(),
        counts,
        policies: results,
        stages,
        seats: seat_rows.unwrap_or_default(),
        token,
        errors: PartnerError::ALL
            .iter()
            .map(|e| ErrorRow {
                code: e.as_str(),
                description: e.description(),
                fix: e.fix(),
            })
            .collect(),
    }
}
