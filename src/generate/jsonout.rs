//! Graph REST JSON (paged wrappers, camelCase) and Graph PowerShell JSON (bare arrays,
//! PascalCase, `"AdditionalProperties": {}`, `"key":  value`, CRLF), written record by record.

use std::io::{self, Write};
use std::path::Path;

use serde::ser::Serializer as _;
use serde::Serialize;
use uuid::Uuid;

use super::blueprint::{
    Blueprint, GenUser, Roster, COUNTRY, DOMAIN, INITIAL_DOMAIN, LAST_UPDATED, ORG_NAME,
};
use super::{create, Sink};
use crate::model::{PlanId, SkuId};

mod powershell;
mod rest;

pub(crate) use powershell::PowerShellSink;
pub(crate) use rest::RestSink;

/// Graph's `$top=999`: the most records on one page.
pub(crate) const PAGE: u64 = 999;

const USERS_SELECT: &str = "id,userPrincipalName,displayName,usageLocation,accountEnabled,proxyAddresses,assignedLicenses,licenseAssignmentStates";
const GRAPH: &str = "https://graph.microsoft.com/v1.0";

/// How a file is laid out.
#[derive(Debug)]
struct Style {
    indent: &'static [u8],
    newline: &'static [u8],
    colon: &'static [u8],
}

/// `az rest` / Graph Explorer: two-space indents, LF.
const REST: Style = Style {
    indent: b"  ",
    newline: b"\n",
    colon: b": ",
};

/// `ConvertTo-Json -Depth 10 | Out-File`: two spaces after the colon, CRLF.
const POWERSHELL: Style = Style {
    indent: b"  ",
    newline: b"\r\n",
    colon: b":  ",
};

/// serde_json's pretty printer with a configurable colon and line end, starting at any depth.
struct Pretty {
    style: &'static Style,
    level: usize,
    has_value: bool,
}

impl Pretty {
    fn line<W: ?Sized + Write>(&self, w: &mut W) -> io::Result<()> {
        w.write_all(self.style.newline)?;
        for _ in 0..self.level {
            w.write_all(self.style.indent)?;
        }
        Ok(())
    }
}

