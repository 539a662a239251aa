//! The in-memory store: CPython's `queue.Queue` design (a deque and three conditions), plus
//! leases, waits that end when the caller's connection closes, and putting an undelivered
//! item back at the head.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use super::journal::{Journal, Position, Recovered, Ticket};
use super::{
    Block, ConsumerId, Delivery, LeaseId, LeaseTerms, QueueBackend, QueueStats, QueueStore,
    StoreError, WAIT_SLICE, Waiter,
};
use crate::pickle::Value;

/// An item, how many times it was delivered before, and (for a durable store) its record.
struct Entry {
    item: Value,
    delivered: u32,
    /// The journal's record id (0 without a journal).
    row: u64,
}

/// An item out on a lease.
struct Lease {
    entry: Entry,
    consumer: ConsumerId,
    expires: Option<Instant>,
}

struct State {
    items: VecDeque<Entry>,
    /// By lease number: numbers grow, so the first is the oldest.
    leases: BTreeMap<u64, Lease>,
    /// Leases with a timeout (to skip the scan for expired ones when there are none).
    timed: usize,
    next_lease: u64,
    unfinished: usize,
    shut_down: bool,
    /// The next position at the head (shrinking) and at the back (growing), for the journal.
    front: Position,
    back: Position,
    /// Threads inside a `put` or `take` wait: with none, a change skips the notify, which on
    /// Linux is a `futex` system call even when nobody waits (one per round trip saved).
    waiting: usize,
    /// The journal ticket of the last change queued for this queue (0: none): a caller waits
    /// for it, after releasing the lock, before answering (see `MemoryStore::settle`).
    last_ticket: Ticket,
}

/// The default backend: each queue in the server's memory (lost when the server stops, as
/// CPython's are).
///
/// # Examples
///
/// ```
/// use pythreading_mp::managers::store::{MemoryBackend, QueueBackend};
/// assert_eq!(MemoryBackend.describe(), "memory");
/// assert!(MemoryBackend.open("q", 10).is_ok());
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct MemoryBackend;

impl QueueBackend for MemoryBackend {
    fn open(&self, _name: &str, maxsize: usize) -> Result<Arc<dyn QueueStore>, StoreError> {
        Ok(Arc::new(MemoryStore::new(maxsize)))
    }

    fn describe(&self) -> String {
        "memory".into()
    }
}

/// A FIFO queue in memory with CPython's `queue.Queue` semantics and leases.
///
/// # Examples
///
/// ```
/// use pythreading_mp::managers::store::{Block, MemoryStore, QueueStore, Waiter};
/// use pythreading_mp::pickle::Value;
/// let q = MemoryStore::new(1);
/// q.put(Value::Int(1), Waiter::new(Block::Poll)).unwrap();
/// assert!(q.is_full());
/// assert_eq!(q.take(None, Waiter::new(Block::Poll)).unwrap().item, Value::Int(1));
/// ```
pub struct MemoryStore {
    state: Mutex<State>,
    /// Where a durable store writes each change down; `None`: memory only.
    journal: Option<Box<dyn Journal>>,
    maxsize: usize,
    not_empty: Condvar,
    not_full: Condvar,
    all_done: Condvar,
}

impl std::fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryStore")
            .field("maxsize", &self.maxsize)
            .field("stats", &self.stats())
            .finish()
    }
}

