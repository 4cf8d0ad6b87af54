//! `file`: appends to a file. Batches collect in a buffer that is written when it fills,
//! with the last batch of the sink's queue (the sink never sits on data while it is idle),
//! on the flush interval, before a reopen, and at shutdown.
//!
//! The file's system calls (open, write, `fdatasync`, close) run on the shard's blocking
//! thread (glommio's `spawn_blocking`), not on the shard: a buffered write to most local file
//! systems can block (ext4 cannot take one without blocking, writers are throttled when too
//! much memory is dirty, a hung NFS mount blocks forever), and a shard that blocked would
//! stall every other source and sink it runs. The shard only waits for the result, as it
//! did for io_uring's writes, which the kernel handed to its own worker thread for the same
//! reason. The buffer goes to the blocking thread and comes back with the result, so it is
//! not copied for the write (glommio's `write_at` consumes its buffer, which meant a copy of
//! every write-out to keep the bytes for a retry).
//!
//! Rotation: the file is opened `O_APPEND`, so after a `copytruncate` rotation the next write
//! lands at the start of the emptied file, not at the old offset. After a rotation by rename
//! (logrotate's `create` mode) the sink reopens its path on SIGHUP, and on its own when a
//! check on the flush interval finds that the path names another inode (or none). A failed
//! write keeps the unwritten bytes, counts the error, reopens the file and tries again with
//! backoff; meanwhile the sink holds its batches (backpressure, like a TCP sink whose peer
//! is down) until it succeeds or shutdown gives up, when what it still holds is counted as
//! dropped (`write_failed`).
//!
//! `fsync = true`: every write-out is followed by `fdatasync`, and only then do its events
//! count as written and its batches go back as acknowledged. A failed sync is handled like a
//! failed write (reopen, back off, write the whole buffer again): the file may then hold
//! those lines twice, never none.

use std::fs::File;
use std::io::Write as _;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_lite::future;

use super::Tally;
use crate::metrics::bump;
use crate::ring::Batch;
use crate::signal::Signal;

/// Longest wait between attempts to write to a file that fails.
const RETRY_MAX: Duration = Duration::from_secs(5);
/// First wait after a failed write.
const RETRY_MIN: Duration = Duration::from_millis(50);

pub(crate) struct FileSink {
    path: PathBuf,
    file: Option<Arc<File>>,
    interval: Duration,
    /// Write when this much is buffered.
    limit: usize,
    buf: Vec<u8>,
    /// Whole events in `buf` (counted when they reach the file, or as dropped).
    buf_events: u64,
    /// When the oldest unwritten byte arrived.
    since: Option<Instant>,
    /// When the path was last compared with the open file.
    checked: Instant,
    retry: Duration,
    /// Shutdown gives up: stop retrying (set by `start`).
    hard: Rc<Signal>,
    /// A header row (CSV) written first into a file that is empty when opened.
    header: Option<Vec<u8>>,
    /// `fdatasync` after each write-out, before the events count as written.
    fsync: bool,
}

/// Runs `f` on the shard's blocking thread and waits for it without blocking the shard.
async fn blocking<R: Send + 'static>(f: impl FnOnce() -> R + Send + 'static) -> R {
    glommio::executor().spawn_blocking(f).await
}

async fn open_append(path: &Path) -> std::io::Result<Arc<File>> {
    let p = path.to_path_buf();
    blocking(move || {
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&p)
    })
    .await
    .map(Arc::new)
    .map_err(|e| std::io::Error::other(format!("{}: {e}", path.display())))
}

/// Writes `buf[off..]` to `file` (on the calling thread, so on the blocking one), looping
/// on short writes and `EINTR`. Returns the buffer, how far it got, and the error that
/// stopped it, if any.
fn write_from(file: &File, buf: Vec<u8>, mut off: usize) -> (Vec<u8>, usize, std::io::Result<()>) {
    while off < buf.len() {
        // O_APPEND: every write lands at the end, whatever the position.
        match (&*file).write(&buf[off..]) {
            Ok(0) => return (buf, off, Err(std::io::Error::other("wrote nothing"))),
            Ok(n) => off += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return (buf, off, Err(e)),
        }
    }
    (buf, off, Ok(()))
}

