//! Arrival order for replies handled by several workers.
//!
//! All UDP workers block on one socket, so two replies of one transaction
//! (a 180 then a 200, microseconds apart) can be picked up by two workers;
//! whichever parses faster would take the transaction first and the 180
//! would come after the 200 (Kamailio forwards such a late 180 in ~0.3% of
//! calls). Each worker therefore takes a ticket as soon as it has a
//! message, and a reply waits for the messages received before it that
//! are still on their way to a transaction — only those that may belong
//! to the same transaction (same key, or not parsed far enough to tell).
//! Requests and unrelated replies never wait on each other.
//!
//! The UDP workers of one socket take turns in `recv` (a lock around the
//! call) and mark their ticket before releasing it, so tickets follow the
//! socket's receive order exactly; the lock costs little since the
//! processing, not the receive, is what runs in parallel. TCP keeps order
//! per connection by itself (one worker per connection) and takes no
//! ticket. The wait is bounded ([`MAX_WAIT`]) so a stuck worker can delay,
//! never stall, the others.

use std::cell::Cell;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// More workers than this share the last slots' fate: they take no ticket.
const SLOTS: usize = 256;
/// Longest a reply waits for an earlier one. Only an earlier message of
/// the same transaction (or one not parsed far enough to tell, which takes
/// microseconds) is waited for, so a long wait means its worker was
/// descheduled — on a loaded two-core machine that reached 5 ms, and a 200
/// overtook its 180.
pub const MAX_WAIT: Duration = Duration::from_millis(50);
/// Yields before the wait turns into short sleeps (a spinning waiter must
/// not hold a core the worker it waits for needs).
const SPINS: u32 = 200;
/// Key of a message whose transaction is not known yet.
const UNKNOWN: u64 = 0;

pub struct ArrivalGate {
    seq: Box<[AtomicU64]>,
    key: Box<[AtomicU64]>,
    used: AtomicUsize,
    next: AtomicU64,
}

thread_local! {
    static SLOT: Cell<Option<usize>> = const { Cell::new(None) };
}

/// A worker's place in line; leaving it (drop) lets later messages go.
pub struct Turn<'g> {
    gate: &'g ArrivalGate,
    slot: Option<usize>,
    seq: u64,
}

impl Default for ArrivalGate {
    fn default() -> Self {
        ArrivalGate {
            seq: (0..SLOTS).map(|_| AtomicU64::new(0)).collect(),
            key: (0..SLOTS).map(|_| AtomicU64::new(UNKNOWN)).collect(),
            used: AtomicUsize::new(0),
            next: AtomicU64::new(1),
        }
    }
}

impl ArrivalGate {
    fn my_slot(&self) -> Option<usize> {
        SLOT.with(|s| {
            if s.get().is_none() {
                let n = self.used.fetch_add(1, Ordering::Relaxed);
                if n < SLOTS {
                    s.set(Some(n));
                }
            }
            s.get()
        })
    }

    /// Mark a message this thread just received (called under the
    /// socket's receive lock).
    pub(crate) fn mark(&self) {
        if let Some(i) = self.my_slot() {
            let seq = self.next.fetch_add(1, Ordering::Relaxed);
            self.key[i].store(UNKNOWN, Ordering::Relaxed);
            self.seq[i].store(seq, Ordering::Release);
        }
    }

    /// This thread is done with its message (whether or not it was handed
    /// on): later ones stop waiting for it.
    pub(crate) fn clear(&self) {
        if let Some(i) = SLOT.with(|s| s.get()) {
            self.seq[i].store(0, Ordering::Release);
        }
    }

    /// The place in line of the message this thread is handling (an
    /// untracked one when the thread took no ticket, e.g. a TCP worker).
    pub fn turn(&self) -> Turn<'_> {
        let slot = SLOT.with(|s| s.get());
        let seq = slot.map_or(0, |i| self.seq[i].load(Ordering::Acquire));
        Turn { gate: self, slot: slot.filter(|_| seq != 0), seq }
    }

    /// Take a ticket and hold it (tests; the UDP workers use `mark`).
    pub fn arrive(&self) -> Turn<'_> {
        self.mark();
        self.turn()
    }
}

impl Turn<'_> {
    /// The message belongs to transaction `key` (any non-zero hash, e.g.
    /// of the top Via branch); wait until earlier messages that may belong
    /// to it have reached their transaction.
    pub fn wait_for_earlier(&self, key: u64) {
        let key = key.max(1);
        let Some(me) = self.slot else { return };
        let g = self.gate;
        g.key[me].store(key, Ordering::Release);
        let used = g.used.load(Ordering::Relaxed).min(SLOTS);
        let start = Instant::now();
        let mut spins = 0;
        loop {
            let blocked = (0..used).any(|i| {
                let s = g.seq[i].load(Ordering::Acquire);
                if i == me || s == 0 || s >= self.seq {
                    return false;
                }
                let k = g.key[i].load(Ordering::Acquire);
                k == UNKNOWN || k == key
            });
            if !blocked {
                return;
            }
            if start.elapsed() >= MAX_WAIT {
                tracing::debug!("arrival: gave up waiting for an earlier message after {MAX_WAIT:?}");
                return;
            }
            if spins < SPINS {
                spins += 1;
                std::thread::yield_now();
            } else {
                std::thread::sleep(Duration::from_micros(100));
            }
        }
    }
}

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        if let Some(i) = self.slot {
            self.gate.seq[i].store(0, Ordering::Release);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Barrier};

    #[test]
    fn a_later_reply_waits_for_an_earlier_one_of_its_transaction() {
        let gate = Arc::new(ArrivalGate::default());
        let first_in = Arc::new(Barrier::new(2));
        let order = Arc::new(std::sync::Mutex::new(Vec::new()));
        let (g, b, o) = (gate.clone(), first_in.clone(), order.clone());
        let early = std::thread::spawn(move || {
            let turn = g.arrive();
            b.wait();
            // Slow parse: the later message must not overtake us.
            std::thread::sleep(Duration::from_millis(2));
            turn.wait_for_earlier(7);
            o.lock().unwrap().push("180");
            drop(turn);
        });
        first_in.wait();
        let turn = gate.arrive();
        turn.wait_for_earlier(7);
        order.lock().unwrap().push("200");
        drop(turn);
        early.join().unwrap();
        assert_eq!(*order.lock().unwrap(), vec!["180", "200"]);
    }

    #[test]
    fn other_transactions_do_not_wait() {
        let gate = Arc::new(ArrivalGate::default());
        let g = gate.clone();
        let (tx, rx) = std::sync::mpsc::channel();
        let (release, released) = std::sync::mpsc::channel::<()>();
        let holder = std::thread::spawn(move || {
            let turn = g.arrive();
            turn.wait_for_earlier(1);
            tx.send(()).unwrap();
            // holds its turn until released (or 5 s, should we wrongly wait)
            let _ = released.recv_timeout(Duration::from_secs(5));
            drop(turn);
        });
        rx.recv().unwrap();
        let turn = gate.arrive();
        let t0 = Instant::now();
        turn.wait_for_earlier(2);
        assert!(t0.elapsed() < Duration::from_secs(2), "waited {:?} for another transaction", t0.elapsed());
        release.send(()).unwrap();
        holder.join().unwrap();
    }
}
