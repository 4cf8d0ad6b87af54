//! The ingest side of acknowledgements: batches coming back from the sink shards release
//! the source positions they held; frames a sink gave up on go to `err`.
//!
//! A sink returns a batch on the ring back only once it has written it (file: written and
//! flushed; TCP: written; Kafka: delivery report; stdout and blackhole: at once), with its
//! `marks` and `failures` intact; this shard clears it. The same ring that recycles batch
//! memory therefore carries the acknowledgement, and the sinks' credits (see `flush`)
//! bound both.

use sluice_script::Value;

use super::Ingest;
use crate::ack::Mark;
use crate::metrics::bump;
use crate::plan::PipelinePlan;
use crate::ring::Batch;

impl Ingest {
    /// Sets the group that the events processed from now on belong to (`None`: the source
    /// does not commit). A source sets it around each unit it reads.
    pub fn set_mark(&mut self, mark: Option<Mark>) {
        self.mark = mark;
    }

    /// Sets the metadata (`$`) every event processed from now on starts with (`None`: an
    /// empty record). Set around each unit read, like the mark.
    pub fn set_meta(&mut self, meta: Option<Value<'static>>) {
        self.meta = meta;
    }

    /// Does source `src` build values (a script or a re-encoding sink reads them)? When it
    /// does not, metadata would never be read and need not be built.
    #[must_use]
    pub fn builds_values(&self, src: usize) -> bool {
        self.sources
            .get(src)
            .is_some_and(|s| s.decoders.iter().any(|d| !d.validate_only))
    }

    /// Takes in every batch the sink shards have sent back: releases its marks, routes its
    /// failed frames to `err`, keeps it for reuse. Cheap when nothing came back.
    pub fn reap(&mut self) {
        let mut back = std::mem::take(&mut self.outbox.back);
        for j in 0..self.links.len() {
            self.outbox.reclaim(&mut self.links[j], j, &mut back);
        }
        for (j, b) in back.drain(..) {
            let b = self.returned(j, b);
            self.outbox.free[j].push(b);
        }
        self.outbox.back = back;
    }

    /// Takes a batch back (from the ring, or one dropped on a full ring): its events are
    /// handled.
    pub(super) fn returned(&mut self, link: usize, mut b: Batch) -> Batch {
        if !b.failures.is_empty() {
            self.route_failures(link, &b);
        }
        if !b.gave_up {
            for i in 0..b.marks.len() {
                self.ledger.release(b.marks[i]);
            }
        }
        b.clear();
        b
    }

    /// Frames a sink could not deliver become error events on their pipeline's `err`
    /// port, with the sink's error and the frame's bytes, unless that port feeds the same
    /// sink (which would loop): then they are counted as dropped.
    fn route_failures(&mut self, link: usize, b: &Batch) {
        let Some(sink) = self.outbox.sink_of(link, b.sink) else {
            return;
        };
        let id = self.sink_ids.get(sink).cloned().unwrap_or_default();
        for f in &b.failures {
            let i = f.frame as usize;
            let Some(meta) = b.frames.get(i) else {
                continue;
            };
            let p = usize::from(meta.pipeline);
            let Some(pl) = self.pipelines.get(p) else {
                continue;
            };
            if pl.ports[PipelinePlan::ERR].contains(&sink) {
                bump(
                    &mut self.counters.sinks[sink].dropped,
                    "failed_to_err_loop",
                    1,
                );
                continue;
            }
            let ev = super::error_event("sink", &f.error, &id, Some(b.frame_bytes(i)));
            let read = super::Read {
                now_ns: crate::signal::now_ns(),
                lossless: true,
                origin: None,
            };
            // The error event holds every position of the batch until the `err` sinks have
            // written it (the batch itself releases them right after this).
            let saved = self.mark.take();
            self.extra_marks.clone_from(&b.marks);
            self.route_value(
                0,
                p,
                PipelinePlan::ERR,
                &ev,
                &Value::Null,
                None,
                None,
                &read,
            );
            self.extra_marks.clear();
            self.mark = saved;
        }
    }
}
