//! `PriorityQueue`: smallest first.

use std::cmp::Ordering;

use super::api::queue_api;
use super::core::{Core, Store};

/// A queue that hands out the **smallest** item first: Python's `queue.PriorityQueue`
/// (a `heapq` min-heap).
///
/// Note this is the opposite of [`BinaryHeap`](std::collections::BinaryHeap), which pops the largest. Items are ordered by
/// [`Ord`], so `(priority, payload)` tuples work as in Python: ties on the first field go to the
/// next. Items that compare **equal** come out in the order they were put (first in, first out);
/// Python's `heapq` makes no such promise, so code relying on it is still correct here.
///
/// For largest-first, wrap items in [`std::cmp::Reverse`].
///
/// # Examples
///
/// ```
/// use pythreading::queue::PriorityQueue;
///
/// let q = PriorityQueue::unbounded();
/// q.put((2, "code")).unwrap();
/// q.put((1, "eat")).unwrap();
/// q.put((3, "sleep")).unwrap();
/// assert_eq!(q.get(), Ok((1, "eat")));
/// assert_eq!(q.get(), Ok((2, "code")));
/// assert_eq!(q.get(), Ok((3, "sleep")));
/// ```
pub struct PriorityQueue<T> {
    core: Core<T, Priority<T>>,
}

/// An item with its arrival number: among equal items the earliest comes out first.
struct Entry<T> {
    item: T,
    seq: u64,
}

impl<T: Ord> Entry<T> {
    /// Whether `self` comes out before `other`: the smaller item, or the older of two equal ones.
    /// `T::cmp` is user code and may panic; see [`Priority`].
    fn before(&self, other: &Self) -> bool {
        match self.item.cmp(&other.item) {
            Ordering::Less => true,
            Ordering::Greater => false,
            Ordering::Equal => self.seq < other.seq,
        }
    }
}

/// Min-heap storage, FIFO among equals.
///
/// Not a `BinaryHeap`: the comparisons (user code) run under the queue's lock and may panic, and
/// a put or get that panics must leave the queue as it was (P-13, S-22: a failed put leaves the
/// item count and `unfinished_tasks` unchanged; a failed get leaves the item in the queue). After
/// a panic in `sift_up`, `BinaryHeap` keeps the new item (uncounted), and after one in `pop` it
/// loses the popped item. This heap moves items only by swaps, tracks where the moving item is,
/// and on unwinding retraces the swaps (no comparison needed: the path is the moving item's
/// ancestor chain), restoring the exact previous heap.
pub(crate) struct Priority<T> {
    heap: Vec<Entry<T>>,
    next_seq: u64,
    /// The item of a push whose comparison panicked, kept for the queue to drop after unlocking
    /// (its `Drop` is user code, S-21).
    refused: Option<T>,
}

impl<T: Ord> Default for Priority<T> {
    fn default() -> Self {
        Priority {
            heap: Vec::new(),
            next_seq: 0,
            refused: None,
        }
    }
}

fn parent(i: usize) -> usize {
    (i - 1) / 2
}

/// Undoes an unfinished `push` if a comparison panics: moves the new item from `pos` back down
/// its ancestor chain to the last slot and sets it aside in `refused`.
struct PushGuard<'a, T> {
    heap: &'a mut Vec<Entry<T>>,
    refused: &'a mut Option<T>,
    pos: usize,
}

impl<T> Drop for PushGuard<'_, T> {
    fn drop(&mut self) {
        // Only reached with a live guard, i.e. while unwinding (success forgets it).
        let last = self.heap.len() - 1;
        let mut path = Vec::new();
        let mut i = last;
        while i > self.pos {
            path.push(i);
            i = parent(i);
        }
        let mut at = self.pos;
        for &child in path.iter().rev() {
            self.heap.swap(at, child);
            at = child;
        }
        // Not dropped here, under the lock: the queue drops it after unlocking.
        *self.refused = self.heap.pop().map(|entry| entry.item);
    }
}

/// Undoes an unfinished `pop` if a comparison panics: moves the former last item from `pos`
/// back up to the root, then puts the taken item back on top.
struct PopGuard<'a, T> {
    heap: &'a mut Vec<Entry<T>>,
    pos: usize,
    taken: Option<Entry<T>>,
}

impl<T> Drop for PopGuard<'_, T> {
    fn drop(&mut self) {
        let mut at = self.pos;
        while at > 0 {
            self.heap.swap(at, parent(at));
            at = parent(at);
        }
        if let Some(top) = self.taken.take() {
            self.heap.push(top);
            let last = self.heap.len() - 1;
            self.heap.swap(0, last);
        }
    }
}

impl<T: Ord> Store<T> for Priority<T> {
    fn push(&mut self, item: T) {
        let seq = self.next_seq;
        // u64 arrivals cannot wrap in practice (584 years at 1e9 puts/s).
        self.next_seq = self.next_seq.wrapping_add(1);
        self.heap.push(Entry { item, seq });
        let pos = self.heap.len() - 1;
        let mut guard = PushGuard {
            heap: &mut self.heap,
            refused: &mut self.refused,
            pos,
        };
        while guard.pos > 0 {
            let up = parent(guard.pos);
            if !guard.heap[guard.pos].before(&guard.heap[up]) {
                break;
            }
            guard.heap.swap(guard.pos, up);
            guard.pos = up;
        }
        std::mem::forget(guard);
    }
    fn pop(&mut self) -> Option<T> {
        let last = self.heap.len().checked_sub(1)?;
        self.heap.swap(0, last);
        let taken = self.heap.pop();
        let len = self.heap.len();
        let mut guard = PopGuard {
            heap: &mut self.heap,
            pos: 0,
            taken,
        };
        loop {
            let left = 2 * guard.pos + 1;
            if left >= len {
                break;
            }
            let right = left + 1;
            let child = if right < len && guard.heap[right].before(&guard.heap[left]) {
                right
            } else {
                left
            };
            if !guard.heap[child].before(&guard.heap[guard.pos]) {
                break;
            }
            guard.heap.swap(guard.pos, child);
            guard.pos = child;
        }
        let taken = guard.taken.take();
        std::mem::forget(guard);
        taken.map(|entry| entry.item)
    }
    fn len(&self) -> usize {
        self.heap.len()
    }
    fn take_refused(&mut self) -> Option<T> {
        self.refused.take()
    }
    fn allocated(&self) -> usize {
        self.heap.capacity()
    }
    fn shrink_to(&mut self, keep: usize) {
        self.heap.shrink_to(keep);
    }
}

queue_api!(PriorityQueue, Core<T, Priority<T>>, [T: Ord], "111", "222", "333");
