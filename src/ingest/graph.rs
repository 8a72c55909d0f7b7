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
use crate::findings::FindingCode;
use crate::model::{
    ids::parse_guid, Assignment, AssignmentError, AssignmentPath, AssignmentState, CountryCode,
    Group, GroupId, GroupLicense, ParsedError, PlanId, PlanIds, Seats, ServicePlan, Sku, SkuId,
    User, UserId,
};

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
    pub fn as_str(self) -> &'static str {
        match self {
            JsonContent::Users => "users",
            JsonContent::Groups => "groups",
            JsonContent::Members => "group-members",
            JsonContent::Skus => "skus",
            JsonContent::Organization => "organization",
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

/// A path to an array element (`.assignedLicenses[2]`), written out only in a message: a
/// million records' paths formatted up front would be a million strings nobody reads.
struct Item(&'static str, usize);

impl fmt::Display for Item {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}[{}]", self.0, self.1)
    }
}

/// Reads fields of one record, reporting problems with the record's place.
pub struct Fields<'a> {
    pub file: &'a Path,
    pub place: RecordPlace,
    pub errors: Vec<InputError>,
}

impl<'a> Fields<'a> {
    pub fn new(file: &'a Path, place: RecordPlace) -> Self {
        Fields {
            file,
            place,
            errors: Vec::new(),
        }
    }

    fn fail(&mut self, path: &str, field: &str, message: String, hint: &str) {
        self.errors.push(
            InputError::new(self.file, self.place.location(path), message)
                .field(field)
                .hint(hint),
        );
    }

    /// A string or null; other types are an error.
    pub fn string(&mut self, obj: &Obj<'_>, key: &str, path: &dyn fmt::Display) -> Option<String> {
        match get(obj, key) {
            None | Some(Node::Null) => None,
            Some(Node::Str(s)) => Some(s.as_ref().to_owned()),
            Some(other) => {
                self.fail(
                    &format!("{path}.{key}"),
                    key,
                    format!("expected a string, found {}", kind(other)),
                    "export the field as Graph returns it",
                );
                None
            }
        }
    }

    pub fn guid(
        &mut self,
        obj: &Obj<'_>,
        key: &str,
        path: &dyn fmt::Display,
        required: bool,
    ) -> Option<uuid::Uuid> {
        match get(obj, key) {
            None | Some(Node::Null) => {
                if required {
                    self.fail(
                        &format!("{path}.{key}"),
                        key,
                        "is missing".into(),
                        "add it to $select (or -Property) and export again",
                    );
                }
                None
            }
            Some(Node::Str(s)) => match parse_guid(s) {
                Ok(u) => Some(u),
                Err(e) => {
                    self.fail(
                        &format!("{path}.{key}"),
                        key,
                        e.to_string(),
                        "ids in Graph exports are GUIDs; check the file was not edited",
                    );
                    None
                }
            },
            Some(other) => {
                self.fail(
                    &format!("{path}.{key}"),
                    key,
                    format!("expected a GUID string, found {}", kind(other)),
                    "ids in Graph exports are GUIDs",
                );
                None
            }
        }
    }

    pub fn bool(&mut self, obj: &Obj<'_>, key: &str, path: &dyn fmt::Display) -> Option<bool> {
        match get(obj, key) {
            None | Some(Node::Null) => None,
            Some(Node::Bool(b)) => Some(*b),
            Some(Node::Str(s)) if s.trim().eq_ignore_ascii_case("true") => Some(true),
            Some(Node::Str(s)) if s.trim().eq_ignore_ascii_case("false") => Some(false),
            Some(other) => {
                self.fail(
                    &format!("{path}.{key}"),
                    key,
                    format!("expected true or false, found {}", kind(other)),
                    "export the field as Graph returns it",
                );
                None
            }
        }
    }

