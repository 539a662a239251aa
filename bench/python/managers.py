#!/usr/bin/env python3
"""CPython side of `pythreading-bench managers`: remote queue put+get round trips over loopback.

    python3 managers.py N CLIENTS [CLIENTS ...] [--address HOST:PORT]

Without --address: starts a CPython manager server (BaseManager.start()) serving typeid 'Queue'
(a new queue.Queue per client), then for each client count runs that many client *processes*;
each connects, makes its own remote queue, does N sequential put(i) then N sequential get().
Prints JSON rows for cases roundtrip_<c>c and cpython_client_<c>c (impl "cpython").
With --address: the same clients against an already running server (the Rust one), rows for case
cpython_client_<c>c with impl "pythreading". ops/s = 2*N*clients / wall time (barrier to last end).
"""
import sys

import json
import multiprocessing as mp
import queue
import time
from multiprocessing.managers import BaseManager

AUTHKEY = b'bench'


class ServerManager(BaseManager):
    pass


ServerManager.register('Queue', callable=queue.Queue)


class ClientManager(BaseManager):
    pass


ClientManager.register('Queue')


def client(address, n, barrier, out):
    m = ClientManager(address=address, authkey=AUTHKEY)
    m.connect()
    q = m.Queue()
    q.qsize()  # open the per-thread connection before timing
    barrier.wait()
    t0 = time.perf_counter()
    for i in range(n):
        q.put(i)
    for i in range(n):
        q.get()
    out.put((t0, time.perf_counter()))


def run(address, n, clients):
    barrier = mp.Barrier(clients)
    out = mp.Queue()
    procs = [mp.Process(target=client, args=(address, n, barrier, out)) for _ in range(clients)]
    for p in procs:
        p.start()
    res = [out.get() for _ in procs]
    for p in procs:
        p.join()
    wall = max(r[1] for r in res) - min(r[0] for r in res)
    return 2 * n * clients / wall


def row(case, impl, value):
    print(json.dumps(dict(group='managers', case=case, impl=impl, value=value, unit='ops/s')),
          flush=True)


def main():
    args = sys.argv[1:]
    address = None
    if '--address' in args:
        i = args.index('--address')
        host, port = args[i + 1].rsplit(':', 1)
        address = (host, int(port))
        del args[i:i + 2]
    n = int(args[0])
    counts = [int(c) for c in args[1:]]
    if address is not None:
        for c in counts:
            row('cpython_client_%dc' % c, 'pythreading', run(address, n, c))
        return
    m = ServerManager(address=('127.0.0.1', 0), authkey=AUTHKEY)
    m.start()
    try:
        for c in counts:
            v = run(m.address, n, c)
            row('roundtrip_%dc' % c, 'cpython', v)
            row('cpython_client_%dc' % c, 'cpython', v)
    finally:
        m.shutdown()


if __name__ == '__main__':
    main()
