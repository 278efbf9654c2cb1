//! The tm timer thread: one binary heap of deadlines under a mutex, woken
//! by a condvar — not one task per timer. Timers are never cancelled;
//! when one fires, its handler checks the transaction state (and a
//! generation number where a timer can be restarted) and ignores it if it
//! is stale. That keeps arming a timer O(log n) and lock-light.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;
use std::sync::{Arc, Condvar, Mutex, Weak};
use std::time::{Duration, Instant};

use super::TxCell;

/// What a timer does when it fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Timer A / E: retransmit the request of this branch (UDP).
    Retr(usize),
    /// fr_timer / fr_inv_timer (timers B / F) of a branch, with the
    /// generation it was armed for.
    Fr(usize, u32),
    /// Timer G: retransmit our negative final reply upstream (UDP).
    G,
    /// Retransmit the CANCEL of a branch (n-th time).
    CancelRetr(usize, u32),
    /// End of the wait time: remove the transaction.
    Delete,
}

struct Entry {
    at: Instant,
    seq: u64,
    tx: Weak<TxCell>,
    kind: Kind,
}

impl PartialEq for Entry {
    fn eq(&self, o: &Self) -> bool {
        self.at == o.at && self.seq == o.seq
    }
}
impl Eq for Entry {}
impl PartialOrd for Entry {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Entry {
    fn cmp(&self, o: &Self) -> Ordering {
        (self.at, self.seq).cmp(&(o.at, o.seq))
    }
}

#[derive(Default)]
struct Inner {
    heap: BinaryHeap<Reverse<Entry>>,
    seq: u64,
    stop: bool,
}

/// Deadlines are rounded up to this grain, so that timers armed close
/// together fire in one wake-up of the timer thread (at thousands of
/// transactions a second, one wake-up per timer costs more CPU than the
/// timers' work). SIP timers are hundreds of ms; 10 ms late is harmless.
const GRAIN: Duration = Duration::from_millis(10);

pub(crate) struct Timers {
    inner: Mutex<Inner>,
    cv: Condvar,
    epoch: Instant,
}

impl Default for Timers {
    fn default() -> Self {
        Timers { inner: Mutex::default(), cv: Condvar::default(), epoch: Instant::now() }
    }
}

impl Timers {
    /// `now + after`, rounded up to the next multiple of [`GRAIN`].
    fn deadline(&self, after: Duration) -> Instant {
        let since = (Instant::now() + after).duration_since(self.epoch);
        let grain = GRAIN.as_nanos();
        let ticks = since.as_nanos().div_ceil(grain);
        self.epoch + Duration::from_nanos((ticks * grain) as u64)
    }

    pub fn add(&self, after: Duration, tx: &Arc<TxCell>, kind: Kind) {
        let at = self.deadline(after);
        let mut g = self.inner.lock().unwrap();
        g.seq += 1;
        let e = Entry { at, seq: g.seq, tx: Arc::downgrade(tx), kind };
        let earliest = g.heap.peek().is_none_or(|Reverse(top)| e.at < top.at);
        g.heap.push(Reverse(e));
        drop(g);
        if earliest {
            self.cv.notify_one();
        }
    }

    pub fn stop(&self) {
        self.inner.lock().unwrap().stop = true;
        self.cv.notify_all();
    }

    pub fn pending(&self) -> usize {
        self.inner.lock().unwrap().heap.len()
    }

    /// The timer thread's loop: fire due timers (without the heap lock)
    /// until [`Timers::stop`].
    pub fn run(&self, mut fire: impl FnMut(Arc<TxCell>, Kind)) {
        let mut g = self.inner.lock().unwrap();
        loop {
            if g.stop {
                return;
            }
            let now = Instant::now();
            match g.heap.peek() {
                Some(Reverse(top)) if top.at <= now => {
                    let Reverse(e) = g.heap.pop().expect("peeked");
                    drop(g);
                    if let Some(tx) = e.tx.upgrade() {
                        fire(tx, e.kind);
                    }
                    g = self.inner.lock().unwrap();
                }
                Some(Reverse(top)) => {
                    let wait = top.at - now;
                    g = self.cv.wait_timeout(g, wait).unwrap().0;
                }
                None => g = self.cv.wait(g).unwrap(),
            }
        }
    }
}
