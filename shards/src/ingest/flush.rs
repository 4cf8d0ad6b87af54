//! Handing batches to the rings, and what happens when a ring is full.

use rtrb::PushError;

use super::Ingest;
use crate::metrics::bump;
use crate::plan::OnFull;

pub(super) fn try_flush(ing: &mut Ingest, policy: OnFull, src: usize) -> bool {
    ing.reap();
    for out in ing.outs.iter_mut().flatten() {
        if out.batch.as_ref().is_some_and(|b| !b.frames.is_empty()) {
            if let Some(b) = out.batch.take() {
                ing.pending[out.link].push_back(b);
            }
        }
    }
    let mut blocked = false;
    let mut dropped = Vec::new();
    for (j, link) in ing.links.iter_mut().enumerate() {
        let mut pushed = false;
        while let Some(b) = ing.pending[j].pop_front() {
            // A link with its whole allowance out counts as full.
            let r = if ing.in_flight[j] >= ing.in_flight_cap {
                Err(PushError::Full(b))
            } else {
                link.tx.push(b)
            };
            match r {
                Ok(()) => {
                    pushed = true;
                    ing.in_flight[j] += 1;
                }
                Err(PushError::Full(b)) => {
                    if policy == OnFull::Drop && !b.lossless {
                        let n = b.events();
                        bump(&mut ing.counters.sources[src].dropped, "ring_full", n);
                        if let Some(&s) = ing.locals[j].get(usize::from(b.sink)) {
                            bump(&mut ing.counters.sinks[s].dropped, "ring_full", n);
                        }
                        // Dropped and counted: handled, so its positions are released.
                        dropped.push((j, b));
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
    for (j, b) in dropped {
        let b = ing.returned(j, b);
        ing.spares[j].push(b);
    }
    blocked
}
