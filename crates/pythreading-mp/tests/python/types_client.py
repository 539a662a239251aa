#!/usr/bin/env python3
"""A CPython SyncManager client using Value, Array, Namespace, Semaphore, BoundedSemaphore,
Condition, Barrier (and Pool's refusal) on a server at MANAGER_HOST:MANAGER_PORT (AUTHKEY).

Several threads of this process block on one Condition and on one Barrier at once: each thread
has its own connection to the server (CPython's proxies keep one per thread), so the server sees
several clients blocked on one object. Every result is asserted; prints 'types client ok' at the
end. With SERVER=pythreading the server must also refuse `Pool()` with an error naming what is
missing, and `Barrier(0)` as 3.13 does.

Passes against CPython's own SyncManager server too (the expectations are CPython's).
"""
import array
import os
import sys
import threading
import time
from multiprocessing.managers import RemoteError, SyncManager

HOST = os.environ.get('MANAGER_HOST', '127.0.0.1')
PORT = int(os.environ.get('MANAGER_PORT', '5000'))
AUTHKEY = os.environ.get('AUTHKEY', 'hello world').encode()
WAITERS = 4
# Against pythreading's server (not CPython's): expectations where it is stricter, Pool refused.
PYTHREADING = os.environ.get('SERVER') == 'pythreading'


def expect(exc_type, fn, *args):
    try:
        fn(*args)
    except exc_type as exc:
        return exc
    raise AssertionError('expected %s from %r%r' % (exc_type.__name__, fn, args))


def run_threads(target, n):
    errors = []

    def wrapped(i):
        try:
            target(i)
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=wrapped, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    return threads, errors


def join_all(threads, errors, timeout=20):
    deadline = time.monotonic() + timeout
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()))
        assert not t.is_alive(), 'a thread is still blocked after %s s' % timeout
    if errors:
        raise errors[0]


