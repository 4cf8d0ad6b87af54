use super::{Ledger, Position, Stream};

fn settled(l: &mut Ledger, src: usize) -> Vec<(Stream, Position)> {
    let mut v = Vec::new();
    l.take_settled(src, &mut v);
    v
}

#[test]
fn a_group_settles_when_every_batch_has_come_back() {
    let mut l = Ledger::default();
    let s = l.open_stream(0);
    let m = l.begin(s, Position(10));
    l.hold(m);
    l.hold(m);
    l.seal(m);
    l.release(m);
    assert!(settled(&mut l, 0).is_empty());
    l.release(m);
    assert_eq!(settled(&mut l, 0), vec![(s, Position(10))]);
    assert_eq!(l.in_flight(), 0);
}

#[test]
fn an_unsealed_group_does_not_settle_even_with_nothing_held() {
    let mut l = Ledger::default();
    let s = l.open_stream(0);
    let m = l.begin(s, Position(1));
    l.hold(m);
    l.release(m);
    assert!(settled(&mut l, 0).is_empty(), "more events may still come");
    l.seal(m);
    assert_eq!(settled(&mut l, 0), vec![(s, Position(1))]);
}

#[test]
fn dropped_events_hold_nothing_so_the_group_settles_at_seal() {
    let mut l = Ledger::default();
    let s = l.open_stream(3);
    let m = l.begin(s, Position(7));
    l.seal(m);
    assert_eq!(settled(&mut l, 3), vec![(s, Position(7))]);
}

#[test]
fn positions_settle_in_order_within_a_stream() {
    let mut l = Ledger::default();
    let s = l.open_stream(0);
    let a = l.begin(s, Position(1));
    let b = l.begin(s, Position(2));
    let c = l.begin(s, Position(3));
    for m in [a, b, c] {
        l.hold(m);
        l.seal(m);
    }
    l.release(c);
    l.release(b);
    assert!(
        settled(&mut l, 0).is_empty(),
        "1 is still out: nothing after it may commit"
    );
    l.release(a);
    assert_eq!(
        settled(&mut l, 0),
        vec![(s, Position(3))],
        "one entry per stream, the newest"
    );
    assert_eq!(l.in_flight(), 0);
}

#[test]
fn streams_and_sources_are_independent() {
    let mut l = Ledger::default();
    let p0 = l.open_stream(0);
    let p1 = l.open_stream(0);
    let f = l.open_stream(1);
    let a = l.begin(p0, Position(100));
    let b = l.begin(p1, Position(5));
    let c = l.begin(f, Position(4096));
    for m in [a, b, c] {
        l.hold(m);
        l.seal(m);
    }
    l.release(b);
    l.release(c);
    assert_eq!(settled(&mut l, 0), vec![(p1, Position(5))]);
    assert_eq!(settled(&mut l, 1), vec![(f, Position(4096))]);
    assert_eq!(l.in_flight_of(p0), 1);
    l.release(a);
    assert_eq!(settled(&mut l, 0), vec![(p0, Position(100))]);
}

#[test]
fn a_closed_stream_reports_nothing_and_its_index_waits_for_its_orphans() {
    let mut l = Ledger::default();
    let s = l.open_stream(0);
    let done = l.begin(s, Position(1));
    l.seal(done);
    let out = l.begin(s, Position(2));
    l.hold(out);
    l.seal(out);
    l.close_stream(s);
    assert!(
        settled(&mut l, 0).is_empty(),
        "revoked: nothing of it commits"
    );
    let other = l.open_stream(0);
    assert_ne!(other, s, "the index is still in use by an orphan");
    l.release(out);
    assert!(settled(&mut l, 0).is_empty());
    assert_eq!(l.in_flight(), 0);
    let again = l.open_stream(0);
    assert_eq!(again, s, "reused once the orphan settled");
    let m = l.begin(again, Position(9));
    l.seal(m);
    assert_eq!(settled(&mut l, 0), vec![(again, Position(9))]);
}

#[test]
fn group_slots_are_reused_so_a_steady_flow_does_not_grow() {
    let mut l = Ledger::default();
    let s = l.open_stream(0);
    let mut out = Vec::new();
    for i in 0..10_000u64 {
        let m = l.begin(s, Position(i));
        l.hold(m);
        l.seal(m);
        l.release(m);
        out.clear();
        l.take_settled(0, &mut out);
        assert_eq!(out, vec![(s, Position(i))]);
    }
    assert!(l.groups.len() <= 2, "slots: {}", l.groups.len());
}

#[test]
fn many_interleaved_holds_settle_exactly_once() {
    // Two sinks, batches returning in a shuffled order: every position settles, in order.
    let mut l = Ledger::default();
    let s = l.open_stream(0);
    let mut marks = Vec::new();
    for i in 0..500u64 {
        let m = l.begin(s, Position(i));
        l.hold(m);
        l.hold(m);
        l.seal(m);
        marks.push(m);
        marks.push(m);
    }
    fastrand::seed(7);
    fastrand::shuffle(&mut marks);
    let mut last = None;
    let mut out = Vec::new();
    for m in marks {
        l.release(m);
        out.clear();
        l.take_settled(0, &mut out);
        for (_, p) in &out {
            assert!(last < Some(*p), "positions only move forward");
            last = Some(*p);
        }
    }
    assert_eq!(last, Some(Position(499)));
    assert_eq!(l.in_flight(), 0);
}
