//! An `http` or `elasticsearch` sink's own task: it gathers batches into requests by count,
//! bytes and linger time, and returns every batch to its ingest shard only once each of its
//! events has been answered for (delivered, refused for good and dead-lettered, or given up
//! at the hard stop).
//!
//! The ingest shards hand a batch to the ring after every read, so a trickle of events
//! arrives as many tiny batches; sent one by one they would cost one request each. Here:
//! - Everything already queued is taken at once (it has waited for the previous round).
//! - If that is less than one request's worth (`batch_events`, `batch_bytes`), the task
//!   waits up to `linger` from the first batch for more, and stops waiting as soon as a
//!   request's worth is there: full requests never wait.
//! - The round is cut into requests (`batch_events`/`batch_bytes` each) and sent, up to
//!   `concurrency` at once; the round's batches go back when all its requests are done.
//! - When the queue closes (shutdown), whatever is held goes out at once, without lingering.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Instant;

use futures_lite::future;

use super::http_batcher::HttpBatcher;
use super::task::{record, Returns, SinkQueue};
use super::Tally;
use crate::metrics::Snapshot;
use crate::ring::Batch;
use crate::signal::Signal;

/// What a round holds so far.
#[derive(Default)]
struct Held {
    batches: Vec<(usize, Batch)>,
    events: usize,
    bytes: usize,
}

impl Held {
    /// Takes every batch queued now.
    fn take(&mut self, queue: &SinkQueue) {
        while let Some((link, b)) = queue.pop() {
            self.events += usize::try_from(b.events()).unwrap_or(usize::MAX);
            self.bytes += b.data.len();
            self.batches.push((link, b));
        }
    }

    fn full(&self, h: &HttpBatcher) -> bool {
        let (events, bytes) = h.request_bounds();
        self.events >= events || self.bytes >= bytes
    }
}

/// Runs http/elasticsearch sink `s` (plan index) until its queue is closed and empty.
pub(crate) async fn run_http(
    s: usize,
    mut h: HttpBatcher,
    queue: Rc<SinkQueue>,
    returns: Returns,
    counters: Rc<RefCell<Snapshot>>,
    hard: Rc<Signal>,
) {
    let mut tally = Tally::for_sink(Rc::clone(&counters), s);
    tally.set_up(true);
    tally.publish();
    let linger = h.linger();
    let mut held = Held::default();
    loop {
        held.take(&queue);
        if held.batches.is_empty() {
            if queue.finished() {
                break;
            }
            queue.wait().await;
            continue;
        }
        // Linger for more while a request's worth is not there yet.
        let deadline = Instant::now() + linger;
        while !held.full(&h) && !queue.finished() && !hard.is_fired() {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            // The hard stop ends a long linger too (the write then gives up at once).
            future::or(
                queue.wait(),
                future::or(glommio::timer::sleep(left), async {
                    hard.wait().await;
                }),
            )
            .await;
            held.take(&queue);
        }
        h.write(held.batches.iter().map(|(_, b)| b), &mut tally, &hard)
            .await;
        // Given up at the hard stop (counted as dropped): not acknowledged, so a source
        // that commits reads it again after a restart.
        let gave_up = hard.is_fired();
        for (link, mut batch) in held.batches.drain(..) {
            batch.gave_up = gave_up;
            record(&counters, s, &batch, &mut tally);
            if let Some(p) = returns.borrow_mut().get_mut(link) {
                // Room for every batch in flight (the sink's credits); if the ingest shard
                // is gone the batch is simply freed.
                let _ = p.push(batch);
            }
        }
        held.events = 0;
        held.bytes = 0;
        tally.publish();
        glommio::yield_if_needed().await;
    }
    h.close(&mut tally).await;
    tally.publish();
}
