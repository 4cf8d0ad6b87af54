//! Allocations per event on the re-encode path in the steady state: scripts that change
//! every event (`bench/data/classify_enrich.tremor`, `classify_enrich_erase.tremor`) and a
//! JSON sink, counted with a counting global allocator (as `alloc.rs` does for passthrough
//! and plain re-encoding).

use std::sync::Arc;

use sluice_script::{CompileOptions, Script, Value};
use sluice_shards::{mesh, Ingest, Plan, ScriptPlan};

#[path = "support/alloc_count.rs"]
mod alloc_count;

/// Allocations per event with the script `name` (under `bench/data`) on 500 copies of
/// `line`, and the last line written.
fn allocs_per_event(src: &str, name: &str, line: &str) -> (f64, String) {
    let script = Script::compile(src, &CompileOptions::new(name)).unwrap();
    let mut plan = Plan::stdin_to_blackhole("json");
    plan.pipelines[0].script = Some(ScriptPlan {
        script: Arc::new(script),
        args: Value::record(),
        ports: vec![0, 1],
    });
    let (mut ing_links, mut sink_links) = mesh(1, 1, 64).unwrap();
    let mut ing = Ingest::new(&plan, ing_links.remove(0)).unwrap();
    let (mut links, _parking) = sink_links.remove(0);
    let mut chunk = Vec::new();
    for _ in 0..500 {
        chunk.extend_from_slice(line.as_bytes());
        chunk.push(b'\n');
    }
    let mut out = Vec::new();
    let per_event = alloc_count::per_frame(&mut ing, &mut links, &chunk, 500, &mut out);
    let last = out.split(|b| *b == b'\n').find(|l| !l.is_empty()).unwrap();
    (per_event, String::from_utf8(last.to_vec()).unwrap())
}

// One test: the counting allocator counts the whole process.
#[test]
fn allocations_per_event_when_a_script_changes_every_event() {
    let line = r#"{"ts":"2026-11-28T12:00:00Z","level":"error","service":"api","msg":"GET /x \"q\" ok","n":12,"span_id":"be84762b","tags":["a","b"]}"#;
    let (per_event, last) = allocs_per_event(
        include_str!("../../bench/data/classify_enrich.tremor"),
        "classify_enrich.tremor",
        line,
    );
    // The events really were changed and re-encoded.
    let expected = r#"{"ts":"2026-11-28T12:00:00Z","level":"error","service":"api","msg":"GET /x \"q\" ok","n":12,"span_id":"be84762b","tags":["a","b"],"class":"critical","rate":1000}"#;
    assert_eq!(last, expected);
    // One: the record of the fields the script touches (`level`, `service`; the frame is
    // written back as a patch, so `tags` and the rest are never built). The fields the
    // script adds fit in the room the record is decoded with. (Two before the partial path:
    // the whole record and its `tags` array.)
    assert_eq!(
        per_event, 1.0,
        "allocations per event when a script re-encodes"
    );

    // Sets two fields and deletes one (`let event = patch event of erase ... end`): the
    // patch works on the event itself, so no copy of the record. (Two before: the copy.)
    let (per_event, last) = allocs_per_event(
        include_str!("../../bench/data/classify_enrich_erase.tremor"),
        "classify_enrich_erase.tremor",
        line,
    );
    let expected = r#"{"ts":"2026-11-28T12:00:00Z","level":"error","service":"api","msg":"GET /x \"q\" ok","n":12,"tags":["a","b"],"class":"critical","rate":1000}"#;
    assert_eq!(last, expected);
    assert_eq!(
        per_event, 1.0,
        "allocations per event when a script re-encodes and erases a field"
    );
}
