//! `gelf-chunking`: reassembles GELF UDP chunks (Graylog's GELF spec, "Chunking").
//!
//! A chunk is `1e 0f`, an 8-byte message id, a sequence number, a sequence count (at most
//! 128), then payload. Datagrams without the magic are whole messages and pass through
//! untouched (borrowed). Reassembly is bounded, and every drop is counted and reported as
//! [`Error::Chunking`] whose `reason` is the counter's name:
//! - `invalid_chunks`: header too short, count 0 or above 128, sequence number out of
//!   range, or a count that disagrees with the message's earlier chunks (chunk dropped);
//! - `duplicate_chunks`: a sequence number seen before for that message (chunk dropped);
//! - `too_large`: the message grew past `max_message_size` (default 2 MiB; message dropped);
//! - `evicted`: the oldest incomplete message, dropped to make room when `max_in_flight`
//!   (default 1024) messages or `max_buffered` bytes (default 64 MiB) are held;
//! - `timed_out`: incomplete `timeout` after its first chunk (default 5 s, as the spec says;
//!   a duration string such as `"5s"` or an integer of milliseconds);
//! - `unfinished`: incomplete when the stream finished.
//!
//! Time comes only from the `now_ns` the engine passes in.

use std::collections::{HashMap, VecDeque};

use sluice_script::Record;

use super::FrameResult;
use crate::{options::Options, Error};

/// The spec's limit on chunks per message.
pub const MAX_CHUNKS: usize = 128;
/// Bytes of a chunk header.
pub const HEADER_LEN: usize = 12;
/// Default `timeout`: the spec's five seconds.
pub const DEFAULT_TIMEOUT_NS: u64 = 5_000_000_000;
/// Default `max_message_size`: 2 MiB (128 chunks of Graylog's 8 KiB maximum is 1 MiB).
pub const DEFAULT_MAX_MESSAGE_SIZE: usize = 2 << 20;
/// Default `max_in_flight`.
pub const DEFAULT_MAX_IN_FLIGHT: usize = 1024;
/// Default `max_buffered`.
pub const DEFAULT_MAX_BUFFERED: usize = 64 << 20;

#[derive(Debug)]
struct Partial {
    started_ns: u64,
    count: u8,
    received: u8,
    /// Payloads in arrival order.
    data: Vec<u8>,
    /// Per sequence number: where its payload lies in `data`.
    spans: Vec<Option<(u32, u32)>>,
}

/// Counters, by name (see the module docs).
#[derive(Debug, Default, Clone, Copy)]
struct Counts {
    messages: u64,
    chunks: u64,
    invalid_chunks: u64,
    duplicate_chunks: u64,
    too_large: u64,
    evicted: u64,
    timed_out: u64,
    unfinished: u64,
    dropped_bytes: u64,
}

/// GELF reassembly state for one socket or stream.
#[derive(Debug)]
pub struct GelfChunking {
    timeout_ns: u64,
    max_message_size: usize,
    max_in_flight: usize,
    max_buffered: usize,
    partial: HashMap<u64, Partial>,
    /// First-chunk arrival order; entries whose message is gone are skipped lazily.
    order: VecDeque<(u64, u64)>,
    buffered: usize,
    scratch: Vec<u8>,
    counts: Counts,
}

impl Default for GelfChunking {
    fn default() -> Self {
        GelfChunking::new(
            DEFAULT_TIMEOUT_NS,
            DEFAULT_MAX_MESSAGE_SIZE,
            DEFAULT_MAX_IN_FLIGHT,
            DEFAULT_MAX_BUFFERED,
        )
    }
}

impl GelfChunking {
    /// Reassembly with the given bounds.
    #[must_use]
    pub fn new(
        timeout_ns: u64,
        max_message_size: usize,
        max_in_flight: usize,
        max_buffered: usize,
    ) -> Self {
        GelfChunking {
            timeout_ns,
            max_message_size,
            max_in_flight: max_in_flight.max(1),
            max_buffered,
            partial: HashMap::new(),
            order: VecDeque::new(),
            buffered: 0,
            scratch: Vec::new(),
            counts: Counts::default(),
        }
    }

