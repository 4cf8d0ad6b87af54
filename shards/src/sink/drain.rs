//! A sink shard's ring loop: take batches off every ring from the ingest shards and park
//! each in its sink's queue, and sleep when there is nothing to move. It never writes and
//! never waits for a sink: every sink runs as its own task ([`super::task`]), so a sink
//! whose peer is down holds up only its own queue, and through the ingest shards' per-sink
//! credits only the sources that feed it.

use std::cell::RefCell;
use std::rc::Rc;

use futures_lite::future;
use glommio::task::JoinHandle;

use super::task::{run_sink, Reopen, Returns, SinkQueue};
use super::SinkRt;
use crate::metrics::Snapshot;
use crate::park_spin::ParkSpin;
use crate::ring::{SinkLink, Waiter};
use crate::signal::Signal;

/// Starts a task per sink (`sinks[k]` is (plan index, instance) for local sink `k`), moves
/// batches to them until every ingest shard has gone and every ring is empty, then lets the
/// sink tasks finish their queues, flush and close, and waits for them.
pub(crate) async fn drain(
    links: Vec<SinkLink>,
    mut waiter: Waiter,
    sinks: Vec<(usize, SinkRt)>,
    counters: Rc<RefCell<Snapshot>>,
    hard: Rc<Signal>,
    reopen: Rc<Reopen>,
    mut spin: ParkSpin,
) {
    let (mut rxs, returns): (Vec<_>, Vec<_>) = links.into_iter().map(|l| (l.rx, l.recycle)).unzip();
    let returns: Returns = Rc::new(RefCell::new(returns));
    let mut queues = Vec::with_capacity(sinks.len());
    let mut tasks: Vec<JoinHandle<()>> = Vec::with_capacity(sinks.len());
    for (s, sink) in sinks {
        let q = Rc::new(SinkQueue::default());
        reopen.watch(&q);
        let t = glommio::spawn_local(run_sink(
            s,
            sink,
            Rc::clone(&q),
            Rc::clone(&returns),
            Rc::clone(&counters),
            Rc::clone(&hard),
            Rc::clone(&reopen),
        ));
        tasks.push(t.detach());
        queues.push(q);
    }
    loop {
        let mut got = 0usize;
        for (i, rx) in rxs.iter_mut().enumerate() {
            while let Ok(mut batch) = rx.pop() {
                got += 1;
                match queues.get(usize::from(batch.sink)) {
                    Some(q) => q.push(i, batch),
                    None => {
                        // No such sink here (cannot happen with a consistent plan): hand
                        // the batch back rather than lose its memory.
                        batch.clear();
                        if let Some(p) = returns.borrow_mut().get_mut(i) {
                            let _ = p.push(batch);
                        }
                    }
                }
            }
        }
        if got > 0 {
            spin.worked();
            glommio::yield_if_needed().await;
            continue;
        }
        // Every ingest shard is gone; or shutdown gave up (an ingest shard may be dead and
        // never let go of its ring).
        if rxs
            .iter()
            .all(|r| r.is_empty() && (r.is_abandoned() || hard.is_fired()))
        {
            break;
        }
        if spin.should_spin() {
            // Batches came moments ago: look again shortly instead of parking, so the next
            // one needs no cross-core wake-up (see `park_spin`).
            ParkSpin::pause().await;
            continue;
        }
        waiter.park();
        if rxs.iter().any(|r| !r.is_empty()) {
            waiter.unpark();
            continue;
        }
        future::or(waiter.sleep(), async {
            hard.wait().await;
            0
        })
        .await;
        waiter.unpark();
    }
    for q in &queues {
        q.close();
    }
    for t in tasks {
        let _ = t.await;
    }
}
