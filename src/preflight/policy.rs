//! One Conditional Access policy, typed: the fields the preflight decides on, each read from
//! Graph's JSON (v1.0 or beta; annotations such as `@odata.type` and `#microsoft.graph.restore`
//! are ignored; keys are matched exactly, else ignoring case, as PowerShell objects spell them).

use std::path::Path;

use serde_json::{Map, Value};

use crate::ingest::error::{InputError, Location};

/// Where a policy came from: the file as reports show it, its record and JSON path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    pub file: String,
    pub index: usize,
    /// `$` for a file of one policy, `$.value[3]` in a list.
    pub at: String,
}

/// `state`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Enabled,
    Disabled,
    ReportOnly,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Enabled => "enabled",
            State::Disabled => "disabled",
            State::ReportOnly => "enabledForReportingButNotEnforced",
        }
    }
}

/// `externalTenants` of a guest or external user condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tenants {
    /// `membershipKind: all`.
    All,
    /// `membershipKind: enumerated` with its `members` (tenant ids, lower-case).
    Enumerated(Vec<String>),
    /// No `externalTenants` given.
    Unspecified,
}

/// `include`/`excludeGuestsOrExternalUsers`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Guests {
    /// `guestOrExternalUserTypes`, split on commas and trimmed, as written.
    pub types: Vec<String>,
    pub tenants: Tenants,
}

impl Guests {
    pub fn has_service_provider(&self) -> bool {
        self.types
            .iter()
            .any(|t| t.eq_ignore_ascii_case("serviceProvider"))
    }
}

/// `conditions.users`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Users {
    pub include_users: Vec<String>,
    pub exclude_users: Vec<String>,
    pub include_groups: Vec<String>,
    pub include_roles: Vec<String>,
    pub exclude_roles: Vec<String>,
    pub include_guests: Option<Guests>,
    pub exclude_guests: Option<Guests>,
    /// The object as exported, annotations removed: the base of a fix's PATCH body.
    pub raw: Map<String, Value>,
}

/// `conditions.applications`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Apps {
    pub include: Vec<String>,
    pub exclude: Vec<String>,
    pub user_actions: Vec<String>,
    pub auth_contexts: Vec<String>,
    /// `applicationFilter` set (beta): which apps it picks is not in the export.
    pub filter: bool,
}

/// A condition that makes a policy apply only to some sign-ins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Narrowing {
    /// The field path, e.g. `conditions.locations.excludeLocations`.
    pub field: String,
    pub text: String,
}

/// `grantControls.authenticationStrength`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Strength {
    pub id: String,
    pub name: String,
}

/// `grantControls`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Grant {
    /// `AND` (true) or `OR`.
    pub and: bool,
    pub built_in: Vec<String>,
    pub custom: Vec<String>,
    pub terms_of_use: Vec<String>,
    pub strength: Option<Strength>,
}

/// One policy as read.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    pub source: Source,
    pub id: Option<String>,
    pub name: String,
    pub state: State,
    pub users: Users,
    pub apps: Apps,
    pub client_app_types: Vec<String>,
    pub narrowing: Vec<Narrowing>,
    /// `conditions.clientApplications` names service principals: a workload-identity policy.
    pub service_principals: bool,
    pub grant: Option<Grant>,
}

/// An annotation, not a property: `@odata.type`, `x@odata.type`, `#microsoft.graph.restore`.
fn annotation(key: &str) -> bool {
    key.contains("@odata") || key.starts_with('#')
}

/// The property `key` of an object: exactly, else ignoring case; `None` for null or absent.
pub fn get<'v>(v: &'v Value, key: &str) -> Option<&'v Value> {
    let obj = v.as_object()?;
    let found = obj.get(key).or_else(|| {
        obj.iter()
            .find(|(k, _)| !annotation(k) && k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    });
    found.filter(|v| !v.is_null())
}

/// A copy without annotations, all the way down.
pub fn without_annotations(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(k, _)| !annotation(k))
                .map(|(k, v)| (k.clone(), without_annotations(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(without_annotations).collect()),
        other => other.clone(),
    }
}

/// Reads fields of one record, gathering every problem.
struct Fields<'a> {
    path: &'a Path,
    index: usize,
    at: &'a str,
    errors: Vec<InputError>,
}

