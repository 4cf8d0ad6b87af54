//! Syslog into JSON for profilers (`valgrind --tool=callgrind`): instruction counts per
//! message do not depend on how busy the machine is. Runs 1000 RFC 5424 messages shaped as
//! `bench/syslog_vs_rsyslog.sh`'s sender writes them (syslog-ng's `loggen --syslog-proto
//! --size 300`: 300-byte frames, octet counting, a BOM before the text, one timestamp per
//! second) `rounds` times through one of:
//! - `reference`: the syslog codec's `decode`, then the json codec's `encode`;
//! - `transcode`: `Codec::transcode`, the one-pass writer (byte-identical output);
//! - `ingest`: the whole in-memory ingest path: `textual-length-prefixed` framing, the
//!   syslog codec, a passthrough pipeline, a JSON sink with `separate` (batches, ring).
//!
//! `cargo run --release -p sluice-bench --example syslog_profile -- ingest 20`

use sluice_codecs::Codec;
use sluice_script::Value;
use sluice_shards::{mesh, ComponentSpec, Ingest, OnFull, Plan, Read};

/// Ingest time of the messages: 2026-12-03T06:48:02Z.
const NOW: u64 = 1_796_280_482_000_000_000;

fn message(seq: usize) -> Vec<u8> {
    let sec = 2 + seq / 250;
    let mut m = format!(
        "<38>1 2026-12-03T06:48:{sec:02}+00:00 localhost prg00000 1234 - - \u{feff}seq: {seq:010}, thread: 0000, runid: 1796280482, stamp: 2026-12-03T06:48:{sec:02} "
    )
    .into_bytes();
    while m.len() < 299 {
        m.extend_from_slice(b"PADD");
    }
    m.truncate(299);
    m.push(b'\n');
    m
}

fn main() {
    let mode = std::env::args().nth(1).unwrap_or_else(|| "ingest".into());
    let rounds: usize = std::env::args()
        .nth(2)
        .and_then(|a| a.parse().ok())
        .unwrap_or(20);
    let messages: Vec<Vec<u8>> = (0..1000).map(message).collect();
    let mut out = Vec::with_capacity(1 << 20);
    let start = std::time::Instant::now();
    match mode.as_str() {
        "reference" | "transcode" => {
            let mut syslog = Codec::from_spec("syslog", None).expect("codec");
            let mut json = Codec::from_spec("json", None).expect("codec");
            let mut scratch = Vec::with_capacity(4096);
            for _ in 0..rounds {
                out.clear();
                for m in &messages {
                    if mode == "transcode" {
                        assert!(syslog.transcode(m, NOW, &mut out));
                    } else {
                        scratch.clear();
                        scratch.extend_from_slice(m);
                        let v = syslog
                            .decode(&mut scratch, NOW)
                            .expect("valid")
                            .expect("event");
                        json.encode(&v, &Value::Null, &mut out).expect("encodes");
                    }
                    out.push(b'\n');
                }
            }
        }
        "ingest" => {
            let mut p = Plan::stdin_to_blackhole("json");
            p.sources[0].preprocessors = vec![ComponentSpec::named("textual-length-prefixed")];
            p.sources[0].codec = ComponentSpec::named("syslog");
            let mut chunk = Vec::new();
            for m in &messages {
                chunk.extend_from_slice(format!("{} ", m.len()).as_bytes());
                chunk.extend_from_slice(m);
            }
            let (mut il, mut sl) = mesh(1, 1, 64).expect("mesh");
            let mut ing = Ingest::new(&p, il.remove(0)).expect("ingest");
            let (mut links, _parking) = sl.remove(0);
            let stream = ing.open_stream(0);
            let read = Read {
                now_ns: NOW,
                lossless: true,
                origin: None,
            };
            for _ in 0..rounds {
                // Reads of the size the TCP source sees from a busy sender.
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
                c.errors == 0 && c.ports[0] == c.events && c.events == (rounds * 1000) as u64,
                "messages did not all leave on out"
            );
        }
        other => panic!("unknown mode {other}: reference, transcode or ingest"),
    }
    let n = rounds * messages.len();
    println!(
        "{mode}: {n} messages, {:.1} ns/message",
        start.elapsed().as_nanos() as f64 / n as f64
    );
}

fn drain(links: &mut [sluice_shards::SinkLink]) {
    while let Ok(mut b) = links[0].rx.pop() {
        b.clear();
        let _ = links[0].recycle.push(b);
    }
}
