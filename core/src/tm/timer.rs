//! The tm timer thread: a hashed timing wheel under a mutex, woken by a
//! condvar — not one task per timer.
//!
//! Time is counted in ticks of [`GRAIN`]; a timer goes into the slot of its
//! tick modulo the wheel size, so arming one is a push onto a vector and
//! firing a slot walks one vector (O(1) per timer, where a binary heap of
//! tens of thousands of pending timers paid a cache-missing O(log n) sift
//! on every push and pop). A deadline further away than one turn of the
//! wheel simply stays in its slot until the turn it is due in. A bitmap of
//! the slots that hold anything lets the thread find its next deadline by
//! reading 512 bytes instead of every slot's vector.
//!
//! An entry names its transaction by id, not by pointer: when it fires,
//! the handler looks the id up and ignores the timer if the transaction is
//! gone, and otherwise checks the transaction's state (and a generation
//! number where a timer can be restarted). So a finished transaction's
//! memory is freed when it leaves the table, not when a long timer armed
//! for it would have fired. Timers whose work became pointless (a
//! branch's fr timer once it has its final reply) are disarmed with
//! [`Timers::cancel`].

use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

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
    tick: u64,
    tx: u64,
    kind: Kind,
}

/// Deadlines are rounded up to this grain, so that timers armed close
/// together fire in one wake-up of the timer thread (at thousands of
/// transactions a second, one wake-up per timer costs more CPU than the
/// timers' work). SIP timers are hundreds of ms; 10 ms late is harmless.
const GRAIN: Duration = Duration::from_millis(10);
/// Slots of the wheel: one turn is 4096 × 10 ms ≈ 41 s, so only the long
/// fr_inv_timer / fr_timer entries are looked at more than once.
const SLOTS: usize = 4096;
/// The end of a wait time (removing a finished transaction) needs no
/// precision: it is rounded up to a multiple of this many ticks (100 ms),
/// so that one wake-up of the timer thread frees the transactions of tens
/// of calls instead of waking it every tick at a few hundred calls a second.
const LAZY_TICKS: u64 = 10;

struct Wheel {
    slots: Vec<Vec<Entry>>,
    /// Bit i set: `slots[i]` is not empty.
    busy: Vec<u64>,
    /// Every tick before this one has been fired.
    next: u64,
    len: usize,
    /// The tick the timer thread sleeps until (`u64::MAX`: no timer).
    wake_at: u64,
    stop: bool,
}

pub(crate) struct Timers {
    wheel: Mutex<Wheel>,
    cv: Condvar,
    epoch: Instant,
}

impl Default for Timers {
    fn default() -> Self {
        Timers::with_slots(SLOTS)
    }
}

impl Timers {
    fn with_slots(n: usize) -> Timers {
        let wheel = Wheel {
            slots: (0..n).map(|_| Vec::new()).collect(),
            busy: vec![0; n.div_ceil(64)],
            next: 0,
            len: 0,
            wake_at: u64::MAX,
            stop: false,
        };
        Timers { wheel: Mutex::new(wheel), cv: Condvar::new(), epoch: Instant::now() }
    }

    /// The tick `now + after` falls in, rounded up.
    fn tick_after(&self, after: Duration) -> u64 {
        let since = (Instant::now() + after).duration_since(self.epoch);
        since.as_nanos().div_ceil(GRAIN.as_nanos()) as u64
    }

    /// The last tick that has begun.
    fn current_tick(&self) -> u64 {
        (self.epoch.elapsed().as_nanos() / GRAIN.as_nanos()) as u64
    }

    fn instant_of(&self, tick: u64) -> Instant {
        self.epoch + Duration::from_nanos(GRAIN.as_nanos() as u64 * tick)
    }

    /// Fire `kind` for transaction `tx` (its id) after `after`. Returns
    /// the timer's tick, which [`Timers::cancel`] takes.
    pub fn add(&self, after: Duration, tx: u64, kind: Kind) -> u64 {
        let mut tick = self.tick_after(after);
        if kind == Kind::Delete {
            tick = tick.next_multiple_of(LAZY_TICKS);
        }
        let mut w = self.wheel.lock().unwrap();
        // a tick already passed (the thread is behind) fires on the next
        // turn of the loop, not a whole wheel turn late
        let tick = tick.max(w.next);
        w.push(Entry { tick, tx, kind });
        let sooner = tick < w.wake_at;
        drop(w);
        if sooner {
            self.cv.notify_one();
        }
        tick
    }

    /// Disarm the timer `add` armed at `tick` (no-op when it has fired).
    /// A branch that got its final reply disarms its fr_inv_timer:
    /// otherwise every answered call would leave an entry that wakes the
    /// timer thread, for nothing, up to fr_inv_timer later.
    pub fn cancel(&self, tick: u64, tx: u64, kind: Kind) {
        let mut w = self.wheel.lock().unwrap();
        if tick < w.next {
            return;
        }
        let i = w.slot_of(tick);
        let slot = &mut w.slots[i];
        if let Some(at) = slot.iter().position(|e| e.tick == tick && e.tx == tx && e.kind == kind) {
            // `remove`, not `swap_remove`: timers of one tick fire in the
            // order they were armed
            slot.remove(at);
            w.len -= 1;
            w.note_if_empty(i);
        }
    }

