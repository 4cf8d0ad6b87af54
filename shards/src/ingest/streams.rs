//! Streams: each connection, socket, file or stdin gets its own preprocessor chain, held
//! here (not in the source task) so the shard can report the chains' counters (frames cut,
//! chunks dropped, bombs stopped, ...) while streams are open and after they close.

use sluice_codecs::PreprocessorChain;

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

/// Chains of open streams, and the counters of closed ones.
#[derive(Default)]
pub(super) struct Streams {
    open: Vec<Option<(usize, PreprocessorChain)>>,
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
        let slot = match self.streams.free.pop() {
            Some(s) => {
                self.streams.open[s] = Some((src, chain));
                s
            }
            None => {
                self.streams.open.push(Some((src, chain)));
                self.streams.open.len() - 1
            }
        };
        StreamId { slot, src }
    }

    /// Takes a stream's chain out while it runs (the chain's frames need `&mut self`).
    fn with_chain(&mut self, id: &StreamId, f: impl FnOnce(&mut Self, &mut PreprocessorChain)) {
        let Some(Some((_, chain))) = self.streams.open.get_mut(id.slot) else {
            return;
        };
        let mut chain = std::mem::take(chain);
        f(self, &mut chain);
        if let Some(Some((_, c))) = self.streams.open.get_mut(id.slot) {
            *c = chain;
        }
    }

    /// Runs one read of a stream through its preprocessors and the pipeline.
    pub fn chunk(&mut self, id: &StreamId, data: &[u8], read: &Read<'_>) {
        self.read_mono_ns = crate::signal::mono_ns();
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
        if let Some(Some((src, chain))) = self.streams.open.get_mut(id.slot).map(Option::take) {
            let closed = &mut self.streams.closed[src];
            chain.counters(&mut |stage, counter, v| add(closed, stage, counter, v));
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
            let Some(src) = self.streams.open[slot].as_ref().map(|(src, _)| *src) else {
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
        for (src, chain) in self.streams.open.iter().flatten() {
            let pre: &mut SourceCounters = &mut snap.sources[*src];
            chain.counters(&mut |stage, counter, v| add(&mut pre.preprocessors, stage, counter, v));
        }
        snap
    }
}
