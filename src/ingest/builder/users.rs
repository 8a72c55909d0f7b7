//! The users read so far, kept in per-file runs with a hash index, merged in id order at the end.

use super::*;

/// A user while reading, with whether any export said what licenses it holds.
#[derive(Debug)]
pub(crate) struct UserAcc {
    pub user: User,
    pub license_data: bool,
    pub origin: Origin,
}

/// The users read so far: in vectors (one per file read on another thread), with a hash index
/// by id. A hash map of the users themselves would move every user (about 150 bytes) each time
/// it grows, and adding a file's users would move each of them again; the index moves 24 bytes.
#[derive(Debug, Default)]
pub(crate) struct Users {
    chunks: Vec<Vec<UserAcc>>,
    /// id → (chunk, position)
    index: HashMap<UserId, (u32, u32)>,
}

impl Users {
    pub fn contains_key(&self, id: &UserId) -> bool {
        self.index.contains_key(id)
    }

    /// Adds a user whose id is not here yet.
    pub(super) fn insert(&mut self, acc: UserAcc) {
        if self.chunks.is_empty() {
            self.chunks.push(Vec::new());
        }
        let c = self.chunks.len() - 1;
        let chunk = &mut self.chunks[c];
        self.index
            .insert(acc.user.id, (c as u32, chunk.len() as u32));
        chunk.push(acc);
    }

    /// Adds another builder's users (none of whose ids is repeated among them), their origins
    /// rebased; those already here are handed to `dup` instead.
    pub(super) fn append(
        &mut self,
        other: Users,
        rebase: impl Fn(Origin) -> Origin,
        mut dup: impl FnMut(UserAcc),
    ) {
        for mut list in other.chunks {
            for acc in &mut list {
                acc.origin = rebase(acc.origin);
            }
            if list.iter().any(|acc| self.index.contains_key(&acc.user.id)) {
                for acc in list {
                    if self.index.contains_key(&acc.user.id) {
                        dup(acc);
                    } else {
                        self.insert(acc);
                    }
                }
                continue;
            }
            // The common case: the vector is kept as it is.
            let c = self.chunks.len() as u32;
            self.index.reserve(list.len());
            for (i, acc) in list.iter().enumerate() {
                self.index.insert(acc.user.id, (c, i as u32));
            }
            self.chunks.push(list);
            // Later single inserts go to a chunk of their own, after this one.
            self.chunks.push(Vec::new());
        }
    }

    pub fn get(&self, id: &UserId) -> Option<&UserAcc> {
        let (c, i) = *self.index.get(id)?;
        self.chunks.get(c as usize)?.get(i as usize)
    }

    pub fn get_mut(&mut self, id: &UserId) -> Option<&mut UserAcc> {
        let (c, i) = *self.index.get(id)?;
        self.chunks.get_mut(c as usize)?.get_mut(i as usize)
    }

    pub fn values(&self) -> impl Iterator<Item = &UserAcc> {
        self.chunks.iter().flatten()
    }

    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut UserAcc> {
        self.chunks.iter_mut().flatten()
    }

    pub fn len(&self) -> usize {
        self.index.len()
    }

    /// Sorts each run of users by id, where it is: done by the thread that read the file, the
    /// final merge then finds its runs sorted already. For users about to be appended to
    /// another builder's (which indexes them itself): the index is dropped, not rebuilt.
    pub(crate) fn sort_runs_for_append(&mut self) {
        self.index = HashMap::default();
        for chunk in &mut self.chunks {
            chunk.sort_unstable_by_key(|acc| acc.user.id);
        }
    }

    /// Every user, in id order; the index is dropped first. Each file's users are sorted where
    /// they are and the runs merged as they are taken: joining them into one vector first would
    /// take fresh memory for a second copy of every user, which costs more than the sorting.
    pub(super) fn into_sorted(self) -> SortedUsers {
        drop(self.index);
        let mut runs: Vec<std::vec::IntoIter<UserAcc>> = Vec::with_capacity(self.chunks.len());
        let mut heads = std::collections::BinaryHeap::with_capacity(self.chunks.len());
        for mut chunk in self.chunks {
            chunk.sort_unstable_by_key(|acc| acc.user.id);
            if let Some(first) = chunk.first() {
                heads.push(std::cmp::Reverse((first.user.id, runs.len())));
                runs.push(chunk.into_iter());
            }
        }
        SortedUsers { runs, heads }
    }
}

/// A k-way merge of sorted runs of users, smallest id first.
pub(super) struct SortedUsers {
    runs: Vec<std::vec::IntoIter<UserAcc>>,
    /// (the run's next id, the run)
    heads: std::collections::BinaryHeap<std::cmp::Reverse<(UserId, usize)>>,
}

impl Iterator for SortedUsers {
    type Item = UserAcc;

    fn next(&mut self) -> Option<UserAcc> {
        let std::cmp::Reverse((_, r)) = self.heads.pop()?;
        let run = self.runs.get_mut(r)?;
        let acc = run.next()?;
        if let Some(next) = run.as_slice().first() {
            self.heads.push(std::cmp::Reverse((next.user.id, r)));
        }
        Some(acc)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.runs.iter().map(ExactSizeIterator::len).sum();
        (n, Some(n))
    }
}
