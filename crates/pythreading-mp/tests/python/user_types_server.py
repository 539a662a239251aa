#!/usr/bin/env python3
"""A CPython BaseManager serving a Python class, `Counter`, on a free port (prints
'listening on PORT'); it shuts down when stdin closes. The Rust client's RemoteObject uses it,
as a CPython client would use `manager.Counter()`."""
import sys
from multiprocessing.managers import BaseManager


class Counter:
    def __init__(self, start=0):
        self._n = start

    def increment(self, by=1):
        if by < 0:
            raise ValueError('increment must not be negative')
        self._n += by
        return self._n

    def value(self):
        return self._n


class Types(BaseManager):
    pass


Types.register('Counter', Counter)


def main():
    m = Types(address=('127.0.0.1', 0), authkey=b'hello world')
    m.start()
    print('listening on %d' % m.address[1], flush=True)
    sys.stdin.read()
    m.shutdown()


if __name__ == '__main__':
    main()
