//! Handing batches to the rings, and what happens when a ring is full.

use rtrb::PushError;

use super::Ingest;
use crate::metrics::bump;
use crate::plan::OnFull;

pub(super) fn try_flush(ing: &mut Ingest, policy: OnFull, src: usize) -> bool {
    for out in ing.outs.iter_mut().flatten() {
        if out.batch.as_ref().is_some_and(|b| !b.frames.is_empty()) {
            if let Some(b) = out.batch.take() {
                ing.pending[out.link].push_back(b);
            }
        }
    }
    let mut blocked = false;
    for (j, link) in ing.links.iter_mut().enumerate() {
        let mut pushed = false;
        while let Some(b) = ing.pending[j].pop_front() {
            match link.tx.push(b) {
                Ok(()) => pushed = true,
                Err(PushError::Full(b)) => {
                    if policy == OnFull::Drop && !b.lossless {
                        let n = b.events();
                        bump(&mut ing.counters.sources[src].dropped, "ring_full", n);
                        if let Some(&s) = ing.locals[j].get(usize::from(b.sink)) {
                            bump(&mut ing.counters.sinks[s].dropped, "ring_full", n);
                        }
                        // The batch's memory goes back into rotation through the next new batch.
                        drop(b);
                        continue;
                    }
                    ing.pending[j].push_front(b);
                    blocked = true;
                    break;
                }
            }
        }
        if pushed {
            link.bell.ring();
        }
    }
    // A lossless source whose shaper sheds under pressure may pause instead (`pause_lossless`).
    blocked || (policy == OnFull::Block && ing.shaper_pausing(src))
}
