//! Entry points the binary calls: validated requests in, rendered output out.
//!
//! The binary turns command-line arguments into these requests; the library never sees clap.

use std::io::Write;
use std::path::PathBuf;

use crate::ingest::evidence::Evidence;
use crate::ingest::{self, InputErrors};
use crate::inspect;
use crate::output::{self, Inputs, Role};
use crate::progress::Progress;
use crate::redact::{Redact, Redactor};
use crate::render::{self, Format};

mod preflight;
use preflight::partner_access;
pub use preflight::{preflight, PreflightRequest};

/// Process exit codes, part of the command-line contract.
pub mod exit {
    /// Success.
    pub const OK: i32 = 0;
    /// The output was not written: writing it failed, or it was refused (it is, links to or
    /// lies inside an input; it is a folder or a read-only file), or another error outside the
    /// input.
    pub const FAILURE: i32 = 1;
    /// The input (exports, arguments) is unusable.
    pub const BAD_INPUT: i32 = 2;
    /// The simulation found a loss or a seat shortage.
    pub const VIOLATION: i32 = 3;
    /// No loss found, but named checks could not run on the evidence read (NOT PROVEN).
    pub const NOT_PROVEN: i32 = 4;
    /// `verify`: a license or service the plan promised to keep is gone.
    pub const REGRESSED: i32 = 5;
}

pub use crate::verify::app::{verify, VerifyRequest};

/// `licplan inspect`.
#[derive(Debug, Clone)]
pub struct InspectRequest {
    /// Tenant folders and/or export files.
    pub tenant: Vec<PathBuf>,
    pub format: Format,
    /// Replace UPNs, names and ids with stable pseudonyms.
    pub redact: bool,
    /// Read exports with missing pages (a NOT PROVEN verdict) instead of refusing them.
    pub allow_partial: bool,
}

/// `licplan simulate`.
#[derive(Debug, Clone)]
pub struct SimulateRequest {
    pub tenant: Vec<PathBuf>,
    /// An ops file or a plan file.
    pub ops: PathBuf,
    pub rules: Option<PathBuf>,
    pub format: Format,
    pub redact: bool,
    /// Read exports with missing pages (a NOT PROVEN verdict) instead of refusing them.
    pub allow_partial: bool,
}

/// `licplan plan`.
#[derive(Debug, Clone)]
pub struct PlanRequest {
    pub tenant: Vec<PathBuf>,
    pub intent: PathBuf,
    pub rules: Option<PathBuf>,
    pub format: Format,
    /// Written by [`output::write`] (never over an input; atomically through a temporary file
    /// beside it, or directly when it is a FIFO or a device); stdout when `None`.
    pub output: Option<PathBuf>,
    /// `--attachments DIR`: the report's full lists as CSV files.
    pub attachments: Option<PathBuf>,
    /// `--prices FILE`: monthly prices per product, for the report's cost.
    pub prices: Option<PathBuf>,
    pub redact: bool,
    /// Read exports with missing pages (a NOT PROVEN verdict) instead of refusing them.
    pub allow_partial: bool,
    /// Re-plan from this stage on [`PlanRequest::fresh`] (`--from-stage N --fresh FRESH`).
    pub from_stage: Option<u32>,
    /// The fresh export, taken after the stages before `from_stage` ran.
    pub fresh: Vec<PathBuf>,
    /// The partner preflight of the plan, in its report, when any of it is given.
    pub partner: PartnerRequest,
}

/// What a partner preflight reads beside the plan (`preflight`, and `plan`'s "Partner access").
#[derive(Debug, Clone)]
pub struct PartnerRequest {
    /// A policy file or a folder of them.
    pub conditional_access: Option<PathBuf>,
    /// The partner's tenant id as given.
    pub partner_tenant: Option<String>,
    /// The GDAP roles as given (`None` without `--roles`).
    pub roles: Option<Vec<String>>,
    pub via: crate::preflight::Via,
}

impl PartnerRequest {
    /// Whether a preflight is asked for.
    pub fn asked(&self) -> bool {
        self.conditional_access.is_some() || self.partner_tenant.is_some() || self.roles.is_some()
    }
}

/// `licplan generate`.
#[derive(Debug, Clone)]
pub struct GenerateRequest {
    pub options: crate::generate::GenerateOptions,
    pub out: PathBuf,
}

