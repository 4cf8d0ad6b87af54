//! `file`: appends to a file through the shard's io_uring (glommio's buffered stream
//! writer); data is written when the buffer fills, on the flush interval, and at shutdown.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use futures_lite::AsyncWriteExt;
use glommio::io::{OpenOptions, StreamWriter, StreamWriterBuilder};

use super::Tally;
use crate::metrics::bump;
use crate::ring::Batch;

pub(crate) struct FileSink {
    path: PathBuf,
    out: StreamWriter,
    interval: Duration,
    /// When the oldest unflushed byte arrived.
    since: Option<Instant>,
    broken: bool,
}

impl FileSink {
    pub(crate) async fn open(
        path: &Path,
        interval: Duration,
        buffer: usize,
    ) -> std::io::Result<Self> {
        let file = OpenOptions::new()
            .write(true)
            .create(true)
            .append(true)
            .buffered_open(path)
            .await
            .map_err(|e| std::io::Error::other(format!("{}: {e}", path.display())))?;
        // O_APPEND: every write lands at the end, whatever offset the writer passes.
        let out = StreamWriterBuilder::new(file)
            .with_buffer_size(buffer.max(4096))
            .build();
        Ok(FileSink {
            path: path.to_path_buf(),
            out,
            interval,
            since: None,
            broken: false,
        })
    }

    /// Returns false when the batch did not make it into the file.
    pub(crate) async fn write(&mut self, batch: &Batch, c: &mut Tally) -> bool {
        if self.broken {
            bump(&mut c.dropped, "write_failed", batch.events());
            return false;
        }
        if self.since.is_none() {
            self.since = Some(Instant::now());
        }
        match self.out.write_all(&batch.data).await {
            Ok(()) => {
                c.events += batch.events();
                c.bytes += batch.data.len() as u64;
            }
            Err(e) => self.fail(&e, c, batch.events()),
        }
        // A batch whose source waits for an acknowledgement is written out before it goes
        // back: "acknowledged" means the bytes are in the file (the OS has them).
        if !batch.marks.is_empty() {
            self.flush(c).await;
        }
        !self.broken
    }

    fn fail(&mut self, e: &std::io::Error, c: &mut Tally, events: u64) {
        tracing::error!(path = %self.path.display(), error = %e, "file sink write failed; dropping what it receives");
        self.broken = true;
        c.errors += 1;
        bump(&mut c.dropped, "write_failed", events);
    }

    pub(crate) fn flush_due(&self) -> Option<Duration> {
        self.since
            .map(|t| self.interval.saturating_sub(t.elapsed()))
    }

    pub(crate) async fn flush(&mut self, c: &mut Tally) {
        self.since = None;
        if !self.broken {
            if let Err(e) = self.out.flush().await {
                self.fail(&e, c, 0);
            }
        }
    }

    pub(crate) async fn close(&mut self, c: &mut Tally) {
        self.flush(c).await;
        if let Err(e) = self.out.close().await {
            tracing::error!(path = %self.path.display(), error = %e, "closing the file sink failed");
            c.errors += 1;
        }
    }
}
