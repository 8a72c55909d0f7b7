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

/// A path to an array element (`.assignedLicenses[2]`), written out only in a message: a
/// million records' paths formatted up front would be a million strings nobody reads.
struct Item(&'static str, usize);

impl fmt::Display for Item {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}[{}]", self.0, self.1)
    }
}

/// How to export again when ConvertTo-Json cut the nesting.
const SHALLOW: &str = "ConvertTo-Json cut the nesting: export again with -Depth 10 (Get-MgUser -All -Property id,userPrincipalName,usageLocation,proxyAddresses,assignedLicenses,licenseAssignmentStates | ConvertTo-Json -Depth 10 | Out-File users.json)";

/// PowerShell's bag of the properties its types do not name.
const EXTRA: &str = "AdditionalProperties";

/// Reads fields of one record, reporting problems with the record's place.
pub struct Fields<'a> {
    pub file: &'a Path,
    pub place: RecordPlace,
    pub errors: Vec<InputError>,
    /// The object last looked into (by address, never dereferenced) and whether it has an
    /// `AdditionalProperties` member: fields are read object by object, so most lookups skip
    /// searching for it again. Only Graph PowerShell exports have one.
    extra_of: Option<(usize, bool)>,
}

impl<'a> Fields<'a> {
    pub fn new(file: &'a Path, place: RecordPlace) -> Self {
        Fields {
            file,
            place,
            errors: Vec::new(),
            extra_of: None,
        }
    }

    /// Looks at an object the first time one of its fields is read: a key it gives twice is
    /// reported (once), and whether it has an `AdditionalProperties` member is noted.
    fn look_at(&mut self, obj: &Obj<'_>, path: &dyn fmt::Display) -> bool {
        let addr = std::ptr::from_ref(obj) as usize;
        if let Some((a, has)) = self.extra_of {
            if a == addr {
                return has;
            }
        }
        let has = obj
            .keys()
            .any(|k| k.len() == EXTRA.len() && k.eq_ignore_ascii_case(EXTRA));
        self.extra_of = Some((addr, has));
        if let Some((first, second)) = obj.repeated_key() {
            let spelled = if first == second {
                format!("{:?} is given twice in one object", short(first))
            } else {
                format!(
                    "{:?} and {:?} are one key in two letter cases, given twice in one object",
                    short(first),
                    short(second)
                )
            };
            let key = short(first).into_owned();
            self.fail(
                &format!("{path}.{key}"),
                &key,
                format!("{spelled}: which one holds the data cannot be told"),
                "keep one of them and export again; licplan reads keys in any letter case, as PowerShell writes them",
            );
        }
        has
    }

    fn fail(&mut self, path: &str, field: &str, message: String, hint: &str) {
        let e = InputError::new(self.file, self.place.location(path), message)
            .field(field)
            .hint(hint);
        // A field read twice (looked at, then parsed) reports its problem once.
        if !self.errors.contains(&e) {
            self.errors.push(e);
        }
    }

    /// The value of `key` in any letter case, or in PowerShell's `AdditionalProperties` when the
    /// object itself has none (or null). A key given twice (in any letter case, or both in the
    /// object and in `AdditionalProperties`) in an object the reader looks into is an error: the
    /// last one would silently win, and an empty second `"assignedLicenses"` would drop a user's
    /// licenses.
    pub fn get<'o, 'a2>(
        &mut self,
        obj: &'o Obj<'a2>,
        key: &str,
        path: &dyn fmt::Display,
    ) -> Option<&'o Node<'a2>> {
        let has_extra = self.look_at(obj, path);
        let top = obj.get_ignore_case(key);
        if !has_extra {
            return top;
        }
        let Some(Node::Object(extra)) = obj.get_ignore_case(EXTRA) else {
            return top;
        };
        let nested = format!("{path}.{EXTRA}");
        self.look_at(extra, &nested);
        let inside = extra.get_ignore_case(key);
        match (top, inside) {
            (Some(t), Some(i)) if !matches!(t, Node::Null) && !matches!(i, Node::Null) => {
                self.fail(
                    &format!("{path}.{key}"),
                    key,
                    format!(
                        "{key:?} is given twice: in the record and in its AdditionalProperties"
                    ),
                    "keep one of them; licplan cannot tell which one the export meant",
                );
                top
            }
            (Some(t), _) if !matches!(t, Node::Null) => top,
            (_, Some(i)) => Some(i),
            (t, None) => t,
        }
    }

