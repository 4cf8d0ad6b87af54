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
mod shaping;
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
    /// Its shaper, after the stage.
    shaper: Option<crate::shaper::Shaper>,
}

struct SourceRt {
    id: String,
    /// Its plan: each new stream builds its preprocessor chain from it.
    plan: crate::plan::SourcePlan,
    pipeline: usize,
    /// The source's codec first, then any a stream may pick instead (an HTTP source's
    /// Influx paths: see [`crate::plan::SourcePlan::decoders`]). A stream whose codec keeps
    /// state across frames (a CSV header) has its own, swapped in here while its reads are
    /// processed (see `streams.rs`).
    decoders: Vec<Decoder>,
}

struct Decoder {
    codec: Codec,
    /// Per sink: may the original bytes of an unchanged event be forwarded as its encoding?
    raw_ok: Vec<RawFit>,
    /// Passthrough pipeline and every `out` sink takes the raw bytes: validate, do not build.
    validate_only: bool,
    /// With `validate_only`: bytes that an `out` sink's framing forbids. A frame holding one
    /// is decoded and re-encoded instead (usually empty: frames cut at the same separator).
    validate_unless: Vec<u8>,
    /// Passthrough pipeline without a shaper, and the codec writes every `out` sink's
    /// encoding itself (`Codec::transcodes_to`): transcode each frame once, forward that.
    transcode: bool,
    /// The script touches only these top-level fields and every sink of the pipeline writes
    /// JSON patches: decode only them, encode the rest as copies (`Codec::decode_patch`).
    /// Boxed: it is taken out and put back for every frame, a pointer rather than its
    /// dozen vectors.
    patch: Option<Box<sluice_script::JsonPatch>>,
}

/// May the original bytes of an unchanged event be a sink's encoding of it? The codecs must
/// agree ([`Codec::passes_through_to`]), and the bytes must stay one frame in the sink's
/// framing: pretty-printed JSON from a length-prefixed source holds newlines, and forwarded
/// as is to a newline-separated sink it would become many broken lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RawFit {
    /// Re-encode.
    Never,
    /// Forward.
    Always,
    /// Forward unless the bytes hold this separator byte.
    Without(u8),
}

impl RawFit {
    fn new(decoder: &Codec, sink: &SinkOut, frames_exclude: Option<u8>) -> RawFit {
        if !decoder.passes_through_to(&sink.codec) {
            return RawFit::Never;
        }
        match sink.post.forbidden_byte() {
            None => RawFit::Always,
            Some(b) if frames_exclude == Some(b) => RawFit::Always,
            Some(b) => RawFit::Without(b),
        }
    }

