//! What a stated reading is about, so that a plan states only the readings touching it.
//!
//! A reading of Microsoft's behaviour (an [`super::Assumption`], or one of the simulator's own)
//! concerns some service plans, some products or some situations (a product change, users in
//! licensing error states, seats running short, …). A plan's report states a reading only when
//! the plan touches what it is about ([`About::touches`]), and counts the readings it leaves
//! out. A reading about nothing in particular is always stated.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::model::SkuId;

/// A situation a reading concerns; a plan's [`Topics`] say which of them arise in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum When {
    /// A move changes the product (`from` and `to` differ).
    ProductChange,
    /// A user in scope holds a license in a licensing error state, the simulation predicts one,
    /// or a user is held back for one.
    ErrorStates,
    /// A license path in state ActiveWithError among the users in scope.
    ActiveWithError,
    /// A user in scope shares a proxy address with another user.
    SharedProxyAddress,
    /// Seats run short: a forecast point above the enabled seats, or users held back or at
    /// risk for seats (CountViolation).
    SeatsShort,
}

impl When {
    pub const ALL: &'static [When] = &[
        When::ProductChange,
        When::ErrorStates,
        When::ActiveWithError,
        When::SharedProxyAddress,
        When::SeatsShort,
    ];

    /// The spelling a rules file uses (`about.when`).
    pub fn as_str(self) -> &'static str {
        match self {
            When::ProductChange => "product-change",
            When::ErrorStates => "error-states",
            When::ActiveWithError => "active-with-error",
            When::SharedProxyAddress => "shared-proxy-address",
            When::SeatsShort => "seats-short",
        }
    }
}

/// What one reading is about. Empty: about every plan.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct About {
    /// Service plans by `servicePlanName` (a trailing `*` matches every name it begins):
    /// the reading touches a plan that involves at least `at_least` of them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub plans: Vec<String>,
    /// How many of `plans` must be involved (1 unless said: 2 for a reading about two plans
    /// held together).
    #[serde(skip_serializing_if = "is_one")]
    pub at_least: usize,
    /// Products: the reading touches a plan that involves any of them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub products: Vec<SkuId>,
    /// Situations: the reading touches a plan in which any of them arises.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub when: Vec<When>,
}

fn is_one(n: &usize) -> bool {
    *n == 1
}

impl About {
    /// About every plan.
    pub fn always() -> Self {
        About {
            at_least: 1,
            ..About::default()
        }
    }

    /// About the situations `when`.
    pub fn when(when: &[When]) -> Self {
        About {
            when: when.to_vec(),
            ..About::always()
        }
    }

    /// About the products `products`.
    pub fn products(products: impl IntoIterator<Item = SkuId>) -> Self {
        About {
            products: products.into_iter().collect(),
            ..About::always()
        }
    }

    /// Whether a plan with these topics touches what the reading is about: each kind the
    /// reading names (plans, products, situations) must be met; a reading naming none is
    /// always stated.
    pub fn touches(&self, t: &Topics) -> bool {
        let plans = self.plans.is_empty() || {
            let met = self.plans.iter().filter(|p| t.involves_plan(p)).count();
            met >= self.at_least.max(1)
        };
        let products =
            self.products.is_empty() || self.products.iter().any(|s| t.products.contains(s));
        let when = self.when.is_empty() || self.when.iter().any(|w| t.when.contains(w));
        plans && products && when
    }
}

/// What a plan involves: the products its users hold or get, their service plans' names
/// (upper case), and the situations that arise in it.
#[derive(Debug, Clone, Default)]
pub struct Topics {
    pub products: BTreeSet<SkuId>,
    /// `servicePlanName`s in upper case.
    pub plans: BTreeSet<String>,
    pub when: BTreeSet<When>,
}

