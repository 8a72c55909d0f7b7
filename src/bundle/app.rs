//! `licplan bundle`: the request the binary makes and the command's run.

use std::io::Write;
use std::path::PathBuf;

use crate::app::AppError;
use crate::ingest::error::{InputError, InputErrors};
use crate::output::{Inputs, Role};
use crate::progress::Progress;

use super::unit::Unit;

/// `licplan bundle`.
#[derive(Debug, Clone)]
pub struct BundleRequest {
    pub tenant: Vec<PathBuf>,
    pub plan: PathBuf,
    pub stage: u32,
    pub wave: Option<u32>,
    pub out: PathBuf,
    pub rules: Option<PathBuf>,
    /// Read exports with missing pages instead of refusing them.
    pub allow_partial: bool,
    /// Also write the direct-license writes as Partner Center requests.
    pub target: super::partner::Target,
}

fn one(e: InputError) -> AppError {
    AppError::Input(InputErrors(vec![e]))
}

/// Writes the bundle of one stage (or wave) of the plan; `UndoNotProven` (exit 3) after
/// writing it when the simulator cannot show its undo gives everyone back what they held.
///
/// # Errors
///
/// Unusable input (exit 2): the tenant, an edited plan, a plan of another export, no such
/// stage or wave; the folder refused or not written (exit 1).
pub fn bundle(
    req: &BundleRequest,
    out: &mut dyn Write,
    progress: &mut dyn Progress,
) -> Result<(), AppError> {
    let inputs = Inputs::new().tenant(&req.tenant).file(Role::Ops, &req.plan);
    let inputs = match &req.rules {
        Some(r) => inputs.file(Role::Rules, r),
        None => inputs,
    };
    super::folder::check(&req.out, &inputs, None)?;
    let loaded = crate::ingest::load_with_progress(&req.tenant, progress)?;
    crate::app::complete_or_allowed(&loaded, req.allow_partial)?;
    let rules = crate::app::load_rules(&req.rules)?;
    let plan = crate::plan::file::read(&req.plan)?;
    plan.check_hash().map_err(one)?;
    plan.check_export(
        &loaded.tenant,
        "plan again on this export, or bundle with the export the plan was made from",
    )
    .map_err(one)?;
    let unit = Unit::select(&plan, req.stage, req.wave).map_err(one)?;
    progress.phase("replaying the plan", 0);
    let bundle = super::build::build(&loaded.tenant, &rules, &unit).map_err(one)?;
    progress.done();
    let mut files = bundle.files;
    if req.target == super::partner::Target::PartnerCenter {
        files.extend(super::partner::files(&bundle.manifest));
    }
    super::folder::write(&req.out, &inputs, &bundle.manifest, &files)?;
    let m = &bundle.manifest;
    writeln!(
        out,
        "{}: {} operation(s), {} undo operation(s), {} file(s); undo {}",
        req.out.display(),
        m.ops.len(),
        m.undo.len(),
        files.len(),
        if m.undo_proof.proven {
            "proven"
        } else {
            "NOT proven"
        }
    )?;
    out.flush()?;
    if m.undo_proof.proven {
        Ok(())
    } else {
        Err(AppError::UndoNotProven(m.undo_proof.reasons.len()))
    }
}
