//! Event: set, clear, is_set, wait.

use super::super::protocol::{Op, Reply};
use super::{Object, State, Waiter, wrong};

impl Object {
    pub(super) fn event(&self, op: Op, w: &Waiter<'_>) -> Reply {
        let mut g = self.lock();
        let State::Event { set } = &mut *g else {
            return wrong();
        };
        match op {
            Op::EventSet => {
                *set = true;
                drop(g);
                self.cv.notify_all();
                Reply::ok(0)
            }
            Op::EventClear => {
                *set = false;
                Reply::ok(0)
            }
            Op::EventIsSet => Reply::ok(*set as i64),
            _ => loop {
                if let State::Event { set: true } = &*g {
                    return Reply::ok(1);
                }
                let (g2, timed_out) = self.wait(g, w);
                g = g2;
                if timed_out {
                    let State::Event { set } = &*g else {
                        return wrong();
                    };
                    return Reply::ok(*set as i64);
                }
            },
        }
    }
}
