//! A big read goes through the event path in parts (`Ingest::chunk`, then
//! `Ingest::chunk_more` for the rest), each part's batch handed to the ring before the next
//! part is processed. The parts' events all carry the time of the read, so processing a read
//! in parts gets its first events out sooner without shortening the latency that is measured.

use std::time::Duration;

use sluice_shards::{mesh, Ingest, OnFull, Plan, Read};

#[test]
fn parts_of_one_read_go_out_one_by_one_and_keep_the_reads_time() {
    let plan = Plan::stdin_to_blackhole("json");
    let (mut ing_links, mut sink_links) = mesh(1, 1, 64).unwrap();
    let mut ing = Ingest::new(&plan, ing_links.remove(0)).unwrap();
    let (mut links, _parking) = sink_links.remove(0);
    let stream = ing.open_stream(0);
    let read = Read {
        now_ns: sluice_shards::now_ns(),
        lossless: true,
        origin: None,
    };
    // One read, cut into two parts in the middle of its second line.
    ing.chunk(&stream, b"{\"a\":1}\n{\"a\":", &read);
    assert!(!ing.try_flush(OnFull::Block, 0));
    let first = links[0]
        .rx
        .pop()
        .expect("the first part's batch, before the second part");
    assert_eq!(first.events(), 1);
    std::thread::sleep(Duration::from_millis(5));
    ing.chunk_more(&stream, b"2}\n", &read);
    assert!(!ing.try_flush(OnFull::Block, 0));
    let second = links[0].rx.pop().expect("the second part's batch");
    assert_eq!(
        second.events(),
        1,
        "the line split across the parts is one event"
    );
    assert_eq!(
        second.frames[0].ingest_ns, first.frames[0].ingest_ns,
        "a later part of the same read keeps the read's time"
    );
    // The next read is stamped anew.
    ing.chunk(&stream, b"{\"a\":3}\n", &read);
    assert!(!ing.try_flush(OnFull::Block, 0));
    let third = links[0].rx.pop().expect("the next read's batch");
    assert!(
        third.frames[0].ingest_ns >= first.frames[0].ingest_ns + 5_000_000,
        "a new read gets its own time"
    );
}
