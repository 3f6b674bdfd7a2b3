//! Blocking waits that sleep in the kernel: a futex on a 32-bit sequence word in the shared header.
//!
//! The protocol is an event count. A waiter reads the sequence word, announces itself in a waiter
//! counter, re-checks its condition, and only then sleeps with `FUTEX_WAIT(seq, seen)`. The other
//! side changes the indices, and only if the counter is non-zero bumps the sequence word and issues
//! `FUTEX_WAKE`. Both sides separate their store from their load with a `SeqCst` fence (Dekker's
//! pattern), so either the waiter sees the new index or the waker sees the waiter; a wake that
//! lands between the re-check and the sleep changes the word, and the kernel then refuses to sleep.
//! The common case (nobody waiting) therefore costs a fence and a load, never a system call.
//!
//! The futex is not `FUTEX_PRIVATE_FLAG`: the word lives in a `MAP_SHARED` file mapping and the
//! waker is another process. Other Unix systems get a sleep-and-poll fallback with the same
//! contract, capped at one millisecond per sleep.

use std::sync::atomic::{fence, AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// Sleeps until `word` may no longer hold `expected`, a wake arrives, or `timeout` passes.
///
/// May return early (spurious wake-up, signal); callers re-check their condition in a loop.
#[cfg(target_os = "linux")]
fn futex_wait(word: &AtomicU32, expected: u32, timeout: Option<Duration>) {
    let spec = timeout.map(|t| libc::timespec {
        // Saturate absurd timeouts instead of wrapping to a negative (invalid) time.
        tv_sec: libc::time_t::try_from(t.as_secs()).unwrap_or(libc::time_t::MAX),
        tv_nsec: libc::c_long::from(t.subsec_nanos()),
    });
    let spec_ptr = spec.as_ref().map_or(std::ptr::null(), std::ptr::from_ref);
    // SAFETY: `word` is a live, 4-byte-aligned atomic for the duration of the call, and `spec_ptr`
    // is null or points at `spec` on this stack frame. FUTEX_WAIT only reads both; its result
    // (0, EAGAIN, ETIMEDOUT or EINTR) is deliberately ignored because every caller re-checks.
    unsafe {
        libc::syscall(libc::SYS_futex, word.as_ptr(), libc::FUTEX_WAIT, expected, spec_ptr, 0usize, 0u32);
    }
}

/// Wakes every thread, in any process, sleeping on `word`.
#[cfg(target_os = "linux")]
fn futex_wake_all(word: &AtomicU32) {
    // SAFETY: `word` is a live, aligned atomic; FUTEX_WAKE does not dereference anything else.
    unsafe {
        libc::syscall(libc::SYS_futex, word.as_ptr(), libc::FUTEX_WAKE, i32::MAX, 0usize, 0usize, 0u32);
    }
}

#[cfg(not(target_os = "linux"))]
fn futex_wait(word: &AtomicU32, expected: u32, timeout: Option<Duration>) {
    // No cross-process futex here: poll the word, sleeping at most a millisecond at a time.
    let step = Duration::from_millis(1);
    if word.load(Ordering::Acquire) == expected {
        std::thread::sleep(timeout.map_or(step, |t| t.min(step)));
    }
}

#[cfg(not(target_os = "linux"))]
fn futex_wake_all(_word: &AtomicU32) {}

/// One direction of waiting: the sequence word the waiter sleeps on and the counter it announces
/// itself in.
#[derive(Clone, Copy)]
pub struct Event<'a> {
    /// Bumped by the waker before `FUTEX_WAKE`.
    pub seq: &'a AtomicU32,
    /// Number of sleeping (or about to sleep) waiters.
    pub waiters: &'a AtomicU32,
}

