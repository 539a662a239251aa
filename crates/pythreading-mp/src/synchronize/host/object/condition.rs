//! Condition: wait (release the lock, sleep, re-acquire) and notify.

use std::sync::Arc;

use super::super::protocol::{ErrorCode, Reply, Request};
use super::{ConnId, Object, State, Waiter, wrong};

impl Object {
    pub(super) fn cond_wait(&self, r: &Request, conn: ConnId, w: &Waiter<'_>) -> Reply {
        let (lock, ticket) = {
            let mut g = self.lock();
            let State::Condition {
                lock,
                next_ticket,
                waiting,
                ..
            } = &mut *g
            else {
                return wrong();
            };
            let lock = Arc::clone(lock);
            // Registered before the lock is let go: a notify after that point finds us.
            let ticket = *next_ticket;
            *next_ticket += 1;
            waiting.push_back(ticket);
            (lock, ticket)
        };
        let Some(saved) = lock.held_by(r.owner) else {
            self.forget(ticket);
            return Reply::refused(ErrorCode::NotOwner, "cannot wait on un-acquired lock");
        };
        lock.release_all();
        let mut g = self.lock();
        let notified = loop {
            if let State::Condition { signaled, .. } = &mut *g
                && signaled.remove(&ticket)
            {
                break true;
            }
            let (g2, timed_out) = self.wait(g, w);
            g = g2;
            if timed_out {
                let State::Condition {
                    signaled, waiting, ..
                } = &mut *g
                else {
                    break false;
                };
                // A notify that raced with the deadline still counts as a wakeup.
                if signaled.remove(&ticket) {
                    break true;
                }
                waiting.retain(|&t| t != ticket);
                break false;
            }
        };
        drop(g);
        lock.reacquire(r.owner, conn, saved);
        Reply::ok(notified as i64)
    }

    pub(super) fn forget(&self, ticket: u64) {
        if let State::Condition { waiting, .. } = &mut *self.lock() {
            waiting.retain(|&t| t != ticket);
        }
    }

    pub(super) fn cond_notify(&self, r: &Request) -> Reply {
        let lock = match &*self.lock() {
            State::Condition { lock, .. } => Arc::clone(lock),
            _ => return wrong(),
        };
        if lock.held_by(r.owner).is_none() {
            return Reply::refused(ErrorCode::NotOwner, "cannot notify on un-acquired lock");
        }
        let mut g = self.lock();
        let State::Condition {
            waiting, signaled, ..
        } = &mut *g
        else {
            return wrong();
        };
        let n = if r.arg < 0 { u64::MAX } else { r.arg as u64 };
        let mut woken = 0u64;
        while woken < n {
            let Some(t) = waiting.pop_front() else { break };
            signaled.insert(t);
            woken += 1;
        }
        drop(g);
        if woken > 0 {
            self.cv.notify_all();
        }
        Reply::ok(woken as i64)
    }
}
