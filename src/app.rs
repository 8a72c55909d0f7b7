//! Entry points the binary calls: validated requests in, rendered output out.
//!
//! The binary turns command-line arguments into these requests; the library never sees clap.

use std::io::Write;
use std::path::PathBuf;

use crate::ingest::{self, InputErrors};
use crate::inspect;
use crate::render::{self, Format};

/// Process exit codes, part of the command-line contract.
pub mod exit {
    /// Success.
    pub const OK: i32 = 0;
    /// Writing the output failed, or another error outside the input.
    pub const FAILURE: i32 = 1;
    /// The input (exports, arguments) is unusable.
    pub const BAD_INPUT: i32 = 2;
    /// The simulation found a loss or a seat shortage.
    pub const VIOLATION: i32 = 3;
}

/// `licplan inspect`.
#[derive(Debug, Clone)]
pub struct InspectRequest {
    /// Tenant folders and/or export files.
    pub tenant: Vec<PathBuf>,
    pub format: Format,
}

/// `licplan simulate`.
#[derive(Debug, Clone)]
pub struct SimulateRequest {
    pub tenant: Vec<PathBuf>,
    /// An ops file or a plan file.
    pub ops: PathBuf,
    pub rules: Option<PathBuf>,
    pub format: Format,
}

/// Why a command failed.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    Input(#[from] InputErrors),
    /// The work was done and written, and found the plan unsafe.
    #[error("the simulation found {0} violation(s)")]
    Unsafe(usize),
    #[error("cannot write the output: {0}")]
    Output(#[from] std::io::Error),
}

impl AppError {
    pub fn exit_code(&self) -> i32 {
        match self {
            AppError::Input(_) => exit::BAD_INPUT,
            AppError::Unsafe(_) => exit::VIOLATION,
            AppError::Output(_) => exit::FAILURE,
        }
    }
}

/// Reads the tenant and writes its inspection.
pub fn inspect(req: &InspectRequest, out: &mut dyn Write) -> Result<(), AppError> {
    let loaded = ingest::load(&req.tenant)?;
    let report = inspect::inspect(&loaded);
    render::inspection(&report, req.format, out)?;
    out.flush()?;
    Ok(())
}

/// Replays ops (or a plan) on the tenant and writes the step report; `Unsafe` when it found a
/// violation (the report is written first).
pub fn simulate(req: &SimulateRequest, out: &mut dyn Write) -> Result<(), AppError> {
    let loaded = ingest::load(&req.tenant)?;
    let rules = match &req.rules {
        Some(p) => crate::simulate::rules::Rules::with_file(p),
        None => crate::simulate::rules::Rules::bundled(),
    }
    .map_err(|e| InputErrors(vec![e]))?;
    let ops = crate::simulate::ops::read(&req.ops).map_err(|e| InputErrors(vec![e]))?;
    let report = crate::simulate::simulate(&loaded.tenant, &rules, &ops, &req.ops)
        .map_err(|e| InputErrors(vec![e]))?;
    render::simulation(&report, req.format, out)?;
    out.flush()?;
    if report.safe {
        Ok(())
    } else {
        Err(AppError::Unsafe(report.violations.len()))
    }
}
