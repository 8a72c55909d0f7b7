//! What a file's place in a tenant tree says about it, when its content does not.
//!
//! Kinds are told by content; the path only supplies what content lacks, and says which files
//! are not exports licplan reads at all:
//! - per-group member pages: `members.<group-id>.json`, `members/<group-id>.json`,
//!   `<group-id>/members.json` (the group id from the file name, else its folder);
//! - Microsoft's EntraExporter (`Export-Entra`), one JSON object per file:
//!   `Users/<id>/<id>.json`, `Groups/<gid>/<gid>.json`, `Groups/<gid>/Members/<mid>/<mid>.json`
//!   (a member of `gid`, not a user record), `Groups/<gid>/Owners/…` (owners are not members:
//!   skipped), `SubscribedSkus/<tenant>_<sku>/…json`, `Organization/Organization.json`; every
//!   other kind it writes (devices, roles, policies, branding…) is skipped and counted.
//!
//! The rules look only at the path's own components, so a file named on the command line is
//! read exactly as it is when its folder is.

use std::path::Path;

use super::graph::JsonContent;
use super::skip::SkipReason;
use crate::model::{ids::parse_guid, GroupId};

/// What the path says about a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Nothing: the content decides.
    Plain,
    /// An EntraExporter object file whose folder names its kind.
    Entra(JsonContent),
    /// An EntraExporter member stub: a member of this group, not a user or group record.
    EntraMember(GroupId),
    /// A per-group member page (`members/<gid>.json`, `<gid>/members.json`,
    /// `members.<gid>.json`): its records are members of this group, whatever they look like.
    MemberPage(GroupId),
    /// Not an export licplan reads; why (for the `skipped-file` finding).
    Skip(SkipReason),
}

impl Role {
    /// The content the path decides, if it does.
    pub fn content(self) -> Option<JsonContent> {
        match self {
            Role::Entra(c) => Some(c),
            Role::EntraMember(_) | Role::MemberPage(_) => Some(JsonContent::Members),
            Role::Plain | Role::Skip(_) => None,
        }
    }

    /// The group a members file lists, when the path says.
    pub fn group(self) -> Option<GroupId> {
        match self {
            Role::EntraMember(g) | Role::MemberPage(g) => Some(g),
            _ => None,
        }
    }

    pub fn is_entra(self) -> bool {
        matches!(self, Role::Entra(_) | Role::EntraMember(_))
    }
}

/// Folder names EntraExporter writes object files under (`<Kind>/<id>/<id>.json`), from its
/// default schema (`src/Get-EEDefaultSchema.ps1`, the `Path` of every entry and child).
const ENTRA_KINDS: &[&str] = &[
    "AccessPackages",
    "AccessPolicies",
    "AccessReviews",
    "ActivityBasedTimeoutPolicy",
    "AdminConsentRequestPolicy",
    "AdministrativeUnits",
    "AgentGroups",
    "Agents",
    "Agreements",
    "APIConnectors",
    "ApiConnectorConfiguration",
    "AppManagementPolicies",
    "Applications",
    "AppRoleAssignedTo",
    "AppRoleAssignments",
    "AssignmentPolicies",
    "Assignments",
    "AttributeAssignments",
    "AuthenticationContexts",
    "AuthorizationPolicy",
    "B2CUserFlows",
    "B2XUserFlows",
    "ClaimsMappingPolicies",
    "ClaimsMappingPolicy",
    "ConnectedOrganizations",
    "ConnectorGroups",
    "Connectors",
    "CrossTenantAccessPolicy",
    "CustomAuthenticationExtensions",
    "Default",
    "DefaultAppManagementPolicy",
    "DelegatedPermissionClassifications",
    "Devices",
    "DirectoryRoles",
    "Domains",
    "ExtensionProperties",
    "Extensions",
    "ExternalIdentitiesPolicy",
    "ExternalSponsors",
    "FeatureRolloutPolicies",
    "GroupSettings",
    "Groups",
    "HomeRealmDiscoveryPolicies",
    "HomeRealmDiscoveryPolicy",
    "IAM",
    "IdentitySecurityDefaultsEnforcementPolicy",
    "IdentityProviders",
    "InternalSponsors",
    "Languages",
    "Members",
    "NamedLocations",
    "Oauth2PermissionGrants",
    "Owners",
    "Partners",
    "PermissionGrantPolicies",
    "PublishedResources",
    "ResourceScopes",
    "Reviewers",
    "RoleAssignmentScheduleInstances",
    "RoleAssignments",
    "RoleDefinitions",
    "ScopedMembers",
    "ScopedRoleMembers",
    "ServicePrincipals",
    "Settings",
    "SubscribedSkus",
    "TokenIssuancePolicies",
    "TokenIssuancePolicy",
    "TokenLifetimePolicies",
    "TokenLifetimePolicy",
    "UserAttributeAssignments",
    "UserFlowAttributes",
    "UserFlows",
    "Users",
];