/// Why a command failed.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    Input(#[from] InputErrors),
    /// The work was done and written, and found the plan unsafe.
    #[error("the simulation found {0} violation(s)")]
    Unsafe(usize),
    /// The work was done and written; no loss was found, but checks could not run.
    #[error("not proven: {0} check(s) could not run on the evidence read")]
    NotProven(usize),
    /// `bundle` wrote the bundle, but its undo is not proven.
    #[error("the bundle's undo is not proven: {0} reason(s), see its manifest and README")]
    UndoNotProven(usize),
    /// The verify report was written; users lost what the plan promised to keep.
    #[error("{0} user(s) regressed: stop the migration (the report says what each lost)")]
    Regressed(usize),
    #[error("cannot write the output: {0}")]
    Output(#[from] std::io::Error),
    /// An output file was refused (it is an input, a folder, read-only…) or could not be
    /// written; nothing was written.
    #[error(transparent)]
    OutputFile(#[from] output::OutputError),
    /// `generate` could not write its folder.
    #[error("cannot write {path}: {source}")]
    Folder {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl AppError {
    pub fn exit_code(&self) -> i32 {
        match self {
            AppError::Input(_) => exit::BAD_INPUT,
            AppError::Unsafe(_) => exit::VIOLATION,
            AppError::NotProven(_) => exit::NOT_PROVEN,
            AppError::UndoNotProven(_) => exit::VIOLATION,
            AppError::Regressed(_) => exit::REGRESSED,
            AppError::Output(_) | AppError::OutputFile(_) | AppError::Folder { .. } => {
                exit::FAILURE
            }
        }
    }

    /// Whether the command failed only because its reader went away (`licplan … | head`):
    /// the io error is looked for through every wrapper, as ripgrep does.
    pub fn is_broken_pipe(&self) -> bool {
        match self {
            AppError::Output(e) | AppError::Folder { source: e, .. } => output::is_broken_pipe(e),
            AppError::OutputFile(e) => e.io_error().is_some_and(|e| output::is_broken_pipe(e)),
            AppError::Input(_)
            | AppError::Unsafe(_)
            | AppError::NotProven(_)
            | AppError::UndoNotProven(_)
            | AppError::Regressed(_) => false,
        }
    }
}

/// Reads the tenant and writes its inspection.
pub fn inspect(
    req: &InspectRequest,
    out: &mut dyn Write,
    progress: &mut dyn Progress,
) -> Result<(), AppError> {
    let loaded = ingest::load_with_progress(&req.tenant, progress)?;
    complete_or_allowed(&loaded, req.allow_partial)?;
    let mut report = inspect::inspect(&loaded);
    if req.redact {
        report.redact(&Redactor::new(&loaded.tenant));
    }
    render::inspection(&report, req.format, out)?;
    out.flush()?;
    drop_in_background(loaded);
    Ok(())
}

/// Frees a loaded tenant (or anything as large) on another thread: a million users are
/// millions of allocations, and the command's answer is written already. When the process
/// exits first, the operating system takes the memory back in one go.
pub(crate) fn drop_in_background(loaded: impl Send + 'static) {
    let _ = std::thread::Builder::new()
        .name("drop-tenant".into())
        .spawn(move || drop(loaded));
}

/// The evidence of the loaded exports; a missing page is an error naming the file unless
/// `allow_partial`, which leaves it to the verdict (NOT PROVEN).
pub(crate) fn complete_or_allowed(
    loaded: &ingest::Loaded,
    allow_partial: bool,
) -> Result<Evidence, AppError> {
    let evidence = Evidence::of(loaded);
    if !allow_partial && !evidence.gaps().is_empty() {
        let errors = evidence
            .gaps()
            .iter()
            .map(|g| {
                ingest::InputError::new(std::path::Path::new(&g.file), ingest::Location::File, g.message())
                    .hint("export again following every @odata.nextLink and save every page (PowerShell: -All); or pass --allow-partial to plan on what was read, with a NOT PROVEN verdict")
            })
            .collect();
        return Err(AppError::Input(InputErrors(errors)));
    }
    Ok(evidence)
}

/// The exit of a verdict: UNSAFE is 3, NOT PROVEN 4.
fn verdict_result(
    status: crate::simulate::report::VerdictStatus,
    violations: usize,
    unchecked: usize,
) -> Result<(), AppError> {
    use crate::simulate::report::VerdictStatus as V;
    match status {
        V::Safe => Ok(()),
        V::Unsafe => Err(AppError::Unsafe(violations)),
        V::NotProven => Err(AppError::NotProven(unchecked)),
    }
}

/// Replays ops (or a plan) on the tenant and writes the step report; `Unsafe` when it found a
/// violation (the report is written first).
pub fn simulate(
    req: &SimulateRequest,
    out: &mut dyn Write,
    progress: &mut dyn Progress,
) -> Result<(), AppError> {
    // The ops file is read after the tenant, not beside it: a million-user plan's 260 MB of
    // text and the tenant's read buffers together set the run's peak (BENCHMARKS.md).
    let (loaded, ops) = {
        let loaded = ingest::load_with_progress(&req.tenant, progress);
        let ops = crate::simulate::ops::read(&req.ops);
        (loaded, ops)
    };
    let loaded = loaded?;
    let evidence = complete_or_allowed(&loaded, req.allow_partial)?;
    let rules = load_rules(&req.rules)?;
    let ops = ops?;
    let touched = crate::simulate::needs::touched(&loaded.tenant, &ops);
    progress.phase("simulating", ops.ops.len() as u64);
    // The ops are handed over: each is dropped as it is replayed.
    let mut report = crate::simulate::engine::simulate_owned(
        &loaded.tenant,
        &rules,
        ops,
        &req.ops,
        true,
        &mut |_, _| progress.advance(1),
    )?;
    progress.done();
    report.add_unchecked(evidence.unchecked(&loaded.tenant, &touched));
    if req.redact {
        report.redact(&Redactor::new(&loaded.tenant));
    }
    render::simulation(&report, req.format, out)?;
    out.flush()?;
    drop_in_background(loaded);
    verdict_result(
        report.verdict.status,
        report.violations.len(),
        report.verdict.unchecked.len(),
    )
}

pub(crate) fn load_rules(
    path: &Option<PathBuf>,
) -> Result<crate::simulate::rules::Rules, AppError> {
    match path {
        Some(p) => crate::simulate::rules::Rules::with_file(p),
        None => crate::simulate::rules::Rules::bundled(),
    }
    .map_err(AppError::Input)
}

/// Plans the intent, writes the plan (to `--output` atomically, or to `out`), and reports
/// `Unsafe` when the simulator still finds a loss (a planner bug: the plan is written so it can
/// be inspected).
pub fn plan(
    req: &PlanRequest,
    out: &mut dyn Write,
    progress: &mut dyn Progress,
) -> Result<(), AppError> {
    // The output is checked before the work, then again (with the intent's users lists) when
    // it is written.
    let inputs = {
        let mut inputs = Inputs::new()
            .tenant(&req.tenant)
            .tenant(&req.fresh)
            .file(Role::Intent, &req.intent);
        if let Some(ca) = &req.partner.conditional_access {
            inputs = inputs.policies(ca);
        }
        let inputs = match &req.rules {
            Some(r) => inputs.file(Role::Rules, r),
            None => inputs,
        };
        match &req.prices {
            Some(p) => inputs.file(Role::Prices, p),
            None => inputs,
        }
    };
    if let Some(path) = &req.output {
        output::check(path, &inputs)?;
    }
    let prices = req
        .prices
        .as_deref()
        .map(render::prices::Prices::read)
        .transpose()?;
    let loaded = ingest::load_with_progress(&req.tenant, progress)?;
    let evidence = complete_or_allowed(&loaded, req.allow_partial)?;
    let rules = load_rules(&req.rules)?;
    let intent = crate::plan::intent::read(&req.intent, &loaded.tenant)?;
    let inputs = inputs.files(Role::UsersList, &intent.users_files(&req.intent));
    if let Some(path) = &req.output {
        output::check(path, &inputs)?;
    }
    if let Some(dir) = &req.attachments {
        render::attachments::check(dir, &render::attachments::FILES, &inputs)?;
    }
    progress.phase("planning and simulating", 0);
    let (export, mut plan) = plan_and_hash(&loaded, &rules, &intent, &req.intent)?;
    progress.done();
    // The plan of the fresh export, re-planned from a stage, stands in for the first one.
    let (plan, loaded) = match req.from_stage {
        None if !req.redact => {
            // Nothing to redact: the stages are hashed while the unchecked evidence is found.
            let unchecked =
                plan.seal_beside(export, |p| unchecked(p, &loaded.tenant, &intent, &evidence));
            plan.verdict.add_unchecked(unchecked);
            (plan, loaded)
        }
        None => {
            add_unchecked(&mut plan, &loaded.tenant, &intent, &evidence);
            let redactor = Redactor::new(&loaded.tenant);
            finish(&mut plan, export, Some(&redactor));
            (plan, loaded)
        }
        Some(from) => {
            // The plan re-planned is the one whose bundles ran: sealed as `plan` seals it.
            finish(&mut plan, export, None);
            let fresh = ingest::load_with_progress(&req.fresh, progress)?;
            let fresh_evidence = complete_or_allowed(&fresh, req.allow_partial)?;
            progress.phase("re-planning on the fresh export", 0);
            let fresh_path = req.fresh.first().cloned().unwrap_or_default();
            let mut replanned = crate::plan::replan::replan(
                &plan,
                &loaded.tenant,
                &fresh.tenant,
                &rules,
                &intent,
                (&req.intent, &fresh_path),
                from,
            )
            .map_err(|e| InputErrors(vec![e]))?;
            progress.done();
            add_unchecked(&mut replanned, &fresh.tenant, &intent, &fresh_evidence);
            let export = crate::plan::doc::ExportRef::of(&fresh);
            // Users gone since the plan are named too: the redactor knows both exports.
            let redactor = req.redact.then(|| {
                let mut both = fresh.tenant.clone();
                for (id, u) in loaded.tenant.users.iter() {
                    if !both.users.contains_key(id) {
                        both.users.insert(*id, u.clone());
                    }
                }
                for (id, g) in &loaded.tenant.groups {
                    both.groups.entry(*id).or_insert_with(|| g.clone());
                }
                Redactor::new(&both)
            });
            finish(&mut replanned, export, redactor.as_ref());
            drop_in_background(loaded);
            (replanned, fresh)
        }
    };
    let prices = prices.as_ref();
    let mut plan = plan;
    if req.partner.asked() {
        plan.partner_access = Some(partner_access(
            &plan,
            &loaded.tenant,
            &req.partner,
            req.redact,
        )?);
    }
    match &req.output {
        None => {
            render::plan_with(&plan, req.format, prices, out)?;
            out.flush()?;
        }
        Some(path) => output::write(path, &inputs, |w| {
            render::plan_with(&plan, req.format, prices, w)
        })?,
    }
    if let Some(dir) = &req.attachments {
        render::attachments::write(&plan, dir, &inputs)?;
    }
    drop_in_background(loaded);
    verdict_result(
        plan.verdict.status,
        plan.verdict.violations.len(),
        plan.verdict.unchecked.len(),
    )
}

/// The plan, with the export's hash computed beside the planning.
fn plan_and_hash(
    loaded: &crate::ingest::Loaded,
    rules: &crate::simulate::rules::Rules,
    intent: &crate::plan::intent::Intent,
    intent_path: &std::path::Path,
) -> Result<(crate::plan::doc::ExportRef, crate::plan::doc::Plan), AppError> {
    let (export, plan) = crate::par::join(
        || crate::plan::doc::ExportRef::of(loaded),
        || crate::plan::plan(&loaded.tenant, rules, intent, intent_path),
    );
    Ok((export, plan.map_err(|e| InputErrors(vec![e]))?))
}

/// The checks the plan relies on that the exports could not support.
fn add_unchecked(
    plan: &mut crate::plan::doc::Plan,
    tenant: &crate::model::Tenant,
    intent: &crate::plan::intent::Intent,
    evidence: &crate::ingest::evidence::Evidence,
) {
    let found = unchecked(plan, tenant, intent, evidence);
    plan.verdict.add_unchecked(found);
}

/// What the plan relies on that the exports do not prove ([`add_unchecked`]).
fn unchecked(
    plan: &crate::plan::doc::Plan,
    tenant: &crate::model::Tenant,
    intent: &crate::plan::intent::Intent,
    evidence: &crate::ingest::evidence::Evidence,
) -> Vec<crate::simulate::report::Unchecked> {
    // The intent's default usage location stands in for the organization's.
    let mut t = std::borrow::Cow::Borrowed(tenant);
    if intent.default_usage_location.is_some() {
        t.to_mut().default_usage_location = intent.default_usage_location;
    }
    let mut touched = crate::plan::touched(&t, intent);
    touched.receiving = crate::plan::moving_users(plan);
    evidence.unchecked(&t, &touched)
}

/// Redacts (the tenant id too: it names the customer) and seals the plan.
fn finish(
    plan: &mut crate::plan::doc::Plan,
    mut export: crate::plan::doc::ExportRef,
    redactor: Option<&Redactor>,
) {
    if let Some(r) = redactor {
        plan.redact(r);
        export.tenant_id = None;
        crate::redact::redact_paths(r, &mut export.read);
    }
    plan.seal(export);
}

/// Writes a synthetic tenant and a one-line summary of it.
pub fn generate(
    req: &GenerateRequest,
    out: &mut dyn Write,
    progress: &mut dyn Progress,
) -> Result<(), AppError> {
    progress.phase("generating users", req.options.users);
    let mut last = 0;
    let summary = crate::generate::generate_with_progress(&req.options, &req.out, &mut |n| {
        progress.advance(n.saturating_sub(last));
        last = n;
    })
    .map_err(|source| AppError::Folder {
        path: req.out.clone(),
        source,
    })?;
    progress.done();
    let skus: Vec<String> = summary
        .skus
        .iter()
        .map(|(p, enabled, consumed)| format!("{p} {consumed}/{enabled}"))
        .collect();
    writeln!(
        out,
        "{}: {} users, {} groups, {} files ({}); seats {}",
        req.out.display(),
        summary.users,
        summary.groups,
        summary.files.len(),
        req.options.format.as_str(),
        skus.join(", ")
    )?;
    out.flush()?;
    Ok(())
}
