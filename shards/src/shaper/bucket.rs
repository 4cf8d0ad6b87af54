//! One token bucket: `$rate` events per `$time_range`, refilled in `$windows` steps.
//!
//! The bucket holds at most `max(rate, 1)` tokens (its burst: a bucket that was idle for a
//! whole time range may pass `rate` events at once, and a fractional rate still lets one
//! event through when a whole token has accumulated). It starts full. Tokens come back in
//! steps of one granule (`time_range / windows`, 10 ms by default), so the per-event path
//! is a compare and a subtraction; the division happens once per granule at most.
//!
//! On a host with several ingest shards each shard's bucket for a class gets a *share* of
//! the host-wide rate and burst (see `split.rs`): the refill per granule and the capacity
//! are scaled by it, and tokens above a shrunken capacity are given up.

/// What the script asked for: `$rate` per `$time_range`, refilled in `$windows` steps.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate {
    /// Events per time range (may be fractional, > 0).
    pub rate: f64,
    /// The time range, ns (> 0).
    pub range_ns: u64,
    /// Refill steps per time range (>= 1).
    pub windows: u32,
}

impl Rate {
    /// Tremor's defaults: per second, in 100 steps of 10 ms.
    pub const DEFAULT_RANGE_NS: u64 = 1_000_000_000;
    /// Tremor's default number of windows per time range.
    pub const DEFAULT_WINDOWS: u32 = 100;

    /// `rate` events per second, refilled every 10 ms.
    #[must_use]
    pub fn per_second(rate: f64) -> Rate {
        Rate {
            rate,
            range_ns: Self::DEFAULT_RANGE_NS,
            windows: Self::DEFAULT_WINDOWS,
        }
    }

    fn granule_ns(&self) -> u64 {
        (self.range_ns / u64::from(self.windows.max(1))).max(1)
    }
}

/// A token bucket driven by the caller's clock (ns, any epoch, never going backwards).
#[derive(Debug, Clone)]
pub struct Bucket {
    rate: Rate,
    granule_ns: u64,
    /// This shard's share of the host-wide rate (1.0 on a single shard).
    share: f64,
    /// Tokens added per granule (rate share).
    per_granule: f64,
    /// Most tokens held (burst share, at least one).
    cap: f64,
    tokens: f64,
    /// Start of the granule the last refill accounted for.
    granule_start: u64,
    /// The next time a refill is due.
    next_ns: u64,
}

impl Bucket {
    /// A full bucket at `now_ns` with `share` of the rate.
    #[must_use]
    pub fn new(rate: Rate, share: f64, now_ns: u64) -> Bucket {
        let granule_ns = rate.granule_ns();
        let start = now_ns - now_ns % granule_ns;
        let mut b = Bucket {
            rate,
            granule_ns,
            share,
            per_granule: 0.0,
            cap: 1.0,
            tokens: 0.0,
            granule_start: start,
            next_ns: start + granule_ns,
        };
        b.rescale();
        b.tokens = b.cap;
        b
    }

    fn rescale(&mut self) {
        let r = self.rate;
        #[allow(clippy::cast_precision_loss)]
        let fraction = self.granule_ns as f64 / r.range_ns as f64;
        self.per_granule = r.rate * self.share * fraction;
        self.cap = (r.rate * self.share).max(1.0);
        if self.tokens > self.cap {
            self.tokens = self.cap;
        }
    }

    /// The rate it was made with.
    #[must_use]
    pub fn rate(&self) -> Rate {
        self.rate
    }

    /// Takes a new rate (the script changed `$rate`); tokens held are kept up to the new cap.
    pub fn set_rate(&mut self, rate: Rate) {
        if rate != self.rate {
            self.rate = rate;
            self.granule_ns = rate.granule_ns();
            self.next_ns = self.granule_start + self.granule_ns;
            self.rescale();
        }
    }

    /// Takes a new share of the host-wide rate (0 < share <= 1) from `now_ns` on; the time
    /// before is credited at the old share. Tokens held are kept (up to the new capacity):
    /// scaling them with the share would mint tokens whenever an idle, full bucket's share
    /// grows, so a shard that takes a class over refills at its new rate instead.
    pub fn set_share(&mut self, share: f64, now_ns: u64) {
        if (share - self.share).abs() > f64::EPSILON {
            self.refill(now_ns);
            self.share = share;
            self.rescale();
        }
    }

    /// This shard's share.
    #[must_use]
    pub fn share(&self) -> f64 {
        self.share
    }

