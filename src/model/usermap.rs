//! The tenant's users: one vector sorted by id.
//!
//! A tenant is built once and then read: looked up by id and walked in id order. A sorted
//! vector does both (a binary search; a walk in memory order) and is what the reader's final
//! merge produces anyway, where a `BTreeMap` of a million users took fresh memory for a second
//! copy of all of them, in tree nodes. It offers the part of the map interface the project uses.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::ids::UserId;
use super::user::User;

#[derive(Clone, Default)]
pub struct UserMap {
    /// Sorted by `id`, ids unique.
    users: Vec<User>,
    /// Where each run of ids sharing their leading bits starts, built on the first lookup.
    buckets: std::sync::OnceLock<Buckets>,
}

/// The users' positions by the leading bits of their ids: `starts[b]` is the first user whose
/// id begins with `b`, so a lookup searches only the few users of one bucket, in a copy of
/// the ids packed together.
///
/// A binary search over a million users touches twenty records spread over 120 MB, each a
/// cache and TLB miss: the simulator's lookups of 417,000 op users spent half a second there.
/// Object ids are random GUIDs, so a bucket holds a handful of users, their ids on one or two
/// cache lines; a tenant whose ids are not spread evenly only makes some buckets larger,
/// searched as before.
#[derive(Clone, Debug)]
struct Buckets {
    /// How many leading bits pick the bucket.
    bits: u32,
    /// `2^bits + 1` positions.
    starts: Vec<u32>,
    /// The users' ids, in their order.
    ids: Vec<UserId>,
}

impl Buckets {
    fn new(users: &[User]) -> Self {
        // About four users a bucket, between 2^4 and 2^20 buckets.
        let bits = (users.len() / 4).max(1).ilog2().clamp(4, 20);
        let mut starts = vec![0u32; (1usize << bits) + 1];
        for u in users {
            starts[Self::bucket(bits, &u.id) + 1] += 1;
        }
        for b in 1..starts.len() {
            starts[b] += starts[b - 1];
        }
        let ids = users.iter().map(|u| u.id).collect();
        Buckets { bits, starts, ids }
    }

    fn bucket(bits: u32, id: &UserId) -> usize {
        (id.as_uuid().as_u128() >> (128 - bits)) as usize
    }

    /// The users whose ids share `id`'s bucket.
    fn range(&self, id: &UserId) -> std::ops::Range<usize> {
        let b = Self::bucket(self.bits, id);
        self.starts[b] as usize..self.starts[b + 1] as usize
    }
}

impl PartialEq for UserMap {
    fn eq(&self, other: &Self) -> bool {
        self.users == other.users
    }
}

impl Eq for UserMap {}

impl UserMap {
    pub fn new() -> Self {
        Self::default()
    }

    /// Users already sorted by id without repeats, as the reader's merge yields them.
    pub(crate) fn from_sorted(users: Vec<User>) -> Self {
        debug_assert!(users.windows(2).all(|w| w[0].id < w[1].id));
        UserMap {
            users,
            buckets: std::sync::OnceLock::new(),
        }
    }

    fn position(&self, id: &UserId) -> Result<usize, usize> {
        self.find(id)
    }

    /// Where the user is in id order: the index other tables kept in that order use.
    pub fn index_of(&self, id: &UserId) -> Option<usize> {
        self.position(id).ok()
    }

    /// The indexes of these ids (a group's members, say), skipping ids that are not here.
    pub fn indexes_of(&self, ids: impl IntoIterator<Item = UserId>) -> Vec<usize> {
        ids.into_iter()
            .filter_map(|id| self.index_of(&id))
            .collect()
    }

    /// The id's position (`Ok`), or where it would go (`Err`): a binary search within its
    /// bucket.
    fn find(&self, id: &UserId) -> Result<usize, usize> {
        let buckets = self.buckets.get_or_init(|| Buckets::new(&self.users));
        let range = buckets.range(id);
        let lo = range.start;
        buckets.ids[range]
            .binary_search(id)
            .map(|i| lo + i)
            .map_err(|i| lo + i)
    }

    pub fn get(&self, id: &UserId) -> Option<&User> {
        self.position(id).ok().map(|i| &self.users[i])
    }

    pub fn get_mut(&mut self, id: &UserId) -> Option<&mut User> {
        self.position(id).ok().map(|i| &mut self.users[i])
    }