/// Waits on `cv` until `ready` holds, the wait runs out, the queue shuts down or the caller
/// goes away; in slices, so the caller is looked at every [`WAIT_SLICE`]. `tick` runs before
/// each look at `ready` (returning expired leases).
fn wait_until<'a>(
    cv: &Condvar,
    mut st: MutexGuard<'a, State>,
    wait: Waiter<'_>,
    timeout: StoreError,
    tick: impl Fn(&mut State),
    ready: impl Fn(&State) -> bool,
) -> Result<MutexGuard<'a, State>, (MutexGuard<'a, State>, StoreError)> {
    let deadline = wait.block.deadline();
    loop {
        tick(&mut st);
        if ready(&st) {
            return Ok(st);
        }
        if st.shut_down {
            return Err((st, StoreError::ShutDown));
        }
        let mut slice = match (wait.block, deadline) {
            (Block::Poll, _) => return Err((st, timeout)),
            (Block::For(_), Some(deadline)) => {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return Err((st, timeout));
                }
                left.min(WAIT_SLICE)
            }
            // `Forever`, or a timeout beyond what an `Instant` can hold.
            _ => WAIT_SLICE,
        };
        // A lease that expires sooner ends the slice sooner.
        if let Some(at) = next_expiry(&st) {
            slice = slice.min(
                at.saturating_duration_since(Instant::now())
                    .max(Duration::from_millis(1)),
            );
        }
        st.waiting += 1;
        st = cv
            .wait_timeout(st, slice)
            .unwrap_or_else(|p| p.into_inner())
            .0;
        st.waiting -= 1;
        tick(&mut st);
        if !ready(&st) && wait.is_gone() {
            return Err((st, StoreError::CallerGone));
        }
    }
}

fn next_expiry(st: &State) -> Option<Instant> {
    if st.timed == 0 {
        return None;
    }
    st.leases.values().filter_map(|l| l.expires).min()
}

fn parse_lease(id: &LeaseId) -> Result<u64, StoreError> {
    id.as_str()
        .parse()
        .map_err(|_| StoreError::UnknownLease(id.clone()))
}

impl MemoryStore {
    /// A queue holding at most `maxsize` waiting items (0: unbounded).
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::managers::store::{MemoryStore, QueueStore};
    /// assert!(!MemoryStore::new(0).is_full());
    /// ```
    pub fn new(maxsize: usize) -> Self {
        Self::with_journal(maxsize, None, Vec::new())
    }

