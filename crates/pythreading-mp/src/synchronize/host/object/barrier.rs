//! Barrier: wait, abort, reset and the broken state.

use std::sync::MutexGuard;

use super::super::protocol::{Op, Reply};
use super::{BarrierPhase, Object, State, Waiter, broken, wrong};

impl Object {
    pub(super) fn barrier(&self, op: Op, w: &Waiter<'_>) -> Reply {
        let mut g = self.lock();
        let State::Barrier {
            parties,
            count,
            phase,
        } = &mut *g
        else {
            return wrong();
        };
        match op {
            Op::BarrierParties => return Reply::ok(*parties as i64),
            Op::BarrierWaiting => {
                let n = if *phase == BarrierPhase::Filling {
                    *count
                } else {
                    0
                };
                return Reply::ok(n as i64);
            }
            Op::BarrierBroken => return Reply::ok((*phase == BarrierPhase::Broken) as i64),
            Op::BarrierAbort => {
                *phase = BarrierPhase::Broken;
                drop(g);
                self.cv.notify_all();
                return Reply::ok(0);
            }
            Op::BarrierReset => {
                if *count > 0 {
                    if matches!(*phase, BarrierPhase::Filling | BarrierPhase::Broken) {
                        *phase = BarrierPhase::Resetting;
                    }
                } else {
                    *phase = BarrierPhase::Filling;
                }
                drop(g);
                self.cv.notify_all();
                return Reply::ok(0);
            }
            _ => {}
        }
        // Wait: threading.Barrier's algorithm (enter, release or wait, exit).
        loop {
            let State::Barrier { phase, .. } = &*g else {
                return wrong();
            };
            match phase {
                BarrierPhase::Draining | BarrierPhase::Resetting => {
                    let (g2, timed_out) = self.wait(g, w);
                    g = g2;
                    if timed_out {
                        return self.break_barrier(g);
                    }
                }
                BarrierPhase::Broken => return broken(),
                BarrierPhase::Filling => break,
            }
        }
        let State::Barrier { parties, count, .. } = &mut *g else {
            return wrong();
        };
        let index = *count;
        *count += 1;
        let last = index + 1 == *parties;
        let result = if last {
            if let State::Barrier { phase, .. } = &mut *g {
                *phase = BarrierPhase::Draining;
            }
            self.cv.notify_all();
            Ok(index)
        } else {
            loop {
                let State::Barrier { phase, .. } = &*g else {
                    return wrong();
                };
                match phase {
                    BarrierPhase::Filling => {}
                    BarrierPhase::Draining => break Ok(index),
                    BarrierPhase::Broken | BarrierPhase::Resetting => break Err(()),
                }
                let (g2, timed_out) = self.wait(g, w);
                g = g2;
                if timed_out
                    && let State::Barrier { phase, .. } = &mut *g
                    && *phase == BarrierPhase::Filling
                {
                    *phase = BarrierPhase::Broken;
                    self.cv.notify_all();
                    break Err(());
                }
            }
        };
        // Exit: the last one out lets the next round in.
        if let State::Barrier { count, phase, .. } = &mut *g {
            *count -= 1;
            if *count == 0 && matches!(phase, BarrierPhase::Resetting | BarrierPhase::Draining) {
                *phase = BarrierPhase::Filling;
                self.cv.notify_all();
            }
        }
        match result {
            Ok(i) => Reply::ok(i as i64),
            Err(()) => broken(),
        }
    }

    pub(super) fn break_barrier(&self, mut g: MutexGuard<'_, State>) -> Reply {
        if let State::Barrier { phase, .. } = &mut *g {
            *phase = BarrierPhase::Broken;
        }
        drop(g);
        self.cv.notify_all();
        broken()
    }
}
