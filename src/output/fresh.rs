//! A folder licplan fills with files of its own, written directly (`bundle --out` naming a new
//! or empty folder): thousands of small files each through a temporary file, its own `fsync`
//! and a rename took most of a large bundle's time.
//!
//! Nothing there is licplan's to replace, so each file is created with `create_new` (`O_EXCL`:
//! it fails on anything already at the path, a link included, and never follows one) and the
//! whole folder is synced once at the end ([`FreshFolder::finish`]). Until then every file and
//! folder licplan made is registered: an error (or unwinding) removes them when the
//! [`FreshFolder`] is dropped, and a signal through [`super::remove_temp_files_then`]; nothing
//! licplan did not make is removed (a folder only when it made it and it is empty).

use super::*;

/// Files and folders being made in fresh folders: removed (files first, then folders, newest
/// first) when a signal ends the process. Each is made and registered under this lock.
static MADE: Mutex<Vec<Made>> = Mutex::new(Vec::new());

#[derive(Debug, Default)]
pub(super) struct Made {
    /// The [`FreshFolder`]'s own number, to unregister it.
    id: u64,
    files: Vec<PathBuf>,
    folders: Vec<PathBuf>,
}

impl Made {
    fn remove(&mut self) {
        for f in self.files.drain(..).rev() {
            let _ = std::fs::remove_file(f);
        }
        // `remove_dir` removes only an empty folder: never what someone else put there.
        for d in self.folders.drain(..).rev() {
            let _ = std::fs::remove_dir(d);
        }
    }
}

fn made() -> MutexGuard<'static, Vec<Made>> {
    MADE.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Removes what every fresh folder in flight has made (for the signal handler, under the lock,
/// so nothing is made after it).
pub(super) fn remove_all_made() -> MutexGuard<'static, Vec<Made>> {
    let mut all = made();
    all.iter_mut().for_each(Made::remove);
    all.clear();
    all
}

/// Whether anything under `dir` is registered (for tests).
#[cfg(test)]
pub(super) fn registered(dir: &Path) -> bool {
    made()
        .iter()
        .any(|m| m.files.iter().chain(&m.folders).any(|p| p.starts_with(dir)))
}

/// A new or empty folder being filled; see the module documentation.
#[derive(Debug)]
pub struct FreshFolder {
    root: PathBuf,
    id: u64,
    finished: bool,
}

