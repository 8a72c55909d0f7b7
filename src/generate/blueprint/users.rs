//! The stream of users, drawn in index order from the blueprint's quotas without replacement.

use super::*;

/// Draws `k` of a pool of known size, one pool member at a time, without replacement.
#[derive(Debug, Clone)]
pub(super) struct Pick {
    pub(super) want: u64,
    pub(super) pool: u64,
}

impl Pick {
    pub(super) fn new(want: u64, pool: u64) -> Self {
        Pick {
            want: want.min(pool),
            pool,
        }
    }
    pub(super) fn take(&mut self, rng: &mut ChaCha8Rng) -> bool {
        if self.pool == 0 {
            return false;
        }
        let hit = below(rng, self.pool) < self.want;
        self.pool -= 1;
        if hit {
            self.want -= 1;
        }
        hit
    }
}

/// Draws buckets without replacement: each bucket is drawn exactly its count of times.
#[derive(Debug, Clone)]
pub(super) struct Quota {
    pub(super) left: Vec<u64>,
    pub(super) total: u64,
}

impl Quota {
    pub(super) fn new(counts: &[u64]) -> Self {
        Quota {
            left: counts.to_vec(),
            total: counts.iter().sum(),
        }
    }
    pub(super) fn draw(&mut self, rng: &mut ChaCha8Rng) -> Option<usize> {
        if self.total == 0 {
            return None;
        }
        let mut r = below(rng, self.total);
        for (i, c) in self.left.iter_mut().enumerate() {
            if r < *c {
                *c -= 1;
                self.total -= 1;
                return Some(i);
            }
            r -= *c;
        }
        None
    }
}

/// Uniform in `0..n` (n > 0) from one 64-bit draw (the bias, below 2^-40, does not matter).
pub(super) fn below(rng: &mut ChaCha8Rng, n: u64) -> u64 {
    ((u128::from(rng.next_u64()) * u128::from(n)) >> 64) as u64
}

/// True with probability `per_mille / 1000`.
pub(super) fn chance(rng: &mut ChaCha8Rng, per_mille: u64) -> bool {
    below(rng, 1000) < per_mille
}

pub(super) fn weighted<T: Copy>(rng: &mut ChaCha8Rng, items: &[(T, u64)], default: T) -> T {
    let total: u64 = items.iter().map(|(_, w)| w).sum();
    if total == 0 {
        return default;
    }
    let mut r = below(rng, total);
    for &(item, w) in items {
        if r < w {
            return item;
        }
        r -= w;
    }
    default
}

/// The stream of users, drawn in index order.
#[derive(Debug, Clone)]
pub(crate) struct UserGen {
    pub(super) rng: ChaCha8Rng,
    pub(super) next: u64,
    pub(super) categories: Quota,
    pub(super) ladders: [Quota; 3],
    pub(super) no_location: Pick,
    pub(super) nested: Pick,
    pub(super) exclusive: Pick,
    pub(super) count: Pick,
    pub(super) dynamic: Pick,
    pub(super) m365: Pick,
    pub(super) duplicate: Pick,
    /// The primary address of the first user of a duplicate pair, waiting for the second.
    pub(super) duplicate_owner: Option<String>,
    pub(super) local: String,
}

impl UserGen {
    pub(crate) fn new(bp: &Blueprint) -> (Self, Roster) {
        let c = &bp.categories;
        let gen = UserGen {
            rng: ChaCha8Rng::seed_from_u64(bp.seed),
            next: 0,
            categories: Quota::new(c),
            ladders: [
                Quota::new(&bp.ladders[0].1),
                Quota::new(&bp.ladders[1].1),
                Quota::new(&bp.ladders[2].1),
            ],
            no_location: Pick::new(bp.no_location, c[1] + c[4] + c[7] + c[UNLICENSED]),
            nested: Pick::new(bp.nested_members, c[0]),
            exclusive: Pick::new(bp.exclusive_errors, c[0]),
            count: Pick::new(bp.count_errors, c[3]),
            dynamic: Pick::new(bp.dynamic_members, bp.users),
            m365: Pick::new(bp.m365_members, bp.users),
            duplicate: Pick::new(bp.duplicate_pairs * 2, bp.users),
            duplicate_owner: None,
            local: String::new(),
        };
        let roster = Roster {
            members: vec![Vec::new(); bp.groups.len()],
            consumed: vec![0; bp.skus.len()],
        };
        (gen, roster)
    }

    pub(super) fn join(roster: &mut Roster, group: usize, user: u64) {
        if let Some(m) = roster.members.get_mut(group) {
            m.push(u32::try_from(user).unwrap_or(u32::MAX));
        }
    }

    pub(super) fn group_license(bp: &Blueprint, group: usize) -> usize {
        bp.groups
            .get(group)
            .and_then(|g| g.license)
            .map_or(NO_PLANS, |(_, set)| set)
    }

