#!/usr/bin/env python3
"""An unmodified CPython BaseManager client of Rust types served by a pythreading server.

The server (the `shared_counter` and `kv_cache` examples, or a test) registers `Counter` and
`Cache`; this client registers the same typeids without callables, as a connect-only manager
does (`BaseManager.register(typeid)`: an AutoProxy whose methods are the exposed names the
server's `create` returns). Every result is asserted; prints 'user types client ok' at the end.

MANAGER_HOST, MANAGER_PORT, AUTHKEY: where the server is. TYPES: which typeids to use
(`Counter`, `Cache` or both, comma-separated; both by default).
"""
import os
import sys
import threading
from multiprocessing.managers import BaseManager, RemoteError

HOST = os.environ.get('MANAGER_HOST', '127.0.0.1')
PORT = int(os.environ.get('MANAGER_PORT', '5000'))
AUTHKEY = os.environ.get('AUTHKEY', 'hello world').encode()
TYPES = os.environ.get('TYPES', 'Counter,Cache').split(',')
THREADS = 4
INCREMENTS = 200


class RustTypes(BaseManager):
    pass


RustTypes.register('Counter')
RustTypes.register('Cache')


def expect(exc_type, fn, *args, **kwds):
    try:
        fn(*args, **kwds)
    except exc_type as exc:
        return exc
    raise AssertionError('expected %s from %r%r' % (exc_type.__name__, fn, args))


def check_counter(m):
    c = m.Counter()
    assert c.value() == 0
    assert c.increment() == 1
    assert c.increment(5) == 6
    assert c.increment(by=4) == 10, 'keyword arguments bind by name'
    c.reset()
    assert c.value() == 0
    c2 = m.Counter(100)
    assert c2.value() == 100 and c.value() == 0, 'each create is a new object'
    # The exposed names are the Rust type's registered methods, nothing else.
    assert sorted(c._exposed_) == ['increment', 'reset', 'value'], c._exposed_
    expect(AttributeError, getattr, c, 'secret')
    expect(RemoteError, c._callmethod, 'secret')
    expect(TypeError, c.increment, 'x')  # a bad argument is the caller's TypeError
    expect(TypeError, c.increment, 1, 2)
    exc = expect(ValueError, c.increment, -1)  # the Rust method raises ValueError
    assert 'negative' in str(exc), exc
    expect(RemoteError, m.Counter, 'not an int')

    # Several connections (one per thread) increment at once: no update is lost.
    def work():
        for _ in range(INCREMENTS):
            c.increment()

    threads = [threading.Thread(target=work) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
        assert not t.is_alive(), 'an increment thread is stuck'
    assert c.value() == THREADS * INCREMENTS, c.value()


def check_cache(m):
    kv = m.Cache(3)
    assert len(kv) == 0
    kv.set('a', 1)
    kv.set('b', [1, 'two', None])
    kv.set('c', {'nested': (1, 2.5)})
    assert kv.get('a') == 1
    assert kv.get('b') == [1, 'two', None]
    assert kv.get('c') == {'nested': [1, 2.5]}, kv.get('c')  # serde sequences come back as lists
    assert kv.get('zz') is None
    assert 'a' in kv and 'zz' not in kv
    assert len(kv) == 3
    # At capacity: the least recently used key ('b': 'a' was read after it) is evicted.
    kv.get('a')
    kv.set('d', 4)
    assert 'b' not in kv and len(kv) == 3 and kv.keys() == ['a', 'c', 'd'], kv.keys()
    assert kv.pop('a') == 1
    exc = expect(KeyError, kv.pop, 'a')  # Python's own KeyError, with the key
    assert exc.args == ('a',), exc.args
    assert kv.stats() == {'hits': 4, 'misses': 1, 'evictions': 1}, kv.stats()
    expect(RemoteError, m.Cache, 0)


def main():
    print('python %d.%d.%d' % sys.version_info[:3], flush=True)
    m = RustTypes(address=(HOST, PORT), authkey=AUTHKEY)
    m.connect()
    if 'Counter' in TYPES:
        check_counter(m)
    if 'Cache' in TYPES:
        check_cache(m)
    print('user types client ok', flush=True)


if __name__ == '__main__':
    main()
