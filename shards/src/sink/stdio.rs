//! `stdout` and `stderr`. Writes block the shard while the terminal or pipe is full, which
//! is the backpressure an operator piping Sluice into another tool expects.

use std::io::Write;

use super::Tally;
use crate::ring::Batch;

pub(crate) struct StdSink {
    err: bool,
}

impl StdSink {
    /// `header` (a CSV header row) is written once, before anything else.
    pub(crate) fn stdout(header: Option<&[u8]>) -> Self {
        if let Some(h) = header {
            let mut o = std::io::stdout().lock();
            let _ = o.write_all(h).and_then(|()| o.flush());
        }
        StdSink { err: false }
    }

    /// As [`StdSink::stdout`].
    pub(crate) fn stderr(header: Option<&[u8]>) -> Self {
        if let Some(h) = header {
            let mut e = std::io::stderr().lock();
            let _ = e.write_all(h).and_then(|()| e.flush());
        }
        StdSink { err: true }
    }

    pub(crate) fn write(&mut self, batch: &Batch, c: &mut Tally) {
        let r = if self.err {
            let mut e = std::io::stderr().lock();
            e.write_all(&batch.data).and_then(|()| e.flush())
        } else {
            let mut o = std::io::stdout().lock();
            o.write_all(&batch.data).and_then(|()| o.flush())
        };
        match r {
            Ok(()) => {
                c.events += batch.events();
                c.bytes += batch.data.len() as u64;
            }
            Err(e) => {
                c.errors += 1;
                crate::metrics::bump(&mut c.dropped, "write_failed", batch.events());
                tracing::debug!(error = %e, "standard stream write failed");
            }
        }
    }
}
