//! A stream's read buffer: it starts small, doubles while reads fill it, halves when reads
//! use little of it, and drops back to its first size when the stream is idle, so one burst
//! does not pin its peak for the connection's life. What it holds is counted in the source's
//! per-shard memory gauge, which the TCP source checks against `memory_budget` before
//! accepting a connection.
//!
//! How big a read may get is a latency decision as much as a throughput one: every event of
//! a read carries the time of the read, and its batch leaves for the sink only after the
//! read has been processed, so a 256 KiB read costs its first event ~400 µs of waiting on
//! one core. While the stream keeps up (a read comes back short: the socket had nothing
//! more), reads stay at [`LATENCY_READ`]. Only a stream whose reads have filled the buffer
//! for [`BACKLOG`] in a row, which is behind and already losing latency to queueing, grows
//! past it, up to the source's `read_buffer`, to take the bigger reads' lower cost per byte.

use std::cell::Cell;
use std::rc::Rc;
use std::time::{Duration, Instant};

/// First read buffer of a stream.
pub(crate) const FIRST_READ: usize = 8 * 1024;
/// A stream that has read nothing for this long gives its buffer back down to
/// [`FIRST_READ`].
pub(crate) const IDLE_SHRINK: Duration = Duration::from_secs(1);
/// Largest read of a stream that keeps up: ~50 µs of JSON passthrough on one core.
pub(crate) const LATENCY_READ: usize = 32 * 1024;
/// Reads that fill the buffer for this long mean the stream is behind (a burst at moderate
/// load is through in well under this): only then do reads grow past [`LATENCY_READ`].
pub(crate) const BACKLOG: Duration = Duration::from_millis(1);

pub(crate) struct ReadBuf {
    pub(crate) buf: Vec<u8>,
    max: usize,
    /// Bytes of read buffers of this source on this shard.
    memory: Option<Rc<Cell<usize>>>,
    /// Since when every read has filled the buffer (None after a short read).
    full_since: Option<Instant>,
}

impl ReadBuf {
    pub(crate) fn new(max: usize, memory: Option<Rc<Cell<usize>>>) -> Self {
        let mut b = ReadBuf {
            buf: Vec::new(),
            max: max.max(1),
            memory,
            full_since: None,
        };
        b.set_len(FIRST_READ.min(b.max));
        b
    }

    /// The buffer's size now (what it costs).
    pub(crate) fn len(&self) -> usize {
        self.buf.len()
    }

    fn set_len(&mut self, n: usize) {
        let before = self.buf.capacity();
        if n < self.buf.len() {
            self.buf.truncate(n);
            self.buf.shrink_to_fit();
        } else {
            self.buf.resize(n, 0);
        }
        if let Some(m) = &self.memory {
            m.set(m.get().saturating_sub(before) + self.buf.capacity());
        }
    }

    /// Adapts to a read of `n` bytes at `now`: double when it filled the buffer (past
    /// [`LATENCY_READ`] only when reads have filled it for [`BACKLOG`]); after a short read
    /// (the stream caught up) come back to [`LATENCY_READ`], and halve when it used less
    /// than an eighth of the buffer.
    pub(crate) fn after_read(&mut self, n: usize, now: Instant) {
        let len = self.buf.len();
        let keep_up = LATENCY_READ.min(self.max);
        if n == len {
            let since = *self.full_since.get_or_insert(now);
            let cap = if now.saturating_duration_since(since) >= BACKLOG {
                self.max
            } else {
                keep_up
            };
            if len < cap {
                self.set_len((len * 2).min(cap));
            }
            return;
        }
        self.full_since = None;
        if len > keep_up {
            self.set_len(keep_up);
        } else if n < len / 8 && len > FIRST_READ {
            self.set_len((len / 2).max(FIRST_READ));
        }
    }

    /// The stream went idle: back to the first size.
    pub(crate) fn idle(&mut self) {
        self.full_since = None;
        if self.buf.len() > FIRST_READ {
            self.set_len(FIRST_READ.min(self.max));
        }
    }

    /// Is there anything to give back when idle?
    pub(crate) fn is_grown(&self) -> bool {
        self.buf.len() > FIRST_READ
    }
}

impl Drop for ReadBuf {
    fn drop(&mut self) {
        if let Some(m) = &self.memory {
            m.set(m.get().saturating_sub(self.buf.capacity()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds reads that fill the buffer, `step` apart, until `until` has passed.
    fn fill_for(b: &mut ReadBuf, t: &mut Instant, step: Duration, until: Duration) {
        let end = *t + until;
        while *t < end {
            let n = b.len();
            b.after_read(n, *t);
            *t += step;
        }
    }

    #[test]
    fn grows_under_load_shrinks_after_and_accounts_its_memory() {
        let mem = Rc::new(Cell::new(0));
        let mut b = ReadBuf::new(256 * 1024, Some(Rc::clone(&mem)));
        let mut t = Instant::now();
        assert_eq!(b.len(), FIRST_READ);
        assert_eq!(mem.get(), b.buf.capacity());
        // A sustained backlog: full reads for longer than BACKLOG.
        fill_for(&mut b, &mut t, Duration::from_micros(100), BACKLOG * 2);
        assert_eq!(b.len(), 256 * 1024);
        assert!(mem.get() >= 256 * 1024);
        b.after_read(100, t);
        assert_eq!(
            b.len(),
            LATENCY_READ,
            "a short read: caught up, back to latency-sized reads"
        );
        b.after_read(100, t);
        assert_eq!(b.len(), LATENCY_READ / 2, "a small read halves it");
        b.idle();
        assert_eq!(b.len(), FIRST_READ);
        assert_eq!(mem.get(), b.buf.capacity(), "the gauge follows");
        assert!(b.buf.capacity() < 16 * 1024, "memory given back");
        drop(b);
        assert_eq!(mem.get(), 0);
    }

    #[test]
    fn a_burst_that_is_read_in_time_keeps_reads_latency_sized() {
        let mut b = ReadBuf::new(256 * 1024, None);
        let mut t = Instant::now();
        // Bursts of ~75 KB every millisecond (half load): a few full reads, then a short one.
        for _ in 0..50 {
            fill_for(
                &mut b,
                &mut t,
                Duration::from_micros(50),
                Duration::from_micros(150),
            );
            b.after_read(1000, t);
            t += Duration::from_millis(1);
            assert!(b.len() <= LATENCY_READ, "grew to {} on bursts", b.len());
        }
        assert_eq!(b.len(), LATENCY_READ / 2, "the last short read halved it");
        // The same reads kept up without a gap for longer than BACKLOG: now it grows.
        fill_for(
            &mut b,
            &mut t,
            Duration::from_micros(50),
            BACKLOG + Duration::from_micros(300),
        );
        assert_eq!(b.len(), 256 * 1024);
    }

    #[test]
    fn a_small_read_buffer_setting_is_the_cap() {
        let mut b = ReadBuf::new(4096, None);
        let mut t = Instant::now();
        assert_eq!(b.len(), 4096);
        fill_for(&mut b, &mut t, Duration::from_micros(100), BACKLOG * 2);
        assert_eq!(b.len(), 4096);
        b.after_read(10, t);
        assert_eq!(b.len(), 4096, "never below the setting's own size");
    }
}
