//! Sinks: the outside world's end of a sink shard. Each sink instance lives on exactly one
//! sink shard and receives batches that the ingest shards already encoded and framed.
//!
//! ## Sinks are independent
//! - One ring per (ingest shard, sink shard) carries the batches of every sink on that sink
//!   shard. The shard's ring loop ([`drain`]) only moves batches off the rings into the queue
//!   of the sink they are for; it never writes and never waits on a sink.
//! - Each sink runs as its own task (`task::run_sink`): it writes its queue in order, flushes
//!   on its own timer, and hands every batch back to the ingest shard it came from once
//!   written. **A returned batch is an acknowledged batch**: it comes back only after
//!   [`SinkRt::write`] returned for it (written, or given up at the hard stop and counted as
//!   dropped). End-to-end acknowledgements hang on that return.
//! - Backpressure is per sink: an ingest shard holds `ring_capacity` credits per sink and
//!   spends one per batch sent, getting it back with the returned batch (`ingest::flush`).
//!   A sink that stops writing runs out of credits; its batches then wait on the ingest shard
//!   and only the sources whose pipelines feed it wait (or drop, for `on_full = "drop"`).
//!   Because the rings are sized for every credit, the ring loop can always park a batch, so
//!   a full sink never blocks the batches of another sink behind it on the same ring.
//! - A sink that spends long inside one `write` (retrying a peer that is down) publishes its
//!   counters as it goes ([`Tally::publish`]) and sets its `up` gauge ([`Tally::set_up`]).

mod blackhole;
mod drain;
mod elastic;
mod file;
mod http_batcher;
mod http_client;
mod http_task;
mod kafka;
mod kafka_task;
mod stdio;
mod task;
mod tcp;
mod udp;

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use crate::metrics::{Latency, SinkCounters, Snapshot};
use crate::plan::{SinkKind, SinkPlan};
use crate::ring::Batch;
use crate::signal::Signal;

pub(crate) use drain::drain;
pub use kafka::check_kafka_sink;
pub(crate) use kafka::{
    client_log as kafka_client_log, error_kind as kafka_error_kind, LogGate as KafkaLogGate,
};
pub(crate) use task::Reopen;

/// What a sink did during one call, added to its counters afterwards (the counters are
/// shared with the shard's reporter and must not stay borrowed across an await). A sink
/// that may spend long inside one `write` (retrying a peer that is down) calls
/// [`Tally::publish`] as it goes, so its errors and connects show while it retries.
#[derive(Debug, Default)]
pub(crate) struct Tally {
    pub(crate) events: u64,
    pub(crate) bytes: u64,
    pub(crate) errors: u64,
    /// Of `errors`, those of TLS (see [`Tally::error`]).
    pub(crate) tls_errors: u64,
    pub(crate) connects: u64,
    pub(crate) reopens: u64,
    pub(crate) syncs: u64,
    pub(crate) dropped: Vec<(&'static str, u64)>,
    /// The shard's sink counters and this sink's index in them.
    home: Option<(Rc<RefCell<Snapshot>>, usize)>,
}

impl Tally {
    /// A tally whose [`Tally::publish`] goes to sink `s` of `counters`.
    pub(crate) fn for_sink(counters: Rc<RefCell<Snapshot>>, s: usize) -> Self {
        Tally {
            home: Some((counters, s)),
            ..Tally::default()
        }
    }

    /// Adds what was counted so far to the sink's counters now.
    pub(crate) fn publish(&mut self) {
        if let Some((c, s)) = self.home.clone() {
            if let Some(sc) = c.borrow_mut().sinks.get_mut(s) {
                self.apply(sc);
            }
        }
    }

    /// Counts a failed connect or write, telling TLS failures (handshake, alerts, bad
    /// records) from the rest.
    pub(crate) fn error(&mut self, e: &std::io::Error) {
        self.errors += 1;
        if crate::tls::is_tls_error(e) {
            self.tls_errors += 1;
        }
    }

    /// Sets the sink's `up` gauge: can it write right now?
    pub(crate) fn set_up(&mut self, up: bool) {
        if let Some((c, s)) = &self.home {
            if let Some(sc) = c.borrow_mut().sinks.get_mut(*s) {
                sc.up = u64::from(up);
            }
        }
    }

