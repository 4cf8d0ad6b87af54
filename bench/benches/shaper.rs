//! The shaper's cost per event, on one pinned core (`BENCH_CPU`, default 1):
//! - `bucket_take`: one token bucket, the arithmetic alone;
//! - `decide_1000_buckets`: `Shaper::decide` over 1,000 live buckets (10 classes x 100
//!   host dimensions), events cycling through all of them with the clock advancing: read
//!   `$class`/`$rate`/`$dimensions` from the metadata, find the class and bucket (LRU
//!   touch), take a token. What the shaper adds to each event on the ingest path.
//! - `decide_no_dimensions`: the same with one bucket per class.
//!
//! Run: `cargo bench -p sluice-bench --bench shaper -- --warm-up-time 1 --measurement-time 3`

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use sluice_script::{Record, Value};
use sluice_shards::shaper::{Bucket, Rate, Shaper, ShaperPlan};

fn meta(class: usize, host: Option<usize>) -> Value<'static> {
    let mut r = Record::new();
    r.insert("class", Value::from(format!("class-{class}")));
    r.insert("rate", Value::I64(1_000_000));
    if let Some(h) = host {
        r.insert(
            "dimensions",
            Value::from(format!("web-{h:03}.dc1.example.com")),
        );
    }
    Value::Record(r)
}

fn benches(c: &mut Criterion) {
    let cpu = std::env::var("BENCH_CPU")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    sluice_bench::pin(cpu);
    let mut g = c.benchmark_group("shaper");
    g.throughput(Throughput::Elements(1));

    let mut b1 = Bucket::new(Rate::per_second(1e9), 1.0, 0);
    let mut now = 0u64;
    g.bench_function("bucket_take", |b| {
        b.iter(|| {
            now += 500;
            std::hint::black_box(b1.take(now))
        });
    });

    for (name, metas) in [
        (
            "decide_1000_buckets",
            (0..1000)
                .map(|i| meta(i % 10, Some(i / 10)))
                .collect::<Vec<_>>(),
        ),
        (
            "decide_no_dimensions",
            (0..1000).map(|i| meta(i % 10, None)).collect::<Vec<_>>(),
        ),
    ] {
        let mut shaper = Shaper::new(&ShaperPlan::bucket(2), 1);
        let mut now = 0u64;
        for m in &metas {
            shaper.decide(m, false, now);
        }
        let mut i = 0;
        g.bench_function(name, |b| {
            b.iter(|| {
                i = (i + 1) % metas.len();
                now += 500;
                std::hint::black_box(shaper.decide(&metas[i], false, now))
            });
        });
    }
    g.finish();
}

criterion_group!(shaper, benches);
criterion_main!(shaper);
