//! Progress of long work, reported to whoever shows it.
//!
//! The library never prints: it reports phases and units done through this trait, and the binary
//! draws a progress bar on stderr when stderr is a terminal (and `--quiet` is not given).

/// Receives progress.
pub trait Progress {
    /// A new phase: what it does and how many units it has (0 when unknown).
    fn phase(&mut self, what: &str, total: u64);
    /// Units done since the last call.
    fn advance(&mut self, n: u64);
    /// The phase is over.
    fn done(&mut self);
}

/// Progress that goes nowhere (tests, scripts, non-terminals).
#[derive(Debug, Default, Clone, Copy)]
pub struct Silent;

impl Progress for Silent {
    fn phase(&mut self, _: &str, _: u64) {}
    fn advance(&mut self, _: u64) {}
    fn done(&mut self) {}
}