impl Event<'_> {
    /// Called by the side that just made progress (after its release store of an index): wakes
    /// the other side if, and only if, it announced that it is waiting.
    pub fn notify(self) {
        // Pairs with the fence in `wait_until`: our index store and the waiter's counter increment
        // cannot both be missed by the two loads that follow them.
        fence(Ordering::SeqCst);
        if self.waiters.load(Ordering::Relaxed) != 0 {
            self.notify_always();
        }
    }

    /// Wakes every waiter unconditionally (used by `close`).
    pub fn notify_always(self) {
        self.seq.fetch_add(1, Ordering::Release);
        futex_wake_all(self.seq);
    }

    /// Blocks until `ready()` or `stop()` returns true, or until `deadline`, and returns the last
    /// value of `ready()`. `None` waits without a deadline.
    pub fn wait_until(
        self,
        deadline: Option<Instant>,
        ready: impl Fn() -> bool,
        stop: impl Fn() -> bool,
    ) -> bool {
        // No spinning before the first sleep. Measured with
        // bench/test_ring.py::test_ring_ping_pong_latency on the 2-core development machine: a spin
        // of 32 to 1000 checks (about 2 to 55 us) cut the p50 round trip from about 7 us to 1 us
        // only while each process had an idle core to itself; with one more busy process on the
        // machine (the normal case for a supervisor with many tasks) the spinner delayed its own
        // peer and the p50 grew by roughly the spin time, to 8-62 us.
        loop {
            if ready() {
                return true;
            }
            if stop() {
                return ready();
            }
            let remaining = match deadline {
                None => None,
                Some(deadline) => match deadline.checked_duration_since(Instant::now()) {
                    Some(left) if !left.is_zero() => Some(left),
                    _ => return ready(),
                },
            };
            // Read the word before announcing ourselves and re-checking: any notify that the
            // re-check misses bumps the word after this load, so FUTEX_WAIT refuses to sleep.
            let seen = self.seq.load(Ordering::Acquire);
            self.waiters.fetch_add(1, Ordering::Relaxed);
            fence(Ordering::SeqCst);
            if !ready() && !stop() {
                futex_wait(self.seq, seen, remaining);
            }
            self.waiters.fetch_sub(1, Ordering::Relaxed);
        }
    }
}

/// The deadline `timeout` from now, or `None` (no deadline) for `None` or a timeout too large to
/// represent.
pub fn deadline(timeout: Option<Duration>) -> Option<Instant> {
    timeout.and_then(|t| Instant::now().checked_add(t))
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicBool;
    use std::sync::Arc;
    use std::thread;

    use super::*;

    struct Pair {
        seq: AtomicU32,
        waiters: AtomicU32,
        flag: AtomicBool,
    }

    impl Pair {
        fn event(&self) -> Event<'_> {
            Event { seq: &self.seq, waiters: &self.waiters }
        }
    }

    fn pair() -> Arc<Pair> {
        Arc::new(Pair { seq: AtomicU32::new(0), waiters: AtomicU32::new(0), flag: AtomicBool::new(false) })
    }

    #[test]
    fn times_out_when_nothing_happens() {
        let p = pair();
        let start = Instant::now();
        let ready = p.event().wait_until(deadline(Some(Duration::from_millis(30))), || false, || false);
        let elapsed = start.elapsed();
        assert!(!ready);
        assert!(elapsed >= Duration::from_millis(30), "{elapsed:?}");
        assert!(elapsed < Duration::from_millis(500), "{elapsed:?}");
        assert_eq!(p.waiters.load(Ordering::Relaxed), 0);
    }

    #[test]
    fn notify_without_waiters_does_not_touch_the_word() {
        let p = pair();
        p.event().notify();
        assert_eq!(p.seq.load(Ordering::Relaxed), 0);
        p.event().notify_always();
        assert_eq!(p.seq.load(Ordering::Relaxed), 1);
    }

    #[test]
    fn notify_wakes_a_sleeping_waiter() {
        for _ in 0..200 {
            let p = pair();
            let waiter = {
                let p = Arc::clone(&p);
                thread::spawn(move || {
                    p.event().wait_until(
                        deadline(Some(Duration::from_secs(10))),
                        || p.flag.load(Ordering::Acquire),
                        || false,
                    )
                })
            };
            p.flag.store(true, Ordering::Release);
            p.event().notify();
            let start = Instant::now();
            assert!(waiter.join().unwrap());
            // A lost wake-up would only end at the 10 s deadline.
            assert!(start.elapsed() < Duration::from_secs(5));
        }
    }

    #[test]
    fn stop_ends_the_wait_without_readiness() {
        let p = pair();
        let waiter = {
            let p = Arc::clone(&p);
            thread::spawn(move || p.event().wait_until(None, || false, || p.flag.load(Ordering::Acquire)))
        };
        thread::sleep(Duration::from_millis(20));
        p.flag.store(true, Ordering::Release);
        p.event().notify_always();
        assert!(!waiter.join().unwrap());
    }
}