    /// A seat count: a non-negative whole number.
    pub fn count(&mut self, obj: &Obj<'_>, key: &str, path: &dyn fmt::Display) -> u32 {
        let v = match get(obj, key) {
            None | Some(Node::Null) => return 0,
            Some(v) => v,
        };
        let n = match v {
            Node::Int(n) => Some(*n),
            Node::Str(s) => s.trim().parse::<i64>().ok(),
            _ => None,
        };
        match n {
            Some(n) if n < 0 => {
                self.fail(
                    &format!("{path}.{key}"),
                    key,
                    format!("seat count {n} is negative"),
                    "seat counts are zero or more; export subscribedSkus again",
                );
                0
            }
            Some(n) => match u32::try_from(n) {
                Ok(n) => n,
                Err(_) => {
                    self.fail(
                        &format!("{path}.{key}"),
                        key,
                        format!("seat count {n} is too large"),
                        "seat counts are 32-bit in Graph; check the file",
                    );
                    0
                }
            },
            None => {
                self.fail(
                    &format!("{path}.{key}"),
                    key,
                    format!("expected a whole number, found {}", kind(v)),
                    "seat counts are whole numbers like 25",
                );
                0
            }
        }
    }

    /// An array of objects (missing or null = `None`); a handful inline, as records hold few.
    pub fn objects<'v, 'a2>(
        &mut self,
        obj: &'v Obj<'a2>,
        key: &str,
        path: &dyn fmt::Display,
    ) -> Option<smallvec::SmallVec<[&'v Obj<'a2>; 4]>> {
        match get(obj, key) {
            None | Some(Node::Null) => None,
            Some(Node::Array(items)) => {
                let mut out = smallvec::SmallVec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    match item {
                        Node::Object(o) => out.push(o),
                        other => self.fail(
                            &format!("{path}.{key}[{i}]"),
                            key,
                            format!("expected an object, found {}", kind(other)),
                            "export with ConvertTo-Json -Depth 10 so nested objects are kept",
                        ),
                    }
                }
                Some(out)
            }
            Some(Node::Str(s)) if s.starts_with("Microsoft.Graph") || s.starts_with("System.") => {
                self.fail(
                    &format!("{path}.{key}"),
                    key,
                    format!("holds the type name {s:?} instead of the objects"),
                    "ConvertTo-Json cut the nesting: export again with -Depth 10",
                );
                None
            }
            Some(other) => {
                self.fail(
                    &format!("{path}.{key}"),
                    key,
                    format!("expected an array, found {}", kind(other)),
                    "export the field as Graph returns it",
                );
                None
            }
        }
    }

    /// An array of strings (missing or null = empty).
    pub fn strings(&mut self, obj: &Obj<'_>, key: &str, path: &dyn fmt::Display) -> Vec<String> {
        match get(obj, key) {
            None | Some(Node::Null) => Vec::new(),
            Some(Node::Array(items)) => {
                let mut out = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    match item {
                        Node::Str(s) => out.push(s.as_ref().to_owned()),
                        other => self.fail(
                            &format!("{path}.{key}[{i}]"),
                            key,
                            format!("expected a string, found {}", kind(other)),
                            "export the field as Graph returns it",
                        ),
                    }
                }
                out
            }
            // ConvertTo-Json unwraps one-element arrays in some PowerShell versions.
            Some(Node::Str(s)) => vec![s.as_ref().to_owned()],
            Some(other) => {
                self.fail(
                    &format!("{path}.{key}"),
                    key,
                    format!("expected an array of strings, found {}", kind(other)),
                    "export the field as Graph returns it",
                );
                Vec::new()
            }
        }
    }

    pub fn plan_ids(&mut self, obj: &Obj<'_>, key: &str, path: &dyn fmt::Display) -> PlanIds {
        let mut out = Vec::new();
        for (i, s) in self.strings(obj, key, path).into_iter().enumerate() {
            match PlanId::parse(&s) {
                Ok(p) => out.push(p),
                Err(e) => self.fail(
                    &format!("{path}.{key}[{i}]"),
                    key,
                    e.to_string(),
                    "disabledPlans holds servicePlanId GUIDs",
                ),
            }
        }
        out.into_iter().collect()
    }
}

