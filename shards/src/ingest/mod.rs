//! An ingest shard's event path: frames in, encoded batches out to the sink shards.
//!
//! One [`Ingest`] per ingest shard holds everything the per-event path touches: each
//! source's decoder, each pipeline's stage and port table, each sink's encoder and the batch
//! being filled for it, and the shard's counters. Source tasks hand it whole reads; it runs
//! them through the connection's preprocessors and never awaits, so a read is processed
//! start to finish without yielding. Flushing to the rings (which may have to wait) happens
//! after each read, outside of it.

mod acks;
#[cfg(test)]
mod acks_tests;
mod flush;
mod route;
mod stage;
mod streams;

use sluice_codecs::{Codec, FrameResult, PostprocessorChain};
use sluice_script::Value;

use crate::metrics::{bump, Snapshot};
use crate::plan::{OnFull, PipelinePlan, Plan};
use crate::ring::{Batch, IngestLink};

use crate::Error;
pub(crate) use stage::Stage;
pub use streams::StreamId;

/// What one read brings along to every frame cut from it.
#[derive(Debug, Clone, Copy)]
pub struct Read<'o> {
    /// When it was read (ns since the epoch): the events' ingest time.
    pub now_ns: u64,
    /// Its source must not lose data (`on_full = "block"`).
    pub lossless: bool,
    /// Where it came from, as `tremor::origin` reports it (`{scheme, host, port, path}`).
    pub origin: Option<&'o Value<'static>>,
}

struct PipelineRt {
    id: String,
    /// Port -> sinks (plan indices).
    ports: Vec<Vec<usize>>,
    stage: Stage,
}

struct SourceRt {
    id: String,
    /// Its plan: each new stream builds its preprocessor chain from it.
    plan: crate::plan::SourcePlan,
    pipeline: usize,
    decoder: Codec,
    /// Per sink: may the original bytes of an unchanged event be forwarded as its encoding?
    raw_ok: Vec<bool>,
    /// Passthrough pipeline and every `out` sink takes the raw bytes: validate, do not build.
    validate_only: bool,
}

struct SinkOut {
    link: usize,
    local: u16,
    codec: Codec,
    post: PostprocessorChain,
    batch: Option<Batch>,
    splits: Vec<usize>,
    /// The metadata key whose record sets per-frame attributes (`kafka` for Kafka sinks).
    attrs_from: Option<&'static str>,
}

/// The per-shard event path. `!Send`: it lives and dies on its shard.
pub struct Ingest {
    links: Vec<IngestLink>,
    /// Batches waiting for their sink's credit, and the credits themselves.
    outbox: flush::Outbox,
    outs: Vec<Option<SinkOut>>,
    pipelines: Vec<PipelineRt>,
    sources: Vec<SourceRt>,
    scratch: Vec<u8>,
    streams: streams::Streams,
    batch_bytes: usize,
    /// Source positions and which batches hold them (see [`crate::ack`]).
    pub ledger: crate::ack::Ledger,
    /// The group the events being processed now belong to, if their source commits.
    mark: Option<crate::ack::Mark>,
    /// The metadata events start with (a Kafka message's `$kafka`), if any.
    meta: Option<Value<'static>>,
    /// Further groups every event routed now holds (a failed frame's way to `err`).
    extra_marks: Vec<crate::ack::Mark>,
    /// Sink ids (for the errors of sinks that give up on frames).
    sink_ids: Vec<String>,
    /// The shard's counters (ingest side).
    pub counters: Snapshot,
    /// When the read being processed happened, on the monotonic clock (events' `ingest_ns`).
    read_mono_ns: u64,
    _not_send: std::marker::PhantomData<*const ()>,
}

/// For every sink: which sink shard owns it and its index there.
#[must_use]
pub fn sink_locations(plan: &Plan) -> Vec<(usize, u16)> {
    let mut next = vec![0u16; plan.sink_cpus.len()];
    plan.sinks
        .iter()
        .map(|s| {
            let local = next[s.shard];
            next[s.shard] += 1;
            (s.shard, local)
        })
        .collect()
}