impl Fields<'_> {
    fn error(&mut self, field: &str, message: String, hint: &str) {
        self.errors.push(
            InputError::new(
                self.path,
                Location::Record {
                    index: self.index,
                    path: format!("{}.{field}", self.at),
                },
                message,
            )
            .field(field.rsplit('.').next().unwrap_or(field))
            .hint(hint),
        );
    }

    /// A list of strings (null or absent: empty).
    fn strings(&mut self, parent: Option<&Value>, field: &str) -> Vec<String> {
        let key = field.rsplit('.').next().unwrap_or(field);
        match parent.and_then(|p| get(p, key)) {
            None => Vec::new(),
            Some(Value::Array(items)) => {
                let mut out = Vec::new();
                for (i, item) in items.iter().enumerate() {
                    match item {
                        Value::String(s) => out.push(s.trim().to_owned()),
                        other => self.error(
                            &format!("{field}[{i}]"),
                            format!("{field}[{i}] is {}, not a string", kind(other)),
                            "export the policy as Graph gives it: a list of ids or keywords",
                        ),
                    }
                }
                out
            }
            Some(other) => {
                self.error(
                    field,
                    format!("{field} is {}, not a list", kind(other)),
                    "export the policy as Graph gives it: a list of ids or keywords",
                );
                Vec::new()
            }
        }
    }

    /// An object (null or absent: `None`).
    fn object<'v>(&mut self, parent: Option<&'v Value>, field: &str) -> Option<&'v Value> {
        let key = field.rsplit('.').next().unwrap_or(field);
        match parent.and_then(|p| get(p, key)) {
            None => None,
            // An empty list stands for "none" in some tools' files (`"locations": []`).
            Some(Value::Array(a)) if a.is_empty() => None,
            Some(v @ Value::Object(_)) => Some(v),
            Some(other) => {
                self.error(
                    field,
                    format!("{field} is {}, not an object", kind(other)),
                    "export the policy as Graph gives it",
                );
                None
            }
        }
    }

    fn guests(&mut self, users: Option<&Value>, field: &str) -> Option<Guests> {
        let g = self.object(users, field)?;
        let types_field = format!("{field}.guestOrExternalUserTypes");
        let types = match get(g, "guestOrExternalUserTypes") {
            None => Vec::new(),
            Some(Value::String(s)) => split(s),
            // Some tools write the flags as a list.
            Some(Value::Array(_)) => self
                .strings(Some(g), &types_field)
                .iter()
                .flat_map(|s| split(s))
                .collect(),
            Some(other) => {
                self.error(
                    &types_field,
                    format!("guestOrExternalUserTypes is {}, not a comma-joined string", kind(other)),
                    "Graph writes the types as one string, e.g. \"b2bCollaborationGuest,serviceProvider\"",
                );
                Vec::new()
            }
        };
        let tenants_field = format!("{field}.externalTenants");
        let tenants = match self.object(Some(g), &tenants_field) {
            None => Tenants::Unspecified,
            Some(t) => {
                let kind_of = get(t, "membershipKind").and_then(Value::as_str);
                let odata = t
                    .get("@odata.type")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_ascii_lowercase();
                match kind_of.map(str::to_ascii_lowercase).as_deref() {
                    Some("all") => Tenants::All,
                    Some("enumerated") => Tenants::Enumerated(
                        self.strings(Some(t), &format!("{tenants_field}.members"))
                            .into_iter()
                            .map(|m| m.to_ascii_lowercase())
                            .collect(),
                    ),
                    // PowerShell objects carry every property, null when unset.
                    None if odata.is_empty() && get(t, "members").is_none() => Tenants::Unspecified,
                    None if odata.ends_with("allexternaltenants") => Tenants::All,
                    None if odata.ends_with("enumeratedexternaltenants") => Tenants::Enumerated(
                        self.strings(Some(t), &format!("{tenants_field}.members"))
                            .into_iter()
                            .map(|m| m.to_ascii_lowercase())
                            .collect(),
                    ),
                    other => {
                        self.error(
                            &format!("{tenants_field}.membershipKind"),
                            format!(
                                "membershipKind is {}, not all or enumerated",
                                other.map_or("missing".to_owned(), |o| format!("{o:?}"))
                            ),
                            "export the policy as Graph gives it: membershipKind all, or enumerated with members",
                        );
                        Tenants::Unspecified
                    }
                }
            }
        };
        // A condition without types (every property null, as PowerShell writes an unset one)
        // selects no one.
        (!types.is_empty()).then_some(Guests { types, tenants })
    }
}

