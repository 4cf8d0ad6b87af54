//! One sink's own task on its sink shard: it takes batches off its queue, writes them,
//! returns them to the ingest shard they came from, and flushes on its own schedule. A sink
//! that is slow or whose peer is down keeps only its own task waiting.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;
use std::time::Duration;

use futures_lite::future;
use rtrb::Producer;

use super::{SinkRt, Tally};
use crate::metrics::Snapshot;
use crate::ring::Batch;
use crate::signal::{mono_ns, Notify, Signal};

/// Batches for one sink, each with the link (ingest shard) it came from. It needs no bound
/// of its own: the ingest shards send a sink at most `ring_capacity` batches each before
/// they get one back (see `ingest::flush`), which bounds it at that many per ingest shard.
#[derive(Default)]
pub(crate) struct SinkQueue {
    items: RefCell<VecDeque<(usize, Batch)>>,
    /// No more batches will come (every ingest shard is gone).
    closed: Cell<bool>,
    wake: Notify,
}

impl SinkQueue {
    pub(crate) fn push(&self, link: usize, batch: Batch) {
        self.items.borrow_mut().push_back((link, batch));
        self.wake.notify();
    }

    pub(crate) fn close(&self) {
        self.closed.set(true);
        self.wake.notify();
    }

    pub(super) fn pop(&self) -> Option<(usize, Batch)> {
        self.items.borrow_mut().pop_front()
    }

    /// No batch waiting.
    pub(super) fn is_empty(&self) -> bool {
        self.items.borrow().is_empty()
    }

    /// Closed and empty: the sink's work is done.
    pub(super) fn finished(&self) -> bool {
        self.closed.get() && self.items.borrow().is_empty()
    }

    /// Resolves when a batch arrives or the queue closes.
    pub(super) fn wait(&self) -> crate::signal::NotifyWait<'_> {
        self.wake.wait()
    }
}

/// SIGHUP on a sink shard: every sink task sees the generation move and reopens.
#[derive(Default)]
pub(crate) struct Reopen {
    gen: Cell<u64>,
    queues: RefCell<Vec<Rc<SinkQueue>>>,
}

impl Reopen {
    /// Asks every sink task of the shard to reopen, waking the idle ones.
    pub(crate) fn fire(&self) {
        self.gen.set(self.gen.get() + 1);
        for q in self.queues.borrow().iter() {
            q.wake.notify();
        }
    }

    pub(crate) fn watch(&self, q: &Rc<SinkQueue>) {
        self.queues.borrow_mut().push(Rc::clone(q));
    }
}

/// The ends of the rings that carry emptied batches back, one per ingest shard.
pub(crate) type Returns = Rc<RefCell<Vec<Producer<Batch>>>>;

/// Runs sink `s` (plan index) until its queue is closed and empty, then closes it.
pub(crate) async fn run_sink(
    s: usize,
    mut sink: SinkRt,
    queue: Rc<SinkQueue>,
    returns: Returns,
    counters: Rc<RefCell<Snapshot>>,
    hard: Rc<Signal>,
    reopen: Rc<Reopen>,
) {
    if let SinkRt::Kafka(k) = sink {
        // Kafka keeps batches until the broker confirms them: its own loop.
        return super::kafka_task::run_kafka(s, k, queue, returns, counters, hard).await;
    }
    if let SinkRt::Http(h) = sink {
        // Gathers batches into requests by count, bytes and linger: its own loop.
        return super::http_task::run_http(s, h, queue, returns, counters, hard).await;
    }
    let mut tally = Tally::for_sink(Rc::clone(&counters), s);
    sink.start(&mut tally, &hard).await;
    tally.publish();
    let mut seen = reopen.gen.get();
    loop {
        if reopen.gen.get() != seen {
            seen = reopen.gen.get();
            sink.reopen(&mut tally).await;
            tally.publish();
        }
        if let Some((link, mut batch)) = queue.pop() {
            let more = !queue.is_empty();
            batch.gave_up = !sink.write(&mut batch, more, &mut tally, &hard).await;
            record(&counters, s, &batch, &mut tally);
            // Returning the batch is the acknowledgement: the ingest shard gets it back
            // only after the sink has written it (or given up on it and counted it as
            // dropped; then `gave_up` keeps its positions unacknowledged), which is also
            // what gives the sink's credit back. It goes back as it is: the ingest shard
            // releases its marks (see `crate::ack`) and clears it.
            if let Some(p) = returns.borrow_mut().get_mut(link) {
                // The ring back has room for every batch in flight; if the ingest shard is
                // gone the batch is simply freed.
                let _ = p.push(batch);
            }
            if queue.is_empty() {
                // Nothing more to batch with: a sink that buffers (file) wrote out what it
                // held with this last batch (`more` was false) rather than sit on it for its
                // flush interval; batching must not cost latency when the load is light.
                tally.publish();
            } else if sink.flush_due() == Some(Duration::ZERO) {
                sink.flush(&mut tally).await;
                tally.publish();
            }
            glommio::yield_if_needed().await;
            continue;
        }
        if queue.closed.get() {
            break;
        }
        match sink.flush_due() {
            Some(Duration::ZERO) => {}
            Some(d) => {
                future::or(queue.wake.wait(), async {
                    glommio::timer::sleep(d.max(Duration::from_millis(1))).await;
                })
                .await;
            }
            None => queue.wake.wait().await,
        }
        if sink.flush_due() == Some(Duration::ZERO) {
            sink.flush(&mut tally).await;
            tally.publish();
        }
    }
    let latency = counters.borrow().sinks[s].latency.clone();
    sink.close(&mut tally, &latency).await;
    tally.publish();
}

