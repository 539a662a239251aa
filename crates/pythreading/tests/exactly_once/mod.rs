//! The "exactly once" check of the queue stress tests: every item of `0..n` arrived once (a
//! bitmap, so losing one item and duplicating another cannot cancel out as in a count or a sum),
//! and, for FIFO queues, each consumer saw each producer's items in the order they were put.
#![allow(dead_code)]

/// `received[c]` is what consumer `c` got, in order; items are `0..n`, and `producer(v)` is the
/// producer that put `v`, which put its items in increasing order. With `fifo`, a consumer's
/// items from one producer must be increasing (a FIFO queue hands out one producer's items in
/// its put order, so any one consumer sees them in that order).
pub(crate) fn check(received: &[Vec<u64>], n: u64, producer: impl Fn(u64) -> usize, fifo: bool) {
    let mut seen = vec![0u64; n.div_ceil(64) as usize];
    let mut total = 0u64;
    for (c, items) in received.iter().enumerate() {
        let mut last: Vec<Option<u64>> = Vec::new();
        for &v in items {
            assert!(v < n, "consumer {c} got {v}, which was never put");
            let (word, bit) = ((v / 64) as usize, 1u64 << (v % 64));
            assert!(seen[word] & bit == 0, "item {v} arrived twice");
            seen[word] |= bit;
            total += 1;
            if fifo {
                let p = producer(v);
                if last.len() <= p {
                    last.resize(p + 1, None);
                }
                if let Some(prev) = last[p] {
                    assert!(
                        prev < v,
                        "consumer {c} got producer {p}'s item {v} after its later item {prev}"
                    );
                }
                last[p] = Some(v);
            }
        }
    }
    if total != n {
        let lost: Vec<u64> = (0..n)
            .filter(|&v| seen[(v / 64) as usize] & (1 << (v % 64)) == 0)
            .take(10)
            .collect();
        panic!("{} of {n} items lost, e.g. {lost:?}", n - total);
    }
}
