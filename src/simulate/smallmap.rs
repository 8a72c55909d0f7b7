//! Sorted-vector maps and sets for the per-user tables of the simulator.
//!
//! A user has one to three groups and paths; a `BTreeMap` allocates a whole node (eleven slots)
//! for the first entry, which at a million users is most of the simulator's memory. These keep
//! the same ordered semantics in a sorted `SmallVec`: the first item (two for a set of indexes)
//! lives inside the map itself, so most users' maps allocate nothing.

use smallvec::SmallVec;

/// A map ordered by key, stored as a sorted vector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmallMap<K, V> {
    items: SmallVec<[(K, V); 1]>,
}

impl<K, V> Default for SmallMap<K, V> {
    fn default() -> Self {
        SmallMap {
            items: SmallVec::new(),
        }
    }
}

impl<K: Ord, V> SmallMap<K, V> {
    pub fn new() -> Self {
        SmallMap {
            items: SmallVec::new(),
        }
    }

    pub fn get(&self, k: &K) -> Option<&V> {
        self.items
            .binary_search_by(|(x, _)| x.cmp(k))
            .ok()
            .map(|i| &self.items[i].1)
    }

    /// A map of pairs already in ascending key order without repeats (as from a sorted
    /// vector or another ordered map): no search, no reallocation.
    pub fn from_sorted(items: Vec<(K, V)>) -> Self {
        debug_assert!(items.windows(2).all(|w| w[0].0 < w[1].0));
        SmallMap {
            items: SmallVec::from_vec(items),
        }
    }

    pub fn insert(&mut self, k: K, v: V) -> Option<V> {
        match self.items.binary_search_by(|(x, _)| x.cmp(&k)) {
            Ok(i) => Some(std::mem::replace(&mut self.items[i].1, v)),
            Err(i) => {
                self.items.insert(i, (k, v));
                None
            }
        }
    }

    pub fn remove(&mut self, k: &K) -> Option<V> {
        match self.items.binary_search_by(|(x, _)| x.cmp(k)) {
            Ok(i) => Some(self.items.remove(i).1),
            Err(_) => None,
        }
    }

    pub fn contains_key(&self, k: &K) -> bool {
        self.get(k).is_some()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.items.iter().map(|(k, v)| (k, v))
    }

    pub fn keys(&self) -> impl Iterator<Item = &K> {
        self.items.iter().map(|(k, _)| k)
    }

    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.items.iter().map(|(_, v)| v)
    }

    pub fn entry_or_default(&mut self, k: K) -> &mut V
    where
        V: Default,
    {
        let i = match self.items.binary_search_by(|(x, _)| x.cmp(&k)) {
            Ok(i) => i,
            Err(i) => {
                self.items.insert(i, (k, V::default()));
                i
            }
        };
        &mut self.items[i].1
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Sets (`Some`) or removes (`None`) each key of `changes`, which are in ascending key order
    /// without repeats, in one pass over the map however many they are (one insertion at a
    /// time would move the map's tail once per change). Returns how many keys were removed.
    pub fn merge_sorted(&mut self, changes: Vec<(K, Option<V>)>) -> usize {
        debug_assert!(changes.windows(2).all(|w| w[0].0 < w[1].0));
        if let [_] = changes[..] {
            let mut removed = 0;
            for (k, v) in changes {
                match v {
                    Some(v) => {
                        self.insert(k, v);
                    }
                    None => removed += usize::from(self.remove(&k).is_some()),
                }
            }
            return removed;
        }
        let old = std::mem::take(&mut self.items);
        let mut out = SmallVec::with_capacity(old.len() + changes.len());
        let mut old = old.into_iter().peekable();
        let mut removed = 0;
        for (k, v) in changes {
            while let Some(item) = old.next_if(|(x, _)| *x < k) {
                out.push(item);
            }
            let present = old.next_if(|(x, _)| *x == k).is_some();
            match v {
                Some(v) => out.push((k, v)),
                None => removed += usize::from(present),
            }
        }
        out.extend(old);
        self.items = out;
        removed
    }
}

