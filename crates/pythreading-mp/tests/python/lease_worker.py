#!/usr/bin/env python3
"""An at-least-once worker: the tutorials' worker with task_done() after each result.

Against `serve --at-least-once`, each get() stays leased to this connection until task_done();
if this process is killed first, the task is delivered to another worker.

Env: MANAGER_PORT, AUTHKEY; VICTIM_AFTER (optional): after that many tasks, take one more,
report (pid, task id) on the `progress` queue and hang until killed; with RESULT_FIRST=1 it
puts that task's result before reporting (killed after the work, before task_done()).
Tasks are (task_id, n) tuples; None means stop. Results are (task_id, n * n, pid).
"""
import os
import time
from multiprocessing.managers import BaseManager


class QueueManager(BaseManager):
    pass


for name in ('tasks', 'results', 'progress'):
    QueueManager.register(name)


def main():
    m = QueueManager(address=('127.0.0.1', int(os.environ['MANAGER_PORT'])),
                     authkey=os.environ['AUTHKEY'].encode())
    m.connect()
    tasks, results, progress = m.tasks(), m.results(), m.progress()
    victim_after = int(os.environ.get('VICTIM_AFTER', '-1'))
    result_first = os.environ.get('RESULT_FIRST') == '1'
    done = 0
    while True:
        task = tasks.get()
        if task is None:
            tasks.task_done()
            break
        tid, n = task
        if done == victim_after:
            # Killed mid-task, before task_done(): the task runs again elsewhere.
            if result_first:
                results.put((tid, n * n, os.getpid()))
            progress.put((os.getpid(), tid))
            time.sleep(600)
        results.put((tid, n * n, os.getpid()))
        tasks.task_done()
        done += 1
    print('worker done after %d tasks' % done, flush=True)


if __name__ == '__main__':
    main()