    /// A string or null; other types are an error.
    pub fn string(&mut self, obj: &Obj<'_>, key: &str, path: &dyn fmt::Display) -> Option<String> {
        match self.get(obj, key, path) {
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
        match self.get(obj, key, path) {
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
        match self.get(obj, key, path) {
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

    /// A seat count: a whole number from 0 to 4,294,967,295 (Graph's counts are 32-bit).
    /// Out of range is "too large" or "negative", whether written as a number, a number with an
    /// exponent (`1e20`) or a string of digits; a fraction is not a whole number.
    pub fn count(&mut self, obj: &Obj<'_>, key: &str, path: &dyn fmt::Display) -> u32 {
        self.count_or(obj, key, path, false)
    }

    /// As [`Fields::count`], for a count the seat checks rest on: missing or null is an error,
    /// never a silent 0.
    pub fn count_required(&mut self, obj: &Obj<'_>, key: &str, path: &dyn fmt::Display) -> u32 {
        self.count_or(obj, key, path, true)
    }

    fn count_or(
        &mut self,
        obj: &Obj<'_>,
        key: &str,
        path: &dyn fmt::Display,
        required: bool,
    ) -> u32 {
        let v = match self.get(obj, key, path) {
            None | Some(Node::Null) if required => {
                self.fail(
                    &format!("{path}.{key}"),
                    key,
                    format!("the seat count {key} is missing or null: the seats cannot be checked without it"),
                    "export GET /v1.0/subscribedSkus whole (no $select), or Get-MgSubscribedSku -All | ConvertTo-Json -Depth 10",
                );
                return 0;
            }
            None | Some(Node::Null) => return 0,
            Some(v) => v,
        };
        let problem = match seat_count(v) {
            Ok(n) => return n,
            Err(p) => p,
        };
        let (message, hint) = match problem {
            Count::Negative(shown) => (
                format!("seat count {shown} is negative (out of range)"),
                "seat counts are zero or more; export subscribedSkus again",
            ),
            Count::TooLarge(shown) => (
                format!(
                    "seat count {shown} is too large (out of range: at most {})",
                    u32::MAX
                ),
                "seat counts are 32-bit in Graph; check the file",
            ),
            Count::NotWhole(shown) => (
                format!("expected a whole number, found {shown}"),
                "seat counts are whole numbers like 25",
            ),
        };
        self.fail(&format!("{path}.{key}"), key, message, hint);
        0
    }

    /// An array of objects (missing or null = `None`); a handful inline, as records hold few.
    pub fn objects<'v, 'a2>(
        &mut self,
        obj: &'v Obj<'a2>,
        key: &str,
        path: &dyn fmt::Display,
    ) -> Option<smallvec::SmallVec<[&'v Obj<'a2>; 4]>> {
        match self.get(obj, key, path) {
            None | Some(Node::Null) => None,
            Some(Node::Array(items)) => {
                let mut out = smallvec::SmallVec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    match item {
                        Node::Object(o) => out.push(o),
                        Node::Str(s) if super::tables::is_type_name(s) => self.fail(
                            &format!("{path}.{key}[{i}]"),
                            key,
                            format!("holds {:?} instead of the object: Windows PowerShell's ConvertTo-Json flattens objects deeper than its default depth (2) to text, and what they held is lost", short(s)),
                            SHALLOW,
                        ),
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
            Some(Node::Str(s))
                if s.starts_with("Microsoft.Graph")
                    || s.starts_with("System.")
                    || super::tables::is_type_name(s) =>
            {
                self.fail(
                    &format!("{path}.{key}"),
                    key,
                    format!("holds the type name {:?} instead of the objects", short(s)),
                    SHALLOW,
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
        match self.get(obj, key, path) {
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

/// Why a value is not a seat count, with the value as shown in the message.
enum Count {
    Negative(String),
    TooLarge(String),
    NotWhole(String),
}

fn seat_count(v: &Node<'_>) -> Result<u32, Count> {
    let out_of_range = |negative: bool, shown: String| {
        if negative {
            Count::Negative(shown)
        } else {
            Count::TooLarge(shown)
        }
    };
    match v {
        Node::Int(n) => u32::try_from(*n).map_err(|_| out_of_range(*n < 0, n.to_string())),
        Node::UInt(n) => Err(Count::TooLarge(n.to_string())),
        Node::Float(f) if f.is_finite() && f.fract() == 0.0 && f.abs() >= 1.0 => {
            if *f < 0.0 || *f > f64::from(u32::MAX) {
                Err(out_of_range(*f < 0.0, format!("{f:e}")))
            } else {
                Err(Count::NotWhole(format!("{f} written as a decimal number")))
            }
        }
        Node::Float(f) => Err(Count::NotWhole(format!("the number {f}"))),
        Node::Str(s) => {
            let t = s.trim();
            let digits = t.strip_prefix('-').unwrap_or(t);
            if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
                if digits.bytes().all(|b| b == b'0') {
                    Ok(0)
                } else if t.starts_with('-') {
                    Err(Count::Negative(short(t).into_owned()))
                } else {
                    t.parse::<u32>()
                        .map_err(|_| Count::TooLarge(short(t).into_owned()))
                }
            } else {
                Err(Count::NotWhole(format!("a string ({:?})", short(t))))
            }
        }
        other => Err(Count::NotWhole(other.kind().to_owned())),
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

/// A member as a directory object: `@odata.type` says user or group.
enum MemberObj {
    Ref(MemberRef),
    Ignored(String),
}

fn member(f: &mut Fields<'_>, obj: &Obj<'_>, path: &dyn fmt::Display) -> Option<MemberObj> {
    let id = f.guid(obj, "id", path, true)?;
    let ty = f
        .string(obj, "@odata.type", path)
        .unwrap_or_default()
        .trim_start_matches('#')
        .to_ascii_lowercase();
    let kind = match ty.as_str() {
        "" => MemberKind::Unknown,
        "microsoft.graph.user" => MemberKind::User,
        "microsoft.graph.group" => MemberKind::Group,
        other => return Some(MemberObj::Ignored(format!("{} {id}", short(other)))),
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
            let by_group = match f.get(s, "assignedByGroup", &path) {
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
                        unknown.push(format!("state {:?}", short(&st)));
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
                        unknown.push(format!("error {:?}", short(&e)));
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
    // Looked up once per assigned license: a record holding thousands would make a scan per
    // lookup quadratic.
    let sorted = with_state.len() > 16;
    if sorted {
        with_state.sort_unstable();
    }
    if let Some(assigned) = assigned {
        for (i, a) in assigned.into_iter().enumerate() {
            let path = Item(".assignedLicenses", i);
            let Some(sku) = f.guid(a, "skuId", &path, true).map(SkuId::from_uuid) else {
                continue;
            };
            // assignedLicenses merges direct and inherited licenses; only a SKU that
            // licenseAssignmentStates does not explain gets an unknown path.
            let explained = if sorted {
                with_state.binary_search(&sku).is_ok()
            } else {
                with_state.contains(&sku)
            };
            if explained {
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
    match f.get(obj, "prepaidUnits", &"") {
        Some(Node::Object(p)) => {
            seats.enabled = f.count_required(p, "enabled", &".prepaidUnits");
            seats.suspended = f.count(p, "suspended", &".prepaidUnits");
            seats.warning = f.count(p, "warning", &".prepaidUnits");
            seats.locked_out = f.count(p, "lockedOut", &".prepaidUnits");
        }
        None | Some(Node::Null) => f.fail(
            ".prepaidUnits",
            "prepaidUnits",
            "the seats (prepaidUnits) are missing or null: the seats cannot be checked without them".to_owned(),
            "export GET /v1.0/subscribedSkus whole (no $select), or Get-MgSubscribedSku -All | ConvertTo-Json -Depth 10",
        ),
        Some(other) => f.fail(
            ".prepaidUnits",
            "prepaidUnits",
            format!("expected an object, found {}", kind(other)),
            "export with ConvertTo-Json -Depth 10 so nested objects are kept",
        ),
    }
    seats.consumed = f.count_required(obj, "consumedUnits", &"");
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
