//! Traffic shaping: per-class token buckets on every ingest shard, host-wide rates, and
//! load-adaptive shedding.
//!
//! # Per event (after the script, before routing)
//! The script classifies: `$class` (string), `$rate` (events per `$time_range`, default one
//! second; fractional rates work), optionally `$dimensions` (one bucket per distinct value
//! within the class, at most `cardinality`, least recently used evicted and counted),
//! `$time_range`/`$windows` (tremor's: the refill granule is `time_range / windows`) and
//! `$priority`. An event without `$class` passes unshaped; one whose fields are unusable
//! goes to `err` with a message naming the field. Otherwise, in order:
//! 1. shed under load: if its priority is being shed, it goes to `overflow` or is dropped
//!    (config `shed`), counted by reason; see `shed.rs`;
//! 2. its bucket: a token passes it on (`out`), none sends it to `overflow`.
//!
//! Semantics follow tremor's `grouper::bucket` where the issue does not say otherwise: a
//! missing `$class` passes instead of going to `err`, rates are token buckets (burst of one
//! time range's worth, see `bucket.rs`) rather than sliding windows, and `cardinality` is a
//! pipeline setting rather than metadata.
//!
//! # Host-wide rates
//! A class's rate is for the whole host. Each ingest shard owns its shaper (no shared state,
//! nothing per event crosses cores); every `share_interval` (5 ms) shards swap their
//! smoothed per-bucket arrivals over SPSC rings and give each bucket a share of the rate in
//! proportion to where its events arrive, plus a small borrow margin. The arithmetic and
//! its guarantees are in `split.rs`; `tests.rs` simulates four shards on a driven clock.
//!
//! # Time
//! Nothing here reads a clock: every call takes `now_ns` (the read's ingest time on the
//! event path, the tick time on the control path), so tests drive time.

mod bucket;
pub(crate) mod control;
mod plan;
mod request;
mod shed;
mod split;
mod table;
#[cfg(test)]
mod tests;

use sluice_script::Value;

use crate::metrics::ShaperCounters;
pub use bucket::{Bucket, Rate};
pub use plan::{ShaperPlan, ShedAction};
pub use request::Invalid;
pub use shed::{Pressure, Shedder};
pub use split::{mesh, Peers, Report, Split};
pub use table::Table;

/// Where an event goes.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// On, unchanged route (within its rate, or unshaped).
    Pass,
    /// Over its rate: to `overflow`.
    Overflow,
    /// Shed under load (to `overflow` or dropped, by `ShedAction`).
    Shed(ShedAction),
    /// Unusable metadata: to `err` with this message.
    Invalid(String),
}

/// One pipeline's shaper on one shard. `!Send` by way of the ingest shard that owns it.
pub struct Shaper {
    plan: ShaperPlan,
    table: Table,
    split: Split,
    shed: Shedder,
    counters: ShaperCounters,
    scratch: Vec<u8>,
    /// Latency is sampled: one passed event in `SAMPLE`.
    sample: u32,
    /// Metrics slot of the class of the last event decided.
    last_stats: usize,
}

const SAMPLE: u32 = 16;

impl Shaper {
    /// A shaper for `plan` on one of `shards` ingest shards.
    #[must_use]
    pub fn new(plan: &ShaperPlan, shards: usize) -> Shaper {
        // Only priorities of classes actually seen become shed levels (noted per event).
        let shed = Shedder::new(
            plan.high_water,
            plan.low_water,
            u64::try_from(plan.shed_step.as_nanos()).unwrap_or(u64::MAX),
        );
        Shaper {
            table: Table::new(plan.cardinality, plan.max_classes),
            split: Split::new(shards, plan.borrow),
            shed,
            counters: ShaperCounters::new(plan.metrics_classes),
            scratch: Vec::with_capacity(256),
            sample: 0,
            last_stats: 0,
            plan: plan.clone(),
        }
    }

