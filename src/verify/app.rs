//! `licplan verify` as the binary calls it: read, verify, render, choose the exit.

use std::io::Write;
use std::path::PathBuf;

use crate::app::AppError;
use crate::ingest::{self, InputErrors};
use crate::output::{self, Inputs, Role};
use crate::progress::Progress;
use crate::redact::Redactor;
use crate::render::{self, Format};

use super::{Gate, Target};

/// `licplan verify`.
#[derive(Debug, Clone)]
pub struct VerifyRequest {
    /// The fresh export: tenant folders and/or files.
    pub tenant: Vec<PathBuf>,
    /// The plan file (`licplan plan --format json|yaml --output …`).
    pub plan: PathBuf,
    pub target: Target,
    pub rules: Option<PathBuf>,
    pub format: Format,
    pub output: Option<PathBuf>,
    /// `--attachments DIR`: the report's full lists as CSV files.
    pub attachments: Option<PathBuf>,
    pub redact: bool,
    pub allow_partial: bool,
}

/// Verifies the stage against the fresh export and writes the report; the gate's verdict is
/// the result: `NotReady` (3), `NotProven` (4), `Regressed` (5), after the report is written.
pub fn verify(
    req: &VerifyRequest,
    out: &mut dyn Write,
    progress: &mut dyn Progress,
) -> Result<(), AppError> {
    let inputs = {
        let inputs = Inputs::new().tenant(&req.tenant).file(Role::Ops, &req.plan);
        match &req.rules {
            Some(r) => inputs.file(Role::Rules, r),
            None => inputs,
        }
    };
    if let Some(path) = &req.output {
        output::check(path, &inputs)?;
    }
    if let Some(dir) = &req.attachments {
        render::attachments::check(dir, &render::attachments::VERIFY_FILES, &inputs)?;
    }
    // The plan is read beside the tenant; their problems are reported in this order.
    let (plan, loaded) = crate::par::join(
        || crate::plan::file::read(&req.plan),
        || ingest::load_with_progress(&req.tenant, progress),
    );
    let mut plan = plan?;
    plan.check_hash().map_err(|e| InputErrors(vec![e]))?;
    // Of the rollbacks, verify reads only the direct licenses they give back (each mover's
    // starting licenses): the rest are freed before the work.
    plan.retain_rollbacks(super::status::reads_rollback);
    let loaded = loaded?;
    let evidence = crate::app::complete_or_allowed(&loaded, req.allow_partial)?;
    let rules = crate::app::load_rules(&req.rules)?;
    progress.phase("verifying", 0);
    let mut report = super::verify(&loaded.tenant, &evidence, &mut plan, req.target, &rules)
        .map_err(|e| InputErrors(vec![e]))?;
    progress.done();
    report.fresh_export = crate::plan::doc::ExportRead::of(&loaded);
    if req.redact {
        let r = Redactor::new(&loaded.tenant);
        report.map_texts(&|s| r.text(s));
    }
    match &req.output {
        None => {
            render::verify(&report, req.format, out)?;
            out.flush()?;
        }
        Some(path) => output::write(path, &inputs, |w| render::verify(&report, req.format, w))?,
    }
    if let Some(dir) = &req.attachments {
        render::attachments::write_verify(&report, dir, &inputs)?;
    }
    crate::app::drop_in_background((loaded, plan));
    let n = |s: super::Status| report.verdict.counts.get(s.as_str()).copied().unwrap_or(0);
    match report.verdict.status {
        Gate::Ready => Ok(()),
        Gate::NotReady => Err(AppError::Unsafe(
            n(super::Status::Pending)
                + n(super::Status::Blocked)
                + report.verdict.groups_processing,
        )),
        Gate::NotProven => Err(AppError::NotProven(
            report.verdict.unchecked.len() + report.verdict.notes.len(),
        )),
        Gate::Regressed => Err(AppError::Regressed(n(super::Status::Regressed))),
    }
}
