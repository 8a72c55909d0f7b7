//! Telling a closed pipe (`licplan … | head`) from a real write error.

use super::*;

/// A writer that remembers whether a write failed because the reader went away (a closed pipe),
/// however the error was wrapped on its way up.
#[derive(Debug)]
pub struct PipeWatch<W> {
    pub(super) inner: W,
    pub(super) broken: bool,
}

impl<W: Write> PipeWatch<W> {
    pub fn new(inner: W) -> Self {
        PipeWatch {
            inner,
            broken: false,
        }
    }

    /// Whether a write or flush met a closed pipe.
    pub fn broken(&self) -> bool {
        self.broken
    }

    pub(super) fn note<T>(&mut self, r: io::Result<T>) -> io::Result<T> {
        if let Err(e) = &r {
            self.broken |= e.kind() == io::ErrorKind::BrokenPipe;
        }
        r
    }
}

impl<W: Write> Write for PipeWatch<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let r = self.inner.write(buf);
        self.note(r)
    }
    fn flush(&mut self) -> io::Result<()> {
        let r = self.inner.flush();
        self.note(r)
    }
}

/// Whether an error was caused by a closed pipe: its chain of sources is searched for an io
/// error of kind `BrokenPipe`, also inside io errors that wrap another error and inside
/// serde_json's errors (whose `source` skips the io error they hold).
pub fn is_broken_pipe(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut next = Some(e);
    let mut depth = 0;
    while let Some(err) = next {
        if let Some(io) = err.downcast_ref::<io::Error>() {
            if io.kind() == io::ErrorKind::BrokenPipe {
                return true;
            }
            if let Some(inner) = io.get_ref() {
                if is_broken_pipe(inner) {
                    return true;
                }
            }
        }
        if let Some(j) = err.downcast_ref::<serde_json::Error>() {
            if j.io_error_kind() == Some(io::ErrorKind::BrokenPipe) {
                return true;
            }
        }
        depth += 1;
        if depth > 64 {
            return false;
        }
        next = err.source();
    }
    false
}
