#!/usr/bin/env python3
"""CPython side of the `threads` group: start + join of N threading.Threads.

    python3 bench/python/threads.py N REPS

Prints one JSON line per case in pythreading-bench's schema, the median of REPS runs, in
microseconds per thread:
  spawn_join_seq   start then join each thread (one alive at a time)
  spawn_join_batch start all N, then join all N
"""
import json
import statistics
import sys
import threading
import time


def noop():
    pass


def seq(n):
    t0 = time.perf_counter()
    for _ in range(n):
        t = threading.Thread(target=noop)
        t.start()
        t.join()
    return time.perf_counter() - t0


def batch(n):
    t0 = time.perf_counter()
    ts = [threading.Thread(target=noop) for _ in range(n)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return time.perf_counter() - t0


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
    reps = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    for case, fn in (("spawn_join_seq", seq), ("spawn_join_batch", batch)):
        secs = statistics.median(fn(n) for _ in range(reps))
        print(json.dumps({
            "group": "threads",
            "case": case,
            "impl": "cpython",
            "value": secs / n * 1e6,
            "unit": "us",
        }))


if __name__ == "__main__":
    main()
