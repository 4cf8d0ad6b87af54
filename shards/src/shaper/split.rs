//! The host-wide split: a class's rate belongs to the host, its events arrive on many shards.
//!
//! Every share tick (`share_interval`, 5 ms by default) each ingest shard
//! 1. smooths each live bucket's arrivals since the last tick (`s = s * 0.5 + arrivals`,
//!    a half-life of one tick, so a shift is visible within a few ticks),
//! 2. sends `(bucket name, s)` for every bucket with traffic to every other ingest shard
//!    (one SPSC ring per ordered pair of shards; a full ring drops the report, counted),
//! 3. takes in the latest report of every peer, and gives each bucket the share
//!    `min(1, s_local / (s_local + s_peers) + margin / shards)` of the rate and burst.
//!
//! With demand above the rate every shard's bucket runs full and the shares add up to
//! `1 + margin` (2% by default): the host passes the rate plus the margin. The margin is a
//! borrow allowance: a shard that starts to see a class gets a little of its rate before its
//! peers hear of it. A class that arrives on one shard only gets share 1, its full rate. A
//! bucket nobody has seen traffic for gets `1 / shards` (with the burst split the same way),
//! so a class that appears everywhere at once cannot pass `shards` times its burst.

use hashbrown::HashMap;
use rtrb::{Consumer, Producer, RingBuffer};

use super::table::Table;

/// A shard's smoothed arrivals per bucket of one pipeline.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// The sending shard (ingest index).
    pub from: usize,
    /// The pipeline.
    pub pipeline: usize,
    /// (bucket name, smoothed arrivals per tick).
    pub arrivals: Vec<(u64, f32)>,
}

/// A shard's ends of the report mesh.
pub struct Peers {
    /// This shard's ingest index.
    pub index: usize,
    tx: Vec<Producer<Report>>,
    rx: Vec<Consumer<Report>>,
    /// Reports that found a peer's ring full.
    pub dropped: u64,
}

/// Reports queued per ordered pair of shards.
const RING: usize = 16;

/// One [`Peers`] per ingest shard, each wired to every other.
#[must_use]
pub fn mesh(shards: usize) -> Vec<Peers> {
    let mut peers: Vec<Peers> = (0..shards)
        .map(|index| Peers {
            index,
            tx: Vec::new(),
            rx: Vec::new(),
            dropped: 0,
        })
        .collect();
    for a in 0..shards {
        for b in 0..shards {
            if a != b {
                let (tx, rx) = RingBuffer::new(RING);
                peers[a].tx.push(tx);
                peers[b].rx.push(rx);
            }
        }
    }
    peers
}

impl Peers {
    /// Sends `r` to every peer.
    pub fn send(&mut self, r: &Report) {
        for tx in &mut self.tx {
            if tx.push(r.clone()).is_err() {
                self.dropped += 1;
            }
        }
    }

    /// Every report that arrived.
    pub fn drain(&mut self, mut f: impl FnMut(Report)) {
        for rx in &mut self.rx {
            while let Ok(r) = rx.pop() {
                f(r);
            }
        }
    }
}

/// One pipeline's view of its peers on one shard.
pub struct Split {
    shards: usize,
    margin: f64,
    /// Per shard: its latest report as a map (this shard's own slot stays empty).
    remote: Vec<HashMap<u64, f32>>,
}

/// Smoothing per tick: the weight the past keeps.
const DECAY: f64 = 0.5;
/// Smoothed arrivals below this count as none.
const QUIET: f64 = 1e-3;

impl Split {
    /// The split among `shards` ingest shards with a borrow `margin` (0.02 = 2%).
    #[must_use]
    pub fn new(shards: usize, margin: f64) -> Split {
        Split {
            shards: shards.max(1),
            margin,
            remote: vec![HashMap::new(); shards.max(1)],
        }
    }

    /// The share a bucket starts with, before anyone reported traffic for it.
    #[must_use]
    #[allow(clippy::cast_precision_loss)]
    pub fn initial_share(&self) -> f64 {
        1.0 / self.shards as f64
    }

    /// Takes in a peer's report (it replaces that peer's previous one).
    pub fn absorb(&mut self, from: usize, arrivals: &[(u64, f32)]) {
        if let Some(m) = self.remote.get_mut(from) {
            m.clear();
            m.extend(arrivals.iter().copied());
        }
    }

    /// One share tick at `now_ns`: smooths local arrivals, sets every bucket's share, and
    /// returns this shard's report for its peers.
    #[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation)]
    pub fn tick(&mut self, table: &mut Table, now_ns: u64) -> Vec<(u64, f32)> {
        let n = self.shards as f64;
        let mut out = Vec::new();
        for e in table.entries_mut() {
            let mut s = e.smoothed * DECAY + f64::from(e.arrivals);
            if s < QUIET {
                s = 0.0;
            }
            e.smoothed = s;
            e.arrivals = 0;
            let others: f64 = self
                .remote
                .iter()
                .filter_map(|m| m.get(&e.hash))
                .map(|v| f64::from(*v))
                .sum();
            let share = if s + others <= 0.0 {
                1.0 / n
            } else {
                (s / (s + others) + self.margin / n).min(1.0)
            };
            e.bucket.set_share(share, now_ns);
            if s > 0.0 {
                out.push((e.hash, s as f32));
            }
        }
        out
    }
}
