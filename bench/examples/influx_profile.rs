//! The Influx -> JSON paths for profilers (`valgrind --tool=callgrind`): instruction counts
//! per line do not depend on how busy the machine is. Runs the 50,000 lines that
//! `bench/connectors.sh` sends `rounds` times through one of:
//! - `ingest`: the whole in-memory ingest path, influx source -> passthrough -> json sink
//!   (framing, the one-pass transcoder, batches, ring);
//! - `ingest-reference`: the same with the identity script `event`, which takes the
//!   reference path (decode, run, encode);
//! - `transcode`: the codec's transcoder alone;
//! - `reference`: the codec's decoder and the json encoder alone.
//!
//! `cargo run --release -p sluice-bench --example influx_profile -- ingest 4`

use std::sync::Arc;

use sluice_codecs::Codec;
use sluice_script::{CompileOptions, Script, Value};
use sluice_shards::{mesh, ComponentSpec, Ingest, OnFull, Plan, Read, ScriptPlan};

fn lines() -> Vec<u8> {
    let mut out = Vec::new();
    for i in 0..50_000u64 {
        out.extend_from_slice(
            format!(
                "cpu,host=web-{:03},cpu=cpu{},dc=eu-west-1 usage_user={}.25,usage_system=3.125,usage_idle=84.5,n={}i {}\n",
                i % 100, i % 8, i % 90, i, 1_700_000_000_000_000_000 + i
            )
            .as_bytes(),
        );
    }
    out
}

fn main() {
    let mode = std::env::args().nth(1).unwrap_or_else(|| "ingest".into());
    let rounds: usize = std::env::args()
        .nth(2)
        .and_then(|a| a.parse().ok())
        .unwrap_or(4);
    let chunk = lines();
    let n_lines = chunk.iter().filter(|&&b| b == b'\n').count();
    let start = std::time::Instant::now();
    let mut bytes_out = 0usize;
    match mode.as_str() {
        "transcode" | "reference" => {
            let mut influx = Codec::from_spec("influx", None).expect("influx");
            let mut json = Codec::from_spec("json", None).expect("json");
            let mut out = Vec::with_capacity(1 << 20);
            let mut scratch = Vec::with_capacity(4096);
            for _ in 0..rounds {
                for line in chunk.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
                    if out.len() > 1 << 19 {
                        bytes_out += out.len();
                        out.clear();
                    }
                    if mode == "transcode" {
                        assert!(influx.transcode(line, 1, &mut out), "transcodes");
                    } else {
                        scratch.clear();
                        scratch.extend_from_slice(line);
                        let v = influx
                            .decode(&mut scratch, 1)
                            .expect("valid")
                            .expect("a line");
                        json.encode(&v, &Value::Null, &mut out).expect("encodes");
                    }
                    out.push(b'\n');
                }
            }
            bytes_out += out.len();
        }
        "ingest" | "ingest-reference" => {
            let mut p = Plan::stdin_to_blackhole("json");
            p.sources[0].codec = ComponentSpec::named("influx");
            if mode == "ingest-reference" {
                let script =
                    Script::compile("event", &CompileOptions::new("identity")).expect("compiles");
                p.pipelines[0].script = Some(ScriptPlan {
                    script: Arc::new(script),
                    args: Value::record(),
                    ports: vec![0, 1],
                });
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
                for part in chunk.chunks(256 * 1024) {
                    ing.chunk(&stream, part, &read);
                    while ing.try_flush(OnFull::Block, 0) {
                        bytes_out += drain(&mut links);
                    }
                    bytes_out += drain(&mut links);
                }
            }
            let c = &ing.counters.pipelines[0];
            assert!(
                c.errors == 0 && c.ports[0] == c.events,
                "lines did not all leave on out"
            );
        }
        other => panic!("unknown mode {other}: ingest, ingest-reference, transcode or reference"),
    }
    let n = rounds * n_lines;
    println!(
        "{mode}: {n} lines, {bytes_out} bytes out, {:.1} ns/line",
        start.elapsed().as_nanos() as f64 / n as f64
    );
}

fn drain(links: &mut [sluice_shards::SinkLink]) -> usize {
    let mut n = 0;
    while let Ok(mut b) = links[0].rx.pop() {
        n += b.data.len();
        b.clear();
        let _ = links[0].recycle.push(b);
    }
    n
}