    /// A queue whose changes are written to `journal`, holding the `recovered` items (in
    /// order; each counts as unfinished).
    pub(crate) fn with_journal(
        maxsize: usize,
        journal: Option<Box<dyn Journal>>,
        recovered: Vec<Recovered>,
    ) -> Self {
        let front = recovered.first().map_or(0, |r| r.1 - 1);
        let back = recovered.last().map_or(1, |r| r.1 + 1);
        let items: VecDeque<Entry> = recovered
            .into_iter()
            .map(|(row, _, delivered, item)| Entry {
                item,
                delivered,
                row,
            })
            .collect();
        MemoryStore {
            state: Mutex::new(State {
                unfinished: items.len(),
                items,
                leases: BTreeMap::new(),
                timed: 0,
                next_lease: 1,
                shut_down: false,
                front,
                back,
                waiting: 0,
                last_ticket: 0,
            }),
            journal,
            maxsize,
            not_empty: Condvar::new(),
            not_full: Condvar::new(),
            all_done: Condvar::new(),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn has_room(&self, st: &State) -> bool {
        self.maxsize == 0 || st.items.len() < self.maxsize
    }

    /// Puts the items of expired leases back at the head, oldest lease first in line.
    fn reclaim_expired(&self, st: &mut State) {
        if st.timed == 0 {
            return;
        }
        let now = Instant::now();
        let expired: Vec<u64> = st
            .leases
            .iter()
            .filter(|(_, l)| l.expires.is_some_and(|at| at <= now))
            .map(|(n, _)| *n)
            .collect();
        self.put_back(st, &expired);
    }

    /// Ends the leases `numbers` (oldest first) and puts their items back at the head in that
    /// order.
    fn put_back(&self, st: &mut State, numbers: &[u64]) {
        for n in numbers.iter().rev() {
            if let Some(lease) = st.leases.remove(n) {
                if lease.expires.is_some() {
                    st.timed -= 1;
                }
                if let Some(j) = &self.journal {
                    // Until this change is committed the record keeps its old place, which is
                    // still ahead of every item put after it: after a crash the item is near
                    // the head all the same.
                    st.last_ticket = j.moved(lease.entry.row, st.front);
                }
                st.front -= 1;
                st.items.push_front(lease.entry);
                if st.waiting > 0 {
                    self.not_empty.notify_one();
                }
            }
        }
    }

    /// Releases the queue's lock, then waits until the changes it queued up to now (its last
    /// ticket) are durable: the caller is answered only after the commit holding its change.
    /// Waiting outside the lock lets other callers' changes queue meanwhile and share the
    /// next commit (group commit).
    fn settle(&self, st: MutexGuard<'_, State>) -> Result<(), StoreError> {
        let ticket = st.last_ticket;
        drop(st);
        match &self.journal {
            Some(j) if ticket > 0 => j.durable(ticket),
            _ => Ok(()),
        }
    }

    fn finish_one(&self, st: &mut State) {
        st.unfinished = st.unfinished.saturating_sub(1);
        if st.unfinished == 0 {
            self.all_done.notify_all();
        }
    }
}

impl QueueStore for MemoryStore {
    fn put(&self, item: Value, wait: Waiter<'_>) -> Result<(), StoreError> {
        let st = self.state();
        if st.shut_down {
            return Err(StoreError::ShutDown);
        }
        let mut st = wait_until(
            &self.not_full,
            st,
            wait,
            StoreError::Full,
            |_| {},
            |s| self.has_room(s),
        )
        .map_err(|(_, e)| e)?;
        let row = match &self.journal {
            Some(j) => {
                let (row, ticket) = j.appended(st.back, &item);
                st.last_ticket = ticket;
                row
            }
            None => 0,
        };
        st.back += 1;
        st.items.push_back(Entry {
            item,
            delivered: 0,
            row,
        });
        st.unfinished += 1;
        if st.waiting > 0 {
            self.not_empty.notify_one();
        }
        self.settle(st)
    }

    fn take(&self, lease: Option<LeaseTerms>, wait: Waiter<'_>) -> Result<Delivery, StoreError> {
        let st = self.state();
        let before = st.last_ticket;
        let mut st = match wait_until(
            &self.not_empty,
            st,
            wait,
            StoreError::Empty,
            |s| self.reclaim_expired(s),
            |s| !s.items.is_empty(),
        ) {
            Ok(st) => st,
            Err((st, e)) => {
                // A waiter that leaves may have been the one a `notify_one` chose: pass it on.
                if !st.items.is_empty() && st.waiting > 0 {
                    self.not_empty.notify_one();
                }
                // Expired leases returned while waiting are written down before the answer.
                if st.last_ticket != before {
                    let _ = self.settle(st);
                }
                return Err(e);
            }
        };
        let mut entry = st.items.pop_front().ok_or(StoreError::Empty)?;
        let deliveries = entry.delivered.saturating_add(1);
        if let Some(j) = &self.journal {
            st.last_ticket = match lease {
                Some(_) => j.delivered(entry.row, deliveries),
                None => j.removed(entry.row),
            };
        }
        if st.waiting > 0 {
            self.not_full.notify_one();
        }
        entry.delivered = deliveries;
        let Some(terms) = lease else {
            let item = entry.item;
            if let Err(e) = self.settle(st) {
                // Not known to be taken on disk: the item stays in the queue, at the head.
                let _ = self.give_back(item);
                return Err(e);
            }
            return Ok(Delivery {
                item,
                lease: None,
                deliveries,
            });
        };
        let n = st.next_lease;
        st.next_lease += 1;
        let expires = terms.timeout.and_then(|t| Instant::now().checked_add(t));
        if expires.is_some() {
            st.timed += 1;
        }
        // The item stays here (for redelivery); the caller gets a copy.
        let item = entry.item.clone();
        st.leases.insert(
            n,
            Lease {
                entry,
                consumer: terms.consumer,
                expires,
            },
        );
        let lease = LeaseId::new(n.to_string());
        if let Err(e) = self.settle(st) {
            // The caller will not hear of this lease: the item goes back at the head.
            let _ = self.release(&lease);
            return Err(e);
        }
        Ok(Delivery {
            item,
            lease: Some(lease),
            deliveries,
        })
    }

    fn give_back(&self, item: Value) -> Result<(), StoreError> {
        let mut st = self.state();
        // Its record was removed when it was taken: written again, at the head.
        let row = match &self.journal {
            Some(j) => {
                let (row, ticket) = j.appended(st.front, &item);
                st.last_ticket = ticket;
                row
            }
            None => 0,
        };
        st.front -= 1;
        st.items.push_front(Entry {
            item,
            delivered: 0,
            row,
        });
        if st.waiting > 0 {
            self.not_empty.notify_one();
        }
        self.settle(st)
    }

    fn ack(&self, lease: &LeaseId) -> Result<(), StoreError> {
        let n = parse_lease(lease)?;
        let mut st = self.state();
        self.reclaim_expired(&mut st);
        let Some(row) = st.leases.get(&n).map(|l| l.entry.row) else {
            return Err(StoreError::UnknownLease(lease.clone()));
        };
        if let Some(j) = &self.journal {
            st.last_ticket = j.removed(row);
        }
        let Some(l) = st.leases.remove(&n) else {
            return Err(StoreError::UnknownLease(lease.clone()));
        };
        if l.expires.is_some() {
            st.timed -= 1;
        }
        self.finish_one(&mut st);
        // The item is dropped outside the lock.
        let settled = self.settle(st);
        drop(l);
        settled
    }

    fn ack_oldest(&self, consumer: ConsumerId) -> Result<bool, StoreError> {
        let mut st = self.state();
        self.reclaim_expired(&mut st);
        let Some((n, row)) = st
            .leases
            .iter()
            .find(|(_, l)| l.consumer == consumer)
            .map(|(n, l)| (*n, l.entry.row))
        else {
            return Ok(false);
        };
        if let Some(j) = &self.journal {
            st.last_ticket = j.removed(row);
        }
        if st.leases.remove(&n).is_some_and(|l| l.expires.is_some()) {
            st.timed -= 1;
        }
        self.finish_one(&mut st);
        self.settle(st).map(|()| true)
    }

    fn release(&self, lease: &LeaseId) -> Result<(), StoreError> {
        let n = parse_lease(lease)?;
        let mut st = self.state();
        self.reclaim_expired(&mut st);
        if !st.leases.contains_key(&n) {
            return Err(StoreError::UnknownLease(lease.clone()));
        }
        self.put_back(&mut st, &[n]);
        self.settle(st)
    }

    fn release_consumer(&self, consumer: ConsumerId) -> Result<usize, StoreError> {
        let mut st = self.state();
        let held: Vec<u64> = st
            .leases
            .iter()
            .filter(|(_, l)| l.consumer == consumer)
            .map(|(n, _)| *n)
            .collect();
        self.put_back(&mut st, &held);
        self.settle(st).map(|()| held.len())
    }

    fn task_done(&self) -> Result<bool, StoreError> {
        let mut st = self.state();
        if st.unfinished == 0 {
            return Ok(false);
        }
        self.finish_one(&mut st);
        Ok(true)
    }

    fn join(&self, wait: Waiter<'_>) -> Result<(), StoreError> {
        let deadline = wait.block.deadline();
        let mut st = self.state();
        while st.unfinished > 0 {
            let slice = match (wait.block, deadline) {
                (Block::Poll, _) => return Err(StoreError::Empty),
                (Block::For(_), Some(at)) => {
                    let left = at.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        return Err(StoreError::Empty);
                    }
                    left.min(WAIT_SLICE)
                }
                _ => WAIT_SLICE,
            };
            st = self
                .all_done
                .wait_timeout(st, slice)
                .unwrap_or_else(|p| p.into_inner())
                .0;
            if st.unfinished > 0 && wait.is_gone() {
                return Err(StoreError::CallerGone);
            }
        }
        Ok(())
    }

    fn len(&self) -> usize {
        self.state().items.len()
    }

    fn is_full(&self) -> bool {
        let st = self.state();
        self.maxsize > 0 && st.items.len() >= self.maxsize
    }

    fn stats(&self) -> QueueStats {
        let st = self.state();
        QueueStats {
            depth: st.items.len(),
            leased: st.leases.len(),
            dead_lettered: 0,
        }
    }

    fn shutdown(&self, immediate: bool) {
        self.shut_down(immediate, true);
    }

    fn release_all(&self) {
        // The server stopping is not `shutdown(immediate=True)`: a durable queue keeps its
        // items for the next run, so nothing is written; the waiters are woken.
        self.shut_down(true, false);
        let mut st = self.state();
        st.unfinished = 0;
        self.all_done.notify_all();
    }
}

impl MemoryStore {
    /// `shutdown(immediate)`; `record`: whether dropped items are removed from the journal.
    fn shut_down(&self, immediate: bool, record: bool) {
        let mut st = self.state();
        st.shut_down = true;
        if immediate {
            let n = st.items.len();
            if let (true, Some(j)) = (record, &self.journal) {
                for row in st.items.iter().map(|e| e.row).collect::<Vec<_>>() {
                    st.last_ticket = j.removed(row);
                }
            }
            st.items.clear();
            st.unfinished = st.unfinished.saturating_sub(n);
            if st.unfinished == 0 {
                self.all_done.notify_all();
            }
        }
        self.not_empty.notify_all();
        self.not_full.notify_all();
        // A record left behind (its commit failed) comes back at the next start: not lost.
        let _ = self.settle(st);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn poll() -> Waiter<'static> {
        Waiter::new(Block::Poll)
    }

