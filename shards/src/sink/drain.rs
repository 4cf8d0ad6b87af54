//! A sink shard's loop: take batches off every ring from the ingest shards, hand them to
//! their sinks, send the emptied batches back, and park when there is nothing to do.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use futures_lite::future;

use super::{SinkRt, Tally};
use crate::metrics::Snapshot;
use crate::ring::{SinkLink, Waiter};
use crate::signal::{now_ns, Signal};

/// Runs until every ingest shard has gone and every ring is empty, then flushes and closes
/// the sinks. `sinks[k]` is (plan index, instance) for local sink `k`.
pub(crate) async fn drain(
    mut links: Vec<SinkLink>,
    mut waiter: Waiter,
    mut sinks: Vec<(usize, SinkRt)>,
    counters: Rc<RefCell<Snapshot>>,
    hard: Rc<Signal>,
) {
    let mut tally = Tally::default();
    loop {
        let mut got = 0usize;
        for (li, link) in links.iter_mut().enumerate() {
            while let Ok(mut batch) = link.rx.pop() {
                got += 1;
                if let Some((s, SinkRt::Kafka(k))) = sinks.get_mut(usize::from(batch.sink)) {
                    k.write(li, batch, &mut tally, &hard).await;
                    tally.apply(&mut counters.borrow_mut().sinks[*s]);
                    continue;
                }
                if let Some((s, sink)) = sinks.get_mut(usize::from(batch.sink)) {
                    batch.gave_up = !sink.write(&batch, &mut tally, &hard).await;
                    let now = now_ns();
                    let all = &mut *counters.borrow_mut();
                    tally.apply(&mut all.sinks[*s]);
                    for f in batch.frames.iter().filter(|f| f.event_end) {
                        let lat = now.saturating_sub(f.ingest_ns);
                        all.sinks[*s].latency.record(lat);
                        if let Some(p) = all.pipelines.get_mut(usize::from(f.pipeline)) {
                            p.latency.record(lat);
                        }
                    }
                }
                // Returned as it is, once written: the ingest shard releases its marks (the
                // acknowledgement) and clears it. The ring back has room for every batch in
                // flight; if the ingest shard is gone the batch is simply freed.
                let _ = link.recycle.push(batch);
            }
        }
        got += kafka_done(&mut sinks, &mut links, &counters, &mut tally);
        if got > 0 {
            flush_due(&mut sinks, &counters, &mut tally).await;
            glommio::yield_if_needed().await;
            continue;
        }
        if links.iter().all(|l| l.rx.is_abandoned() && l.rx.is_empty()) {
            break;
        }
        waiter.park();
        if links.iter().any(|l| !l.rx.is_empty()) {
            waiter.unpark();
            continue;
        }
        let kafka_waits = sinks
            .iter()
            .any(|(_, s)| matches!(s, SinkRt::Kafka(k) if k.waiting() > 0));
        let due = sinks
            .iter()
            .filter_map(|(_, s)| s.flush_due())
            .chain(kafka_waits.then_some(KAFKA_POLL))
            .min();
        match due {
            Some(d) => {
                future::or(waiter.sleep(), async {
                    glommio::timer::sleep(d.max(Duration::from_millis(1))).await;
                    0
                })
                .await;
            }
            None => {
                waiter.sleep().await;
            }
        }
        waiter.unpark();
        flush_due(&mut sinks, &counters, &mut tally).await;
    }
    for (s, sink) in &mut sinks {
        if let SinkRt::Kafka(k) = sink {
            for (li, b) in k.close(&mut tally, &hard).await {
                record_latency(&counters, *s, &b);
                if let Some(l) = links.get_mut(li) {
                    let _ = l.recycle.push(b);
                }
            }
        }
        let latency = counters.borrow().sinks[*s].latency.clone();
        sink.close(&mut tally, &latency).await;
        tally.apply(&mut counters.borrow_mut().sinks[*s]);
    }
}

/// How often a sink shard with Kafka batches waiting looks for their delivery reports.
const KAFKA_POLL: Duration = Duration::from_millis(2);

/// Returns the Kafka batches whose delivery reports are all in.
fn kafka_done(
    sinks: &mut [(usize, SinkRt)],
    links: &mut [SinkLink],
    counters: &Rc<RefCell<Snapshot>>,
    tally: &mut Tally,
) -> usize {
    let mut n = 0;
    for (s, sink) in sinks.iter_mut() {
        let SinkRt::Kafka(k) = sink else { continue };
        k.absorb(tally);
        while let Some((li, b)) = k.take_done(tally) {
            n += 1;
            record_latency(counters, *s, &b);
            if let Some(l) = links.get_mut(li) {
                let _ = l.recycle.push(b);
            }
        }
        tally.apply(&mut counters.borrow_mut().sinks[*s]);
    }
    n
}

fn record_latency(counters: &Rc<RefCell<Snapshot>>, s: usize, batch: &crate::ring::Batch) {
    let now = now_ns();
    let all = &mut *counters.borrow_mut();
    for f in batch.frames.iter().filter(|f| f.event_end) {
        let lat = now.saturating_sub(f.ingest_ns);
        all.sinks[s].latency.record(lat);
        if let Some(p) = all.pipelines.get_mut(usize::from(f.pipeline)) {
            p.latency.record(lat);
        }
    }
}

async fn flush_due(
    sinks: &mut [(usize, SinkRt)],
    counters: &Rc<RefCell<Snapshot>>,
    tally: &mut Tally,
) {
    for (s, sink) in sinks.iter_mut() {
        if sink.flush_due() == Some(Duration::ZERO) {
            sink.flush(tally).await;
            tally.apply(&mut counters.borrow_mut().sinks[*s]);
        }
    }
}
