//! Queue: put, get, qsize, task_done, join.

use super::super::protocol::{ErrorCode, Op, Reply, Request};
use super::{Object, State, Waiter, wrong};

impl Object {
    pub(super) fn queue(&self, r: &Request, w: &Waiter<'_>) -> Reply {
        let mut g = self.lock();
        let State::Queue {
            items,
            maxsize,
            unfinished,
        } = &mut *g
        else {
            return wrong();
        };
        match r.op {
            Op::QSize => Reply::ok(items.len() as i64),
            Op::TaskDone => {
                if *unfinished == 0 {
                    return Reply::refused(
                        ErrorCode::TaskDoneTooManyTimes,
                        "task_done() called too many times",
                    );
                }
                *unfinished -= 1;
                if *unfinished == 0 {
                    drop(g);
                    self.cv.notify_all();
                }
                Reply::ok(0)
            }
            Op::Put => loop {
                let State::Queue {
                    items,
                    maxsize,
                    unfinished,
                } = &mut *g
                else {
                    return wrong();
                };
                if *maxsize == 0 || (items.len() as u64) < *maxsize {
                    items.push_back(r.payload.clone());
                    *unfinished += 1;
                    drop(g);
                    self.cv.notify_all();
                    return Reply::ok(0);
                }
                let (g2, timed_out) = self.wait(g, w);
                g = g2;
                if timed_out {
                    let State::Queue { items, maxsize, .. } = &*g else {
                        return wrong();
                    };
                    if !w.cancelled.get() && (items.len() as u64) < *maxsize {
                        continue;
                    }
                    return Reply::not_now();
                }
            },
            Op::Get => loop {
                let State::Queue { items, .. } = &mut *g else {
                    return wrong();
                };
                if let Some(item) = items.pop_front() {
                    drop(g);
                    self.cv.notify_all();
                    return Reply::data(item);
                }
                let (g2, timed_out) = self.wait(g, w);
                g = g2;
                if timed_out {
                    let State::Queue { items, .. } = &mut *g else {
                        return wrong();
                    };
                    if w.cancelled.get() {
                        return Reply::not_now();
                    }
                    return match items.pop_front() {
                        Some(item) => {
                            drop(g);
                            self.cv.notify_all();
                            Reply::data(item)
                        }
                        None => Reply::not_now(),
                    };
                }
            },
            Op::Join => loop {
                let State::Queue { unfinished, .. } = &*g else {
                    return wrong();
                };
                if *unfinished == 0 {
                    return Reply::ok(1);
                }
                let (g2, timed_out) = self.wait(g, w);
                g = g2;
                if timed_out {
                    let State::Queue { unfinished, .. } = &*g else {
                        return wrong();
                    };
                    return Reply::ok((*unfinished == 0) as i64);
                }
            },
            _ => {
                let _ = maxsize;
                wrong()
            }
        }
    }
}
