//! The UDP source: one `SO_REUSEPORT` socket per ingest shard, drained many datagrams at a
//! time with `recvmmsg` once the reactor says it is readable.

use std::cell::RefCell;
use std::net::SocketAddr;
use std::os::fd::AsRawFd;
use std::rc::Rc;
use std::time::Duration;

use futures_lite::future;
use glommio::net::UdpSocket;
use socket2::{Domain, Protocol, Socket, Type};

use super::flush;
use crate::ingest::{Ingest, Read};
use crate::plan::{OnFull, SourcePlan};
use crate::signal::{now_ns, Signal};
use crate::sys::RecvMany;

/// Memory for one batch of datagrams.
const BATCH_BYTES: usize = 1 << 20;
/// Datagrams handled before the batches go to the rings.
const FLUSH_EVERY: usize = 256;

/// Creates a UDP socket with `SO_REUSEPORT` and the requested receive buffer.
pub(crate) fn bind_udp(addr: SocketAddr, recv_buffer: Option<usize>) -> std::io::Result<Socket> {
    let s = Socket::new(Domain::for_address(addr), Type::DGRAM, Some(Protocol::UDP))?;
    s.set_reuse_address(true)?;
    s.set_reuse_port(true)?;
    s.set_nonblocking(true)?;
    if let Some(b) = recv_buffer {
        let got = crate::sys::set_recv_buffer(&s, b)?;
        if got < b {
            tracing::warn!(%addr, asked = b, got, "the kernel capped the UDP receive buffer (raise net.core.rmem_max)");
        }
    }
    s.bind(&addr.into())?;
    Ok(s)
}

/// Receives datagrams until `stop`, then takes what the kernel still queues and ends.
pub(crate) async fn udp_source(
    ctx: Rc<RefCell<Ingest>>,
    src: usize,
    plan: Rc<SourcePlan>,
    sock: UdpSocket,
    max_datagram: usize,
    stop: Rc<Signal>,
) {
    let policy = plan.on_full;
    let lossless = policy == OnFull::Block;
    let stream = ctx.borrow_mut().open_stream(src);
    // One byte more than allowed, so an oversized datagram shows as such.
    let slot = max_datagram + 1;
    // One slot until a receive fills it: a socket that gets little traffic (or none, like
    // the default config's) does not hold a megabyte of receive slots; a busy one gets
    // them on its first full receive (see `drain`).
    let mut rx = RecvMany::new(1, slot);
    let mut slots = 1;
    let fd = sock.as_raw_fd();
    let mut peek = [0u8; 1];
    loop {
        let ready = future::or(async { Some(sock.peek_from(&mut peek).await) }, async {
            stop.wait().await;
            None
        })
        .await;
        match ready {
            None => break,
            Some(Err(e)) => {
                tracing::debug!(source = %plan.id, error = %e, "udp wait failed");
                glommio::timer::sleep(Duration::from_millis(1)).await;
                continue;
            }
            Some(Ok(_)) => {}
        }
        let filled = drain(
            &ctx,
            src,
            &stream,
            &mut rx,
            slots,
            fd,
            max_datagram,
            policy,
            lossless,
        )
        .await;
        if filled && slots == 1 {
            slots = (BATCH_BYTES / slot).max(1);
            rx = RecvMany::new(slots, slot);
        }
    }
    // What the kernel accepted before stop still counts.
    drain(
        &ctx,
        src,
        &stream,
        &mut rx,
        slots,
        fd,
        max_datagram,
        policy,
        lossless,
    )
    .await;
    // The socket closes with this task: take its kernel drop count while it still exists.
    if let Some(d) = socket_inode(&sock).and_then(kernel_drops) {
        ctx.borrow_mut().source_counters(src).kernel_drops = d;
    }
    ctx.borrow_mut().end_of_stream(
        stream,
        &Read {
            now_ns: now_ns(),
            lossless,
            origin: None,
        },
    );
    flush(&ctx, policy, src).await;
}

/// Receives until the socket is empty, then hands the batches to the rings (so a quiet
/// moment sends everything on at once). Returns whether some receive filled all `slots`.
#[allow(clippy::too_many_arguments)]
async fn drain(
    ctx: &Rc<RefCell<Ingest>>,
    src: usize,
    stream: &crate::ingest::StreamId,
    rx: &mut RecvMany,
    slots: usize,
    fd: std::os::fd::RawFd,
    max_datagram: usize,
    policy: OnFull,
    lossless: bool,
) -> bool {
    let mut since_flush = 0;
    let mut filled = false;
    loop {
        let n = match rx.recv(fd) {
            Ok(0) => break,
            Ok(n) => {
                filled |= n >= slots;
                n
            }
            Err(e) => {
                tracing::debug!(error = %e, "recvmmsg failed");
                break;
            }
        };
        let read = Read {
            now_ns: now_ns(),
            lossless,
            origin: None,
        };
        {
            let mut ing = ctx.borrow_mut();
            for i in 0..n {
                let (d, cut) = rx.get(i);
                if cut || d.len() > max_datagram {
                    let e = sluice_codecs::Error::FrameTooLong {
                        max: max_datagram,
                        seen: d.len(),
                        head: d[..d.len().min(1024)].to_vec(),
                    };
                    ing.frame_error(src, &e, &read);
                } else {
                    ing.datagram(stream, d, &read);
                }
            }
        }
        since_flush += n;
        if since_flush >= FLUSH_EVERY {
            flush(ctx, policy, src).await;
            since_flush = 0;
            glommio::executor().yield_if_needed().await;
        }
    }
    flush(ctx, policy, src).await;
    filled
}

/// The socket's inode, for [`kernel_drops`].
pub(crate) fn socket_inode(sock: &UdpSocket) -> Option<u64> {
    crate::sys::inode(sock.as_raw_fd())
}

/// Datagrams the kernel dropped on the socket with `inode` (the `drops` column of
/// `/proc/net/udp` and `/proc/net/udp6`). Read once, when the socket closes at shutdown;
/// while running, the control thread reads the table ([`udp_drop_table`]).
pub(crate) fn kernel_drops(inode: u64) -> Option<u64> {
    udp_drop_table().get(&inode).copied()
}

/// Every UDP socket's kernel drop count, by inode.
pub(crate) fn udp_drop_table() -> std::collections::HashMap<u64, u64> {
    let mut out = std::collections::HashMap::new();
    for table in ["/proc/net/udp", "/proc/net/udp6"] {
        let Ok(text) = std::fs::read_to_string(table) else {
            continue;
        };
        for line in text.lines().skip(1) {
            let cols: Vec<&str> = line.split_whitespace().collect();
            if cols.len() >= 13 {
                if let (Ok(ino), Ok(d)) = (cols[9].parse::<u64>(), cols[12].parse::<u64>()) {
                    out.insert(ino, d);
                }
            }
        }
    }
    out
}
