//! A pipeline's shaper as configured (validated by the binary's config loader).

use std::time::Duration;

/// What happens to an event shed under load.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShedAction {
    /// Sent to the pipeline's `overflow` port (like an event over its rate).
    Overflow,
    /// Dropped (and counted).
    Drop,
}

/// `shaper = "bucket"` or `shaper = { kind = "bucket", ... }` on a pipeline.
#[derive(Debug, Clone)]
pub struct ShaperPlan {
    /// Buckets per class (one per distinct `$dimensions`), least recently used evicted.
    pub cardinality: usize,
    /// Classes per shard at most; events of further classes go to `err`.
    pub max_classes: usize,
    /// Classes with their own metrics label; the rest are counted as `class="other"`.
    pub metrics_classes: usize,
    /// Largest encoded `$dimensions` value, bytes.
    pub max_dimension_bytes: usize,
    /// Priority by class name (higher is more important; the lowest is shed first).
    pub priorities: Vec<(String, u8)>,
    /// Priority of classes not in the table.
    pub default_priority: u8,
    /// Where shed events go.
    pub shed: ShedAction,
    /// Ring fill (0..1) at which shedding starts.
    pub high_water: f64,
    /// Ring fill (0..1) at or below which it eases off.
    pub low_water: f64,
    /// Least time between two changes of the shed level.
    pub shed_step: Duration,
    /// Lossless sources (tcp, stdin, file) pause reading under pressure instead of shedding.
    pub pause_lossless: bool,
    /// How often shards exchange arrivals and recompute their shares.
    pub share_interval: Duration,
    /// Extra share every shard may use beyond its proportional one (0.02 = 2%).
    pub borrow: f64,
    /// Index of the pipeline's `overflow` port.
    pub overflow_port: usize,
}

impl ShaperPlan {
    /// The defaults, with the `overflow` port at `overflow_port`.
    #[must_use]
    pub fn bucket(overflow_port: usize) -> ShaperPlan {
        ShaperPlan {
            cardinality: 1000,
            max_classes: 10_000,
            metrics_classes: 64,
            max_dimension_bytes: 4096,
            priorities: Vec::new(),
            default_priority: 0,
            shed: ShedAction::Overflow,
            high_water: 0.8,
            low_water: 0.5,
            shed_step: Duration::from_millis(50),
            pause_lossless: false,
            share_interval: Duration::from_millis(5),
            borrow: 0.02,
            overflow_port,
        }
    }
}
