#!/usr/bin/env python3
"""A CPython SyncManager client against a server at MANAGER_HOST:MANAGER_PORT (AUTHKEY).

Uses Queue, JoinableQueue, Event, Lock, RLock, dict and list (iteration included, which needs
'#PROXY'), asserting every result; prints 'sync client ok' at the end.
"""
import os
import queue
import sys
import threading
from multiprocessing.managers import SyncManager

HOST = os.environ.get('MANAGER_HOST', '127.0.0.1')
PORT = int(os.environ.get('MANAGER_PORT', '5000'))
AUTHKEY = os.environ.get('AUTHKEY', 'hello world').encode()


def main():
    m = SyncManager(address=(HOST, PORT), authkey=AUTHKEY)
    m.connect()

    q = m.Queue(2)
    q.put(1)
    q.put('two')
    assert q.full() and q.qsize() == 2, 'queue full'
    try:
        q.put_nowait(3)
        raise AssertionError('expected queue.Full')
    except queue.Full:
        pass
    assert q.get() == 1 and q.get_nowait() == 'two'
    try:
        q.get(timeout=0.05)
        raise AssertionError('expected queue.Empty')
    except queue.Empty:
        pass
    assert q.empty()
    if sys.version_info >= (3, 13):
        q.put('last')
        q.shutdown()
        assert q.get() == 'last'
        try:
            q.get()
            raise AssertionError('expected queue.ShutDown')
        except queue.ShutDown:
            pass

    jq = m.JoinableQueue()
    jq.put([1, 2.5, None, (3, 'x'), {'k': b'v'}])
    assert jq.get() == [1, 2.5, None, (3, 'x'), {'k': b'v'}]
    jq.task_done()
    jq.join()

    e = m.Event()
    assert not e.is_set()
    assert e.wait(0.05) is False
    threading.Timer(0.05, e.set).start()
    assert e.wait(5) is True and e.is_set()
    e.clear()
    assert not e.is_set()

    lock = m.Lock()
    assert lock.acquire()
    assert lock.acquire(False) is False
    lock.release()
    with lock:
        pass
    try:
        lock.release()
        raise AssertionError('expected an error releasing an unlocked lock')
    except (RuntimeError, ValueError):
        pass

    r = m.RLock()
    assert r.acquire() and r.acquire()
    r.release()
    r.release()

    d = m.dict()
    d['a'] = 1
    d.update(b=2)
    assert len(d) == 2 and d['a'] == 1 and d.get('zz', 'dflt') == 'dflt'
    assert sorted(d.keys()) == ['a', 'b'] and sorted(d.values()) == [1, 2]
    assert sorted(d.items()) == [('a', 1), ('b', 2)]
    assert sorted(iter(d)) == ['a', 'b'], 'iteration through a #PROXY iterator'
    assert 'a' in d and 'q' not in d
    try:
        d['missing']
        raise AssertionError('expected KeyError')
    except KeyError:
        pass
    del d['a']
    assert d.copy() == {'b': 2}
    assert d.pop('b') == 2 and len(d) == 0

    lst = m.list([3, 1, 2])
    lst.append(4)
    lst.extend([5])
    assert lst[0] == 3 and lst[-1] == 5 and len(lst) == 5
    lst.sort()
    assert lst[:] == [1, 2, 3, 4, 5]
    assert list(lst) == [1, 2, 3, 4, 5], 'iteration'
    assert lst.index(3) == 2 and lst.count(1) == 1
    lst.reverse()
    assert lst.pop() == 1
    lst[0] = 'five'
    assert lst[0] == 'five'
    lst.remove('five')
    assert str(lst) == str([4, 3, 2])
    try:
        lst[10]
        raise AssertionError('expected IndexError')
    except IndexError:
        pass
    # MP-M17: a dict that changes size during iteration raises RuntimeError, as CPython's does.
    d2 = m.dict(x=1, y=2)
    it = iter(d2)
    assert next(it) == 'x'
    d2['z'] = 3
    for _ in range(2):
        try:
            next(it)
            raise AssertionError('expected RuntimeError')
        except RuntimeError as exc:
            assert 'changed size during iteration' in str(exc), exc
    del it
    assert d2.popitem() == ('z', 3) and len(d2) == 2
    # MP-M16: list iteration sees later mutations; *=, + and slice assignment.
    l2 = m.list([1, 2])
    seen = []
    for x in l2:
        seen.append(x)
        if x == 1:
            l2.append(3)
    assert seen == [1, 2, 3], seen
    l2 *= 2
    assert l2[:] == [1, 2, 3, 1, 2, 3]
    assert l2 + [9] == [1, 2, 3, 1, 2, 3, 9] and type(l2 + [9]) is list
    l2[1:3] = ['a']
    assert l2[:] == [1, 'a', 1, 2, 3]
    assert l2[::2] == [1, 1, 3]
    del d2, l2
    # MP-Q02/Q03 on queue.Queue (what SyncManager serves): a non-blocking call ignores the timeout;
    # a negative timeout is a ValueError (unlike multiprocessing.Queue).
    q3 = m.Queue(1)
    q3.put('a', False, 5)
    try:
        q3.put('b', False, 5)
        raise AssertionError('expected queue.Full')
    except queue.Full:
        pass
    try:
        q3.put('b', True, -1)
        raise AssertionError('expected ValueError')
    except ValueError:
        pass
    assert q3.get(False, 5) == 'a'
    try:
        q3.get(True, -1)
        raise AssertionError('expected ValueError')
    except ValueError:
        pass
    # MP-Q06: one task_done() too many.
    try:
        jq.task_done()
        raise AssertionError('expected ValueError')
    except ValueError as exc:
        assert 'too many times' in str(exc), exc
    # MP-S02/S03: an RLock released once too often; `with` gives True.
    r2 = m.RLock()
    with r2 as got:
        assert got is True
    try:
        r2.release()
        raise AssertionError('expected RuntimeError')
    except RuntimeError:
        pass
    with lock as got:
        assert got is True
    del q3, r2
    print('sync client ok', flush=True)


if __name__ == '__main__':
    main()
