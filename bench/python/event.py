#!/usr/bin/env python3
"""CPython side of the `event` group: a ping-pong round trip between two threads.

    python3 event.py N

Two Events: the main thread sets `ping` and waits for `pong`; the other thread waits for
`ping`, clears it and sets `pong`. Prints one JSON line: ns per round trip.
"""
import json
import sys
import threading
import time


def pingpong(n):
    ping, pong = threading.Event(), threading.Event()

    def other():
        for _ in range(n):
            ping.wait()
            ping.clear()
            pong.set()

    t = threading.Thread(target=other)
    t.start()
    start = time.perf_counter()
    for _ in range(n):
        ping.set()
        pong.wait()
        pong.clear()
    elapsed = time.perf_counter() - start
    t.join()
    return elapsed / n * 1e9


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    samples = sorted(pingpong(n) for _ in range(3))
    print(json.dumps({"group": "event", "case": "pingpong_round_trip", "impl": "cpython",
                      "value": samples[1], "unit": "ns"}))


if __name__ == "__main__":
    main()
