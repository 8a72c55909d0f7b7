//! Writing a bundle folder through [`crate::output`], never over an input and never through a
//! link. A new or empty folder gets each file as it is made, directly ([`FreshFolder`]: created
//! new, synced once at the end, all of it removed on an error or a signal). A folder that holds
//! a bundle of the same plan, stage and wave has only the bundle's own files replaced, each
//! atomically on its own (the runners' journals and transcripts stay); any other folder is
//! refused.

use std::collections::BTreeSet;
use std::io::{self, Write};
use std::path::Path;

use crate::output::{self, FreshFolder, Inputs, OutputError};

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

/// Where a bundle's files go, one by one as they are made ([`Sink::file`]), then
/// [`Sink::finish`].
pub enum Sink<'a> {
    /// A new or empty folder: each file written as it comes.
    Fresh {
        folder: FreshFolder,
        subfolders: BTreeSet<String>,
        files: usize,
    },
    /// A bundle of the same unit: every file made first, then each checked and each replaced.
    Replace {
        dir: &'a Path,
        inputs: &'a Inputs,
        files: Vec<(String, Vec<u8>)>,
    },
}

impl<'a> Sink<'a> {
    /// Opens `dir` for the bundle `m`.
    ///
    /// # Errors
    ///
    /// As [`check`], or the folder cannot be created.
    pub fn open(dir: &'a Path, inputs: &'a Inputs, m: &Manifest) -> Result<Sink<'a>, OutputError> {
        check(dir, inputs, Some(m))?;
        let fresh = match std::fs::symlink_metadata(dir) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => true,
            Ok(md) if md.file_type().is_dir() => std::fs::read_dir(dir)
                .map_err(|source| OutputError::Io {
                    path: dir.to_path_buf(),
                    source,
                })?
                .next()
                .is_none(),
            _ => false,
        };
        if fresh {
            return Ok(Sink::Fresh {
                folder: FreshFolder::create(dir, inputs, "manifest.json")?,
                subfolders: BTreeSet::new(),
                files: 0,
            });
        }
        Ok(Sink::Replace {
            dir,
            inputs,
            files: Vec::new(),
        })
    }

    /// Writes (or, replacing, keeps for [`Sink::finish`]) the file `rel`.
    ///
    /// # Errors
    ///
    /// The file cannot be written (what the bundle wrote so far is removed when the sink is
    /// dropped).
    pub fn file(
        &mut self,
        rel: &str,
        write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
    ) -> Result<(), OutputError> {
        match self {
            Sink::Fresh {
                folder,
                subfolders,
                files,
            } => FreshFiles {
                folder,
                subfolders,
                files,
            }
            .file(rel, write),
            Sink::Replace { dir, files, .. } => {
                let mut bytes = Vec::new();
                write(&mut bytes).map_err(|source| OutputError::Io {
                    path: dir.join(rel),
                    source,
                })?;
                files.push((rel.to_owned(), bytes));
                Ok(())
            }
        }
    }

    /// Writes the files `rest` writes and the file `last` (written by `write_last`) beside each
    /// other on two threads in a fresh folder, `last` under a name of its own until `rest` is
    /// written (then [`FreshFolder::publish`]ed): a folder holding `last` holds the rest. When
    /// replacing, `rest` then `last`, one after the other.
    ///
    /// # Errors
    ///
    /// A file that cannot be written: `rest`'s error first.
    pub fn file_last_beside(
        &mut self,
        last: &str,
        write_last: impl FnOnce(&mut dyn Write) -> io::Result<()> + Send,
        rest: impl FnOnce(&mut dyn super::build::Files) -> Result<(), OutputError>,
    ) -> Result<(), OutputError> {
        let Sink::Fresh {
            folder,
            subfolders,
            files,
        } = self
        else {
            rest(self)?;
            return self.file(last, write_last);
        };
        let folder: &FreshFolder = folder;
        let partial = format!(".{last}.partial");
        let (written, others) = crate::par::join(
            || folder.file(&partial, write_last),
            || {
                rest(&mut FreshFiles {
                    folder,
                    subfolders,
                    files,
                })
            },
        );
        others?;
        written?;
        *files += 1;
        folder.publish(&partial, last)
    }

    /// Puts the bundle on disk; the number of its files.
    ///
    /// # Errors
    ///
    /// The sync failed (a fresh folder is then removed), or a file to replace is a link or not
    /// a regular file, or cannot be written (the files before it stay written).
    pub fn finish(self) -> Result<usize, OutputError> {
        match self {
            Sink::Fresh { folder, files, .. } => folder.finish().map(|()| files),
            Sink::Replace { dir, inputs, files } => {
                replace(dir, inputs, &files)?;
                Ok(files.len())
            }
        }
    }
}

/// Replaces the bundle's files in `dir` (checked by [`check`]): every path checked first,
/// then each file written atomically.
fn replace(dir: &Path, inputs: &Inputs, files: &[(String, Vec<u8>)]) -> Result<(), OutputError> {
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

/// A fresh folder's files as [`Sink::Fresh`] writes them: each sub-folder made before its
/// first file, every file counted.
struct FreshFiles<'s> {
    folder: &'s FreshFolder,
    subfolders: &'s mut BTreeSet<String>,
    files: &'s mut usize,
}

impl FreshFiles<'_> {
    fn file(
        &mut self,
        rel: &str,
        write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
    ) -> Result<(), OutputError> {
        if let Some((sub, _)) = rel.split_once('/') {
            if !self.subfolders.contains(sub) {
                self.folder.folder(sub)?;
                self.subfolders.insert(sub.to_owned());
            }
        }
        *self.files += 1;
        self.folder.file(rel, write)
    }
}

impl super::build::Files for FreshFiles<'_> {
    fn file(
        &mut self,
        rel: &str,
        write: &mut dyn FnMut(&mut dyn Write) -> io::Result<()>,
    ) -> Result<(), OutputError> {
        FreshFiles::file(self, rel, write)
    }
}
