//! CSV exports: the admin center's "Export users" file and the plain CSVs of scripted exports.
//!
//! Columns are found by header name, never by position (the admin center's layout changed
//! between versions). A column licplan does not know is counted as a finding; a missing required
//! column is an error naming the file and the column.

use std::collections::BTreeSet;

use super::builder::Builder;
use super::csvfile::{parse_bool, split_list, CsvFile, Row};
use super::error::{InputError, Location};
use super::raw::{
    AssignmentRow, GroupLicenseRow, GroupRef, MemberKind, MemberRef, MembershipRow, Origin,
    PlanRef, ProductNamesRow, SkuRef, SkuRow, UserRef,
};
use super::source::{SourceContent, SourceFormat};
use crate::findings::FindingCode;
use crate::model::{
    AssignmentError, AssignmentState, CountryCode, Group, GroupId, ParsedError, Seats, User, UserId,
};

mod rows;

pub use rows::split_proxy_addresses;
use rows::*;

/// What a CSV file holds, told from its header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CsvContent {
    AdminUsers,
    Users,
    Groups,
    GroupLicenses,
    Memberships,
    Assignments,
    Skus,
    Organization,
}

impl CsvContent {
    pub fn format(self) -> SourceFormat {
        match self {
            CsvContent::AdminUsers => SourceFormat::AdminCenterCsv,
            _ => SourceFormat::PlainCsv,
        }
    }

    pub fn content(self) -> SourceContent {
        match self {
            CsvContent::AdminUsers | CsvContent::Users => SourceContent::Users,
            CsvContent::Groups => SourceContent::Groups,
            CsvContent::GroupLicenses => SourceContent::GroupLicenses,
            CsvContent::Memberships => SourceContent::GroupMembers,
            CsvContent::Assignments => SourceContent::Assignments,
            CsvContent::Skus => SourceContent::Skus,
            CsvContent::Organization => SourceContent::Organization,
        }
    }

    /// Required and optional columns (normalised names).
    fn columns(self) -> (&'static [&'static str], &'static [&'static str]) {
        match self {
            CsvContent::AdminUsers => (&["user_principal_name", "object_id"], ADMIN_KNOWN),
            CsvContent::Users => (
                &["id"],
                &[
                    "upn",
                    "display_name",
                    "usage_location",
                    "account_enabled",
                    "proxy_addresses",
                ],
            ),
            CsvContent::Groups => (
                &["id"],
                &[
                    "display_name",
                    "security_enabled",
                    "unified",
                    "membership_rule",
                    "on_premises_sync_enabled",
                ],
            ),
            CsvContent::GroupLicenses => (&["group", "sku"], &["disabled_plans"]),
            CsvContent::Memberships => (&["group"], &["user", "member", "member_type"]),
            CsvContent::Assignments => (
                &["user", "sku"],
                &["disabled_plans", "assigned_by_group", "state", "error"],
            ),
            CsvContent::Skus => (
                &["sku", "enabled", "consumed"],
                &["suspended", "warning", "locked_out"],
            ),
            CsvContent::Organization => (&["default_usage_location"], &[]),
        }
    }
}

/// Every column of both known "Export users" layouts (2023 alphabetical and 2025), normalised.
const ADMIN_KNOWN: &[&str] = &[
    "display_name",
    "dirsyncenabled",
    "first_name",
    "last_name",
    "when_created",
    "soft_deletion_time_stamp",
    "title",
    "department",
    "preferred_data_location",
    "city",
    "countryorregion",
    "country/region",
    "office",
    "stateorprovince",
    "state",
    "usage_location",
    "last_dirsync_time",
    "block_credential",
    "licenses",
    "license_assignment_details",
    "password_never_expires",
    "last_password_change_time_stamp",
    "mobile_phone",
    "phone_number",
    "postal_code",
    "preferred_language",
    "street_address",
    "fax",
    "proxy_addresses",
    "oath_token_meta_data",
    "release_track",
    "strong_password_required",
];