impl FreshFolder {
    /// Starts filling `root`, after [`check`] of `root/probe` as an output: created when it
    /// does not exist, else it must be a real, empty folder.
    ///
    /// # Errors
    ///
    /// `root` collides with an input, is a link, a file or a folder that is not empty, or
    /// cannot be created.
    pub fn create(root: &Path, inputs: &Inputs, probe: &str) -> Result<FreshFolder, OutputError> {
        check(&root.join(probe), inputs).or_else(|e| match e {
            OutputError::NoFolder { .. } => Ok(()),
            e => Err(e),
        })?;
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let id = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let fail = |e| OutputError::io(root, e);
        let mut all = made();
        let mut entry = Made {
            id,
            ..Made::default()
        };
        match std::fs::create_dir(root) {
            Ok(()) => entry.folders.push(root.to_path_buf()),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                let md = std::fs::symlink_metadata(root).map_err(fail)?;
                let empty = md.file_type().is_dir()
                    && std::fs::read_dir(root).map_err(fail)?.next().is_none();
                if !empty {
                    return Err(fail(io::Error::other(
                        "it is not a new or empty folder (nothing was written)",
                    )));
                }
            }
            Err(e) => return Err(fail(e)),
        }
        all.push(entry);
        Ok(FreshFolder {
            root: root.to_path_buf(),
            id,
            finished: false,
        })
    }

    fn register(&self, f: impl FnOnce(&mut Made)) {
        if let Some(m) = made().iter_mut().find(|m| m.id == self.id) {
            f(m);
        }
    }

    /// Creates the folder `rel` inside (one level: `batch`).
    ///
    /// # Errors
    ///
    /// Anything is at the path already, or it cannot be created.
    pub fn folder(&self, rel: &str) -> Result<(), OutputError> {
        let path = self.root.join(rel);
        let mut all = made();
        std::fs::create_dir(&path).map_err(|e| OutputError::io(&path, e))?;
        if let Some(m) = all.iter_mut().find(|m| m.id == self.id) {
            m.folders.push(path);
        }
        Ok(())
    }

    /// Creates the file `rel` (in the folder or one made by [`FreshFolder::folder`]) and writes
    /// it through a buffered writer.
    ///
    /// # Errors
    ///
    /// Anything is at the path already (a link too), or the file cannot be written.
    pub fn file(
        &self,
        rel: &str,
        write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
    ) -> Result<(), OutputError> {
        let path = self.root.join(rel);
        let fail = |e| OutputError::io(&path, e);
        let mut open = OpenOptions::new();
        open.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            open.mode(0o644);
        }
        let file = {
            let mut all = made();
            let file = open.open(&path).map_err(fail)?;
            if let Some(m) = all.iter_mut().find(|m| m.id == self.id) {
                m.files.push(path.clone());
            }
            file
        };
        let mut w = BufWriter::with_capacity(1 << 16, file);
        write(&mut w).map_err(fail)?;
        w.flush().map_err(fail)
    }

    /// Gives the file `from` (written by [`FreshFolder::file`]) its name `to`: linked under the
    /// new name, which must not exist (a link made fails on anything at the path, a link
    /// included), then the old name removed (renamed where the file system has no links). A file written under a name of its own while others
    /// are written, and published once they are, appears whole and last.
    ///
    /// # Errors
    ///
    /// Anything is at `to` already, or the link cannot be made.
    pub fn publish(&self, from: &str, to: &str) -> Result<(), OutputError> {
        let (from, to) = (self.root.join(from), self.root.join(to));
        let mut all = made();
        match std::fs::hard_link(&from, &to) {
            Ok(()) => {
                if let Some(m) = all.iter_mut().find(|m| m.id == self.id) {
                    m.files.push(to.clone());
                }
                std::fs::remove_file(&from).map_err(|e| OutputError::io(&from, e))?;
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                return Err(OutputError::io(&to, e));
            }
            // A file system without links (FAT, some network shares): renamed when nothing is
            // at the name.
            Err(_) => {
                if std::fs::symlink_metadata(&to).is_ok() {
                    return Err(OutputError::io(
                        &to,
                        io::Error::from(io::ErrorKind::AlreadyExists),
                    ));
                }
                std::fs::rename(&from, &to).map_err(|e| OutputError::io(&to, e))?;
                if let Some(m) = all.iter_mut().find(|m| m.id == self.id) {
                    m.files.push(to.clone());
                }
            }
        }
        if let Some(m) = all.iter_mut().find(|m| m.id == self.id) {
            m.files.retain(|f| *f != from);
        }
        Ok(())
    }

    /// Syncs everything written to disk and keeps it.
    ///
    /// # Errors
    ///
    /// The sync failed: everything made is removed.
    pub fn finish(mut self) -> Result<(), OutputError> {
        let mut files = Vec::new();
        self.register(|m| files.clone_from(&m.files));
        sync(&self.root, &files).map_err(|e| OutputError::io(&self.root, e))?;
        self.finished = true;
        made().retain(|m| m.id != self.id);
        Ok(())
    }
}

impl Drop for FreshFolder {
    fn drop(&mut self) {
        if self.finished {
            return;
        }
        let mut all = made();
        if let Some(i) = all.iter().position(|m| m.id == self.id) {
            all.swap_remove(i).remove();
        }
    }
}

/// Puts the files and their folder on disk: one `syncfs` of the file system on Linux, each
/// file's `fsync` elsewhere; then the folder's own entries.
fn sync(root: &Path, files: &[PathBuf]) -> io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        let _ = files;
        let dir = File::open(root)?;
        rustix::fs::syncfs(&dir)?;
        Ok(())
    }
    #[cfg(not(target_os = "linux"))]
    {
        for f in files {
            File::open(f)?.sync_all()?;
        }
        #[cfg(unix)]
        File::open(root)?.sync_all()?;
        Ok(())
    }
}
