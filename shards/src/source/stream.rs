//! Reading one byte stream (a TCP connection, a file, stdin) until it ends.

use std::cell::RefCell;
use std::os::fd::RawFd;
use std::rc::Rc;

use futures_lite::{future, AsyncRead, AsyncReadExt};

use super::{flush, DRAIN_IDLE};
use crate::ingest::{Ingest, Read};
use crate::plan::OnFull;
use crate::signal::{now_ns, Signal};

/// First read buffer of a stream; it doubles while reads fill it, up to the source's
/// `read_buffer`, so a thousand idle connections cost little and a busy one reads big.
const FIRST_READ: usize = 8 * 1024;

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
) {
    let lossless = policy == OnFull::Block;
    let at = |now_ns| Read {
        now_ns,
        lossless,
        origin: origin.as_ref(),
    };
    let stream = ctx.borrow_mut().open_stream(src);
    let mut buf = vec![0u8; FIRST_READ.min(read_max)];
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
            Some(n) => n.min(buf.len()),
            None => buf.len(),
        };
        let read = if left.is_some() {
            Some(r.read(&mut buf[..want]).await)
        } else if draining {
            future::or(async { Some(r.read(&mut buf).await) }, async {
                future::or(glommio::timer::sleep(DRAIN_IDLE), async {
                    hard.wait().await;
                })
                .await;
                None
            })
            .await
        } else {
            future::or(async { Some(r.read(&mut buf).await) }, async {
                stop.wait().await;
                None
            })
            .await
        };
        let n = match read {
            // Quiet for DRAIN_IDLE after stop, or out of time.
            None if draining => break,
            // Stop just fired: decide how to drain on the next turn.
            None => continue,
            Some(Ok(0)) => {
                // The peer closed: its last frame is complete as far as it is concerned.
                cut = false;
                break;
            }
            Some(Ok(n)) => n,
            Some(Err(e)) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Some(Err(e)) => {
                tracing::debug!(error = %e, "stream read failed; closing it");
                break;
            }
        };
        if let Some(l) = left.as_mut() {
            *l = l.saturating_sub(n);
        }
        #[cfg(feature = "fault-injection")]
        poison(&buf[..n]);
        ctx.borrow_mut().chunk(&stream, &buf[..n], &at(now_ns()));
        flush(ctx, policy, src).await;
        if hard.is_fired() {
            break;
        }
        if n == buf.len() && buf.len() < read_max {
            buf.resize((buf.len() * 2).min(read_max), 0);
        }
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
