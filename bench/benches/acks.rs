//! What acknowledgements cost on the ingest path, in memory on one pinned core (no I/O to
//! hide behind, so this is the worst case for the ratio): the same ~600-byte JSON records,
//! read 64 KiB at a time, framed, validated, batched, through the SPSC ring to a sink side
//! that returns every batch at once (as the file sink does once written):
//! - `no_acks`: a source that does not commit (TCP today);
//! - `acks`: every 64 KiB read is a group in the ledger (as a Kafka poll round or a file
//!   tail chunk is): its events hold it in their batch, the returned batch releases it, and
//!   the settled position is taken after every read (what a committing source does).

use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use sluice_shards::ack::Position;
use sluice_shards::{mesh, Ingest, OnFull, Plan, Read, SinkLink};

fn benches(c: &mut Criterion) {
    let cpu = std::env::var("BENCH_CPU")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    sluice_bench::pin(cpu);
    let lines = sluice_bench::corpus("json600.jsonl");
    let mut chunk = Vec::new();
    for l in &lines {
        chunk.extend_from_slice(l);
        chunk.push(b'\n');
    }
    let mut g = c.benchmark_group("acks_json600");
    g.throughput(Throughput::Bytes(chunk.len() as u64));
    let read = Read {
        now_ns: 1,
        lossless: true,
        origin: None,
    };
    for acked in [false, true] {
        let p = Plan::stdin_to_blackhole("json");
        let (mut il, mut sl) = mesh(1, 1, 64).expect("mesh");
        let mut ing = Ingest::new(&p, il.remove(0)).expect("ingest");
        let (mut links, _parking) = sl.remove(0);
        let stream = ing.open_stream(0);
        let pos = ing.ledger.open_stream(0);
        let mut offset = 0u64;
        let mut settled = Vec::new();
        g.bench_function(if acked { "acks" } else { "no_acks" }, |b| {
            b.iter(|| {
                for part in chunk.chunks(64 * 1024) {
                    offset += part.len() as u64;
                    let mark = acked.then(|| ing.ledger.begin(pos, Position(offset)));
                    ing.set_mark(mark);
                    ing.chunk(&stream, part, &read);
                    ing.set_mark(None);
                    if let Some(m) = mark {
                        ing.ledger.seal(m);
                    }
                    while ing.try_flush(OnFull::Block, 0) {
                        give_back(&mut links);
                    }
                    give_back(&mut links);
                    if acked {
                        settled.clear();
                        ing.reap();
                        ing.ledger.take_settled(0, &mut settled);
                    }
                }
            });
        });
    }
    g.finish();
}

/// The sink side: every batch goes back as it is (the ingest shard clears it).
fn give_back(links: &mut [SinkLink]) {
    while let Ok(b) = links[0].rx.pop() {
        let _ = links[0].recycle.push(b);
    }
}

criterion_group! {
    name = acks;
    config = Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(4));
    targets = benches
}
criterion_main!(acks);
