//! Graph JSON records (REST camelCase or PowerShell SDK PascalCase) → model objects.
//!
//! Keys are matched case-insensitively, and PowerShell's `AdditionalProperties` bag is searched
//! too, so one reader serves Graph Explorer, `Invoke-MgGraphRequest`, `az rest` and
//! `Get-Mg* | ConvertTo-Json` output alike.

use std::fmt;
use std::path::Path;

use super::builder::Builder;
use super::error::InputError;
use super::json::{JsonMeta, RecordPlace};
use super::node::{Node, Obj};
use super::raw::{GroupRef, MemberKind, MemberRef, MembershipRow, Origin};
use super::text::short;
use crate::findings::FindingCode;
use crate::model::{
    ids::parse_guid, Assignment, AssignmentError, AssignmentPath, AssignmentState, CountryCode,
    Group, GroupId, GroupLicense, ParsedError, PlanId, PlanIds, Seats, ServicePlan, Sku, SkuId,
    User, UserId,
};

mod fields;
mod records;

pub use fields::Fields;
use fields::*;
use records::*;

/// What a Graph JSON file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonContent {
    Users,
    Groups,
    Members,
    Skus,
    Organization,
}

impl JsonContent {
    pub fn content(self) -> super::source::SourceContent {
        use super::source::SourceContent as C;
        match self {
            JsonContent::Users => C::Users,
            JsonContent::Groups => C::Groups,
            JsonContent::Members => C::GroupMembers,
            JsonContent::Skus => C::Skus,
            JsonContent::Organization => C::Organization,
        }
    }
}

/// Looks a key up case-insensitively, then inside `AdditionalProperties`.
pub fn get<'o, 'a>(obj: &'o Obj<'a>, key: &str) -> Option<&'o Node<'a>> {
    if let Some(v) = obj.get_ignore_case(key) {
        return Some(v);
    }
    match obj.get_ignore_case("AdditionalProperties") {
        Some(Node::Object(extra)) => extra.get_ignore_case(key),
        _ => None,
    }
}

fn has(obj: &Obj<'_>, key: &str) -> bool {
    get(obj, key).is_some()
}

/// Whether the record uses the PowerShell SDK's PascalCase keys.
pub fn is_powershell(obj: &Obj<'_>) -> bool {
    // The alphabetically first key that is not an annotation: PascalCase sorts before camelCase,
    // so one PowerShell key among Graph's is enough, whatever the order of the file.
    obj.keys()
        .any(|k| k.eq_ignore_ascii_case("AdditionalProperties"))
        || obj
            .keys()
            .filter(|k| !k.starts_with('@'))
            .min()
            .is_some_and(|k| k.starts_with(|c: char| c.is_ascii_uppercase()))
}

/// Tells what a file holds from its first record and wrapper; the file name is only a last hint.
pub fn detect(obj: &Obj<'_>, meta: &JsonMeta, file_name: &str) -> Option<JsonContent> {
    let context = meta.context.as_deref().unwrap_or("").to_ascii_lowercase();
    let next = meta.next_link.as_deref().unwrap_or("").to_ascii_lowercase();
    let typed = get(obj, "@odata.type").and_then(Node::as_str).is_some();
    if has(obj, "groupId") || context.contains("#directoryobjects") || next.contains("/members") {
        return Some(JsonContent::Members);
    }
    if [
        "skuPartNumber",
        "prepaidUnits",
        "consumedUnits",
        "servicePlans",
    ]
    .iter()
    .any(|k| has(obj, k))
    {
        return Some(JsonContent::Skus);
    }
    if ["countryLetterCode", "verifiedDomains", "tenantType"]
        .iter()
        .any(|k| has(obj, k))
    {
        return Some(JsonContent::Organization);
    }
    if [
        "securityEnabled",
        "groupTypes",
        "membershipRule",
        "membershipRuleProcessingState",
        "mailEnabled",
        "members",
        "licenseProcessingState",
    ]
    .iter()
    .any(|k| has(obj, k))
    {
        return Some(JsonContent::Groups);
    }
    let userish = [
        "licenseAssignmentStates",
        "userPrincipalName",
        "usageLocation",
        "accountEnabled",
    ]
    .iter()
    .any(|k| has(obj, k));
    if userish && !typed {
        return Some(JsonContent::Users);
    }
    if context.contains("#users") && !typed {
        return Some(JsonContent::Users);
    }
    if context.contains("#groups") {
        return Some(JsonContent::Groups);
    }
    if context.contains("#subscribedskus") {
        return Some(JsonContent::Skus);
    }
    if context.contains("#organization") {
        return Some(JsonContent::Organization);
    }
    if typed || userish || file_name.to_ascii_lowercase().contains("member") {
        return Some(JsonContent::Members);
    }
    None
}

