//! The re-encode path for profilers (`valgrind --tool=callgrind`): instruction counts per
//! event do not depend on how busy the machine is. Runs the 1000 lines of
//! `bench/data/json600.jsonl` `rounds` times through one of:
//! - `ingest`: the whole in-memory ingest path with `bench/data/classify_enrich.tremor` (or
//!   the script named by the third argument) and a JSON sink (framing, decode, script,
//!   encode, batches, ring): the script touches known fields, so this is the partial path
//!   (decode those fields only, write the frame back as a patch);
//! - `passthrough`: the same path without a script (validate, forward the raw bytes);
//! - `reference`: decode, script, `write_json` (encode the whole value);
//! - `patch`: `JsonDecoder::decode_patch`, script, `JsonPatch::write`;
//!
//! `cargo run --release -p sluice-bench --example reencode_profile -- ingest 20 [classify_enrich_erase.tremor]`

use std::sync::Arc;

use sluice_script::stdlib::Env;
use sluice_script::{write_json, CompileOptions, JsonDecoder, JsonPatch, Runner, Script, Value};
use sluice_shards::{mesh, Ingest, OnFull, Plan, Read, ScriptPlan};

fn main() {
    let mode = std::env::args().nth(1).unwrap_or_else(|| "ingest".into());
    let rounds: usize = std::env::args()
        .nth(2)
        .and_then(|a| a.parse().ok())
        .unwrap_or(20);
    let lines = sluice_bench::corpus("json600.jsonl");
    let name = std::env::args()
        .nth(3)
        .unwrap_or_else(|| "classify_enrich.tremor".into());
    let path = sluice_bench::data_path(&name);
    let src = std::fs::read_to_string(&path).expect("script file under bench/data");
    let script = Arc::new(Script::compile(&src, &CompileOptions::new(name)).expect("compiles"));
    let mut out = Vec::with_capacity(1 << 20);
    let start = std::time::Instant::now();
    match mode.as_str() {
        "patch" => {
            let mut dec = JsonDecoder::new();
            let mut patch = JsonPatch::new(&script.event_fields().expect("known fields"));
            let mut runner = Runner::new(script, Env::default(), Value::Null);
            let mut scratch = Vec::with_capacity(4096);
            for _ in 0..rounds {
                out.clear();
                for l in &lines {
                    scratch.clear();
                    scratch.extend_from_slice(l);
                    let (mut v, partial) = dec
                        .decode_patch(&mut scratch, l, &mut patch)
                        .expect("valid");
                    runner
                        .run(&mut v, &mut Value::record(), 0, None)
                        .expect("runs");
                    if partial {
                        patch.write(&v, l, &mut out);
                    } else {
                        write_json(&v, &mut out);
                    }
                    out.push(b'\n');
                }
            }
        }
        "reference" => {
            let mut dec = JsonDecoder::new();
            let mut runner = Runner::new(script, Env::default(), Value::Null);
            let mut scratch = Vec::with_capacity(4096);
            for _ in 0..rounds {
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
            }
        }
        "ingest" | "passthrough" => {
            let mut p = Plan::stdin_to_blackhole("json");
            if mode == "ingest" {
                p.pipelines[0].script = Some(ScriptPlan {
                    script,
                    args: Value::record(),
                    ports: vec![0, 1],
                });
            }
            let mut chunk = Vec::new();
            for l in &lines {
                chunk.extend_from_slice(l);
                chunk.push(b'\n');
            }
            let (mut il, mut sl) = mesh(1, 1, 64).expect("mesh");
            let mut ing = Ingest::new(&p, il.remove(0)).expect("ingest");
            let (mut links, _parking) = sl.remove(0);
            let stream = ing.open_stream(0);
            let read = Read {
                now_ns: 1,
                lossless: true,
                origin: None,
            };
            for _ in 0..rounds {
                for part in chunk.chunks(64 * 1024) {
                    ing.chunk(&stream, part, &read);
                    while ing.try_flush(OnFull::Block, 0) {
                        drain(&mut links);
                    }
                    drain(&mut links);
                }
            }
            let c = &ing.counters.pipelines[0];
            assert!(
                c.errors == 0 && c.ports[0] == c.events,
                "events did not all leave on out"
            );
        }
        other => panic!("unknown mode {other}: ingest, passthrough, reference or patch"),
    }
    let n = rounds * lines.len();
    println!(
        "{mode}: {n} events, {:.1} ns/event",
        start.elapsed().as_nanos() as f64 / n as f64
    );
}

fn drain(links: &mut [sluice_shards::SinkLink]) {
    while let Ok(mut b) = links[0].rx.pop() {
        b.clear();
        let _ = links[0].recycle.push(b);
    }
}
