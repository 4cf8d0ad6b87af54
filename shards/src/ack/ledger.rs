//! The ledger: groups of events, what holds them, and which positions have settled.

use std::collections::VecDeque;

/// A place in a source's input, ordered within its [`Stream`]: a Kafka offset, a byte offset
/// in a file, an HTTP request id. What a source commits is the position of a settled group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Position(pub u64);

/// One ordered sequence of positions of a source (a Kafka partition, a file, a connection).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Stream(u32);

impl Stream {
    /// Its index in the ledger (dense, reused after [`Ledger::close_stream`]).
    #[must_use]
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// A group of events read together (one unit of a source), held by the batches that carry
/// any of its events. Meaningful only on the shard whose ledger issued it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Mark(u32);

#[derive(Debug, Clone, Copy)]
pub(super) struct Group {
    stream: u32,
    pos: Position,
    /// Batches holding the group.
    held: u32,
    /// No more holds will come.
    sealed: bool,
    /// Its stream was closed: settle silently.
    orphan: bool,
}

#[derive(Debug, Default)]
struct StreamState {
    /// The source that owns it; `None` once closed.
    owner: Option<usize>,
    /// Its groups in the order they began.
    groups: VecDeque<u32>,
    /// Already in `dirty`.
    dirty: bool,
    /// Groups still in flight after the stream was closed; the index is reused at zero.
    orphans: u32,
}

/// A shard's acknowledgement bookkeeping (see the module page). `!Send`: it belongs to the
/// ingest shard that read the events.
#[derive(Debug, Default)]
pub struct Ledger {
    pub(super) groups: Vec<Group>,
    free_groups: Vec<u32>,
    streams: Vec<StreamState>,
    free_streams: Vec<u32>,
    /// Streams where a group may have settled since the last look.
    dirty: Vec<u32>,
    /// Per source: settled (stream, position), newest per stream, not yet taken.
    settled: Vec<Vec<(Stream, Position)>>,
    /// Groups begun and not yet settled (orphans included).
    open: usize,
    _not_send: std::marker::PhantomData<*const ()>,
}

impl Ledger {
    /// A new stream owned by source `source`.
    pub fn open_stream(&mut self, source: usize) -> Stream {
        let state = StreamState {
            owner: Some(source),
            ..StreamState::default()
        };
        match self.free_streams.pop() {
            Some(i) => {
                self.streams[i as usize] = state;
                Stream(i)
            }
            None => {
                self.streams.push(state);
                Stream(u32::try_from(self.streams.len() - 1).unwrap_or(u32::MAX))
            }
        }
    }

    /// Forgets a stream: its groups still in flight settle without being reported, and its
    /// index is reused once they have.
    pub fn close_stream(&mut self, stream: Stream) {
        let Some(st) = self.streams.get_mut(stream.index()) else {
            return;
        };
        if st.owner.take().is_none() {
            return;
        }
        let groups = std::mem::take(&mut st.groups);
        let mut live = 0u32;
        for g in groups {
            let grp = &mut self.groups[g as usize];
            if grp.sealed && grp.held == 0 {
                self.free_group(g);
            } else {
                grp.orphan = true;
                live += 1;
            }
        }
        for list in &mut self.settled {
            list.retain(|(s, _)| *s != stream);
        }
        self.streams[stream.index()].orphans = live;
        if live == 0 {
            self.free_streams.push(stream.0);
        }
        // Otherwise the last orphan to settle frees the index (see `settle_orphan`).
    }

    /// Starts a group of events of `stream` read up to (and including) `pos`.
    pub fn begin(&mut self, stream: Stream, pos: Position) -> Mark {
        let g = Group {
            stream: stream.0,
            pos,
            held: 0,
            sealed: false,
            orphan: false,
        };
        let idx = match self.free_groups.pop() {
            Some(i) => {
                self.groups[i as usize] = g;
                i
            }
            None => {
                self.groups.push(g);
                u32::try_from(self.groups.len() - 1).unwrap_or(u32::MAX)
            }
        };
        if let Some(st) = self.streams.get_mut(stream.index()) {
            st.groups.push_back(idx);
        }
        self.open += 1;
        Mark(idx)
    }

