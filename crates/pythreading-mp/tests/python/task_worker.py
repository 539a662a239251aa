#!/usr/bin/env python3
"""The tutorials' task worker (distributed processes chapter), adapted for tests.

Env: MANAGER_HOST (127.0.0.1), MANAGER_PORT (5000), AUTHKEY ('hello world'), N_LOOPS (10).
"""
import os
import queue
import time
from multiprocessing.managers import BaseManager

HOST = os.environ.get('MANAGER_HOST', '127.0.0.1')
PORT = int(os.environ.get('MANAGER_PORT', '5000'))
AUTHKEY = os.environ.get('AUTHKEY', 'hello world').encode()
N_LOOPS = int(os.environ.get('N_LOOPS', '10'))


class QueueManager(BaseManager):
    pass


QueueManager.register('get_task_queue')
QueueManager.register('get_result_queue')


def main():
    print('Connect to server %s:%d...' % (HOST, PORT), flush=True)
    m = QueueManager(address=(HOST, PORT), authkey=AUTHKEY)
    m.connect()
    task = m.get_task_queue()
    result = m.get_result_queue()
    for i in range(N_LOOPS):
        try:
            n = task.get(timeout=float(os.environ.get('GET_TIMEOUT', '1')))
            print('run task %d * %d...' % (n, n), flush=True)
            r = '%d * %d = %d' % (n, n, n * n)
            result.put(r)
        except queue.Empty:
            print('task queue is empty.', flush=True)
    print('worker exit.', flush=True)


if __name__ == '__main__':
    main()
