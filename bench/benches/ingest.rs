//! The in-memory ceiling for JSON passthrough on one pinned core, on the same ~600-byte
//! records the end-to-end run sends:
//! - `validate`: simd-json tape only (what a passthrough pipeline does per event);
//! - `decode_encode`: build the value and serialise it again (what re-encoding costs);
//! - `ingest_path`: Sluice's whole ingest path in memory: framing, validation, batching,
//!   the SPSC ring to the sink side and back (no sockets).

use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use sluice_codecs::{Preprocessor, PreprocessorChain};
use sluice_script::{write_json, JsonDecoder};
use sluice_shards::{
    mesh, ComponentSpec, Ingest, OnFull, PipelinePlan, Plan, SinkKind, SinkPlan, SourceKind,
    SourcePlan,
};

fn plan() -> Plan {
    Plan {
        ingest_cpus: vec![0],
        sink_cpus: vec![0],
        ring_capacity: 64,
        batch_bytes: 64 * 1024,
        metrics_interval: Duration::from_secs(2),
        shutdown_timeout: Duration::from_secs(1),
        sources: vec![SourcePlan {
            id: "in".into(),
            kind: SourceKind::Stdin,
            preprocessors: vec![ComponentSpec::named("separate")],
            codec: ComponentSpec::named("json"),
            pipeline: 0,
            on_full: OnFull::Block,
            read_buffer: 256 * 1024,
        }],
        pipelines: vec![PipelinePlan {
            id: "p".into(),
            ports: vec![("out".into(), vec![0]), ("err".into(), vec![0])],
        }],
        sinks: vec![SinkPlan {
            id: "s".into(),
            kind: SinkKind::Blackhole { hgrm: None },
            codec: ComponentSpec::named("json"),
            postprocessors: vec![ComponentSpec::named("separate")],
            shard: 0,
        }],
    }
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

    let mut chunk = Vec::with_capacity(bytes);
    for l in &lines {
        chunk.extend_from_slice(l);
        chunk.push(b'\n');
    }
    let p = plan();
    let (mut il, mut sl) = mesh(1, 1, 64).expect("mesh");
    let mut ing = Ingest::new(&p, il.remove(0)).expect("ingest");
    let (mut links, _parking) = sl.remove(0);
    let mut chain = PreprocessorChain::new(vec![
        Preprocessor::from_spec("separate", None).expect("separate")
    ]);
    g.bench_function("ingest_path", |b| {
        b.iter(|| {
            // Reads of 64 KiB, as a busy TCP connection delivers them.
            for part in chunk.chunks(64 * 1024) {
                ing.chunk(
                    0,
                    &mut chain,
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
    g.finish();
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
