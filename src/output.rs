//! Output safety: every file licplan writes goes through this module.
//!
//! The rules, checked before anything is written:
//!
//! - **Never over an input.** An output path is refused when it is an input of the run (a
//!   tenant export, the intent, the rules, the ops or plan file, a `users:` list of the intent),
//!   when it resolves to one (symbolic links, `..`, relative and absolute spellings are all
//!   resolved), when it is a hard link of one (same device and inode), or when it lies inside
//!   a tenant folder (a plan written there would be read as an export next time).
//! - **A symbolic link is followed**: its target is replaced, and the link stays.
//! - **A regular file is replaced atomically**: the output goes to a temporary file beside the
//!   target (`.licplan-XXXXXX.tmp`), which is renamed over it once complete, so a reader sees
//!   the old file or the whole new one. A new file gets `rw-r--r--` (less the umask), a
//!   replaced one keeps its permissions.
//! - **A FIFO, a device or any other non-regular file is written directly**: opened for
//!   writing and never renamed over, never replaced by a regular file.
//! - **A read-only file is refused** ("Permission denied", as the shell's `>` says; also for
//!   root, when the file has no write permission bit at all). A folder is refused, and so is a
//!   path whose folder does not exist.
//! - **No temporary file is left**: each is removed on every error path (and on unwinding), and
//!   [`remove_temp_files_then`] removes those in flight when a signal ends the process.
//!
//! Every refusal is an [`OutputError`] naming the output and, when it collides with an input,
//! that input: the binary reports it with exit code 1 ("the output was not written").

use std::fs::{File, Metadata, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

/// What an input is to the run, for messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// A tenant folder or export file given on the command line.
    Tenant,
    /// A file read from a tenant folder.
    TenantExport,
    Intent,
    Rules,
    /// An ops file or a plan replayed by `simulate`.
    Ops,
    /// A `users:` file named by the intent.
    UsersList,
}

impl Role {
    fn as_str(self) -> &'static str {
        match self {
            Role::Tenant => "the tenant",
            Role::TenantExport => "the tenant export",
            Role::Intent => "the intent",
            Role::Rules => "the rules file",
            Role::Ops => "the ops (or plan) file",
            Role::UsersList => "the intent's users list",
        }
    }
}

/// How an output collides with an input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Collision {
    /// The same file, however spelt (symbolic links and `..` resolved).
    Same,
    /// Another name of the same file (a hard link: same device and inode).
    HardLink,
    /// A path inside an input folder.
    Inside,
    /// A path in the folder of a tenant export file given on the command line: read as a
    /// tenant folder later (`inspect` of that folder), it would be taken for an export.
    Beside,
}

/// Why an output was not written. Each names the output path as given.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error("will not write {}: {}; choose an output outside the inputs (nothing was written)", .output.display(), describe(*.collision, *.role, .input))]
    Input {
        output: PathBuf,
        input: PathBuf,
        role: Role,
        collision: Collision,
    },
    #[error("cannot write {}: it is a folder; name a file", .0.display())]
    Folder(PathBuf),
    #[error("cannot write {}: not a file name (it ends in a separator, `.` or `..`, so it names a folder, and no folder is there); name a file, without the trailing `/`", .0.display())]
    NotAFileName(PathBuf),
    #[error("cannot write {}: the folder {} does not exist; create it first", .output.display(), .folder.display())]
    NoFolder { output: PathBuf, folder: PathBuf },
    #[error("cannot write {}: {source}", .path.display())]
    Io { path: PathBuf, source: io::Error },
}

fn describe(c: Collision, role: Role, input: &Path) -> String {
    let what = role.as_str();
    let input = input.display();
    match c {
        Collision::Same => format!("it is {what} {input}, an input of this run"),
        Collision::HardLink => {
            format!("it is a hard link to {what} {input}, an input of this run")
        }
        Collision::Inside => format!("it lies inside {what} folder {input}, an input of this run"),
        Collision::Beside => format!(
            "it lies in the folder of {what} export {input}, an input of this run, where a later run given that folder would read it as an export"
        ),
    }
}

