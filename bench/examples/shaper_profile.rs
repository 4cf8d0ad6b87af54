//! Times `Shaper::decide` in a loop (for profiling): `cargo run --release -p sluice-bench --example shaper_profile [dims]`.
use std::time::Instant;

use sluice_script::{Record, Value};
use sluice_shards::shaper::{Shaper, ShaperPlan};

fn main() {
    if std::env::var("TABLE").is_ok() {
        return table_only();
    }
    let dims = std::env::args().nth(1).is_some();
    let metas: Vec<Value<'static>> = (0..1000)
        .map(|i| {
            let mut r = Record::new();
            r.insert("class", Value::from(format!("class-{}", i % 10)));
            r.insert("rate", Value::I64(1_000_000));
            if dims {
                r.insert(
                    "dimensions",
                    Value::from(format!("web-{:03}.dc1.example.com", i / 10)),
                );
            }
            Value::Record(r)
        })
        .collect();
    let mut s = Shaper::new(&ShaperPlan::bucket(2), 1);
    let mut now = 0;
    let n = 20_000_000u64;
    let t = Instant::now();
    let mut passed = 0u64;
    for k in 0..n {
        now += 500;
        #[allow(clippy::cast_possible_truncation)]
        let m = &metas[(k % 1000) as usize];
        passed += u64::from(s.decide(m, false, now) == sluice_shards::shaper::Verdict::Pass);
    }
    #[allow(clippy::cast_precision_loss)]
    let ns = t.elapsed().as_nanos() as f64 / n as f64;
    println!(
        "{ns:.1} ns/event, {passed} passed, {} live buckets",
        s.table().entries_mut().count()
    );
}

#[allow(dead_code)]
fn table_only() {
    use sluice_shards::shaper::{Rate, Table};
    let mut t = Table::new(1000, 100);
    let names: Vec<String> = (0..10).map(|i| format!("class-{i}")).collect();
    let n = 20_000_000u64;
    let start = Instant::now();
    let mut x = 0usize;
    for k in 0..n {
        #[allow(clippy::cast_possible_truncation)]
        let name = &names[(k % 10) as usize];
        let c = t.class(name, |_| (0, 0)).unwrap_or(0);
        x += t.bucket(c, &[], Rate::per_second(1e6), 1.0, k).slot;
    }
    #[allow(clippy::cast_precision_loss)]
    let ns = start.elapsed().as_nanos() as f64 / n as f64;
    println!("table only: {ns:.1} ns/event ({x})");
}