/// Counts what one write did and records the latency of its events.
pub(super) fn record(counters: &Rc<RefCell<Snapshot>>, s: usize, batch: &Batch, tally: &mut Tally) {
    let now = mono_ns();
    let all = &mut *counters.borrow_mut();
    tally.apply(&mut all.sinks[s]);
    record_latencies(all, s, batch, now);
}

/// Records, at `now`, the latency of every event `batch` carries into sink `s`'s and its
/// pipeline's histograms.
fn record_latencies(all: &mut Snapshot, s: usize, batch: &Batch, now: u64) {
    // The events of one read share its time, so a batch holds runs of equal latencies: each
    // run is recorded once with its count (the same histogram, one update per run).
    let mut ends = batch.frames.iter().filter(|f| f.event_end).peekable();
    while let Some(f) = ends.next() {
        let mut n = 1;
        while ends
            .next_if(|g| g.ingest_ns == f.ingest_ns && g.pipeline == f.pipeline)
            .is_some()
        {
            n += 1;
        }
        let lat = now.saturating_sub(f.ingest_ns);
        all.sinks[s].latency.record_n(lat, n);
        if let Some(p) = all.pipelines.get_mut(usize::from(f.pipeline)) {
            p.latency.record_n(lat, n);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::record_latencies;
    use crate::metrics::{Latency, PipelineCounters, SinkCounters, Snapshot};
    use crate::ring::{Batch, FrameMeta};

    #[test]
    fn runs_of_equal_ingest_times_record_the_same_histograms_as_one_event_at_a_time() {
        let frame = |ingest_ns, pipeline, event_end| FrameMeta {
            end: 0,
            pipeline,
            event_end,
            ingest_ns,
        };
        let mut batch = Batch::with_capacity(1024);
        batch.frames = vec![
            frame(100, 0, true),
            frame(100, 0, false), // a split event: only its last frame counts
            frame(100, 0, true),
            frame(100, 1, true), // same time, other pipeline: a new run
            frame(250, 1, true),
            frame(250, 1, true),
            frame(100, 0, true),   // an earlier time again after another run
            frame(7_000, 5, true), // a pipeline this snapshot does not know
        ];
        let mut all = Snapshot {
            sources: Vec::new(),
            pipelines: vec![PipelineCounters::default(); 2],
            sinks: vec![SinkCounters::default(); 1],
        };
        let now = 10_000;
        record_latencies(&mut all, 0, &batch, now);

        let (mut sink, mut pipes) = (Latency::default(), vec![Latency::default(); 2]);
        for f in batch.frames.iter().filter(|f| f.event_end) {
            sink.record(now - f.ingest_ns);
            if let Some(p) = pipes.get_mut(usize::from(f.pipeline)) {
                p.record(now - f.ingest_ns);
            }
        }
        let same = |a: &Latency, b: &Latency| {
            a.count() == b.count()
                && [0.0, 0.1, 0.3, 0.5, 0.7, 0.9, 1.0]
                    .iter()
                    .all(|&q| a.quantile(q) == b.quantile(q))
        };
        assert_eq!(all.sinks[0].latency.count(), 7);
        assert!(same(&all.sinks[0].latency, &sink));
        assert_eq!(all.pipelines[0].latency.count(), 3);
        assert!(same(&all.pipelines[0].latency, &pipes[0]));
        assert_eq!(all.pipelines[1].latency.count(), 3);
        assert!(same(&all.pipelines[1].latency, &pipes[1]));
    }
}
