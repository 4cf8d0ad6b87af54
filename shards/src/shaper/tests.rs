//! The shaper on a driven clock: several shards' shapers exchanging reports over the real
//! report mesh, events fed at chosen rates, passes counted.

use sluice_script::{Record, Value};

use super::*;

const MS: u64 = 1_000_000;
const S: u64 = 1_000_000_000;

fn meta(class: &str, rate: f64) -> Value<'static> {
    let mut r = Record::new();
    r.insert("class", Value::from(class.to_string()));
    r.insert("rate", Value::F64(rate));
    Value::Record(r)
}

/// `n` shards with their shapers and report rings.
struct Host {
    shapers: Vec<Shaper>,
    peers: Vec<Peers>,
    /// Fractional event debt per shard.
    debt: Vec<f64>,
}

impl Host {
    fn new(n: usize) -> Host {
        let plan = ShaperPlan::bucket(2);
        Host {
            shapers: (0..n).map(|_| Shaper::new(&plan, n)).collect(),
            peers: mesh(n),
            debt: vec![0.0; n],
        }
    }

    fn tick(&mut self, now: u64) {
        for (s, p) in self.shapers.iter_mut().zip(&mut self.peers) {
            let arrivals = s.tick(now, Pressure::default());
            p.send(&Report {
                from: p.index,
                pipeline: 0,
                arrivals,
            });
        }
        for (s, p) in self.shapers.iter_mut().zip(&mut self.peers) {
            p.drain(|r| s.absorb(r.from, &r.arrivals));
        }
    }

    /// Runs from `from` to `to` with `demand[k]` events/s of `m` arriving on shard k, in
    /// 100 µs steps with a share tick every 5 ms; returns passes per shard.
    fn run(&mut self, m: &Value<'_>, demand: &[f64], from: u64, to: u64) -> Vec<u64> {
        let mut passed = vec![0; self.shapers.len()];
        let step = 100_000;
        let mut t = from;
        while t < to {
            if t % (5 * MS) == 0 {
                self.tick(t);
            }
            for (k, d) in demand.iter().enumerate() {
                #[allow(clippy::cast_precision_loss)]
                let due = d * step as f64 / S as f64;
                self.debt[k] += due;
                while self.debt[k] >= 1.0 {
                    self.debt[k] -= 1.0;
                    if self.shapers[k].decide(m, false, t) == Verdict::Pass {
                        passed[k] += 1;
                    }
                }
            }
            t += step;
        }
        passed
    }
}

fn within(got: u64, want: f64, tolerance: f64) -> bool {
    #[allow(clippy::cast_precision_loss)]
    let got = got as f64;
    (got - want).abs() <= want * tolerance
}

#[test]
fn skewed_arrival_keeps_the_host_rate() {
    // 90% of a class on one of 4 shards; demand four times the rate.
    let rate = 1000.0;
    let m = meta("app", rate);
    let mut h = Host::new(4);
    let demand = [3600.0, 133.3, 133.3, 133.4];
    // The first second spends the (split) initial burst.
    h.run(&m, &demand, 0, S);
    let passed = h.run(&m, &demand, S, 11 * S);
    let total: u64 = passed.iter().sum();
    assert!(
        within(total, rate * 10.0, 0.05),
        "{total} over 10 s: {passed:?}"
    );
    // And each shard got about its proportional part.
    assert!(within(passed[0], rate * 9.0, 0.06), "{passed:?}");
}

#[test]
fn skew_below_the_rate_passes_everything() {
    let m = meta("app", 1000.0);
    let mut h = Host::new(4);
    let demand = [720.0, 30.0, 30.0, 20.0];
    let passed = h.run(&m, &demand, 0, 10 * S);
    let total: u64 = passed.iter().sum();
    assert!(total >= 7990, "{total} of 8000 offered: {passed:?}");
}

