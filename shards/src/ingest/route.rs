//! Routing an event to the sinks of a port: encode (or copy the original bytes) straight
//! into each sink's open batch, then run its postprocessors over the new tail.

use sluice_codecs::{Codec, PostprocessorChain};
use sluice_script::{JsonPatch, Value};

use super::{Ingest, Read, SinkOut};
use crate::metrics::bump;
use crate::plan::PipelinePlan;
use crate::ring::{FrameAttrs, FrameMeta};

/// How an event becomes bytes for one sink.
enum Body<'x, 'v> {
    /// The original frame, forwarded as is.
    Raw(&'x [u8]),
    /// A value to encode, with its metadata.
    Value(&'x Value<'v>, &'x Value<'v>),
    /// A partial record to encode as a patch of the original frame (see
    /// [`sluice_codecs::Codec::decode_patch`]).
    Patch(&'x Value<'v>, &'x JsonPatch, &'x [u8]),
    /// Already at the end of the sink's batch, from this offset (a source codec transcoded
    /// it there, see [`Ingest::transcode`]).
    Written(usize),
}

impl Ingest {
    /// Sends out of the `out` port of pipeline `p` what source `src`'s decoder `dec`
    /// transcodes `frame` into: byte for byte what decode + passthrough + encode would send
    /// every `out` sink. Where the port feeds exactly one sink of this shard, straight into
    /// that sink's batch; otherwise into `scratch`, then copied to each. False (nothing
    /// sent) when the codec declines the frame: it is then decoded the ordinary way.
    pub(super) fn transcode(
        &mut self,
        src: usize,
        dec: usize,
        p: usize,
        frame: &[u8],
        scratch: &mut Vec<u8>,
        read: &Read<'_>,
    ) -> bool {
        let port = PipelinePlan::OUT;
        let codec = &mut self.sources[src].decoders[dec].codec;
        if let [s] = self.pipelines[p].ports[port][..] {
            if let Some(out) = self.outs[s].as_mut() {
                let batch = out.batch.get_or_insert_with(|| {
                    self.outbox.new_batch(out.link, out.local, self.batch_bytes)
                });
                let start = batch.data.len();
                if !codec.transcode(frame, read.now_ns, &mut batch.data) {
                    return false;
                }
                self.counters.pipelines[p].ports[port] += 1;
                self.emit(s, p, Body::Written(start), None, read);
                return true;
            }
        }
        if !codec.transcode(frame, read.now_ns, scratch) {
            return false;
        }
        self.route_raw(p, port, scratch, read);
        true
    }

    /// Sends the original bytes of an unchanged event out of `port` of pipeline `p`.
    pub(super) fn route_raw(&mut self, p: usize, port: usize, bytes: &[u8], read: &Read<'_>) {
        self.counters.pipelines[p].ports[port] += 1;
        for k in 0..self.pipelines[p].ports[port].len() {
            let s = self.pipelines[p].ports[port][k];
            self.emit(s, p, Body::Raw(bytes), None, read);
        }
    }

    /// Sends `value` out of `port`. Where `raw` is given (the event is unchanged), the
    /// sink's codec accepts the source's bytes as they are and they stay one frame in the
    /// sink's framing, those are forwarded instead. Where `patch` is given, `value` holds only
    /// the fields the script touches and is encoded as a patch of the original frame.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn route_value(
        &mut self,
        src: usize,
        p: usize,
        port: usize,
        value: &Value<'_>,
        meta: &Value<'_>,
        raw: Option<&[u8]>,
        patch: Option<(&JsonPatch, &[u8])>,
        read: &Read<'_>,
    ) {
        self.counters.pipelines[p].ports[port] += 1;
        for k in 0..self.pipelines[p].ports[port].len() {
            let s = self.pipelines[p].ports[port][k];
            let dec = self.cur.dec.min(self.sources[src].decoders.len() - 1);
            let body = match raw {
                Some(bytes) if self.sources[src].decoders[dec].raw_ok[s].fits(bytes) => {
                    Body::Raw(bytes)
                }
                _ => match patch {
                    Some((pt, frame)) => Body::Patch(value, pt, frame),
                    None => Body::Value(value, meta),
                },
            };
            self.emit(s, p, body, Some(meta), read);
        }
    }