/// The group a members file belongs to when its records do not say: the next link
/// (`/groups/{id}/members`), the context (`groups('{id}')/members`), else a GUID in the file name.
pub fn members_file_group(meta: &JsonMeta, file: &Path) -> Option<GroupId> {
    let candidates = [
        meta.next_link.as_deref().unwrap_or(""),
        meta.context.as_deref().unwrap_or(""),
    ];
    for c in candidates {
        let lower = c.to_ascii_lowercase();
        if let Some(pos) = lower.find("groups/").or_else(|| lower.find("groups('")) {
            let rest = &c[pos..];
            if let Some(id) = first_guid(rest) {
                return Some(GroupId::from_uuid(id));
            }
        }
    }
    let name = file.file_name()?.to_string_lossy().into_owned();
    first_guid(&name).map(GroupId::from_uuid)
}

fn first_guid(s: &str) -> Option<uuid::Uuid> {
    let b = s.as_bytes();
    if b.len() < 36 {
        return None;
    }
    (0..=b.len() - 36)
        .filter(|&i| s.is_char_boundary(i) && s.is_char_boundary(i + 36))
        .find_map(|i| parse_guid(&s[i..i + 36]).ok())
}

/// Reads one record of a file whose content is known, into the builder.
pub fn add_record(
    b: &mut Builder,
    content: JsonContent,
    file: &Path,
    fid: u32,
    place: RecordPlace,
    file_group: Option<GroupId>,
    value: Node<'_>,
) {
    let origin = Origin {
        file: fid,
        at: place.at(),
    };
    let obj = match value {
        Node::Object(o) if o.is_empty() => {
            b.findings.add(FindingCode::EmptyRow, b.place(origin));
            return;
        }
        Node::Object(o) => o,
        other => {
            b.error(
                InputError::new(
                    file,
                    place.location(""),
                    format!("expected a record (an object), found {}", kind(&other)),
                )
                .hint("each record of a Graph export is an object"),
            );
            return;
        }
    };
    let mut f = Fields::new(file, place);
    if let Some(e) = delta_record(&mut f, &obj, content) {
        b.error(e);
        return;
    }
    match content {
        JsonContent::Users => {
            if let Some((user, license_data, unknown_values)) = user(&mut f, &obj) {
                for v in unknown_values {
                    b.findings.add(
                        FindingCode::UnknownValue,
                        format!("{v} ({})", b.place(origin)),
                    );
                }
                b.add_user(user, license_data, origin);
            }
        }
        JsonContent::Groups => {
            if let Some((group, members)) = group(&mut f, &obj) {
                for m in members {
                    add_member(b, group.id, m, origin);
                }
                b.add_group(group, origin);
            }
        }
        JsonContent::Members => {
            let gid = f
                .guid(&obj, "groupId", &"", false)
                .map(GroupId::from_uuid)
                .or(file_group);
            match gid {
                Some(gid) => {
                    if let Some(m) = member(&mut f, &obj, &"") {
                        add_member(b, gid, m, origin);
                    }
                }
                None => f.errors.push(
                    InputError::new(
                        file,
                        place.location(""),
                        "a group-members export that does not say which group it lists",
                    )
                    .field("groupId")
                    .hint("name the file members.<group-id>.json, or add a groupId to each record"),
                ),
            }
        }
        JsonContent::Skus => {
            if let Some(sku) = sku(&mut f, &obj) {
                b.add_sku(sku, origin);
            }
        }
        JsonContent::Organization => {
            // Names and domains, for `--redact` only: a value of another shape is not an error.
            let mut org = crate::model::tenant::Organization::default();
            if let Some(Node::Str(n)) = get(&obj, "displayName") {
                org.names.push(n.as_ref().to_owned());
            }
            if let Some(Node::Str(id)) = get(&obj, "id") {
                if let Ok(id) = uuid::Uuid::parse_str(id.as_ref()) {
                    org.ids.push(id.to_string());
                }
            }
            if let Some(Node::Array(ds)) = get(&obj, "verifiedDomains") {
                for d in ds {
                    if let Node::Object(d) = d {
                        if let Some(Node::Str(n)) = get(d, "name") {
                            org.domains.push(n.as_ref().to_owned());
                        }
                    }
                }
            }
            b.organization.merge(org);
            match CountryCode::parse_optional(
                &f.string(&obj, "countryLetterCode", &"").unwrap_or_default(),
            ) {
                Ok(Some(c)) => b.set_default_usage_location(c, file, origin),
                Ok(None) => {}
                Err(e) => f.fail(
                    ".countryLetterCode",
                    "countryLetterCode",
                    e.to_string(),
                    "export /organization again",
                ),
            }
        }
    }
    for e in f.errors {
        b.error(e);
    }
}

