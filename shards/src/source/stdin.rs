//! The stdin source. Standard input may be a terminal, a pipe or a file, none of which the
//! reactor can wait on uniformly, so a plain thread does the blocking reads and hands
//! chunks to the shard over an SPSC ring, ringing its bell like the ring mesh does.

use std::cell::RefCell;
use std::io::Read as _;
use std::rc::Rc;
use std::time::Duration;

use futures_lite::future;
use rtrb::{Consumer, Producer, RingBuffer};

use super::flush;
use crate::ingest::{Ingest, Read};
use crate::plan::{OnFull, SourcePlan};
use crate::ring::{bell, Parking};
use crate::signal::{now_ns, Signal};

const CHUNK: usize = 256 * 1024;

/// Chunks of standard input on their way to the shard; `None` marks the end.
pub(crate) struct StdinFeed {
    rx: Consumer<Option<Vec<u8>>>,
    back: Producer<Vec<u8>>,
    parking: Parking,
}

/// Starts the reader thread.
pub(crate) fn stdin_reader() -> std::io::Result<StdinFeed> {
    let (mut tx, rx) = RingBuffer::<Option<Vec<u8>>>::new(16);
    let (back, mut recycled) = RingBuffer::<Vec<u8>>::new(20);
    let (bell, parking) = bell()?;
    std::thread::Builder::new()
        .name("sluice-stdin".into())
        .spawn(move || {
            let mut input = std::io::stdin().lock();
            loop {
                let mut buf = recycled.pop().unwrap_or_else(|_| Vec::with_capacity(CHUNK));
                buf.resize(CHUNK, 0);
                let item = match input.read(&mut buf) {
                    Ok(0) => None,
                    Ok(n) => {
                        buf.truncate(n);
                        Some(buf)
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(e) => {
                        tracing::warn!(error = %e, "reading stdin failed; treating it as its end");
                        None
                    }
                };
                let end = item.is_none();
                let mut item = Some(item);
                while let Some(it) = item.take() {
                    if let Err(rtrb::PushError::Full(it)) = tx.push(it) {
                        if tx.is_abandoned() {
                            return;
                        }
                        item = Some(it);
                        std::thread::sleep(Duration::from_millis(1));
                    }
                }
                bell.ring();
                if end {
                    return;
                }
            }
        })?;
    Ok(StdinFeed { rx, back, parking })
}

/// Processes standard input until it ends or `stop` fires.
pub(crate) async fn stdin_source(
    ctx: Rc<RefCell<Ingest>>,
    src: usize,
    plan: Rc<SourcePlan>,
    feed: StdinFeed,
    stop: Rc<Signal>,
) {
    let StdinFeed {
        mut rx,
        mut back,
        parking,
    } = feed;
    let mut waiter = parking.into_waiter();
    let policy = plan.on_full;
    let lossless = policy == OnFull::Block;
    let origin = super::origin("stdin", "", None, &[]);
    let at = |now_ns| Read {
        now_ns,
        lossless,
        origin: Some(&origin),
    };
    let mut chain = super::chain(&plan);
    'outer: loop {
        while let Ok(item) = rx.pop() {
            let Some(buf) = item else { break 'outer };
            ctx.borrow_mut().chunk(src, &mut chain, &buf, &at(now_ns()));
            flush(&ctx, policy, src).await;
            let _ = back.push(buf);
        }
        if stop.is_fired() {
            break;
        }
        waiter.park();
        if !rx.is_empty() {
            waiter.unpark();
            continue;
        }
        future::or(waiter.sleep(), async {
            stop.wait().await;
            0
        })
        .await;
        waiter.unpark();
    }
    ctx.borrow_mut()
        .end_of_stream(src, &mut chain, &at(now_ns()));
    flush(&ctx, policy, src).await;
}
