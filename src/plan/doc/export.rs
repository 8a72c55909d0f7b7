//! The export a plan was made from, or a `verify` read: its hash, the files read with what each
//! holds and when it was taken (from evidence in the data, see [`crate::ingest::dates`]), and
//! when the whole export was taken.

use serde::{Deserialize, Serialize};

use crate::ingest::dates::{ExportTaken, Taken};
use crate::ingest::source::{SourceContent, SourceFormat};
use crate::ingest::Loaded;

/// The export a plan was made from: its hash (SHA-256 of the tenant as read, see
/// [`crate::model::fingerprint`]), the tenant id when the exports give one, and what was read.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ExportRef {
    pub hash: String,
    pub tenant_id: Option<String>,
    /// The files read and when they were taken.
    #[serde(flatten)]
    pub read: ExportRead,
}

impl ExportRef {
    /// The export `loaded` was read from, with `tenant`'s hash and id.
    pub fn of(loaded: &Loaded) -> ExportRef {
        ExportRef {
            hash: crate::model::fingerprint::export_hash(&loaded.tenant),
            tenant_id: loaded.tenant.organization.tenant_id().map(str::to_owned),
            read: ExportRead::of(loaded),
        }
    }
}

/// The files of an export, sorted by path, and when the export was taken.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportRead {
    /// When the export was taken: the earliest and latest of its files' dates, said as what
    /// they are (a response's `Date` header, or a lower bound).
    pub taken: ExportTaken,
    pub files: Vec<ExportFile>,
}

impl ExportRead {
    /// What `loaded` read: its sources, which are sorted by path relative to the tenant folder.
    pub fn of(loaded: &Loaded) -> ExportRead {
        let mut files: Vec<ExportFile> = loaded
            .sources
            .iter()
            .map(|s| ExportFile {
                file: s.file.clone(),
                role: s.content,
                format: s.format,
                records: s.records,
                taken: s.taken,
            })
            .collect();
        files.sort_by(|a, b| a.file.cmp(&b.file));
        ExportRead {
            taken: ExportTaken::of(files.iter().map(|f| f.taken)),
            files,
        }
    }

    /// Every file name passed through `f` (redaction: a name may hold an id or a UPN).
    pub fn map_files(&mut self, f: &dyn Fn(&str) -> String) {
        for x in &mut self.files {
            x.file = f(&x.file);
        }
        // Shown sorted, as the unredacted names are.
        self.files.sort_by(|a, b| a.file.cmp(&b.file));
    }
}

/// One file read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportFile {
    /// The path relative to the tenant folder (or as named on the command line).
    pub file: String,
    /// What it holds: `users`, `groups`, `group-members`, `skus`, `organization`, …
    pub role: SourceContent,
    /// `graph-rest`, `graph-powershell`, `admin-center-csv` or `plain-csv`.
    pub format: SourceFormat,
    pub records: u64,
    pub taken: Taken,
}
