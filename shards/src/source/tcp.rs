//! The TCP source: one `SO_REUSEPORT` listener per ingest shard, one task per connection.

use std::cell::{Cell, RefCell};
use std::net::SocketAddr;
use std::rc::Rc;
use std::time::Duration;

use glommio::net::TcpListener;
use socket2::{Domain, Protocol, Socket, Type};

use super::{read_stream, Limits, OnStop};
use crate::ingest::Ingest;
use crate::plan::SourcePlan;
use crate::signal::Signal;

/// Creates a listening socket with `SO_REUSEPORT` so every ingest shard can bind the same
/// address and the kernel spreads connections over them.
pub(crate) fn bind_tcp(addr: SocketAddr) -> std::io::Result<Socket> {
    let s = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    s.set_reuse_address(true)?;
    s.set_reuse_port(true)?;
    s.set_nonblocking(true)?;
    s.bind(&addr.into())?;
    s.listen(1024)?;
    Ok(s)
}

/// Accepts connections until `stop`, then waits for the open ones to drain.
pub(crate) async fn tcp_source(
    ctx: Rc<RefCell<Ingest>>,
    src: usize,
    plan: Rc<SourcePlan>,
    listener: TcpListener,
    max_connections: usize,
    idle_timeout: Option<Duration>,
    memory_budget: Option<usize>,
    stop: Rc<Signal>,
    hard: Rc<Signal>,
) {
    let open = Rc::new(Cell::new(0usize));
    // Read-buffer bytes of this source's connections on this shard.
    let memory = Rc::new(Cell::new(0usize));
    loop {
        let Some(stream) = super::accept_until(&listener, &stop, &plan.id).await else {
            break;
        };
        {
            let mut ing = ctx.borrow_mut();
            let c = ing.source_counters(src);
            c.read_buffers = memory.get() as u64;
            let refuse = if open.get() >= max_connections {
                Some("max_connections")
            } else if memory_budget.is_some_and(|b| memory.get() >= b) {
                Some("memory_budget")
            } else {
                None
            };
            if let Some(reason) = refuse {
                c.connections_rejected += 1;
                crate::metrics::bump(&mut c.refused, reason, 1);
                tracing::debug!(source = %plan.id, reason, "connection refused");
                drop(stream);
                continue;
            }
            c.connections += 1;
            c.connections_open += 1;
        }
        open.set(open.get() + 1);
        let memory2 = Rc::clone(&memory);
        let (ctx2, plan2, stop2, hard2, open2) = (
            Rc::clone(&ctx),
            Rc::clone(&plan),
            Rc::clone(&stop),
            Rc::clone(&hard),
            Rc::clone(&open),
        );
        let origin = stream
            .peer_addr()
            .ok()
            .map(|a| super::origin("tcp", &a.ip().to_string(), Some(a.port()), &[]));
        let fd = std::os::fd::AsRawFd::as_raw_fd(&stream);
        glommio::spawn_local(async move {
            read_stream(
                &ctx2,
                src,
                stream,
                &stop2,
                &hard2,
                plan2.on_full,
                plan2.read_buffer,
                origin,
                OnStop::KernelHeld(fd),
                Limits {
                    idle_timeout,
                    memory: Some(Rc::clone(&memory2)),
                },
            )
            .await;
            let mut ing = ctx2.borrow_mut();
            let c = ing.source_counters(src);
            c.connections_open -= 1;
            c.read_buffers = memory2.get() as u64;
            drop(ing);
            open2.set(open2.get() - 1);
        })
        .detach();
    }
    drop(listener);
    while open.get() > 0 {
        glommio::timer::sleep(Duration::from_millis(5)).await;
    }
}
