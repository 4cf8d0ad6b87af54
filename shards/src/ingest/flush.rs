//! Handing batches to the rings, per sink, and what happens when a sink is full.
//!
//! One ring joins this shard to each sink shard and carries the batches of every sink that
//! shard owns. So that one sink's trouble cannot hold up the others on the same ring, each
//! sink gets `ring_capacity` credits here: a batch for sink `s` goes onto the ring only while
//! fewer than that many of `s`'s batches are out (on the ring, queued at the sink, or being
//! written), and a credit comes back with every batch the sink task returns after writing
//! it. The sink shard can therefore always take a batch off the ring and park it in its
//! sink's queue (the ring is sized for every credit), and a sink that stops writing stops
//! only the batches bound to it: they wait here, per sink, and the sources that feed it
//! (and only those) wait with them.

use std::collections::VecDeque;

use rtrb::PushError;

use super::Ingest;
use crate::metrics::bump;
use crate::plan::{OnFull, Plan};
use crate::ring::{Batch, IngestLink};

/// Batches on their way out, per sink, and the sinks' credits.
pub(super) struct Outbox {
    /// Per plan sink: full batches not yet on the ring, oldest first.
    pub(super) pending: Vec<VecDeque<Batch>>,
    /// Per plan sink: batches on the ring or at the sink shard, not yet returned.
    in_flight: Vec<usize>,
    /// Per plan sink: batches put on the ring and batches returned, ever. A sink task
    /// returns its batches in the order it got them, so `returned >= n` means the first `n`
    /// sent are written (see [`Ingest::ack_mark`]).
    sent: Vec<u64>,
    returned: Vec<u64>,
    /// Credits per sink.
    limit: usize,
    /// Per link: emptied batches returned by the sink shard, ready for reuse.
    pub(super) free: Vec<Vec<Batch>>,
    /// Batches just taken back, before their marks are released (kept for its allocation).
    pub(super) back: Vec<(usize, Batch)>,
    /// Per link: local sink index -> plan sink index.
    locals: Vec<Vec<usize>>,
    /// Per source: which sinks its pipeline can send to.
    feeds: Vec<Vec<bool>>,
}

impl Outbox {
    pub(super) fn new(plan: &Plan, links: usize) -> Self {
        let mut locals = vec![Vec::new(); links];
        for (s, sink) in plan.sinks.iter().enumerate() {
            if let Some(l) = locals.get_mut(sink.shard) {
                l.push(s);
            }
        }
        let feeds = plan
            .sources
            .iter()
            .map(|src| {
                let mut f = vec![false; plan.sinks.len()];
                if let Some(p) = plan.pipelines.get(src.pipeline) {
                    for (_, sinks) in &p.ports {
                        for &s in sinks {
                            if let Some(x) = f.get_mut(s) {
                                *x = true;
                            }
                        }
                    }
                }
                f
            })
            .collect();
        Outbox {
            pending: (0..plan.sinks.len()).map(|_| VecDeque::new()).collect(),
            in_flight: vec![0; plan.sinks.len()],
            sent: vec![0; plan.sinks.len()],
            returned: vec![0; plan.sinks.len()],
            limit: plan.ring_capacity.max(1),
            free: (0..links).map(|_| Vec::new()).collect(),
            back: Vec::new(),
            locals,
            feeds,
        }
    }

    /// The shaper's pressure signal: the largest share of its credits any sink has out
    /// (0..=1), and whether any batch is waiting for a credit or ring room.
    pub(super) fn pressure(&self) -> (f64, bool) {
        #[allow(clippy::cast_precision_loss)]
        let fill = self
            .in_flight
            .iter()
            .map(|&n| n as f64 / self.limit as f64)
            .fold(0.0, f64::max);
        (fill, self.pending.iter().any(|q| !q.is_empty()))
    }

    /// Takes back the batches the sink shard returned on `link`, with their credits, into
    /// `back` (the caller releases their marks: see `Ingest::reap`).
    pub(super) fn reclaim(
        &mut self,
        link: &mut IngestLink,
        j: usize,
        back: &mut Vec<(usize, Batch)>,
    ) {
        while let Ok(b) = link.recycled.pop() {
            if let Some(&s) = self.locals[j].get(usize::from(b.sink)) {
                self.in_flight[s] = self.in_flight[s].saturating_sub(1);
                self.returned[s] += 1;
            }
            back.push((j, b));
        }
    }

