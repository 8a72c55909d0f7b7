//! One verdict per policy, decided rule by rule in a fixed order — state, whom it targets,
//! whom it excludes, which calls it applies to, what its grant asks, which sign-ins its
//! conditions pick — each verdict naming the field path that decided it.

use serde::Serialize;

use super::codes::Verdict;
use super::fix::{fix, Fix};
use super::policy::{Guests, Policy, State, Tenants};
use super::roles::Role;

/// Microsoft Graph's application id: the resource the license calls go to.
pub const GRAPH_APP_ID: &str = "00000003-0000-0000-c000-000000000000";

/// The built-in "Multifactor authentication" authentication strength.
const MFA_STRENGTH_ID: &str = "00000000-0000-0000-0000-000000000002";

/// How the partner makes the license calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Via {
    /// Microsoft Graph in the customer's tenant, signed in as a GDAP service-provider user.
    Gdap,
    /// Partner Center's `licenseupdates` for direct licenses (group licensing stays on Graph).
    PartnerCenter,
}

/// Who the partner is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Context {
    /// The partner's tenant id, lower-case.
    pub partner: Option<String>,
    /// The GDAP roles given (`None` without `--roles`).
    pub roles: Option<Vec<Role>>,
    pub via: Via,
}

/// One policy's verdict.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PolicyResult {
    pub file: String,
    /// 1-based, in the file.
    pub record: usize,
    pub id: Option<String>,
    pub name: String,
    pub state: &'static str,
    pub verdict: Verdict,
    /// The field path that decided the verdict.
    pub field: String,
    pub reason: String,
    pub warnings: Vec<String>,
    pub fix: Option<Fix>,
}

/// A decision: the field and why.
type Why = (String, String);

fn why(field: &str, reason: impl Into<String>) -> Why {
    (field.to_owned(), reason.into())
}

fn has(list: &[String], word: &str) -> bool {
    list.iter().any(|x| x.eq_ignore_ascii_case(word))
}

/// Whether the guest condition names the partner's tenant: `Some(true)` yes, `Some(false)` no,
/// `None` cannot tell (enumerated tenants without `--partner-tenant`, or none given).
fn names_partner(g: &Guests, cx: &Context) -> Option<bool> {
    match (&g.tenants, &cx.partner) {
        (Tenants::All, _) => Some(true),
        (Tenants::Enumerated(m), Some(p)) => Some(m.iter().any(|t| t == p)),
        (Tenants::Enumerated(_), None) | (Tenants::Unspecified, _) => None,
    }
}

fn targets(p: &Policy, cx: &Context, warnings: &mut Vec<String>) -> Option<Why> {
    let u = &p.users;
    const INC_USERS: &str = "conditions.users.includeUsers";
    const INC_GUESTS: &str = "conditions.users.includeGuestsOrExternalUsers";
    if has(&u.include_users, "All") {
        return Some(why(
            INC_USERS,
            "includes All users: service-provider users are among them",
        ));
    }
    if has(&u.include_users, "GuestsOrExternalUsers") {
        return Some(why(INC_USERS, "includes GuestsOrExternalUsers, the keyword for every guest and external user, service providers among them"));
    }
    if let Some(g) = u
        .include_guests
        .as_ref()
        .filter(|g| g.has_service_provider())
    {
        match names_partner(g, cx) {
            Some(true) => {
                return Some(why(
                    INC_GUESTS,
                    match g.tenants {
                        Tenants::All => "includes service-provider users of all external tenants",
                        _ => "includes service-provider users of the partner's tenant",
                    },
                ))
            }
            None => {
                warnings.push("includeGuestsOrExternalUsers names its tenants: without --partner-tenant the partner is taken to be among them".into());
                return Some(why(INC_GUESTS, "includes service-provider users of the tenants it lists (the partner assumed among them)"));
            }
            Some(false) => {}
        }
    }
    if !u.include_roles.is_empty() {
        let mut reason = format!(
            "includes {} directory role(s): a GDAP user acts through roles",
            u.include_roles.len()
        );
        if let Some(roles) = &cx.roles {
            let named: Vec<&str> = roles
                .iter()
                .filter(|r| has(&u.include_roles, r.template_id))
                .map(|r| r.name)
                .collect();
            if !named.is_empty() {
                reason = format!("{reason}, {} among them", named.join(", "));
            }
        }
        return Some(why("conditions.users.includeRoles", reason));
    }
    None
}

