//! The whole tenant as one value.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::group::Group;
use super::ids::{CountryCode, GroupId, SkuId};
use super::sku::Sku;
use super::usermap::UserMap;

/// Everything the exports said about one tenant, keyed by id so iteration order is stable.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tenant {
    /// The organization's `countryLetterCode`: the usage location group licensing gives users
    /// who have none (R6).
    pub default_usage_location: Option<CountryCode>,
    pub skus: BTreeMap<SkuId, Sku>,
    /// In id order.
    pub users: UserMap,
    pub groups: BTreeMap<GroupId, Group>,
    /// The organization's names and domains, as `organization.json` gives them (CSV exports do
    /// not): only `--redact` uses them, to replace them wherever a text quotes them.
    #[serde(default, skip_serializing_if = "Organization::is_empty")]
    pub organization: Organization,
}

/// The organization's `displayName`s and `verifiedDomains[].name`s, sorted, each once, and its
/// object ids (the tenant id, lower-case).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Organization {
    pub names: Vec<String>,
    pub domains: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ids: Vec<String>,
}

impl Organization {
    pub fn is_empty(&self) -> bool {
        self.names.is_empty() && self.domains.is_empty() && self.ids.is_empty()
    }

    /// The tenant id, when the exports give exactly one.
    pub fn tenant_id(&self) -> Option<&str> {
        match self.ids.as_slice() {
            [one] => Some(one),
            _ => None,
        }
    }

    /// Adds another export's names and domains.
    pub fn merge(&mut self, other: Organization) {
        for (to, from) in [
            (&mut self.names, other.names),
            (&mut self.domains, other.domains),
            (&mut self.ids, other.ids),
        ] {
            to.extend(from);
            to.sort();
            to.dedup();
        }
    }
}