    pub(crate) fn from_options(options: Option<&Record<'static>>) -> Result<Self, Error> {
        let mut o = Options::new("gelf-chunking", options);
        let timeout = o.duration_ns("timeout")?.unwrap_or(DEFAULT_TIMEOUT_NS);
        let max_message_size = o
            .size("max_message_size")?
            .unwrap_or(DEFAULT_MAX_MESSAGE_SIZE);
        let max_in_flight = o.size("max_in_flight")?.unwrap_or(DEFAULT_MAX_IN_FLIGHT);
        let max_buffered = o.size("max_buffered")?.unwrap_or(DEFAULT_MAX_BUFFERED);
        for (k, v) in [
            ("timeout", usize::from(timeout > 0)),
            ("max_message_size", max_message_size),
            ("max_in_flight", max_in_flight),
            ("max_buffered", max_buffered),
        ] {
            if v == 0 {
                return Err(o.error(k, "must be greater than 0"));
            }
        }
        if u32::try_from(max_message_size).is_err() {
            return Err(o.error("max_message_size", "must be below 4 GiB"));
        }
        o.finish()?;
        Ok(GelfChunking::new(
            timeout,
            max_message_size,
            max_in_flight,
            max_buffered,
        ))
    }

    /// Messages currently incomplete, and the bytes they hold.
    #[must_use]
    pub fn in_flight(&self) -> (usize, usize) {
        (self.partial.len(), self.buffered)
    }