    pub fn contains_key(&self, id: &UserId) -> bool {
        self.position(id).is_ok()
    }

    /// Adds or replaces the user with this id (the id is the user's own), returning the one
    /// replaced. Linear in users: for tests and small edits, not for reading exports.
    pub fn insert(&mut self, id: UserId, mut user: User) -> Option<User> {
        user.id = id;
        match self.position(&id) {
            Ok(i) => Some(std::mem::replace(&mut self.users[i], user)),
            Err(i) => {
                self.users.insert(i, user);
                self.buckets = std::sync::OnceLock::new();
                None
            }
        }
    }

    pub fn len(&self) -> usize {
        self.users.len()
    }

    pub fn is_empty(&self) -> bool {
        self.users.is_empty()
    }

    /// Users in id order, as one slice: a user's position in it is its index in id order.
    pub fn as_slice(&self) -> &[User] {
        &self.users
    }

    /// Users in id order.
    pub fn values(&self) -> std::slice::Iter<'_, User> {
        self.users.iter()
    }

    /// Users in id order; an id must not be changed through this.
    pub fn values_mut(&mut self) -> std::slice::IterMut<'_, User> {
        self.users.iter_mut()
    }

    pub fn keys(&self) -> impl Iterator<Item = &UserId> {
        self.users.iter().map(|u| &u.id)
    }

    /// (id, user) pairs in id order.
    pub fn iter(&self) -> impl Iterator<Item = (&UserId, &User)> {
        self.users.iter().map(|u| (&u.id, u))
    }
}

impl FromIterator<(UserId, User)> for UserMap {
    /// Later users replace earlier ones with the same id, as a map's would.
    fn from_iter<I: IntoIterator<Item = (UserId, User)>>(iter: I) -> Self {
        let mut users: Vec<User> = iter
            .into_iter()
            .map(|(id, mut u)| {
                u.id = id;
                u
            })
            .collect();
        // Stable: of users with one id, the last stays.
        users.sort_by_key(|u| u.id);
        let mut kept: Vec<User> = Vec::with_capacity(users.len());
        for u in users {
            match kept.last_mut() {
                Some(last) if last.id == u.id => *last = u,
                _ => kept.push(u),
            }
        }
        UserMap::from_sorted(kept)
    }
}

impl<'a> IntoIterator for &'a UserMap {
    type Item = (&'a UserId, &'a User);
    type IntoIter =
        std::iter::Map<std::slice::Iter<'a, User>, fn(&'a User) -> (&'a UserId, &'a User)>;
    fn into_iter(self) -> Self::IntoIter {
        fn pair(u: &User) -> (&UserId, &User) {
            (&u.id, u)
        }
        self.users.iter().map(pair)
    }
}

/// `map[&id]`, as on a `BTreeMap`: panics when the id is not there (for tests; code looks
/// users up with `get`).
impl std::ops::Index<&UserId> for UserMap {
    type Output = User;
    fn index(&self, id: &UserId) -> &User {
        match self.get(id) {
            Some(u) => u,
            None => panic!("no user {id} in the tenant"),
        }
    }
}

impl std::fmt::Debug for UserMap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

/// Serialised as the map from id to user it stands for.
impl Serialize for UserMap {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.iter())
    }
}

