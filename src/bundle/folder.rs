//! Writing a bundle folder through [`crate::output`]: each file written atomically on its
//! own, never over an input and never through a link. A folder that exists must be empty or
//! hold a bundle of the same plan, stage and wave (then only the bundle's own files are
//! replaced: the runners' journals and transcripts stay).

use std::io;
use std::path::Path;

use crate::output::{self, Inputs, OutputError};

use super::manifest::Manifest;

fn refused(path: &Path, message: String) -> OutputError {
    OutputError::Io {
        path: path.to_path_buf(),
        source: io::Error::other(message),
    }
}

/// Whether `dir/manifest.json` is a bundle of the same plan, stage and wave as `m`.
fn same_bundle(dir: &Path, m: &Manifest) -> bool {
    let path = dir.join("manifest.json");
    let is_file = std::fs::symlink_metadata(&path).is_ok_and(|md| md.file_type().is_file());
    if !is_file {
        return false;
    }
    let Ok(text) = std::fs::read_to_string(&path) else {
        return false;
    };
    let Ok(v) = serde_json::from_str::<serde_json::Value>(&text) else {
        return false;
    };
    let wave = v
        .get("wave")
        .and_then(|w| w.get("number"))
        .and_then(|n| n.as_u64());
    v.get("schema").and_then(|s| s.as_str()) == Some(super::manifest::SCHEMA)
        && v.pointer("/plan/hash").and_then(|h| h.as_str()) == Some(m.plan.hash.as_str())
        && v.pointer("/stage/number").and_then(|n| n.as_u64()) == Some(u64::from(m.stage.number))
        && wave == m.wave.as_ref().map(|w| u64::from(w.number))
}

/// A folder of the bundle (the folder itself or `batch/`): created when missing, refused when
/// it is a link or not a folder.
fn folder(path: &Path) -> Result<(), OutputError> {
    match std::fs::symlink_metadata(path) {
        Ok(md) if md.file_type().is_dir() => Ok(()),
        Ok(md) if md.file_type().is_symlink() => Err(refused(
            path,
            "it is a symbolic link; a bundle is written into a real folder".into(),
        )),
        Ok(_) => Err(refused(
            path,
            "it is not a folder; name a new or empty folder".into(),
        )),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            std::fs::create_dir(path).map_err(|source| OutputError::Io {
                path: path.to_path_buf(),
                source,
            })
        }
        Err(source) => Err(OutputError::Io {
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// Checks that the bundle may be written in `dir` (nothing is written).
///
/// # Errors
///
/// `dir` is an input or lies in one, is a file or a link, or holds anything but a bundle of
/// this plan, stage and wave.
pub fn check(dir: &Path, inputs: &Inputs, m: Option<&Manifest>) -> Result<(), OutputError> {
    output::check(&dir.join("manifest.json"), inputs).or_else(|e| match e {
        // A folder that does not exist yet is created.
        OutputError::NoFolder { .. } => Ok(()),
        e => Err(e),
    })?;
    match std::fs::symlink_metadata(dir) {
        Ok(md) if md.file_type().is_symlink() => Err(refused(
            dir,
            "it is a symbolic link; a bundle is written into a real folder".into(),
        )),
        Ok(md) if !md.file_type().is_dir() => Err(refused(
            dir,
            "it is not a folder; name a new or empty folder".into(),
        )),
        Ok(_) => {
            let empty = std::fs::read_dir(dir)
                .map_err(|source| OutputError::Io {
                    path: dir.to_path_buf(),
                    source,
                })?
                .next()
                .is_none();
            match m {
                _ if empty => Ok(()),
                Some(m) if same_bundle(dir, m) => Ok(()),
                None => Ok(()),
                Some(_) => Err(refused(
                    dir,
                    "the folder is not empty and holds no bundle of this plan, stage and wave; name a new or empty folder (nothing was written)".into(),
                )),
            }
        }
        Err(_) => Ok(()),
    }
}

/// Writes the bundle's files into `dir`.
///
/// # Errors
///
/// As [`check`], or a file that cannot be written (the files before it stay written).
pub fn write(
    dir: &Path,
    inputs: &Inputs,
    m: &Manifest,
    files: &[(String, Vec<u8>)],
) -> Result<(), OutputError> {
    check(dir, inputs, Some(m))?;
    folder(dir)?;
    for (rel, _) in files {
        if let Some((sub, _)) = rel.split_once('/') {
            folder(&dir.join(sub))?;
        }
    }
    for (rel, _) in files {
        let path = dir.join(rel);
        if std::fs::symlink_metadata(&path).is_ok_and(|md| !md.file_type().is_file()) {
            return Err(refused(
                &path,
                "it is a link or not a regular file; a bundle replaces only its own files".into(),
            ));
        }
        output::check(&path, inputs)?;
    }
    for (rel, bytes) in files {
        output::write(&dir.join(rel), inputs, |w| w.write_all(bytes))?;
    }
    Ok(())
}