    pub fn stop(&self) {
        self.wheel.lock().unwrap().stop = true;
        self.cv.notify_all();
    }

    pub fn pending(&self) -> usize {
        self.wheel.lock().unwrap().len
    }

    /// The timer thread's loop: fire due timers (without the wheel's lock)
    /// until [`Timers::stop`].
    pub fn run(&self, mut fire: impl FnMut(u64, Kind)) {
        let mut due: Vec<(u64, Kind)> = Vec::new();
        let mut w = self.wheel.lock().unwrap();
        loop {
            if w.stop {
                return;
            }
            let now = self.current_tick();
            while w.next <= now {
                let tick = w.next;
                let i = w.slot_of(tick);
                let slot = &mut w.slots[i];
                let before = slot.len();
                // entries of a later turn of the wheel stay
                slot.retain(|e| {
                    if e.tick <= tick {
                        due.push((e.tx, e.kind));
                        false
                    } else {
                        true
                    }
                });
                w.len -= before - slot.len();
                w.note_if_empty(i);
                w.next += 1;
            }
            if !due.is_empty() {
                drop(w);
                for (tx, kind) in due.drain(..) {
                    fire(tx, kind);
                }
                w = self.wheel.lock().unwrap();
                continue;
            }
            w.wake_at = next_busy(&w);
            w = match w.wake_at {
                u64::MAX => self.cv.wait(w).unwrap(),
                at => {
                    let wait = self.instant_of(at).saturating_duration_since(Instant::now());
                    self.cv.wait_timeout(w, wait).unwrap().0
                }
            };
            w.wake_at = u64::MAX;
        }
    }
}

impl Wheel {
    fn slot_of(&self, tick: u64) -> usize {
        (tick % self.slots.len() as u64) as usize
    }

    fn push(&mut self, e: Entry) {
        let i = self.slot_of(e.tick);
        self.slots[i].push(e);
        self.busy[i / 64] |= 1 << (i % 64);
        self.len += 1;
    }

    fn note_if_empty(&mut self, i: usize) {
        if self.slots[i].is_empty() {
            self.busy[i / 64] &= !(1 << (i % 64));
        }
    }
}

