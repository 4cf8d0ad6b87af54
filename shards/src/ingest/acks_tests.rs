//! The ingest side of acknowledgements, driven in memory: a real mesh, a real event path,
//! the sink shard's end played by the test.

use super::{Ingest, Read};
use crate::ack::Position;
use crate::plan::{OnFull, Plan};
use crate::ring::{mesh, Failure};

fn read() -> Read<'static> {
    Read {
        now_ns: 1,
        lossless: true,
        origin: None,
    }
}

#[test]
fn a_position_settles_only_once_the_sink_has_returned_its_batch() {
    let plan = Plan::stdin_to_blackhole("json");
    let (mut ing_links, mut sink_side) = mesh(1, 1, 4).unwrap();
    let mut ing = Ingest::new(&plan, ing_links.remove(0)).unwrap();
    let stream = ing.open_stream(0);
    let s = ing.ledger.open_stream(0);
    let m = ing.ledger.begin(s, Position(7));
    ing.set_mark(Some(m));
    ing.chunk(&stream, b"{\"a\":1}\n{\"a\":2}\n", &read());
    ing.set_mark(None);
    ing.ledger.seal(m);
    assert!(!ing.try_flush(OnFull::Block, 0));
    let mut out = Vec::new();
    ing.ledger.take_settled(0, &mut out);
    assert!(out.is_empty(), "the batch is still at the sink");

    let link = &mut sink_side[0].0[0];
    let b = link.rx.pop().unwrap();
    assert_eq!(
        b.marks,
        vec![m],
        "one mark per batch, however many events hold it"
    );
    assert_eq!(b.events(), 2);
    link.recycle.push(b).unwrap();
    ing.reap();
    ing.ledger.take_settled(0, &mut out);
    assert_eq!(out, vec![(s, Position(7))]);
    assert_eq!(ing.ledger.in_flight(), 0);
}

#[test]
fn a_batch_the_sink_gave_up_on_is_never_acknowledged() {
    let plan = Plan::stdin_to_blackhole("json");
    let (mut ing_links, mut sink_side) = mesh(1, 1, 4).unwrap();
    let mut ing = Ingest::new(&plan, ing_links.remove(0)).unwrap();
    let stream = ing.open_stream(0);
    let s = ing.ledger.open_stream(0);
    let m = ing.ledger.begin(s, Position(1));
    ing.set_mark(Some(m));
    ing.chunk(&stream, b"{\"a\":1}\n", &read());
    ing.ledger.seal(m);
    ing.try_flush(OnFull::Block, 0);
    let link = &mut sink_side[0].0[0];
    let mut b = link.rx.pop().unwrap();
    b.gave_up = true;
    link.recycle.push(b).unwrap();
    ing.reap();
    let mut out = Vec::new();
    ing.ledger.take_settled(0, &mut out);
    assert!(out.is_empty());
    assert_eq!(ing.ledger.in_flight(), 1);
}

#[test]
fn a_failed_frame_goes_to_err_and_keeps_its_position_until_err_has_it() {
    // The plan's `err` port feeds the same (blackhole) sink, which would loop: counted.
    let mut plan = Plan::stdin_to_blackhole("json");
    let mut second = plan.sinks[0].clone();
    second.id = "errors".into();
    plan.sinks.push(second);
    plan.pipelines[0].ports[1].1 = vec![1];
    let (mut ing_links, mut sink_side) = mesh(1, 1, 4).unwrap();
    let mut ing = Ingest::new(&plan, ing_links.remove(0)).unwrap();
    let stream = ing.open_stream(0);
    let s = ing.ledger.open_stream(0);
    let m = ing.ledger.begin(s, Position(3));
    ing.set_mark(Some(m));
    ing.chunk(&stream, b"{\"a\":1}\n{\"a\":2}\n", &read());
    ing.set_mark(None);
    ing.ledger.seal(m);
    ing.try_flush(OnFull::Block, 0);
    let link = &mut sink_side[0].0[0];
    let mut b = link.rx.pop().unwrap();
    assert_eq!(b.sink, 0);
    b.failures.push(Failure {
        frame: 1,
        error: "Broker: Message size too large".into(),
    });
    link.recycle.push(b).unwrap();
    // Taking the batch back routes the failed frame to `err` (sink 1), holding the mark.
    ing.try_flush(OnFull::Block, 0);
    let mut out = Vec::new();
    ing.ledger.take_settled(0, &mut out);
    assert!(out.is_empty(), "the error event is not written yet");
    let e = sink_side[0].0[0].rx.pop().unwrap();
    assert_eq!(e.sink, 1);
    let text = String::from_utf8_lossy(&e.data).into_owned();
    assert!(text.contains("Message size too large"), "{text}");
    assert!(
        text.contains(r#"\"a\":2"#),
        "the failed frame's bytes: {text}"
    );
    assert_eq!(e.marks, vec![m]);
    sink_side[0].0[0].recycle.push(e).unwrap();
    ing.reap();
    ing.ledger.take_settled(0, &mut out);
    assert_eq!(out, vec![(s, Position(3))]);
}

#[test]
fn batches_out_per_sink_are_bounded_by_its_credits() {
    let mut plan = Plan::stdin_to_blackhole("json");
    plan.batch_bytes = 512;
    plan.ring_capacity = 2;
    let (mut ing_links, mut sink_side) = mesh(1, 1, 2).unwrap();
    let mut ing = Ingest::new(&plan, ing_links.remove(0)).unwrap();
    let stream = ing.open_stream(0);
    let line = format!("{{\"pad\":\"{}\"}}\n", "x".repeat(600));
    let link = &mut sink_side[0].0[0];
    let mut taken = Vec::new();
    for _ in 0..20 {
        ing.chunk(&stream, line.as_bytes(), &read());
        ing.try_flush(OnFull::Block, 0);
        while let Ok(b) = link.rx.pop() {
            taken.push(b);
        }
    }
    assert_eq!(taken.len(), 2, "held by the sink: its credits");
    let mut events: u64 = taken.iter().map(crate::ring::Batch::events).sum();
    for b in taken {
        link.recycle
            .push(b)
            .expect("the ring back has room for every batch out");
    }
    // With the batches back, the rest flows.
    for _ in 0..100 {
        let blocked = ing.try_flush(OnFull::Block, 0);
        while let Ok(b) = link.rx.pop() {
            events += b.events();
            link.recycle.push(b).expect("room");
        }
        if !blocked {
            break;
        }
    }
    assert_eq!(events, 20);
}
