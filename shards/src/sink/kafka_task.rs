//! A Kafka sink's own task: it hands batches to the producer as they come, and returns
//! each to its ingest shard only once the broker has confirmed (or refused) every message
//! in it. Between batches it sleeps on whichever comes first: a new batch on its queue, or
//! a delivery report (the producer's polling thread rings its bell).

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use futures_lite::future;

use super::kafka::KafkaSink;
use super::task::{record, Returns, SinkQueue};
use super::Tally;
use crate::metrics::Snapshot;
use crate::signal::Signal;

/// Returns the batches whose reports are all in, oldest first.
fn give_back(
    k: &mut KafkaSink,
    s: usize,
    returns: &Returns,
    counters: &Rc<RefCell<Snapshot>>,
    tally: &mut Tally,
) {
    k.absorb(tally);
    while let Some((link, batch)) = k.take_done(tally) {
        record(counters, s, &batch, tally);
        if let Some(p) = returns.borrow_mut().get_mut(link) {
            // Room for every batch in flight (the sink's credits); if the ingest shard is
            // gone the batch is simply freed.
            let _ = p.push(batch);
        }
    }
    tally.publish();
}

/// Runs Kafka sink `s` (plan index) until its queue is closed and empty and every batch
/// has its reports (or `hard` gives up on them).
pub(crate) async fn run_kafka(
    s: usize,
    mut k: Box<KafkaSink>,
    queue: Rc<SinkQueue>,
    returns: Returns,
    counters: Rc<RefCell<Snapshot>>,
    hard: Rc<Signal>,
) {
    let mut tally = Tally::for_sink(Rc::clone(&counters), s);
    tally.set_up(true);
    tally.publish();
    loop {
        let mut moved = false;
        while let Some((link, batch)) = queue.pop() {
            k.write(link, batch, &mut tally, &hard).await;
            give_back(&mut k, s, &returns, &counters, &mut tally);
            moved = true;
            glommio::yield_if_needed().await;
        }
        give_back(&mut k, s, &returns, &counters, &mut tally);
        if queue.finished() {
            break;
        }
        if moved {
            continue;
        }
        if k.waiting() > 0 {
            future::or(queue.wait(), async {
                k.wait(Duration::from_millis(100), &hard).await;
            })
            .await;
        } else {
            queue.wait().await;
        }
    }
    for (link, batch) in k.close(&mut tally, &hard).await {
        record(&counters, s, &batch, &mut tally);
        if let Some(p) = returns.borrow_mut().get_mut(link) {
            let _ = p.push(batch);
        }
    }
    tally.publish();
}
