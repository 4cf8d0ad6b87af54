//! Streams: each connection, socket, file or stdin gets its own preprocessor chain, held
//! here (not in the source task) so the shard can report the chains' counters (frames cut,
//! chunks dropped, bombs stopped, ...) while streams are open and after they close.
//!
//! A codec whose decoding depends on earlier frames (CSV with `header = true`) also gets a
//! decoder per stream: one connection's header row says nothing about another's. (A UDP
//! socket is one stream: its datagrams share the header.)

use sluice_codecs::{Codec, PreprocessorChain};
use sluice_script::Value;

use super::{Ingest, Read};
use crate::metrics::{Snapshot, SourceCounters};

/// A handle on an open stream of a source. Closing it takes it by value.
#[derive(Debug)]
pub struct StreamId {
    slot: usize,
    src: usize,
}

impl StreamId {
    /// The source the stream belongs to.
    #[must_use]
    pub fn source(&self) -> usize {
        self.src
    }
}

/// What the frames being processed belong to: which of the source's decoders reads them,
/// and the metadata (`$http`, ...) every event of the stream starts with.
#[derive(Default)]
pub(super) struct Current {
    pub(super) dec: usize,
    pub(super) meta: Option<Value<'static>>,
}

/// An open stream: its source, chain, decoder choice and starting metadata and, for
/// stateful codecs, its own decoder.
struct Open {
    src: usize,
    chain: PreprocessorChain,
    cur: Current,
    decoder: Option<Codec>,
}

/// Chains of open streams, and the counters of closed ones.
#[derive(Default)]
pub(super) struct Streams {
    open: Vec<Option<Open>>,
    free: Vec<usize>,
    /// Per source: (stage, counter, total) over closed streams.
    closed: Vec<Vec<(&'static str, &'static str, u64)>>,
}

fn add(
    into: &mut Vec<(&'static str, &'static str, u64)>,
    stage: &'static str,
    counter: &'static str,
    v: u64,
) {
    match into
        .iter_mut()
        .find(|(s, c, _)| *s == stage && *c == counter)
    {
        Some(e) => e.2 += v,
        None => into.push((stage, counter, v)),
    }
}

impl Streams {
    pub(super) fn new(sources: usize) -> Self {
        Streams {
            open: Vec::new(),
            free: Vec::new(),
            closed: vec![Vec::new(); sources],
        }
    }
}

impl Ingest {
    /// Opens a stream of source `src` with a fresh preprocessor chain.
    pub fn open_stream(&mut self, src: usize) -> StreamId {
        // Every chain was built once by `Plan::check_components`; none fails here.
        let chain = self.sources[src]
            .plan
            .preprocessor_chain()
            .unwrap_or_default();
        self.open_stream_with(src, chain, 0, None)
    }

    /// Opens a stream of source `src` with its own chain, decoder `dec` (an index into
    /// [`crate::plan::SourcePlan::decoders`]) and metadata every event starts with.
    pub fn open_stream_with(
        &mut self,
        src: usize,
        chain: PreprocessorChain,
        dec: usize,
        meta: Option<Value<'static>>,
    ) -> StreamId {
        // Built from the same spec as the source's decoder, which was checked at start-up.
        let dec = dec.min(self.sources[src].decoders.len() - 1);
        let decoder = if self.sources[src].decoders[dec].codec.has_stream_state() {
            self.sources[src].plan.decoders()[dec].codec().ok()
        } else {
            None
        };
        let open = Open {
            src,
            chain,
            cur: Current { dec, meta },
            decoder,
        };
        let slot = match self.streams.free.pop() {
            Some(s) => {
                self.streams.open[s] = Some(open);
                s
            }
            None => {
                self.streams.open.push(Some(open));
                self.streams.open.len() - 1
            }
        };
        StreamId { slot, src }
    }

    /// Takes a stream's chain and decoder choice out while it runs (the chain's frames need
    /// `&mut self`), and puts the stream's own decoder, if it has one, in the source's
    /// place meanwhile.
    fn with_chain(&mut self, id: &StreamId, f: impl FnOnce(&mut Self, &mut PreprocessorChain)) {
        let Some(Some(open)) = self.streams.open.get_mut(id.slot) else {
            return;
        };
        let mut chain = std::mem::take(&mut open.chain);
        self.cur = std::mem::take(&mut open.cur);
        let dec = self.cur.dec;
        let mut decoder = open.decoder.take();
        if let Some(d) = decoder.as_mut() {
            std::mem::swap(d, &mut self.sources[id.src].decoders[dec].codec);
        }
        f(self, &mut chain);
        if let Some(d) = decoder.as_mut() {
            std::mem::swap(d, &mut self.sources[id.src].decoders[dec].codec);
        }
        if let Some(Some(open)) = self.streams.open.get_mut(id.slot) {
            open.chain = chain;
            open.cur = std::mem::take(&mut self.cur);
            open.decoder = decoder;
        }
    }