    fn drop_chunk(
        &mut self,
        reason: &'static str,
        message: String,
        bytes: usize,
        emit: &mut dyn FnMut(FrameResult<'_>),
    ) {
        match reason {
            "invalid_chunks" => self.counts.invalid_chunks += 1,
            _ => self.counts.duplicate_chunks += 1,
        }
        self.counts.dropped_bytes += bytes as u64;
        emit(Err(Error::Chunking { reason, message }));
    }

    fn drop_message(
        &mut self,
        id: u64,
        reason: &'static str,
        emit: &mut dyn FnMut(FrameResult<'_>),
    ) {
        let Some(p) = self.partial.remove(&id) else {
            return;
        };
        self.buffered -= p.data.len();
        self.counts.dropped_bytes += p.data.len() as u64;
        match reason {
            "too_large" => self.counts.too_large += 1,
            "evicted" => self.counts.evicted += 1,
            "timed_out" => self.counts.timed_out += 1,
            _ => self.counts.unfinished += 1,
        }
        emit(Err(Error::Chunking {
            reason,
            message: format!(
                "message {id:016x}: dropped with {} of {} chunks ({} bytes)",
                p.received,
                p.count,
                p.data.len()
            ),
        }));
    }

    /// Drops the oldest incomplete message; false if there is none.
    fn evict_oldest(&mut self, emit: &mut dyn FnMut(FrameResult<'_>)) -> bool {
        while let Some((started, id)) = self.order.pop_front() {
            if self
                .partial
                .get(&id)
                .is_some_and(|p| p.started_ns == started)
            {
                self.drop_message(id, "evicted", emit);
                return true;
            }
        }
        false
    }

    pub(crate) fn expire(&mut self, now_ns: u64, emit: &mut dyn FnMut(FrameResult<'_>)) {
        while let Some(&(started, id)) = self.order.front() {
            if now_ns.saturating_sub(started) < self.timeout_ns {
                break;
            }
            self.order.pop_front();
            if self
                .partial
                .get(&id)
                .is_some_and(|p| p.started_ns == started)
            {
                self.drop_message(id, "timed_out", emit);
            }
        }
        // Completed messages leave stale entries; keep the queue proportional to what is live.
        if self.order.len() > 2 * self.max_in_flight + 64 {
            let partial = &self.partial;
            self.order
                .retain(|(s, id)| partial.get(id).is_some_and(|p| p.started_ns == *s));
        }
    }

    pub(crate) fn process(
        &mut self,
        now_ns: u64,
        input: &[u8],
        emit: &mut dyn FnMut(FrameResult<'_>),
    ) {
        self.expire(now_ns, emit);
        let [0x1e, 0x0f, rest @ ..] = input else {
            self.counts.messages += 1;
            emit(Ok(input));
            return;
        };
        self.counts.chunks += 1;
        let Some((head, payload)) = rest.split_first_chunk::<10>() else {
            let msg = format!("chunk of {} bytes is shorter than its header", input.len());
            return self.drop_chunk("invalid_chunks", msg, input.len(), emit);
        };
        let id = u64::from_be_bytes([
            head[0], head[1], head[2], head[3], head[4], head[5], head[6], head[7],
        ]);
        let (seq, count) = (head[8], head[9]);
        if count == 0 || usize::from(count) > MAX_CHUNKS || seq >= count {
            let msg = format!(
                "message {id:016x}: chunk {seq} of {count} is out of range (count must be 1..=128)"
            );
            return self.drop_chunk("invalid_chunks", msg, payload.len(), emit);
        }
        if count == 1 {
            self.counts.messages += 1;
            emit(Ok(payload));
            return;
        }
        if let Some(p) = self.partial.get(&id) {
            if p.count != count {
                let msg = format!(
                    "message {id:016x}: chunk says {count} chunks, earlier ones said {}",
                    p.count
                );
                return self.drop_chunk("invalid_chunks", msg, payload.len(), emit);
            }
            if p.spans[usize::from(seq)].is_some() {
                let msg = format!("message {id:016x}: chunk {seq} arrived twice");
                return self.drop_chunk("duplicate_chunks", msg, payload.len(), emit);
            }
            if p.data.len() + payload.len() > self.max_message_size {
                self.counts.dropped_bytes += payload.len() as u64;
                return self.drop_message(id, "too_large", emit);
            }
        } else {
            if payload.len() > self.max_message_size {
                self.counts.too_large += 1;
                self.counts.dropped_bytes += payload.len() as u64;
                emit(Err(Error::Chunking {
                    reason: "too_large",
                    message: format!("message {id:016x}: chunk of {} bytes", payload.len()),
                }));
                return;
            }
            while self.partial.len() >= self.max_in_flight && self.evict_oldest(emit) {}
            self.partial.insert(
                id,
                Partial {
                    started_ns: now_ns,
                    count,
                    received: 0,
                    data: Vec::new(),
                    spans: vec![None; usize::from(count)],
                },
            );
            self.order.push_back((now_ns, id));
        }
        // Room for the payload in the total budget, taken from other (older) messages.
        while self.buffered + payload.len() > self.max_buffered {
            let oldest_is_this = self
                .order
                .iter()
                .find(|(s, i)| self.partial.get(i).is_some_and(|p| p.started_ns == *s))
                .is_some_and(|(_, i)| *i == id);
            if oldest_is_this || !self.evict_oldest(emit) {
                self.counts.dropped_bytes += payload.len() as u64;
                return self.drop_message(id, "evicted", emit);
            }
        }
        let Some(p) = self.partial.get_mut(&id) else {
            return;
        };
        // Offsets fit in u32: messages are capped at max_message_size, which is below 4 GiB.
        #[allow(clippy::cast_possible_truncation)]
        let span = (p.data.len() as u32, payload.len() as u32);
        p.spans[usize::from(seq)] = Some(span);
        p.data.extend_from_slice(payload);
        p.received += 1;
        self.buffered += payload.len();
        if p.received < p.count {
            return;
        }
        let Some(p) = self.partial.remove(&id) else {
            return;
        };
        self.buffered -= p.data.len();
        self.scratch.clear();
        for (start, len) in p.spans.iter().flatten() {
            let (start, len) = (*start as usize, *len as usize);
            self.scratch.extend_from_slice(&p.data[start..start + len]);
        }
        self.counts.messages += 1;
        emit(Ok(&self.scratch));
        super::release(&mut self.scratch);
    }

    pub(crate) fn finish(&mut self, emit: &mut dyn FnMut(FrameResult<'_>)) {
        let ids: Vec<u64> = self.order.drain(..).map(|(_, id)| id).collect();
        for id in ids {
            self.drop_message(id, "unfinished", emit);
        }
    }

    pub(crate) fn counters(&self, f: &mut dyn FnMut(&'static str, u64)) {
        let c = self.counts;
        f("messages", c.messages);
        f("chunks", c.chunks);
        f("invalid_chunks", c.invalid_chunks);
        f("duplicate_chunks", c.duplicate_chunks);
        f("too_large", c.too_large);
        f("evicted", c.evicted);
        f("timed_out", c.timed_out);
        f("unfinished", c.unfinished);
        f("dropped_bytes", c.dropped_bytes);
    }
}

/// Builds a chunk header, for tests and the postprocessor.
#[must_use]
pub fn chunk_header(id: u64, seq: u8, count: u8) -> [u8; HEADER_LEN] {
    let mut h = [0u8; HEADER_LEN];
    h[0] = 0x1e;
    h[1] = 0x0f;
    h[2..10].copy_from_slice(&id.to_be_bytes());
    h[10] = seq;
    h[11] = count;
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunk(id: u64, seq: u8, count: u8, data: &[u8]) -> Vec<u8> {
        let mut c = chunk_header(id, seq, count).to_vec();
        c.extend_from_slice(data);
        c
    }

    fn feed(g: &mut GelfChunking, now: u64, d: &[u8]) -> Vec<Result<Vec<u8>, &'static str>> {
        let mut out = Vec::new();
        g.process(now, d, &mut |f| {
            out.push(f.map(<[u8]>::to_vec).map_err(|e| match e {
                Error::Chunking { reason, .. } => reason,
                _ => "other",
            }))
        });
        out
    }

    #[test]
    fn out_of_order_reassembly_and_passthrough() {
        let mut g = GelfChunking::default();
        assert_eq!(
            feed(&mut g, 0, b"{\"a\":1}"),
            vec![Ok(b"{\"a\":1}".to_vec())]
        );
        assert!(feed(&mut g, 0, &chunk(7, 2, 3, b"c")).is_empty());
        assert!(feed(&mut g, 0, &chunk(7, 0, 3, b"a")).is_empty());
        assert_eq!(g.in_flight(), (1, 2));
        assert_eq!(
            feed(&mut g, 1, &chunk(7, 1, 3, b"b")),
            vec![Ok(b"abc".to_vec())]
        );
        assert_eq!(g.in_flight(), (0, 0));
    }

    #[test]
    fn a_quiet_source_times_out_its_partial_messages_on_tick() {
        let mut chain = crate::PreprocessorChain::new(vec![crate::Preprocessor::GelfChunking(
            GelfChunking::new(1000, 1 << 20, 16, 1 << 20),
        )]);
        let mut got = Vec::new();
        chain.process_datagram(0, &chunk(9, 0, 2, b"a"), &mut |f| got.push(f.is_ok()));
        chain.tick(999, &mut |f| got.push(f.is_ok()));
        assert!(got.is_empty(), "nothing expires before the timeout");
        chain.tick(1000, &mut |f| got.push(f.is_ok()));
        assert_eq!(
            got,
            vec![false],
            "the partial message is dropped as an error"
        );
        let mut timed_out = 0;
        chain.counters(&mut |_, name, v| {
            if name == "timed_out" {
                timed_out = v;
            }
        });
        assert_eq!(timed_out, 1);
    }

    #[test]
    fn drops_are_counted() {
        let mut g = GelfChunking::new(1000, 4, 2, 100);
        assert_eq!(
            feed(&mut g, 0, &[0x1e, 0x0f, 1]),
            vec![Err("invalid_chunks")]
        );
        assert_eq!(
            feed(&mut g, 0, &chunk(1, 0, 129, b"x")),
            vec![Err("invalid_chunks")]
        );
        assert_eq!(
            feed(&mut g, 0, &chunk(1, 3, 3, b"x")),
            vec![Err("invalid_chunks")]
        );
        assert!(feed(&mut g, 0, &chunk(1, 0, 3, b"x")).is_empty());
        assert_eq!(
            feed(&mut g, 0, &chunk(1, 0, 3, b"x")),
            vec![Err("duplicate_chunks")]
        );
        assert_eq!(
            feed(&mut g, 0, &chunk(1, 1, 4, b"x")),
            vec![Err("invalid_chunks")]
        );
        assert_eq!(
            feed(&mut g, 0, &chunk(1, 1, 3, b"xxxx")),
            vec![Err("too_large")]
        );
        assert!(feed(&mut g, 10, &chunk(2, 0, 2, b"x")).is_empty());
        assert!(feed(&mut g, 20, &chunk(3, 0, 2, b"x")).is_empty());
        assert_eq!(
            feed(&mut g, 30, &chunk(4, 0, 2, b"x")),
            vec![Err("evicted")]
        );
        assert_eq!(
            feed(&mut g, 1025, b"{}"),
            vec![Err("timed_out"), Ok(b"{}".to_vec())]
        );
        let mut c = Vec::new();
        g.counters(&mut |n, v| c.push((n, v)));
        for want in [
            ("invalid_chunks", 4),
            ("duplicate_chunks", 1),
            ("too_large", 1),
            ("evicted", 1),
            ("timed_out", 1),
        ] {
            assert!(c.contains(&want), "{want:?} in {c:?}");
        }
        let mut errs = 0;
        g.finish(&mut |f| errs += usize::from(f.is_err()));
        assert_eq!(errs, 1);
        assert_eq!(g.in_flight(), (0, 0));
    }
}