impl serde_json::ser::Formatter for Pretty {
    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.level += 1;
        self.has_value = false;
        w.write_all(b"[")
    }
    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.level -= 1;
        if self.has_value {
            self.line(w)?;
        }
        w.write_all(b"]")
    }
    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        if !first {
            w.write_all(b",")?;
        }
        self.line(w)
    }
    fn end_array_value<W: ?Sized + Write>(&mut self, _w: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.level += 1;
        self.has_value = false;
        w.write_all(b"{")
    }
    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.level -= 1;
        if self.has_value {
            self.line(w)?;
        }
        w.write_all(b"}")
    }
    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        if !first {
            w.write_all(b",")?;
        }
        self.line(w)
    }
    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(self.style.colon)
    }
    fn end_object_value<W: ?Sized + Write>(&mut self, _w: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

fn write_value<T: Serialize>(
    w: &mut super::Out,
    style: &'static Style,
    level: usize,
    value: &T,
) -> io::Result<()> {
    let mut ser = serde_json::Serializer::with_formatter(
        w,
        Pretty {
            style,
            level,
            has_value: false,
        },
    );
    value.serialize(&mut ser).map_err(io::Error::from)
}

fn write_str(w: &mut super::Out, s: &str) -> io::Result<()> {
    let mut ser = serde_json::Serializer::new(w);
    ser.serialize_str(s).map_err(io::Error::from)
}

/// A JSON array written one record at a time: a Graph page's `value`, or a bare array.
struct ArrayOut {
    w: super::Out,
    style: &'static Style,
    /// Depth of the records.
    level: usize,
    count: u64,
}

impl ArrayOut {
    /// A bare array (PowerShell).
    fn bare(dir: &Path, name: &str, files: &mut Vec<String>) -> io::Result<Self> {
        let mut w = create(dir, name, files)?;
        w.write_all(b"[")?;
        Ok(ArrayOut {
            w,
            style: &POWERSHELL,
            level: 1,
            count: 0,
        })
    }

    /// A Graph page: `{"@odata.context", "@odata.nextLink"?, "value": [`.
    fn page(
        dir: &Path,
        name: &str,
        files: &mut Vec<String>,
        context: &str,
        next_link: Option<&str>,
    ) -> io::Result<Self> {
        let mut w = create(dir, name, files)?;
        w.write_all(b"{\n  \"@odata.context\": ")?;
        write_str(&mut w, context)?;
        if let Some(next) = next_link {
            w.write_all(b",\n  \"@odata.nextLink\": ")?;
            write_str(&mut w, next)?;
        }
        w.write_all(b",\n  \"value\": [")?;
        Ok(ArrayOut {
            w,
            style: &REST,
            level: 2,
            count: 0,
        })
    }

    fn item<T: Serialize>(&mut self, value: &T) -> io::Result<()> {
        if self.count > 0 {
            self.w.write_all(b",")?;
        }
        self.w.write_all(self.style.newline)?;
        for _ in 0..self.level {
            self.w.write_all(self.style.indent)?;
        }
        write_value(&mut self.w, self.style, self.level, value)?;
        self.count += 1;
        Ok(())
    }

    fn close(mut self) -> io::Result<()> {
        let nl = self.style.newline;
        if self.count > 0 {
            self.w.write_all(nl)?;
            for _ in 1..self.level {
                self.w.write_all(self.style.indent)?;
            }
        }
        self.w.write_all(b"]")?;
        if self.level == 2 {
            self.w.write_all(b"\n}")?;
        }
        self.w.write_all(nl)?;
        self.w.flush()
    }
}

/// An empty `{}` (PowerShell's `AdditionalProperties`).
#[derive(Serialize)]
struct Empty {}

// ---- records -------------------------------------------------------------------------------

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RestLicense<'a> {
    disabled_plans: &'a [PlanId],
    sku_id: SkuId,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct PsLicense<'a> {
    disabled_plans: &'a [PlanId],
    sku_id: SkuId,
    additional_properties: Empty,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RestState<'a> {
    assigned_by_group: Option<Uuid>,
    disabled_plans: &'a [PlanId],
    error: &'static str,
    last_updated_date_time: &'static str,
    sku_id: SkuId,
    state: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct PsState<'a> {
    assigned_by_group: Option<Uuid>,
    disabled_plans: &'a [PlanId],
    error: &'static str,
    last_updated_date_time: &'static str,
    sku_id: SkuId,
    state: &'static str,
    additional_properties: Empty,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RestUser<'a> {
    id: Uuid,
    user_principal_name: &'a str,
    display_name: &'a str,
    usage_location: Option<&'a str>,
    account_enabled: bool,
    proxy_addresses: &'a [String],
    assigned_licenses: Vec<RestLicense<'a>>,
    license_assignment_states: Vec<RestState<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct PsUser<'a> {
    id: Uuid,
    user_principal_name: &'a str,
    display_name: &'a str,
    usage_location: Option<&'a str>,
    account_enabled: bool,
    proxy_addresses: &'a [String],
    assigned_licenses: Vec<PsLicense<'a>>,
    license_assignment_states: Vec<PsState<'a>>,
    additional_properties: Empty,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RestLicenseState {
    state: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RestGroup<'a> {
    id: Uuid,
    display_name: &'a str,
    security_enabled: bool,
    group_types: &'static [&'static str],
    membership_rule: Option<&'static str>,
    membership_rule_processing_state: Option<&'static str>,
    on_premises_sync_enabled: Option<bool>,
    mail_enabled: bool,
    assigned_licenses: Vec<RestLicense<'a>>,
    license_processing_state: RestLicenseState,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct PsGroup<'a> {
    id: Uuid,
    display_name: &'a str,
    security_enabled: bool,
    group_types: &'static [&'static str],
    membership_rule: Option<&'static str>,
    membership_rule_processing_state: Option<&'static str>,
    on_premises_sync_enabled: Option<bool>,
    assigned_licenses: Vec<PsLicense<'a>>,
    mail_enabled: bool,
    license_processing_state: PsLicenseState,
    additional_properties: Empty,
}

/// `Get-MgGroup -Property licenseProcessingState` as `ConvertTo-Json` writes it.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct PsLicenseState {
    state: &'static str,
}