    /// Draws the next user into `u` and records its memberships and seats in `roster`.
    pub(crate) fn next_user(&mut self, bp: &Blueprint, roster: &mut Roster, u: &mut GenUser) {
        let i = self.next;
        self.next += 1;
        let rng = &mut self.rng;
        let person = bp.names.person(i);
        u.index = i;
        u.id = bp.user_id(i);
        bp.names.display_name(person, &mut u.display_name);
        bp.names.local_part(person, &mut self.local);
        u.upn.clear();
        u.upn.push_str(&self.local);
        u.upn.push('@');
        u.upn.push_str(DOMAIN);
        u.assignments.clear();
        u.proxy_addresses.clear();

        let cat = self.categories.draw(rng).unwrap_or(UNLICENSED);
        let main = category(cat);
        let no_location = match main {
            Some((_, Path::Inherited)) | None => self.no_location.take(rng),
            _ => false,
        };
        u.usage_location = if no_location {
            None
        } else {
            Some(weighted(rng, LOCATIONS, COUNTRY))
        };
        u.account_enabled = !chance(rng, 20);
        u.proxy_addresses.push(format!("SMTP:{}", u.upn));
        u.proxy_addresses
            .push(format!("smtp:{}@{INITIAL_DOMAIN}", self.local));

        if let Some((sku, path)) = main {
            if matches!(path, Path::Direct | Path::Dual) {
                let sets = bp.direct_sets.get(sku).map_or(&[][..], Vec::as_slice);
                u.assignments.push(GenAssignment {
                    sku,
                    group: None,
                    disabled: weighted(rng, sets, NO_PLANS),
                    error: None,
                });
            }
            if matches!(path, Path::Inherited | Path::Dual) {
                if let Some(slot) = self.ladders.get_mut(sku).and_then(|q| q.draw(rng)) {
                    if let Some(&g) = bp.ladders.get(sku).and_then(|(gs, _)| gs.get(slot)) {
                        Self::join(roster, g, i);
                        u.assignments.push(GenAssignment {
                            sku,
                            group: Some(g),
                            disabled: Self::group_license(bp, g),
                            error: None,
                        });
                    }
                }
            }
        }
        // E1 holders put in a licensing group beside it: a nested group (they get nothing from
        // its parent), or an E3 group, whose Exchange Plan 2 conflicts with their Plan 1.
        if cat == 0 {
            if self.nested.take(rng) {
                Self::join(roster, bp.nested_group, i);
            }
            if self.exclusive.take(rng) {
                let groups = &bp.ladders[1].0;
                if let Some(&g) = groups.get(below(rng, groups.len() as u64) as usize) {
                    Self::join(roster, g, i);
                    u.assignments.push(GenAssignment {
                        sku: E3,
                        group: Some(g),
                        disabled: Self::group_license(bp, g),
                        error: Some(AssignmentError::MutuallyExclusiveViolation),
                    });
                }
            }
        }
        // E3 holders moved to an E5 group when its seats had run out.
        if cat == 3 && self.count.take(rng) {
            let groups = &bp.ladders[2].0;
            if let Some(&g) = groups.get(below(rng, groups.len() as u64) as usize) {
                Self::join(roster, g, i);
                u.assignments.push(GenAssignment {
                    sku: E5,
                    group: Some(g),
                    disabled: Self::group_license(bp, g),
                    error: Some(AssignmentError::CountViolation),
                });
            }
        }
        if main.is_some_and(|(sku, _)| sku == E3) && !no_location && chance(rng, 100) {
            u.assignments.push(GenAssignment {
                sku: WA,
                group: None,
                disabled: NO_PLANS,
                error: None,
            });
        }
        if self.dynamic.take(rng) {
            Self::join(roster, bp.dynamic_group, i);
            u.assignments.push(GenAssignment {
                sku: FLOW,
                group: Some(bp.dynamic_group),
                disabled: NO_PLANS,
                error: None,
            });
        }
        if !no_location && chance(rng, 10) {
            u.assignments.push(GenAssignment {
                sku: FLOW,
                group: None,
                disabled: NO_PLANS,
                error: None,
            });
        }
        if self.m365.take(rng) {
            Self::join(roster, bp.m365_group, i);
        }
        // A duplicate proxy address: the second user of a pair keeps a stale alias of the
        // first one's primary address, in other letter case (`smtp:` beside `SMTP:`).
        if self.duplicate.take(rng) {
            match self.duplicate_owner.take() {
                None => self.duplicate_owner = Some(u.upn.clone()),
                Some(owner) => u
                    .proxy_addresses
                    .push(format!("smtp:{}", case_variant(&owner))),
            }
        }

        let mut held = [false; SKU_DEFS.len()];
        for a in &u.assignments {
            if a.error.is_none() {
                if let Some(h) = held.get_mut(a.sku) {
                    *h = true;
                }
            }
        }
        for (s, h) in held.iter().enumerate() {
            if *h {
                if let Some(c) = roster.consumed.get_mut(s) {
                    *c += 1;
                }
            }
        }
    }
}

/// `jane.doe@fabrikam.edu` → `Jane.Doe@fabrikam.edu`.
pub(super) fn case_variant(address: &str) -> String {
    let (local, domain) = address.split_once('@').unwrap_or((address, ""));
    let mut out = String::with_capacity(address.len());
    let mut up = true;
    for c in local.chars() {
        out.push(if up { c.to_ascii_uppercase() } else { c });
        up = c == '.';
    }
    if !domain.is_empty() {
        out.push('@');
        out.push_str(domain);
    }
    out
}
