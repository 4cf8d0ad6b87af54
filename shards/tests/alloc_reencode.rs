//! Allocations per event on the re-encode path in the steady state: a script that changes
//! every event (`bench/data/classify_enrich.tremor`) and a JSON sink, counted with a counting
//! global allocator (as `alloc.rs` does for passthrough and plain re-encoding).

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use sluice_script::{CompileOptions, Script, Value};
use sluice_shards::{mesh, Ingest, OnFull, Plan, Read, ScriptPlan};

struct Counting;
static ALLOCS: AtomicU64 = AtomicU64::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: forwarding to the system allocator with the caller's layout.
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        // SAFETY: `p` came from `alloc` above with the same layout.
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, n: usize) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: forwarding a realloc of a block we handed out.
        unsafe { System.realloc(p, l, n) }
    }
}

#[global_allocator]
static A: Counting = Counting;

#[test]
fn allocations_per_event_when_a_script_changes_every_event() {
    let src = include_str!("../../bench/data/classify_enrich.tremor");
    let script = Script::compile(src, &CompileOptions::new("classify_enrich.tremor")).unwrap();
    let mut plan = Plan::stdin_to_blackhole("json");
    plan.pipelines[0].script = Some(ScriptPlan {
        script: Arc::new(script),
        args: Value::record(),
        ports: vec![0, 1],
    });
    let (mut ing_links, mut sink_links) = mesh(1, 1, 64).unwrap();
    let mut ing = Ingest::new(&plan, ing_links.remove(0)).unwrap();
    let (mut links, _parking) = sink_links.remove(0);
    let line = r#"{"ts":"2026-11-28T12:00:00Z","level":"error","service":"api","msg":"GET /x \"q\" ok","n":12,"tags":["a","b"]}"#;
    let mut chunk = Vec::new();
    for _ in 0..500 {
        chunk.extend_from_slice(line.as_bytes());
        chunk.push(b'\n');
    }
    let stream = ing.open_stream(0);
    let mut out = Vec::new();
    let mut run = |rounds: usize, out: &mut Vec<u8>| {
        for _ in 0..rounds {
            ing.chunk(
                &stream,
                &chunk,
                &Read {
                    now_ns: 1,
                    lossless: true,
                    origin: None,
                },
            );
            assert!(!ing.try_flush(OnFull::Block, 0));
            while let Ok(mut b) = links[0].rx.pop() {
                out.clear();
                out.extend_from_slice(&b.data);
                b.clear();
                links[0].recycle.push(b).unwrap();
            }
        }
    };
    run(50, &mut out);
    let before = ALLOCS.load(Ordering::Relaxed);
    run(200, &mut out);
    let n = ALLOCS.load(Ordering::Relaxed) - before;
    let per_event = n as f64 / (200.0 * 500.0);
    // The events really were changed and re-encoded.
    let expected = r#"{"ts":"2026-11-28T12:00:00Z","level":"error","service":"api","msg":"GET /x \"q\" ok","n":12,"tags":["a","b"],"class":"critical","rate":1000}"#;
    let last = out.split(|b| *b == b'\n').find(|l| !l.is_empty()).unwrap();
    assert_eq!(std::str::from_utf8(last).unwrap(), expected);
    // One: the record of the fields the script touches (`level`, `service`; the frame is
    // written back as a patch, so `tags` and the rest are never built). The fields the
    // script adds fit in the room the record is decoded with. (Two before the partial path:
    // the whole record and its `tags` array.)
    assert_eq!(
        per_event, 1.0,
        "allocations per event when a script re-encodes"
    );
}
