//! tremor-script interpreter cost on ~600-byte JSON log records.
//!
//! - `script_only`: the classification script (match on two fields, set `$class` and
//!   `$rate`, emit) on values decoded once; the script does not modify the event, so the
//!   same values are reused and only the metadata record is cleared between runs.
//! - `decode_script_encode`: the whole per-event path: copy the line into the reusable
//!   buffer, decode, run, encode the emitted value.
//!
//! Run: `taskset -c 1 cargo bench -p sluice-bench --bench script -- --warm-up-time 1 --measurement-time 3`

use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use sluice_script::stdlib::Env;
use sluice_script::{write_json, CompileOptions, JsonDecoder, Outcome, Runner, Script, Value};

// The 10-line classification script: match on two fields, set `$class` and `$rate`, emit.
const CLASSIFY: &str = include_str!("../data/classify.tremor");

fn corpus() -> Vec<Vec<u8>> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/script_logs.ndjson");
    std::fs::read_to_string(path)
        .expect("bench/data/script_logs.ndjson")
        .lines()
        .map(|l| l.as_bytes().to_vec())
        .collect()
}

fn runner() -> Runner {
    let script = Script::compile(CLASSIFY, &CompileOptions::new("classify.tremor"))
        .unwrap_or_else(|d| panic!("{d}"));
    Runner::new(Arc::new(script), Env::default(), Value::Null)
}

fn bench(c: &mut Criterion) {
    let lines = corpus();
    let total: usize = lines.iter().map(Vec::len).sum();
    let mean = total as u64 / lines.len() as u64;

    let mut g = c.benchmark_group("script");
    g.throughput(Throughput::Elements(1));
    {
        let mut bufs = lines.clone();
        let mut dec = JsonDecoder::new();
        let mut events: Vec<Value<'_>> = bufs.iter_mut().map(|b| dec.decode(b).unwrap()).collect();
        let mut meta = Value::record();
        let mut r = runner();
        let mut i = 0;
        g.bench_function("script_only", |b| {
            b.iter(|| {
                let e = &mut events[i % 256];
                i += 1;
                let o = r.run(e, &mut meta, 0, None);
                if let Some(m) = meta.as_record_mut() {
                    m.clear();
                }
                o
            });
        });
    }
    g.throughput(Throughput::Bytes(mean));
    {
        let mut dec = JsonDecoder::new();
        let mut r = runner();
        let mut buf: Vec<u8> = Vec::with_capacity(4096);
        let mut out: Vec<u8> = Vec::with_capacity(4096);
        let mut i = 0;
        g.bench_function("decode_script_encode", |b| {
            b.iter(|| {
                let line = &lines[i % lines.len()];
                i += 1;
                buf.clear();
                buf.extend_from_slice(line);
                out.clear();
                let mut event = dec.decode(&mut buf).unwrap();
                let mut meta = Value::record();
                if let Ok(Outcome::Emit { .. }) = r.run(&mut event, &mut meta, 0, None) {
                    write_json(&event, &mut out);
                }
                out.len()
            });
        });
        g.bench_function("decode_script_reemit", |b| {
            b.iter(|| {
                let line = &lines[i % lines.len()];
                i += 1;
                buf.clear();
                buf.extend_from_slice(line);
                out.clear();
                let mut event = dec.decode(&mut buf).unwrap();
                let mut meta = Value::record();
                match r.run(&mut event, &mut meta, 0, None) {
                    // Unchanged events go out as their original bytes.
                    Ok(Outcome::Emit {
                        event_changed: false,
                        ..
                    }) => out.extend_from_slice(line),
                    Ok(Outcome::Emit { .. }) => write_json(&event, &mut out),
                    _ => {}
                }
                out.len()
            });
        });
        g.bench_function("decode_encode_baseline", |b| {
            b.iter(|| {
                let line = &lines[i % lines.len()];
                i += 1;
                buf.clear();
                buf.extend_from_slice(line);
                out.clear();
                let event = dec.decode(&mut buf).unwrap();
                write_json(&event, &mut out);
                out.len()
            });
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