enum Excluded {
    Yes(Why),
    CannotTell(Why),
    No,
}

fn excluded(p: &Policy, cx: &Context, warnings: &mut Vec<String>) -> Excluded {
    let u = &p.users;
    const EXC_GUESTS: &str = "conditions.users.excludeGuestsOrExternalUsers";
    let mut cannot = None;
    if let Some(g) = u
        .exclude_guests
        .as_ref()
        .filter(|g| g.has_service_provider())
    {
        match names_partner(g, cx) {
            Some(true) => {
                return Excluded::Yes(why(
                    EXC_GUESTS,
                    match g.tenants {
                        Tenants::All => "excludes service-provider users of all external tenants",
                        _ => "excludes service-provider users of the partner's tenant",
                    },
                ))
            }
            Some(false) => warnings.push(
                "excludeGuestsOrExternalUsers excludes service-provider users of other tenants only"
                    .into(),
            ),
            None => {
                cannot = Some(why(
                    EXC_GUESTS,
                    "excludes service-provider users of the tenants it lists: give --partner-tenant to tell whether the partner is among them",
                ))
            }
        }
    }
    if has(&u.exclude_users, "GuestsOrExternalUsers") {
        warnings.push("excludeUsers holds the legacy GuestsOrExternalUsers keyword: check in the portal that Service provider users are excluded, and prefer excludeGuestsOrExternalUsers".into());
        return Excluded::Yes(why(
            "conditions.users.excludeUsers",
            "excludes GuestsOrExternalUsers (the legacy keyword for every guest and external user)",
        ));
    }
    match &cx.roles {
        Some(roles) => {
            let named: Vec<&str> = roles
                .iter()
                .filter(|r| has(&u.exclude_roles, r.template_id))
                .map(|r| r.name)
                .collect();
            if !named.is_empty() {
                return Excluded::Yes(why(
                    "conditions.users.excludeRoles",
                    format!("excludes {}, which the partner acts through", named.join(", ")),
                ));
            }
        }
        None if !u.exclude_roles.is_empty() => warnings.push(format!(
            "excludeRoles lists {} role(s): give --roles to tell whether the partner's are among them",
            u.exclude_roles.len()
        )),
        None => {}
    }
    match cannot {
        Some(w) => Excluded::CannotTell(w),
        None => Excluded::No,
    }
}

enum Applies {
    Yes,
    No(Why),
    CannotTell(Why),
}

