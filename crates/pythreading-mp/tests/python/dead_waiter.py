#!/usr/bin/env python3
"""A Condition waiter killed while it waits must not swallow the next notification.

A forked child process waits on a manager Condition and is killed with SIGKILL. A live waiter
(a thread of this process) then waits on the same Condition, and `notify(1)` is sent. On
pythreading's server the dead waiter has left the queue (or hands the wake-up on), so the live
waiter is woken: prints 'live waiter woken'. On CPython's server the notification goes to the
dead waiter's thread, which then keeps the Condition's lock: prints 'notification lost' (or
hangs, which the caller's timeout catches).
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


def child(c, ready):
    with c:
        ready.set()
        c.wait()  # no timeout: only a notification (or death) ends it


def main():
    print('python %d.%d.%d' % sys.version_info[:3], flush=True)
    m = SyncManager(address=(HOST, PORT), authkey=AUTHKEY)
    m.connect()
    c = m.Condition()
    ready = m.Event()
    waiting = m.Value('i', 0)
    p = mp.get_context('fork').Process(target=child, args=(c, ready))
    p.start()
    assert ready.wait(10), 'the child never started waiting'
    with c:  # the child released the lock only by waiting
        pass
    os.kill(p.pid, signal.SIGKILL)
    p.join(10)
    assert p.exitcode == -signal.SIGKILL, p.exitcode
    results = []

    def live():
        with c:
            waiting.value += 1
            results.append(c.wait(5))

    t = threading.Thread(target=live)
    t.start()
    deadline = time.monotonic() + 10
    while True:
        with c:
            if waiting.value == 1:
                c.notify(1)
                break
        assert time.monotonic() < deadline, 'the live waiter never waited'
        time.sleep(0.01)
    t.join(15)
    assert not t.is_alive(), 'the live waiter is stuck'
    print('live waiter woken' if results == [True] else 'notification lost', flush=True)


if __name__ == '__main__':
    main()
