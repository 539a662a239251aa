#!/usr/bin/env python3
"""A CPython SyncManager server on a free port (prints 'listening on PORT'); it shuts down when
stdin closes. Used to test the Rust client against CPython's own SyncManager types."""
import os
import sys
from multiprocessing.managers import SyncManager


def main():
    m = SyncManager(address=('127.0.0.1', 0), authkey=b'hello world')
    m.start()
    print('listening on %d' % m.address[1], flush=True)
    sys.stdin.read()
    m.shutdown()


if __name__ == '__main__':
    main()
