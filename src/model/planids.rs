//! Sets of service plans, as a license's disabled plans are held.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::ids::PlanId;

/// A set of service plan ids, sorted and without repeats, in one boxed slice.
///
/// A million users hold a few million of these (each license's disabled plans, copied into the
/// simulator's state and the planner's movers). A `BTreeSet` allocates a 200-byte node for even
/// one plan; this takes 16 bytes inline and 16 per plan, and nothing when empty (most are).
/// Order, equality and iteration are a `BTreeSet`'s: ascending ids.
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PlanIds(Box<[PlanId]>);

impl PlanIds {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn iter(&self) -> std::slice::Iter<'_, PlanId> {
        self.0.iter()
    }

    pub fn as_slice(&self) -> &[PlanId] {
        &self.0
    }

    pub fn contains(&self, p: &PlanId) -> bool {
        self.0.binary_search(p).is_ok()
    }

    /// The plans in both sets, ascending.
    pub fn intersection<'a>(&'a self, other: &'a PlanIds) -> impl Iterator<Item = &'a PlanId> {
        self.0.iter().filter(move |p| other.contains(p))
    }

    /// The plans in this set and not in `other`, ascending.
    pub fn difference<'a>(&'a self, other: &'a PlanIds) -> impl Iterator<Item = &'a PlanId> {
        self.0.iter().filter(move |p| !other.contains(p))
    }

    pub fn is_subset(&self, other: &PlanIds) -> bool {
        self.0.iter().all(|p| other.contains(p))
    }

    /// Adds a plan; returns whether it was new.
    pub fn insert(&mut self, p: PlanId) -> bool {
        match self.0.binary_search(&p) {
            Ok(_) => false,
            Err(at) => {
                let mut v = std::mem::take(&mut self.0).into_vec();
                v.insert(at, p);
                self.0 = v.into_boxed_slice();
                true
            }
        }
    }
}

impl FromIterator<PlanId> for PlanIds {
    fn from_iter<I: IntoIterator<Item = PlanId>>(iter: I) -> Self {
        let mut v: Vec<PlanId> = iter.into_iter().collect();
        v.sort_unstable();
        v.dedup();
        PlanIds(v.into_boxed_slice())
    }
}

impl<'a> IntoIterator for &'a PlanIds {
    type Item = &'a PlanId;
    type IntoIter = std::slice::Iter<'a, PlanId>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl IntoIterator for PlanIds {
    type Item = PlanId;
    type IntoIter = std::vec::IntoIter<PlanId>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_vec().into_iter()
    }
}

impl From<std::collections::BTreeSet<PlanId>> for PlanIds {
    fn from(set: std::collections::BTreeSet<PlanId>) -> Self {
        // Already sorted and unique.
        PlanIds(set.into_iter().collect())
    }
}

impl<const N: usize> From<[PlanId; N]> for PlanIds {
    fn from(plans: [PlanId; N]) -> Self {
        plans.into_iter().collect()
    }
}

impl fmt::Debug for PlanIds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.0.iter()).finish()
    }
}

impl Serialize for PlanIds {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter())
    }
}

impl<'de> Deserialize<'de> for PlanIds {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Vec::<PlanId>::deserialize(d).map(|v| v.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn ids(n: &[u8]) -> Vec<PlanId> {
        n.iter()
            .map(|b| {
                PlanId::parse(&format!("00000000-0000-0000-0000-0000000000{b:02x}")).expect("guid")
            })
            .collect()
    }

    #[test]
    fn behaves_as_a_btreeset() {
        let a_ids = ids(&[5, 1, 3, 1]);
        let b_ids = ids(&[3, 4, 5]);
        let a: PlanIds = a_ids.iter().copied().collect();
        let b: PlanIds = b_ids.iter().copied().collect();
        let sa: BTreeSet<PlanId> = a_ids.iter().copied().collect();
        let sb: BTreeSet<PlanId> = b_ids.iter().copied().collect();
        assert_eq!(
            a.iter().copied().collect::<Vec<_>>(),
            sa.iter().copied().collect::<Vec<_>>()
        );
        assert_eq!(a.len(), sa.len());
        assert_eq!(
            a.intersection(&b).copied().collect::<Vec<_>>(),
            sa.intersection(&sb).copied().collect::<Vec<_>>()
        );
        assert_eq!(
            a.difference(&b).copied().collect::<Vec<_>>(),
            sa.difference(&sb).copied().collect::<Vec<_>>()
        );
        assert_eq!(a.is_subset(&b), sa.is_subset(&sb));
        assert!(PlanIds::new().is_subset(&a));
        assert_eq!(a.cmp(&b), sa.cmp(&sb));
        assert_eq!(format!("{a:?}"), format!("{sa:?}"));
        assert_eq!(PlanIds::from(sa.clone()), a);
        let mut c = a.clone();
        assert!(c.insert(b_ids[1]));
        assert!(!c.insert(b_ids[1]));
        assert!(c.contains(&b_ids[1]) && c.iter().is_sorted());
    }

    #[test]
    fn deserialized_sets_are_sorted_and_unique() {
        let v = ids(&[9, 2, 9]);
        let json = serde_json::to_string(&v).expect("json");
        let p: PlanIds = serde_json::from_str(&json).expect("plan ids");
        assert_eq!(p.as_slice(), &[v[1], v[0]]);
        assert_eq!(
            serde_json::to_string(&p).expect("json"),
            serde_json::to_string(&[v[1], v[0]]).expect("json")
        );
    }
}