impl<K: Ord, V> Extend<(K, V)> for SmallMap<K, V> {
    fn extend<I: IntoIterator<Item = (K, V)>>(&mut self, iter: I) {
        for (k, v) in iter {
            self.insert(k, v);
        }
    }
}

impl<K, V> IntoIterator for SmallMap<K, V> {
    type Item = (K, V);
    type IntoIter = smallvec::IntoIter<[(K, V); 1]>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

impl<K: Ord, V> FromIterator<(K, V)> for SmallMap<K, V> {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut m = SmallMap::default();
        for (k, v) in iter {
            m.insert(k, v);
        }
        m.items.shrink_to_fit();
        m
    }
}

impl<'a, K: Ord, V> IntoIterator for &'a SmallMap<K, V> {
    type Item = (&'a K, &'a V);
    type IntoIter = std::iter::Map<std::slice::Iter<'a, (K, V)>, fn(&'a (K, V)) -> (&'a K, &'a V)>;
    fn into_iter(self) -> Self::IntoIter {
        fn pair<K, V>(p: &(K, V)) -> (&K, &V) {
            (&p.0, &p.1)
        }
        self.items.iter().map(pair)
    }
}

/// A set ordered by value, stored as a sorted vector.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SmallSet<K> {
    items: SmallVec<[K; 2]>,
}

impl<K: Ord> SmallSet<K> {
    pub fn insert(&mut self, k: K) -> bool {
        match self.items.binary_search(&k) {
            Ok(_) => false,
            Err(i) => {
                self.items.insert(i, k);
                true
            }
        }
    }

    pub fn remove(&mut self, k: &K) -> bool {
        match self.items.binary_search(k) {
            Ok(i) => {
                self.items.remove(i);
                true
            }
            Err(_) => false,
        }
    }

    pub fn contains(&self, k: &K) -> bool {
        self.items.binary_search(k).is_ok()
    }

    pub fn iter(&self) -> std::slice::Iter<'_, K> {
        self.items.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordered_like_btree() {
        let mut m = SmallMap::default();
        assert_eq!(m.insert(3, "c"), None);
        m.insert(1, "a");
        assert_eq!(m.insert(3, "C"), Some("c"));
        assert_eq!(m.keys().copied().collect::<Vec<_>>(), [1, 3]);
        assert_eq!(m.get(&3), Some(&"C"));
        assert_eq!(m.remove(&1), Some("a"));
        assert!(!m.contains_key(&1));
        *m.entry_or_default(2) = "b";
        assert_eq!(
            (&m).into_iter().map(|(k, _)| *k).collect::<Vec<_>>(),
            [2, 3]
        );
        let mut m: SmallMap<u32, &str> = [(1, "a"), (3, "c"), (5, "e"), (7, "g")]
            .into_iter()
            .collect();
        let removed = m.merge_sorted(vec![
            (0, Some("z")),
            (3, None),
            (4, None),
            (5, Some("E")),
            (8, Some("h")),
        ]);
        assert_eq!(removed, 1);
        assert_eq!(
            m.iter().map(|(k, v)| (*k, *v)).collect::<Vec<_>>(),
            [(0, "z"), (1, "a"), (5, "E"), (7, "g"), (8, "h")]
        );
        assert_eq!(m.merge_sorted(vec![(7, None)]), 1);
        assert_eq!(m.merge_sorted(Vec::new()), 0);
        assert_eq!(m.len(), 4);
        let mut s = SmallSet::default();
        assert!(s.insert(2) && s.insert(1) && !s.insert(2));
        assert_eq!(s.iter().copied().collect::<Vec<_>>(), [1, 2]);
        assert!(s.remove(&1) && !s.contains(&1));
    }
}
