//! Reading one byte stream (a TCP connection, a file, stdin) until it ends.

use std::cell::RefCell;
use std::rc::Rc;

use futures_lite::{future, AsyncRead, AsyncReadExt};
use sluice_codecs::PreprocessorChain;

use super::{flush, DRAIN_IDLE};
use crate::ingest::{Ingest, Read};
use crate::plan::OnFull;
use crate::signal::{now_ns, Signal};

/// First read buffer of a stream; it doubles while reads fill it, up to the source's
/// `read_buffer`, so a thousand idle connections cost little and a busy one reads big.
const FIRST_READ: usize = 8 * 1024;

/// Reads `r` until end of stream (or until it goes quiet after `stop`, or `hard` fires),
/// framing and processing every read, then flushes what the preprocessors still hold.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn read_stream<R: AsyncRead + Unpin>(
    ctx: &Rc<RefCell<Ingest>>,
    src: usize,
    mut r: R,
    mut chain: PreprocessorChain,
    stop: &Signal,
    hard: &Signal,
    policy: OnFull,
    read_max: usize,
    origin: Option<sluice_script::Value<'static>>,
) {
    let lossless = policy == OnFull::Block;
    let at = |now_ns| Read {
        now_ns,
        lossless,
        origin: origin.as_ref(),
    };
    let mut buf = vec![0u8; FIRST_READ.min(read_max)];
    loop {
        let draining = stop.is_fired();
        let read = if draining {
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
            // Stop just fired: keep reading what is already on its way, in drain mode.
            None => continue,
            Some(Ok(0)) => break,
            Some(Ok(n)) => n,
            Some(Err(e)) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Some(Err(e)) => {
                tracing::debug!(error = %e, "stream read failed; closing it");
                break;
            }
        };
        ctx.borrow_mut()
            .chunk(src, &mut chain, &buf[..n], &at(now_ns()));
        flush(ctx, policy, src).await;
        if hard.is_fired() {
            break;
        }
        if n == buf.len() && buf.len() < read_max {
            buf.resize((buf.len() * 2).min(read_max), 0);
        }
    }
    ctx.borrow_mut()
        .end_of_stream(src, &mut chain, &at(now_ns()));
    flush(ctx, policy, src).await;
}
