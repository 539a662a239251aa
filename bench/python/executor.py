#!/usr/bin/env python3
"""CPython side of `pythreading-bench executor` (same workloads as crates/pythreading-bench/src/executor.rs).

    python3 executor.py N_TRIVIAL N_FANOUT WORK_US REPS

Prints one JSON line per case: {"group","case","impl":"cpython","value","unit"}.
- trivial_100k: ThreadPoolExecutor(max_workers=4), submit N trivial tasks, collect every result
  (creation, submits, results and shutdown are timed, as in shared/baselines/bench_tpe.py).
- fanout_10k_x_10us: the same with N tasks that each spin WORK_US microseconds.
"""
import concurrent.futures as cf
import json
import sys
import time


def trivial(x):
    return x


def make_spin(us):
    d = us / 1e6

    def spin(x):
        t = time.perf_counter()
        while time.perf_counter() - t < d:
            pass
        return x
    return spin


def run_case(fn, n):
    t0 = time.perf_counter()
    with cf.ThreadPoolExecutor(max_workers=4) as ex:
        futs = [ex.submit(fn, i) for i in range(n)]
        total = sum(f.result() for f in futs)
    dt = time.perf_counter() - t0
    assert total == n * (n - 1) // 2
    return n / dt


def median(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2]


def main():
    n_trivial, n_fanout, work_us, reps = (int(a) for a in sys.argv[1:5])
    cases = [
        ("trivial_100k", trivial, n_trivial),
        ("fanout_10k_x_10us", make_spin(work_us), n_fanout),
    ]
    for case, fn, n in cases:
        rate = median([run_case(fn, n) for _ in range(reps)])
        print(json.dumps(dict(group="executor", case=case, impl="cpython", value=rate, unit="tasks/s")))


if __name__ == "__main__":
    main()