#[test]
fn a_class_on_one_shard_gets_its_full_rate() {
    let rate = 500.0;
    let m = meta("solo", rate);
    let mut h = Host::new(4);
    let demand = [0.0, 0.0, 2000.0, 0.0];
    h.run(&m, &demand, 0, S);
    let passed = h.run(&m, &demand, S, 11 * S);
    assert!(within(passed[2], rate * 10.0, 0.01), "{passed:?}");
    assert_eq!(passed[0] + passed[1] + passed[3], 0);
}

#[test]
fn a_class_that_moves_shards_converges_within_100ms() {
    let rate = 1000.0;
    let m = meta("mover", rate);
    let mut h = Host::new(4);
    h.run(&m, &[3000.0, 0.0, 0.0, 0.0], 0, 2 * S);
    // It moves to shard 1 at t = 2 s. After 100 ms shard 1 must be passing the full rate.
    h.run(&m, &[0.0, 3000.0, 0.0, 0.0], 2 * S, 2 * S + 100 * MS);
    let share = |h: &mut Host, k: usize| {
        h.shapers[k]
            .table()
            .entries_mut()
            .map(|e| e.bucket.share())
            .next()
            .unwrap_or(0.0)
    };
    assert!(share(&mut h, 1) >= 0.99, "share {}", share(&mut h, 1));
    let passed = h.run(
        &m,
        &[0.0, 3000.0, 0.0, 0.0],
        2 * S + 100 * MS,
        3 * S + 100 * MS,
    );
    assert!(within(passed[1], rate, 0.05), "{passed:?}");
}

#[test]
fn many_classes_each_keep_their_rate() {
    let mut h = Host::new(2);
    let a = meta("a", 100.0);
    let b = meta("b", 400.0);
    // Each class spends its burst first.
    h.run(&a, &[1000.0, 0.0], 0, S);
    let pa = h.run(&a, &[1000.0, 0.0], S, 6 * S);
    h.run(&b, &[500.0, 500.0], 6 * S, 7 * S);
    let pb = h.run(&b, &[500.0, 500.0], 7 * S, 12 * S);
    assert!(within(pa.iter().sum(), 500.0, 0.05), "{pa:?}");
    assert!(within(pb.iter().sum(), 2000.0, 0.05), "{pb:?}");
}

fn shaper_with(priorities: &[(&str, u8)], shed: ShedAction, pause: bool) -> Shaper {
    let mut plan = ShaperPlan::bucket(2);
    plan.priorities = priorities
        .iter()
        .map(|(n, p)| ((*n).to_string(), *p))
        .collect();
    plan.shed = shed;
    plan.pause_lossless = pause;
    Shaper::new(&plan, 1)
}

const FULL: Pressure = Pressure {
    fill: 1.0,
    waiting: true,
};

#[test]
fn a_full_ring_sheds_the_lowest_priorities_first_then_recovers() {
    let mut s = shaper_with(
        &[("audit", 9), ("app", 5), ("debug", 1)],
        ShedAction::Drop,
        false,
    );
    let (audit, app, debug) = (meta("audit", 1e9), meta("app", 1e9), meta("debug", 1e9));
    let mut t = 0;
    for m in [&audit, &app, &debug] {
        assert_eq!(s.decide(m, false, t), Verdict::Pass);
    }
    // The ring stays full: debug goes first, 50 ms later app, audit never.
    t += 100 * MS;
    s.tick(t, FULL);
    assert_eq!(s.decide(&debug, false, t), Verdict::Shed(ShedAction::Drop));
    assert_eq!(s.decide(&app, false, t), Verdict::Pass);
    t += 50 * MS;
    s.tick(t, FULL);
    assert_eq!(s.decide(&app, false, t), Verdict::Shed(ShedAction::Drop));
    assert_eq!(s.decide(&audit, false, t), Verdict::Pass);
    for _ in 0..20 {
        t += 50 * MS;
        s.tick(t, FULL);
    }
    assert_eq!(s.decide(&audit, false, t), Verdict::Pass);
    // Between the water marks: still shedding.
    t += 50 * MS;
    s.tick(
        t,
        Pressure {
            fill: 0.6,
            waiting: false,
        },
    );
    assert_eq!(s.decide(&app, false, t), Verdict::Shed(ShedAction::Drop));
    // Pressure gone: app comes back first, then debug.
    t += 50 * MS;
    s.tick(t, Pressure::default());
    assert_eq!(s.decide(&app, false, t), Verdict::Pass);
    assert_eq!(s.decide(&debug, false, t), Verdict::Shed(ShedAction::Drop));
    t += 50 * MS;
    s.tick(t, Pressure::default());
    assert_eq!(s.decide(&debug, false, t), Verdict::Pass);
    let c = s.counters();
    let debug_c = &c.classes.iter().find(|(n, _)| n == "debug").unwrap().1;
    assert_eq!(debug_c.shed, vec![("backpressure", 2)]);
    assert_eq!(debug_c.passed, 2);
}

