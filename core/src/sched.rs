//! Scheduler hint: ask Linux for a short time slice.
//!
//! A SIP worker wakes for one datagram, handles it in tens of
//! microseconds and sleeps again. With the kernel's default slice (about
//! 3 ms) the process that our reply wakes — a UA on the same core —
//! usually preempts the worker before it has finished the message (freed
//! its buffers, gone back to the socket), and the worker later resumes
//! with cold caches. Since Linux 6.12 (EEVDF) a normal-class thread may
//! request its own slice (`sched_runtime` of `sched_setattr`); a short one
//! gives it an earlier deadline, so it runs its burst to the end and the
//! woken process waits those microseconds instead. Measured with SIPp on
//! two cores: involuntary context switches per REGISTER 0.66 → 0.16 and
//! CPU per REGISTER about a quarter lower; CPU per call and the highest
//! call rate unchanged within this machine's noise (BENCHMARKS.md). It
//! changes no share of the CPU (that is the nice value's job), only when
//! the switches happen.
//!
//! Applied once to the main thread before the workers start: threads
//! inherit it. A thread under a real-time policy (chrt) is left alone;
//! older kernels accept the call and ignore the slice, which
//! [`request_slice`] reports by reading it back.

use std::io;

/// `struct sched_attr` (SCHED_ATTR_SIZE_VER0, 48 bytes).
#[repr(C)]
#[derive(Default)]
struct SchedAttr {
    size: u32,
    policy: u32,
    flags: u64,
    nice: i32,
    priority: u32,
    runtime: u64,
    deadline: u64,
    period: u64,
}

const SCHED_OTHER: u32 = 0;

fn get_attr() -> io::Result<SchedAttr> {
    let mut a = SchedAttr::default();
    let size = std::mem::size_of::<SchedAttr>() as libc::c_uint;
    // SAFETY: the kernel writes at most `size` bytes into `a`; pid 0 is the calling thread.
    let r = unsafe { libc::syscall(libc::SYS_sched_getattr, 0, &mut a as *mut SchedAttr, size, 0) };
    if r < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(a)
}

/// What became of the request.
#[derive(Debug, PartialEq, Eq)]
pub enum Slice {
    /// The calling thread now runs with the requested slice.
    Applied,
    /// The thread is not in the normal class (SCHED_FIFO, SCHED_BATCH, …): untouched.
    OtherPolicy,
    /// The kernel took the call but keeps its own slice (before 6.12).
    Unsupported,
}

/// Request a slice of `us` microseconds (the kernel clamps it to
/// 100 µs … 100 ms) for the calling thread and the threads it starts
/// afterwards; its nice value is kept.
pub fn request_slice(us: u32) -> io::Result<Slice> {
    let mut a = get_attr()?;
    if a.policy != SCHED_OTHER {
        return Ok(Slice::OtherPolicy);
    }
    let want = u64::from(us) * 1000;
    a.size = std::mem::size_of::<SchedAttr>() as u32;
    a.runtime = want;
    a.flags = 0;
    // SAFETY: `a` is a complete VER0 sched_attr; pid 0 is the calling thread.
    let r = unsafe { libc::syscall(libc::SYS_sched_setattr, 0, &a as *const SchedAttr, 0) };
    if r < 0 {
        return Err(io::Error::last_os_error());
    }
    // 6.12+ reports a normal thread's slice as its runtime; older kernels 0.
    let now = get_attr()?.runtime;
    Ok(if now != 0 && now == want.clamp(100_000, 100_000_000) { Slice::Applied } else { Slice::Unsupported })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Kernel release as (major, minor).
    fn kernel() -> (u32, u32) {
        let r = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap();
        let mut it = r.trim().split(|c: char| !c.is_ascii_digit()).map(|n| n.parse().unwrap_or(0));
        (it.next().unwrap_or(0), it.next().unwrap_or(0))
    }

    #[test]
    fn slice_is_applied_kept_with_nice_and_inherited() {
        // On its own thread: the test harness's threads keep their slice.
        std::thread::spawn(|| {
            // SAFETY: plain syscall on the calling thread.
            unsafe { libc::setpriority(libc::PRIO_PROCESS, 0, 3) };
            let got = request_slice(250).unwrap();
            if kernel() < (6, 12) {
                assert_ne!(got, Slice::OtherPolicy);
                return;
            }
            assert_eq!(got, Slice::Applied);
            let a = get_attr().unwrap();
            assert_eq!((a.runtime, a.nice), (250_000, 3), "slice set, nice kept");
            // a thread started afterwards runs with it too
            let child = std::thread::spawn(|| get_attr().unwrap().runtime).join().unwrap();
            assert_eq!(child, 250_000);
            // below the kernel's minimum: clamped, still reported applied
            assert_eq!(request_slice(10).unwrap(), Slice::Applied);
            assert_eq!(get_attr().unwrap().runtime, 100_000);
        })
        .join()
        .unwrap();
    }
}
