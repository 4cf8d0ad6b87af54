//! Load-adaptive shedding: when the rings to the sink shards fill up, the least important
//! priorities are shed first, one level at a time, with hysteresis.
//!
//! The pressure signal is what an ingest shard can see of its sinks: how full its rings to
//! the sink shards are (a sink that pushes back stops emptying its ring), and whether a
//! batch is already waiting for room. At each share tick:
//! - fill at or above `high_water`, or a batch waiting: *hot*. If the last change is at
//!   least `shed_step` old, the next priority level present is shed (never the highest
//!   present: when only it is left, the rings' own backpressure takes over).
//! - fill at or below `low_water` and nothing waiting: *cool*. Once `shed_step` has passed,
//!   the most recently shed level comes back.
//! - in between: nothing changes. So shedding neither flaps at one threshold nor stays on
//!   once the sinks keep up.
//!
//! With no pressure the level is 0 and nothing is shed: the buckets are the only limit.

/// What a shard sees of its sinks at a tick.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Pressure {
    /// The fullest ring's fill, 0..=1.
    pub fill: f64,
    /// A batch is waiting for room in a ring.
    pub waiting: bool,
}

/// Why an event was shed (the `reason` label).
pub const HIGH_WATER: &str = "high_water";
/// A batch was waiting for ring room: a sink is pushing back.
pub const BACKPRESSURE: &str = "backpressure";

/// The shedding state of one shaper.
#[derive(Debug, Clone)]
pub struct Shedder {
    high: f64,
    low: f64,
    step_ns: u64,
    /// Priorities seen or configured (bit p).
    present: [u64; 4],
    /// Priorities below this are shed.
    level: u16,
    last_change: u64,
    reason: &'static str,
}

impl Shedder {
    /// A shedder with its water marks (fractions of ring capacity) and step.
    #[must_use]
    pub fn new(high: f64, low: f64, step_ns: u64) -> Shedder {
        Shedder {
            high,
            low,
            step_ns,
            present: [0; 4],
            level: 0,
            last_change: 0,
            reason: HIGH_WATER,
        }
    }

    /// A priority in use (from the config's table, a class, or `$priority`).
    #[inline]
    pub fn note(&mut self, p: u8) {
        self.present[usize::from(p >> 6)] |= 1 << (p & 63);
    }

    fn has(&self, p: u16) -> bool {
        p < 256 && self.present[usize::from(p >> 6)] & (1 << (p & 63)) != 0
    }

    /// Is priority `p` shed now?
    #[inline]
    #[must_use]
    pub fn sheds(&self, p: u8) -> bool {
        u16::from(p) < self.level
    }

    /// Nothing is shed.
    #[inline]
    #[must_use]
    pub fn idle(&self) -> bool {
        self.level == 0
    }

    /// Priorities below this are shed.
    #[must_use]
    pub fn level(&self) -> u16 {
        self.level
    }

    /// The reason current shedding is counted under.
    #[must_use]
    pub fn reason(&self) -> &'static str {
        self.reason
    }

    /// One tick with the pressure seen at `now_ns`.
    pub fn tick(&mut self, now_ns: u64, p: Pressure) {
        let hot = p.waiting || p.fill >= self.high;
        let cool = !p.waiting && p.fill <= self.low;
        let due = now_ns.saturating_sub(self.last_change) >= self.step_ns;
        if hot {
            self.reason = if p.waiting { BACKPRESSURE } else { HIGH_WATER };
            if due {
                let top = (0..256u16).rev().find(|&q| self.has(q));
                let next = (self.level..256).find(|&q| self.has(q));
                if let (Some(next), Some(top)) = (next, top) {
                    if next < top {
                        self.level = next + 1;
                        self.last_change = now_ns;
                    }
                }
            }
        } else if cool && self.level > 0 && due {
            // Give back the most important level shed; at the last one, shed nothing at all.
            self.level = match (0..self.level).rev().find(|&q| self.has(q)) {
                Some(q) if (0..q).any(|x| self.has(x)) => q,
                _ => 0,
            };
            self.last_change = now_ns;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: u64 = 1_000_000;

    fn full() -> Pressure {
        Pressure {
            fill: 1.0,
            waiting: true,
        }
    }

    fn at(fill: f64) -> Pressure {
        Pressure {
            fill,
            waiting: false,
        }
    }

    fn shedder() -> Shedder {
        let mut s = Shedder::new(0.8, 0.5, 50 * MS);
        for p in [1, 5, 9] {
            s.note(p);
        }
        s
    }

    #[test]
    fn no_pressure_sheds_nothing() {
        let mut s = shedder();
        for t in 0..1000 {
            s.tick(t * 5 * MS, at(0.79));
        }
        assert!(s.idle());
        assert!(!s.sheds(0));
    }

    #[test]
    fn lowest_priorities_go_first_one_step_at_a_time_never_the_top() {
        let mut s = shedder();
        let mut t = 100 * MS;
        s.tick(t, full());
        assert!(s.sheds(1) && !s.sheds(5));
        assert_eq!(s.reason(), BACKPRESSURE);
        // Still full 10 ms later: too soon for the next step.
        t += 10 * MS;
        s.tick(t, full());
        assert!(!s.sheds(5));
        t += 50 * MS;
        s.tick(t, at(0.9));
        assert!(s.sheds(5) && !s.sheds(9));
        assert_eq!(s.reason(), HIGH_WATER);
        // The top priority is never shed by the shaper.
        for _ in 0..10 {
            t += 50 * MS;
            s.tick(t, full());
        }
        assert!(!s.sheds(9));
        assert_eq!(s.level(), 6);
    }

    #[test]
    fn hysteresis_between_the_marks_and_full_flow_after() {
        let mut s = shedder();
        let mut t = 100 * MS;
        s.tick(t, full());
        t += 50 * MS;
        s.tick(t, full());
        assert_eq!(s.level(), 6);
        // Between the marks: hold, however long.
        for _ in 0..100 {
            t += 5 * MS;
            s.tick(t, at(0.65));
        }
        assert_eq!(s.level(), 6);
        // Cool: one level back per step, the last shed first.
        t += 5 * MS;
        s.tick(t, at(0.2));
        assert_eq!(s.level(), 5);
        assert!(s.sheds(1) && !s.sheds(5));
        t += 5 * MS;
        s.tick(t, at(0.2));
        assert_eq!(s.level(), 5, "a step needs shed_step to pass");
        t += 50 * MS;
        s.tick(t, at(0.2));
        assert!(s.idle());
    }

    #[test]
    fn a_single_priority_is_never_shed() {
        let mut s = Shedder::new(0.8, 0.5, MS);
        s.note(3);
        for t in 0..100 {
            s.tick(t * 10 * MS, full());
        }
        assert!(s.idle());
    }
}
