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
//! - **A folder licplan fills itself** (new, or empty: `bundle --out`) gets its files directly,
//!   each created new (`O_EXCL`, never through a link) and all synced once at the end
//!   ([`FreshFolder`]); what it made is removed on an error or a signal, and nothing else.
//!
//! Every refusal is an [`OutputError`] naming the output and, when it collides with an input,
//! that input: the binary reports it with exit code 1 ("the output was not written").

use std::fs::{File, Metadata, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

mod fresh;
mod pipe;
mod target;
mod temp;

pub use fresh::FreshFolder;
pub use pipe::{is_broken_pipe, PipeWatch};
use target::*;
pub use temp::remove_temp_files_then;
use temp::*;

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
    /// `--prices FILE`.
    Prices,
    /// `--conditional-access FILE|DIR`.
    Policies,
    /// A file read from a `--conditional-access` folder.
    PolicyFile,
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
            Role::Prices => "the prices file",
            Role::Policies => "the Conditional Access policies",
            Role::PolicyFile => "a Conditional Access policy file",
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
    pub fn tenant(self, paths: &[PathBuf]) -> Self {
        self.tree(Role::Tenant, Role::TenantExport, paths)
    }

    /// Adds `--conditional-access`: a policy file or a folder of them, kept clear of as tenant
    /// arguments are.
    pub fn policies(self, path: &Path) -> Self {
        self.tree(Role::Policies, Role::PolicyFile, &[path.to_path_buf()])
    }

    /// Folders or files given on the command line (`role`), with a folder's entries (`entry`).
    fn tree(mut self, role: Role, entry: Role, paths: &[PathBuf]) -> Self {
        for p in paths {
            let mut input = Input::at(role, p);
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
                        let item = Input::at(entry, &e);
                        if !item.folder {
                            self.items.push(item);
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

/// Creates the folder `dir` that files are then written into with [`write`] (`--attachments
/// DIR`), after checking it as an output: not an input, not inside one, in a folder that
/// exists. A folder already there is used as it is (each file written into it is checked).
pub fn create_dir(dir: &Path, inputs: &Inputs) -> Result<(), OutputError> {
    if dir.is_dir() {
        return Ok(());
    }
    check(dir, inputs)?;
    std::fs::create_dir(dir).map_err(|e| OutputError::io(dir, e))
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

#[cfg(test)]
mod tests;
