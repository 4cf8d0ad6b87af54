//! Runs the bench's classification script on the corpus many times, for profilers
//! (`valgrind --tool=callgrind`, `perf stat`): instruction counts per event do not depend
//! on how busy the machine is.
//!
//! `cargo run --release -p sluice-bench --example script_profile -- 100000`

use std::sync::Arc;

use sluice_script::stdlib::Env;
use sluice_script::{CompileOptions, JsonDecoder, Runner, Script, Value};

const CLASSIFY: &str = include_str!("../data/classify.tremor");

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100_000);
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/data/script_logs.ndjson"
    ))
    .expect("corpus");
    let mut bufs: Vec<Vec<u8>> = text.lines().map(|l| l.as_bytes().to_vec()).collect();
    let mut dec = JsonDecoder::new();
    let mut events: Vec<Value<'_>> = bufs
        .iter_mut()
        .map(|b| dec.decode(b).expect("json"))
        .collect();
    let script =
        Script::compile(CLASSIFY, &CompileOptions::new("classify.tremor")).expect("compiles");
    let mut runner = Runner::new(Arc::new(script), Env::default(), Value::Null);
    let mut meta = Value::record();
    let start = std::time::Instant::now();
    let mut emitted = 0usize;
    for i in 0..n {
        let e = &mut events[i % 256];
        if runner.run(e, &mut meta, 0, None).is_ok() {
            emitted += 1;
        }
        if let Some(m) = meta.as_record_mut() {
            m.clear();
        }
    }
    let el = start.elapsed();
    println!(
        "{emitted} events, {:.1} ns/event",
        el.as_nanos() as f64 / n as f64
    );
}