/// Single files EntraExporter writes at a fixed path, none of which licplan reads (the
/// organization is read from `Organization/Organization.json`, handled before these).
const ENTRA_FILES: &[&str] = &[
    "Admin/Sharepoint/settings.json",
    "Admin/Teams/settings.json",
    "Directory/OnPremisesSynchronization.json",
    "OnPremisesPublishingProfiles/Provisioning.json",
    "Organization/Branding/Localizations.json",
    "Organization/CertificateBasedAuthConfiguration.json",
    "Policies/AuthenticationMethodsPolicy/AuthenticationMethodConfigurations/Email.json",
    "Policies/AuthenticationMethodsPolicy/AuthenticationMethodConfigurations/FIDO2.json",
    "Policies/AuthenticationMethodsPolicy/AuthenticationMethodConfigurations/MicrosoftAuthenticator.json",
    "Policies/AuthenticationMethodsPolicy/AuthenticationMethodConfigurations/SMS.json",
    "Policies/AuthenticationMethodsPolicy/AuthenticationMethodConfigurations/SoftwareOath.json",
    "Policies/AuthenticationMethodsPolicy/AuthenticationMethodConfigurations/TemporaryAccessPass.json",
    "Policies/AuthenticationMethodsPolicy/AuthenticationMethodConfigurations/Voice.json",
    "Policies/AuthenticationMethodsPolicy/AuthenticationMethodConfigurations/X509Certificate.json",
    "Reports/AuthenticationMethods/UsersRegisteredByFeature/report.json",
];

fn guid(s: &str) -> Option<GroupId> {
    parse_guid(s.trim()).ok().map(GroupId::from_uuid)
}

