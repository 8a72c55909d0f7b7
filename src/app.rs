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
}

/// `licplan inspect`.
#[derive(Debug, Clone)]
pub struct InspectRequest {
    /// Tenant folders and/or export files.
    pub tenant: Vec<PathBuf>,
    pub format: Format,
}

/// Why a command failed.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    Input(#[from] InputErrors),
    #[error("cannot write the output: {0}")]
    Output(#[from] std::io::Error),
}

impl AppError {
    pub fn exit_code(&self) -> i32 {
        match self {
            AppError::Input(_) => exit::BAD_INPUT,
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
