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
}