fn kind(v: &Node<'_>) -> &'static str {
    v.kind()
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
        at: place.index() as u64 + 1,
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

/// A member as a directory object: `@odata.type` says user or group.
enum MemberObj {
    Ref(MemberRef),
    Ignored(String),
}

fn member(f: &mut Fields<'_>, obj: &Obj<'_>, path: &dyn fmt::Display) -> Option<MemberObj> {
    let id = f.guid(obj, "id", path, true)?;
    let ty = get(obj, "@odata.type")
        .and_then(Node::as_str)
        .unwrap_or("")
        .trim_start_matches('#')
        .to_ascii_lowercase();
    let kind = match ty.as_str() {
        "" => MemberKind::Unknown,
        "microsoft.graph.user" => MemberKind::User,
        "microsoft.graph.group" => MemberKind::Group,
        other => return Some(MemberObj::Ignored(format!("{other} {id}"))),
    };
    Some(MemberObj::Ref(MemberRef::Id(id, kind)))
}

fn add_member(b: &mut Builder, group: GroupId, m: MemberObj, origin: Origin) {
    match m {
        MemberObj::Ref(member) => b.memberships.push(MembershipRow {
            group: GroupRef::Id(group),
            member,
            origin,
        }),
        MemberObj::Ignored(what) => b.findings.add(
            FindingCode::IgnoredMember,
            format!("{what} in group {group}"),
        ),
    }
}

type UserRecord = (User, bool, Vec<String>);

fn user(f: &mut Fields<'_>, obj: &Obj<'_>) -> Option<UserRecord> {
    let id = f.guid(obj, "id", &"", true).map(UserId::from_uuid);
    let upn = f.string(obj, "userPrincipalName", &"");
    let display_name = f.string(obj, "displayName", &"");
    let usage_location = match f.string(obj, "usageLocation", &"") {
        None => None,
        Some(s) => match CountryCode::parse_optional(&s) {
            Ok(c) => c,
            Err(e) => {
                f.fail(
                    ".usageLocation",
                    "usageLocation",
                    e.to_string(),
                    "fix the user's usage location in Entra ID or in the export",
                );
                None
            }
        },
    };
    let account_enabled = f.bool(obj, "accountEnabled", &"");
    let proxy_addresses = f.strings(obj, "proxyAddresses", &"");
    let mut unknown = Vec::new();
    let states = f.objects(obj, "licenseAssignmentStates", &"");
    let assigned = f.objects(obj, "assignedLicenses", &"");
    let license_data = states.is_some() || assigned.is_some();
    // Sized for the usual case, where the states explain every assigned license: a million
    // users' vectors each grown to four would mostly hold empty slots.
    let mut assignments = Vec::with_capacity(states.as_ref().map_or(0, |s| s.len()));
    let mut with_state: smallvec::SmallVec<[SkuId; 4]> = smallvec::SmallVec::new();
    if let Some(states) = states {
        for (i, s) in states.into_iter().enumerate() {
            let path = Item(".licenseAssignmentStates", i);
            let Some(sku) = f.guid(s, "skuId", &path, true).map(SkuId::from_uuid) else {
                continue;
            };
            with_state.push(sku);
            let by_group = match get(s, "assignedByGroup") {
                None | Some(Node::Null) => AssignmentPath::Direct,
                Some(Node::Str(g)) if g.trim().is_empty() => AssignmentPath::Direct,
                Some(_) => match f.guid(s, "assignedByGroup", &path, false) {
                    Some(g) => AssignmentPath::Group(GroupId::from_uuid(g)),
                    None => continue,
                },
            };
            let state = match f.string(s, "state", &path) {
                None => None,
                Some(st) => match AssignmentState::parse(&st) {
                    Some(v) => Some(v),
                    None => {
                        unknown.push(format!("state {st:?}"));
                        Some(AssignmentState::Error)
                    }
                },
            };
            let error = match f.string(s, "error", &path) {
                None => None,
                Some(e) => match AssignmentError::parse(&e) {
                    ParsedError::NoError => None,
                    ParsedError::Error(e) => Some(e),
                    ParsedError::Unrecognised => {
                        unknown.push(format!("error {e:?}"));
                        Some(AssignmentError::Other)
                    }
                },
            };
            assignments.push(Assignment {
                sku,
                path: by_group,
                disabled_plans: f.plan_ids(s, "disabledPlans", &path),
                state,
                error,
            });
        }
    }
    if let Some(assigned) = assigned {
        for (i, a) in assigned.into_iter().enumerate() {
            let path = Item(".assignedLicenses", i);
            let Some(sku) = f.guid(a, "skuId", &path, true).map(SkuId::from_uuid) else {
                continue;
            };
            // assignedLicenses merges direct and inherited licenses; only a SKU that
            // licenseAssignmentStates does not explain gets an unknown path.
            if with_state.contains(&sku) {
                continue;
            }
            assignments.push(Assignment {
                sku,
                path: AssignmentPath::Unknown,
                disabled_plans: f.plan_ids(a, "disabledPlans", &path),
                state: None,
                error: None,
            });
        }
    }
    let id = id?;
    Some((
        User {
            id,
            upn,
            display_name,
            usage_location,
            account_enabled,
            proxy_addresses,
            assignments,
        },
        license_data,
        unknown,
    ))
}

fn group(f: &mut Fields<'_>, obj: &Obj<'_>) -> Option<(Group, Vec<MemberObj>)> {
    let id = f.guid(obj, "id", &"", true).map(GroupId::from_uuid);
    let display_name = f.string(obj, "displayName", &"");
    let security_enabled = f.bool(obj, "securityEnabled", &"");
    let types = f.strings(obj, "groupTypes", &"");
    let unified = types
        .iter()
        .any(|t| t.trim().eq_ignore_ascii_case("Unified"));
    let membership_rule = f
        .string(obj, "membershipRule", &"")
        .filter(|r| !r.trim().is_empty());
    let dynamic = membership_rule.is_some()
        || types
            .iter()
            .any(|t| t.trim().eq_ignore_ascii_case("DynamicMembership"));
    let on_premises_sync_enabled = f.bool(obj, "onPremisesSyncEnabled", &"");
    let mut licenses = Vec::new();
    for (i, l) in f
        .objects(obj, "assignedLicenses", &"")
        .unwrap_or_default()
        .into_iter()
        .enumerate()
    {
        let path = Item(".assignedLicenses", i);
        if let Some(sku) = f.guid(l, "skuId", &path, true) {
            licenses.push(GroupLicense {
                sku: SkuId::from_uuid(sku),
                disabled_plans: f.plan_ids(l, "disabledPlans", &path),
            });
        }
    }
    let mut members = Vec::new();
    for (i, m) in f
        .objects(obj, "members", &"")
        .unwrap_or_default()
        .into_iter()
        .enumerate()
    {
        if let Some(m) = member(f, m, &Item(".members", i)) {
            members.push(m);
        }
    }
    let id = id?;
    Some((
        Group {
            id,
            display_name,
            security_enabled,
            unified,
            dynamic,
            membership_rule,
            on_premises_sync_enabled,
            licenses,
            members: Vec::new(),
        },
        members,
    ))
}

fn sku(f: &mut Fields<'_>, obj: &Obj<'_>) -> Option<Sku> {
    let id = f.guid(obj, "skuId", &"", true).map(SkuId::from_uuid);
    let part_number = f
        .string(obj, "skuPartNumber", &"")
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty());
    let mut seats = Seats::default();
    match get(obj, "prepaidUnits") {
        Some(Node::Object(p)) => {
            seats.enabled = f.count(p, "enabled", &".prepaidUnits");
            seats.suspended = f.count(p, "suspended", &".prepaidUnits");
            seats.warning = f.count(p, "warning", &".prepaidUnits");
            seats.locked_out = f.count(p, "lockedOut", &".prepaidUnits");
        }
        None | Some(Node::Null) => {}
        Some(other) => f.fail(
            ".prepaidUnits",
            "prepaidUnits",
            format!("expected an object, found {}", kind(other)),
            "export with ConvertTo-Json -Depth 10 so nested objects are kept",
        ),
    }
    seats.consumed = f.count(obj, "consumedUnits", &"");
    let mut plans = Vec::new();
    for (i, p) in f
        .objects(obj, "servicePlans", &"")
        .unwrap_or_default()
        .into_iter()
        .enumerate()
    {
        let path = Item(".servicePlans", i);
        if let Some(pid) = f.guid(p, "servicePlanId", &path, true) {
            plans.push(ServicePlan {
                id: PlanId::from_uuid(pid),
                name: f
                    .string(p, "servicePlanName", &path)
                    .map(|s| s.trim().to_owned())
                    .unwrap_or_default(),
            });
        }
    }
    plans.sort();
    plans.dedup_by(|a, b| a.id == b.id);
    Some(Sku {
        id: id?,
        part_number,
        display_name: None,
        service_plans: plans,
        seats: Some(seats),
    })
}