    fn emit(
        &mut self,
        s: usize,
        p: usize,
        body: Body<'_, '_>,
        meta: Option<&Value<'_>>,
        read: &Read<'_>,
    ) {
        // Latency runs on the monotonic clock, read once per read (`Ingest::read_at`).
        let ingest_ns = self.read_mono_ns;
        let Some(out) = self.outs[s].as_mut() else {
            return;
        };
        // The batch stays where it is while the frame goes in (moving it out and back per
        // event was a copy of the whole struct through the stack, and a store-forwarding
        // stall, on every event).
        let SinkOut {
            link,
            local,
            codec,
            post,
            batch: slot,
            splits,
            attrs_from,
        } = out;
        let batch =
            slot.get_or_insert_with(|| self.outbox.new_batch(*link, *local, self.batch_bytes));
        let start = match body {
            Body::Written(start) => start,
            _ => batch.data.len(),
        };
        match write_frame(codec, post, splits, &mut batch.data, start, body) {
            Ok(()) => {
                let last = u32::try_from(batch.data.len()).unwrap_or(u32::MAX);
                for &end in splits.iter() {
                    let end = u32::try_from(end).unwrap_or(u32::MAX);
                    batch.frames.push(FrameMeta {
                        end,
                        pipeline: p as u16,
                        event_end: false,
                        ingest_ns,
                    });
                }
                batch.frames.push(FrameMeta {
                    end: last,
                    pipeline: p as u16,
                    event_end: true,
                    ingest_ns,
                });
                batch.lossless |= read.lossless;
                if let (Some(key), Some(meta)) = (*attrs_from, meta) {
                    if let Some(a) = meta.get(key).and_then(|r| attrs(r, batch.frames.len() - 1)) {
                        batch.attrs.push(a);
                    }
                }
                if let Some(m) = self.mark {
                    if batch.marks.last() != Some(&m) {
                        batch.marks.push(m);
                        self.ledger.hold(m);
                    }
                }
                for &m in &self.extra_marks {
                    if !batch.marks.contains(&m) {
                        batch.marks.push(m);
                        self.ledger.hold(m);
                    }
                }
            }
            Err(e) => {
                batch.data.truncate(start);
                bump(&mut self.counters.sinks[s].dropped, e.kind(), 1);
            }
        }
        if batch.data.len() >= self.batch_bytes {
            if let Some(b) = slot.take() {
                self.outbox.pending[s].push_back(b);
            }
        }
    }
}

/// The attributes an event's `$kafka`-style record sets, if any.
fn attrs(r: &Value<'_>, frame: usize) -> Option<FrameAttrs> {
    let r = r.as_record()?;
    let text = |v: &Value<'_>| -> Option<Vec<u8>> {
        v.as_str()
            .map(|s| s.as_bytes().to_vec())
            .or_else(|| v.as_bytes().map(<[u8]>::to_vec))
            .or_else(|| v.as_i64().map(|i| i.to_string().into_bytes()))
    };
    // A record with an `offset` is a consumed message's own `$kafka`: its key and headers
    // travel on, its topic and partition do not (that would write back into the source).
    let consumed = r.get("offset").is_some();
    let a = FrameAttrs {
        frame: u32::try_from(frame).unwrap_or(u32::MAX),
        topic: r
            .get("topic")
            .filter(|_| !consumed)
            .and_then(Value::as_str)
            .map(str::to_string),
        key: r.get("key").and_then(text),
        partition: r
            .get("partition")
            .filter(|_| !consumed)
            .and_then(Value::as_i64)
            .and_then(|p| i32::try_from(p).ok()),
        headers: r
            .get("headers")
            .and_then(Value::as_record)
            .map(|h| {
                h.iter()
                    .filter_map(|(k, v)| Some((k.to_string(), text(v)?)))
                    .collect()
            })
            .unwrap_or_default(),
    };
    (a.topic.is_some() || a.key.is_some() || a.partition.is_some() || !a.headers.is_empty())
        .then_some(a)
}

fn write_frame(
    codec: &mut Codec,
    post: &mut PostprocessorChain,
    splits: &mut Vec<usize>,
    data: &mut Vec<u8>,
    start: usize,
    body: Body<'_, '_>,
) -> Result<(), sluice_codecs::Error> {
    splits.clear();
    match body {
        Body::Raw(bytes) => data.extend_from_slice(bytes),
        Body::Value(v, m) => codec.encode(v, m, data)?,
        Body::Patch(v, pt, frame) => codec.encode_patch(v, pt, frame, data)?,
        Body::Written(_) => {}
    }
    post.process(data, start, splits)
}
