//! Findings: things worth a person's attention that do not stop licplan from working.
//!
//! Each kind has a stable kebab-case code (scripts match on it) and a one-line description.
//! Findings are counted, never dropped: every occurrence adds to the count, and the few
//! alphabetically first examples are kept, so output stays small and deterministic however large
//! the tenant.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

/// How many examples a finding keeps.
pub const MAX_EXAMPLES: usize = 5;

macro_rules! finding_codes {
    ($($variant:ident => $code:literal, $desc:literal;)*) => {
        /// A finding's kind.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
        pub enum FindingCode { $($variant),* }

        impl FindingCode {
            pub const ALL: &'static [FindingCode] = &[$(FindingCode::$variant),*];

            /// The stable code, e.g. `duplicate-upn`.
            pub fn as_str(self) -> &'static str {
                match self { $(FindingCode::$variant => $code),* }
            }

            /// One line saying what the finding means and why it matters.
            pub fn description(self) -> &'static str {
                match self { $(FindingCode::$variant => $desc),* }
            }
        }
    };
}

finding_codes! {
    DuplicateUpn => "duplicate-upn",
        "Several users share a userPrincipalName (compared case-insensitively); references by UPN to them are ambiguous.";
    DuplicateProxyAddress => "duplicate-proxy-address",
        "Several users share a proxy address (case-insensitive, smtp:/SMTP: prefix ignored); licenses with Exchange Online fail for them with UniquenessViolation (R5).";
    MissingUsageLocation => "missing-usage-location",
        "Users without a usage location; group licensing gives them the organization's default (R6), direct assignment fails.";
    NestedGroup => "nested-group",
        "A group is a member of another group; licenses are not inherited through nesting (R9), so its members get nothing from the parent.";
    NonSecurityGroupLicense => "non-security-group-license",
        "A group carries licenses but is not security-enabled (or the export does not say); only security-enabled groups can carry licenses (R9).";
    DynamicGroup => "dynamic-group",
        "A dynamic group: members follow its rule, a plan cannot add users to it, and a rule change removes licenses (R10).";
    SyncedGroup => "synced-group",
        "A group synced from on-premises: membership changes only on-premises, with a sync delay (R10).";
    OverConsumedSku => "over-consumed-sku",
        "A product has more consumed seats than enabled ones; any new assignment fails with CountViolation.";
    ErrorState => "error-state",
        "A license assignment is in an error state (licenseAssignmentStates error or state Error/ActiveWithError).";
    UnknownSku => "unknown-sku",
        "A product named in the exports is in neither the tenant's subscribedSkus nor the bundled product catalog (a localised or new name?).";
    SkuNotSubscribed => "sku-not-subscribed",
        "A product is assigned but absent from the subscribedSkus export; its seats are unknown.";
    DanglingReference => "dangling-reference",
        "A member or assignment names a user, group or product that is not in the exports.";
    UnknownAssignmentPath => "unknown-assignment-path",
        "Users whose export does not say whether each license is direct or inherited (no licenseAssignmentStates); licplan does not guess.";
    NoLicenseData => "no-license-data",
        "Users whose exports carry no license fields at all; they are not known to be unlicensed.";
    UnknownColumn => "unknown-column",
        "A CSV column licplan does not know was ignored.";
    EmptyRow => "empty-row",
        "An empty CSV row or JSON record was skipped.";
    DuplicateRecord => "duplicate-record",
        "The same object or row appears more than once across the exports; the first one was kept.";
    UnknownValue => "unknown-value",
        "A field held a value no version of Microsoft's documentation lists; it was read as the nearest documented value.";
    IgnoredMember => "ignored-member",
        "A group member that is neither a user nor a group (device, service principal, contact) was ignored: it cannot hold licenses.";
    EntraExporterDefaults => "entra-exporter-defaults",
        "Records from an EntraExporter tree (Export-Entra) with its default properties: users carry no licenseAssignmentStates and groups no assignedLicenses, so every license path is unknown (direct or inherited) and no group is known to carry a license. Add the evidence with a users export ($select=id,userPrincipalName,usageLocation,proxyAddresses,assignedLicenses,licenseAssignmentStates) and a groups export ($select=id,displayName,securityEnabled,groupTypes,membershipRule,onPremisesSyncEnabled,assignedLicenses), read in place of the tree's Users/ and Groups/<id>/<id>.json files (its Members/ and SubscribedSkus/ still read).";
    ImpliedMembership => "implied-membership",
        "Users whose license state says they inherit a license from a group (assignedByGroup) that its member export does not list, or that no member export covers: they are direct members of it, and were added as such (each example gives the group and how many).";
    LicensedGroupWithoutMembers => "licensed-group-without-members",
        "A group that carries licenses has no member export: its members are known only as far as users' license states imply them (members holding none of its licenses yet are missing). Export GET /groups/{id}/members for it.";
    UsersFromReferences => "users-from-references",
        "A plain CSV tenant without a users file: these users are known only because assignments or memberships name them. Their usage location, proxy addresses and whether the account is enabled are unknown (not guessed): add users.csv to check them.";
    GroupsFromReferences => "groups-from-references",
        "A plain CSV tenant without a groups file: these groups are known only because rows name them; one named by display name was given an id derived from the name (a name-based UUID v5), not its object id. Whether each is security-enabled, dynamic or synced is unknown: add groups.csv.";
    UserIdFromUpn => "user-id-from-upn",
        "A user named only by UPN (no users file) was given an id derived from it, a name-based UUID v5 of the lower-cased UPN: the id is licplan's, not the user's object id in Entra ID.";
    SkippedFile => "skipped-file",
        "An entry of a tenant folder was not read: its name does not end in .json, .jsonl, .ndjson, .csv, .tsv or .txt; it is a named pipe, a socket, a device or a link to nothing; a folder already read, hidden or too deep; or an EntraExporter file of a kind licplan does not use, such as a group's owners (each example says which).";
}

