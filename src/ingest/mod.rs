//! Reading tenant exports into the model.
//!
//! A tenant is a folder of export files, or files named one by one. Each file's kind is told
//! from its content (JSON keys and `@odata.context`, or the CSV header), not its name, and every
//! file is reported with what it was read as. A folder is read with its sub-folders, each
//! folder's entries in name order, so results never depend on the file system's order; a
//! file's place in the tree may supply what its content lacks (see [`layout`]).

pub mod builder;
pub mod csvfile;
mod entry;
pub mod error;
pub mod evidence;
pub mod graph;
mod http;
pub mod json;
pub mod layout;
pub mod node;
pub mod raw;
pub mod source;
pub mod tables;
pub mod text;

use std::path::{Path, PathBuf};

pub use builder::Loaded;
pub use error::{InputError, InputErrors, Location};
pub use source::{Source, SourceContent, SourceFormat};

use builder::Builder;
use findings_codes::SKIPPED;

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
                    format!(
                        "{}: a hidden folder (its name starts with a dot): not read",
                        shown(&f, base)
                    ),
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
    use std::sync::atomic::{AtomicUsize, Ordering};
    let size = |f: &PathBuf| std::fs::metadata(f).map_or(0, |m| m.len());
    let read_one = |f: &PathBuf| {
        let mut part = Builder::new();
        if let Err(e) = read_file(&mut part, f) {
            part.error(e);
        }
        part.users.sort_runs_for_append();
        part
    };
    let threads = threads.min(files.len());
    if threads <= 1 {
        for f in files {
            b.merge(read_one(f));
            progress.advance(size(f));
        }
        return;
    }
    let next = AtomicUsize::new(0);
    let (tx, rx) = std::sync::mpsc::channel::<(usize, Builder)>();
    std::thread::scope(|scope| {
        for _ in 0..threads {
            let tx = tx.clone();
            let next = &next;
            let read_one = &read_one;
            scope.spawn(move || loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(f) = files.get(i) else { break };
                if tx.send((i, read_one(f))).is_err() {
                    break;
                }
            });
        }
        drop(tx);
        // Parts that arrive ahead of their turn wait here.
        let mut waiting: std::collections::BTreeMap<usize, Builder> = Default::default();
        let mut turn = 0;
        for (i, part) in rx {
            waiting.insert(i, part);
            while let Some(part) = waiting.remove(&turn) {
                b.merge(part);
                progress.advance(size(&files[turn]));
                turn += 1;
            }
        }
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
    if first.starts_with("HTTP/") {
        (first, lines) = http::skip_headers(path, &mut reader, first, lines)?;
    }
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
    });
    Ok(())
}

