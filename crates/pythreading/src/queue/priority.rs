//! `PriorityQueue`: smallest first.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use super::api::queue_api;
use super::core::{Core, Store};

/// A queue that hands out the **smallest** item first: Python's `queue.PriorityQueue`
/// (a `heapq` min-heap).
///
/// Note this is the opposite of [`BinaryHeap`], which pops the largest. Items are ordered by
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

/// An item with its arrival number, ordered so that `BinaryHeap` (a max-heap) pops the smallest
/// item, and among equal items the earliest.
struct Entry<T> {
    item: T,
    seq: u64,
}

impl<T: Ord> PartialEq for Entry<T> {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl<T: Ord> Eq for Entry<T> {}

impl<T: Ord> PartialOrd for Entry<T> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<T: Ord> Ord for Entry<T> {
    fn cmp(&self, other: &Self) -> Ordering {
        // Reversed on both keys: the heap's "greatest" is the smallest item, oldest first.
        other
            .item
            .cmp(&self.item)
            .then_with(|| other.seq.cmp(&self.seq))
    }
}

/// Min-heap storage, FIFO among equals.
pub(crate) struct Priority<T> {
    heap: BinaryHeap<Entry<T>>,
    next_seq: u64,
}

impl<T: Ord> Default for Priority<T> {
    fn default() -> Self {
        Priority {
            heap: BinaryHeap::new(),
            next_seq: 0,
        }
    }
}

impl<T: Ord> Store<T> for Priority<T> {
    fn push(&mut self, item: T) {
        let seq = self.next_seq;
        // u64 arrivals cannot wrap in practice (584 years at 1e9 puts/s).
        self.next_seq = self.next_seq.wrapping_add(1);
        self.heap.push(Entry { item, seq });
    }
    fn pop(&mut self) -> Option<T> {
        self.heap.pop().map(|entry| entry.item)
    }
    fn len(&self) -> usize {
        self.heap.len()
    }
    fn allocated(&self) -> usize {
        self.heap.capacity()
    }
    fn shrink_to(&mut self, keep: usize) {
        self.heap.shrink_to(keep);
    }
}

queue_api!(PriorityQueue, Core<T, Priority<T>>, [T: Ord], "111", "222", "333");