#[test]
fn script_priority_overrides_the_table_and_lossless_may_pause_instead() {
    let mut s = shaper_with(&[("a", 1), ("b", 8)], ShedAction::Overflow, true);
    let mut m = meta("a", 1e9);
    let b = meta("b", 1e9);
    s.decide(&m, false, 0);
    s.decide(&b, false, 0);
    s.tick(100 * MS, FULL);
    assert_eq!(
        s.decide(&m, false, 100 * MS),
        Verdict::Shed(ShedAction::Overflow)
    );
    // A lossless source's events are not shed: it pauses reading instead.
    assert_eq!(s.decide(&m, true, 100 * MS), Verdict::Pass);
    assert!(s.pausing());
    if let Value::Record(r) = &mut m {
        r.insert("priority", Value::I64(8));
    }
    assert_eq!(s.decide(&m, false, 100 * MS), Verdict::Pass);
}

#[test]
fn bad_metadata_goes_to_err_with_a_message() {
    let mut s = shaper_with(&[], ShedAction::Overflow, false);
    let mut bad = Record::new();
    bad.insert("class", Value::from("a"));
    bad.insert("rate", Value::from("lots"));
    match s.decide(&Value::Record(bad), false, 0) {
        Verdict::Invalid(m) => assert_eq!(
            m,
            "`$rate` must be a positive number of events per time range, got the string \"lots\""
        ),
        v => panic!("{v:?}"),
    }
    let mut bad = Record::new();
    bad.insert("class", Value::Array(vec![]));
    bad.insert("rate", Value::I64(1));
    assert_eq!(
        s.decide(&Value::Record(bad), false, 0),
        Verdict::Invalid("`$class` must be a string, got array".into())
    );
    let Value::Record(mut bad) = meta("a", 5.0) else {
        unreachable!()
    };
    bad.insert("dimensions", Value::F64(f64::NAN));
    assert_eq!(
        s.decide(&Value::Record(bad), false, 0),
        Verdict::Invalid("`$dimensions` cannot be hashed: it holds a NaN".into())
    );
    assert_eq!(s.counters().invalid, 3);
    // No `$class` at all: unshaped.
    assert_eq!(s.decide(&Value::record(), false, 0), Verdict::Pass);
    assert_eq!(s.counters().unshaped, 1);
}

#[test]
fn dimensions_split_a_class_and_evictions_are_counted() {
    let mut plan = ShaperPlan::bucket(2);
    plan.cardinality = 2;
    let mut s = Shaper::new(&plan, 1);
    let ev = |host: &str| {
        let Value::Record(mut r) = meta("web", 1.0) else {
            unreachable!()
        };
        r.insert("dimensions", Value::from(host.to_string()));
        Value::Record(r)
    };
    // Rate 1 per host: each host's first passes, its second overflows.
    for h in ["a", "b"] {
        assert_eq!(s.decide(&ev(h), false, 0), Verdict::Pass);
        assert_eq!(s.decide(&ev(h), false, 0), Verdict::Overflow);
    }
    // A third host evicts `a` (least recently used); `a` then comes back with a full bucket.
    assert_eq!(s.decide(&ev("c"), false, 0), Verdict::Pass);
    assert_eq!(s.decide(&ev("a"), false, 0), Verdict::Pass);
    let c = &s.counters().classes[0].1;
    assert_eq!((c.passed, c.overflowed, c.evicted), (4, 2, 2));
}