/// A member as `GET /groups/{id}/members?$select=id,userPrincipalName,displayName` gives it
/// (REST record, or PowerShell's `AdditionalProperties`).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Member<'a> {
    #[serde(rename = "@odata.type")]
    odata_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<Uuid>,
    display_name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    user_principal_name: Option<&'a str>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct PsMember<'a> {
    group_id: Uuid,
    id: Uuid,
    additional_properties: Member<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RestPlan<'a> {
    service_plan_id: PlanId,
    service_plan_name: &'a str,
    provisioning_status: &'static str,
    applies_to: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct PsPlan<'a> {
    service_plan_id: PlanId,
    service_plan_name: &'a str,
    provisioning_status: &'static str,
    applies_to: &'static str,
    additional_properties: Empty,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RestPrepaid {
    enabled: u32,
    locked_out: u32,
    suspended: u32,
    warning: u32,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct PsPrepaid {
    enabled: u32,
    suspended: u32,
    warning: u32,
    locked_out: u32,
    additional_properties: Empty,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RestSku<'a> {
    account_name: &'static str,
    account_id: Uuid,
    applies_to: &'static str,
    capability_status: &'static str,
    consumed_units: u32,
    id: String,
    prepaid_units: RestPrepaid,
    service_plans: Vec<RestPlan<'a>>,
    sku_id: SkuId,
    sku_part_number: &'a str,
    subscription_ids: [Uuid; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct PsSku<'a> {
    sku_id: SkuId,
    sku_part_number: &'a str,
    consumed_units: u32,
    prepaid_units: PsPrepaid,
    service_plans: Vec<PsPlan<'a>>,
    applies_to: &'static str,
    capability_status: &'static str,
    id: String,
    account_id: Uuid,
    account_name: &'static str,
    subscription_ids: [Uuid; 1],
    additional_properties: Empty,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RestDomain {
    capabilities: &'static str,
    is_default: bool,
    is_initial: bool,
    name: &'static str,
    #[serde(rename = "type")]
    kind: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct PsDomain {
    capabilities: &'static str,
    is_default: bool,
    is_initial: bool,
    name: &'static str,
    #[serde(rename = "Type")]
    kind: &'static str,
    additional_properties: Empty,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RestOrg {
    id: Uuid,
    display_name: &'static str,
    country_letter_code: &'static str,
    verified_domains: [RestDomain; 2],
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct PsOrg {
    country_letter_code: &'static str,
    display_name: &'static str,
    id: Uuid,
    verified_domains: [PsDomain; 2],
    additional_properties: Empty,
}

// ---- shared pieces -------------------------------------------------------------------------

/// The plans a user's `assignedLicenses` entry disables: one entry per product held through at
/// least one path without error; a plan is disabled only if every such path disables it.
fn assigned_licenses(bp: &Blueprint, u: &GenUser) -> Vec<(SkuId, Vec<PlanId>)> {
    let mut out: Vec<(usize, Vec<PlanId>)> = Vec::new();
    for a in u.assignments.iter().filter(|a| a.error.is_none()) {
        let plans = bp
            .plan_sets
            .get(a.disabled)
            .map_or(&[][..], |s| s.ids.as_slice());
        match out.iter_mut().find(|(s, _)| *s == a.sku) {
            Some((_, disabled)) => disabled.retain(|p| plans.contains(p)),
            None => out.push((a.sku, plans.to_vec())),
        }
    }
    out.into_iter()
        .filter_map(|(s, d)| bp.skus.get(s).map(|sku| (sku.id, d)))
        .collect()
}

struct StateParts<'a> {
    group: Option<Uuid>,
    disabled: &'a [PlanId],
    error: &'static str,
    state: &'static str,
    sku: SkuId,
}

fn states<'a>(bp: &'a Blueprint, u: &GenUser) -> Vec<StateParts<'a>> {
    u.assignments
        .iter()
        .filter_map(|a| {
            Some(StateParts {
                group: a.group.and_then(|g| bp.groups.get(g)).map(|g| g.id),
                disabled: bp.plan_sets.get(a.disabled).map(|s| s.ids.as_slice())?,
                error: a.error.map_or("None", |e| e.as_str()),
                state: if a.error.is_some() { "Error" } else { "Active" },
                sku: bp.skus.get(a.sku)?.id,
            })
        })
        .collect()
}

fn group_licenses(bp: &Blueprint, g: usize) -> Vec<(SkuId, &[PlanId])> {
    bp.groups
        .get(g)
        .and_then(|g| g.license)
        .and_then(|(sku, set)| Some((bp.skus.get(sku)?.id, bp.plan_sets.get(set)?.ids.as_slice())))
        .into_iter()
        .collect()
}

/// A group's members: users, then nested groups.
enum MemberOf {
    User(u32),
    Group(usize),
}

fn members<'a>(
    bp: &'a Blueprint,
    roster: &'a Roster,
    g: usize,
) -> impl Iterator<Item = MemberOf> + 'a {
    let users = roster.members.get(g).map_or(&[][..], Vec::as_slice);
    let nested = bp.groups.get(g).map_or(&[][..], |g| g.nested.as_slice());
    users
        .iter()
        .map(|&u| MemberOf::User(u))
        .chain(nested.iter().map(|&n| MemberOf::Group(n)))
}

/// Fills `display` and `upn` for a member and gives its id and `@odata.type`.
fn member_parts(
    bp: &Blueprint,
    m: &MemberOf,
    display: &mut String,
    upn: &mut String,
) -> (Uuid, &'static str, bool) {
    match *m {
        MemberOf::User(i) => {
            let i = u64::from(i);
            let p = bp.names.person(i);
            bp.names.display_name(p, display);
            bp.names.local_part(p, upn);
            upn.push('@');
            upn.push_str(DOMAIN);
            (bp.user_id(i), "#microsoft.graph.user", true)
        }
        MemberOf::Group(n) => {
            display.clear();
            upn.clear();
            let (id, name) = bp
                .groups
                .get(n)
                .map_or((Uuid::nil(), ""), |g| (g.id, g.name.as_str()));
            display.push_str(name);
            (id, "#microsoft.graph.group", false)
        }
    }
}

fn verified_domains() -> [(&'static str, bool, bool); 2] {
    [(DOMAIN, true, false), (INITIAL_DOMAIN, false, true)]
}

const DOMAIN_CAPABILITIES: &str = "Email, OfficeCommunicationsOnline";

fn page_name(prefix: &str, page: u64, pages: u64) -> String {
    let width = pages.to_string().len().max(4);
    format!("{prefix}.page{page:0width$}.json")
}
