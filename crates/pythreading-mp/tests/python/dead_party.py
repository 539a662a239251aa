#!/usr/bin/env python3
"""A Barrier party killed while it waits breaks the barrier (as a timeout would).

A forked child waits on a manager Barrier(2) and is killed with SIGKILL. On pythreading's
server the barrier becomes broken and this process's wait raises BrokenBarrierError: prints
'dead party broke the barrier'. On CPython's server the dead party counts as arrived, so the
barrier stays unbroken and this process passes it one party short: prints 'dead party counted
as arrived'.
"""
import multiprocessing as mp
import os
import signal
import sys
import threading
import time
from multiprocessing.managers import SyncManager

HOST = os.environ.get('MANAGER_HOST', '127.0.0.1')
PORT = int(os.environ.get('MANAGER_PORT', '5000'))
AUTHKEY = os.environ.get('AUTHKEY', 'hello world').encode()


def child(b):
    b.wait()


def main():
    print('python %d.%d.%d' % sys.version_info[:3], flush=True)
    m = SyncManager(address=(HOST, PORT), authkey=AUTHKEY)
    m.connect()
    b = m.Barrier(2)
    p = mp.get_context('fork').Process(target=child, args=(b,))
    p.start()
    deadline = time.monotonic() + 10
    while b.n_waiting != 1:
        assert time.monotonic() < deadline, 'the child never reached the barrier'
        time.sleep(0.01)
    os.kill(p.pid, signal.SIGKILL)
    p.join(10)
    assert p.exitcode == -signal.SIGKILL, p.exitcode
    deadline = time.monotonic() + 5
    while not b.broken and time.monotonic() < deadline:
        time.sleep(0.01)
    try:
        b.wait(5)
        print('dead party counted as arrived', flush=True)
    except threading.BrokenBarrierError:
        print('dead party broke the barrier', flush=True)
    # The barrier is usable again once reset.
    b.reset()
    assert not b.broken and b.n_waiting == 0


if __name__ == '__main__':
    main()
