//! Work split over the machine's cores, with results in input order.
//!
//! A million-user tenant is read, checked and simulated in passes over all users, each user on
//! its own; splitting such a pass into one run of users per core, and joining the runs' results
//! in order, gives the same output as one thread, sooner. Scoped threads of the standard
//! library suffice: the runs are few and equal, so no work-stealing pool is needed.

/// How many threads a pass may use: the machine's cores.
pub fn threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Calls `f` on consecutive runs of `items` (with each run's offset into `items`), on up to
/// `threads` threads, each run at least `min_run` long; returns the results in run order and
/// the run length used (every run but the last has that length). Results may borrow from
/// `items`.
pub fn map_runs<'a, T: Sync, R: Send>(
    items: &'a [T],
    threads: usize,
    min_run: usize,
    f: impl Fn(usize, &'a [T]) -> R + Sync,
) -> (Vec<R>, usize) {
    let threads = threads.min(items.len() / min_run.max(1)).max(1);
    let size = items.len().div_ceil(threads).max(1);
    if threads == 1 {
        return (vec![f(0, items)], size);
    }
    let f = &f;
    let results = std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(size)
            .enumerate()
            .map(|(i, run)| scope.spawn(move || f(i * size, run)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    });
    (results, size)
}

/// Runs `a` on another thread while `b` runs on this one, and returns both results (a panic
/// in either is resumed here).
pub fn join<A: Send, B>(a: impl FnOnce() -> A + Send, b: impl FnOnce() -> B) -> (A, B) {
    std::thread::scope(|scope| {
        let h = scope.spawn(a);
        let rb = b();
        let ra = h.join().unwrap_or_else(|e| std::panic::resume_unwind(e));
        (ra, rb)
    })
}

/// Calls `work` on every item on up to `threads` threads (each thread taking the next item
/// left), and hands each result to `take` on this thread in the items' order, as soon as its
/// turn comes: the same calls of `take`, in the same order, as one thread would make.
pub fn for_each_ordered<T: Sync, R: Send>(
    items: &[T],
    threads: usize,
    work: impl Fn(&T) -> R + Sync,
    mut take: impl FnMut(usize, R),
) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let threads = threads.min(items.len());
    if threads <= 1 {
        for (i, item) in items.iter().enumerate() {
            take(i, work(item));
        }
        return;
    }
    let next = AtomicUsize::new(0);
    let (tx, rx) = std::sync::mpsc::channel::<(usize, R)>();
    std::thread::scope(|scope| {
        for _ in 0..threads {
            let tx = tx.clone();
            let (next, work) = (&next, &work);
            scope.spawn(move || loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(item) = items.get(i) else { break };
                if tx.send((i, work(item))).is_err() {
                    break;
                }
            });
        }
        drop(tx);
        // Results that arrive ahead of their turn wait here.
        let mut waiting: std::collections::BTreeMap<usize, R> = Default::default();
        let mut turn = 0;
        for (i, r) in rx {
            waiting.insert(i, r);
            while let Some(r) = waiting.remove(&turn) {
                take(turn, r);
                turn += 1;
            }
        }
    });
}

/// Work started on another thread and collected later with [`Background::wait`].
pub struct Background<T>(std::thread::JoinHandle<T>);

/// Starts `f` on another thread; the caller goes on and collects the result when it needs it.
pub fn background<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Background<T> {
    Background(std::thread::spawn(f))
}

impl<T> Background<T> {
    /// The result (a panic on the other thread is resumed here).
    pub fn wait(self) -> T {
        self.0
            .join()
            .unwrap_or_else(|e| std::panic::resume_unwind(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordered_results_are_taken_in_item_order_whatever_the_thread_count() {
        let items: Vec<u64> = (0..200).collect();
        for threads in [1, 2, 3, 8] {
            let mut seen = Vec::new();
            for_each_ordered(
                &items,
                threads,
                |x| {
                    // Later items finish first, so results arrive out of order.
                    std::thread::sleep(std::time::Duration::from_micros(200 - x));
                    x * 2
                },
                |i, r| seen.push((i, r)),
            );
            let want: Vec<(usize, u64)> = items.iter().map(|x| (*x as usize, x * 2)).collect();
            assert_eq!(seen, want, "{threads} threads");
        }
    }

    #[test]
    fn background_work_returns_its_result() {
        let v: Vec<u32> = (0..1000).collect();
        let job = background(move || v.iter().sum::<u32>());
        assert_eq!(job.wait(), 499_500);
    }

    #[test]
    fn runs_cover_the_items_in_order_whatever_the_thread_count() {
        let items: Vec<u32> = (0..1000).collect();
        for threads in [1, 2, 3, 7, 2000] {
            for min_run in [0, 1, 100, 5000] {
                let (runs, size) = map_runs(&items, threads, min_run, |at, run| {
                    assert_eq!(run[0] as usize, at);
                    run.to_vec()
                });
                assert!(runs.iter().rev().skip(1).all(|r| r.len() == size));
                let joined: Vec<u32> = runs.into_iter().flatten().collect();
                assert_eq!(
                    joined, items,
                    "{threads} threads, runs of at least {min_run}"
                );
            }
        }
        let (runs, _) = map_runs(&[] as &[u32], 4, 1, |_, run| run.len());
        assert_eq!(runs, vec![0]);
    }

    #[test]
    fn join_returns_both_results_in_place() {
        let items = [1u32, 2, 3];
        let (a, b) = join(|| items.iter().sum::<u32>(), || items.len());
        assert_eq!((a, b), (6, 3));
    }
}
