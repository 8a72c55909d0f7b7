//! What is at an output path, with links followed and the path resolved, for the checks and the
//! write.

use super::*;

/// What is at the output path.
#[derive(Debug)]
pub(super) enum Kind {
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
pub(super) struct Target {
    /// As given.
    pub(super) given: PathBuf,
    /// With every symbolic link (also a dangling last one) and `..` resolved: the file the
    /// output replaces or creates.
    pub(super) real: PathBuf,
    pub(super) id: Option<FileId>,
    pub(super) kind: Kind,
}

/// Whether a path can only name a folder: it ends in a separator, or its last component is
/// `.` or `..` (which [`Path::components`] would quietly drop or keep as a parent).
pub(super) fn names_a_folder(p: &Path) -> bool {
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
pub(super) const MAX_LINKS: usize = 40;

impl Target {
    pub(super) fn resolve(given: &Path) -> Result<Target, OutputError> {
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
    pub(super) fn new_file(given: &Path) -> Result<Target, OutputError> {
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

    pub(super) fn in_folder(given: &Path, p: &Path) -> Result<Target, OutputError> {
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
    pub(super) fn check_writable(&self) -> Result<(), OutputError> {
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
