//! The TCP source with TLS: the same accept loop as `tcp.rs`, each connection's handshake
//! bounded in time (a truncated or stalled handshake is closed and counted as
//! `errors{kind="tls"}`), then the decrypted stream is read like any other (syslog over TLS,
//! RFC 5425, is this with the `textual-length-prefixed` preprocessor).

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;

use futures_lite::future;
use futures_rustls::TlsAcceptor;
use glommio::net::TcpListener;

use super::read_stream;
use crate::ingest::Ingest;
use crate::metrics::bump;
use crate::plan::SourcePlan;
use crate::signal::Signal;

/// How long a client has to finish its handshake.
pub(crate) const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Accepts connections until `stop`, then waits for the open ones to drain.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn tls_source(
    ctx: Rc<RefCell<Ingest>>,
    src: usize,
    plan: Rc<SourcePlan>,
    listener: TcpListener,
    max_connections: usize,
    acceptor: TlsAcceptor,
    stop: Rc<Signal>,
    hard: Rc<Signal>,
) {
    let open = Rc::new(Cell::new(0usize));
    loop {
        let Some(stream) = super::accept_until(&listener, &stop, &plan.id).await else {
            break;
        };
        {
            let mut ing = ctx.borrow_mut();
            let c = ing.source_counters(src);
            if open.get() >= max_connections {
                c.connections_rejected += 1;
                drop(stream);
                continue;
            }
            c.connections += 1;
            c.connections_open += 1;
        }
        open.set(open.get() + 1);
        let (ctx2, plan2, stop2, hard2, open2, acceptor) = (
            Rc::clone(&ctx),
            Rc::clone(&plan),
            Rc::clone(&stop),
            Rc::clone(&hard),
            Rc::clone(&open),
            acceptor.clone(),
        );
        let peer = stream.peer_addr().ok();
        let origin = peer.map(|a| super::origin("tls", &a.ip().to_string(), Some(a.port()), &[]));
        // rustls reads its socket 4 KiB at a time (one syscall each); a buffer under it
        // makes that one read per `read_buffer`, as on the plain path (bench/tls.sh).
        let stream = futures_lite::io::BufReader::with_capacity(
            plan.read_buffer.clamp(16 << 10, 1 << 20),
            stream,
        );
        glommio::spawn_local(async move {
            let shake = future::or(async { Some(acceptor.accept(stream).await) }, async {
                glommio::timer::sleep(HANDSHAKE_TIMEOUT).await;
                None
            })
            .await;
            match shake {
                Some(Ok(tls)) => {
                    read_stream(
                        &ctx2,
                        src,
                        tls,
                        &stop2,
                        &hard2,
                        plan2.on_full,
                        plan2.read_buffer,
                        origin,
                        // The socket sits under TLS records: drain until quiet.
                        super::OnStop::Quiet,
                        super::Limits {
                            idle_timeout: None,
                            memory: None,
                        },
                    )
                    .await;
                }
                other => {
                    let why = match other {
                        Some(Err(e)) => e.to_string(),
                        _ => "handshake not finished in time".to_string(),
                    };
                    tracing::warn!(source = %plan2.id, peer = ?peer, error = %why, "TLS handshake failed");
                    bump(&mut ctx2.borrow_mut().source_counters(src).errors, "tls", 1);
                }
            }
            ctx2.borrow_mut().source_counters(src).connections_open -= 1;
            open2.set(open2.get() - 1);
        })
        .detach();
    }
    drop(listener);
    while open.get() > 0 {
        glommio::timer::sleep(Duration::from_millis(5)).await;
    }
}
