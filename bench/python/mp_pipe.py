#!/usr/bin/env python3
"""CPython side of the `pool` group's `pipe_pingpong` case.

    python3 mp_pipe.py N REPS

A parent and a child started with the fork start method (Linux's default up to 3.13) share a
`multiprocessing.Pipe()`; the child echoes every object it receives. After one warm-up round
trip the parent times N `send(i)` + `recv()` round trips. Prints one JSON row (impl "cpython"):
the median over REPS of the nanoseconds per round trip.
"""
import json
import multiprocessing as mp
import statistics
import sys
import time


def echo(conn, n):
    for _ in range(n):
        conn.send(conn.recv())


def once(ctx, n):
    a, b = ctx.Pipe()
    p = ctx.Process(target=echo, args=(b, n + 1))
    p.start()
    a.send(0)
    a.recv()
    t0 = time.perf_counter()
    for i in range(n):
        a.send(i)
        a.recv()
    ns = (time.perf_counter() - t0) * 1e9 / n
    p.join()
    return ns


def main():
    n = int(sys.argv[1])
    reps = int(sys.argv[2])
    ctx = mp.get_context("fork")
    ns = statistics.median(once(ctx, n) for _ in range(reps))
    print(json.dumps({"group": "pool", "case": "pipe_pingpong", "impl": "cpython",
                      "value": ns, "unit": "ns"}))


if __name__ == "__main__":
    main()