impl Topics {
    /// Whether the plan involves a service plan named `pattern` (upper or lower case; a
    /// trailing `*` matches a prefix).
    fn involves_plan(&self, pattern: &str) -> bool {
        let p = pattern.trim().to_ascii_uppercase();
        match p.strip_suffix('*') {
            Some(prefix) => self
                .plans
                .range(prefix.to_owned()..)
                .next()
                .is_some_and(|n| n.starts_with(prefix)),
            None => self.plans.contains(&p),
        }
    }
}

/// An assumption's `about:`, its plan names checked against the catalog (a misspelt name would
/// silently keep the reading out of every plan). Plans are kept as upper-case names, or GUIDs
/// for plans the catalog lacks; a trailing `*` matches a prefix and is not checked.
pub(super) fn about_of(
    catalog: &crate::catalog::Catalog,
    entry: &super::file::Entry<'_>,
    raw: Option<&super::file::RawAbout>,
) -> Result<About, crate::ingest::error::InputError> {
    let Some(raw) = raw else {
        return Ok(About::always());
    };
    let mut plans = Vec::new();
    for name in &raw.plans {
        let name = name.trim();
        if name.strip_suffix('*').is_some_and(|p| !p.is_empty()) {
            plans.push(name.to_ascii_uppercase());
            continue;
        }
        super::plan_ids(catalog, entry, "about.plans", name)?;
        plans.push(name.to_ascii_uppercase());
    }
    let at_least = raw.at_least.unwrap_or(1);
    if at_least == 0 || (!plans.is_empty() && at_least > plans.len()) {
        return Err(entry.error(
            "about.at_least",
            Some(&at_least.to_string()),
            format!(
                "must be between 1 and the number of plans in `about.plans` ({})",
                plans.len()
            ),
        ));
    }
    let mut when = raw.when.clone();
    when.sort_unstable();
    when.dedup();
    Ok(About {
        plans,
        at_least,
        products: Vec::new(),
        when,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn topics(plans: &[&str], when: &[When]) -> Topics {
        Topics {
            products: BTreeSet::new(),
            plans: plans.iter().map(|p| (*p).to_owned()).collect(),
            when: when.iter().copied().collect(),
        }
    }

    #[test]
    fn a_reading_about_nothing_in_particular_touches_every_plan() {
        assert!(About::always().touches(&Topics::default()));
    }

    #[test]
    fn plans_are_matched_by_name_or_prefix_and_counted() {
        let both = About {
            plans: vec!["EXCHANGE_S_STANDARD".into(), "exchange_s_enterprise".into()],
            at_least: 2,
            ..About::always()
        };
        assert!(!both.touches(&topics(&["EXCHANGE_S_STANDARD"], &[])));
        assert!(both.touches(&topics(
            &["EXCHANGE_S_ENTERPRISE", "EXCHANGE_S_STANDARD"],
            &[]
        )));
        let prefix = About {
            plans: vec!["EXCHANGE_*".into()],
            ..About::always()
        };
        assert!(prefix.touches(&topics(&["EXCHANGE_S_FOUNDATION"], &[])));
        assert!(!prefix.touches(&topics(&["EXCHANGEX", "SHAREPOINTWAC"], &[])));
    }

    #[test]
    fn situations_and_plans_must_each_be_met() {
        let a = About {
            plans: vec!["EXCHANGE_*".into()],
            when: vec![When::SharedProxyAddress],
            ..About::always()
        };
        assert!(!a.touches(&topics(&["EXCHANGE_S_STANDARD"], &[])));
        assert!(!a.touches(&topics(&[], &[When::SharedProxyAddress])));
        assert!(a.touches(&topics(
            &["EXCHANGE_S_STANDARD"],
            &[When::SharedProxyAddress]
        )));
    }

    #[test]
    fn every_situation_has_its_own_spelling() {
        let mut seen = BTreeSet::new();
        for w in When::ALL {
            assert!(seen.insert(w.as_str()), "{} twice", w.as_str());
            let parsed: When = serde_yaml::from_str(w.as_str()).expect("spelling parses");
            assert_eq!(parsed, *w);
        }
    }
}
