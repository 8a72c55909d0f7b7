//! Deterministic generator of realistic large tenants, for benchmarks and tests.
//!
//! [`generate`] writes a tenant of any size (10^5–10^6 users is what it is for) in one of the
//! export formats licplan reads, so `licplan::ingest::load` reads it back. The same options give
//! the same bytes on every run and platform: everything comes from one seeded ChaCha8 stream and
//! uuid v5 names, and nothing depends on time, hashing order or the file system.
//!
//! # The tenant
//!
//! "Fabrikam" (`fabrikam.edu`, organization usage location US) subscribes to five products:
//! STANDARDPACK (Office 365 E1), ENTERPRISEPACK (E3), ENTERPRISEPREMIUM (E5), the
//! WORKPLACE_ANALYTICS add-on and FLOW_FREE, with the bundled catalog's service plans.
//!
//! - **Users**: ~60% E1, ~30% E3, ~8% E5, ~2% unlicensed (exact counts, rounded). Each licensed
//!   user holds its product directly only, inherited only, or both (dual assignment: E1 25% /
//!   60% / 15%, E3 40% / 45% / 15%, E5 30% / 55% / 15%). Direct E1 licenses disable one of a
//!   handful of common plan sets (none, YAMMER_ENTERPRISE, SWAY + FORMS_PLAN_E1, TEAMS1, …).
//!   ~10% of E3 users also hold WORKPLACE_ANALYTICS directly, ~1% of users FLOW_FREE directly,
//!   ~2% have a disabled account.
//! - **Usage locations**: US, GB, DE, FR, CA, NL, AU, IN, JP, ES, IT; 1% of users have none
//!   (all of them inherit-only or unlicensed: Graph refuses a direct license without one).
//! - **Proxy addresses**: `SMTP:<upn>` and `smtp:<alias>@fabrikam.onmicrosoft.com`; in
//!   `2 + users/100,000` pairs of users, the second keeps a stale `smtp:` alias of the first one's
//!   `SMTP:` primary address in other letter case (a duplicate proxy address).
//! - **Errors** on inherited paths (they take no seat): `2 + users/40,000` E1 holders sit in an
//!   E3 group (`MutuallyExclusiveViolation`: Exchange Online Plan 1 and Plan 2), as many E3
//!   holders in an E5 group (`CountViolation`).
//! - **Groups**: licensed static security groups from 10 members up to the largest,
//!   `LIC-O365-E1-AllStaff`, with min(200,000, 40% of users); the other inheritors fill
//!   halving ladders of E1, E3 and E5 groups. Among them `SYNC-LIC-O365-E1-Campus` is synced from
//!   on-premises; `DYN-Marketing` is dynamic and assigns FLOW_FREE to ~4% of users; `Visiting
//!   Scholars` (E1 holders, unlicensed) is nested in `LIC-O365-E3-Faculty`; `Project Phoenix` is
//!   an unlicensed Microsoft 365 group.
//! - **Seats**: consumed = the users holding a product through at least one path without error
//!   (one seat however many paths); enabled = consumed + spare: 5% (E1), 4% (E3), 10%
//!   (WORKPLACE_ANALYTICS), little (E5: 1 + 0.1%), and FLOW_FREE's 10,000 (or the next 10,000 up).
//!
//! # The files
//!
//! | format | files |
//! |---|---|
//! | [`GenFormat::Graph`] | `users.page0001.json`… (Graph's page wrapper, ≤ 999 users a page, `@odata.nextLink` on all but the last), `groups.json`, `members.<group-id>.json` (or `members.<group-id>.page0001.json`… past 999 members), `subscribedSkus.json`, `organization.json`; two-space indents, LF |
//! | [`GenFormat::PowerShell`] | `users.json`, `groups.json`, `members.json` (every group's members, each with `GroupId`), `skus.json`, `organization.json` (one object): `ConvertTo-Json -Depth 10` layout with PascalCase keys, `"AdditionalProperties": {}`, `"Key":  value`, CRLF, UTF-8 without BOM |
//! | [`GenFormat::Csv`] | `users.csv`, `groups.csv`, `group-licenses.csv`, `memberships.csv`, `assignments.csv`, `skus.csv`, `organization.csv` (users by UPN, groups by name, products by part number, plans by name; LF) |
//!
//! The three formats of the same options load to the same [`crate::model::Tenant`].
//!
//! # The output folder
//!
//! `out` is created if missing. An existing folder is accepted when it is empty, or when its
//! marker file `.licplan-generate` shows an earlier run of this generator wrote everything in
//! it (see [`folder`]): the files that marker lists are deleted before writing, so the folder
//! then holds exactly one tenant (no stale pages of a larger earlier run, which the loader would
//! read too), and nothing else is ever deleted or replaced. Any other folder is refused with
//! `ErrorKind::AlreadyExists` and left untouched: one holding a file or folder that no marker
//! lists (the error names it), a listed file changed since it was written, and real exports
//! whose names merely match the generator's.
//!
//! # Streaming
//!
//! Users are written as they are drawn, through buffered writers; what is kept is the design
//! (a few dozen groups) and each group's member indices (4 bytes per membership, ~0.8 per user),
//! from which the member files are written at the end. Names and ids are functions of a user's
//! index, so nothing else about a user is stored.

mod blueprint;
mod csvout;
pub mod folder;
mod jsonout;
mod names;

use std::io::{self, BufWriter};
use std::path::Path;

use blueprint::{Blueprint, GenUser, Roster, UserGen};

/// The export format to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GenFormat {
    /// Microsoft Graph REST JSON, paged.
    Graph,
    /// Microsoft Graph PowerShell SDK objects through `ConvertTo-Json -Depth 10`.
    PowerShell,
    /// licplan's plain CSV.
    Csv,
}

