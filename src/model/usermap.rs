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

#[derive(Clone, Default, PartialEq, Eq)]
pub struct UserMap {
    /// Sorted by `id`, ids unique.
    users: Vec<User>,
}

impl UserMap {
    pub fn new() -> Self {
        Self::default()
    }

    /// Users already sorted by id without repeats, as the reader's merge yields them.
    pub(crate) fn from_sorted(users: Vec<User>) -> Self {
        debug_assert!(users.windows(2).all(|w| w[0].id < w[1].id));
        UserMap { users }
    }

    fn position(&self, id: &UserId) -> Result<usize, usize> {
        self.users.binary_search_by(|u| u.id.cmp(id))
    }

    /// Where the user is in id order: the index other tables kept in that order use.
    pub fn index_of(&self, id: &UserId) -> Option<usize> {
        self.position(id).ok()
    }

    /// The indexes of these ids, skipping ids that are not here. Ids in ascending order (as a
    /// group's members are kept) are found fast: each search starts where the last one ended
    /// and gallops, a few steps per member instead of a full binary search each; an id out of
    /// order starts the search over.
    pub fn indexes_of_sorted(&self, ids: impl IntoIterator<Item = UserId>) -> Vec<usize> {
        let mut out = Vec::new();
        let mut from = 0;
        let mut last: Option<UserId> = None;
        for id in ids {
            if last.is_some_and(|l| id < l) {
                from = 0;
            }
            last = Some(id);
            let rest = &self.users[from.min(self.users.len())..];
            // Gallop to a window that holds the id, then search within it.
            let mut hi = 1;
            while hi < rest.len() && rest[hi - 1].id < id {
                hi *= 2;
            }
            let window = &rest[..hi.min(rest.len())];
            match window.binary_search_by(|u| u.id.cmp(&id)) {
                Ok(i) => {
                    out.push(from + i);
                    from += i + 1;
                }
                Err(i) => from += i,
            }
        }
        out
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
        UserMap { users: kept }
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
    fn indexes_of_ids_sorted_or_not_are_those_found_one_by_one() {
        // Every third id of 0..300 is a user.
        let m: UserMap = (0..300).filter(|n| n % 3 == 0).map(user).collect();
        let id = |n: u128| UserId::from_uuid(uuid::Uuid::from_u128(n));
        let one_by_one = |ids: &[u128]| -> Vec<usize> {
            ids.iter().filter_map(|n| m.index_of(&id(*n))).collect()
        };
        let cases: [Vec<u128>; 5] = [
            (0..300).collect(),
            (0..300).step_by(7).collect(),
            vec![299, 297, 3, 0, 150, 151, 153],
            vec![],
            vec![1000, 0, 297],
        ];
        for ids in cases {
            let fast = m.indexes_of_sorted(ids.iter().map(|n| id(*n)));
            assert_eq!(fast, one_by_one(&ids), "ids {ids:?}");
        }
        assert_eq!(m.index_of(&id(297)), Some(99));
        assert_eq!(m.index_of(&id(298)), None);
    }
}
