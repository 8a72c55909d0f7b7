//! The output folder of `generate`: which folders it may write, and which files it may delete.
//!
//! `generate` keeps a marker file, [`MARKER`], in its folder, listing every file it writes: a
//! file's name is added before the file is created, and once the run completes each entry also
//! records the file's size and a fingerprint of its first 64 KiB. A folder is accepted when it
//! is new or empty, or when its marker lists every other entry in it and each listed file that
//! the marker saw complete still has the size and fingerprint it recorded. Only the listed
//! files are ever deleted, and only after the whole folder was checked; a file is created only
//! where nothing is (`create_new`), so nothing that `generate` did not write is ever replaced.
//! Any other folder is refused with `ErrorKind::AlreadyExists` and left untouched.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, Read, Write};
use std::path::Path;

use crate::output;

/// The marker file `generate` keeps in its folder.
pub const MARKER: &str = ".licplan-generate";

const HEADER: &str = "# licplan generate wrote the files listed here; a later run deletes them (and nothing else) before it writes this folder again.\n";

/// A marker larger than this is not one `generate` wrote.
const MAX_MARKER: u64 = 64 << 20;

/// How much of a file its fingerprint covers.
const FINGERPRINT_BYTES: u64 = 1 << 16;

/// A file as the marker records it: `None` while it is being written (or a run stopped).
type Recorded = Option<(u64, u64)>;

fn refuse(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::AlreadyExists, message)
}

/// Creates `out`, or checks that it is empty or an earlier output of `generate` (see the module
/// documentation) and deletes the files that output wrote; then starts a new marker.
pub fn prepare(out: &Path) -> io::Result<()> {
    match std::fs::metadata(out) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            std::fs::create_dir_all(out)
                .map_err(|e| io::Error::new(e.kind(), format!("cannot create the folder: {e}")))?;
            return start_marker(out);
        }
        Err(e) => {
            return Err(io::Error::new(e.kind(), format!("cannot read it: {e}")));
        }
        Ok(m) if !m.is_dir() => {
            return Err(refuse("it exists and is not a folder".to_owned()));
        }
        Ok(_) => {}
    }
    let mut names = Vec::new();
    for entry in std::fs::read_dir(out)? {
        let name = entry?.file_name();
        let Some(name) = name.to_str().map(str::to_owned) else {
            return Err(refuse(format!(
                "it holds {}, which licplan generate does not write; give an empty or new folder",
                name.to_string_lossy()
            )));
        };
        if name != MARKER {
            names.push(name);
        }
    }
    names.sort();
    let marker = out.join(MARKER);
    let listed = match std::fs::symlink_metadata(&marker) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            if let Some(first) = names.first() {
                return Err(refuse(format!(
                    "it holds {first}, and no {MARKER} marker shows licplan generate wrote it; give an empty or new folder"
                )));
            }
            BTreeMap::new()
        }
        Err(e) => return Err(e),
        Ok(m) if !m.file_type().is_file() || m.len() > MAX_MARKER => {
            return Err(refuse(format!(
                "its {MARKER} is not a marker licplan generate wrote; give an empty or new folder"
            )));
        }
        Ok(_) => read_marker(out)?,
    };
    for name in &names {
        let Some(recorded) = listed.get(name) else {
            return Err(refuse(format!(
                "it holds {name}, which licplan generate did not write there (its {MARKER} does not list it); give an empty or new folder, or remove {name}"
            )));
        };
        let path = out.join(name);
        let meta = std::fs::symlink_metadata(&path)?;
        if !meta.file_type().is_file() {
            return Err(refuse(format!(
                "it holds {name}, which is not the file licplan generate wrote (it is not a regular file now); give an empty or new folder"
            )));
        }
        if let Some(want) = recorded {
            if fingerprint(&path)? != *want {
                return Err(refuse(format!(
                    "it holds {name}, which changed since licplan generate wrote it; give an empty or new folder, or remove {name}"
                )));
            }
        }
    }
    for name in &names {
        std::fs::remove_file(out.join(name))?;
    }
    start_marker(out)
}

/// Reads the marker: the files it lists, with their size and fingerprint once complete.
fn read_marker(out: &Path) -> io::Result<BTreeMap<String, Recorded>> {
    let text = std::fs::read_to_string(out.join(MARKER)).map_err(|e| {
        refuse(format!(
            "cannot read its {MARKER} ({e}); give an empty or new folder"
        ))
    })?;
    let damaged = |line: usize| {
        refuse(format!(
            "its {MARKER} line {line} is not one licplan generate writes; give an empty or new folder"
        ))
    };
    let mut listed = BTreeMap::new();
    for (i, line) in text.lines().enumerate() {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let words: Vec<&str> = line.split(' ').collect();
        let (name, recorded) = match words.as_slice() {
            ["writing", name] => (*name, None),
            ["wrote", name, size, print] => {
                let size = size.parse().map_err(|_| damaged(i + 1))?;
                let print = u64::from_str_radix(print, 16).map_err(|_| damaged(i + 1))?;
                (*name, Some((size, print)))
            }
            _ => return Err(damaged(i + 1)),
        };
        if !super::is_generated_name(name) {
            return Err(damaged(i + 1));
        }
        listed.insert(name.to_owned(), recorded);
    }
    Ok(listed)
}

/// Writes a marker listing no file yet.
fn start_marker(out: &Path) -> io::Result<()> {
    write_marker(out, HEADER)
}

fn write_marker(out: &Path, text: &str) -> io::Result<()> {
    output::write(&out.join(MARKER), &output::Inputs::new(), |w| {
        w.write_all(text.as_bytes())
    })
    .map_err(|e| {
        let kind = e.io_error().map_or(io::ErrorKind::Other, io::Error::kind);
        io::Error::new(kind, e.to_string())
    })
}

/// Creates `out/name` where nothing is, after listing it in the marker (so a run stopped
/// half-way still leaves a folder a later run accepts).
pub fn create(out: &Path, name: &str) -> io::Result<File> {
    let mut marker = output::open_append(&out.join(MARKER))?;
    marker.write_all(format!("writing {name}\n").as_bytes())?;
    marker.flush()?;
    drop(marker);
    output::create_new(out, name)
}

/// Records each written file's size and fingerprint in the marker, once the run is complete.
pub fn seal(out: &Path, files: &[String]) -> io::Result<()> {
    let mut text = String::from(HEADER);
    for name in files {
        let (size, print) = fingerprint(&out.join(name))?;
        text.push_str(&format!("wrote {name} {size} {print:016x}\n"));
    }
    write_marker(out, &text)
}

/// A file's size, and the FNV-1a hash of its first 64 KiB.
fn fingerprint(path: &Path) -> io::Result<(u64, u64)> {
    let size = std::fs::metadata(path)?.len();
    let mut head = Vec::new();
    File::open(path)?
        .take(FINGERPRINT_BYTES)
        .read_to_end(&mut head)?;
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in head {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    Ok((size, h))
}