    #[test]
    fn fifo_order_timeouts_and_give_back() {
        let q = MemoryStore::new(2);
        q.put(Value::Int(1), Waiter::new(Block::Forever)).unwrap();
        q.put(Value::Int(2), Waiter::new(Block::Forever)).unwrap();
        assert_eq!(q.put(Value::Int(3), poll()), Err(StoreError::Full));
        let t0 = Instant::now();
        assert_eq!(
            q.put(
                Value::Int(3),
                Waiter::new(Block::For(Duration::from_millis(50)))
            ),
            Err(StoreError::Full)
        );
        assert!(t0.elapsed() >= Duration::from_millis(30));
        let first = q.take(None, poll()).unwrap().item;
        q.give_back(first).unwrap();
        assert_eq!(q.take(None, poll()).unwrap().item, Value::Int(1));
        assert_eq!(q.take(None, poll()).unwrap().item, Value::Int(2));
        assert_eq!(q.take(None, poll()), Err(StoreError::Empty));
        assert!(q.task_done().unwrap() && q.task_done().unwrap() && !q.task_done().unwrap());
        q.join(Waiter::new(Block::Forever)).unwrap();
        q.shutdown(false);
        assert_eq!(q.put(Value::None, poll()), Err(StoreError::ShutDown));
        assert_eq!(
            q.take(None, Waiter::new(Block::Forever)),
            Err(StoreError::ShutDown)
        );
    }