    pub(crate) fn apply(&mut self, c: &mut SinkCounters) {
        c.events += std::mem::take(&mut self.events);
        c.bytes += std::mem::take(&mut self.bytes);
        c.errors += std::mem::take(&mut self.errors);
        c.tls_errors += std::mem::take(&mut self.tls_errors);
        c.connects += std::mem::take(&mut self.connects);
        c.reopens += std::mem::take(&mut self.reopens);
        c.syncs += std::mem::take(&mut self.syncs);
        for (r, n) in self.dropped.drain(..) {
            crate::metrics::bump(&mut c.dropped, r, n);
        }
    }
}

/// A sink instance on its shard.
pub(crate) enum SinkRt {
    File(file::FileSink),
    Stdout(stdio::StdSink),
    Stderr(stdio::StdSink),
    Tcp(tcp::TcpSink),
    Udp(udp::UdpSink),
    Blackhole(blackhole::Blackhole),
    /// `elasticsearch` and `http`.
    Http(http_batcher::HttpBatcher),
    /// Holds batches until their delivery reports are in (see [`kafka`]).
    Kafka(Box<kafka::KafkaSink>),
}

impl SinkRt {
    /// Opens the sink (inside the shard's executor).
    pub(crate) async fn open(plan: &SinkPlan) -> std::io::Result<SinkRt> {
        // Checked at start-up (`Plan::check_components`).
        let header = plan.header().ok().flatten();
        Ok(match &plan.kind {
            SinkKind::File {
                path,
                flush_interval,
                buffer,
                fsync,
            } => SinkRt::File(
                file::FileSink::open(path, *flush_interval, *buffer, *fsync, header.as_deref())
                    .await?,
            ),
            SinkKind::Stdout => SinkRt::Stdout(stdio::StdSink::stdout(header.as_deref())?),
            SinkKind::Stderr => SinkRt::Stderr(stdio::StdSink::stderr(header.as_deref())?),
            SinkKind::Tcp {
                addr,
                backoff_min,
                backoff_max,
                tls,
            } => SinkRt::Tcp(tcp::TcpSink::new(
                plan.id.clone(),
                *addr,
                (*backoff_min, *backoff_max),
                crate::tls::sink_connector(tls.as_ref())?,
            )),
            SinkKind::Udp { addr } => SinkRt::Udp(udp::UdpSink::open(*addr)?),
            SinkKind::Blackhole { hgrm } => {
                SinkRt::Blackhole(blackhole::Blackhole::new(hgrm.clone()))
            }
            SinkKind::Elasticsearch(e) => {
                let dead = elastic::DeadLetter::open(e.dead_letter.as_deref())?;
                SinkRt::Http(http_batcher::HttpBatcher::new(
                    plan.id.clone(),
                    e.client.clone(),
                    http_batcher::Kind::Elastic { dead },
                )?)
            }
            SinkKind::Http(h) => SinkRt::Http(http_batcher::HttpBatcher::new(
                plan.id.clone(),
                h.client.clone(),
                http_batcher::Kind::Plain {
                    content_type: h.content_type.clone(),
                },
            )?),
            SinkKind::Kafka(k) => SinkRt::Kafka(Box::new(kafka::KafkaSink::open(&plan.id, k)?)),
        })
    }

    /// Called once as the sink's task starts. A TCP sink tries to connect (once) so that its
    /// `up` gauge tells the truth before the first batch; other sinks are up from the start.
    pub(crate) async fn start(&mut self, c: &mut Tally, hard: &Rc<Signal>) {
        match self {
            SinkRt::Tcp(t) => t.start(c).await,
            SinkRt::File(f) => {
                f.start(hard);
                c.set_up(true);
            }
            SinkRt::Stdout(s) | SinkRt::Stderr(s) => {
                s.set_hard(hard);
                c.set_up(true);
            }
            _ => c.set_up(true),
        }
    }

    /// SIGHUP: a file sink writes what it buffers and reopens its path (after a rotation
    /// by rename); other sinks have nothing to reopen.
    pub(crate) async fn reopen(&mut self, c: &mut Tally) {
        if let SinkRt::File(f) = self {
            f.reopen(c).await;
        }
    }

    /// Writes a batch. Returns once the bytes are handed to the OS (or, for a peer that is
    /// down, once `hard` gives up on it; those events are counted as dropped). Returns
    /// false when the sink gave up on the batch: it is then not acknowledged.
    /// `more`: other batches wait in the sink's queue.
    pub(crate) async fn write(
        &mut self,
        batch: &mut Batch,
        more: bool,
        c: &mut Tally,
        hard: &Signal,
    ) -> bool {
        match self {
            SinkRt::File(f) => f.write(batch, more, c).await,
            SinkRt::Stdout(s) | SinkRt::Stderr(s) => {
                s.write(batch, c, hard).await;
                true
            }
            SinkRt::Tcp(t) => t.write(batch, c, hard).await,
            SinkRt::Udp(u) => {
                u.write(batch, c).await;
                true
            }
            SinkRt::Blackhole(_) => {
                c.events += batch.events();
                c.bytes += batch.data.len() as u64;
                true
            }
            SinkRt::Http(h) => {
                // Normally driven by its own task (`http_task`), which gathers batches.
                h.write(std::iter::once(&*batch), c, hard).await;
                // Given up at the hard stop (counted as dropped): not acknowledged, so a
                // source that commits reads it again after a restart.
                !hard.is_fired()
            }
            // Kafka takes batches by value (`SinkRt::Kafka` is driven by the caller).
            SinkRt::Kafka(_) => true,
        }
    }

    /// When buffered data must be written out next, if any is buffered.
    pub(crate) fn flush_due(&self) -> Option<Duration> {
        match self {
            SinkRt::File(f) => f.flush_due(),
            SinkRt::Stdout(s) | SinkRt::Stderr(s) => s.flush_due(),
            _ => None,
        }
    }

    /// Writes out buffered data.
    pub(crate) async fn flush(&mut self, c: &mut Tally) {
        match self {
            SinkRt::File(f) => f.flush(c).await,
            SinkRt::Stdout(s) | SinkRt::Stderr(s) => s.flush(c),
            _ => {}
        }
    }

    /// Flushes and releases the sink at shutdown.
    pub(crate) async fn close(&mut self, c: &mut Tally, latency: &Latency) {
        match self {
            SinkRt::File(f) => f.close(c).await,
            SinkRt::Blackhole(b) => b.close(latency),
            SinkRt::Tcp(t) => t.close().await,
            SinkRt::Http(h) => h.close(c).await,
            SinkRt::Stdout(s) | SinkRt::Stderr(s) => s.close(c).await,
            _ => {}
        }
    }
}