    /// The group now reaches `pos` (more of the stream was read into it before it was sealed).
    pub fn advance(&mut self, mark: Mark, pos: Position) {
        if let Some(g) = self.groups.get_mut(mark.0 as usize) {
            g.pos = g.pos.max(pos);
        }
    }

    /// One more batch carries events of the group.
    #[inline]
    pub fn hold(&mut self, mark: Mark) {
        if let Some(g) = self.groups.get_mut(mark.0 as usize) {
            g.held += 1;
        }
    }

    /// A batch that carried events of the group has been written (or dropped and counted).
    pub fn release(&mut self, mark: Mark) {
        let Some(g) = self.groups.get_mut(mark.0 as usize) else {
            return;
        };
        g.held = g.held.saturating_sub(1);
        if g.held == 0 && g.sealed {
            self.settle(mark.0);
        }
    }

    /// The group is complete: every event of it has been routed (or dropped).
    pub fn seal(&mut self, mark: Mark) {
        let Some(g) = self.groups.get_mut(mark.0 as usize) else {
            return;
        };
        g.sealed = true;
        if g.held == 0 {
            self.settle(mark.0);
        }
    }

    fn settle(&mut self, g: u32) {
        let grp = self.groups[g as usize];
        if grp.orphan {
            return self.settle_orphan(g);
        }
        let s = grp.stream as usize;
        if let Some(st) = self.streams.get_mut(s) {
            if !st.dirty {
                st.dirty = true;
                self.dirty.push(grp.stream);
            }
        }
    }

    fn settle_orphan(&mut self, g: u32) {
        let stream = self.groups[g as usize].stream;
        self.free_group(g);
        if let Some(st) = self.streams.get_mut(stream as usize) {
            st.orphans = st.orphans.saturating_sub(1);
            if st.orphans == 0 && st.owner.is_none() {
                self.free_streams.push(stream);
            }
        }
    }

    fn free_group(&mut self, g: u32) {
        self.groups[g as usize].orphan = false;
        self.groups[g as usize].stream = u32::MAX;
        self.free_groups.push(g);
        self.open = self.open.saturating_sub(1);
    }

    /// Moves the newly settled positions of `source`'s streams into `out`: for every stream,
    /// at most one entry, the newest position before which everything has settled.
    pub fn take_settled(&mut self, source: usize, out: &mut Vec<(Stream, Position)>) {
        self.collect();
        if let Some(list) = self.settled.get_mut(source) {
            out.append(list);
        }
    }

    /// Walks the dirty streams and pops their settled prefixes.
    fn collect(&mut self) {
        while let Some(s) = self.dirty.pop() {
            let st = &mut self.streams[s as usize];
            st.dirty = false;
            let Some(owner) = st.owner else { continue };
            let mut newest = None;
            while let Some(&g) = st.groups.front() {
                let grp = self.groups[g as usize];
                if !(grp.sealed && grp.held == 0) {
                    break;
                }
                st.groups.pop_front();
                newest = Some(grp.pos);
                self.groups[g as usize].stream = u32::MAX;
                self.free_groups.push(g);
                self.open = self.open.saturating_sub(1);
            }
            if let Some(pos) = newest {
                if self.settled.len() <= owner {
                    self.settled.resize_with(owner + 1, Vec::new);
                }
                let list = &mut self.settled[owner];
                match list.iter_mut().find(|(x, _)| x.0 == s) {
                    Some(e) => e.1 = e.1.max(pos),
                    None => list.push((Stream(s), pos)),
                }
            }
        }
    }

    /// Groups begun and not settled yet (what a drain waits for).
    #[must_use]
    pub fn in_flight(&self) -> usize {
        self.open
    }

    /// Groups of `stream` not settled yet.
    #[must_use]
    pub fn in_flight_of(&self, stream: Stream) -> usize {
        self.streams
            .get(stream.index())
            .map_or(0, |st| st.groups.len())
    }
}