/// One reported finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub code: &'static str,
    pub count: u64,
    pub examples: Vec<String>,
    pub description: &'static str,
}

/// Collects findings while reading or inspecting.
#[derive(Debug, Default, Clone)]
pub struct Findings {
    by_code: BTreeMap<FindingCode, (u64, BTreeSet<String>)>,
}

impl Findings {
    pub fn new() -> Self {
        Self::default()
    }

    /// Counts one occurrence, keeping the example if it is among the first few alphabetically.
    pub fn add(&mut self, code: FindingCode, example: impl Into<String>) {
        let (count, examples) = self.by_code.entry(code).or_default();
        *count += 1;
        examples.insert(example.into());
        if examples.len() > MAX_EXAMPLES {
            examples.pop_last();
        }
    }

    pub fn count(&self, code: FindingCode) -> u64 {
        self.by_code.get(&code).map_or(0, |(n, _)| *n)
    }

    pub fn merge(&mut self, other: Findings) {
        for (code, (count, examples)) in other.by_code {
            let (c, e) = self.by_code.entry(code).or_default();
            *c += count;
            e.extend(examples);
            while e.len() > MAX_EXAMPLES {
                e.pop_last();
            }
        }
    }

    /// The findings, sorted by code.
    pub fn to_vec(&self) -> Vec<Finding> {
        let mut v: Vec<Finding> = self
            .by_code
            .iter()
            .map(|(code, (count, examples))| Finding {
                code: code.as_str(),
                count: *count,
                examples: examples.iter().cloned().collect(),
                description: code.description(),
            })
            .collect();
        v.sort_by(|a, b| a.code.cmp(b.code));
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_kebab_case() {
        let mut seen = BTreeSet::new();
        for code in FindingCode::ALL {
            let s = code.as_str();
            assert!(seen.insert(s), "duplicate code {s}");
            assert!(
                s.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'),
                "{s} is not kebab-case"
            );
            assert!(!code.description().is_empty());
        }
    }

    #[test]
    fn counts_everything_and_keeps_the_first_examples() {
        let mut f = Findings::new();
        for i in (0..20).rev() {
            f.add(FindingCode::EmptyRow, format!("row {i:02}"));
        }
        let v = f.to_vec();
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].count, 20);
        assert_eq!(
            v[0].examples,
            ["row 00", "row 01", "row 02", "row 03", "row 04"]
        );
    }
}