impl<'de> Deserialize<'de> for UserMap {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let map = BTreeMap::<UserId, User>::deserialize(d)?;
        Ok(map.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(n: u128) -> (UserId, User) {
        let id = UserId::from_uuid(uuid::Uuid::from_u128(n));
        let u = User {
            id,
            upn: Some(format!("u{n}@x.test")),
            display_name: None,
            usage_location: None,
            account_enabled: None,
            proxy_addresses: Vec::new(),
            assignments: Vec::new(),
        };
        (id, u)
    }

    #[test]
    fn behaves_as_a_map_in_id_order() {
        let mut m: UserMap = [user(3), user(1), user(2), user(1)].into_iter().collect();
        assert_eq!(m.len(), 3);
        let ids: Vec<u128> = m.keys().map(|k| k.as_uuid().as_u128()).collect();
        assert_eq!(ids, [1, 2, 3]);
        let (id5, u5) = user(5);
        assert!(m.insert(id5, u5).is_none());
        let (id0, u0) = user(0);
        assert!(m.insert(id0, u0).is_none());
        let (id2, mut u2) = user(2);
        u2.upn = Some("again@x.test".into());
        assert!(m.insert(id2, u2).is_some());
        assert_eq!(
            m.get(&id2).and_then(|u| u.upn.as_deref()),
            Some("again@x.test")
        );
        assert!(m.contains_key(&id5) && m.contains_key(&id0));
        assert!(!m.contains_key(&UserId::from_uuid(uuid::Uuid::from_u128(4))));
        let ids: Vec<u128> = m.values().map(|u| u.id.as_uuid().as_u128()).collect();
        assert_eq!(ids, [0, 1, 2, 3, 5]);
        let json = serde_json::to_string(&m).expect("serialises");
        let back: UserMap = serde_json::from_str(&json).expect("deserialises");
        assert_eq!(back, m);
    }

    #[test]
    fn indexes_of_ids_in_any_order_skip_those_not_here() {
        // Every third id of 0..300 is a user: id n is at index n / 3.
        let m: UserMap = (0..300).filter(|n| n % 3 == 0).map(user).collect();
        let id = |n: u128| UserId::from_uuid(uuid::Uuid::from_u128(n));
        let expected = |ids: &[u128]| -> Vec<usize> {
            ids.iter()
                .filter(|n| **n < 300 && *n % 3 == 0)
                .map(|n| (*n / 3) as usize)
                .collect()
        };
        let cases: [Vec<u128>; 5] = [
            (0..300).collect(),
            (0..300).step_by(7).collect(),
            vec![299, 297, 3, 0, 150, 151, 153],
            vec![],
            vec![1000, 0, 297],
        ];
        for ids in cases {
            let found = m.indexes_of(ids.iter().map(|n| id(*n)));
            assert_eq!(found, expected(&ids), "ids {ids:?}");
            let one_by_one: Vec<usize> = ids.iter().filter_map(|n| m.index_of(&id(*n))).collect();
            assert_eq!(found, one_by_one, "ids {ids:?}");
        }
        assert_eq!(m.index_of(&id(297)), Some(99));
        assert_eq!(m.index_of(&id(298)), None);
    }

    #[test]
    fn finds_as_a_binary_search_does_whatever_the_spread_of_ids() {
        // Random ids (as object ids are), ids in a narrow band, and ids packed at both ends.
        let mut seed: u128 = 0x2545_f491_4f6c_dd1d;
        let mut next = move || {
            seed = seed
                .wrapping_mul(0x2360_ed05_1fc6_5da4_4385_df64_9fcc_f645)
                .wrapping_add(0x5851_f42d_4c95_7f2d_1405_7b7e_f767_814f);
            seed
        };
        let random: Vec<u128> = (0..3000).map(|_| next()).collect();
        let band: Vec<u128> = (0..3000).map(|i| (7u128 << 100) + i * 3).collect();
        let ends: Vec<u128> = (0..1500).chain(u128::MAX - 1500..u128::MAX).collect();
        for ids in [random, band, ends] {
            let users: Vec<User> = ids
                .iter()
                .map(|n| {
                    let (_, mut u) = user(0);
                    u.id = UserId::from_uuid(uuid::Uuid::from_u128(*n));
                    u
                })
                .collect();
            let m: UserMap = users.into_iter().map(|u| (u.id, u)).collect();
            let sorted: Vec<UserId> = m.keys().copied().collect();
            let mut probes: Vec<UserId> = sorted.clone();
            probes.extend(
                ids.iter()
                    .map(|n| UserId::from_uuid(uuid::Uuid::from_u128(n ^ 1))),
            );
            probes.extend(
                ids.iter().take(100).map(|n| {
                    UserId::from_uuid(uuid::Uuid::from_u128(n.wrapping_add(next() >> 64)))
                }),
            );
            for p in &probes {
                assert_eq!(m.position(p), sorted.binary_search(p), "{p:?}");
            }
            // A group's members: ascending, each once.
            probes.sort();
            probes.dedup();
            let expected: Vec<usize> = probes
                .iter()
                .filter_map(|p| sorted.binary_search(p).ok())
                .collect();
            let found = m.indexes_of(probes.iter().copied());
            assert!(
                found == expected,
                "{} found, {} expected",
                found.len(),
                expected.len()
            );
        }
    }
}