impl Fields<'_> {
    /// The conditions that make the policy apply to some sign-ins only.
    fn narrowing(&mut self, conditions: Option<&Value>) -> Vec<Narrowing> {
        let mut out = Vec::new();
        let mut add = |field: &str, text: String| {
            out.push(Narrowing {
                field: field.to_owned(),
                text,
            });
        };
        let loc = self.object(conditions, "conditions.locations");
        let inc = self.strings(loc, "conditions.locations.includeLocations");
        let exc = self.strings(loc, "conditions.locations.excludeLocations");
        let all = |v: &[String]| v.iter().any(|x| x.eq_ignore_ascii_case("All"));
        if !exc.is_empty() {
            add(
                "conditions.locations.excludeLocations",
                format!(
                    "applies from every location but {}: a partner signing in from anywhere else is caught",
                    exc.join(", ")
                ),
            );
        } else if !inc.is_empty() && !all(&inc) {
            add(
                "conditions.locations.includeLocations",
                format!("applies only from the locations {}", inc.join(", ")),
            );
        }
        let plat = self.object(conditions, "conditions.platforms");
        let inc = self.strings(plat, "conditions.platforms.includePlatforms");
        let exc = self.strings(plat, "conditions.platforms.excludePlatforms");
        if !exc.is_empty() {
            add(
                "conditions.platforms.excludePlatforms",
                format!("applies on every platform but {}", exc.join(", ")),
            );
        } else if !inc.is_empty() && !all(&inc) {
            add(
                "conditions.platforms.includePlatforms",
                format!("applies only on the platforms {}", inc.join(", ")),
            );
        }
        for (field, what) in [
            ("conditions.signInRiskLevels", "sign-in risk"),
            ("conditions.userRiskLevels", "user risk"),
            (
                "conditions.servicePrincipalRiskLevels",
                "service principal risk",
            ),
        ] {
            let levels = self.strings(conditions, field);
            if !levels.is_empty() {
                add(
                    field,
                    format!("applies only at {what} {}", levels.join(", ")),
                );
            }
        }
        let present = |key: &str| conditions.and_then(|c| get(c, key)).is_some();
        if let Some(d) = self.object(conditions, "conditions.devices") {
            if get(d, "deviceFilter").is_some_and(has_rule) {
                add(
                    "conditions.devices.deviceFilter",
                    "applies only to devices its filter picks".to_owned(),
                );
            }
        }
        if present("times") {
            add("conditions.times", "applies only at some times".to_owned());
        }
        if let Some(flows) = self.object(conditions, "conditions.authenticationFlows") {
            if get(flows, "transferMethods")
                .and_then(Value::as_str)
                .is_some_and(|t| !t.trim().is_empty() && t != "none")
            {
                add(
                    "conditions.authenticationFlows.transferMethods",
                    "applies only to device-code or authentication-transfer sign-ins".to_owned(),
                );
            }
        }
        if let Some(ds) = self.object(conditions, "conditions.deviceStates") {
            let inc = self.strings(Some(ds), "conditions.deviceStates.includeStates");
            let exc = self.strings(Some(ds), "conditions.deviceStates.excludeStates");
            if !exc.is_empty() || (!inc.is_empty() && !all(&inc)) {
                add(
                    "conditions.deviceStates",
                    "applies only to some device states".to_owned(),
                );
            }
        }
        if conditions
            .and_then(|c| get(c, "insiderRiskLevels"))
            .and_then(Value::as_str)
            .is_some_and(|s| !s.trim().is_empty())
        {
            add(
                "conditions.insiderRiskLevels",
                "applies only at some insider risk levels".to_owned(),
            );
        }
        out
    }
}

/// A filter (`applicationFilter`, `deviceFilter`) that holds a rule: PowerShell writes an unset
/// one as `{"Mode": null, "Rule": null}`.
fn has_rule(filter: &Value) -> bool {
    get(filter, "rule")
        .and_then(Value::as_str)
        .is_some_and(|r| !r.trim().is_empty())
}