    #[inline]
    fn fits(self, bytes: &[u8]) -> bool {
        match self {
            RawFit::Never => false,
            RawFit::Always => true,
            RawFit::Without(b) => memchr::memchr(b, bytes).is_none(),
        }
    }
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
    /// The decoder and metadata of the stream whose frames are being processed.
    cur: streams::Current,
    batch_bytes: usize,
    /// This shard's ends of the shapers' report mesh (several ingest shards, a shaper).
    peers: Option<crate::shaper::Peers>,
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
            let mut codec = sink
                .codec
                .codec()
                .map_err(comp(format!("sink `{}` codec", sink.id)))?;
            // The sink writes the header once (`SinkPlan::header`), not every shard's encoder.
            codec
                .detach_header()
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
                shaper: p
                    .shaper
                    .as_ref()
                    .map(|s| crate::shaper::Shaper::new(s, plan.ingest_cpus.len())),
            })
            .collect();
        let mut sources = Vec::with_capacity(plan.sources.len());
        for src in &plan.sources {
            let frames_exclude = src.preprocessor_chain()?.excluded_byte();
            let mut decoders = Vec::new();
            for spec in src.decoders() {
                let codec = spec
                    .codec()
                    .map_err(comp(format!("source `{}` codec", src.id)))?;
                let raw_ok: Vec<RawFit> = outs
                    .iter()
                    .map(|o| {
                        o.as_ref()
                            .map_or(RawFit::Never, |o| RawFit::new(&codec, o, frames_exclude))
                    })
                    .collect();
                let pl = &pipelines[src.pipeline];
                let out_sinks = &pl.ports[PipelinePlan::OUT];
                let validate_only = pl.stage.is_passthrough()
                    && out_sinks.iter().all(|s| raw_ok[*s] != RawFit::Never);
                let mut validate_unless: Vec<u8> = out_sinks
                    .iter()
                    .filter_map(|s| match raw_ok[*s] {
                        RawFit::Without(b) => Some(b),
                        _ => None,
                    })
                    .collect();
                validate_unless.sort_unstable();
                validate_unless.dedup();
                // Sinks that read metadata (Kafka attributes) or a shaper take the value path.
                let transcode = pl.stage.is_passthrough()
                    && pl.shaper.is_none()
                    && !out_sinks.is_empty()
                    && out_sinks.iter().all(|s| {
                        outs[*s].as_ref().is_some_and(|o| {
                            o.attrs_from.is_none() && codec.transcodes_to(&o.codec)
                        })
                    });
                let patch = patch_plan(plan, src.pipeline, &codec, &outs);
                decoders.push(Decoder {
                    codec,
                    raw_ok,
                    validate_only,
                    validate_unless,
                    transcode,
                    patch,
                });
            }
            sources.push(SourceRt {
                id: src.id.clone(),
                plan: src.clone(),
                pipeline: src.pipeline,
                decoders,
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
            cur: streams::Current::default(),
            batch_bytes: plan.batch_bytes,
            peers: None,
            counters: Snapshot::for_plan(plan),
            read_mono_ns: 0,
            _not_send: std::marker::PhantomData,
        })
    }

    /// A framing error (from the preprocessors, or found outside them: an oversized
    /// datagram, ...), with the bytes it carries.
    pub fn frame_error(&mut self, src: usize, e: &sluice_codecs::Error, read: &Read<'_>) {
        self.read_mono_ns = crate::signal::mono_ns();
        self.source_error(src, e, e.raw(), read);
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
        let dec = self.cur.dec.min(self.sources[src].decoders.len() - 1);
        if self.sources[src].decoders[dec].transcode
            && self.transcode(src, dec, p, bytes, &mut scratch, read)
        {
            self.scratch = scratch;
            return;
        }
        scratch.clear();
        scratch.extend_from_slice(bytes);
        let d = &self.sources[src].decoders[dec];
        let validate = d.validate_only
            && d.validate_unless
                .iter()
                .all(|b| memchr::memchr(*b, bytes).is_none());
        if validate {
            match self.sources[src].decoders[dec].codec.validate(&mut scratch) {
                Ok(()) => self.route_raw(p, PipelinePlan::OUT, bytes, read),
                Err(e) => self.source_error(src, &e, Some(bytes), read),
            }
        } else if let Some(mut patch) = self.sources[src].decoders[dec].patch.take() {
            let r =
                self.sources[src].decoders[dec]
                    .codec
                    .decode_patch(&mut scratch, bytes, &mut patch);
            let done = match r {
                Ok(Some((value, partial))) => {
                    self.run_stage(src, p, value, bytes, read, partial.then_some(&*patch))
                }
                Ok(None) => false,
                Err(e) => {
                    self.source_error(src, &e, Some(bytes), read);
                    true
                }
            };
            self.sources[src].decoders[dec].patch = Some(patch);
            if !done {
                // A script error on the partial event (its error event carries the whole
                // event): decode it whole and run again, as the reference path does.
                scratch.clear();
                scratch.extend_from_slice(bytes);
                self.decode_and_run(src, dec, p, &mut scratch, bytes, read);
            }
        } else {
            self.decode_and_run(src, dec, p, &mut scratch, bytes, read);
        }
        self.scratch = scratch;
    }

    /// The reference path: decode the whole event, run the stage, route.
    fn decode_and_run(
        &mut self,
        src: usize,
        dec: usize,
        p: usize,
        scratch: &mut [u8],
        bytes: &[u8],
        read: &Read<'_>,
    ) {
        match self.sources[src].decoders[dec]
            .codec
            .decode(scratch, read.now_ns)
        {
            Ok(Some(value)) => {
                self.run_stage(src, p, value, bytes, read, None);
            }
            Ok(None) => {}
            Err(e) => self.source_error(src, &e, Some(bytes), read),
        }
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
        self.route_value(
            src,
            p,
            PipelinePlan::ERR,
            &ev,
            &Value::Null,
            None,
            None,
            read,
        );
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

/// The patch plan of a source decoder (see `Decoder::patch`): a JSON source, a script whose
/// event fields are known ([`sluice_script::Script::event_fields`]), no shaper (its errors
/// carry the event), and every sink of every port of the pipeline writing JSON patches.
fn patch_plan(
    plan: &Plan,
    pipeline: usize,
    codec: &Codec,
    outs: &[Option<SinkOut>],
) -> Option<Box<sluice_script::JsonPatch>> {
    let pl = &plan.pipelines[pipeline];
    if !matches!(codec, Codec::Json(_)) || pl.shaper.is_some() {
        return None;
    }
    let keys = pl.script.as_ref()?.script.event_fields()?;
    let sinks_ok = pl.ports.iter().flat_map(|(_, sinks)| sinks).all(|s| {
        outs.get(*s)
            .and_then(Option::as_ref)
            .is_some_and(|o| o.codec.writes_patches())
    });
    sinks_ok.then(|| Box::new(sluice_script::JsonPatch::new(&keys)))
}

/// The event an error becomes: `{"error": {kind, message, source}, "raw": "<bytes>"}`, or
/// `"raw_base64"` when the bytes are not UTF-8, so that they can be recovered exactly.
#[must_use]
pub fn error_event(kind: &str, message: &str, source: &str, raw: Option<&[u8]>) -> Value<'static> {
    let mut err = sluice_script::Record::with_capacity(3);
    err.push_unique("kind", Value::from(kind.to_string()));
    err.push_unique("message", Value::from(message.to_string()));
    err.push_unique("source", Value::from(source.to_string()));
    let mut ev = sluice_script::Record::with_capacity(2);
    ev.push_unique("error", Value::Record(err));
    if let Some(raw) = raw {
        match std::str::from_utf8(raw) {
            Ok(text) => ev.push_unique("raw", Value::from(text.to_string())),
            Err(_) => {
                use base64::Engine as _;
                let b64 = base64::engine::general_purpose::STANDARD.encode(raw);
                ev.push_unique("raw_base64", Value::from(b64));
            }
        }
    }
    Value::Record(ev)
}