/// The path's components as text, last first: the file name, its folder, and so on.
fn components(path: &Path) -> Vec<String> {
    path.components()
        .rev()
        .filter_map(|c| match c {
            std::path::Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect()
}

fn stem(name: &str) -> &str {
    match name.rfind('.') {
        Some(i) if i > 0 => &name[..i],
        _ => name,
    }
}

fn is(c: Option<&String>, name: &str) -> bool {
    c.is_some_and(|c| c.eq_ignore_ascii_case(name))
}

/// What the path says about the file at `path`.
pub fn role(path: &Path) -> Role {
    let c = components(path);
    let Some(name) = c.first() else {
        return Role::Plain;
    };
    if let Some(r) = entra(&c) {
        return r;
    }
    member_page(&c, name).map_or(Role::Plain, Role::MemberPage)
}

/// EntraExporter's layout, if the path has its shape.
fn entra(c: &[String]) -> Option<Role> {
    let name = c.first()?;
    if name.eq_ignore_ascii_case("Organization.json") && is(c.get(1), "Organization") {
        return Some(Role::Entra(JsonContent::Organization));
    }
    for fixed in ENTRA_FILES {
        let parts: Vec<&str> = fixed.rsplit('/').collect();
        if parts.len() <= c.len()
            && parts
                .iter()
                .zip(c)
                .all(|(p, have)| have.eq_ignore_ascii_case(p))
        {
            return Some(Role::Skip(SkipReason::EntraSetting));
        }
    }
    // An object file: `<Kind>/<id>/<id>.json`.
    let folder = c.get(1)?;
    if !name.to_ascii_lowercase().ends_with(".json") || !stem(name).eq_ignore_ascii_case(folder) {
        return None;
    }
    let kind = c.get(2)?;
    let known = ENTRA_KINDS.iter().find(|k| k.eq_ignore_ascii_case(kind))?;
    let parent_group = || {
        if is(c.get(4), "Groups") {
            c.get(3).and_then(|g| guid(g))
        } else {
            None
        }
    };
    Some(match *known {
        "Users" => Role::Entra(JsonContent::Users),
        "Groups" => Role::Entra(JsonContent::Groups),
        "SubscribedSkus" => Role::Entra(JsonContent::Skus),
        "Members" => match parent_group() {
            Some(g) => Role::EntraMember(g),
            None => Role::Skip(SkipReason::EntraNonGroupMember),
        },
        "Owners" => Role::Skip(SkipReason::EntraOwner),
        _ => Role::Skip(SkipReason::EntraOtherObject),
    })
}

/// The group of a per-group member page: `members.<gid>.json` or `members/<gid>.json` (the id
/// in the file name), `<gid>/members.json` (the id in the folder's name).
fn member_page(c: &[String], name: &str) -> Option<GroupId> {
    let lower = name.to_ascii_lowercase();
    let in_members_folder = is(c.get(1), "members");
    let named_members = lower.starts_with("members.") || lower.starts_with("members_");
    if !(in_members_folder || named_members) {
        return None;
    }
    if let Some(g) = first_guid(name) {
        return Some(g);
    }
    if named_members {
        return c.get(1).and_then(|f| guid(f));
    }
    None
}

fn first_guid(s: &str) -> Option<GroupId> {
    let b = s.as_bytes();
    if b.len() < 36 {
        return None;
    }
    (0..=b.len() - 36)
        .filter(|&i| s.is_char_boundary(i) && s.is_char_boundary(i + 36))
        .find_map(|i| guid(&s[i..i + 36]))
}

#[cfg(test)]
mod tests {
    use super::*;

    const G: &str = "5d908220-fc77-5123-8f48-38493349d4cd";
    const U: &str = "60577b4b-4357-55f2-9455-91efda62362f";

    #[track_caller]
    fn case(path: &str, expected: Role) {
        assert_eq!(role(Path::new(path)), expected, "{path}");
    }

    #[test]
    fn paths_say_what_content_lacks() {
        let g = guid(G).expect("guid");
        case("t/users.json", Role::Plain);
        case(&format!("t/members.{G}.json"), Role::MemberPage(g));
        case(&format!("t/members/{G}.json"), Role::MemberPage(g));
        case(&format!("t/Members/{G}.page2.json"), Role::MemberPage(g));
        case(&format!("t/{G}/members.json"), Role::MemberPage(g));
        case("t/members/readme.json", Role::Plain);
        case(
            &format!("t/Users/{U}/{U}.json"),
            Role::Entra(JsonContent::Users),
        );
        case(
            &format!("t/Groups/{G}/{G}.json"),
            Role::Entra(JsonContent::Groups),
        );
        case(
            &format!("t/Groups/{G}/Members/{U}/{U}.json"),
            Role::EntraMember(g),
        );
        assert!(matches!(
            role(Path::new(&format!("t/Groups/{G}/Owners/{U}/{U}.json"))),
            Role::Skip(_)
        ));
        assert!(matches!(
            role(Path::new(&format!(
                "t/DirectoryRoles/{G}/Members/{U}/{U}.json"
            ))),
            Role::Skip(_)
        ));
        assert!(matches!(
            role(Path::new(&format!("t/Devices/{U}/{U}.json"))),
            Role::Skip(_)
        ));
        assert!(matches!(
            role(Path::new("t/Organization/Branding/Localizations.json")),
            Role::Skip(_)
        ));
        case(
            "t/Organization/Organization.json",
            Role::Entra(JsonContent::Organization),
        );
        case(
            &format!("t/SubscribedSkus/{G}_{U}/{G}_{U}.json"),
            Role::Entra(JsonContent::Skus),
        );
        // Not EntraExporter's: a folder named like its file, under a name it never writes.
        case("t/exports/users/users.json", Role::Plain);
    }
}
