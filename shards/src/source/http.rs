//! The HTTP source: one `SO_REUSEPORT` listener per ingest shard, one task per connection,
//! HTTP/1.1 with keep-alive. `POST /write` (InfluxDB 1.x) and `POST /api/v2/write` (2.x)
//! take line protocol; other paths take the source's codec (NDJSON, or for `json` one JSON
//! array per body). A body is processed whole and answered once its events are handed to
//! the rings: 204, or 400 naming the first bad line (the good ones are delivered, as
//! InfluxDB does with a partial write), 413 past `max_body`, 429 with `Retry-After` while
//! the rings stay full. With `ack = "written"` (the default) the answer waits until the
//! sinks have written the events (see [`super::http_ack`]).

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::{Duration, Instant};

use futures_lite::{future, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use glommio::net::TcpListener;

#[path = "http_process.rs"]
mod process;

use super::http_ack::{self, Unacked};
use super::http_influx::{influx_error, precision_decoder, Api};
use super::http_parse::{inflate, json_str, response, ChunkStep, Chunked, Head};
use super::DRAIN_IDLE;
use crate::ingest::Ingest;
use crate::plan::{HttpAck, HttpSourcePlan, OnFull, SourceKind, SourcePlan};
use crate::signal::Signal;

/// Bytes asked for per read.
const READ_CHUNK: usize = 64 * 1024;

/// Accepts connections until `stop`, then waits for the open ones to finish.
pub(crate) async fn http_source(
    ctx: Rc<RefCell<Ingest>>,
    src: usize,
    plan: Rc<SourcePlan>,
    listener: TcpListener,
    stop: Rc<Signal>,
    hard: Rc<Signal>,
) {
    let SourceKind::Http(cfg) = &plan.kind else {
        return;
    };
    let cfg = Rc::new(cfg.clone());
    let acceptor = match cfg.tls.as_ref().map(crate::tls::server_config) {
        None => None,
        Some(Ok(c)) => Some(futures_rustls::TlsAcceptor::from(c)),
        Some(Err(e)) => {
            tracing::error!(source = %plan.id, error = %e, "TLS settings do not load; the source does not start");
            return;
        }
    };
    let open = Rc::new(Cell::new(0usize));
    let unacked = Rc::new(Unacked::default());
    loop {
        let Some(stream) = super::accept_until(&listener, &stop, &plan.id).await else {
            break;
        };
        {
            let mut ing = ctx.borrow_mut();
            let c = ing.source_counters(src);
            if open.get() >= cfg.max_connections {
                c.connections_rejected += 1;
                drop(stream);
                continue;
            }
            c.connections += 1;
            c.connections_open += 1;
        }
        open.set(open.get() + 1);
        let peer = stream
            .peer_addr()
            .map(|a| a.to_string())
            .unwrap_or_default();
        let unacked2 = Rc::clone(&unacked);
        let (ctx2, plan2, cfg2, stop2, hard2, open2, acceptor2) = (
            Rc::clone(&ctx),
            Rc::clone(&plan),
            Rc::clone(&cfg),
            Rc::clone(&stop),
            Rc::clone(&hard),
            Rc::clone(&open),
            acceptor.clone(),
        );
        glommio::spawn_local(async move {
            let conn = |stream| Conn {
                ctx: Rc::clone(&ctx2),
                src,
                plan: Rc::clone(&plan2),
                cfg: Rc::clone(&cfg2),
                peer: peer.clone(),
                unacked: Rc::clone(&unacked2),
                stream,
                buf: Vec::with_capacity(8 * 1024),
                body: Vec::new(),
                inflated: Vec::new(),
                out: Vec::with_capacity(512),
            };
            match acceptor2 {
                None => conn(stream).serve(&stop2, &hard2).await,
                Some(acc) => {
                    let shake = future::or(async { Some(acc.accept(stream).await) }, async {
                        glommio::timer::sleep(super::HANDSHAKE_TIMEOUT).await;
                        None
                    })
                    .await;
                    match shake {
                        Some(Ok(tls)) => {
                            let c = Conn {
                                ctx: Rc::clone(&ctx2),
                                src,
                                plan: Rc::clone(&plan2),
                                cfg: Rc::clone(&cfg2),
                                peer: peer.clone(),
                                unacked: Rc::clone(&unacked2),
                                stream: tls,
                                buf: Vec::with_capacity(8 * 1024),
                                body: Vec::new(),
                                inflated: Vec::new(),
                                out: Vec::with_capacity(512),
                            };
                            c.serve(&stop2, &hard2).await;
                        }
                        other => {
                            let why = match other {
                                Some(Err(e)) => e.to_string(),
                                _ => "handshake not finished in time".to_string(),
                            };
                            tracing::warn!(source = %plan2.id, peer = %peer, error = %why, "TLS handshake failed");
                            crate::metrics::bump(
                                &mut ctx2.borrow_mut().source_counters(src).errors,
                                "tls",
                                1,
                            );
                        }
                    }
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

/// How a read ended when it brought nothing.
enum Stall {
    Eof,
    Timeout,
    Stopped,
    Failed,
}

/// Where a request goes.
enum Route {
    Influx(Api),
    Codec,
    Ping,
    Health,
    NotFound,
    Method,
}

struct Conn<S> {
    ctx: Rc<RefCell<Ingest>>,
    src: usize,
    plan: Rc<SourcePlan>,
    cfg: Rc<HttpSourcePlan>,
    peer: String,
    /// Requests of this source on this shard waiting for their sinks (`ack = "written"`).
    unacked: Rc<Unacked>,
    stream: S,
    /// Bytes read and not yet consumed.
    buf: Vec<u8>,
    /// The request body as sent.
    body: Vec<u8>,
    /// The body decompressed.
    inflated: Vec<u8>,
    out: Vec<u8>,
}

impl<S: AsyncRead + AsyncWrite + Unpin> Conn<S> {
    /// Reads more into `buf` by `until`; `stop` (if given) ends the wait early.
    async fn fill(&mut self, until: Instant, stop: Option<&Signal>) -> Result<usize, Stall> {
        let old = self.buf.len();
        self.buf.resize(old + READ_CHUNK, 0);
        let left = until.saturating_duration_since(Instant::now());
        let stream = &mut self.stream;
        let buf = &mut self.buf[old..];
        let r = future::or(async { Some(stream.read(buf).await) }, async {
            match stop {
                Some(s) => {
                    future::or(glommio::timer::sleep(left), async {
                        s.wait().await;
                    })
                    .await
                }
                None => glommio::timer::sleep(left).await,
            };
            None
        })
        .await;
        let n = match r {
            Some(Ok(0)) => Err(Stall::Eof),
            Some(Ok(n)) => Ok(n),
            Some(Err(_)) => Err(Stall::Failed),
            None if stop.is_some_and(Signal::is_fired) => Err(Stall::Stopped),
            None => Err(Stall::Timeout),
        };
        self.buf.truncate(old + *n.as_ref().unwrap_or(&0));
        n
    }

    async fn send(&mut self) -> bool {
        let out = std::mem::take(&mut self.out);
        let idle = self.cfg.idle_timeout;
        let stream = &mut self.stream;
        let ok = future::or(async { stream.write_all(&out).await.is_ok() }, async {
            glommio::timer::sleep(idle).await;
            false
        })
        .await;
        self.out = out;
        self.out.clear();
        ok
    }

    async fn answer(&mut self, status: u16, extra: &[(&str, &str)], body: &str, close: bool) {
        self.out.clear();
        response(&mut self.out, status, extra, body.as_bytes(), close);
        self.send().await;
    }

    /// Requests until the peer closes, goes idle, breaks the protocol, or shutdown.
    async fn serve(mut self, stop: &Signal, hard: &Signal) {
        loop {
            let head = match self.read_head(stop, hard).await {
                Ok(Some(h)) => h,
                Ok(None) => break,
                Err((status, msg)) => {
                    self.count_error("http");
                    let body = format!("{{\"error\":{}}}", json_str(&msg));
                    self.answer(status, &[], &body, true).await;
                    break;
                }
            };
            if !self.request(head, stop, hard).await || hard.is_fired() {
                break;
            }
        }
        let _ = self.stream.close().await;
    }

    fn count_error(&self, kind: &'static str) {
        let mut ing = self.ctx.borrow_mut();
        crate::metrics::bump(&mut ing.source_counters(self.src).errors, kind, 1);
    }

    /// The next request's head; `Ok(None)` when the connection ends quietly.
    async fn read_head(
        &mut self,
        stop: &Signal,
        hard: &Signal,
    ) -> Result<Option<Head>, (u16, String)> {
        let mut first_byte: Option<Instant> = (!self.buf.is_empty()).then(Instant::now);
        loop {
            if !self.buf.is_empty() {
                match Head::parse(&self.buf) {
                    Ok(Some((_, n))) if n > self.cfg.max_header => {
                        return Err((
                            431,
                            format!("request head over {} bytes", self.cfg.max_header),
                        ))
                    }
                    Ok(Some((head, n))) => {
                        self.buf.drain(..n);
                        return Ok(Some(head));
                    }
                    Ok(None) if self.buf.len() > self.cfg.max_header => {
                        return Err((
                            431,
                            format!("request head over {} bytes", self.cfg.max_header),
                        ))
                    }
                    Ok(None) => {}
                    Err(r) => return Err((r.status, r.message)),
                }
            }
            let (until, stoppable) = match first_byte {
                Some(t) => (t + self.cfg.header_timeout, None),
                // Between requests: idle timeout, and shutdown closes the connection once it
                // has been quiet for a moment.
                None if stop.is_fired() || hard.is_fired() => (Instant::now() + DRAIN_IDLE, None),
                None => (Instant::now() + self.cfg.idle_timeout, Some(stop)),
            };
            match self.fill(until, stoppable).await {
                Ok(_) => {
                    first_byte.get_or_insert_with(Instant::now);
                }
                Err(Stall::Stopped) => continue,
                Err(Stall::Timeout) if first_byte.is_some() => {
                    // Slowloris: the head did not arrive in time.
                    return Err((408, "request head not received in time".into()));
                }
                Err(_) => return Ok(None),
            }
        }
    }

    fn route(&self, head: &Head) -> Route {
        let post = head.method == "POST";
        match head.path.as_str() {
            "/write" if post => Route::Influx(Api::V1),
            "/api/v2/write" if post => Route::Influx(Api::V2),
            "/write" | "/api/v2/write" => Route::Method,
            "/ping" if head.method == "GET" || head.method == "HEAD" => Route::Ping,
            "/health" if head.method == "GET" => Route::Health,
            p => match &self.cfg.path {
                Some(want) if want != p => Route::NotFound,
                _ if post || head.method == "PUT" => Route::Codec,
                _ => Route::Method,
            },
        }
    }

    /// One request; `false` when the connection must close.
    async fn request(&mut self, head: Head, stop: &Signal, hard: &Signal) -> bool {
        let close = !head.keep_alive || stop.is_fired();
        let route = self.route(&head);
        let api = match route {
            Route::Influx(api) => Some(api),
            _ => None,
        };
        let fail = |status: u16, msg: &str| match api {
            Some(api) => influx_error(api, status, msg),
            None => format!("{{\"error\":{}}}", json_str(msg)),
        };
        match route {
            Route::Ping => {
                self.answer(204, &[("X-Influxdb-Version", "sluice")], "", close)
                    .await;
                return !close;
            }
            Route::Health => {
                let body = r#"{"name":"sluice","message":"ready for queries and writes","status":"pass","checks":[]}"#;
                self.answer(200, &[], body, close).await;
                return !close;
            }
            Route::NotFound | Route::Method => {
                let (status, msg) = match route {
                    Route::NotFound => (404, format!("no endpoint at `{}`", head.path)),
                    _ => (
                        405,
                        format!("`{} {}` is not served", head.method, head.path),
                    ),
                };
                // The body (if any) is not read: close rather than resynchronise.
                let has_body = head.chunked || head.content_length.unwrap_or(0) > 0;
                self.answer(status, &[], &fail(status, &msg), close || has_body)
                    .await;
                return !(close || has_body);
            }
            Route::Influx(_) | Route::Codec => {}
        }
        // Which decoder, and the request's Influx parameters.
        let (dec, influx_meta) = match api {
            Some(api) => match precision_decoder(api, &head) {
                Ok(x) => x,
                Err(msg) => {
                    self.count_error("http");
                    let has_body = head.chunked || head.content_length.unwrap_or(0) > 0;
                    self.answer(400, &[], &fail(400, &msg), close || has_body)
                        .await;
                    return !(close || has_body);
                }
            },
            None => (0, None),
        };
        if !head.chunked && head.content_length.is_none() {
            self.count_error("http");
            self.answer(
                411,
                &[],
                &fail(
                    411,
                    "a body needs Content-Length or chunked Transfer-Encoding",
                ),
                true,
            )
            .await;
            return false;
        }
        if head.content_length.is_some_and(|n| n > self.cfg.max_body) {
            self.count_error("too_large");
            let msg = format!("request body over {} bytes", self.cfg.max_body);
            self.answer(413, &[], &fail(413, &msg), true).await;
            return false;
        }
        if !self.wait_for_room().await {
            crate::metrics::bump(
                &mut self.ctx.borrow_mut().source_counters(self.src).dropped,
                "busy",
                1,
            );
            let msg = "the pipeline is backed up; retry later";
            self.answer(429, &[("Retry-After", "1")], &fail(429, msg), true)
                .await;
            return false;
        }
        let written = self.cfg.ack == HttpAck::Written;
        // Held until the request is answered (dropped on every way out).
        let slot = if written {
            let (max, busy) = (self.cfg.max_unacked, self.cfg.busy_timeout);
            Rc::clone(&self.unacked).room(max, busy).await
        } else {
            None
        };
        if written && slot.is_none() {
            crate::metrics::bump(
                &mut self.ctx.borrow_mut().source_counters(self.src).dropped,
                "busy",
                1,
            );
            let msg = "too many requests are waiting for their sinks; retry later";
            self.answer(429, &[("Retry-After", "1")], &fail(429, msg), true)
                .await;
            return false;
        }
        if head.expect_continue {
            self.out.clear();
            self.out.extend_from_slice(b"HTTP/1.1 100 Continue\r\n\r\n");
            if !self.send().await {
                return false;
            }
        }
        if let Err((status, msg)) = self.read_body(&head).await {
            if status != 0 {
                self.count_error(if status == 413 { "too_large" } else { "http" });
                self.answer(status, &[], &fail(status, &msg), true).await;
            }
            return false;
        }
        let encoded = std::mem::take(&mut self.body);
        let mut inflated = std::mem::take(&mut self.inflated);
        let payload = match head.encoding.as_deref() {
            None => Ok(&encoded[..]),
            Some(e) => {
                inflate(e, &encoded, self.cfg.max_body, &mut inflated).map(|()| &inflated[..])
            }
        };
        let result = match payload {
            Ok(p) => {
                let meta = self.meta(&head, influx_meta);
                let ticket = written.then(|| http_ack::begin(&mut self.ctx.borrow_mut(), self.src));
                let bad = self.process(p, dec, meta, ticket.map(|t| t.mark)).await;
                Ok((bad, ticket))
            }
            Err(x) => Err(x),
        };
        self.body = encoded;
        self.inflated = inflated;
        match result {
            Err((status, msg)) => {
                self.count_error(if status == 413 { "too_large" } else { "http" });
                self.answer(status, &[], &fail(status, &msg), close).await;
            }
            Ok((bad, ticket)) => {
                if let Some(t) = ticket {
                    let (ctx, timeout) = (Rc::clone(&self.ctx), self.cfg.ack_timeout);
                    let r = http_ack::written(&ctx, self.src, t, timeout, hard);
                    if let Err(why) = r.await {
                        // Not a success, whatever the events' fate: the client keeps them.
                        self.count_error("unconfirmed");
                        tracing::warn!(source = %self.plan.id, peer = %self.peer, reason = ?why, "write not confirmed by the sinks; answering 503");
                        let stopped = why == http_ack::Unconfirmed::Stopped;
                        let body = fail(503, &why.message(timeout));
                        self.answer(503, &[("Retry-After", "1")], &body, close || stopped)
                            .await;
                        return !(close || stopped);
                    }
                }
                match bad {
                    None => self.answer(204, &[], "", close).await,
                    Some(msg) => self.answer(400, &[], &fail(400, &msg), close).await,
                }
            }
        }
        drop(slot);
        !close
    }

    /// Waits up to `busy_timeout` for the rings to take what the shard holds.
    async fn wait_for_room(&self) -> bool {
        let start = Instant::now();
        let mut wait = Duration::from_micros(50);
        while self.ctx.borrow_mut().try_flush(OnFull::Block, self.src) {
            if start.elapsed() >= self.cfg.busy_timeout {
                return false;
            }
            glommio::timer::sleep(wait).await;
            wait = (wait * 2).min(Duration::from_millis(10));
        }
        true
    }

    /// Reads the body into `self.body`. Errors carry the status to answer (0: none, the
    /// peer is gone).
    async fn read_body(&mut self, head: &Head) -> Result<(), (u16, String)> {
        self.body.clear();
        let max = self.cfg.max_body;
        let idle = self.cfg.idle_timeout;
        let stalled = |s: Stall| match s {
            Stall::Timeout => (408, "request body not received in time".to_string()),
            _ => (0, String::new()),
        };
        if let Some(n) = head.content_length {
            let have = n.min(self.buf.len());
            self.body.extend_from_slice(&self.buf[..have]);
            self.buf.drain(..have);
            self.body.resize(n, 0);
            let mut got = have;
            while got < n {
                let stream = &mut self.stream;
                let dst = &mut self.body[got..];
                let r = future::or(async { Some(stream.read(dst).await) }, async {
                    glommio::timer::sleep(idle).await;
                    None
                })
                .await;
                match r {
                    Some(Ok(0)) | Some(Err(_)) => return Err(stalled(Stall::Eof)),
                    Some(Ok(k)) => got += k,
                    None => return Err(stalled(Stall::Timeout)),
                }
            }
            return Ok(());
        }
        let mut dec = Chunked::default();
        loop {
            let step = dec
                .feed(&self.buf, &mut self.body, max)
                .map_err(|r| (r.status, r.message))?;
            match step {
                ChunkStep::Done(used) => {
                    self.buf.drain(..used);
                    return Ok(());
                }
                ChunkStep::More(used) => {
                    self.buf.drain(..used);
                    self.fill(Instant::now() + idle, None)
                        .await
                        .map_err(stalled)?;
                }
            }
        }
    }
}
