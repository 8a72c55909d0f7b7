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
    // The plan is read beside the tenant; their problems are reported in this order.
    let (plan, loaded) = crate::par::join(
        || crate::plan::file::read(&req.plan),
        || crate::ingest::load_with_progress(&req.tenant, progress),
    );
    let loaded = loaded?;
    crate::app::complete_or_allowed(&loaded, req.allow_partial)?;
    let rules = crate::app::load_rules(&req.rules)?;
    let mut plan = plan?;
    plan.check_hash().map_err(one)?;
    // The later stages' actions and the other units' rollbacks are never read here.
    plan.keep_only_unit(req.stage, req.wave);
    let unit = Unit::select(&plan, req.stage, req.wave);
    progress.phase("replaying the plan", 0);
    // The export's hash (seconds of CPU at a million users) is checked beside the build; a
    // plan of another export is refused with that error before any the build may report.
    let (export, built) = crate::par::join(
        || {
            plan.check_export(
                &loaded.tenant,
                "plan again on this export, or bundle with the export the plan was made from",
            )
        },
        || {
            let unit = unit?;
            super::build::build(&loaded.tenant, &rules, &unit)
        },
    );
    export.map_err(one)?;
    let bundle = built.map_err(one)?;
    progress.done();
    let mut sink = super::folder::Sink::open(&req.out, &inputs, &bundle.manifest)?;
    // The manifest (hundreds of MB at a million users) is written beside the other files.
    let m = &bundle.manifest;
    sink.file_last_beside(
        super::build::MANIFEST,
        |w| super::build::write_manifest(m, w),
        |files| super::build::write_all_but_manifest(m, files),
    )?;
    if req.target == super::partner::Target::PartnerCenter {
        for (rel, bytes) in super::partner::files(&bundle.manifest) {
            sink.file(&rel, |w| w.write_all(&bytes))?;
        }
    }
    let files = sink.finish()?;
    let m = &bundle.manifest;
    writeln!(
        out,
        "{}: {} operation(s), {} undo operation(s), {} file(s); undo {}",
        req.out.display(),
        m.ops.len(),
        m.undo.len(),
        files,
        if m.undo_proof.proven {
            "proven"
        } else {
            "NOT proven"
        }
    )?;
    out.flush()?;
    let proven = m.undo_proof.proven;
    let undo_reasons = m.undo_proof.reasons.len();
    crate::app::drop_in_background((loaded, plan, bundle));
    if proven {
        Ok(())
    } else {
        Err(AppError::UndoNotProven(undo_reasons))
    }
}
