//! Per-shard counters and latency histograms, and their merge on the control thread.
//!
//! Each shard owns plain (non-atomic) counters in its own structures and, every
//! `metrics_interval`, sends a cumulative [`Snapshot`] to the control thread over a channel.
//! The control thread keeps the latest snapshot of every shard and merges them on demand
//! (for `/metrics` and the shutdown summary). Nothing on the event path touches shared memory.

mod prometheus;
mod shaper;

use std::time::Duration;

use hdrhistogram::Histogram;

pub use prometheus::render_prometheus;
pub use shaper::{ClassCounters, ShaperCounters};

/// Highest latency a histogram records exactly (ns); larger values are clamped to it.
const HIST_MAX_NS: u64 = 3_600_000_000_000;

/// A latency histogram in nanoseconds, 3 significant digits, 1 ns to 1 h. The histogram
/// is allocated on the first record, so counters that never see latencies cost nothing.
#[derive(Debug, Clone, Default)]
pub struct Latency(Option<Box<Histogram<u64>>>);

fn new_histogram() -> Histogram<u64> {
    match Histogram::new_with_bounds(1, HIST_MAX_NS, 3) {
        Ok(h) => h,
        // Constant, valid bounds: construction cannot fail.
        Err(e) => unreachable!("histogram bounds: {e}"),
    }
}

impl Latency {
    /// A histogram with 2 significant digits (about 36 KB instead of 260 KB), for families
    /// with many label values such as per-class shaper latencies.
    #[must_use]
    pub fn coarse() -> Latency {
        match Histogram::new_with_bounds(1, HIST_MAX_NS, 2) {
            Ok(h) => Latency(Some(Box::new(h))),
            Err(_) => Latency(None),
        }
    }

    /// Records one latency.
    pub fn record(&mut self, ns: u64) {
        self.record_n(ns, 1);
    }

    /// Records `n` events of latency `ns`.
    pub fn record_n(&mut self, ns: u64, n: u64) {
        self.0
            .get_or_insert_with(|| Box::new(new_histogram()))
            .saturating_record_n(ns.clamp(1, HIST_MAX_NS), n);
    }

    /// Adds another histogram's counts.
    pub fn merge(&mut self, other: &Latency) {
        if let Some(o) = &other.0 {
            match &mut self.0 {
                Some(h) => {
                    let _ = h.add(o.as_ref());
                }
                None => self.0 = Some(o.clone()),
            }
        }
    }

    /// Number of recorded values.
    #[must_use]
    pub fn count(&self) -> u64 {
        self.0.as_ref().map_or(0, |h| h.len())
    }

    /// The value at quantile `q` (0..=1), ns; 0 when empty.
    #[must_use]
    pub fn quantile(&self, q: f64) -> u64 {
        self.0.as_ref().map_or(0, |h| h.value_at_quantile(q))
    }

    /// The largest recorded value, ns.
    #[must_use]
    pub fn max(&self) -> u64 {
        self.0.as_ref().map_or(0, |h| h.max())
    }

    /// Mean, ns.
    #[must_use]
    pub fn mean(&self) -> f64 {
        self.0.as_ref().map_or(0.0, |h| h.mean())
    }

    /// Sum of recorded values (from the mean), ns.
    #[must_use]
    #[allow(clippy::cast_precision_loss)]
    pub fn sum(&self) -> f64 {
        self.mean() * self.count() as f64
    }

    /// Writes HdrHistogram's percentile-distribution text (what `HistogramLogProcessor` and
    /// the standard plotter read), values in milliseconds.
    ///
    /// # Errors
    /// I/O errors of `w`.
    pub fn write_hgrm(&self, w: &mut impl std::io::Write) -> std::io::Result<()> {
        match &self.0 {
            Some(h) => write_percentile_distribution(h, w),
            None => write_percentile_distribution(&new_histogram(), w),
        }
    }
}