    /// Processes `frame` as one whole frame of the stream, past its preprocessors (the
    /// elements of a JSON array body, already split).
    pub fn whole_frame(&mut self, id: &StreamId, frame: &[u8], read: &Read<'_>) {
        let src = id.src;
        self.counters.sources[src].bytes += frame.len() as u64;
        self.with_chain(id, |ing, _| ing.frame(src, Ok(frame), read));
    }

    /// Runs one read of a stream through its preprocessors and the pipeline.
    pub fn chunk(&mut self, id: &StreamId, data: &[u8], read: &Read<'_>) {
        self.read_mono_ns = crate::signal::mono_ns();
        self.chunk_more(id, data, read);
    }

    /// Like [`Ingest::chunk`] for a further part of the same read (a big read goes through
    /// in parts, flushed one by one): its events keep the time of the read.
    pub fn chunk_more(&mut self, id: &StreamId, data: &[u8], read: &Read<'_>) {
        let src = id.src;
        self.counters.sources[src].bytes += data.len() as u64;
        self.with_chain(id, |ing, chain| {
            chain.process(read.now_ns, data, &mut |f| ing.frame(src, f, read))
        });
    }

    /// Like [`Ingest::chunk`] for one datagram: frames never continue into the next one.
    pub fn datagram(&mut self, id: &StreamId, data: &[u8], read: &Read<'_>) {
        self.read_mono_ns = crate::signal::mono_ns();
        let src = id.src;
        self.counters.sources[src].bytes += data.len() as u64;
        self.with_chain(id, |ing, chain| {
            chain.process_datagram(read.now_ns, data, &mut |f| ing.frame(src, f, read))
        });
    }

    /// End of a stream: whatever the preprocessors still hold becomes frames, and the
    /// chain's counters join the source's totals.
    pub fn end_of_stream(&mut self, id: StreamId, read: &Read<'_>) {
        self.read_mono_ns = crate::signal::mono_ns();
        let src = id.src;
        self.with_chain(&id, |ing, chain| {
            chain.finish(read.now_ns, &mut |f| ing.frame(src, f, read))
        });
        if let Some(Some(open)) = self.streams.open.get_mut(id.slot).map(Option::take) {
            let closed = &mut self.streams.closed[open.src];
            open.chain
                .counters(&mut |stage, counter, v| add(closed, stage, counter, v));
            self.streams.free.push(id.slot);
        }
    }

    /// End of a stream cut short at shutdown: what the preprocessors still hold is the
    /// start of a frame the close cut in half. It is not decoded (it would only be garbage
    /// in `err`); each such frame is counted as dropped with reason `cut_by_shutdown`.
    pub fn cut_stream(&mut self, id: StreamId, read: &Read<'_>) {
        self.read_mono_ns = crate::signal::mono_ns();
        let src = id.src;
        let mut cut = 0u64;
        self.with_chain(&id, |_, chain| chain.finish(read.now_ns, &mut |_| cut += 1));
        if cut > 0 {
            crate::metrics::bump(
                &mut self.counters.sources[src].dropped,
                "cut_by_shutdown",
                cut,
            );
        }
        self.end_of_stream(id, read);
    }

    /// Time passes: every open stream's preprocessors give up on partial data that has
    /// expired (GELF chunks of a source that fell quiet), which goes to `err` and is counted.
    /// Batches this fills are queued without waiting; the next flush of any source sends them.
    pub fn tick(&mut self, now_ns: u64) {
        self.read_mono_ns = crate::signal::mono_ns();
        let read = Read {
            now_ns,
            lossless: false,
            origin: None,
        };
        for slot in 0..self.streams.open.len() {
            let Some(src) = self.streams.open[slot].as_ref().map(|o| o.src) else {
                continue;
            };
            self.with_chain(&StreamId { slot, src }, |ing, chain| {
                chain.tick(now_ns, &mut |f| ing.frame(src, f, &read));
            });
            self.try_flush(crate::plan::OnFull::Block, src);
        }
    }

    /// The shard's counters with every source's preprocessor totals (open and closed streams).
    #[must_use]
    pub fn snapshot(&self) -> Snapshot {
        let mut snap = self.counters.clone();
        for (src, c) in snap.sources.iter_mut().enumerate() {
            c.preprocessors = self.streams.closed[src].clone();
        }
        for open in self.streams.open.iter().flatten() {
            let pre: &mut SourceCounters = &mut snap.sources[open.src];
            open.chain
                .counters(&mut |stage, counter, v| add(&mut pre.preprocessors, stage, counter, v));
        }
        self.shaper_counters(&mut snap);
        snap
    }
}
