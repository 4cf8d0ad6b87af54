//! Allocations per event on the ingest path in the steady state, counted with a counting
//! global allocator: frames in, batches through the ring, batches recycled back.

use sluice_shards::{mesh, Ingest, Plan};

#[path = "support/alloc_count.rs"]
mod alloc_count;

/// Runs `rounds` reads of `chunk` through the path; returns allocations per event after warm-up.
fn allocs_per_event(codec_out: &str) -> f64 {
    let plan = Plan::stdin_to_blackhole(codec_out);
    let (mut ing_links, mut sink_links) = mesh(1, 1, 64).unwrap();
    let mut ing = Ingest::new(&plan, ing_links.remove(0)).unwrap();
    let (mut links, _parking) = sink_links.remove(0);
    let line = r#"{"ts":"2026-11-28T12:00:00Z","level":"info","host":"web-01","msg":"GET /x \"q\" ok","n":12,"tags":["a","b"]}"#;
    let mut chunk = Vec::new();
    for _ in 0..500 {
        chunk.extend_from_slice(line.as_bytes());
        chunk.push(b'\n');
    }
    alloc_count::per_frame(&mut ing, &mut links, &chunk, 500, &mut Vec::new())
}

// One test: the counter is process-wide and tests in one binary run in parallel.
#[test]
fn allocations_per_event_in_the_steady_state() {
    let a = allocs_per_event("json");
    assert_eq!(a, 0.0, "allocations per event on json->json passthrough");
    // `string` output forces decode + encode: the decoded value's two containers (the
    // record and its `tags` array) allocate, nothing else does.
    let a = allocs_per_event("string");
    assert_eq!(a, 2.0, "allocations per event when re-encoding");
}