    /// Decides one event's fate from its metadata at `now_ns`; `lossless` when its source
    /// must not lose data.
    #[inline]
    pub fn decide(&mut self, meta: &Value<'_>, lossless: bool, now_ns: u64) -> Verdict {
        let req = match request::read(meta) {
            Ok(Some(r)) => r,
            Ok(None) => {
                self.counters.unshaped += 1;
                return Verdict::Pass;
            }
            Err(e) => return self.invalid(&e),
        };
        let (plan, counters) = (&self.plan, &mut self.counters);
        let c = match self.table.class(req.class, |name| {
            let p = plan
                .priorities
                .iter()
                .find(|(n, _)| n == name)
                .map_or(plan.default_priority, |(_, p)| *p);
            (p, counters.slot(name))
        }) {
            Ok(c) => c,
            Err(t) => {
                let msg = format!(
                    "`$class` {:?} would be class number {} of this shard, past `max_classes`",
                    req.class,
                    t.0 + 1
                );
                self.counters.invalid += 1;
                return Verdict::Invalid(msg);
            }
        };
        let (class_prio, stats) = {
            let k = &self.table.classes()[c];
            (k.priority, k.stats)
        };
        self.last_stats = stats;
        let prio = req.priority.unwrap_or(class_prio);
        if !self.shed.idle() && self.shed.sheds(prio) && !(lossless && self.plan.pause_lossless) {
            self.counters.classes[stats].1.shed_one(self.shed.reason());
            return Verdict::Shed(self.plan.shed);
        }
        self.shed.note(prio);
        let key: &[u8] = match req.dimensions {
            None => &[],
            Some(d) => {
                if let Err(e) =
                    request::encode_dimensions(d, &mut self.scratch, self.plan.max_dimension_bytes)
                {
                    return self.invalid(&e);
                }
                &self.scratch
            }
        };
        let found = self
            .table
            .bucket(c, key, req.rate, self.split.initial_share(), now_ns);
        let cc = &mut self.counters.classes[stats].1;
        if found.evicted {
            cc.evicted += 1;
        }
        let e = self.table.entry(found.slot);
        e.bucket.set_rate(req.rate);
        e.arrivals = e.arrivals.saturating_add(1);
        if e.bucket.take(now_ns) {
            cc.passed += 1;
            Verdict::Pass
        } else {
            cc.overflowed += 1;
            Verdict::Overflow
        }
    }

    #[cold]
    fn invalid(&mut self, e: &Invalid) -> Verdict {
        self.counters.invalid += 1;
        Verdict::Invalid(e.to_string())
    }

    /// Whether a passed event's latency should be recorded (one in 16).
    #[inline]
    pub fn sample_latency(&mut self) -> bool {
        self.sample = self.sample.wrapping_add(1);
        self.sample % SAMPLE == 0
    }

    /// Records the latency of the event just passed by [`Shaper::decide`].
    pub fn record_latency(&mut self, ns: u64) {
        if let Some(c) = self.counters.classes.get_mut(self.last_stats) {
            c.1.latency.record(ns);
        }
    }

    /// A share tick at `now_ns` under `pressure`: returns this shard's arrivals report.
    pub fn tick(&mut self, now_ns: u64, pressure: Pressure) -> Vec<(u64, f32)> {
        self.shed.tick(now_ns, pressure);
        self.split.tick(&mut self.table, now_ns)
    }

    /// Takes in a peer's arrivals.
    pub fn absorb(&mut self, from: usize, arrivals: &[(u64, f32)]) {
        self.split.absorb(from, arrivals);
    }

    /// Are lossless sources to pause reading now?
    #[must_use]
    pub fn pausing(&self) -> bool {
        self.plan.pause_lossless && !self.shed.idle()
    }

    /// Its counters.
    #[must_use]
    pub fn counters(&self) -> &ShaperCounters {
        &self.counters
    }

    /// Its shedding state.
    #[must_use]
    pub fn shedder(&self) -> &Shedder {
        &self.shed
    }

    /// Its buckets.
    pub fn table(&mut self) -> &mut Table {
        &mut self.table
    }

    /// How often it wants a share tick.
    #[must_use]
    pub fn share_interval(&self) -> std::time::Duration {
        self.plan.share_interval
    }

    /// The `overflow` port.
    #[must_use]
    pub fn overflow_port(&self) -> usize {
        self.plan.overflow_port
    }
}