/// How to export users so their licenses and license paths are kept.
pub const GRAPH_USERS_EXPORT: &str = "export JSON instead: Get-MgUser -All -Property id,userPrincipalName,displayName,usageLocation,accountEnabled,proxyAddresses,assignedLicenses,licenseAssignmentStates | ConvertTo-Json -Depth 10 | Out-File users.json (or GET /v1.0/users with that $select)";

/// A cell PowerShell's `Export-Csv` (or `ConvertTo-Json` at too small a depth) wrote for a
/// nested object: the object's type name, its contents lost.
pub fn is_type_name(cell: &str) -> bool {
    cell == "System.Object[]"
        || cell.starts_with("System.Collections.Generic.")
        || cell.starts_with("Microsoft.Graph.PowerShell.Models.")
        || cell.starts_with("Microsoft.Online.Administration.")
        || (cell.starts_with("@{") && cell.ends_with('}') && cell.contains('='))
}

/// A CSV whose header shows it cannot carry licenses licplan can read, with how to re-export:
/// `Get-MsolUser | Export-Csv` (the retired MSOnline module) and `Get-MgUser | Export-Csv`.
pub fn refuse_header(csv: &CsvFile<'_>) -> Option<InputError> {
    let h = |n: &str| csv.has(n);
    // PowerShell writes property names as they are (`IsLicensed`); normalised, they lose no
    // underscores to match, so both spellings are looked for.
    let any = |names: &[&str]| names.iter().any(|n| h(n));
    if any(&["is_licensed", "islicensed", "licensereconciliationneeded"])
        || (h("objectid") && h("licenses"))
    {
        return Some(
            InputError::new(
                csv.path,
                Location::Line(1),
                "a Get-MsolUser export (its IsLicensed, Licenses or ObjectId columns are the retired MSOnline module's): it does not say which licenses come from groups, and Export-Csv writes each user's licenses as a type name or \"tenant:SKU\" names",
            )
            .field(if any(&["is_licensed", "islicensed"]) { "IsLicensed" } else { "Licenses" })
            .hint(GRAPH_USERS_EXPORT),
        );
    }
    if any(&[
        "assigned_licenses",
        "assignedlicenses",
        "license_assignment_states",
        "licenseassignmentstates",
    ]) {
        let col = if any(&["license_assignment_states", "licenseassignmentstates"]) {
            "LicenseAssignmentStates"
        } else {
            "AssignedLicenses"
        };
        return Some(
            InputError::new(
                csv.path,
                Location::Line(1),
                format!("a Get-MgUser … | Export-Csv export: Export-Csv writes the {col} column's objects as their type name (such as System.Object[] or Microsoft.Graph.PowerShell.Models.MicrosoftGraphAssignedLicense[]), so the licenses are not in the file"),
            )
            .field(col)
            .hint(GRAPH_USERS_EXPORT),
        );
    }
    if h("userprincipalname") && detect(csv).is_none() {
        return Some(
            InputError::new(
                csv.path,
                Location::Line(1),
                "a PowerShell Export-Csv of users (its UserPrincipalName column is a PowerShell property name): Export-Csv cannot carry the nested license objects, so this file holds no license paths",
            )
            .field("UserPrincipalName")
            .hint(GRAPH_USERS_EXPORT),
        );
    }
    None
}

/// Tells a CSV's content from its header; `None` when it is no export licplan knows.
pub fn detect(csv: &CsvFile<'_>) -> Option<CsvContent> {
    let h = |n: &str| csv.has(n);
    Some(
        if h("user_principal_name") && (h("licenses") || h("object_id")) {
            CsvContent::AdminUsers
        } else if h("user") && h("sku") {
            CsvContent::Assignments
        } else if h("sku") && h("enabled") {
            CsvContent::Skus
        } else if h("group") && h("sku") {
            CsvContent::GroupLicenses
        } else if h("group") && (h("user") || h("member")) {
            CsvContent::Memberships
        } else if h("id") && h("upn") {
            CsvContent::Users
        } else if h("id") && (h("security_enabled") || h("membership_rule")) {
            CsvContent::Groups
        } else if h("default_usage_location") {
            CsvContent::Organization
        } else {
            return None;
        },
    )
}

