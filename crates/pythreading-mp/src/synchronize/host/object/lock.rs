//! Lock, RLock and Semaphore: acquire, release, and the save/restore a condition's wait uses.

use std::sync::{MutexGuard, PoisonError};

use super::super::protocol::{ErrorCode, Owner, Reply, Request};
use super::{ConnId, Holder, Object, State, Waiter, wrong};

impl Object {
    pub(super) fn acquire(&self, r: &Request, conn: ConnId, w: &Waiter<'_>) -> Reply {
        let mut g = self.lock();
        loop {
            match &mut *g {
                State::Lock { holder } => {
                    if holder.is_none() {
                        *holder = Some(Holder {
                            owner: r.owner,
                            conn,
                        });
                        return Reply::ok(1);
                    }
                }
                State::RLock { holder, count } => match holder {
                    None => {
                        *holder = Some(Holder {
                            owner: r.owner,
                            conn,
                        });
                        *count = 1;
                        return Reply::ok(1);
                    }
                    Some(h) if h.owner == r.owner => {
                        *count += 1;
                        return Reply::ok(1);
                    }
                    Some(_) => {}
                },
                State::Semaphore { value, .. } => {
                    if *value > 0 {
                        *value -= 1;
                        return Reply::ok(1);
                    }
                }
                _ => return wrong(),
            }
            let (g2, timed_out) = self.wait(g, w);
            g = g2;
            if timed_out {
                // One last look: the state may have changed as the deadline passed (not for a
                // caller that is gone: nothing may be taken on its behalf).
                if !w.cancelled.get() && self.try_once(&mut g, r.owner, conn) {
                    return Reply::ok(1);
                }
                return Reply::not_now();
            }
        }
    }

    pub(super) fn try_once(
        &self,
        g: &mut MutexGuard<'_, State>,
        owner: Owner,
        conn: ConnId,
    ) -> bool {
        match &mut **g {
            State::Lock { holder } if holder.is_none() => {
                *holder = Some(Holder { owner, conn });
                true
            }
            State::RLock { holder, count } if holder.is_none_or(|h| h.owner == owner) => {
                *holder = Some(Holder { owner, conn });
                *count += 1;
                true
            }
            State::Semaphore { value, .. } if *value > 0 => {
                *value -= 1;
                true
            }
            _ => false,
        }
    }

    pub(super) fn release(&self, r: &Request) -> Reply {
        let mut g = self.lock();
        let reply = match &mut *g {
            State::Lock { holder } => {
                if holder.take().is_none() {
                    return Reply::refused(
                        ErrorCode::NotHeld,
                        "semaphore or lock released too many times",
                    );
                }
                Reply::ok(0)
            }
            State::RLock { holder, count } => match holder {
                Some(h) if h.owner == r.owner => {
                    *count -= 1;
                    if *count == 0 {
                        *holder = None;
                    }
                    Reply::ok(0)
                }
                _ => {
                    return Reply::refused(
                        ErrorCode::NotOwner,
                        "attempt to release recursive lock not owned by thread",
                    );
                }
            },
            State::Semaphore { value, bound } => {
                let n = r.arg.max(1) as u64;
                let new = value.saturating_add(n);
                if bound.is_some_and(|b| new > b) {
                    return Reply::refused(
                        ErrorCode::TooManyReleases,
                        "semaphore or lock released too many times",
                    );
                }
                *value = new;
                Reply::ok(0)
            }
            _ => return wrong(),
        };
        drop(g);
        self.cv.notify_all();
        reply
    }

    pub(super) fn locked(&self) -> Reply {
        match &*self.lock() {
            State::Lock { holder } => Reply::ok(holder.is_some() as i64),
            State::RLock { holder, .. } => Reply::ok(holder.is_some() as i64),
            State::Semaphore { value, .. } => Reply::ok((*value == 0) as i64),
            _ => wrong(),
        }
    }

    /// Whether `owner` holds this lock (a `Lock` is held by whoever acquired it); and for an
    /// `RLock`, its count, which a condition wait saves and restores.
    pub(super) fn held_by(&self, owner: Owner) -> Option<u64> {
        match &*self.lock() {
            State::Lock { holder: Some(h) } if h.owner == owner => Some(1),
            State::RLock {
                holder: Some(h),
                count,
            } if h.owner == owner => Some(*count),
            _ => None,
        }
    }

    /// Releases a lock entirely on behalf of a condition wait.
    pub(super) fn release_all(&self) {
        let mut g = self.lock();
        match &mut *g {
            State::Lock { holder } => *holder = None,
            State::RLock { holder, count } => {
                *holder = None;
                *count = 0;
            }
            _ => {}
        }
        drop(g);
        self.cv.notify_all();
    }

    /// Takes a lock back after a condition wait, with the saved recursion count.
    pub(super) fn reacquire(&self, owner: Owner, conn: ConnId, saved: u64) {
        let mut g = self.lock();
        loop {
            match &mut *g {
                State::Lock { holder } if holder.is_none() => {
                    *holder = Some(Holder { owner, conn });
                    return;
                }
                State::RLock { holder, count } if holder.is_none() => {
                    *holder = Some(Holder { owner, conn });
                    *count = saved;
                    return;
                }
                State::Lock { .. } | State::RLock { .. } => {}
                _ => return,
            }
            g = self.cv.wait(g).unwrap_or_else(PoisonError::into_inner);
        }
    }
}