/// What to export instead of a delta query, for a message.
pub const NOT_DELTA: &str = "export the full list instead: GET /v1.0/users (or /groups) with the $select the README shows, following every @odata.nextLink (PowerShell: Get-MgUser -All / Get-MgGroup -All), not /users/delta or /groups/delta";

/// An error when a record comes from a delta query: marked `@removed` (the object was deleted,
/// or left the query's scope: it is not live), or carrying `members@delta` (only the changes to
/// a group's members). A delta round lists changes since an earlier sync, not the tenant as it
/// is, and cannot be told from an initial round by its records, so it is never read as one.
fn delta_record(f: &mut Fields<'_>, obj: &Obj<'_>, content: JsonContent) -> Option<InputError> {
    let what = match content {
        JsonContent::Groups => "group",
        JsonContent::Members => "member",
        JsonContent::Skus => "product",
        JsonContent::Organization => "organization",
        JsonContent::Users => "user",
    };
    // One pass over the keys: `@removed`, `…@delta`.
    let mut removed = None;
    let mut delta_key = None;
    for (k, v) in &obj.members {
        if k.len() == 8 && k.eq_ignore_ascii_case("@removed") {
            removed = Some(v);
        } else if k.len() > 6
            && k.is_char_boundary(k.len() - 6)
            && k[k.len() - 6..].eq_ignore_ascii_case("@delta")
        {
            delta_key = delta_key.or(Some(k.as_ref()));
        }
    }
    if removed.is_none() && f.look_at(obj, &"") {
        removed = f.get(obj, "@removed", &"");
    }
    if let Some(removed) = removed {
        let reason = match removed {
            Node::Object(r) => r
                .get_ignore_case("reason")
                .and_then(Node::as_str)
                .map(|r| format!(" (reason {:?})", short(r)))
                .unwrap_or_default(),
            _ => String::new(),
        };
        return Some(
            InputError::new(
                f.file,
                f.place.location(".@removed"),
                format!(
                    "the record is marked \"@removed\"{reason}: it comes from a delta query, and the {what} is not live (deleted, or no longer in the query's scope)"
                ),
            )
            .field("@removed")
            .hint(NOT_DELTA),
        );
    }
    let delta_key = delta_key?;
    Some(
        InputError::new(
            f.file,
            f.place.location(&format!(".{}", short(delta_key))),
            format!(
                "the record holds {:?}: it comes from a delta query, which lists only what changed",
                short(delta_key)
            ),
        )
        .field(short(delta_key).into_owned())
        .hint(NOT_DELTA),
    )
}