fn applies(p: &Policy, warnings: &mut Vec<String>) -> Applies {
    let a = &p.apps;
    const INC: &str = "conditions.applications.includeApplications";
    let modern = ["all", "browser", "mobileAppsAndDesktopClients"];
    if !p.client_app_types.is_empty() && !modern.iter().any(|m| has(&p.client_app_types, m)) {
        return Applies::No(why(
            "conditions.clientAppTypes",
            format!(
                "applies to legacy clients only ({}); the license calls use modern authentication",
                p.client_app_types.join(", ")
            ),
        ));
    }
    if has(&a.exclude, GRAPH_APP_ID) {
        return Applies::No(why(
            "conditions.applications.excludeApplications",
            "excludes Microsoft Graph, which the calls go to",
        ));
    }
    if a.include.is_empty() {
        if !a.user_actions.is_empty() {
            return Applies::No(why(
                "conditions.applications.includeUserActions",
                format!(
                    "applies to user actions ({}), not to the calls",
                    a.user_actions.join(", ")
                ),
            ));
        }
        if !a.auth_contexts.is_empty() {
            return Applies::CannotTell(why(
                "conditions.applications.includeAuthenticationContextClassReferences",
                "applies to authentication contexts: whether the calls ask for them is not in the export",
            ));
        }
        return Applies::CannotTell(why(INC, "names no application"));
    }
    if a.include.iter().all(|x| x.eq_ignore_ascii_case("None")) {
        return Applies::No(why(INC, "includes no application (None)"));
    }
    let reaching = ["All", "Office365", "MicrosoftAdminPortals", GRAPH_APP_ID];
    if !reaching.iter().any(|r| has(&a.include, r)) {
        return Applies::CannotTell(why(
            INC,
            format!(
                "names only other applications ({}): whether the calls reach them is not in the export",
                a.include.join(", ")
            ),
        ));
    }
    let groups: Vec<&String> = a
        .exclude
        .iter()
        .filter(|x| {
            x.eq_ignore_ascii_case("Office365") || x.eq_ignore_ascii_case("MicrosoftAdminPortals")
        })
        .collect();
    if !groups.is_empty() {
        warnings.push(format!(
            "excludeApplications holds {}: Microsoft Graph is taken to be outside it, so the calls are still caught",
            groups.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
        ));
    }
    if a.filter {
        warnings.push("an applicationFilter picks more applications: not in the export".into());
    }
    Applies::Yes
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Can {
    Satisfiable,
    CannotTell,
    Blocks,
}

/// What a service-provider user can do about the grant: each control's outcome, combined
/// under the policy's operator.
fn grant(p: &Policy, warnings: &mut Vec<String>) -> (Can, Why) {
    const BUILT_IN: &str = "grantControls.builtInControls";
    let Some(g) = &p.grant else {
        return (
            Can::Satisfiable,
            why("grantControls", "no grant control: session controls only"),
        );
    };
    let mut controls: Vec<(Can, Why)> = Vec::new();
    for c in &g.built_in {
        let (can, reason) = match c.to_ascii_lowercase().as_str() {
            "block" => (Can::Blocks, "block".to_owned()),
            "mfa" => (
                Can::Satisfiable,
                "multifactor authentication, which partners already enforce on their users"
                    .to_owned(),
            ),
            "compliantdevice" | "domainjoineddevice" => (
                Can::Blocks,
                format!("{c}: the partner's device is not managed by the customer's tenant"),
            ),
            "approvedapplication" | "compliantapplication" => (
                Can::Blocks,
                format!(
                    "{c}: the partner's tools are not the customer's approved or protected apps"
                ),
            ),
            _ => (
                Can::CannotTell,
                format!("{c}: whether a service-provider user satisfies it is not known"),
            ),
        };
        controls.push((can, why(BUILT_IN, reason)));
    }
    for c in &g.custom {
        controls.push((
            Can::Blocks,
            why(
                "grantControls.customAuthenticationFactors",
                format!("a custom control ({c}, e.g. third-party MFA such as Duo) the partner cannot use"),
            ),
        ));
    }
    for t in &g.terms_of_use {
        controls.push((
            Can::CannotTell,
            why(
                "grantControls.termsOfUse",
                format!("terms of use {t}: a service-provider user must accept them interactively"),
            ),
        ));
    }
    if let Some(s) = &g.strength {
        // The built-in strengths by id, for exports that give only the id.
        let builtin = match s.id.as_str() {
            MFA_STRENGTH_ID => "Multifactor authentication",
            "00000000-0000-0000-0000-000000000003" => "Passwordless MFA",
            "00000000-0000-0000-0000-000000000004" => "Phishing-resistant MFA",
            _ => s.id.as_str(),
        };
        let name = if s.name.is_empty() { builtin } else { &s.name };
        if s.id == MFA_STRENGTH_ID {
            controls.push((
                Can::Satisfiable,
                why(
                    "grantControls.authenticationStrength",
                    format!("authentication strength {name} (built-in multifactor authentication)"),
                ),
            ));
        } else {
            controls.push((
                Can::CannotTell,
                why(
                    "grantControls.authenticationStrength",
                    format!("authentication strength {name}: whether the partner's sign-in methods meet it (and the customer's cross-tenant settings trust them) is not in the export"),
                ),
            ));
        }
    }
    let Some(pick) = (if g.and {
        controls.iter().max_by_key(|(c, _)| *c)
    } else {
        controls.iter().min_by_key(|(c, _)| *c)
    }) else {
        return (
            Can::Satisfiable,
            why("grantControls", "no grant control: session controls only"),
        );
    };
    if pick.0 == Can::Satisfiable && g.strength.is_some() {
        warnings.push("an authentication strength is required: a service-provider user meets it only with methods the customer's cross-tenant access settings trust".into());
    }
    pick.clone()
}

/// The policy's verdict.
pub fn evaluate(p: &Policy, cx: &Context) -> PolicyResult {
    let mut warnings = Vec::new();
    let (verdict, (field, reason)) = decide(p, cx, &mut warnings);
    let fix = matches!(
        verdict,
        Verdict::Blocks | Verdict::Conditional | Verdict::Unknown | Verdict::WouldBlock
    )
    .then(|| fix(p, cx));
    PolicyResult {
        file: p.source.file.clone(),
        record: p.source.index + 1,
        id: p.id.clone(),
        name: p.name.clone(),
        state: p.state.as_str(),
        verdict,
        field,
        reason,
        warnings,
        fix,
    }
}

fn decide(p: &Policy, cx: &Context, warnings: &mut Vec<String>) -> (Verdict, Why) {
    if p.state == State::Disabled {
        return (Verdict::Disabled, why("state", "the policy is disabled"));
    }
    if p.service_principals {
        return (
            Verdict::NotTargeted,
            why(
                "conditions.clientApplications",
                "targets workload identities (service principals), not users",
            ),
        );
    }
    let Some(target) = targets(p, cx, warnings) else {
        return (
            Verdict::NotTargeted,
            why("conditions.users", "includes only the tenant's own users or groups, or other guest types: no service-provider user"),
        );
    };
    let cannot_tell_exclusion = match excluded(p, cx, warnings) {
        Excluded::Yes(w) => return (Verdict::Excluded, w),
        Excluded::CannotTell(w) => Some(w),
        Excluded::No => None,
    };
    let apps = match applies(p, warnings) {
        Applies::No(w) => return (Verdict::NotTargeted, w),
        Applies::CannotTell(w) => Some(w),
        Applies::Yes => None,
    };
    let (can, grant_why) = grant(p, warnings);
    if can == Can::Satisfiable {
        return (Verdict::Satisfiable, grant_why);
    }
    let (mut verdict, (field, mut reason)) = match (apps, can) {
        (Some(w), _) => (Verdict::Unknown, w),
        (None, Can::CannotTell) => (Verdict::Unknown, grant_why.clone()),
        (None, _) => (Verdict::Blocks, grant_why.clone()),
    };
    let mut field = field;
    if verdict == Verdict::Blocks {
        reason = format!("{}; requires {}", target.1, reason);
    } else if grant_why.0 != field {
        reason = format!("{reason}; the grant requires {}", grant_why.1);
    }
    if !p.narrowing.is_empty() {
        let texts: Vec<&str> = p.narrowing.iter().map(|n| n.text.as_str()).collect();
        if verdict == Verdict::Blocks {
            verdict = Verdict::Conditional;
            field = p.narrowing[0].field.clone();
        }
        reason = format!("{reason}; {}", texts.join("; "));
    }
    if let Some((f, r)) = cannot_tell_exclusion {
        verdict = Verdict::Unknown;
        field = f;
        reason = format!("{r}; otherwise: {reason}");
    }
    if p.state == State::ReportOnly {
        return (
            Verdict::WouldBlock,
            why(
                "state",
                format!(
                    "report-only today; once enabled: {} ({reason})",
                    verdict.as_str()
                ),
            ),
        );
    }
    (verdict, (field, reason))
}
