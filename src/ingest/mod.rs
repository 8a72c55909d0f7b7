//! Reading tenant exports into the model.
//!
//! A tenant is a folder of export files, or files named one by one. Each file's kind is told
//! from its content (JSON keys and `@odata.context`, or the CSV header), not its name, and every
//! file is reported with what it was read as. Files are read in name order so results never
//! depend on the file system's order.

pub mod builder;
pub mod csvfile;
mod entry;
pub mod error;
pub mod graph;
mod http;
pub mod json;
pub mod node;
pub mod raw;
pub mod tables;
pub mod text;

use std::path::{Path, PathBuf};

pub use builder::{Loaded, Source};
pub use error::{InputError, InputErrors, Location};

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
    for p in paths {
        if p.is_dir() {
            match std::fs::read_dir(p) {
                Ok(entries) => {
                    let mut here = Vec::new();
                    for e in entries {
                        match e {
                            Ok(e) => here.push(e.path()),
                            Err(e) => b.error(
                                InputError::new(
                                    p,
                                    Location::File,
                                    format!("cannot list the folder: {e}"),
                                )
                                .hint("check the folder's permissions"),
                            ),
                        }
                    }
                    here.sort();
                    for f in here {
                        // `generate`'s own marker (the list of files it wrote) is not an export.
                        if f.file_name()
                            == Some(std::ffi::OsStr::new(crate::generate::folder::MARKER))
                        {
                            continue;
                        }
                        match entry::classify(&f) {
                            entry::Entry::Read => files.push(f),
                            entry::Entry::Skip(why) => {
                                b.findings.add(SKIPPED, format!("{}: {why}", f.display()));
                            }
                            entry::Entry::Refuse(e) => b.error(e),
                        }
                    }
                }
                Err(e) => b.error(
                    InputError::new(p, Location::File, format!("cannot read the folder: {e}"))
                        .hint("check the path and its permissions"),
                ),
            }
        } else if p.exists() {
            files.push(p.clone());
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
        content: content.as_str(),
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
                    content = graph::detect(obj, meta, &file_name);
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
            format: "graph-rest",
            content: "empty",
            records: 0,
        });
        return Ok(());
    };
    let file_group = graph::members_file_group(&meta, path);
    for (place, value) in pending {
        graph::add_record(b, content, path, fid, place, file_group, value);
    }
    b.sources.push(Source {
        file: display,
        format: if powershell {
            "graph-powershell"
        } else {
            "graph-rest"
        },
        content: content.as_str(),
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
        .hint("the request failed: fix what the error says (often a missing permission such as User.Read.All) and export again");
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