impl Ingest {
    /// Builds the event path of one ingest shard.
    ///
    /// # Errors
    /// A component that does not build (already checked by [`Plan::check_components`]).
    pub fn new(plan: &Plan, links: Vec<IngestLink>) -> Result<Self, Error> {
        let comp = |what: String| {
            move |e| Error::Component {
                what: what.clone(),
                source: e,
            }
        };
        let locs = sink_locations(plan);
        let mut outs = Vec::with_capacity(plan.sinks.len());
        for (s, sink) in plan.sinks.iter().enumerate() {
            let (link, local) = locs[s];
            let codec = sink
                .codec
                .codec()
                .map_err(comp(format!("sink `{}` codec", sink.id)))?;
            let post = sink.postprocessor_chain()?;
            outs.push(Some(SinkOut {
                link,
                local,
                codec,
                post,
                batch: None,
                splits: Vec::new(),
                attrs_from: matches!(sink.kind, crate::plan::SinkKind::Kafka(_)).then_some("kafka"),
            }));
        }
        let pipelines: Vec<PipelineRt> = plan
            .pipelines
            .iter()
            .map(|p: &PipelinePlan| PipelineRt {
                id: p.id.clone(),
                ports: p.ports.iter().map(|(_, sinks)| sinks.clone()).collect(),
                stage: Stage::new(p.script.as_ref()),
            })
            .collect();
        let mut sources = Vec::with_capacity(plan.sources.len());
        for src in &plan.sources {
            let decoder = src
                .codec
                .codec()
                .map_err(comp(format!("source `{}` codec", src.id)))?;
            let raw_ok: Vec<bool> = outs
                .iter()
                .map(|o| {
                    o.as_ref()
                        .is_some_and(|o| decoder.passes_through_to(&o.codec))
                })
                .collect();
            let pl = &pipelines[src.pipeline];
            let validate_only =
                pl.stage.is_passthrough() && pl.ports[PipelinePlan::OUT].iter().all(|s| raw_ok[*s]);
            sources.push(SourceRt {
                id: src.id.clone(),
                plan: src.clone(),
                pipeline: src.pipeline,
                decoder,
                raw_ok,
                validate_only,
            });
        }
        let outbox = flush::Outbox::new(plan, links.len());
        Ok(Ingest {
            links,
            outbox,
            ledger: crate::ack::Ledger::default(),
            mark: None,
            extra_marks: Vec::new(),
            meta: None,
            sink_ids: plan.sinks.iter().map(|s| s.id.clone()).collect(),
            outs,
            pipelines,
            sources,
            scratch: Vec::with_capacity(64 * 1024),
            streams: streams::Streams::new(plan.sources.len()),
            batch_bytes: plan.batch_bytes,
            counters: Snapshot::for_plan(plan),
            read_mono_ns: 0,
            _not_send: std::marker::PhantomData,
        })
    }

    /// A framing error found outside the preprocessors (an oversized datagram, ...).
    pub fn frame_error(&mut self, src: usize, e: &sluice_codecs::Error, read: &Read<'_>) {
        self.read_mono_ns = crate::signal::mono_ns();
        let head = match e {
            sluice_codecs::Error::FrameTooLong { head, .. } => Some(head.as_slice()),
            _ => None,
        };
        self.source_error(src, e, head, read);
    }

    /// Counts a refused connection, a kernel drop, or similar source-level event.
    pub fn source_counters(&mut self, src: usize) -> &mut crate::metrics::SourceCounters {
        &mut self.counters.sources[src]
    }

    /// One frame (or framing error) of source `src`.
    fn frame(&mut self, src: usize, frame: FrameResult<'_>, read: &Read<'_>) {
        let p = self.sources[src].pipeline;
        let bytes = match frame {
            Ok(b) => b,
            Err(e) => return self.frame_error(src, &e, read),
        };
        self.counters.sources[src].events += 1;
        self.counters.pipelines[p].events += 1;
        let mut scratch = std::mem::take(&mut self.scratch);
        scratch.clear();
        scratch.extend_from_slice(bytes);
        if self.sources[src].validate_only {
            match self.sources[src].decoder.validate(&mut scratch) {
                Ok(()) => self.route_raw(p, PipelinePlan::OUT, bytes, read),
                Err(e) => self.source_error(src, &e, Some(bytes), read),
            }
        } else {
            match self.sources[src].decoder.decode(&mut scratch, read.now_ns) {
                Ok(Some(value)) => self.run_stage(src, p, value, bytes, read),
                Ok(None) => {}
                Err(e) => self.source_error(src, &e, Some(bytes), read),
            }
        }
        self.scratch = scratch;
    }

    /// Counts a source error and sends an error event to the pipeline's `err` port.
    fn source_error(
        &mut self,
        src: usize,
        e: &sluice_codecs::Error,
        raw: Option<&[u8]>,
        read: &Read<'_>,
    ) {
        bump(&mut self.counters.sources[src].errors, e.kind(), 1);
        let p = self.sources[src].pipeline;
        let ev = error_event(e.kind(), &e.to_string(), &self.sources[src].id, raw);
        self.route_value(src, p, PipelinePlan::ERR, &ev, &Value::Null, None, read);
    }

    /// Hands every open batch to the rings. Returns `true` while batches that must not be
    /// dropped are still waiting for room in a sink that source `src` feeds (the caller then
    /// waits and calls again); with `OnFull::Drop`, other batches that do not fit are dropped
    /// and counted against `src`. A sink that is full holds back only its own batches.
    pub fn try_flush(&mut self, policy: OnFull, src: usize) -> bool {
        flush::try_flush(self, policy, Some(src))
    }

    /// Like [`Ingest::try_flush`] with `OnFull::Block` for every sink: `true` while any
    /// batch still waits (the shard's last flush before it lets go of the rings).
    pub fn try_flush_all(&mut self) -> bool {
        flush::try_flush(self, OnFull::Block, None)
    }
}

/// The event an error becomes: `{"error": {kind, message, source}, "raw": "<bytes>"}`.
#[must_use]
pub fn error_event(kind: &str, message: &str, source: &str, raw: Option<&[u8]>) -> Value<'static> {
    let mut err = sluice_script::Record::with_capacity(3);
    err.push_unique("kind", Value::from(kind.to_string()));
    err.push_unique("message", Value::from(message.to_string()));
    err.push_unique("source", Value::from(source.to_string()));
    let mut ev = sluice_script::Record::with_capacity(2);
    ev.push_unique("error", Value::Record(err));
    if let Some(raw) = raw {
        ev.push_unique(
            "raw",
            Value::from(String::from_utf8_lossy(raw).into_owned()),
        );
    }
    Value::Record(ev)
}
