//! `licplan preflight`, and the partner's access checks a plan records with `--partner-tenant`.

use std::io::Write;
use std::path::PathBuf;

use super::{drop_in_background, AppError, PartnerRequest};
use crate::ingest::{self, InputErrors};
use crate::output::{self, Inputs, Role};
use crate::progress::Progress;
use crate::render::{self, Format};

/// `licplan preflight`.
#[derive(Debug, Clone)]
pub struct PreflightRequest {
    pub tenant: Vec<PathBuf>,
    /// The plan written by `licplan plan` (its hash and export are checked).
    pub plan: PathBuf,
    pub partner: PartnerRequest,
    pub format: Format,
    /// Written by [`output::write`]; stdout when `None`.
    pub output: Option<PathBuf>,
}

/// Checks what would stop a partner from carrying the plan out in the customer's tenant, and
/// writes the report: `Unsafe` (exit 3) when a policy blocks, a stage needs a role the partner
/// lacks or seats run short; `NotProven` (exit 4) when checks could not be decided.
///
/// # Errors
///
/// Every problem of the input at once (exit 2): the tenant, the plan (edited, or made from
/// another export), the partner tenant id, a role, a policy file.
pub fn preflight(
    req: &PreflightRequest,
    out: &mut dyn Write,
    progress: &mut dyn Progress,
) -> Result<(), AppError> {
    let mut inputs = Inputs::new().tenant(&req.tenant).file(Role::Ops, &req.plan);
    if let Some(ca) = &req.partner.conditional_access {
        inputs = inputs.policies(ca);
    }
    if let Some(path) = &req.output {
        output::check(path, &inputs)?;
    }
    let mut errors = Vec::new();
    let (context, policies) = partner_inputs(&req.partner, &mut errors);
    let plan = match crate::plan::file::read(&req.plan) {
        Ok(p) => match p.check_hash() {
            Ok(()) => Some(p),
            Err(e) => {
                errors.push(e);
                None
            }
        },
        Err(e) => {
            errors.extend(e.0);
            None
        }
    };
    let loaded = match ingest::load_with_progress(&req.tenant, progress) {
        Ok(l) => Some(l),
        Err(e) => {
            errors.extend(e.0);
            None
        }
    };
    if let (Some(plan), Some(loaded)) = (&plan, &loaded) {
        if let Err(e) = plan.check_export(
            &loaded.tenant,
            "give the export the plan was made from, or plan again on this export",
        ) {
            errors.push(e);
        }
    }
    let (Some(plan), Some(loaded), true) = (plan, loaded, errors.is_empty()) else {
        return Err(AppError::Input(InputErrors(errors)));
    };
    let opts = crate::preflight::Options {
        context,
        customer_tenant: loaded.tenant.organization.tenant_id().map(str::to_owned),
    };
    let report = crate::preflight::preflight(&plan, policies.as_ref(), &opts);
    match &req.output {
        None => {
            render::preflight(&report, req.format, out)?;
            out.flush()?;
        }
        Some(path) => output::write(path, &inputs, |w| render::preflight(&report, req.format, w))?,
    }
    drop_in_background(loaded);
    match report.status {
        crate::preflight::Status::Clear => Ok(()),
        crate::preflight::Status::Blocked => Err(AppError::Unsafe(report.blocked.len())),
        crate::preflight::Status::NotProven => Err(AppError::NotProven(report.unchecked.len())),
    }
}

/// The partner's tenant id, roles and policies as given, each problem added to `errors`.
fn partner_inputs(
    req: &PartnerRequest,
    errors: &mut Vec<crate::ingest::error::InputError>,
) -> (
    crate::preflight::Context,
    Option<crate::preflight::read::Read>,
) {
    use crate::ingest::error::{InputError, Location};
    let partner = match req.partner_tenant.as_deref().map(str::trim) {
        None => None,
        Some(t) => match uuid::Uuid::parse_str(t) {
            Ok(u) => Some(u.hyphenated().to_string()),
            Err(_) => {
                errors.push(
                    InputError::new(
                        std::path::Path::new("--partner-tenant"),
                        Location::File,
                        format!("{:?} is not a tenant id (a GUID)", crate::docfile::bounded(t)),
                    )
                    .field("--partner-tenant")
                    .hint("give the partner's Microsoft Entra tenant id, e.g. 0c39d6d5-c70d-4c55-bc02-f620844f3fd1"),
                );
                None
            }
        },
    };
    let roles = match &req.roles {
        None => None,
        Some(r) => match crate::preflight::roles::parse(r) {
            Ok(r) => Some(r),
            Err(e) => {
                errors.push(e);
                None
            }
        },
    };
    let policies = match &req.conditional_access {
        None => None,
        Some(p) => match crate::preflight::read::read(p) {
            Ok(r) => Some(r),
            Err(e) => {
                errors.extend(e.0);
                None
            }
        },
    };
    (
        crate::preflight::Context {
            partner,
            roles,
            via: req.via,
        },
        policies,
    )
}

/// The partner preflight of a sealed plan, for its report ("Partner access").
pub(super) fn partner_access(
    plan: &crate::plan::doc::Plan,
    tenant: &crate::model::Tenant,
    req: &PartnerRequest,
    redact: bool,
) -> Result<crate::preflight::PreflightReport, AppError> {
    let mut errors = Vec::new();
    let (context, policies) = partner_inputs(req, &mut errors);
    if !errors.is_empty() {
        return Err(AppError::Input(InputErrors(errors)));
    }
    // The preflight reads a plan as its file gives it: the document, read back.
    let text =
        serde_json::to_string(plan).map_err(|e| AppError::Output(std::io::Error::other(e)))?;
    let file = crate::plan::file::parse(&text, std::path::Path::new("plan"))?;
    let opts = crate::preflight::Options {
        context,
        customer_tenant: if redact {
            None
        } else {
            tenant.organization.tenant_id().map(str::to_owned)
        },
    };
    Ok(crate::preflight::preflight(&file, policies.as_ref(), &opts))
}
