//! Ingest-to-sink latency runs on the monotonic clock: the `ingest_ns` stamped on frames is
//! a `mono_ns` reading taken during the read, not wall-clock time (which NTP or an operator
//! can step, bending every latency recorded across the step).

use sluice_shards::{mesh, mono_ns, Ingest, OnFull, Plan, Read};

#[test]
fn frames_are_stamped_on_the_monotonic_clock() {
    let plan = Plan::stdin_to_blackhole("json");
    let (mut ing_links, mut sink_links) = mesh(1, 1, 64).unwrap();
    let mut ing = Ingest::new(&plan, ing_links.remove(0)).unwrap();
    let (mut links, _parking) = sink_links.remove(0);
    let stream = ing.open_stream(0);
    let before = mono_ns();
    ing.chunk(
        &stream,
        b"{\"a\":1}\n{\"a\":2}\n",
        &Read {
            // Wall-clock time, as the sources pass it for event timestamps.
            now_ns: sluice_shards::now_ns(),
            lossless: true,
            origin: None,
        },
    );
    assert!(!ing.try_flush(OnFull::Block, 0));
    let after = mono_ns();
    let batch = links[0].rx.pop().expect("a batch");
    assert_eq!(batch.events(), 2);
    for f in &batch.frames {
        assert!(
            (before..=after).contains(&f.ingest_ns),
            "ingest_ns {} is not a monotonic reading between {before} and {after}",
            f.ingest_ns
        );
    }
}