/// Reads a CSV of known content into the builder; returns the number of data rows.
pub fn read(
    b: &mut Builder,
    mut csv: CsvFile<'_>,
    content: CsvContent,
    fid: u32,
) -> Result<u64, InputError> {
    let (required, optional) = content.columns();
    for r in required {
        if !csv.has(r) {
            return Err(InputError::new(
                csv.path,
                Location::Line(1),
                format!("the required column {r:?} is missing"),
            )
            .field(*r)
            .hint(match content {
                CsvContent::AdminUsers => {
                    "export again from the admin center: Users → Active users → Export users"
                }
                _ => "see the README's plain CSV formats for the columns of each file",
            }));
        }
    }
    if content == CsvContent::Memberships && !csv.has("user") && !csv.has("member") {
        return Err(InputError::new(
            csv.path,
            Location::Line(1),
            "a memberships file needs a \"user\" or \"member\" column",
        )
        .field("user")
        .hint("write `group,user` or `group,member,member_type`"));
    }
    let file_name = csv
        .path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut seen = BTreeSet::new();
    for name in &csv.header {
        let n = super::csvfile::normalise(name);
        if !required.contains(&n.as_str()) && !optional.contains(&n.as_str()) && seen.insert(n) {
            b.findings.add(
                FindingCode::UnknownColumn,
                format!("{name:?} in {file_name}"),
            );
        }
    }
    let cols = Cols::new(&csv);
    let utf16 = super::text::is_utf16(csv.path);
    let path = csv.path;
    let mut rows = 0u64;
    let mut skipped = Vec::new();
    let mut problems = Problems::default();
    loop {
        let next = csv.next_row(&mut skipped);
        // Rows that could not be read are reported in file order, and reading goes on.
        for e in skipped.drain(..) {
            problems.report(b, e);
        }
        let row = match next {
            Ok(Some(row)) => row,
            Ok(None) => break,
            Err(e) => {
                problems.finish(b, path);
                return Err(e);
            }
        };
        rows += 1;
        let origin = Origin {
            file: fid,
            at: row.line,
        };
        if row.is_empty() {
            b.findings.add(FindingCode::EmptyRow, b.place(origin));
            continue;
        }
        // Transcoding replaced malformed UTF-16 (an unpaired surrogate) with U+FFFD: the text
        // is not what the export holds.
        if utf16 {
            if let Some(col) = row.column_with('\u{FFFD}') {
                problems.report(
                    b,
                    row.error(
                        Some(col),
                        "the text is not valid UTF-16 (an unpaired surrogate)",
                        "export again, or save the file as UTF-8",
                    ),
                );
                continue;
            }
        }
        // A nested object flattened to its type name: whatever it held is not in the file.
        if let Some((col, cell)) = row.find_cell(is_type_name) {
            problems.finish(b, path);
            return Err(row.error(
                Some(col),
                format!(
                    "holds {:?}, the type name PowerShell writes for a nested object (Export-Csv, or ConvertTo-Json at its default depth): what it held is lost",
                    super::text::short(cell)
                ),
                GRAPH_USERS_EXPORT,
            ));
        }
        // MSOnline's `tenant:SKU` license names (Get-MsolUser, Licenses.AccountSkuId).
        if content == CsvContent::AdminUsers {
            let licenses = row.get(cols.licenses);
            if licenses
                .split([';', '+', ',', '|'])
                .map(str::trim)
                .any(|l| {
                    l.split_once(':').is_some_and(|(t, s)| {
                        !t.is_empty() && !t.contains(' ') && !s.is_empty() && !s.contains(' ')
                    })
                })
            {
                problems.finish(b, path);
                return Err(row.error(
                    cols.licenses,
                    format!("holds {:?}: MSOnline's tenant:SKU names (Get-MsolUser), which do not say which licenses come from groups", super::text::short(licenses)),
                    GRAPH_USERS_EXPORT,
                ));
            }
        }
        let outcome = match content {
            CsvContent::AdminUsers => admin_user(b, &row, &cols, origin),
            CsvContent::Users => plain_user(b, &row, &cols, origin),
            CsvContent::Groups => plain_group(b, &row, &cols, origin),
            CsvContent::GroupLicenses => {
                b.group_licenses.push(GroupLicenseRow {
                    group: GroupRef::parse(row.get(cols.group)),
                    sku: SkuRef::parse(row.get(cols.sku)),
                    disabled_plans: plans(row.get(cols.disabled_plans)),
                    origin,
                });
                Ok(())
            }
            CsvContent::Memberships => membership(b, &row, &cols, origin),
            CsvContent::Assignments => assignment(b, &row, &cols, origin),
            CsvContent::Skus => sku_row(b, &row, &cols, origin),
            CsvContent::Organization => {
                match CountryCode::parse_optional(row.get(cols.default_usage_location)) {
                    Ok(Some(c)) => {
                        b.set_default_usage_location(c, csv_path(&row), origin);
                        Ok(())
                    }
                    Ok(None) => Ok(()),
                    Err(e) => Err(row.error(
                        cols.default_usage_location,
                        e.to_string(),
                        "write the organization's two-letter country code",
                    )),
                }
            }
        };
        if let Err(e) = outcome {
            problems.report(b, e);
        }
    }
    problems.finish(b, path);
    if content == CsvContent::Assignments {
        b.assignments_file_seen = true;
    }
    if content == CsvContent::Memberships {
        b.memberships_file_seen = true;
    }
    Ok(rows)
}