fn read_json(
    b: &mut Builder,
    path: &Path,
    fid: u32,
    display: String,
    first: String,
    lines: u64,
    reader: text::TextReader,
) -> Result<(), InputError> {
    // Hand the sniffed line back in front of the stream: the JSON reader sniffs again itself.
    let mut prefix = "\n".repeat(usize::try_from(lines.saturating_sub(1)).unwrap_or(0));
    prefix.push_str(&first);
    let joined: Box<dyn std::io::Read> =
        Box::new(std::io::Cursor::new(prefix.into_bytes()).chain_boxed(reader));
    let reader: text::TextReader = std::io::BufReader::with_capacity(1 << 16, joined);

    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let role = layout::role(path);
    let mut entra_defaults = 0u64;
    let mut content: Option<graph::JsonContent> = None;
    let mut powershell = false;
    let mut records = 0u64;
    let mut pending: Vec<(json::RecordPlace, node::Node<'static>)> = Vec::new();
    let mut undetected: Option<InputError> = None;
    let mut first_place: Option<json::RecordPlace> = None;
    let meta = json::read_records(path, reader, &mut |place, meta, value| {
        records += 1;
        if first_place.is_none() {
            first_place = Some(place);
            b.set_record_places(fid, place);
        }
        if undetected.is_some() {
            // The file is refused: what follows is not kept.
            return;
        }
        if content.is_none() {
            match &value {
                // An empty record says nothing about the file; wait for the next one.
                node::Node::Object(obj) if obj.is_empty() => {}
                node::Node::Object(obj) => {
                    powershell = graph::is_powershell(obj);
                    let detected = graph::detect(obj, meta, &file_name);
                    content = match role {
                        // An error body is refused whatever the path says.
                        _ if detected.is_none() && obj.get_ignore_case("error").is_some() => None,
                        layout::Role::Entra(_) | layout::Role::EntraMember(_) => role.content(),
                        // A member page's records may look like users (a cast to
                        // microsoft.graph.user has no @odata.type): its place says members.
                        layout::Role::MemberPage(_)
                            if matches!(
                                detected,
                                None | Some(
                                    graph::JsonContent::Users | graph::JsonContent::Members
                                )
                            ) =>
                        {
                            role.content()
                        }
                        _ => detected,
                    };
                    if content.is_none() {
                        undetected = Some(undetected_error(path, place, obj));
                        return;
                    }
                }
                other => {
                    undetected = Some(
                        InputError::new(
                            path,
                            place.location(""),
                            format!("expected a record (an object), found {}", other.kind()),
                        )
                        .hint("each record of a Graph export is an object"),
                    );
                    return;
                }
            }
        }
        if let (layout::Role::Entra(c), node::Node::Object(obj)) = (role, &value) {
            let lacks = match c {
                graph::JsonContent::Users => graph::get(obj, "licenseAssignmentStates").is_none(),
                graph::JsonContent::Groups => graph::get(obj, "assignedLicenses").is_none(),
                _ => false,
            };
            entra_defaults += u64::from(lacks);
        }
        match content {
            // Members files may name their group only in a next link after the records, so
            // they are kept until the file ends; everything else goes straight in.
            Some(graph::JsonContent::Members) => pending.push((place, value.into_owned())),
            Some(c) => graph::add_record(b, c, path, fid, place, None, value),
            None => pending.push((place, value.into_owned())),
        }
    })?;
    if let Some(e) = undetected {
        return Err(e);
    }
    if meta.is_delta() {
        let place = first_place.map_or(Location::File, |p| p.location(""));
        return Err(InputError::new(
            path,
            place,
            "a page of a delta query (its links name /delta or it has an @odata.deltaLink): it lists what changed since an earlier sync, not every object as it is, and its removed objects are marked, not left out",
        )
        .hint(graph::NOT_DELTA));
    }
    let Some(content) = content else {
        b.findings.add(
            crate::findings::FindingCode::EmptyRow,
            format!("{file_name}: no records"),
        );
        b.sources.push(Source {
            file: display,
            format: SourceFormat::GraphRest,
            content: SourceContent::Empty,
            records: 0,
        });
        return Ok(());
    };
    let file_group = match role {
        // The stub's own file name is the member's id, not the group's.
        layout::Role::EntraMember(g) => Some(g),
        _ => graph::members_file_group(&meta, path).or(role.group()),
    };
    if entra_defaults > 0 {
        let what = if content == graph::JsonContent::Users {
            "a user without licenseAssignmentStates"
        } else {
            "a group without assignedLicenses"
        };
        b.findings.add(
            crate::findings::FindingCode::EntraExporterDefaults,
            format!("{display}: {what}"),
        );
    }
    b.reading.files.push(evidence::PageFile {
        file: display.clone(),
        content: content.content(),
        group: file_group.filter(|_| content == graph::JsonContent::Members),
        pages: meta.pages,
        pages_with_next: meta.pages_with_next,
        count: meta.count,
        records,
    });
    for (place, value) in pending {
        graph::add_record(b, content, path, fid, place, file_group, value);
    }
    b.sources.push(Source {
        file: display,
        format: if powershell {
            SourceFormat::GraphPowershell
        } else {
            SourceFormat::GraphRest
        },
        content: content.content(),
        records,
    });
    Ok(())
}

/// Why a JSON file's first record says nothing licplan reads: a Graph error response, or keys
/// of no export it knows.
fn undetected_error(path: &Path, place: json::RecordPlace, obj: &node::Obj<'_>) -> InputError {
    if let Some(node::Node::Object(err)) = obj.get_ignore_case("error") {
        let said = |k: &str| {
            err.get_ignore_case(k)
                .and_then(node::Node::as_str)
                .map(|s| text::short(s).into_owned())
        };
        let code = said("code").unwrap_or_default();
        let message = said("message").unwrap_or_default();
        return InputError::new(
            path,
            place.location(".error"),
            format!("a Graph error response, not an export: {code:?}: {message:?}"),
        )
        .field("error.code")
        .hint(graph_error_hint(&code));
    }
    let mut keys: Vec<&str> = obj.keys().collect();
    keys.sort_unstable();
    keys.dedup();
    let more = keys.len().saturating_sub(12);
    keys.truncate(12);
    let mut keys: Vec<String> = keys
        .iter()
        .map(|k| format!("{:?}", text::short(k)))
        .collect();
    if more > 0 {
        keys.push(format!("… {more} more"));
    }
    InputError::new(
        path,
        place.location(""),
        format!(
            "cannot tell what this JSON export holds from its keys ({})",
            keys.join(", ")
        ),
    )
    .hint("export users, groups, group members, subscribedSkus or organization with the $select the README shows")
}

/// What to do about a Graph error saved instead of an export, by its code.
fn graph_error_hint(code: &str) -> &'static str {
    let c = code.to_ascii_lowercase();
    if c.contains("toomanyrequests")
        || c.contains("throttl")
        || c.contains("activitylimitreached")
        || c == "429"
    {
        "Graph throttled the request (HTTP 429): wait the seconds its Retry-After header gave, then export again; Get-MgUser -All and Invoke-MgGraphRequest retry by themselves"
    } else if c.contains("authorization_requestdenied")
        || c.contains("accessdenied")
        || c.contains("forbidden")
        || c.contains("authorization_identitynotfound")
    {
        "the account or app lacks a permission: grant and consent User.Read.All (users), GroupMember.Read.All (groups and members) and Organization.Read.All (subscribedSkus, organization), or Directory.Read.All for all of them (Connect-MgGraph -Scopes ...), then export again"
    } else if c.contains("token") || c.contains("authentication") || c.contains("unauthorized") {
        "the sign-in expired or is not valid: sign in again (Connect-MgGraph, az login) and export again"
    } else if c.contains("notfound") {
        "the URL names an object that does not exist (a wrong or deleted group id?): check the id in the request and export again"
    } else if c.contains("unsupportedquery")
        || c.contains("badrequest")
        || c.contains("invalidrequest")
    {
        "Graph refused the query: check the $select, $filter and $expand against the README's export commands (licenseAssignmentStates is returned only when $select names it) and export again"
    } else {
        "the request failed: fix what the error says (often a missing permission such as User.Read.All) and export again"
    }
}