/// Counters of one source on one shard.
#[derive(Debug, Clone, Default)]
pub struct SourceCounters {
    /// Frames that reached the codec.
    pub events: u64,
    /// Bytes read.
    pub bytes: u64,
    /// Frames that failed, by error kind.
    pub errors: Vec<(&'static str, u64)>,
    /// Events dropped, by reason.
    pub dropped: Vec<(&'static str, u64)>,
    /// Connections accepted so far.
    pub connections: u64,
    /// Connections open now.
    pub connections_open: u64,
    /// Connections refused (over `max_connections` or `memory_budget`).
    pub connections_rejected: u64,
    /// Connections refused, by reason (`max_connections`, `memory_budget`).
    pub refused: Vec<(&'static str, u64)>,
    /// Connections closed after `idle_timeout` without data.
    pub idle_closed: u64,
    /// Bytes of read buffers held by the source's open streams now (a gauge).
    pub read_buffers: u64,
    /// Datagrams the kernel dropped on this shard's socket (receive buffer overflow).
    pub kernel_drops: u64,
    /// Preprocessor counters: (stage, counter, total), e.g. ("gelf-chunking", "timed_out", 3).
    pub preprocessors: Vec<(&'static str, &'static str, u64)>,
    /// Kafka: partitions assigned to this source now.
    pub partitions: u64,
    /// Kafka: offset commits sent (each for every partition that moved).
    pub commits: u64,
}

/// Counters of one pipeline on one shard.
#[derive(Debug, Clone, Default)]
pub struct PipelineCounters {
    /// Events in.
    pub events: u64,
    /// Events out per port (same order as the plan's ports).
    pub ports: Vec<u64>,
    /// Events the pipeline dropped on purpose.
    pub dropped: u64,
    /// Events whose script failed (they went to `err`).
    pub errors: u64,
    /// Ingest-to-sink latency of its events, recorded where they leave.
    pub latency: Latency,
    /// Its shaper's per-class counters (empty without a shaper).
    pub shaper: ShaperCounters,
}

/// Counters of one sink on one shard.
#[derive(Debug, Clone, Default)]
pub struct SinkCounters {
    /// Events written.
    pub events: u64,
    /// Bytes written.
    pub bytes: u64,
    /// Events routed to it but lost, by reason.
    pub dropped: Vec<(&'static str, u64)>,
    /// Failed writes or connects (all kinds, `tls_errors` included).
    pub errors: u64,
    /// Of `errors`, those of TLS: failed handshakes and TLS alerts or record errors.
    pub tls_errors: u64,
    /// Connections (re)established.
    pub connects: u64,
    /// Times the sink reopened its file (SIGHUP, a rotated path, a failed write).
    pub reopens: u64,
    /// Times a file sink with `fsync` had its data reach the disk (`fdatasync`).
    pub syncs: u64,
    /// 1 while the sink can write (a TCP sink is connected, a file sink's last write
    /// worked), else 0. Only the shard that owns the sink sets it, so the merge's sum is it.
    pub up: u64,
    /// Ingest-to-sink latency.
    pub latency: Latency,
}

/// Adds `n` to the counter labelled `label`, creating it on first use.
pub fn bump(list: &mut Vec<(&'static str, u64)>, label: &'static str, n: u64) {
    match list.iter_mut().find(|(l, _)| *l == label) {
        Some((_, c)) => *c += n,
        None => list.push((label, n)),
    }
}

fn merge_labelled(into: &mut Vec<(&'static str, u64)>, from: &[(&'static str, u64)]) {
    for (l, n) in from {
        bump(into, l, *n);
    }
}

/// Everything one shard counts, cumulative since it started.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    /// Per source (plan order).
    pub sources: Vec<SourceCounters>,
    /// Per pipeline (plan order).
    pub pipelines: Vec<PipelineCounters>,
    /// Per sink (plan order).
    pub sinks: Vec<SinkCounters>,
}

impl Snapshot {
    /// Zeroed counters shaped for `plan`.
    #[must_use]
    pub fn for_plan(plan: &crate::Plan) -> Self {
        Snapshot {
            sources: vec![SourceCounters::default(); plan.sources.len()],
            pipelines: plan
                .pipelines
                .iter()
                .map(|p| PipelineCounters {
                    ports: vec![0; p.ports.len()],
                    ..PipelineCounters::default()
                })
                .collect(),
            sinks: vec![SinkCounters::default(); plan.sinks.len()],
        }
    }

    /// Adds `other` into `self` (shapes must match the same plan).
    pub fn merge(&mut self, other: &Snapshot) {
        for (a, b) in self.sources.iter_mut().zip(&other.sources) {
            a.events += b.events;
            a.bytes += b.bytes;
            merge_labelled(&mut a.errors, &b.errors);
            merge_labelled(&mut a.dropped, &b.dropped);
            a.connections += b.connections;
            a.connections_open += b.connections_open;
            a.connections_rejected += b.connections_rejected;
            merge_labelled(&mut a.refused, &b.refused);
            a.idle_closed += b.idle_closed;
            a.read_buffers += b.read_buffers;
            a.kernel_drops += b.kernel_drops;
            a.partitions += b.partitions;
            a.commits += b.commits;
            for (stage, counter, v) in &b.preprocessors {
                match a
                    .preprocessors
                    .iter_mut()
                    .find(|(s, c, _)| s == stage && c == counter)
                {
                    Some(e) => e.2 += v,
                    None => a.preprocessors.push((stage, counter, *v)),
                }
            }
        }
        for (a, b) in self.pipelines.iter_mut().zip(&other.pipelines) {
            a.events += b.events;
            for (x, y) in a.ports.iter_mut().zip(&b.ports) {
                *x += y;
            }
            a.dropped += b.dropped;
            a.errors += b.errors;
            a.latency.merge(&b.latency);
            a.shaper.merge(&b.shaper);
        }
        for (a, b) in self.sinks.iter_mut().zip(&other.sinks) {
            a.events += b.events;
            a.bytes += b.bytes;
            merge_labelled(&mut a.dropped, &b.dropped);
            a.errors += b.errors;
            a.tls_errors += b.tls_errors;
            a.connects += b.connects;
            a.up += b.up;
            a.reopens += b.reopens;
            a.syncs += b.syncs;
            a.latency.merge(&b.latency);
        }
    }
}

/// A snapshot tagged with the shard that sent it.
#[derive(Debug, Clone)]
pub struct ShardReport {
    /// CPU of the shard.
    pub cpu: usize,
    /// "ingest" or "sink".
    pub role: &'static str,
    /// Its counters.
    pub snapshot: Snapshot,
    /// `true` on the last report, sent when the shard stops.
    pub last: bool,
}

/// Default interval between shard reports.
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(2);

/// HdrHistogram's classic percentile output (as `outputPercentileDistribution` prints it),
/// with values scaled from ns to ms.
fn write_percentile_distribution(
    h: &Histogram<u64>,
    w: &mut impl std::io::Write,
) -> std::io::Result<()> {
    const SCALE: f64 = 1_000_000.0;
    writeln!(
        w,
        "{:>12} {:>14} {:>10} {:>14}\n",
        "Value", "Percentile", "TotalCount", "1/(1-Percentile)"
    )?;
    let mut total = 0u64;
    if h.len() > 0 {
        for v in h.iter_quantiles(5) {
            total = v.count_since_last_iteration() + total;
            let q = v.quantile_iterated_to();
            #[allow(clippy::cast_precision_loss)]
            let value = v.value_iterated_to() as f64 / SCALE;
            if q < 1.0 {
                writeln!(
                    w,
                    "{value:>12.3} {q:>14.12} {total:>10} {:>14.2}",
                    1.0 / (1.0 - q)
                )?;
            } else {
                writeln!(w, "{value:>12.3} {q:>14.12} {total:>10}")?;
            }
        }
    }
    #[allow(clippy::cast_precision_loss)]
    let (mean, stddev, max) = (h.mean() / SCALE, h.stdev() / SCALE, h.max() as f64 / SCALE);
    writeln!(
        w,
        "#[Mean    = {mean:>12.3}, StdDeviation   = {stddev:>12.3}]"
    )?;
    writeln!(
        w,
        "#[Max     = {max:>12.3}, Total count    = {:>12}]",
        h.len()
    )?;
    writeln!(
        w,
        "#[Buckets = {:>12}, SubBuckets     = {:>12}]",
        h.buckets(),
        h.distinct_values()
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latency_quantiles_and_merge() {
        let mut a = Latency::default();
        for v in 1..=1000u64 {
            a.record(v * 1000);
        }
        let mut b = Latency::default();
        b.record(5_000_000);
        a.merge(&b);
        assert_eq!(a.count(), 1001);
        let p50 = a.quantile(0.5);
        assert!((499_000..=502_000).contains(&p50), "{p50}");
        assert!(a.max() >= 5_000_000);
    }

    #[test]
    fn hgrm_text_has_the_standard_shape() {
        let mut a = Latency::default();
        for v in 1..=100u64 {
            a.record(v * 1_000_000);
        }
        let mut out = Vec::new();
        a.write_hgrm(&mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.starts_with("       Value     Percentile TotalCount 1/(1-Percentile)"),
            "{text}"
        );
        let last_row = text
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .last()
            .unwrap();
        let cols: Vec<&str> = last_row.split_whitespace().collect();
        assert_eq!(cols[1].parse::<f64>().unwrap(), 1.0);
        assert_eq!(cols[2], "100");
        assert!(
            (cols[0].parse::<f64>().unwrap() - 100.0).abs() < 0.2,
            "{last_row}"
        );
        assert!(text.contains("#[Max     =      100.0"), "{text}");
    }

    #[test]
    fn labelled_counters_merge_by_label() {
        let mut a = vec![("decode", 2)];
        merge_labelled(&mut a, &[("decode", 3), ("frame_too_long", 1)]);
        assert_eq!(a, vec![("decode", 5), ("frame_too_long", 1)]);
    }
}