fn split(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect()
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// Reads one policy record at `at` (record `index`) of `path`.
///
/// # Errors
///
/// Every problem of the record: not an object, no or an unknown `state`, no `conditions`, a
/// field of the wrong type; each naming the file, the record and the field.
pub fn parse(
    path: &Path,
    shown: &str,
    index: usize,
    at: &str,
    v: &Value,
) -> Result<Policy, Vec<InputError>> {
    let mut f = Fields {
        path,
        index,
        at,
        errors: Vec::new(),
    };
    if !v.is_object() {
        f.error(
            "",
            format!("a policy is an object, not {}", kind(v)),
            "export the policies as Graph gives them",
        );
        return Err(f.errors);
    }
    let text = |key: &str| get(v, key).and_then(Value::as_str).map(str::to_owned);
    let name = text("displayName").unwrap_or_default();
    let state = match text("state").as_deref() {
        Some(s) if s.eq_ignore_ascii_case("enabled") => Some(State::Enabled),
        Some(s) if s.eq_ignore_ascii_case("disabled") => Some(State::Disabled),
        Some(s) if s.eq_ignore_ascii_case("enabledForReportingButNotEnforced") => {
            Some(State::ReportOnly)
        }
        other => {
            f.error(
                "state",
                match other {
                    Some(s) => format!(
                        "state {s:?} is not enabled, disabled or enabledForReportingButNotEnforced"
                    ),
                    None => "the policy has no state".to_owned(),
                },
                "export the whole policy: GET /identity/conditionalAccess/policies/{id}",
            );
            None
        }
    };
    let conditions = f.object(Some(v), "conditions");
    if conditions.is_none()
        && f.errors
            .iter()
            .all(|e| e.field.as_deref() != Some("conditions"))
    {
        f.error(
            "conditions",
            "the policy has no conditions".to_owned(),
            "export the whole policy: GET /identity/conditionalAccess/policies/{id}",
        );
    }
    let users_v = f.object(conditions, "conditions.users");
    let users = Users {
        include_users: f.strings(users_v, "conditions.users.includeUsers"),
        exclude_users: f.strings(users_v, "conditions.users.excludeUsers"),
        include_groups: f.strings(users_v, "conditions.users.includeGroups"),
        include_roles: f.strings(users_v, "conditions.users.includeRoles"),
        exclude_roles: f.strings(users_v, "conditions.users.excludeRoles"),
        include_guests: f.guests(users_v, "conditions.users.includeGuestsOrExternalUsers"),
        exclude_guests: f.guests(users_v, "conditions.users.excludeGuestsOrExternalUsers"),
        raw: users_v
            .map(without_annotations)
            .and_then(|u| u.as_object().cloned())
            .unwrap_or_default(),
    };
    let apps_v = f.object(conditions, "conditions.applications");
    let apps = Apps {
        include: f.strings(apps_v, "conditions.applications.includeApplications"),
        exclude: f.strings(apps_v, "conditions.applications.excludeApplications"),
        user_actions: f.strings(apps_v, "conditions.applications.includeUserActions"),
        auth_contexts: f.strings(
            apps_v,
            "conditions.applications.includeAuthenticationContextClassReferences",
        ),
        filter: apps_v
            .and_then(|a| get(a, "applicationFilter"))
            .is_some_and(has_rule),
    };
    let client_app_types = f.strings(conditions, "conditions.clientAppTypes");
    let narrowing = f.narrowing(conditions);
    let service_principals = conditions
        .and_then(|c| get(c, "clientApplications"))
        .is_some_and(|ca| {
            get(ca, "includeServicePrincipals")
                .and_then(Value::as_array)
                .is_some_and(|a| !a.is_empty())
        });
    let grant_v = f.object(Some(v), "grantControls");
    let grant = grant_v.map(|g| {
        let operator = get(g, "operator").and_then(Value::as_str).unwrap_or("OR");
        let strength = get(g, "authenticationStrength")
            .map(|s| Strength {
                id: get(s, "id")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_ascii_lowercase(),
                name: get(s, "displayName")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned(),
            })
            // PowerShell writes an unset strength as an object of nulls.
            .filter(|s| !s.id.is_empty() || !s.name.is_empty());
        Grant {
            and: operator.eq_ignore_ascii_case("AND"),
            built_in: f.strings(Some(g), "grantControls.builtInControls"),
            custom: f.strings(Some(g), "grantControls.customAuthenticationFactors"),
            terms_of_use: f.strings(Some(g), "grantControls.termsOfUse"),
            strength,
        }
    });
    match (state, f.errors.is_empty()) {
        (Some(state), true) => Ok(Policy {
            source: Source {
                file: shown.to_owned(),
                index,
                at: at.to_owned(),
            },
            id: text("id"),
            name,
            state,
            users,
            apps,
            client_app_types,
            narrowing,
            service_principals,
            grant,
        }),
        _ => Err(f.errors),
    }
}
