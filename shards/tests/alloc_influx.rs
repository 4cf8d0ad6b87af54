//! Allocations per line on the Influx -> JSON ingest path in the steady state, counted with a
//! counting global allocator: a passthrough pipeline transcodes each line in one pass and
//! allocates nothing; the reference path (the identity script `event`: decode, run, encode)
//! allocates the event's three records per line.

use std::sync::Arc;

use sluice_script::{CompileOptions, Script, Value};
use sluice_shards::{mesh, ComponentSpec, Ingest, Plan, ScriptPlan};

#[path = "support/alloc_count.rs"]
mod alloc_count;

fn allocs_per_line(script: bool) -> f64 {
    let mut plan = Plan::stdin_to_blackhole("json");
    plan.sources[0].codec = ComponentSpec::named("influx");
    if script {
        let s = Script::compile("event", &CompileOptions::new("identity")).unwrap();
        plan.pipelines[0].script = Some(ScriptPlan {
            script: Arc::new(s),
            args: Value::record(),
            ports: vec![0, 1],
        });
    }
    let (mut ing_links, mut sink_links) = mesh(1, 1, 64).unwrap();
    let mut ing = Ingest::new(&plan, ing_links.remove(0)).unwrap();
    let (mut links, _parking) = sink_links.remove(0);
    let mut chunk = Vec::new();
    for i in 0..500u64 {
        chunk.extend_from_slice(
            format!(
                "cpu,host=web-{:03},cpu=cpu{},dc=eu-west-1 usage_user={}.25,usage_system=3.125,usage_idle=84.5,n={}i {}\n",
                i % 100, i % 8, i % 90, i, 1_700_000_000_000_000_000 + i
            )
            .as_bytes(),
        );
    }
    let per_line = alloc_count::per_frame(&mut ing, &mut links, &chunk, 500, &mut Vec::new());
    let c = &ing.counters.pipelines[0];
    assert!(
        c.errors == 0 && c.ports[0] == c.events,
        "every line left on out"
    );
    per_line
}

// One test: the counter is process-wide and tests in one binary run in parallel.
#[test]
fn influx_to_json_allocations_per_line() {
    assert_eq!(allocs_per_line(false), 0.0, "transcoded passthrough");
    assert_eq!(
        allocs_per_line(true),
        3.0,
        "reference path: event, tags, fields"
    );
}