    #[test]
    fn leases_come_back_at_the_head_with_their_count_raised() {
        let q = MemoryStore::new(0);
        for i in 0..3 {
            q.put(Value::Int(i), poll()).unwrap();
        }
        let a = LeaseTerms {
            consumer: ConsumerId(1),
            timeout: None,
        };
        let d0 = q.take(Some(a), poll()).unwrap();
        let d1 = q.take(Some(a), poll()).unwrap();
        assert_eq!((d0.deliveries, d1.deliveries), (1, 1));
        assert_eq!(
            q.stats(),
            QueueStats {
                depth: 1,
                leased: 2,
                dead_lettered: 0
            }
        );
        // The connection closes: both back, in their order, ahead of item 2.
        assert_eq!(q.release_consumer(ConsumerId(1)).unwrap(), 2);
        let order: Vec<_> = (0..3).map(|_| q.take(Some(a), poll()).unwrap()).collect();
        let items: Vec<_> = order.iter().map(|d| d.item.clone()).collect();
        assert_eq!(items, vec![Value::Int(0), Value::Int(1), Value::Int(2)]);
        assert_eq!(order[0].deliveries, 2);
        assert_eq!(order[2].deliveries, 1);
        // task_done acks the oldest lease first.
        assert!(q.ack_oldest(ConsumerId(1)).unwrap());
        let l1 = order[1].lease.clone().unwrap();
        q.ack(&l1).unwrap();
        assert_eq!(q.ack(&l1), Err(StoreError::UnknownLease(l1)));
        assert!(!q.ack_oldest(ConsumerId(2)).unwrap());
        assert_eq!(q.stats().leased, 1);
        q.ack(order[2].lease.as_ref().unwrap()).unwrap();
        q.join(poll()).unwrap();
    }

