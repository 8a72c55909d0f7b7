//! What an entry of a tenant folder is, and whether to read it.
//!
//! Only regular files (or links to them) whose names end like an export are opened. Anything
//! else is skipped and reported with what it is: a folder, a named pipe (opening one would wait
//! for a writer forever), a socket or a device is never opened. A link whose target does not
//! exist, or that cannot be followed, is reported as that; when its name is an export's, the
//! export is missing and the tenant is refused rather than read without it.

use std::path::Path;

use super::error::{InputError, Location};
use super::skip::SkipReason;

/// File name endings read from a tenant folder; anything else there is skipped and counted.
pub const EXPORT_EXTENSIONS: &[&str] = &["json", "jsonl", "ndjson", "csv", "txt", "tsv"];

/// What to do with one folder entry.
#[derive(Debug)]
pub enum Entry {
    Read,
    /// A folder (or a link to one), read recursively.
    Folder,
    /// Skipped, and why (for the `skipped-file` finding).
    Skip(SkipReason),
    /// An export that cannot be read.
    Refuse(InputError),
}

fn export_name(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| EXPORT_EXTENSIONS.iter().any(|x| e.eq_ignore_ascii_case(x)))
}

/// Classifies a folder entry without opening it, following a symbolic link once.
pub fn classify(path: &Path) -> Entry {
    let own = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) => {
            return Entry::Refuse(
                InputError::new(
                    path,
                    Location::File,
                    format!("cannot look at the entry: {e}"),
                )
                .hint("check the folder's permissions"),
            )
        }
    };
    let target = if own.file_type().is_symlink() {
        match std::fs::metadata(path) {
            Ok(m) => m,
            Err(e) => {
                return match (export_name(path), link_problem(path, &e)) {
                    (true, err) => Entry::Refuse(err),
                    (false, _) if e.kind() == std::io::ErrorKind::NotFound => {
                        Entry::Skip(SkipReason::DanglingLink)
                    }
                    (false, _) => Entry::Skip(SkipReason::UnfollowableLink),
                }
            }
        }
    } else {
        own
    };
    let kind = target.file_type();
    if kind.is_file() {
        return if export_name(path) {
            Entry::Read
        } else {
            Entry::Skip(SkipReason::NotAnExportName)
        };
    }
    if kind.is_dir() {
        return Entry::Folder;
    }
    Entry::Skip(special(&kind))
}

/// What a file that is neither regular nor a folder is.
#[cfg(unix)]
fn special(kind: &std::fs::FileType) -> SkipReason {
    use std::os::unix::fs::FileTypeExt;
    if kind.is_fifo() {
        SkipReason::Fifo
    } else if kind.is_socket() {
        SkipReason::Socket
    } else if kind.is_block_device() || kind.is_char_device() {
        SkipReason::Device
    } else {
        SkipReason::NotRegularFile
    }
}

#[cfg(not(unix))]
fn special(_: &std::fs::FileType) -> SkipReason {
    SkipReason::NotRegularFile
}

/// The error for a symbolic link that cannot be followed.
fn link_problem(path: &Path, e: &std::io::Error) -> InputError {
    let to = std::fs::read_link(path)
        .map(|t| format!(" ({})", t.display()))
        .unwrap_or_default();
    if e.kind() == std::io::ErrorKind::NotFound {
        InputError::new(
            path,
            Location::File,
            format!("a symbolic link whose target{to} does not exist"),
        )
        .hint("restore the file it points to, or remove the link")
    } else {
        InputError::new(
            path,
            Location::File,
            format!("a symbolic link whose target{to} cannot be reached: {e}"),
        )
        .hint("check where the link points (ls -l) and the permissions on the way")
    }
}

/// The error for a path named on the command line that cannot be found: nothing there, a
/// symbolic link that is dangling or in a loop, or a folder on the way that may not be entered.
pub fn missing(path: &Path) -> InputError {
    match std::fs::symlink_metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            InputError::new(path, Location::File, "no such file or folder")
                .hint("name a folder of exports or the export files themselves")
        }
        Err(e) => InputError::new(path, Location::File, format!("cannot look at it: {e}"))
            .hint("check the path and the permissions of the folders on the way"),
        Ok(own) => match std::fs::metadata(path) {
            Err(e) if own.file_type().is_symlink() => link_problem(path, &e),
            Err(e) => InputError::new(path, Location::File, format!("cannot look at it: {e}"))
                .hint("check the path and its permissions"),
            Ok(_) => InputError::new(path, Location::File, "no such file or folder")
                .hint("name a folder of exports or the export files themselves"),
        },
    }
}