    /// Tokens held now (after refilling up to `now_ns`).
    pub fn tokens(&mut self, now_ns: u64) -> f64 {
        self.refill(now_ns);
        self.tokens
    }

    #[inline]
    fn refill(&mut self, now_ns: u64) {
        if now_ns >= self.next_ns {
            let steps = (now_ns - self.granule_start) / self.granule_ns;
            self.granule_start += steps * self.granule_ns;
            self.next_ns = self.granule_start + self.granule_ns;
            #[allow(clippy::cast_precision_loss)]
            let add = self.per_granule * steps as f64;
            self.tokens = (self.tokens + add).min(self.cap);
        }
    }

    /// One event at `now_ns`: `true` if a token was available (and taken).
    #[inline]
    pub fn take(&mut self, now_ns: u64) -> bool {
        self.refill(now_ns);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: u64 = 1_000_000;
    const S: u64 = 1_000_000_000;

    fn passes(b: &mut Bucket, from: u64, to: u64, every: u64) -> u64 {
        let mut n = 0;
        let mut t = from;
        while t < to {
            n += u64::from(b.take(t));
            t += every;
        }
        n
    }

    #[test]
    fn burst_then_steady_rate() {
        let mut b = Bucket::new(Rate::per_second(100.0), 1.0, 0);
        // A full bucket: 100 at once, then nothing until a granule passes.
        assert_eq!(passes(&mut b, 0, 1000, 1), 100);
        assert!(!b.take(5 * MS));
        // 10 ms later one token (100/s in 10 ms steps).
        assert!(b.take(10 * MS));
        assert!(!b.take(10 * MS + 1));
        // Flooded for 10 s: 100 per second.
        let n = passes(&mut b, 20 * MS, 10 * S + 20 * MS, 100_000);
        assert_eq!(n, 1000);
    }

    #[test]
    fn refill_stops_at_the_burst() {
        let mut b = Bucket::new(Rate::per_second(50.0), 1.0, 0);
        assert_eq!(passes(&mut b, 0, 100, 1), 50);
        // Idle for a minute: still only 50 at once.
        assert_eq!(passes(&mut b, 60 * S, 60 * S + 100, 1), 50);
    }

    #[test]
    fn fractional_rates() {
        // Half an event per second: one now (burst of one), then one every 2 s.
        let mut b = Bucket::new(Rate::per_second(0.5), 1.0, 0);
        assert_eq!(passes(&mut b, 0, 10 * S, MS), 1 + 4);
        // 2.5 per second: 2 at once (the burst holds 2.5, whole tokens pass), 25 over 10 s.
        let mut b = Bucket::new(Rate::per_second(2.5), 1.0, 0);
        assert_eq!(passes(&mut b, 0, 1000, 1), 2);
        let n = passes(&mut b, MS, 10 * S + MS, MS);
        assert!((24..=26).contains(&n), "{n}");
    }

    #[test]
    fn time_range_and_windows() {
        // 600 per minute in 6 steps: 100 every 10 s, burst 600.
        let r = Rate {
            rate: 600.0,
            range_ns: 60 * S,
            windows: 6,
        };
        let mut b = Bucket::new(r, 1.0, 0);
        assert_eq!(passes(&mut b, 0, 1000, 1), 600);
        assert_eq!(passes(&mut b, 1000, 9 * S, MS), 0);
        assert_eq!(passes(&mut b, 10 * S, 10 * S + 1000, 1), 100);
    }

    #[test]
    fn a_share_scales_rate_and_burst() {
        let mut b = Bucket::new(Rate::per_second(1000.0), 0.25, 0);
        assert_eq!(passes(&mut b, 0, 1000, 1), 250);
        let n = passes(&mut b, 10 * MS, 10 * S + 10 * MS, 10_000);
        assert_eq!(n, 2500);
        // Growing the share mints no tokens; shrinking it gives up the excess.
        b.set_share(1.0, 20 * S);
        let n = passes(&mut b, 20 * S, 21 * S, 10_000);
        // 99 granule boundaries in (20 s, 21 s).
        assert_eq!(n, 250 + 990, "{n}");
        b.set_share(0.1, 30 * S);
        assert_eq!(b.tokens(30 * S), 100.0);
    }

    #[test]
    fn clock_steps_inside_a_granule_add_nothing() {
        let mut b = Bucket::new(Rate::per_second(100.0), 1.0, 3 * MS);
        for _ in 0..100 {
            assert!(b.take(3 * MS));
        }
        assert!(!b.take(9 * MS));
        assert!(b.take(10 * MS));
    }
}