    /// A journal whose commits fail while `failing` is set (a disk refusing writes).
    #[derive(Default)]
    struct SwitchedJournal {
        failing: std::sync::atomic::AtomicBool,
        tickets: std::sync::atomic::AtomicU64,
    }

    impl SwitchedJournal {
        fn next(&self) -> Ticket {
            self.tickets
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
                + 1
        }
    }

    impl Journal for std::sync::Arc<SwitchedJournal> {
        fn appended(&self, _pos: Position, _item: &Value) -> (u64, Ticket) {
            let t = self.next();
            (t, t)
        }
        fn delivered(&self, _row: u64, _delivered: u32) -> Ticket {
            self.next()
        }
        fn removed(&self, _row: u64) -> Ticket {
            self.next()
        }
        fn moved(&self, _row: u64, _pos: Position) -> Ticket {
            self.next()
        }
        fn durable(&self, _ticket: Ticket) -> Result<(), StoreError> {
            if self.failing.load(std::sync::atomic::Ordering::Relaxed) {
                Err(StoreError::Backend("disk refused".into()))
            } else {
                Ok(())
            }
        }
    }

    #[test]
    fn a_failed_commit_reports_the_error_and_keeps_every_item_takeable() {
        let journal = std::sync::Arc::new(SwitchedJournal::default());
        let q = MemoryStore::with_journal(
            0,
            Some(Box::new(std::sync::Arc::clone(&journal))),
            Vec::new(),
        );
        let fail = |on: bool| {
            journal
                .failing
                .store(on, std::sync::atomic::Ordering::Relaxed)
        };
        let backend = |r: Result<Delivery, StoreError>| matches!(r, Err(StoreError::Backend(m)) if m == "disk refused");
        q.put(Value::Int(1), poll()).unwrap();
        // A put whose commit fails: the caller hears it, the item is in memory (may be done).
        fail(true);
        assert_eq!(
            q.put(Value::Int(2), poll()),
            Err(StoreError::Backend("disk refused".into()))
        );
        assert_eq!(q.len(), 2);
        // A leased take whose commit fails: no lease is left held, the item is back at the head.
        let terms = LeaseTerms {
            consumer: ConsumerId(1),
            timeout: None,
        };
        assert!(backend(q.take(Some(terms), poll())));
        assert_eq!((q.stats().depth, q.stats().leased), (2, 0));
        // A plain take whose commit fails: the item is not lost, it is back at the head.
        assert!(backend(q.take(None, poll())));
        assert_eq!(q.len(), 2);
        // The disk works again: both items, in order. Item 1 was last given back by the failed
        // plain take (never delivered to anyone), so its count starts afresh.
        fail(false);
        let d = q.take(Some(terms), poll()).unwrap();
        assert_eq!((d.item.clone(), d.deliveries), (Value::Int(1), 1));
        q.ack(d.lease.as_ref().unwrap()).unwrap();
        assert_eq!(q.take(None, poll()).unwrap().item, Value::Int(2));
        assert_eq!(q.take(None, poll()), Err(StoreError::Empty));
    }

    #[test]
    fn an_expired_lease_returns_its_item() {
        let q = MemoryStore::new(0);
        q.put(Value::Int(7), poll()).unwrap();
        let terms = LeaseTerms {
            consumer: ConsumerId(1),
            timeout: Some(Duration::from_millis(50)),
        };
        let d = q.take(Some(terms), poll()).unwrap();
        // A second consumer's blocking take gets it once the lease runs out.
        let t0 = Instant::now();
        let other = LeaseTerms {
            consumer: ConsumerId(2),
            timeout: None,
        };
        let again = q
            .take(
                Some(other),
                Waiter::new(Block::For(Duration::from_secs(10))),
            )
            .unwrap();
        assert!(t0.elapsed() >= Duration::from_millis(30));
        assert!(t0.elapsed() < Duration::from_secs(5));
        assert_eq!((again.item, again.deliveries), (Value::Int(7), 2));
        let old = d.lease.unwrap();
        assert_eq!(q.ack(&old), Err(StoreError::UnknownLease(old.clone())));
    }
}