/// Writes `header` into `f` if the file is empty: one header per file, however many
/// ingest shards encode its rows.
async fn write_header(f: &Arc<File>, header: Option<&[u8]>) -> std::io::Result<()> {
    let Some(h) = header else { return Ok(()) };
    let (f, h) = (Arc::clone(f), h.to_vec());
    blocking(move || {
        if f.metadata()?.len() != 0 {
            return Ok(());
        }
        write_from(&f, h, 0).2
    })
    .await
}

/// Closes `f` (the last handle to it), reporting what `close(2)` says.
async fn close_file(f: Arc<File>) -> std::io::Result<()> {
    match Arc::try_unwrap(f) {
        Ok(f) => blocking(move || crate::sys::close_file(f)).await,
        // An operation still holds it (none should): it closes when that one drops it.
        Err(_) => Ok(()),
    }
}

impl FileSink {
    pub(crate) async fn open(
        path: &Path,
        interval: Duration,
        buffer: usize,
        fsync: bool,
        header: Option<&[u8]>,
    ) -> std::io::Result<Self> {
        let file = open_append(path).await?;
        let header = header.map(<[u8]>::to_vec);
        write_header(&file, header.as_deref())
            .await
            .map_err(|e| std::io::Error::other(format!("{}: {e}", path.display())))?;
        let limit = buffer.max(4096);
        Ok(FileSink {
            path: path.to_path_buf(),
            file: Some(file),
            interval,
            limit,
            buf: Vec::with_capacity(limit),
            buf_events: 0,
            since: None,
            checked: Instant::now(),
            retry: RETRY_MIN,
            hard: Rc::new(Signal::default()),
            header,
            fsync,
        })
    }

    /// Takes the shard's hard-stop signal (when to stop retrying a failing file).
    pub(crate) fn start(&mut self, hard: &Rc<Signal>) {
        self.hard = Rc::clone(hard);
    }

    /// Returns false when the batch did not make it into the file (given up at shutdown).
    /// `more`: other batches wait in the sink's queue (then a batch that does not fill the
    /// buffer waits for them; the last one is written out at once: batching must not cost
    /// latency when the load is light).
    pub(crate) async fn write(&mut self, batch: &mut Batch, more: bool, c: &mut Tally) -> bool {
        if self.since.is_none() {
            self.since = Some(Instant::now());
        }
        self.buf_events += batch.events();
        // A batch whose source waits for an acknowledgement is written out before it goes
        // back: "acknowledged" means the bytes are in the file (the OS has them).
        let out =
            !more || !batch.marks.is_empty() || self.buf.len() + batch.data.len() >= self.limit;
        if out && self.buf.is_empty() {
            // Nothing buffered before it: the batch's own buffer is written, lent for the
            // write and given back emptied, with its capacity (no copy).
            std::mem::swap(&mut self.buf, &mut batch.data);
            let ok = self.write_out(c).await;
            std::mem::swap(&mut self.buf, &mut batch.data);
            return ok;
        }
        self.buf.extend_from_slice(&batch.data);
        if out {
            return self.write_out(c).await;
        }
        true
    }

    /// Writes the whole buffer, retrying (reopening the file) with backoff until it works
    /// or `hard` fires, when the buffer is counted as dropped.
    pub(crate) async fn write_out(&mut self, c: &mut Tally) -> bool {
        let hard = Rc::clone(&self.hard);
        let mut off = 0;
        while off < self.buf.len() {
            let r = match &self.file {
                Some(f) => {
                    let (f, buf) = (Arc::clone(f), std::mem::take(&mut self.buf));
                    let (buf, at, r) = blocking(move || write_from(&f, buf, off)).await;
                    self.buf = buf;
                    off = at;
                    r
                }
                None => Err(std::io::Error::other("not open")),
            };
            match r {
                Ok(()) if !self.fsync => {}
                // With `fsync`, the events count as written (and their batches as
                // acknowledged) only once the data is on disk; a failed sync is retried
                // like a failed write, after reopening the file.
                Ok(()) => match self.sync().await {
                    Ok(()) => c.syncs += 1,
                    Err(e) => {
                        off = 0;
                        self.failed(&e, c);
                    }
                },
                Err(e) => self.failed(&e, c),
            }
            if off >= self.buf.len() {
                break;
            }
            if hard.is_fired() || !self.pause(&hard).await {
                bump(&mut c.dropped, "write_failed", self.buf_events);
                self.buf.clear();
                self.buf_events = 0;
                self.since = None;
                return false;
            }
            self.reopen_now(c).await;
        }
        c.events += self.buf_events;
        c.bytes += self.buf.len() as u64;
        self.buf.clear();
        self.buf_events = 0;
        self.since = None;
        if self.retry != RETRY_MIN {
            self.retry = RETRY_MIN;
            c.set_up(true);
            c.publish();
        }
        true
    }