    /// The plan index of local sink `local` of link `j`.
    pub(super) fn sink_of(&self, j: usize, local: u16) -> Option<usize> {
        self.locals.get(j)?.get(usize::from(local)).copied()
    }

    /// A batch for sink `local` of link `j`: a returned one if there is one. Batches come
    /// back only through `Ingest::reap` (every flush), never here: a returned batch may
    /// carry failures whose routing to `err` would re-enter the event path.
    pub(super) fn new_batch(&mut self, j: usize, local: u16, bytes: usize) -> Batch {
        let mut b = self.free[j]
            .pop()
            .unwrap_or_else(|| Batch::with_capacity(bytes + bytes / 4));
        b.clear();
        b.sink = local;
        b
    }
}

/// See [`Ingest::try_flush`]; `src == None` waits on every sink.
pub(super) fn try_flush(ing: &mut Ingest, policy: OnFull, src: Option<usize>) -> bool {
    // First what came back: it frees credits and may route failed frames to `err`.
    ing.reap();
    let ob = &mut ing.outbox;
    for (s, out) in ing.outs.iter_mut().enumerate() {
        let Some(out) = out else { continue };
        if out.batch.as_ref().is_some_and(|b| !b.frames.is_empty()) {
            if let Some(b) = out.batch.take() {
                ob.pending[s].push_back(b);
            }
        }
    }
    let mut blocked = false;
    let mut dropped = Vec::new();
    // Links whose sink shard must be woken (bit j), rung once each after the pushes.
    let mut rung: u64 = 0;
    for (s, out) in ing.outs.iter().enumerate() {
        let Some(out) = out else { continue };
        let j = out.link;
        while let Some(b) = ob.pending[s].pop_front() {
            let b = if ob.in_flight[s] < ob.limit {
                match ing.links[j].tx.push(b) {
                    Ok(()) => {
                        ob.in_flight[s] += 1;
                        ob.sent[s] += 1;
                        if j < 64 {
                            rung |= 1 << j;
                        } else {
                            ing.links[j].bell.ring();
                        }
                        continue;
                    }
                    Err(PushError::Full(b)) => b,
                }
            } else {
                b
            };
            if policy == OnFull::Drop && !b.lossless {
                let n = b.events();
                if let Some(src) = src {
                    bump(&mut ing.counters.sources[src].dropped, "ring_full", n);
                }
                bump(&mut ing.counters.sinks[s].dropped, "ring_full", n);
                // Dropped and counted: handled, so its positions are released (below).
                dropped.push((j, b));
                continue;
            }
            ob.pending[s].push_front(b);
            let feeds = src.map_or(true, |src| ob.feeds[src][s]);
            blocked |= feeds;
            break;
        }
    }
    for (j, link) in ing.links.iter().enumerate().take(64) {
        if rung & (1 << j) != 0 {
            link.bell.ring();
        }
    }
    for (j, b) in dropped {
        let b = ing.returned(j, b);
        ing.outbox.free[j].push(b);
    }
    // A lossless source whose shaper sheds under pressure may pause instead (`pause_lossless`).
    blocked || (policy == OnFull::Block && src.is_some_and(|s| ing.shaper_pausing(s)))
}

impl Ingest {
    /// How many batches each sink has been sent so far. Taken right after a flush that
    /// left nothing pending, it covers everything processed until then: once
    /// [`Ingest::acked`] says yes for it, all of that has been written by its sinks (a sink
    /// returns a batch only after writing it, or after giving up on it at the hard stop).
    #[must_use]
    pub fn ack_mark(&self) -> Vec<u64> {
        self.outbox.sent.clone()
    }

    /// Have the sinks returned every batch counted in `mark`?
    pub fn acked(&mut self, mark: &[u64]) -> bool {
        self.reap();
        mark.iter().zip(&self.outbox.returned).all(|(m, r)| r >= m)
    }
}
