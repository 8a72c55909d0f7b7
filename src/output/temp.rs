//! Temporary files beside their targets: registered while written, removed on error, on unwinding
//! and by [`remove_temp_files_then`] when a signal ends the process.

use super::*;

/// Temporary files being written, removed by [`remove_temp_files_then`] when a signal ends the
/// process. A file is created and registered, and renamed and unregistered, under this lock, so
/// a signal never finds one unregistered nor removes a file that was renamed into place.
pub(super) static TEMPS: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

pub(super) fn temps() -> MutexGuard<'static, Vec<PathBuf>> {
    TEMPS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Removes every temporary file being written, then runs `then` (such as `process::exit`)
/// before any other can be created. For the binary's signal handler.
pub fn remove_temp_files_then<R>(then: impl FnOnce() -> R) -> R {
    let mut temps = temps();
    for p in temps.drain(..) {
        let _ = std::fs::remove_file(p);
    }
    // And what fresh folders in flight have made; both locks are held until `then` ends.
    let _made = super::fresh::remove_all_made();
    then()
}

/// A registered temporary file, removed when dropped unless persisted.
pub(super) struct TempFile {
    pub(super) file: Option<tempfile::NamedTempFile>,
    pub(super) path: PathBuf,
}

impl TempFile {
    pub(super) fn new_in(
        dir: &Path,
        permissions: Option<std::fs::Permissions>,
    ) -> io::Result<TempFile> {
        let mut builder = tempfile::Builder::new();
        builder.prefix(".licplan-").suffix(".tmp");
        if let Some(p) = permissions {
            builder.permissions(p);
        }
        let mut temps = temps();
        let file = builder.tempfile_in(dir)?;
        let path = file.path().to_path_buf();
        temps.push(path.clone());
        Ok(TempFile {
            file: Some(file),
            path,
        })
    }

    pub(super) fn file_mut(&mut self) -> &mut File {
        match &mut self.file {
            Some(f) => f.as_file_mut(),
            // `file` is only taken by `persist` and `drop`, which consume the value.
            None => unreachable!("a temporary file used after it was persisted"),
        }
    }

    /// Syncs and renames the file over `to`.
    pub(super) fn persist(mut self, to: &Path) -> io::Result<()> {
        let file = self.file.take();
        let mut temps = temps();
        temps.retain(|p| p != &self.path);
        let Some(file) = file else {
            return Ok(());
        };
        file.as_file().sync_all()?;
        // On failure the returned file is dropped, which removes it.
        file.persist(to).map(drop).map_err(|e| e.error)
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let mut temps = temps();
        // Dropping a `NamedTempFile` removes it.
        drop(self.file.take());
        temps.retain(|p| p != &self.path);
    }
}
