//! Reading tenant exports into the model.
//!
//! A tenant is a folder of export files, or files named one by one. Each file's kind is told
//! from its content (JSON keys and `@odata.context`, or the CSV header), not its name, and every
//! file is reported with what it was read as. A folder is read with its sub-folders, each
//! folder's entries in name order, so results never depend on the file system's order; a
//! file's place in the tree may supply what its content lacks (see [`layout`]).

pub mod builder;
pub mod csvfile;
pub mod dates;
mod entry;
pub mod error;
pub mod evidence;
pub mod graph;
mod http;
pub mod json;
mod json_file;
pub mod layout;
pub mod node;
pub mod raw;
pub mod skip;
pub mod source;
pub mod tables;
pub mod text;

use std::path::{Path, PathBuf};

pub use builder::Loaded;
pub use error::{InputError, InputErrors, Location};
pub use source::{Source, SourceContent, SourceFormat};

use builder::Builder;
use findings_codes::SKIPPED;
use json_file::read_json;

mod findings_codes {
    pub const SKIPPED: crate::findings::FindingCode = crate::findings::FindingCode::SkippedFile;
}

/// Reads a tenant from folders and files. Fails with every problem found.
pub fn load(paths: &[PathBuf]) -> Result<Loaded, InputErrors> {
    load_with_progress(paths, &mut crate::progress::Silent)
}

/// [`load`], reporting the bytes read as progress.
pub fn load_with_progress(
    paths: &[PathBuf],
    progress: &mut dyn crate::progress::Progress,
) -> Result<Loaded, InputErrors> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    load_on(paths, progress, threads)
}

/// [`load_with_progress`] reading files on up to `threads` threads.
fn load_on(
    paths: &[PathBuf],
    progress: &mut dyn crate::progress::Progress,
    threads: usize,
) -> Result<Loaded, InputErrors> {
    let mut b = Builder::new();
    let mut files = Vec::new();
    // Findings name entries relative to the tenant arguments, as the sources are.
    let base = crate::paths::base(paths);
    let base = base.as_deref();
    let mut seen = std::collections::BTreeSet::new();
    for p in paths {
        if p.is_dir() {
            walk(&mut b, p, 0, base, &mut seen, &mut files);
        } else if p.exists() {
            match layout::role(p) {
                layout::Role::Skip(why) => {
                    b.findings
                        .add(SKIPPED, format!("{}: {why}", shown(p, base)));
                }
                _ => files.push(p.clone()),
            }
        } else {
            b.error(entry::missing(p));
        }
    }
    if files.is_empty() && b.errors.is_empty() {
        let shown: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        b.error(
            InputError::new(
                Path::new(&shown.join(", ")),
                Location::File,
                "no export files found",
            )
            .hint("a tenant folder holds .json or .csv exports (see the README's input formats)"),
        );
    }
    let size = |f: &PathBuf| std::fs::metadata(f).map_or(0, |m| m.len());
    progress.phase("reading exports", files.iter().map(size).sum());
    read_files(&mut b, &files, progress, threads);
    progress.phase("resolving names", 0);
    // Reports show paths relative to the tenant arguments (whatever the working folder).
    let result = b.finish().map(|mut l| {
        crate::paths::relativise(&mut l.sources, paths);
        l
    });
    progress.done();
    result
}

/// How deep a tenant folder is read: deeper folders are skipped and counted.
const MAX_DEPTH: usize = 16;