def poll(predicate, what, timeout=10):
    """Waits for a server-side state another connection produces (bounded, fails loudly)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, 'timed out waiting for ' + what
        time.sleep(0.01)


def check_value(m):
    v = m.Value('i', 7)
    assert v.value == 7 and v.get() == 7
    v.value = 8
    assert v.get() == 8
    v.set('any object')  # CPython's managers.Value checks no type
    assert v.value == 'any object'
    assert str(v) == "Value('i', 'any object')", str(v)
    v.set([1, (2.5, None)])
    assert v.get() == [1, (2.5, None)]
    assert m.Value('d', 1.5, lock=False).value == 1.5
    expect(RemoteError, m.Value, 'i')  # a missing argument fails in create


def check_array(m):
    a = m.Array('i', [1, 2, 3])
    assert len(a) == 3 and a[0] == 1 and a[-1] == 3
    a[1] = 5
    assert a[1] == 5
    part = a[0:2]
    assert isinstance(part, array.array) and part == array.array('i', [1, 5]), part
    assert a[::-1] == array.array('i', [3, 5, 1])
    a[0:2] = array.array('i', [7, 8, 9])
    assert len(a) == 4 and a[:] == array.array('i', [7, 8, 9, 3])
    expect(IndexError, a.__getitem__, 4)
    expect(IndexError, a.__setitem__, -5, 1)
    expect(TypeError, a.__setitem__, 0, 'x')
    expect(TypeError, a.__setitem__, 0, 1.5)
    expect(OverflowError, a.__setitem__, 0, 2 ** 40)
    expect(TypeError, a.__setitem__, slice(0, 1), [1])
    a[0] = True
    assert a[0] == 1
    assert str(a) == "array('i', [1, 8, 9, 3])", str(a)
    assert a._getvalue() == array.array('i', [1, 8, 9, 3])
    d = m.Array('d', [0.5, 2])
    assert d[:] == array.array('d', [0.5, 2.0]) and d[1] == 2.0
    d[0] = 3
    assert d[0] == 3.0
    f = m.Array('f', [0.1])
    assert f[0] == array.array('f', [0.1])[0]
    b = m.Array('B', b'\x00\xff')
    assert b[1] == 255
    expect(OverflowError, b.__setitem__, 0, 256)
    expect(OverflowError, b.__setitem__, 0, -1)
    q = m.Array('Q', [2 ** 64 - 1])
    assert q[0] == 2 ** 64 - 1
    expect(RemoteError, m.Array, 'z', [])
    expect(RemoteError, m.Array, 'i', ['x'])


def check_namespace(m):
    ns = m.Namespace(name='Bob', age=3)
    assert ns.name == 'Bob' and ns.age == 3
    ns.x = [1, 2]
    assert ns.x == [1, 2]
    del ns.x
    expect(AttributeError, getattr, ns, 'x')
    expect(AttributeError, delattr, ns, 'x')
    ns._callmethod('__setattr__', ('_hidden', 1))
    assert ns._callmethod('__getattribute__', ('_hidden',)) == 1
    assert str(ns) == "Namespace(age=3, name='Bob')", str(ns)  # MP-M18
    expect(RemoteError, m.Namespace, 1)


def check_semaphores(m):
    s = m.Semaphore(2)
    assert s.acquire() is True and s.acquire() is True
    assert s.acquire(False) is False
    t0 = time.monotonic()
    assert s.acquire(True, 0.2) is False
    elapsed = time.monotonic() - t0
    assert 0.12 <= elapsed < 2.0, elapsed
    s.release()
    with s:
        assert s.acquire(False) is False
    assert s.acquire(False) is True
    s._callmethod('release', (2,))  # Semaphore.release(n)
    assert s.acquire(False) and s.acquire(False) and not s.acquire(False)
    expect(ValueError, s._callmethod, 'release', (0,))
    expect(ValueError, s._callmethod, 'acquire', (False, 1))
    expect(RemoteError, m.Semaphore, -1)
    # One connection releases what another waits for.
    s2 = m.Semaphore(0)

    def take(i):
        assert s2.acquire(True, 10) is True, 'acquire timed out'

    threads, errors = run_threads(take, WAITERS)
    for _ in range(WAITERS):
        s2.release()
    join_all(threads, errors)
    assert s2.acquire(False) is False

    bs = m.BoundedSemaphore(1)
    assert bs.acquire(False) is True
    bs.release()
    exc = expect(ValueError, bs.release)
    assert 'too many times' in str(exc), exc
    with bs:
        pass


def check_condition(m):
    c = m.Condition()
    expect(RuntimeError, c.wait, 0.01)
    expect(RuntimeError, c.notify)
    expect(RuntimeError, c.release)
    with c:
        assert c.wait(0.05) is False
        c.notify()
        c.notify_all()
        # Re-entrant by default (an RLock under it), and wait releases every level.
        assert c.acquire() is True
        c.release()
    assert c.acquire(False) is True
    c.release()

    # notify(1) wakes exactly one of several blocked clients: the others time out.
    waiting = m.Value('i', 0)
    results = []

    def one_wait(i):
        with c:
            waiting.value += 1
            results.append(c.wait(3))

    threads, errors = run_threads(one_wait, WAITERS)
    poll(lambda: waiting.get() == WAITERS, 'all waiters to block')
    with c:  # every waiter has released the lock only by waiting
        c.notify(1)
    join_all(threads, errors)
    assert sorted(results) == [False] * (WAITERS - 1) + [True], results

    # notify_all wakes every one; wait_for runs the predicate on the client (CPython's proxy).
    go = m.Value('b', 0)
    waiting.value = 0
    woken = []

    def wait_for_go(i):
        with c:
            waiting.value += 1
            assert c.wait_for(lambda: go.value == 1, 10) is True
            woken.append(i)

    threads, errors = run_threads(wait_for_go, WAITERS)
    poll(lambda: waiting.get() == WAITERS, 'all waiters to block')
    with c:
        go.value = 1
        c.notify_all()
    join_all(threads, errors)
    assert sorted(woken) == list(range(WAITERS)), woken
    with c:
        assert c.wait_for(lambda: False, 0.05) is False


def check_barrier(m):
    b = m.Barrier(WAITERS)
    assert b.parties == WAITERS and b.n_waiting == 0 and b.broken is False
    indices = []
    threads, errors = run_threads(lambda i: indices.append(b.wait(10)), WAITERS - 1)
    poll(lambda: b.n_waiting == WAITERS - 1, 'the waiters to reach the barrier')
    indices.append(b.wait(10))
    join_all(threads, errors)
    assert sorted(indices) == list(range(WAITERS)), indices
    assert b.n_waiting == 0 and b.broken is False

    # Two rounds in a row reuse the barrier.
    for _ in range(2):
        threads, errors = run_threads(lambda i: b.wait(10), WAITERS)
        join_all(threads, errors)

    # A timeout breaks it for everyone, and reset mends it.
    expect(threading.BrokenBarrierError, b.wait, 0.05)
    assert b.broken is True
    expect(threading.BrokenBarrierError, b.wait)
    b.reset()
    assert b.broken is False

    # abort() releases every blocked client with BrokenBarrierError.
    broken = []

    def wait_broken(i):
        try:
            b.wait(10)
        except threading.BrokenBarrierError:
            broken.append(i)

    threads, errors = run_threads(wait_broken, WAITERS - 1)
    poll(lambda: b.n_waiting == WAITERS - 1, 'the waiters to reach the barrier')
    b.abort()
    join_all(threads, errors)
    assert len(broken) == WAITERS - 1 and b.broken is True, broken

    b2 = m.Barrier(2, timeout=0.05)  # a default timeout
    expect(threading.BrokenBarrierError, b2.wait)
    if PYTHREADING or sys.version_info >= (3, 13):
        expect(RemoteError, m.Barrier, 0)  # 3.11 and 3.12 build a barrier that never trips


def check_pool(m):
    exc = expect(RemoteError, m.Pool, 2)
    text = str(exc)
    assert 'Pool' in text and 'process' in text, text


def main():
    print('python %d.%d.%d' % sys.version_info[:3], flush=True)
    m = SyncManager(address=(HOST, PORT), authkey=AUTHKEY)
    m.connect()
    check_value(m)
    check_array(m)
    check_namespace(m)
    check_semaphores(m)
    check_condition(m)
    check_barrier(m)
    if PYTHREADING:
        check_pool(m)
    print('types client ok', flush=True)


if __name__ == '__main__':
    main()
