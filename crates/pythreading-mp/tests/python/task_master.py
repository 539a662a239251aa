#!/usr/bin/env python3
"""The tutorials' task master (distributed processes chapter), adapted for tests.

Env: MASTER_HOST (127.0.0.1), MASTER_PORT (5000; 0 picks a free port), AUTHKEY ('hello world'),
N_TASKS (10), RESULT_TIMEOUT (10). Prints 'listening on PORT' once the server is up, then waits for
the results; 'master exit.' at the end.
"""
import os
import queue
import random
import time
from multiprocessing.managers import BaseManager

HOST = os.environ.get('MASTER_HOST', '127.0.0.1')
PORT = int(os.environ.get('MASTER_PORT', '5000'))
AUTHKEY = os.environ.get('AUTHKEY', 'hello world').encode()
N_TASKS = int(os.environ.get('N_TASKS', '10'))
RESULT_TIMEOUT = float(os.environ.get('RESULT_TIMEOUT', '10'))

task_queue = queue.Queue()
result_queue = queue.Queue()


def return_task_queue():
    return task_queue


def return_result_queue():
    return result_queue


class QueueManager(BaseManager):
    pass


QueueManager.register('get_task_queue', callable=return_task_queue)
QueueManager.register('get_result_queue', callable=return_result_queue)


def main():
    if os.environ.get('MP_LOG_LEVEL'):
        import multiprocessing
        multiprocessing.log_to_stderr(int(os.environ['MP_LOG_LEVEL']))
    manager = QueueManager(address=(HOST, PORT), authkey=AUTHKEY)
    manager.start()
    print('listening on %d' % manager.address[1], flush=True)
    task = manager.get_task_queue()
    result = manager.get_result_queue()
    for i in range(N_TASKS):
        n = random.randint(0, 10000)
        print('Put task %d...' % n, flush=True)
        task.put(n)
    print('Try get results...', flush=True)
    for i in range(N_TASKS):
        r = result.get(timeout=RESULT_TIMEOUT)
        print('Result: %s' % r, flush=True)
    time.sleep(float(os.environ.get('SHUTDOWN_DELAY', '0')))
    manager.shutdown()
    print('master exit.', flush=True)


if __name__ == '__main__':
    main()