/// Reads a folder and its sub-folders, depth first, each folder's entries in name order, so
/// the files' order never depends on the file system. A folder reached through a symbolic link
/// is read, but each folder at most once (by its canonical path): a link back up the tree, or a
/// second link to a folder already read, is skipped and counted, so a loop cannot recur.
fn walk(
    b: &mut Builder,
    dir: &Path,
    depth: usize,
    base: Option<&Path>,
    seen: &mut std::collections::BTreeSet<PathBuf>,
    files: &mut Vec<PathBuf>,
) {
    let real = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    if !seen.insert(real) {
        b.findings.add(
            SKIPPED,
            format!(
                "{}: a folder already read (a symbolic link back into the tree, or a second link to one folder): not read again",
                shown(dir, base)
            ),
        );
        return;
    }
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => {
            b.error(
                InputError::new(dir, Location::File, format!("cannot read the folder: {e}"))
                    .hint("check the path and its permissions"),
            );
            return;
        }
    };
    let mut here = Vec::new();
    for e in entries {
        match e {
            Ok(e) => here.push(e.path()),
            Err(e) => b.error(
                InputError::new(dir, Location::File, format!("cannot list the folder: {e}"))
                    .hint("check the folder's permissions"),
            ),
        }
    }
    here.sort();
    for f in here {
        // `generate`'s own marker (the list of files it wrote) is not an export.
        if f.file_name() == Some(std::ffi::OsStr::new(crate::generate::folder::MARKER)) {
            continue;
        }
        match entry::classify(&f) {
            entry::Entry::Read => match layout::role(&f) {
                layout::Role::Skip(why) => {
                    b.findings
                        .add(SKIPPED, format!("{}: {why}", shown(&f, base)));
                }
                _ => files.push(f),
            },
            entry::Entry::Folder if hidden(&f) => {
                b.findings.add(
                    SKIPPED,
                    format!("{}: {}", shown(&f, base), skip::SkipReason::HiddenFolder),
                );
            }
            entry::Entry::Folder if depth + 1 >= MAX_DEPTH => {
                b.findings.add(
                    SKIPPED,
                    format!(
                        "{}: a folder more than {MAX_DEPTH} levels deep: not read",
                        shown(&f, base)
                    ),
                );
            }
            entry::Entry::Folder => walk(b, &f, depth + 1, base, seen, files),
            entry::Entry::Skip(why) => {
                b.findings
                    .add(SKIPPED, format!("{}: {why}", shown(&f, base)));
            }
            entry::Entry::Refuse(e) => b.error(e),
        }
    }
}

/// A path as findings show it: relative to the tenant arguments' folder (see [`crate::paths`]).
fn shown(p: &Path, base: Option<&Path>) -> String {
    crate::paths::shown(&p.display().to_string(), base)
}

fn hidden(path: &Path) -> bool {
    path.file_name()
        .is_some_and(|n| n.to_string_lossy().starts_with('.'))
}

/// Reads the files on every core, each into a builder of its own, and adds those to `b` in the
/// files' order, so the result (duplicates found, messages, their order) is the same as reading
/// them one after another.
fn read_files(
    b: &mut Builder,
    files: &[PathBuf],
    progress: &mut dyn crate::progress::Progress,
    threads: usize,
) {
    let size = |f: &PathBuf| std::fs::metadata(f).map_or(0, |m| m.len());
    let read_one = |f: &PathBuf| {
        let mut part = Builder::new();
        if let Err(e) = read_file(&mut part, f) {
            part.error(e);
        }
        part.users.sort_runs_for_append();
        part
    };
    crate::par::for_each_ordered(files, threads, read_one, |i, part| {
        b.merge(part);
        progress.advance(size(&files[i]));
    });
}

fn read_file(b: &mut Builder, path: &Path) -> Result<(), InputError> {
    let reader = text::open(path).map_err(|e| match e.kind() {
        _ if text::not_text(&e).is_some() => json::read_error(path, &e, 0),
        std::io::ErrorKind::PermissionDenied => {
            InputError::new(path, Location::File, "cannot open: permission denied").hint(
                "make the file readable for the user running licplan (ls -l shows its permissions)",
            )
        }
        _ => InputError::new(path, Location::File, format!("cannot open: {e}")),
    })?;
    read_text(b, path, reader)
}

