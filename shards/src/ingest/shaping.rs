//! The ingest shard's side of traffic shaping: each pipeline's shaper, the pressure the
//! shard sees on its rings, the share tick and the report exchange with the other shards.

use std::time::Duration;

use super::Ingest;
use crate::metrics::Snapshot;
use crate::shaper::{Peers, Pressure, Report};

impl Ingest {
    /// Wires this shard into the host-wide report mesh.
    pub fn attach_peers(&mut self, peers: Peers) {
        self.peers = Some(peers);
    }

    /// How often the shapers want a tick (the shortest `share_interval`), if any pipeline
    /// has one.
    #[must_use]
    pub fn shaper_interval(&self) -> Option<Duration> {
        self.pipelines
            .iter()
            .filter_map(|p| p.shaper.as_ref())
            .map(|s| s.share_interval())
            .min()
    }

    /// What the shard sees of its sinks: how much of its `ring_capacity` credits the
    /// busiest sink has out (batches on the ring or queued at the sink, not yet written),
    /// and whether a batch is waiting for room (a sink is not keeping up).
    #[must_use]
    pub fn pressure(&self) -> Pressure {
        let (fill, waiting) = self.outbox.pressure();
        Pressure { fill, waiting }
    }

    /// One share tick at `now_ns`: takes in the peers' reports, sets shares and shed
    /// levels from the pressure seen now, and sends this shard's arrivals to the peers.
    pub fn shaper_tick(&mut self, now_ns: u64) {
        let pressure = self.pressure();
        if let Some(peers) = self.peers.as_mut() {
            let pipelines = &mut self.pipelines;
            peers.drain(|r| {
                if let Some(s) = pipelines
                    .get_mut(r.pipeline)
                    .and_then(|p| p.shaper.as_mut())
                {
                    s.absorb(r.from, &r.arrivals);
                }
            });
        }
        for (p, pl) in self.pipelines.iter_mut().enumerate() {
            let Some(s) = pl.shaper.as_mut() else {
                continue;
            };
            let arrivals = s.tick(now_ns, pressure);
            if let Some(peers) = self.peers.as_mut() {
                let r = Report {
                    from: peers.index,
                    pipeline: p,
                    arrivals,
                };
                peers.send(&r);
            }
        }
    }

    /// Should source `src` (lossless) hold off reading because its shaper is shedding?
    pub(super) fn shaper_pausing(&self, src: usize) -> bool {
        self.sources
            .get(src)
            .and_then(|s| self.pipelines[s.pipeline].shaper.as_ref())
            .is_some_and(crate::shaper::Shaper::pausing)
    }

    /// Copies the shapers' counters into a snapshot.
    pub(super) fn shaper_counters(&self, snap: &mut Snapshot) {
        for (p, pl) in self.pipelines.iter().enumerate() {
            if let Some(s) = &pl.shaper {
                snap.pipelines[p].shaper = s.counters().clone();
            }
        }
    }
}