/// `Read::chain` for a boxed reader.
trait ChainBoxed: std::io::Read + Sized + 'static {
    fn chain_boxed<R: std::io::Read + 'static>(self, next: R) -> std::io::Chain<Self, R> {
        std::io::Read::chain(self, next)
    }
}
impl<T: std::io::Read + 'static> ChainBoxed for T {}

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
mod tests {
    use super::*;

    /// What a load gives, as text: the tenant, the sources and findings, or the errors.
    fn outcome(paths: &[PathBuf], threads: usize) -> String {
        match load_on(paths, &mut crate::progress::Silent, threads) {
            Ok(l) => format!("{:?}\n{:?}\n{:?}", l.tenant, l.sources, l.findings.to_vec()),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn reading_on_several_threads_gives_what_reading_in_order_gives() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata");
        let dirs = [
            "contoso",
            "contoso-csv",
            "contoso-admin",
            "contoso-powershell",
            "real-graph",
            "bad/organization-contradiction",
            "bad/many",
            "bad/recoverable",
        ];
        for d in dirs {
            let paths = vec![root.join(d)];
            let one = outcome(&paths, 1);
            assert!(one.len() > 100, "{d}: {one}");
            for threads in [2, 5] {
                assert_eq!(one, outcome(&paths, threads), "{d} on {threads} threads");
            }
        }
    }

    #[test]
    fn a_record_repeated_in_a_later_file_is_found_there_whichever_thread_reads_it() {
        let dir = tempfile::tempdir().expect("temp dir");
        let user = |upn: &str| {
            format!(
                "{{\"value\": [\n{{\"id\":\"11111111-1111-1111-1111-111111111111\",\"userPrincipalName\":\"{upn}\",\"assignedLicenses\":[]}}\n]}}"
            )
        };
        // The same record twice: a finding, the first kept.
        for name in ["a.json", "b.json"] {
            std::fs::write(dir.path().join(name), user("first@x.test")).expect("write");
        }
        for threads in [1, 2] {
            let loaded = load_on(
                &[dir.path().to_path_buf()],
                &mut crate::progress::Silent,
                threads,
            )
            .expect("loads");
            let u = loaded.tenant.users.values().next().expect("one user");
            assert_eq!(u.upn.as_deref(), Some("first@x.test"), "{threads} threads");
            let dup = loaded
                .findings
                .to_vec()
                .into_iter()
                .find(|f| f.code == "duplicate-record")
                .expect("duplicate found");
            assert_eq!(dup.count, 1);
            assert!(dup.examples[0].contains("b.json:1"), "{:?}", dup.examples);
        }
        // Two records that disagree: an error naming both places.
        std::fs::write(dir.path().join("b.json"), user("second@x.test")).expect("write");
        for threads in [1, 2] {
            let e = load_on(
                &[dir.path().to_path_buf()],
                &mut crate::progress::Silent,
                threads,
            )
            .expect_err("refused")
            .to_string();
            assert!(
                e.contains("b.json: record 1 ($.value[0]): user 11111111-1111-1111-1111-111111111111 is also at ")
                    && e.contains("a.json: record 1 ($.value[0]), with different content (userPrincipalName)"),
                "{threads} threads: {e}"
            );
        }
    }
}
