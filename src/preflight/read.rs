//! Reading Conditional Access policies as they are exported: Graph v1.0 and beta GET responses
//! (one policy, or a list under `value`, with or without `@odata` annotations), POST bodies,
//! a JSON list of policies (`ConvertTo-Json` of several), one file per policy or a folder of
//! them, UTF-8 or UTF-16 LE with a BOM (Windows PowerShell `Out-File`).
//!
//! Files are read at bounded cost like licplan's other inputs: at most [`MAX_FILE`] bytes a file
//! and [`MAX_FILES`] files, through [`crate::docfile`] (nesting depth, duplicate keys, long
//! strings refused), a folder in name order with its sub-folders to [`MAX_DEPTH`] levels.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::ingest::error::{InputError, InputErrors, Location};

use super::policy::{self, Policy};

/// The largest policy file read (a real policy is a few tens of kilobytes).
pub const MAX_FILE: u64 = 16 << 20;
/// The most files a folder of policies may hold.
pub const MAX_FILES: usize = 10_000;
/// How deep sub-folders are followed.
pub const MAX_DEPTH: usize = 8;

/// The policies read, and what was skipped.
#[derive(Debug, Clone, Default)]
pub struct Read {
    pub policies: Vec<Policy>,
    /// `(file, policies)` for every file read, in reading order.
    pub files: Vec<(String, usize)>,
    /// Files in a folder not named `*.json`, with why they were skipped.
    pub skipped: Vec<String>,
}

/// Reads the policies of `path`, a file or a folder.
///
/// # Errors
///
/// Every problem of every file at once, each naming the file, the record and the field.
pub fn read(path: &Path) -> Result<Read, InputErrors> {
    let base = crate::paths::base(&[path.to_path_buf()]);
    let shown = |p: &Path| crate::paths::shown(&p.to_string_lossy(), base.as_deref());
    let mut files = Vec::new();
    let mut skipped = Vec::new();
    let meta = std::fs::metadata(path).map_err(|e| {
        one(InputError::new(path, Location::File, format!("cannot read the Conditional Access policies: {e}"))
            .hint("name a policy file exported from Graph (GET /identity/conditionalAccess/policies) or a folder of them"))
    })?;
    if meta.is_dir() {
        walk(path, 0, &shown, &mut files, &mut skipped)?;
        if files.is_empty() {
            return Err(one(InputError::new(
                path,
                Location::File,
                "the folder holds no *.json policy file",
            )
            .hint("export the policies as JSON (one file per policy, or the list under value) into this folder")));
        }
    } else {
        files.push(path.to_path_buf());
    }
    let mut out = Read {
        skipped,
        ..Read::default()
    };
    let mut errors = Vec::new();
    for f in &files {
        match read_file(f, &shown(f)) {
            Ok(ps) => {
                out.files.push((shown(f), ps.len()));
                out.policies.extend(ps);
            }
            Err(e) => errors.extend(e),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(InputErrors(errors))
    }
}

fn one(e: InputError) -> InputErrors {
    InputErrors(vec![e])
}

fn walk(
    dir: &Path,
    depth: usize,
    show: &dyn Fn(&Path) -> String,
    files: &mut Vec<PathBuf>,
    skipped: &mut Vec<String>,
) -> Result<(), InputErrors> {
    let cannot = |e: std::io::Error| {
        one(InputError::new(
            dir,
            Location::File,
            format!("cannot list the folder: {e}"),
        ))
    };
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(cannot)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()
        .map_err(cannot)?;
    entries.sort();
    for p in entries {
        let shown = show(&p);
        let meta = match std::fs::metadata(&p) {
            Ok(m) => m,
            Err(e) => {
                skipped.push(format!("{shown}: cannot be read ({e})"));
                continue;
            }
        };
        if meta.is_dir() {
            if depth + 1 >= MAX_DEPTH {
                skipped.push(format!("{shown}: a folder deeper than {MAX_DEPTH} levels"));
            } else {
                walk(&p, depth + 1, show, files, skipped)?;
            }
        } else if !meta.is_file() {
            skipped.push(format!("{shown}: not a regular file"));
        } else if p
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e.eq_ignore_ascii_case("json"))
        {
            if files.len() >= MAX_FILES {
                return Err(one(InputError::new(
                    dir,
                    Location::File,
                    format!("more than {MAX_FILES} policy files"),
                )
                .hint("name the folder of one tenant's policies")));
            }
            files.push(p);
        } else {
            skipped.push(format!("{shown}: not named *.json"));
        }
    }
    Ok(())
}

/// The policies of one file (`shown`: the file as reports name it).
///
/// # Errors
///
/// The file cannot be read, is too large, is not JSON, or a policy in it is unusable (every
/// policy's problems at once).
pub fn read_file(path: &Path, shown: &str) -> Result<Vec<Policy>, Vec<InputError>> {
    const HINT: &str = "export the policies with GET https://graph.microsoft.com/v1.0/identity/conditionalAccess/policies (or beta), one policy or the list under value";
    let len = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    if len > MAX_FILE {
        return Err(vec![InputError::new(
            path,
            Location::File,
            format!(
                "the file holds {len} bytes, more than the {MAX_FILE} a policy export may hold"
            ),
        )
        .hint(HINT)]);
    }
    let text = crate::docfile::read_text(path, "the Conditional Access policies", HINT)
        .map_err(|e| vec![e])?;
    let body = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let trimmed = body.trim_start();
    let value = if trimmed.starts_with('{') {
        crate::docfile::read_value(body, path)
    } else if trimmed.starts_with('[') {
        // A JSON list of policies: read as the list under `value` (no line is added, so lines
        // in messages stay the file's own).
        crate::docfile::read_value(&format!("{{\"value\":{body}}}"), path)
    } else {
        Err(InputError::new(path, Location::File, "not JSON: a policy export is a JSON object (one policy, or the list under value) or a JSON list")
            .hint(HINT))
    }
    .map_err(|e| vec![e])?;
    records(path, shown, &value)
}

/// The policy records of a file's document.
fn records(path: &Path, shown: &str, doc: &Value) -> Result<Vec<Policy>, Vec<InputError>> {
    let list = match policy::get(doc, "value") {
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, v)| (format!("$.value[{i}]"), v))
            .collect::<Vec<_>>(),
        Some(_) => {
            return Err(vec![InputError::new(
                path,
                Location::Record {
                    index: 0,
                    path: "$.value".into(),
                },
                "value is not a list of policies",
            )
            .field("value")
            .hint(
                "export the list response as Graph gives it: {\"value\": [ … ]}",
            )])
        }
        None => vec![("$".to_owned(), doc)],
    };
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (index, (at, v)) in list.into_iter().enumerate() {
        match policy::parse(path, shown, index, &at, v) {
            Ok(p) => out.push(p),
            Err(e) => errors.extend(e),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}
