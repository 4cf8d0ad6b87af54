//! Polling the rings for a short while before parking, while traffic flows.
//!
//! Why: on the 2-vCPU VMs Sluice is measured on, waking a parked shard from another core
//! costs 20-50 µs at the median and 50-230 µs at p99 with nothing else running
//! (`bench/examples/wake_floor.rs`, `bench/results/latency.md`), and every wake-up is one
//! more chance to wait behind another thread for the CPU. That alone is the whole p99
//! budget of the ingest-to-sink path. A sink shard that keeps polling its rings for a
//! `window` after its last batch takes the next batch without any wake-up, and its
//! producers, seeing it unparked, make no syscall either.
//!
//! The window is counted from the last batch, so a shard spins only while batches keep
//! coming: at zero traffic it parks one window after the last one and stays parked, and
//! idle CPU does not change.
//!
//! The polling happens in glommio's own spin loop (`spin_before_park`, [`EXECUTOR_SPIN`],
//! set when the shard's executor is built, `runtime.rs`): between two looks at the rings
//! the drain task sleeps on a user-space timer of [`POLL`] instead of parking on its bell,
//! so the reactor keeps polling I/O and timers and the sink tasks run their writes.

use std::time::{Duration, Instant};

/// How long the drain task lets the reactor run between two looks at its rings.
pub(crate) const POLL: Duration = Duration::from_micros(2);

/// The executor's own `spin_before_park` on a shard that spins: long enough to serve the
/// drain task's [`POLL`] timers without parking, and no longer, so the shard parks this
/// soon after the drain task stops polling (the window is the drain task's to keep: an
/// executor spin as long as the window doubled it, and the CPU it costs, in
/// `bench/examples/wake_floor.rs`).
pub(crate) const EXECUTOR_SPIN: Duration = Duration::from_micros(10);

/// When a consumer last saw work, and how long after that it keeps polling.
#[derive(Debug)]
pub(crate) struct ParkSpin {
    window: Duration,
    last: Option<Instant>,
}

impl ParkSpin {
    /// `window` zero: never spin (park as soon as the rings are empty).
    pub(crate) fn new(window: Duration) -> Self {
        ParkSpin { window, last: None }
    }

    /// A batch was just taken off a ring.
    pub(crate) fn worked(&mut self) {
        if !self.window.is_zero() {
            self.last = Some(Instant::now());
        }
    }

    /// Keep polling rather than park: work was seen less than a window ago.
    pub(crate) fn should_spin(&self) -> bool {
        self.should_spin_at(Instant::now())
    }

    fn should_spin_at(&self, now: Instant) -> bool {
        self.last
            .is_some_and(|t| now.saturating_duration_since(t) < self.window)
    }

    /// One poll interval: the reactor polls I/O and timers and other tasks run meanwhile.
    pub(crate) async fn pause() {
        glommio::timer::sleep(POLL).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spins_only_within_the_window_after_work() {
        let mut s = ParkSpin::new(Duration::from_micros(100));
        assert!(!s.should_spin(), "no traffic yet: park at once");
        s.worked();
        let t = s.last.unwrap();
        assert!(s.should_spin_at(t + Duration::from_micros(99)));
        assert!(!s.should_spin_at(t + Duration::from_micros(100)));
        assert!(!s.should_spin_at(t + Duration::from_secs(1)));
    }

    #[test]
    fn a_zero_window_never_spins() {
        let mut s = ParkSpin::new(Duration::ZERO);
        s.worked();
        assert!(!s.should_spin());
        assert!(s.last.is_none());
    }
}
