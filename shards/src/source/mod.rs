//! Sources: tasks on an ingest shard that read bytes and feed them to its [`Ingest`].
//!
//! Every read goes through the stream's own preprocessor chain and the shard's event path
//! synchronously, then the task hands finished batches to the rings, waiting there if a
//! ring is full and the source must not lose data. On stop, a TCP connection reads exactly
//! what the kernel holds at that moment (`FIONREAD`), shuts its read side and closes, so
//! shutdown is bounded however busy the senders are; files and stdin read until quiet.

mod http;
mod http_ack;
mod http_influx;
mod http_parse;
mod kafka;
mod readbuf;
mod stdin;
mod stream;
mod tail;
mod tail_state;
mod tcp;
mod tcp_tls;
mod udp;

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use crate::ingest::Ingest;
use crate::plan::OnFull;

pub(crate) use http::http_source;
pub(crate) use http_parse::{ChunkStep, Chunked};
pub use kafka::check_kafka_source;
pub(crate) use kafka::kafka_source;
pub(crate) use stdin::{stdin_reader, stdin_source, StdinFeed};
pub(crate) use stream::{read_stream, Limits, OnStop};
pub(crate) use tail::tail_source;
pub(crate) use tcp::{bind_tcp, tcp_source};
pub(crate) use tcp_tls::{tls_source, HANDSHAKE_TIMEOUT};
pub(crate) use udp::{bind_udp, socket_inode, udp_drop_table, udp_source};

/// The next connection `listener` accepts, or `None` once `stop` fires. A failed accept (out
/// of file descriptors and the like) is logged and retried after a pause instead of spinning.
pub(crate) async fn accept_until(
    listener: &glommio::net::TcpListener,
    stop: &crate::signal::Signal,
    source: &str,
) -> Option<glommio::net::TcpStream> {
    loop {
        let accepted = futures_lite::future::or(async { Some(listener.accept().await) }, async {
            stop.wait().await;
            None
        })
        .await;
        match accepted {
            None => return None,
            Some(Ok(s)) => return Some(s),
            Some(Err(e)) => {
                tracing::warn!(%source, error = %e, "accept failed");
                glommio::timer::sleep(Duration::from_millis(10)).await;
            }
        }
    }
}

/// How long a connection must be quiet, after stop, before it is closed.
pub(crate) const DRAIN_IDLE: Duration = Duration::from_millis(250);

/// Hands the shard's batches to the rings; with `OnFull::Block` waits until they fit.
pub(crate) async fn flush(ctx: &Rc<RefCell<Ingest>>, policy: OnFull, src: usize) {
    let mut wait = Duration::from_micros(20);
    while ctx.borrow_mut().try_flush(policy, src) {
        glommio::timer::sleep(wait).await;
        wait = (wait * 2).min(Duration::from_millis(1));
    }
}

/// An event origin as `tremor::origin` reads it: `{scheme, host, port, path}`.
pub(crate) fn origin(
    scheme: &str,
    host: &str,
    port: Option<u16>,
    path: &[String],
) -> sluice_script::Value<'static> {
    use sluice_script::{Record, Value};
    let mut r = Record::with_capacity(4);
    r.push_unique("scheme", Value::from(scheme.to_string()));
    r.push_unique("host", Value::from(host.to_string()));
    r.push_unique(
        "port",
        port.map_or(Value::Null, |p| Value::I64(i64::from(p))),
    );
    r.push_unique(
        "path",
        Value::Array(path.iter().map(|s| Value::from(s.clone())).collect()),
    );
    Value::Record(r)
}

/// Reads a file once, start to end (ingest shard 0 only).
pub(crate) async fn file_source(
    ctx: Rc<RefCell<Ingest>>,
    src: usize,
    plan: Rc<crate::plan::SourcePlan>,
    path: std::path::PathBuf,
    stop: Rc<crate::signal::Signal>,
    hard: Rc<crate::signal::Signal>,
) {
    let file = match glommio::io::BufferedFile::open(&path).await {
        Ok(f) => f,
        Err(e) => {
            tracing::error!(source = %plan.id, path = %path.display(), error = %e, "cannot open the file");
            return;
        }
    };
    let reader = glommio::io::StreamReaderBuilder::new(file)
        .with_buffer_size(plan.read_buffer)
        .build();
    let segments: Vec<String> = path
        .iter()
        .skip(1)
        .map(|s| s.to_string_lossy().into_owned())
        .collect();
    let origin = origin("file", "", None, &segments);
    read_stream(
        &ctx,
        src,
        reader,
        &stop,
        &hard,
        plan.on_full,
        plan.read_buffer,
        Some(origin),
        OnStop::Quiet,
        Limits::default(),
    )
    .await;
    tracing::info!(source = %plan.id, path = %path.display(), "reached the end of the file");
}