impl OutputError {
    fn io(path: &Path, source: io::Error) -> Self {
        OutputError::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    /// The io error underneath, if any (a closed pipe, a full disk).
    pub fn io_error(&self) -> Option<&io::Error> {
        match self {
            OutputError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// A file or folder that is read by the run, as found on disk.
#[derive(Debug, Clone)]
struct Input {
    role: Role,
    /// As given, for messages.
    path: PathBuf,
    /// Resolved (symbolic links and `..` followed); `None` when it cannot be (it is missing).
    canonical: Option<PathBuf>,
    id: Option<FileId>,
    folder: bool,
    /// For a tenant export file given on the command line: its folder (resolved, and by
    /// device and inode), where no output may go.
    home: Vec<(Option<PathBuf>, Option<FileId>)>,
}

/// The inputs an output must keep clear of.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    items: Vec<Input>,
}

impl Inputs {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds tenant arguments: a folder (everything inside it, and every file the loader reads
    /// from it, wherever a link in it points) or an export file (and the folder it is in: a
    /// tenant given as `t/*.json` is the folder `t` next time).
    pub fn tenant(mut self, paths: &[PathBuf]) -> Self {
        for p in paths {
            let mut input = Input::at(Role::Tenant, p);
            if !input.folder {
                // The folder the file is in, and (a link) the folder its target is in.
                let given_dir = match p.parent() {
                    Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
                    _ => PathBuf::from("."),
                };
                let real_dir = input
                    .canonical
                    .as_deref()
                    .and_then(Path::parent)
                    .map(Path::to_path_buf);
                for dir in std::iter::once(given_dir).chain(real_dir) {
                    let id = std::fs::metadata(&dir).ok().as_ref().and_then(file_id);
                    input.home.push((dir.canonicalize().ok(), id));
                }
            }
            if input.folder {
                // The loader reads a folder's entries (following links); a link there may point
                // anywhere, so each entry is an input of its own.
                if let Ok(entries) = std::fs::read_dir(p) {
                    let mut here: Vec<PathBuf> =
                        entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
                    here.sort();
                    for e in here {
                        let entry = Input::at(Role::TenantExport, &e);
                        if !entry.folder {
                            self.items.push(entry);
                        }
                    }
                }
            }
            self.items.push(input);
        }
        self
    }

    /// Adds an input file.
    pub fn file(mut self, role: Role, path: &Path) -> Self {
        self.items.push(Input::at(role, path));
        self
    }

    /// Adds input files of one role.
    pub fn files(mut self, role: Role, paths: &[PathBuf]) -> Self {
        for p in paths {
            self.items.push(Input::at(role, p));
        }
        self
    }

    /// The first input `target` collides with.
    fn collision(&self, target: &Target) -> Option<(&Input, Collision)> {
        // Folders holding the target, by device and inode (so a folder reached through another
        // spelling, a bind mount or a case-insensitive name is still found).
        let parent = target.real.parent();
        let parent_id = parent
            .and_then(|d| std::fs::metadata(d).ok())
            .as_ref()
            .and_then(file_id);
        let ancestors: Vec<FileId> = target
            .real
            .parent()
            .into_iter()
            .flat_map(Path::ancestors)
            .filter_map(|a| std::fs::metadata(a).ok().as_ref().and_then(file_id))
            .collect();
        let found = self.items.iter().find_map(|i| {
            let same_path = i.canonical.as_deref() == Some(target.real.as_path());
            let same_id = i.id.is_some() && i.id == target.id;
            if same_path || (same_id && i.folder) {
                return Some((i, Collision::Same));
            }
            if same_id {
                return Some((i, Collision::HardLink));
            }
            let inside_path = i
                .canonical
                .as_deref()
                .is_some_and(|c| i.folder && target.real.starts_with(c));
            let inside_id = i.folder && i.id.is_some_and(|id| ancestors.contains(&id));
            (inside_path || inside_id).then_some((i, Collision::Inside))
        });
        // Only then the folders of export files, so an output that is one of them is named so.
        found.or_else(|| {
            self.items.iter().find_map(|i| {
                let beside = i.home.iter().any(|(dir, id)| {
                    (dir.is_some() && dir.as_deref() == parent)
                        || (id.is_some() && *id == parent_id)
                });
                beside.then_some((i, Collision::Beside))
            })
        })
    }
}

impl Input {
    fn at(role: Role, path: &Path) -> Input {
        let meta = std::fs::metadata(path).ok();
        Input {
            role,
            path: path.to_path_buf(),
            canonical: path.canonicalize().ok(),
            id: meta.as_ref().and_then(file_id),
            folder: meta.as_ref().is_some_and(Metadata::is_dir),
            home: Vec::new(),
        }
    }
}

/// Device and inode.
type FileId = (u64, u64);

#[cfg(unix)]
fn file_id(m: &Metadata) -> Option<FileId> {
    use std::os::unix::fs::MetadataExt;
    Some((m.dev(), m.ino()))
}

#[cfg(not(unix))]
fn file_id(_: &Metadata) -> Option<FileId> {
    // No stable file identity elsewhere: resolved paths alone are compared.
    None
}

/// What is at the output path.
#[derive(Debug)]
enum Kind {
    /// Nothing yet: created (through a temporary file).
    New,
    /// A regular file: replaced (through a temporary file), keeping its permissions (and,
    /// where the process may, its owner and group).
    Regular(std::fs::Permissions, Option<Owner>),
    /// A FIFO, a device, a socket…: written directly.
    Special,
}

/// An output path, resolved.
#[derive(Debug)]
struct Target {
    /// As given.
    given: PathBuf,
    /// With every symbolic link (also a dangling last one) and `..` resolved: the file the
    /// output replaces or creates.
    real: PathBuf,
    id: Option<FileId>,
    kind: Kind,
}

/// Whether a path can only name a folder: it ends in a separator, or its last component is
/// `.` or `..` (which [`Path::components`] would quietly drop or keep as a parent).
fn names_a_folder(p: &Path) -> bool {
    let b = p.as_os_str().as_encoded_bytes();
    let sep = |c: u8| std::path::is_separator(char::from(c));
    if b.last().is_some_and(|&c| sep(c)) {
        return true;
    }
    let last = match b.iter().rposition(|&c| sep(c)) {
        Some(i) => &b[i + 1..],
        None => b,
    };
    last == b"." || last == b".."
}

/// How many links are followed before a path is taken for a loop (as Linux's `MAXSYMLINKS`).
const MAX_LINKS: usize = 40;

impl Target {
    fn resolve(given: &Path) -> Result<Target, OutputError> {
        let fail = |e| OutputError::io(given, e);
        if names_a_folder(given) {
            // The kernel would follow a link to a folder only: a path like this never names a
            // file, and writing the name without its ending would replace a dangling link.
            return Err(match std::fs::metadata(given) {
                Ok(m) if m.is_dir() => OutputError::Folder(given.to_path_buf()),
                _ => OutputError::NotAFileName(given.to_path_buf()),
            });
        }
        match std::fs::metadata(given) {
            Ok(m) if m.is_dir() => Err(OutputError::Folder(given.to_path_buf())),
            Ok(m) if m.is_file() => Ok(Target {
                given: given.to_path_buf(),
                real: given.canonicalize().map_err(fail)?,
                id: file_id(&m),
                kind: Kind::Regular(m.permissions(), owner(&m)),
            }),
            // Written through the path as given: the kernel follows links such as /dev/stdout
            // that name no file a path could.
            Ok(m) => Ok(Target {
                given: given.to_path_buf(),
                real: given.canonicalize().unwrap_or_else(|_| given.to_path_buf()),
                id: file_id(&m),
                kind: Kind::Special,
            }),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Self::new_file(given),
            Err(e) => Err(fail(e)),
        }
    }

    /// A path where nothing is yet, or a dangling link: the link chain is followed to the name
    /// to create, whose folder must exist.
    fn new_file(given: &Path) -> Result<Target, OutputError> {
        let mut p = given.to_path_buf();
        for _ in 0..MAX_LINKS {
            match std::fs::symlink_metadata(&p) {
                Ok(m) if m.file_type().is_symlink() => {
                    let to = std::fs::read_link(&p).map_err(|e| OutputError::io(given, e))?;
                    p = match p.parent() {
                        Some(dir) => dir.join(to),
                        None => to,
                    };
                }
                _ => return Self::in_folder(given, &p),
            }
        }
        Err(OutputError::io(
            given,
            io::Error::other("too many levels of symbolic links"),
        ))
    }

    fn in_folder(given: &Path, p: &Path) -> Result<Target, OutputError> {
        let folder = match p.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let no_folder = || OutputError::NoFolder {
            output: given.to_path_buf(),
            folder: folder.clone(),
        };
        let Some(name) = p.file_name() else {
            return Err(OutputError::io(
                given,
                io::Error::new(io::ErrorKind::InvalidInput, "not a file name"),
            ));
        };
        match std::fs::metadata(&folder) {
            Ok(m) if m.is_dir() => {}
            Ok(_) => {
                return Err(OutputError::io(
                    given,
                    io::Error::other(format!("{} is not a folder", folder.display())),
                ))
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(no_folder()),
            Err(e) => return Err(OutputError::io(given, e)),
        }
        let real = folder
            .canonicalize()
            .map_err(|e| OutputError::io(given, e))?
            .join(name);
        Ok(Target {
            given: given.to_path_buf(),
            real,
            id: None,
            kind: Kind::New,
        })
    }

    /// Refuses a file the shell's `>` could not open for writing.
    fn check_writable(&self) -> Result<(), OutputError> {
        let Kind::Regular(perms, _) = &self.kind else {
            return Ok(());
        };
        let denied = |why: &str| {
            OutputError::io(
                &self.given,
                io::Error::new(io::ErrorKind::PermissionDenied, why.to_owned()),
            )
        };
        if perms.readonly() {
            return Err(denied("Permission denied (the file is read-only)"));
        }
        // Opened for writing without truncating: the file is left as it is.
        match OpenOptions::new().write(true).open(&self.real) {
            Ok(_) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::PermissionDenied => {
                Err(denied("Permission denied"))
            }
            Err(e) => Err(OutputError::io(&self.given, e)),
        }
    }
}

/// Checks that `output` may be written in this run: not an input (see the module
/// documentation), not a folder, not read-only, in a folder that exists. Nothing is written.
pub fn check(output: &Path, inputs: &Inputs) -> Result<(), OutputError> {
    let target = Target::resolve(output)?;
    if let Some((input, collision)) = inputs.collision(&target) {
        return Err(OutputError::Input {
            output: output.to_path_buf(),
            input: input.path.clone(),
            role: input.role,
            collision,
        });
    }
    target.check_writable()
}

/// Writes `output` (after [`check`]): a regular or new file through a temporary file renamed
/// over it, anything else directly. `write` gets a buffered writer; its error is returned with
/// the output's path, and the temporary file is removed.
pub fn write(
    output: &Path,
    inputs: &Inputs,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<(), OutputError> {
    check(output, inputs)?;
    let target = Target::resolve(output)?;
    let fail = |e| OutputError::io(output, e);
    match &target.kind {
        Kind::Special => {
            let f = OpenOptions::new()
                .write(true)
                .open(&target.given)
                .map_err(fail)?;
            let mut w = BufWriter::new(f);
            write(&mut w).map_err(fail)?;
            w.flush().map_err(fail)
        }
        Kind::New | Kind::Regular(..) => {
            let (permissions, was) = match &target.kind {
                Kind::Regular(p, o) => (Some(p.clone()), *o),
                _ => (default_permissions(), None),
            };
            let folder = target.real.parent().unwrap_or(Path::new("."));
            let mut tmp = TempFile::new_in(folder, permissions).map_err(fail)?;
            if let Some(was) = was {
                keep_owner(tmp.file_mut(), was);
            }
            {
                let mut w = BufWriter::new(tmp.file_mut());
                write(&mut w).map_err(fail)?;
                w.flush().map_err(fail)?;
            }
            tmp.persist(&target.real).map_err(fail)
        }
    }
}

/// A file's owner and group.
type Owner = (u32, u32);

#[cfg(unix)]
fn owner(m: &Metadata) -> Option<Owner> {
    use std::os::unix::fs::MetadataExt;
    Some((m.uid(), m.gid()))
}

#[cfg(not(unix))]
fn owner(_: &Metadata) -> Option<Owner> {
    None
}

/// Gives the replacement the replaced file's owner and group, as writing it in place would
/// have kept them (root replacing another user's file). Where the process may not (an ordinary
/// user, another's file), the file stays the process's own, as a new file would be.
#[cfg(unix)]
fn keep_owner(f: &File, (uid, gid): Owner) {
    use std::os::unix::fs::MetadataExt;
    if f.metadata().is_ok_and(|m| (m.uid(), m.gid()) != (uid, gid)) {
        let _ = std::os::unix::fs::fchown(f, Some(uid), Some(gid));
    }
}

#[cfg(not(unix))]
fn keep_owner(_: &File, _: Owner) {}

#[cfg(unix)]
fn default_permissions() -> Option<std::fs::Permissions> {
    use std::os::unix::fs::PermissionsExt;
    Some(std::fs::Permissions::from_mode(0o644))
}

#[cfg(not(unix))]
fn default_permissions() -> Option<std::fs::Permissions> {
    // Elsewhere a temporary file already gets ordinary permissions.
    None
}

/// Creates `dir/name`, refusing to replace anything already there (`ErrorKind::AlreadyExists`):
/// for writers that fill a folder they own (`generate`).
pub fn create_new(dir: &Path, name: &str) -> io::Result<File> {
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(dir.join(name))
}

/// Opens an existing regular file to append to it (never a link, a FIFO or a device): for a
/// file a writer keeps in a folder it owns (`generate`'s marker).
pub fn open_append(path: &Path) -> io::Result<File> {
    let m = std::fs::symlink_metadata(path)?;
    if !m.file_type().is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{} is not a regular file", path.display()),
        ));
    }
    OpenOptions::new().append(true).open(path)
}

/// Temporary files being written, removed by [`remove_temp_files_then`] when a signal ends the
/// process. A file is created and registered, and renamed and unregistered, under this lock, so
/// a signal never finds one unregistered nor removes a file that was renamed into place.
static TEMPS: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

fn temps() -> MutexGuard<'static, Vec<PathBuf>> {
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
    then()
}

/// A registered temporary file, removed when dropped unless persisted.
struct TempFile {
    file: Option<tempfile::NamedTempFile>,
    path: PathBuf,
}

impl TempFile {
    fn new_in(dir: &Path, permissions: Option<std::fs::Permissions>) -> io::Result<TempFile> {
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

    fn file_mut(&mut self) -> &mut File {
        match &mut self.file {
            Some(f) => f.as_file_mut(),
            // `file` is only taken by `persist` and `drop`, which consume the value.
            None => unreachable!("a temporary file used after it was persisted"),
        }
    }

    /// Syncs and renames the file over `to`.
    fn persist(mut self, to: &Path) -> io::Result<()> {
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

/// A writer that remembers whether a write failed because the reader went away (a closed pipe),
/// however the error was wrapped on its way up.
#[derive(Debug)]
pub struct PipeWatch<W> {
    inner: W,
    broken: bool,
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

    fn note<T>(&mut self, r: io::Result<T>) -> io::Result<T> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broken_pipe_is_found_through_wrappers() {
        let pipe = io::Error::from(io::ErrorKind::BrokenPipe);
        assert!(is_broken_pipe(&pipe));
        let wrapped = io::Error::other(io::Error::from(io::ErrorKind::BrokenPipe));
        assert!(is_broken_pipe(&wrapped));
        let json = serde_json::Error::io(io::Error::from(io::ErrorKind::BrokenPipe));
        assert!(is_broken_pipe(&io::Error::other(json)));
        let other = io::Error::other(serde_json::Error::io(io::Error::from(
            io::ErrorKind::WriteZero,
        )));
        assert!(!is_broken_pipe(&other));
        assert!(!is_broken_pipe(&io::Error::from(io::ErrorKind::NotFound)));
    }

    #[test]
    fn pipe_watch_remembers_a_closed_pipe() {
        struct Closed;
        impl Write for Closed {
            fn write(&mut self, _: &[u8]) -> io::Result<usize> {
                Err(io::ErrorKind::BrokenPipe.into())
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let mut w = PipeWatch::new(Closed);
        assert!(!w.broken());
        assert!(w.write_all(b"x").is_err());
        assert!(w.broken());
        let mut ok = PipeWatch::new(Vec::new());
        ok.write_all(b"x").expect("vec");
        assert!(!ok.broken());
    }

    #[test]
    fn paths_that_can_only_name_a_folder() {
        for folder in ["a/", "a//", "a/.", "a/..", ".", "..", "/", "a/b/"] {
            assert!(names_a_folder(Path::new(folder)), "{folder}");
        }
        for file in [
            "a", "a.json", "a/b", "./a", "../a", ".a", "..a", "a/.b", "a/..b", "",
        ] {
            assert!(!names_a_folder(Path::new(file)), "{file}");
        }
    }

    #[test]
    fn temporary_files_are_removed_on_failure() {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("out.txt");
        let err = write(&out, &Inputs::new(), |w| {
            w.write_all(b"half")?;
            Err(io::Error::other("stopped"))
        })
        .expect_err("fails");
        assert!(err.to_string().contains("stopped"), "{err}");
        let left: Vec<_> = std::fs::read_dir(dir.path()).expect("dir").collect();
        assert!(left.is_empty(), "{left:?}");
        assert!(!temps().iter().any(|p| p.starts_with(dir.path())));
    }
}
