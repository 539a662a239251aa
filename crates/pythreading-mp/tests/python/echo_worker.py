#!/usr/bin/env python3
"""Takes every item from 'get_task_queue' and puts it back on 'get_result_queue' unchanged,
until the queue stays empty for GET_TIMEOUT seconds. Also puts the Python values of SAMPLES
first, so the Rust side sees what CPython itself produces. Prints the type of each echoed item.
"""
import os
import queue
from multiprocessing.managers import BaseManager

PORT = int(os.environ['MANAGER_PORT'])


class M(BaseManager):
    pass


M.register('get_task_queue')
M.register('get_result_queue')

SAMPLES = [
    {'name': 'from python', 'n': 3, 'tags': ['x', 'y']},
    2 ** 100,
    'h\u00e9llo \U0001F600',
    (1, 2.5, None, True),
    frozenset({1}),
]


def main():
    m = M(address=('127.0.0.1', PORT), authkey=b'hello world')
    m.connect()
    tasks, results = m.get_task_queue(), m.get_result_queue()
    for s in SAMPLES:
        results.put(s)
    while True:
        try:
            item = tasks.get(timeout=float(os.environ.get('GET_TIMEOUT', '0.5')))
        except queue.Empty:
            break
        print(type(item).__name__, flush=True)
        results.put(item)


if __name__ == '__main__':
    main()
