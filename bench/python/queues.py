#!/usr/bin/env python3
"""The `queue` group, CPython side: the workloads of crates/pythreading-bench/src/queue.rs.

    python3 queues.py N_QUEUE N_SIMPLE REPS

Each case moves values 1..=N through a queue with P producer and C consumer threads; the queue is
closed with one None sentinel per consumer after the producers finish (queue.Queue's shutdown()
only exists from 3.13).  The time runs from starting the threads until every consumer is done,
and the count and sum are checked.  Prints one JSON line per case (median of REPS runs):
{"group": "queue", "case": ..., "impl": "cpython", "value": items_per_s, "unit": "items/s"}.
"""
# Named queues.py, not queue.py: a script's folder comes first on sys.path, and a file named
# queue.py there would shadow the standard library's `queue` for every script in this folder.
import json
import queue
import sys
import threading
import time


def once(make, producers, consumers, n):
    q = make()
    per = n // producers
    results = [None] * consumers

    def producer(first):
        put = q.put
        for v in range(first, first + per):
            put(v)

    def consumer(k):
        get = q.get
        count = total = 0
        while True:
            v = get()
            if v is None:
                break
            count += 1
            total += v
        results[k] = (count, total)

    cons = [threading.Thread(target=consumer, args=(k,)) for k in range(consumers)]
    prods = [threading.Thread(target=producer, args=(p * per + 1,)) for p in range(producers)]
    t0 = time.perf_counter()
    for t in cons + prods:
        t.start()
    for t in prods:
        t.join()
    for _ in range(consumers):
        q.put(None)
    for t in cons:
        t.join()
    dt = time.perf_counter() - t0
    total = per * producers
    assert sum(c for c, _ in results) == total, results
    assert sum(s for _, s in results) == total * (total + 1) // 2, results
    return total / dt


def main():
    n_queue, n_simple, reps = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    cases = [
        ("spsc_bounded_1024", lambda: queue.Queue(1024), 1, 1, n_queue),
        ("mpmc_bounded_1024_4p4c", lambda: queue.Queue(1024), 4, 4, n_queue),
        ("spsc_unbounded", queue.Queue, 1, 1, n_queue),
        ("simple_spsc_unbounded", queue.SimpleQueue, 1, 1, n_simple),
        ("simple_mpmc_unbounded_4p4c", queue.SimpleQueue, 4, 4, n_simple),
    ]
    for case, make, p, c, n in cases:
        rates = sorted(once(make, p, c, n) for _ in range(max(1, reps)))
        row = dict(group="queue", case=case, impl="cpython", value=rates[len(rates) // 2],
                   unit="items/s", note=f"N={n}")
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
