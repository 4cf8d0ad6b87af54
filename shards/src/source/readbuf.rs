//! A stream's read buffer: it starts small, doubles while reads fill it (up to the source's
//! `read_buffer`), halves when reads use little of it, and drops back to its first size
//! when the stream is idle, so one burst does not pin its peak for the connection's life.
//! What it holds is counted in the source's per-shard memory gauge, which the TCP source
//! checks against `memory_budget` before accepting a connection.

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

/// First read buffer of a stream.
pub(crate) const FIRST_READ: usize = 8 * 1024;
/// A stream that has read nothing for this long gives its buffer back down to
/// [`FIRST_READ`].
pub(crate) const IDLE_SHRINK: Duration = Duration::from_secs(1);

pub(crate) struct ReadBuf {
    pub(crate) buf: Vec<u8>,
    max: usize,
    /// Bytes of read buffers of this source on this shard.
    memory: Option<Rc<Cell<usize>>>,
}

impl ReadBuf {
    pub(crate) fn new(max: usize, memory: Option<Rc<Cell<usize>>>) -> Self {
        let mut b = ReadBuf {
            buf: Vec::new(),
            max: max.max(1),
            memory,
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

    /// Adapts to a read of `n` bytes: double when it filled the buffer, halve when it used
    /// less than an eighth of it.
    pub(crate) fn after_read(&mut self, n: usize) {
        let len = self.buf.len();
        if n == len && len < self.max {
            self.set_len((len * 2).min(self.max));
        } else if n < len / 8 && len > FIRST_READ {
            self.set_len((len / 2).max(FIRST_READ));
        }
    }

    /// The stream went idle: back to the first size.
    pub(crate) fn idle(&mut self) {
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

    #[test]
    fn grows_under_load_shrinks_after_and_accounts_its_memory() {
        let mem = Rc::new(Cell::new(0));
        let mut b = ReadBuf::new(256 * 1024, Some(Rc::clone(&mem)));
        assert_eq!(b.len(), FIRST_READ);
        assert_eq!(mem.get(), b.buf.capacity());
        for _ in 0..10 {
            let n = b.len();
            b.after_read(n);
        }
        assert_eq!(b.len(), 256 * 1024);
        assert!(mem.get() >= 256 * 1024);
        b.after_read(100);
        assert_eq!(b.len(), 128 * 1024, "a small read halves it");
        b.idle();
        assert_eq!(b.len(), FIRST_READ);
        assert_eq!(mem.get(), b.buf.capacity(), "the gauge follows");
        assert!(b.buf.capacity() < 16 * 1024, "memory given back");
        drop(b);
        assert_eq!(mem.get(), 0);
    }
}
