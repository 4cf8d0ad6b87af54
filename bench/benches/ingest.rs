//! The in-memory ceiling for JSON passthrough on one pinned core, on the same ~600-byte
//! records the end-to-end run sends:
//! - `validate`: `JsonDecoder::validate`, what a passthrough pipeline does per event (the
//!   direct scan for frames already in the encoder's form, simd-json's tape otherwise);
//! - `decode_encode`: build the value and serialise it again (what re-encoding costs);
//! - `ingest_path`: Sluice's whole ingest path in memory: framing, validation, batching,
//!   the SPSC ring to the sink side and back (no sockets).
//! - `decode_script_encode`: decode, run `bench/data/classify_enrich.tremor` (every event
//!   changed), and encode the whole value (`write_json`, the reference);
//! - `script_reencode`: the whole ingest path with that script and a JSON sink.

use std::sync::Arc;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use sluice_script::stdlib::Env;
use sluice_script::{write_json, CompileOptions, JsonDecoder, Runner, Script, Value};
use sluice_shards::{mesh, Ingest, OnFull, Plan, Read, ScriptPlan};

const ENRICH: &str = include_str!("../data/classify_enrich.tremor");

fn enrich() -> Arc<Script> {
    Arc::new(
        Script::compile(ENRICH, &CompileOptions::new("classify_enrich.tremor")).expect("compiles"),
    )
}

fn benches(c: &mut Criterion) {
    let cpu = std::env::var("BENCH_CPU")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    sluice_bench::pin(cpu);
    let lines = sluice_bench::corpus("json600.jsonl");
    let bytes: usize = lines.iter().map(|l| l.len() + 1).sum();
    let mut g = c.benchmark_group("json600");
    g.throughput(Throughput::Bytes(bytes as u64));

    let mut dec = JsonDecoder::new();
    let mut scratch = Vec::with_capacity(4096);
    g.bench_function("validate", |b| {
        b.iter(|| {
            for l in &lines {
                scratch.clear();
                scratch.extend_from_slice(l);
                dec.validate(&mut scratch).expect("valid");
            }
        });
    });

    let mut out = Vec::with_capacity(bytes + 1024);
    g.bench_function("decode_encode", |b| {
        b.iter(|| {
            out.clear();
            for l in &lines {
                scratch.clear();
                scratch.extend_from_slice(l);
                let v = dec.decode(&mut scratch).expect("valid");
                write_json(&v, &mut out);
                out.push(b'\n');
            }
        });
    });

    let mut runner = Runner::new(enrich(), Env::default(), Value::Null);
    g.bench_function("decode_script_encode", |b| {
        b.iter(|| {
            out.clear();
            for l in &lines {
                scratch.clear();
                scratch.extend_from_slice(l);
                let mut v = dec.decode(&mut scratch).expect("valid");
                runner
                    .run(&mut v, &mut Value::record(), 0, None)
                    .expect("runs");
                write_json(&v, &mut out);
                out.push(b'\n');
            }
        });
    });

    let mut chunk = Vec::with_capacity(bytes);
    for l in &lines {
        chunk.extend_from_slice(l);
        chunk.push(b'\n');
    }
    ingest_bench(
        &mut g,
        "ingest_path",
        &chunk,
        &Plan::stdin_to_blackhole("json"),
    );
    let mut p = Plan::stdin_to_blackhole("json");
    p.pipelines[0].script = Some(ScriptPlan {
        script: enrich(),
        args: Value::record(),
        ports: vec![0, 1],
    });
    ingest_bench(&mut g, "script_reencode", &chunk, &p);
    g.finish();
}

/// The in-memory ingest path of plan `p` over `chunk`.
fn ingest_bench(
    g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    name: &str,
    chunk: &[u8],
    p: &Plan,
) {
    let (mut il, mut sl) = mesh(1, 1, 64).expect("mesh");
    let mut ing = Ingest::new(p, il.remove(0)).expect("ingest");
    let (mut links, _parking) = sl.remove(0);
    let stream = ing.open_stream(0);
    g.bench_function(name, |b| {
        b.iter(|| {
            // Reads of 64 KiB, as a busy TCP connection delivers them.
            for part in chunk.chunks(64 * 1024) {
                ing.chunk(
                    &stream,
                    part,
                    &Read {
                        now_ns: 1,
                        lossless: true,
                        origin: None,
                    },
                );
                while ing.try_flush(OnFull::Block, 0) {
                    drain(&mut links);
                }
                drain(&mut links);
            }
        });
    });
    // Every event went out on `out` (a failing script would measure the error path).
    let c = &ing.counters.pipelines[0];
    assert!(
        c.errors == 0 && c.ports[0] == c.events,
        "{name}: events did not all leave on out"
    );
}

fn drain(links: &mut [sluice_shards::SinkLink]) {
    while let Ok(mut b) = links[0].rx.pop() {
        b.clear();
        let _ = links[0].recycle.push(b);
    }
}

criterion_group! {
    name = ingest;
    config = Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(4));
    targets = benches
}
criterion_main!(ingest);