/// Problems listed one by one per file; past that many they are counted.
pub const LISTED_PER_FILE: usize = 100;

/// A file's problems: the first [`LISTED_PER_FILE`] go to the builder, the rest are counted by
/// kind (the column at fault), so a million bad rows cost a count, not a million messages.
#[derive(Default)]
struct Problems {
    listed: usize,
    more: u64,
    kinds: std::collections::BTreeMap<String, u64>,
}

impl Problems {
    fn report(&mut self, b: &mut Builder, e: InputError) {
        if self.listed < LISTED_PER_FILE {
            self.listed += 1;
            b.error(e);
            return;
        }
        self.more += 1;
        let kind = match &e.field {
            Some(f) => format!("in column {f:?}"),
            None => "rows that cannot be read".to_owned(),
        };
        *self.kinds.entry(kind).or_default() += 1;
    }

    fn finish(&mut self, b: &mut Builder, path: &std::path::Path) {
        if self.more > 0 {
            b.error(InputError::more(path, self.more, &self.kinds));
            self.more = 0;
        }
    }
}

fn csv_path<'r>(row: &Row<'r>) -> &'r std::path::Path {
    row.path
}

/// Column indexes by normalised name, looked up once per file.
struct Cols {
    id: Option<usize>,
    upn: Option<usize>,
    display_name: Option<usize>,
    usage_location: Option<usize>,
    account_enabled: Option<usize>,
    proxy_addresses: Option<usize>,
    security_enabled: Option<usize>,
    unified: Option<usize>,
    membership_rule: Option<usize>,
    on_premises_sync_enabled: Option<usize>,
    group: Option<usize>,
    user: Option<usize>,
    member: Option<usize>,
    member_type: Option<usize>,
    sku: Option<usize>,
    disabled_plans: Option<usize>,
    assigned_by_group: Option<usize>,
    state: Option<usize>,
    error: Option<usize>,
    enabled: Option<usize>,
    consumed: Option<usize>,
    suspended: Option<usize>,
    warning: Option<usize>,
    locked_out: Option<usize>,
    default_usage_location: Option<usize>,
    admin_upn: Option<usize>,
    object_id: Option<usize>,
    block_credential: Option<usize>,
    licenses: Option<usize>,
    license_details: Option<usize>,
}