/// The first tick from `w.next` on whose slot holds anything (it may be
/// for a later turn: waking then for nothing is rare and cheap).
fn next_busy(w: &Wheel) -> u64 {
    if w.len == 0 {
        return u64::MAX;
    }
    let n = w.slots.len();
    let start = w.slot_of(w.next);
    // the bitmap from `start` to the end, then from 0 round to `start`
    let bit_from = |from: usize, to: usize| {
        let mut i = from;
        while i < to {
            let word = w.busy[i / 64] >> (i % 64);
            if word != 0 {
                let found = i + word.trailing_zeros() as usize;
                return (found < to).then_some(found);
            }
            i = (i / 64 + 1) * 64;
        }
        None
    };
    match bit_from(start, n) {
        Some(i) => w.next + (i - start) as u64,
        None => match bit_from(0, start) {
            Some(i) => w.next + (n - start + i) as u64,
            None => w.next + n as u64,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    type Fired = Arc<Mutex<Vec<(u64, Kind, Instant)>>>;

    fn collect(timers: &Arc<Timers>) -> (std::thread::JoinHandle<()>, Fired) {
        let fired = Arc::new(Mutex::new(Vec::new()));
        let (t2, f2) = (timers.clone(), fired.clone());
        let h = std::thread::spawn(move || t2.run(|tx, k| f2.lock().unwrap().push((tx, k, Instant::now()))));
        (h, fired)
    }

    /// Waits until `n` timers have fired (a loaded machine may run the
    /// timer thread late, so tests wait for events, not fixed sleeps).
    fn wait_for(fired: &Fired, n: usize) {
        let give_up = Instant::now() + Duration::from_secs(10);
        while fired.lock().unwrap().len() < n {
            assert!(Instant::now() < give_up, "{n} timers did not fire within 10 s");
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    #[test]
    fn fires_in_deadline_order_on_its_thread() {
        let timers = Arc::new(Timers::default());
        let (h, fired) = collect(&timers);
        let t0 = Instant::now();
        timers.add(Duration::from_millis(120), 7, Kind::Delete);
        timers.add(Duration::from_millis(40), 7, Kind::G);
        timers.add(Duration::from_millis(80), 8, Kind::Retr(1));
        assert_eq!(timers.pending(), 3);
        wait_for(&fired, 3);
        timers.stop();
        h.join().unwrap();
        let f = fired.lock().unwrap();
        let got: Vec<(u64, Kind)> = f.iter().map(|(t, k, _)| (*t, *k)).collect();
        assert_eq!(got, vec![(7, Kind::G), (8, Kind::Retr(1)), (7, Kind::Delete)]);
        assert!(f[0].2 - t0 >= Duration::from_millis(40));
        assert!(f[2].2 - t0 >= Duration::from_millis(120));
        assert_eq!(timers.pending(), 0);
    }

    #[test]
    fn a_deadline_beyond_one_turn_waits_for_its_own_turn() {
        // 8 slots of 10 ms: one turn is 80 ms
        let timers = Arc::new(Timers::with_slots(8));
        let (h, fired) = collect(&timers);
        let t0 = Instant::now();
        // its slot comes round at 40, 120 and 200 ms: it must not fire
        // on the first two turns
        timers.add(Duration::from_millis(200), 1, Kind::G);
        timers.add(Duration::from_millis(30), 2, Kind::G);
        wait_for(&fired, 2);
        timers.stop();
        h.join().unwrap();
        let f = fired.lock().unwrap();
        assert_eq!((f[0].0, f[1].0), (2, 1));
        assert!(f[1].2 - t0 >= Duration::from_millis(200), "fired after {:?}", f[1].2 - t0);
    }

    #[test]
    fn a_cancelled_timer_never_fires() {
        let timers = Arc::new(Timers::with_slots(8));
        let (h, fired) = collect(&timers);
        let a = timers.add(Duration::from_millis(30), 1, Kind::Fr(0, 1));
        timers.add(Duration::from_millis(30), 2, Kind::Fr(0, 1));
        // same tick, other transaction or kind: untouched
        timers.cancel(a, 1, Kind::Fr(0, 2));
        timers.cancel(a, 1, Kind::Fr(0, 1));
        assert_eq!(timers.pending(), 1);
        wait_for(&fired, 1);
        // time for a wrongly kept timer of the same tick to show up
        std::thread::sleep(Duration::from_millis(50));
        timers.cancel(a, 1, Kind::Fr(0, 1)); // after the tick: no-op
        timers.stop();
        h.join().unwrap();
        let got: Vec<_> = fired.lock().unwrap().iter().map(|f| (f.0, f.1)).collect();
        assert_eq!(got, vec![(2, Kind::Fr(0, 1))]);
        assert_eq!(timers.pending(), 0);
    }

    #[test]
    fn a_sooner_timer_wakes_a_sleeping_thread() {
        let timers = Arc::new(Timers::default());
        let (h, fired) = collect(&timers);
        timers.add(Duration::from_secs(30), 1, Kind::Delete);
        std::thread::sleep(Duration::from_millis(50));
        let t0 = Instant::now();
        timers.add(Duration::from_millis(20), 2, Kind::G);
        wait_for(&fired, 1);
        timers.stop();
        h.join().unwrap();
        let f = fired.lock().unwrap();
        assert_eq!(f.len(), 1);
        // not left sleeping until the 30 s timer (loose bound: a loaded
        // machine may run the thread late)
        assert!(f[0].2 - t0 < Duration::from_secs(5), "fired {:?} after arming", f[0].2 - t0);
        assert_eq!(timers.pending(), 1);
    }

    #[test]
    fn the_next_deadline_is_found_round_the_wheel() {
        let timers = Timers::with_slots(200);
        let mut w = timers.wheel.lock().unwrap();
        assert_eq!(next_busy(&w), u64::MAX);
        w.next = 150;
        for (tick, expect) in [(170, 170), (160, 160), (151, 151)] {
            w.push(Entry { tick, tx: 1, kind: Kind::G });
            assert_eq!(next_busy(&w), expect);
        }
        // only entries behind the current slot: found after the wrap
        for t in [151, 160, 170] {
            let i = w.slot_of(t);
            w.slots[i].clear();
            w.note_if_empty(i);
        }
        w.push(Entry { tick: 230, tx: 1, kind: Kind::G });
        assert_eq!(next_busy(&w), 230);
        assert_eq!(w.busy.iter().map(|b| b.count_ones()).sum::<u32>(), 1);
    }

    #[test]
    fn the_end_of_a_wait_time_is_rounded_to_a_shared_wake_up() {
        let timers = Timers::default();
        let earliest = timers.tick_after(Duration::from_millis(5000));
        let a = timers.add(Duration::from_millis(5000), 1, Kind::Delete);
        let b = timers.add(Duration::from_millis(5037), 2, Kind::Delete);
        assert_eq!(a % LAZY_TICKS, 0);
        assert!(a >= earliest, "never early");
        assert!(b == a || b == a + LAZY_TICKS);
        // other timers keep their 10 ms grain
        let g = timers.add(Duration::from_millis(500), 3, Kind::G);
        assert!(g <= timers.tick_after(Duration::from_millis(500)));
    }
}
