//! `stdout` and `stderr`. A write to a terminal or a pipe blocks while it is full, which must
//! not happen on a reactor thread, so a plain thread per sink does the writes. The sink task
//! hands it copies of its batches over a small bounded channel and waits (asynchronously)
//! while the channel is full: a slow reader downstream slows this sink, and through its
//! credits the sources that feed it, which is the backpressure an operator piping Sluice into
//! another tool expects. Events count as written once the thread has written them.

use std::io::Write;
use std::rc::Rc;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TryRecvError, TrySendError};
use std::time::{Duration, Instant};

use super::Tally;
use crate::metrics::bump;
use crate::ring::Batch;
use crate::signal::Signal;

/// Buffers in flight to the writer thread.
const IN_FLIGHT: usize = 8;
/// How soon the sink looks again at what the thread has written.
const REAP_EVERY: Duration = Duration::from_millis(5);

/// What the thread hands back: the buffer (for reuse), its events, and whether it was written.
type Done = (Vec<u8>, u64, bool);

pub(crate) struct StdSink {
    /// `stderr` rather than `stdout`.
    err: bool,
    /// The writer thread's ends. The thread starts with the first batch (or at once when
    /// there is a header to write), so a sink that never writes costs no thread and none of
    /// the allocator's per-thread memory (about 0.4 MB each, `bench/results/latency.md`).
    tx: Option<SyncSender<(Vec<u8>, u64)>>,
    done: Option<Receiver<Done>>,
    /// `close` has run: nothing more is written and no thread is started.
    closed: bool,
    free: Vec<Vec<u8>>,
    outstanding: usize,
    sent: Instant,
    /// Shutdown gives up: stop waiting for the thread (set by `set_hard`).
    hard: Rc<Signal>,
}

impl StdSink {
    /// `header` (a CSV header row) is written once, before anything else.
    pub(crate) fn stdout(header: Option<&[u8]>) -> std::io::Result<Self> {
        Self::new(false, header.map(<[u8]>::to_vec))
    }

    /// As [`StdSink::stdout`].
    pub(crate) fn stderr(header: Option<&[u8]>) -> std::io::Result<Self> {
        Self::new(true, header.map(<[u8]>::to_vec))
    }

    fn new(err: bool, header: Option<Vec<u8>>) -> std::io::Result<Self> {
        let mut s = StdSink {
            err,
            tx: None,
            done: None,
            closed: false,
            free: Vec::new(),
            outstanding: 0,
            sent: Instant::now(),
            hard: Rc::new(Signal::default()),
        };
        if header.is_some() {
            // The header goes out at start, as an empty run's output should still have it.
            s.spawn(header)?;
        }
        Ok(s)
    }

    /// Starts the writer thread.
    fn spawn(&mut self, header: Option<Vec<u8>>) -> std::io::Result<()> {
        let err = self.err;
        let (tx, rx) = sync_channel::<(Vec<u8>, u64)>(IN_FLIGHT);
        let (done_tx, done) = sync_channel::<Done>(IN_FLIGHT + 1);
        std::thread::Builder::new()
            .name(
                if err {
                    "sluice-stderr"
                } else {
                    "sluice-stdout"
                }
                .into(),
            )
            .spawn(move || {
                if let Some(h) = header {
                    let r = if err {
                        let mut e = std::io::stderr().lock();
                        e.write_all(&h).and_then(|()| e.flush())
                    } else {
                        let mut o = std::io::stdout().lock();
                        o.write_all(&h).and_then(|()| o.flush())
                    };
                    if let Err(e) = r {
                        tracing::debug!(error = %e, "writing the header failed");
                    }
                }
                while let Ok((buf, events)) = rx.recv() {
                    let r = if err {
                        let mut e = std::io::stderr().lock();
                        e.write_all(&buf).and_then(|()| e.flush())
                    } else {
                        let mut o = std::io::stdout().lock();
                        o.write_all(&buf).and_then(|()| o.flush())
                    };
                    if let Err(e) = &r {
                        tracing::debug!(error = %e, "standard stream write failed");
                    }
                    if done_tx.send((buf, events, r.is_ok())).is_err() {
                        return;
                    }
                }
            })?;
        self.tx = Some(tx);
        self.done = Some(done);
        Ok(())
    }

    /// Takes the shard's hard-stop signal (when to stop waiting at close).
    pub(crate) fn set_hard(&mut self, hard: &Rc<Signal>) {
        self.hard = Rc::clone(hard);
    }

    /// Counts what the thread finished.
    fn reap(&mut self, c: &mut Tally) {
        let Some(done) = &self.done else { return };
        loop {
            match done.try_recv() {
                Ok((buf, events, ok)) => {
                    self.outstanding -= 1;
                    if ok {
                        c.events += events;
                        c.bytes += buf.len() as u64;
                    } else {
                        c.errors += 1;
                        bump(&mut c.dropped, "write_failed", events);
                    }
                    if self.free.len() < IN_FLIGHT {
                        self.free.push(buf);
                    }
                }
                Err(TryRecvError::Empty) => return,
                Err(TryRecvError::Disconnected) => {
                    self.outstanding = 0;
                    return;
                }
            }
        }
    }

    pub(crate) async fn write(&mut self, batch: &Batch, c: &mut Tally, hard: &Signal) {
        self.reap(c);
        if self.tx.is_none() && !self.closed {
            if let Err(e) = self.spawn(None) {
                // Out of threads or memory: these events cannot be written; the next batch
                // tries again.
                tracing::warn!(error = %e, "cannot start the standard stream writer thread");
                c.errors += 1;
                bump(&mut c.dropped, "write_failed", batch.events());
                return;
            }
        }
        let Some(tx) = self.tx.clone() else { return };
        let mut buf = self.free.pop().unwrap_or_default();
        buf.clear();
        buf.extend_from_slice(&batch.data);
        let mut item = (buf, batch.events());
        let mut wait = Duration::from_micros(50);
        loop {
            match tx.try_send(item) {
                Ok(()) => {
                    self.outstanding += 1;
                    self.sent = Instant::now();
                    return;
                }
                Err(TrySendError::Full(it)) if !hard.is_fired() => {
                    item = it;
                    glommio::timer::sleep(wait).await;
                    wait = (wait * 2).min(Duration::from_millis(5));
                    self.reap(c);
                }
                Err(TrySendError::Full((_, n)) | TrySendError::Disconnected((_, n))) => {
                    c.errors += 1;
                    bump(&mut c.dropped, "write_failed", n);
                    return;
                }
            }
        }
    }

    /// While the thread holds buffers, look at it every few milliseconds.
    pub(crate) fn flush_due(&self) -> Option<Duration> {
        (self.outstanding > 0).then(|| REAP_EVERY.saturating_sub(self.sent.elapsed()))
    }

    pub(crate) fn flush(&mut self, c: &mut Tally) {
        self.reap(c);
        if self.outstanding > 0 {
            // Not all back yet: look again after another interval.
            self.sent = Instant::now();
        }
    }

    /// Lets the thread finish what it holds (until `hard`), then lets it go.
    pub(crate) async fn close(&mut self, c: &mut Tally) {
        let hard = Rc::clone(&self.hard);
        self.closed = true;
        self.tx = None;
        while self.outstanding > 0 && !hard.is_fired() {
            glommio::timer::sleep(Duration::from_millis(1)).await;
            self.reap(c);
        }
        self.reap(c);
    }
}