impl Cols {
    fn new(c: &CsvFile<'_>) -> Self {
        Cols {
            id: c.column("id"),
            upn: c.column("upn"),
            display_name: c.column("display_name"),
            usage_location: c.column("usage_location"),
            account_enabled: c.column("account_enabled"),
            proxy_addresses: c.column("proxy_addresses"),
            security_enabled: c.column("security_enabled"),
            unified: c.column("unified"),
            membership_rule: c.column("membership_rule"),
            on_premises_sync_enabled: c.column("on_premises_sync_enabled"),
            group: c.column("group"),
            user: c.column("user"),
            member: c.column("member"),
            member_type: c.column("member_type"),
            sku: c.column("sku"),
            disabled_plans: c.column("disabled_plans"),
            assigned_by_group: c.column("assigned_by_group"),
            state: c.column("state"),
            error: c.column("error"),
            enabled: c.column("enabled"),
            consumed: c.column("consumed"),
            suspended: c.column("suspended"),
            warning: c.column("warning"),
            locked_out: c.column("locked_out"),
            default_usage_location: c.column("default_usage_location"),
            admin_upn: c.column("user_principal_name"),
            object_id: c.column("object_id"),
            block_credential: c.column("block_credential"),
            licenses: c.column("licenses"),
            license_details: c.column("license_assignment_details"),
        }
    }
}

fn plans(cell: &str) -> Vec<PlanRef> {
    split_list(cell).into_iter().map(PlanRef::parse).collect()
}

fn user_id(row: &Row<'_>, col: Option<usize>) -> Result<UserId, InputError> {
    UserId::parse(row.get(col)).map_err(|e| {
        row.error(
            col,
            e.to_string(),
            "the user's object id is a GUID (Entra ID → Users → the user → Object ID)",
        )
    })
}

fn usage_location(row: &Row<'_>, col: Option<usize>) -> Result<Option<CountryCode>, InputError> {
    CountryCode::parse_optional(row.get(col)).map_err(|e| {
        row.error(
            col,
            e.to_string(),
            "usage locations are two-letter country codes; leave the cell empty for none",
        )
    })
}

fn boolean(row: &Row<'_>, col: Option<usize>) -> Result<Option<bool>, InputError> {
    parse_bool(row.get(col)).map_err(|_| {
        row.error(
            col,
            format!("{:?} is not true or false", row.get(col)),
            "write true or false (or leave the cell empty when unknown)",
        )
    })
}

/// A seat count the seat checks rest on: an empty cell is an error, never a silent 0.
fn required_count(row: &Row<'_>, col: Option<usize>) -> Result<u32, InputError> {
    if row.get(col).is_empty() {
        return Err(row.error(
            col,
            "the seat count is empty: the seats cannot be checked without it".to_owned(),
            "write the number of seats (0 if there are none)",
        ));
    }
    count(row, col)
}

fn count(row: &Row<'_>, col: Option<usize>) -> Result<u32, InputError> {
    let s = row.get(col);
    if s.is_empty() {
        return Ok(0);
    }
    // Digits only past what a u32 holds: "too large", whatever i64 makes of them.
    let digits = s.strip_prefix('+').unwrap_or(s);
    if digits.len() > 10 && digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(row.error(
            col,
            format!(
                "seat count {s} is too large (out of range: at most {})",
                u32::MAX
            ),
            "seat counts are 32-bit in Graph; check the value",
        ));
    }
    match s.parse::<i64>() {
        Ok(n) if n < 0 => Err(row.error(
            col,
            format!("seat count {n} is negative"),
            "seat counts are zero or more",
        )),
        Ok(n) => u32::try_from(n).map_err(|_| {
            row.error(
                col,
                format!(
                    "seat count {n} is too large (out of range: at most {})",
                    u32::MAX
                ),
                "seat counts are 32-bit in Graph; check the value",
            )
        }),
        Err(_) => Err(row.error(
            col,
            format!("{s:?} is not a whole number"),
            "seat counts are whole numbers like 25",
        )),
    }
}

#[cfg(test)]
mod tests;
