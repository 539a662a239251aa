#!/usr/bin/env python3
"""CPython side of `pythreading-bench pool` (same workloads as crates/pythreading-bench/src/pool.rs).

    python3 mp_pool.py N COUNT REPS STARTS

Prints one JSON line per case and start method: {"group","case","impl","value","unit"}, with
impl = "cpython" for fork (Linux's default up to 3.13), "cpython_forkserver", "cpython_spawn".
- map_square_100k: Pool(2).map(square, range(N)), timed from Pool() to the end of close()+join().
- countdown_2_workers: the tutorials' countdown(COUNT) split in two chunks over Pool(2) (fork),
  pool started before the clock.
- process_start_join: Process(target=nothing).start(); join(), median of STARTS (fork, spawn).
"""
import json
import multiprocessing as mp
import sys
import time


def square(x):
    return x * x


def countdown(n):
    while n > 0:
        n -= 1
    return n


def nothing():
    pass


def median(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2]


IMPL = {"fork": "cpython", "forkserver": "cpython_forkserver", "spawn": "cpython_spawn"}


def emit(case, method, value):
    print(json.dumps(dict(group="pool", case=case, impl=IMPL[method], value=value, unit="s")), flush=True)


def map_square(ctx, n):
    t0 = time.perf_counter()
    pool = ctx.Pool(2)
    res = pool.map(square, range(n))
    pool.close()
    pool.join()
    dt = time.perf_counter() - t0
    assert len(res) == n and res[-1] == (n - 1) ** 2
    return dt


def countdown_2(ctx, count, reps):
    with ctx.Pool(2) as pool:
        samples = []
        for _ in range(reps):
            t0 = time.perf_counter()
            out = pool.map(countdown, [count // 2, count - count // 2])
            samples.append(time.perf_counter() - t0)
            assert out == [0, 0]
    return median(samples)


def start_join(ctx):
    t0 = time.perf_counter()
    p = ctx.Process(target=nothing)
    p.start()
    p.join()
    dt = time.perf_counter() - t0
    assert p.exitcode == 0
    return dt


def main():
    n, count, reps, starts = (int(a) for a in sys.argv[1:5])
    for method in ("fork", "forkserver", "spawn"):
        ctx = mp.get_context(method)
        emit("map_square_100k", method, median([map_square(ctx, n) for _ in range(reps)]))
    emit("countdown_2_workers", "fork", countdown_2(mp.get_context("fork"), count, reps))
    for method in ("fork", "spawn"):
        ctx = mp.get_context(method)
        emit("process_start_join", method, median([start_join(ctx) for _ in range(starts)]))


if __name__ == "__main__":
    main()
