//! Reading one byte stream (a TCP connection, a file, stdin) until it ends.

use std::cell::{Cell, RefCell};
use std::os::fd::RawFd;
use std::rc::Rc;
use std::time::{Duration, Instant};

use futures_lite::{future, AsyncRead, AsyncReadExt};

use super::readbuf::{ReadBuf, IDLE_SHRINK};
use super::{flush, DRAIN_IDLE};
use crate::ingest::{Ingest, Read};
use crate::plan::OnFull;
use crate::signal::{now_ns, Signal};

/// A read larger than this is processed and flushed in parts of this size. Reads grow past
/// `LATENCY_READ` only while a stream is behind (see `readbuf`), when queueing already costs
/// more latency than a part would save; flushing every 64 KiB there cost 14% of saturated
/// passthrough throughput (bench/results/latency.md), so parts only bound reads larger than
/// the default `read_buffer`.
const PART: usize = 256 * 1024;

/// Per-connection limits of a stream source.
#[derive(Default)]
pub(crate) struct Limits {
    /// Close the stream after this long without data.
    pub(crate) idle_timeout: Option<Duration>,
    /// The source's read-buffer memory on this shard (see [`ReadBuf`]).
    pub(crate) memory: Option<Rc<Cell<usize>>>,
}

/// What ended a wait for data.
enum Woke {
    Read(std::io::Result<usize>),
    Stop,
    Timer,
}

/// How a stream ends when the shard stops.
#[derive(Debug, Clone, Copy)]
pub(crate) enum OnStop {
    /// Keep reading until the stream goes quiet for [`DRAIN_IDLE`] (files, stdin).
    Quiet,
    /// A socket: read exactly what the kernel holds at that moment, shut the read side,
    /// and count the frame the close cuts in half instead of decoding it.
    KernelHeld(RawFd),
}

/// Reads `r` until end of stream (or, after `stop`, as `on_stop` says; or until `hard`
/// fires), framing and processing every read, then flushes what the preprocessors hold.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn read_stream<R: AsyncRead + Unpin>(
    ctx: &Rc<RefCell<Ingest>>,
    src: usize,
    mut r: R,
    stop: &Signal,
    hard: &Signal,
    policy: OnFull,
    read_max: usize,
    origin: Option<sluice_script::Value<'static>>,
    on_stop: OnStop,
    limits: Limits,
) {
    let lossless = policy == OnFull::Block;
    let at = |now_ns| Read {
        now_ns,
        lossless,
        origin: origin.as_ref(),
    };
    let stream = ctx.borrow_mut().open_stream(src);
    let mut rb = ReadBuf::new(read_max, limits.memory.clone());
    let mut last_data = Instant::now();
    // After stop, on a socket: how many bytes are still to be read.
    let mut left: Option<usize> = None;
    let mut cut = false;
    loop {
        let draining = stop.is_fired();
        if draining && left.is_none() {
            if let OnStop::KernelHeld(fd) = on_stop {
                // What the kernel accepted before this moment is read; nothing after.
                let held = crate::sys::bytes_queued(fd).unwrap_or(0);
                crate::sys::shutdown_read(fd);
                left = Some(held);
                cut = true;
            }
        }
        let want = match left {
            Some(0) => break,
            Some(n) => n.min(rb.len()),
            None => rb.len(),
        };
        let grown = rb.is_grown().then_some(IDLE_SHRINK);
        let buf = &mut rb.buf;
        let read = if left.is_some() {
            Woke::Read(r.read(&mut buf[..want]).await)
        } else if draining {
            future::or(async { Woke::Read(r.read(buf).await) }, async {
                future::or(glommio::timer::sleep(DRAIN_IDLE), async {
                    hard.wait().await;
                })
                .await;
                Woke::Stop
            })
            .await
        } else {
            // Wake up to give the buffer back when idle, or to close an idle connection.
            let idle_close = limits
                .idle_timeout
                .map(|t| t.saturating_sub(last_data.elapsed()));
            let timer = match (idle_close, grown) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            let read = future::or(async { Woke::Read(r.read(buf).await) }, async {
                stop.wait().await;
                Woke::Stop
            });
            match timer {
                Some(t) => {
                    future::or(read, async {
                        glommio::timer::sleep(t).await;
                        Woke::Timer
                    })
                    .await
                }
                None => read.await,
            }
        };
        let n = match read {
            Woke::Timer => {
                rb.idle();
                if let Some(m) = &limits.memory {
                    ctx.borrow_mut().source_counters(src).read_buffers = m.get() as u64;
                }
                if limits
                    .idle_timeout
                    .is_some_and(|t| last_data.elapsed() >= t)
                {
                    ctx.borrow_mut().source_counters(src).idle_closed += 1;
                    tracing::debug!("closing a connection idle for its idle_timeout");
                    break;
                }
                continue;
            }
            // Quiet for DRAIN_IDLE after stop, or out of time.
            Woke::Stop if draining => break,
            // Stop just fired: decide how to drain on the next turn.
            Woke::Stop => continue,
            Woke::Read(Ok(0)) => {
                // The peer closed: its last frame is complete as far as it is concerned.
                cut = false;
                break;
            }
            Woke::Read(Ok(n)) => n,
            Woke::Read(Err(e)) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Woke::Read(Err(e)) => {
                tracing::debug!(error = %e, "stream read failed; closing it");
                break;
            }
        };
        last_data = Instant::now();
        if let Some(l) = left.as_mut() {
            *l = l.saturating_sub(n);
        }
        #[cfg(feature = "fault-injection")]
        poison(&rb.buf[..n]);
        // A big read (only a stream that is behind gets one, see `ReadBuf`) goes through in
        // parts, each handed to the rings before the next starts, so its first events do not
        // wait for its last. Every part keeps the read's time: that is when its bytes left
        // the kernel.
        let wall = now_ns();
        for (k, part) in rb.buf[..n].chunks(PART).enumerate() {
            if k == 0 {
                ctx.borrow_mut().chunk(&stream, part, &at(wall));
            } else {
                ctx.borrow_mut().chunk_more(&stream, part, &at(wall));
            }
            flush(ctx, policy, src).await;
        }
        if hard.is_fired() {
            break;
        }
        rb.after_read(n, last_data);
        if let Some(m) = &limits.memory {
            ctx.borrow_mut().source_counters(src).read_buffers = m.get() as u64;
        }
        // A busy stream's reads never wait (glommio tries the socket before it sleeps), so
        // after each read let the shard's other task queues run, and the tasks of this one
        // that are ready: the sink tasks of this shard (their own queue, `shard.rs`), which
        // its batches just woke and which would otherwise wait until every stream ran dry
        // (in a shard that is both ingest and sink that wait was the tail of the latency),
        // the shard's other streams, the metrics reporter.
        glommio::executor().yield_task_queue_now().await;
    }
    if cut {
        ctx.borrow_mut().cut_stream(stream, &at(now_ns()));
    } else {
        ctx.borrow_mut().end_of_stream(stream, &at(now_ns()));
    }
    flush(ctx, policy, src).await;
}

/// Test-only fault injection (the `fault-injection` feature, which only the workspace's own
/// tests enable): a read that carries the poison pill panics its shard, so the tests can
/// check what a panic does. Release builds and configs cannot reach it.
#[cfg(feature = "fault-injection")]
fn poison(data: &[u8]) {
    if memchr::memmem::find(data, b"SLUICE-TEST-POISON").is_some() {
        panic!("poisoned event (test-only fault injection)");
    }
}