    async fn sync(&self) -> std::io::Result<()> {
        match &self.file {
            Some(f) => {
                let f = Arc::clone(f);
                blocking(move || f.sync_data()).await
            }
            None => Err(std::io::Error::other("not open")),
        }
    }

    fn failed(&mut self, e: &std::io::Error, c: &mut Tally) {
        tracing::error!(path = %self.path.display(), error = %e, retry_in = ?self.retry, "file sink write failed; holding the data and retrying");
        c.errors += 1;
        c.set_up(false);
        c.publish();
    }

    /// Sleeps for the current backoff (doubling it); false if `hard` fired first.
    async fn pause(&mut self, hard: &Signal) -> bool {
        let d = self.retry;
        self.retry = (self.retry * 2).min(RETRY_MAX);
        future::or(
            async {
                glommio::timer::sleep(d).await;
                true
            },
            async {
                hard.wait().await;
                false
            },
        )
        .await
    }

    /// Closes the file and opens the path again (creating it).
    async fn reopen_now(&mut self, c: &mut Tally) {
        if let Some(f) = self.file.take() {
            if let Err(e) = close_file(f).await {
                tracing::warn!(path = %self.path.display(), error = %e, "closing the old file failed");
            }
        }
        match open_append(&self.path).await {
            Ok(f) => {
                // A new (empty) file after a rotation gets its header too.
                if let Err(e) = write_header(&f, self.header.as_deref()).await {
                    c.errors += 1;
                    tracing::error!(path = %self.path.display(), error = %e, "writing the header failed");
                }
                self.file = Some(f);
                c.reopens += 1;
                tracing::info!(path = %self.path.display(), "file sink reopened its path");
            }
            Err(e) => {
                c.errors += 1;
                tracing::error!(path = %self.path.display(), error = %e, "file sink cannot reopen its path");
            }
        }
        self.checked = Instant::now();
    }

    /// Writes what is buffered, then reopens the path (SIGHUP).
    pub(crate) async fn reopen(&mut self, c: &mut Tally) {
        self.write_out(c).await;
        self.reopen_now(c).await;
    }

    /// Does the path still name the open file?
    fn same_file(&self) -> bool {
        use std::os::unix::fs::MetadataExt as _;
        let Some(f) = &self.file else { return false };
        let Ok(meta) = std::fs::metadata(&self.path) else {
            return false;
        };
        crate::sys::dev_inode(f.as_raw_fd()) == Some((meta.dev(), meta.ino()))
    }

    /// When the next write-out or path check is due.
    pub(crate) fn flush_due(&self) -> Option<Duration> {
        let check = self.interval.saturating_sub(self.checked.elapsed());
        let write = self
            .since
            .map_or(Duration::MAX, |t| self.interval.saturating_sub(t.elapsed()));
        Some(check.min(write))
    }

    /// Writes out what is due, and reopens the path if it names another file now.
    pub(crate) async fn flush(&mut self, c: &mut Tally) {
        if self.since.is_some_and(|t| t.elapsed() >= self.interval) {
            self.write_out(c).await;
        }
        if self.checked.elapsed() >= self.interval {
            self.checked = Instant::now();
            if !self.same_file() {
                self.reopen(c).await;
            }
        }
    }

    pub(crate) async fn close(&mut self, c: &mut Tally) {
        self.write_out(c).await;
        if let Some(f) = self.file.take() {
            if let Err(e) = close_file(f).await {
                tracing::error!(path = %self.path.display(), error = %e, "closing the file sink failed");
                c.errors += 1;
            }
        }
    }
}
