#!/usr/bin/env python3
"""Python RQ side of `pythreading-bench managers`: enqueue + dequeue round trips on Redis.

    python3 redis_rq.py N REDIS_URL

One client: N `Queue.enqueue(...)` then N `Queue.dequeue_any(...)` (the job is popped, not
run: the queueing cost alone, as the Rust rows measure). Prints one JSON row, case
rq_roundtrip_1c, impl "rq", ops/s = 2*N / wall time. Exits non-zero with a message on stderr
when `rq` (pip install rq) is not importable.
"""
import json
import sys
import time

try:
    import rq
    from redis import Redis
except ImportError as e:  # the Rust side turns this into an absent row
    sys.exit('rq is not installed (pip install rq): %s' % e)


def main():
    n = int(sys.argv[1])
    url = sys.argv[2]
    conn = Redis.from_url(url)
    q = rq.Queue('bench_rq', connection=conn)
    q.empty()
    conn.ping()
    t0 = time.perf_counter()
    for i in range(n):
        q.enqueue('builtins.abs', i)
    for _ in range(n):
        job, _queue = rq.Queue.dequeue_any([q], None, connection=conn)
        assert job is not None
    elapsed = time.perf_counter() - t0
    print(json.dumps({'group': 'managers', 'case': 'rq_roundtrip_1c', 'impl': 'rq',
                      'value': 2 * n / elapsed, 'unit': 'ops/s',
                      'note': 'rq %s, enqueue + dequeue_any, job not run' % rq.__version__}))


if __name__ == '__main__':
    main()
