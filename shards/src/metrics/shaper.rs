//! Per-class shaper counters, with a cap on how many classes get their own label.
//!
//! Class names come from the script, so from the data: left unbounded they would grow the
//! metrics without limit. Each pipeline's shaper gives its own slot to the first
//! `label_cap` classes it sees and folds the rest into one slot named `other`; merging the
//! shards' counters applies the same cap again (shards may have met different classes first).

use super::{bump, merge_labelled, Latency};

/// The slot every class past the cap shares.
pub const OTHER: &str = "other";

/// Counters of one class (or of `other`).
#[derive(Debug, Clone, Default)]
pub struct ClassCounters {
    /// Events its buckets let through.
    pub passed: u64,
    /// Events over its rate, sent to the `overflow` port.
    pub overflowed: u64,
    /// Buckets evicted (least recently used) to stay within `cardinality`.
    pub evicted: u64,
    /// Events shed under load, by reason.
    pub shed: Vec<(&'static str, u64)>,
    /// Time from the read that brought an event in to its passing the shaper (sampled).
    pub latency: Latency,
}

impl ClassCounters {
    fn merge(&mut self, o: &ClassCounters) {
        self.passed += o.passed;
        self.overflowed += o.overflowed;
        self.evicted += o.evicted;
        merge_labelled(&mut self.shed, &o.shed);
        self.latency.merge(&o.latency);
    }

    /// Total shed over every reason.
    #[must_use]
    pub fn shed_total(&self) -> u64 {
        self.shed.iter().map(|(_, n)| n).sum()
    }

    /// Counts a shed event.
    pub fn shed_one(&mut self, reason: &'static str) {
        bump(&mut self.shed, reason, 1);
    }
}

/// One pipeline's shaper counters on one shard (or merged).
#[derive(Debug, Clone, Default)]
pub struct ShaperCounters {
    /// Per class, in order of first appearance; `other` last once used.
    pub classes: Vec<(String, ClassCounters)>,
    /// Events without `$class` (they pass unshaped).
    pub unshaped: u64,
    /// Events whose shaping metadata was unusable (they went to `err`).
    pub invalid: u64,
    /// Classes with a label of their own, at most.
    pub label_cap: usize,
}

impl ShaperCounters {
    /// Empty counters with a label cap.
    #[must_use]
    pub fn new(label_cap: usize) -> ShaperCounters {
        ShaperCounters {
            label_cap: label_cap.max(1),
            ..ShaperCounters::default()
        }
    }

    /// The slot for a new class `name`: its own while under the cap, else `other`.
    pub fn slot(&mut self, name: &str) -> usize {
        let own = self.classes.iter().filter(|(n, _)| n != OTHER).count();
        if own < self.label_cap && name != OTHER {
            self.classes
                .push((name.to_string(), ClassCounters::default_coarse()));
            return self.classes.len() - 1;
        }
        self.other()
    }

    fn other(&mut self) -> usize {
        match self.classes.iter().position(|(n, _)| n == OTHER) {
            Some(i) => i,
            None => {
                self.classes
                    .push((OTHER.to_string(), ClassCounters::default_coarse()));
                self.classes.len() - 1
            }
        }
    }

    /// Adds `o` into `self`, by class name, within the cap.
    pub fn merge(&mut self, o: &ShaperCounters) {
        self.label_cap = self.label_cap.max(o.label_cap).max(1);
        self.unshaped += o.unshaped;
        self.invalid += o.invalid;
        for (name, c) in &o.classes {
            let i = match self.classes.iter().position(|(n, _)| n == name) {
                Some(i) => i,
                None => self.slot(name),
            };
            self.classes[i].1.merge(c);
        }
    }

    /// Totals over every class: (passed, overflowed, evicted, shed).
    #[must_use]
    pub fn totals(&self) -> (u64, u64, u64, u64) {
        self.classes.iter().fold((0, 0, 0, 0), |t, (_, c)| {
            (
                t.0 + c.passed,
                t.1 + c.overflowed,
                t.2 + c.evicted,
                t.3 + c.shed_total(),
            )
        })
    }
}

impl ClassCounters {
    fn default_coarse() -> ClassCounters {
        ClassCounters {
            latency: Latency::coarse(),
            ..ClassCounters::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_past_the_cap_fold_into_other() {
        let mut s = ShaperCounters::new(2);
        let a = s.slot("a");
        let b = s.slot("b");
        let c = s.slot("c");
        let d = s.slot("d");
        assert_ne!(a, b);
        assert_eq!(c, d);
        assert_eq!(s.classes[c].0, OTHER);
        assert_eq!(s.classes.len(), 3);
    }

    #[test]
    fn merging_shards_keeps_the_cap() {
        let mut x = ShaperCounters::new(2);
        let i = x.slot("a");
        x.classes[i].1.passed = 5;
        let mut y = ShaperCounters::new(2);
        for (n, v) in [("b", 1), ("c", 2), ("a", 10)] {
            let i = y.slot(n);
            y.classes[i].1.passed += v;
        }
        x.merge(&y);
        let names: Vec<&str> = x.classes.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, vec!["a", "b", "other"]);
        // y had a in `other` (its third class) together with c.
        assert_eq!(x.totals().0, 18);
        assert_eq!(x.classes[0].1.passed, 5);
        assert_eq!(x.classes[2].1.passed, 12);
    }
}