/// Reads one export from an open text stream; `path` names it and its extension counts.
fn read_text(b: &mut Builder, path: &Path, mut reader: text::TextReader) -> Result<(), InputError> {
    let (first, lines) =
        text::first_nonblank_line(&mut reader).map_err(|e| json::read_error(path, &e, 0))?;
    let fid = b.file(path);
    let display = path.display().to_string();
    if first.trim().is_empty() {
        return Err(InputError::new(path, Location::File, "the file is empty")
            .hint("export again; an empty file holds nothing to read"));
    }
    let (mut first, mut lines) = (first, lines);
    let mut date = None;
    if first.starts_with("HTTP/") {
        (first, lines, date) = http::skip_headers(path, &mut reader, first, lines)?;
    }
    let before = b.sources.len();
    read_body(b, path, fid, display, first, lines, reader)?;
    // A saved response's Date header is when it was taken, whatever its records say (only
    // this file's source: never an earlier file's).
    if let Some(d) = date {
        for s in &mut b.sources[before..] {
            s.taken = dates::Taken::HttpDate(d);
        }
    }
    Ok(())
}

/// Reads an export's body from its first non-blank line `first`, `lines` lines into the file.
fn read_body(
    b: &mut Builder,
    path: &Path,
    fid: u32,
    display: String,
    first: String,
    lines: u64,
    reader: text::TextReader,
) -> Result<(), InputError> {
    let start = first.trim_start();
    let lower = start
        .get(..start.len().min(16))
        .unwrap_or("")
        .to_ascii_lowercase();
    if ["<!doctype html", "<html", "<?xml", "<head", "<body"]
        .iter()
        .any(|p| lower.starts_with(p))
    {
        return Err(InputError::new(
            path,
            Location::Line(lines),
            "an HTML or XML page, not an export (a sign-in or error page saved instead of the response?)",
        )
        .hint("save the JSON body of the Graph response, or the CSV the admin center downloads"));
    }
    let json_name = path.extension().is_some_and(|e| {
        ["json", "jsonl", "ndjson"]
            .iter()
            .any(|x| e.eq_ignore_ascii_case(x))
    });
    if start.starts_with('{') || start.starts_with('[') || json_name {
        return read_json(b, path, fid, display, first, lines, reader);
    }
    let csv = csvfile::CsvFile::open(path, reader, first, lines)?;
    if let Some(e) = tables::refuse_header(&csv) {
        return Err(e);
    }
    let Some(content) = tables::detect(&csv) else {
        // Names are shown quoted and escaped: a header may hold control characters.
        let mut names: Vec<String> = csv
            .header
            .iter()
            .take(12)
            .map(|h| format!("{:?}", text::short(h)))
            .collect();
        if csv.header.len() > 12 {
            names.push(format!("… {} more", csv.header.len() - 12));
        }
        let header = names.join(", ");
        return Err(InputError::new(
            path,
            Location::Line(1),
            format!("cannot tell what this CSV holds from its header ({header})"),
        )
        .hint("use the admin center's Export users file or a plain CSV as the README describes"));
    };
    let records = tables::read(b, csv, content, fid)?;
    b.sources.push(Source {
        file: display,
        format: content.format(),
        content: content.content(),
        records,
        taken: dates::Taken::NotRecorded,
    });
    Ok(())
}

/// Reads one export from memory, as if it were a file with this name (for fuzzing and tests).
pub fn load_bytes(file_name: &str, bytes: &[u8]) -> Result<Loaded, InputErrors> {
    let mut b = Builder::new();
    let path = Path::new(file_name);
    let read = text::decode_sniffed(Box::new(std::io::Cursor::new(bytes.to_vec())))
        .map_err(|e| json::read_error(path, &e, 0))
        .and_then(|reader| read_text(&mut b, path, reader));
    if let Err(e) = read {
        b.error(e);
    }
    b.finish()
}

#[cfg(test)]
mod tests;
