//! The fix for a policy that reaches the partner: the narrowest exclusion of the partner's
//! service-provider users, as a ready PATCH body of the policy's `conditions.users`, the same
//! change in the portal, and the errors it prevents. licplan never applies it.

use serde::Serialize;
use serde_json::{json, Map, Value};

use super::codes::PartnerError;
use super::evaluate::Context;
use super::policy::{Policy, Tenants};

/// A fix for a policy that reaches the partner: licplan never applies it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fix {
    /// The Graph request that applies it.
    pub request: String,
    /// The PATCH body: the policy's `conditions.users` as exported, with the partner's
    /// service-provider users excluded.
    pub body: Value,
    /// The same change in the Microsoft Entra admin center.
    pub portal: String,
    /// The errors it prevents.
    pub prevents: Vec<&'static str>,
    /// What else the change excludes, when it cannot be narrower.
    pub note: Option<String>,
}

/// The users condition as Graph spells it: keys in camelCase (PowerShell objects write
/// `IncludeUsers`), and a guest condition without types (every property null) as null.
fn graph_case(raw: &Map<String, Value>) -> Map<String, Value> {
    fn camel(v: &Value) -> Value {
        match v {
            Value::Object(m) => Value::Object(
                m.iter()
                    .filter(|(k, _)| k.as_str() != "AdditionalProperties")
                    .map(|(k, v)| {
                        let mut c = k.chars();
                        let k = match c.next() {
                            Some(f) => f.to_lowercase().chain(c).collect(),
                            None => String::new(),
                        };
                        (k, camel(v))
                    })
                    .collect(),
            ),
            Value::Array(a) => Value::Array(a.iter().map(camel).collect()),
            other => other.clone(),
        }
    }
    let Value::Object(mut users) = camel(&Value::Object(raw.clone())) else {
        return Map::new();
    };
    for key in [
        "includeGuestsOrExternalUsers",
        "excludeGuestsOrExternalUsers",
    ] {
        let typeless = users.get(key).is_some_and(|g| {
            g.get("guestOrExternalUserTypes")
                .and_then(Value::as_str)
                .is_none_or(|t| t.trim().is_empty())
        });
        if typeless {
            users.insert(key.to_owned(), Value::Null);
        } else if let Some(Value::Object(t)) = users
            .get_mut(key)
            .and_then(|g| g.get_mut("externalTenants"))
        {
            // Graph needs the tenants' type, which PowerShell objects leave out.
            let kind = t.get("membershipKind").and_then(Value::as_str);
            let odata = match kind {
                Some("all") => Some("#microsoft.graph.conditionalAccessAllExternalTenants"),
                Some("enumerated") => {
                    Some("#microsoft.graph.conditionalAccessEnumeratedExternalTenants")
                }
                _ => None,
            };
            if let (Some(o), false) = (odata, t.contains_key("@odata.type")) {
                t.insert("@odata.type".into(), Value::from(o));
            }
        }
    }
    users
}

/// The narrowest exclusion of the partner's service-provider users, as a PATCH body of the
/// policy's `conditions.users`.
pub fn fix(p: &Policy, cx: &Context) -> Fix {
    let partner = cx
        .partner
        .clone()
        .unwrap_or_else(|| "<partner-tenant-id>".to_owned());
    let mut users = graph_case(&p.users.raw);
    let key = "excludeGuestsOrExternalUsers".to_owned();
    let enumerated = |members: Vec<String>| {
        json!({
            "@odata.type": "#microsoft.graph.conditionalAccessEnumeratedExternalTenants",
            "membershipKind": "enumerated",
            "members": members,
        })
    };
    let mut note = None;
    let exclusion = match &p.users.exclude_guests {
        None => json!({
            "guestOrExternalUserTypes": "serviceProvider",
            "externalTenants": enumerated(vec![partner.clone()]),
        }),
        Some(g) => {
            let mut types = g.types.clone();
            if !g.has_service_provider() {
                types.push("serviceProvider".into());
            }
            let tenants = match &g.tenants {
                Tenants::All => {
                    note = Some("the policy's guest exclusion covers all external tenants: service-provider users of every tenant are excluded with it".to_owned());
                    json!({
                        "@odata.type": "#microsoft.graph.conditionalAccessAllExternalTenants",
                        "membershipKind": "all",
                    })
                }
                Tenants::Enumerated(m) => {
                    let mut m = m.clone();
                    if !m.contains(&partner) {
                        m.push(partner.clone());
                    }
                    if g.types
                        .iter()
                        .any(|t| !t.eq_ignore_ascii_case("serviceProvider"))
                    {
                        note = Some(format!(
                            "the guest exclusion is one object: its other types ({}) are excluded for the partner's tenant too",
                            g.types.join(",")
                        ));
                    }
                    enumerated(m)
                }
                Tenants::Unspecified => enumerated(vec![partner.clone()]),
            };
            json!({
                "guestOrExternalUserTypes": types.join(","),
                "externalTenants": tenants,
            })
        }
    };
    users.insert(key, exclusion);
    if cx.partner.is_none() {
        note = Some(match note {
            Some(n) => format!("{n}; replace <partner-tenant-id> with the partner's tenant id (or give --partner-tenant)"),
            None => "replace <partner-tenant-id> with the partner's tenant id (or give --partner-tenant)".to_owned(),
        });
    }
    Fix {
        request: format!(
            "PATCH https://graph.microsoft.com/v1.0/identity/conditionalAccess/policies/{}",
            p.id.as_deref().unwrap_or("{policy-id}")
        ),
        body: json!({ "conditions": { "users": Value::Object(users) } }),
        portal: format!(
            "Microsoft Entra admin center → Protection → Conditional Access → Policies → {} → Users → Exclude → Guest or external users → Service provider users → Select → {}",
            if p.name.is_empty() { "the policy" } else { &p.name },
            partner
        ),
        prevents: vec![PartnerError::Aadsts53003.as_str(), PartnerError::Pc900309.as_str()],
        note,
    }
}
