#!/usr/bin/env python3
"""CPython side of the `lock` group: the same workloads as pythreading-bench's lock.rs.

    python3 lock.py N_UNCONTENDED N_CONTENDED_PER_THREAD

Prints one JSON object per line: group, case, impl ("cpython"), value, unit.
  uncontended_acquire_release  ns per acquire()+release() pair
  uncontended_guard            ns per `with lock:` block
  contended_2t                 lock/increment/unlock operations per second, 2 threads
"""
import json
import sys
import threading
import time


def row(case, value, unit):
    print(json.dumps({"group": "lock", "case": case, "impl": "cpython",
                      "value": value, "unit": unit}))


def median(samples):
    samples = sorted(samples)
    return samples[len(samples) // 2]


def uncontended_pairs(n):
    lock = threading.Lock()
    acquire, release = lock.acquire, lock.release
    start = time.perf_counter()
    for _ in range(n):
        acquire()
        release()
    return (time.perf_counter() - start) / n * 1e9


def uncontended_with(n):
    lock = threading.Lock()
    start = time.perf_counter()
    for _ in range(n):
        with lock:
            pass
    return (time.perf_counter() - start) / n * 1e9


def contended(n):
    lock = threading.Lock()
    counter = [0]

    def worker():
        for _ in range(n):
            with lock:
                counter[0] += 1

    threads = [threading.Thread(target=worker) for _ in range(2)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    assert counter[0] == 2 * n
    return 2 * n / elapsed


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    n_contended = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
    reps = 3
    row("uncontended_acquire_release", median([uncontended_pairs(n) for _ in range(reps)]), "ns")
    row("uncontended_guard", median([uncontended_with(n) for _ in range(reps)]), "ns")
    row("contended_2t", median([contended(n_contended) for _ in range(reps)]), "ops/s")


if __name__ == "__main__":
    main()
