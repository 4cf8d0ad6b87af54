//! Allocations per event on the ingest path in the steady state, counted with a counting
//! global allocator: frames in, batches through the ring, batches recycled back.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use sluice_codecs::{Preprocessor, PreprocessorChain};
use sluice_shards::{
    mesh, ComponentSpec, Ingest, OnFull, PipelinePlan, Plan, SinkKind, SinkPlan, SourceKind,
    SourcePlan,
};

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

fn plan(codec_out: &str) -> Plan {
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
            codec: ComponentSpec::named(codec_out),
            postprocessors: vec![ComponentSpec::named("separate")],
            shard: 0,
        }],
    }
}

/// Runs `rounds` reads of `chunk` through the path; returns allocations per event after warm-up.
fn allocs_per_event(codec_out: &str) -> f64 {
    let plan = plan(codec_out);
    let (mut ing_links, mut sink_links) = mesh(1, 1, 64).unwrap();
    let mut ing = Ingest::new(&plan, ing_links.remove(0)).unwrap();
    let (mut links, _parking) = sink_links.remove(0);
    let line = r#"{"ts":"2026-11-28T12:00:00Z","level":"info","host":"web-01","msg":"GET /x \"q\" ok","n":12,"tags":["a","b"]}"#;
    let mut chunk = Vec::new();
    for _ in 0..500 {
        chunk.extend_from_slice(line.as_bytes());
        chunk.push(b'\n');
    }
    let mut chain =
        PreprocessorChain::new(vec![Preprocessor::from_spec("separate", None).unwrap()]);
    let mut run = |rounds: usize| {
        for _ in 0..rounds {
            ing.chunk(
                0,
                &mut chain,
                &chunk,
                &Read {
                    now_ns: 1,
                    lossless: true,
                    origin: None,
                },
            );
            assert!(!ing.try_flush(OnFull::Block, 0));
            while let Ok(mut b) = links[0].rx.pop() {
                b.clear();
                links[0].recycle.push(b).unwrap();
            }
        }
    };
    run(50);
    let before = ALLOCS.load(Ordering::Relaxed);
    run(200);
    let n = ALLOCS.load(Ordering::Relaxed) - before;
    n as f64 / (200.0 * 500.0)
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