impl GenFormat {
    /// `graph`, `powershell` or `csv`.
    pub fn as_str(self) -> &'static str {
        match self {
            GenFormat::Graph => "graph",
            GenFormat::PowerShell => "powershell",
            GenFormat::Csv => "csv",
        }
    }

    /// Parses `graph`, `powershell` or `csv` (any case).
    pub fn parse(s: &str) -> Option<Self> {
        [GenFormat::Graph, GenFormat::PowerShell, GenFormat::Csv]
            .into_iter()
            .find(|f| f.as_str().eq_ignore_ascii_case(s.trim()))
    }
}

/// What to generate.
#[derive(Debug, Clone)]
pub struct GenerateOptions {
    pub users: u64,
    pub seed: u64,
    pub format: GenFormat,
}

/// What was written.
#[derive(Debug, Clone, serde::Serialize)]
pub struct GenerateSummary {
    pub users: u64,
    pub groups: u64,
    /// File names inside the output folder, sorted.
    pub files: Vec<String>,
    /// Part number, enabled seats, consumed seats; in the order E1, E3, E5,
    /// WORKPLACE_ANALYTICS, FLOW_FREE.
    pub skus: Vec<(String, u32, u32)>,
}

/// How often the progress callback hears of users written.
const PROGRESS_EVERY: u64 = 10_000;

/// Writes a tenant into `out`. See the [module documentation](self) for the tenant, the files,
/// and which existing folders are accepted (a folder holding anything but this generator's
/// files is refused with `ErrorKind::AlreadyExists`). Same options → same bytes.
pub fn generate(opts: &GenerateOptions, out: &Path) -> io::Result<GenerateSummary> {
    generate_with_progress(opts, out, &mut |_| {})
}

/// [`generate`], calling `progress` with the number of users written every 10,000 users and
/// once at the end.
pub fn generate_with_progress(
    opts: &GenerateOptions,
    out: &Path,
    progress: &mut dyn FnMut(u64),
) -> io::Result<GenerateSummary> {
    let bp = Blueprint::new(opts.seed, opts.users)?;
    folder::prepare(out)?;
    let mut sink: Box<dyn Sink + '_> = match opts.format {
        GenFormat::Graph => Box::new(jsonout::RestSink::new(out, opts.users)),
        GenFormat::PowerShell => Box::new(jsonout::PowerShellSink::new(out)),
        GenFormat::Csv => Box::new(csvout::CsvSink::new(out)),
    };
    let (mut gen, mut roster) = UserGen::new(&bp);
    let mut user = GenUser::default();
    for i in 1..=opts.users {
        gen.next_user(&bp, &mut roster, &mut user);
        sink.user(&bp, &user)?;
        if i % PROGRESS_EVERY == 0 && i != opts.users {
            progress(i);
        }
    }
    let mut files = sink.finish(&bp, &roster)?;
    files.sort();
    folder::seal(out, &files)?;
    progress(opts.users);
    let skus = bp
        .seats(&roster)
        .into_iter()
        .filter_map(|(s, enabled, consumed)| {
            bp.skus
                .get(s)
                .map(|k| (k.part_number.clone(), enabled, consumed))
        })
        .collect();
    Ok(GenerateSummary {
        users: opts.users,
        groups: bp.groups.len() as u64,
        files,
        skus,
    })
}

/// A file being written: buffered, each chunk announced in the folder's marker (see [`folder`]).
type Out = BufWriter<folder::Written>;

/// A format's writer: users as they come, the rest at the end.
trait Sink {
    fn user(&mut self, bp: &Blueprint, u: &GenUser) -> io::Result<()>;
    /// Writes everything else and returns the names of the files written.
    fn finish(self: Box<Self>, bp: &Blueprint, roster: &Roster) -> io::Result<Vec<String>>;
}

/// Creates `dir/name` (where nothing is) for buffered writing and records its name, in `files`
/// and in the folder's marker.
fn create(dir: &Path, name: &str, files: &mut Vec<String>) -> io::Result<Out> {
    let f = folder::create(dir, name)
        .map_err(|e| io::Error::new(e.kind(), format!("cannot create {name}: {e}")))?;
    files.push(name.to_owned());
    Ok(BufWriter::with_capacity(1 << 20, f))
}

/// Whether a file name is one this generator writes (in any format).
fn is_generated_name(name: &str) -> bool {
    const FIXED: &[&str] = &[
        "users.json",
        "groups.json",
        "members.json",
        "subscribedSkus.json",
        "skus.json",
        "organization.json",
        "users.csv",
        "groups.csv",
        "group-licenses.csv",
        "memberships.csv",
        "assignments.csv",
        "skus.csv",
        "organization.csv",
    ];
    let page = |s: &str| {
        s.strip_prefix(".page")
            .is_some_and(|d| d.len() >= 4 && d.bytes().all(|b| b.is_ascii_digit()))
    };
    if FIXED.contains(&name) {
        return true;
    }
    if let Some(rest) = name
        .strip_prefix("users")
        .and_then(|r| r.strip_suffix(".json"))
    {
        return page(rest);
    }
    if let Some(rest) = name
        .strip_prefix("members.")
        .and_then(|r| r.strip_suffix(".json"))
    {
        if rest.len() < 36 || !rest.is_char_boundary(36) {
            return false;
        }
        let (guid, tail) = rest.split_at(36);
        let lower_guid =
            uuid::Uuid::try_parse(guid).is_ok_and(|u| u.hyphenated().to_string() == guid);
        return lower_guid && (tail.is_empty() || page(tail));
    }
    false
}

#[cfg(test)]
mod tests;
