//! A minimal HTTP/1.1 client connection for the sinks: keep-alive, `Content-Length` request
//! bodies, responses framed by `Content-Length`, chunked encoding or the connection's end,
//! every step bounded by one timeout. Over TLS (`https://`) the same, on a [`Conn`] that
//! runs the handshake inside that timeout.

use std::net::SocketAddr;
use std::time::Duration;

use futures_lite::{future, AsyncReadExt, AsyncWriteExt};

use crate::source::{ChunkStep, Chunked};
use crate::tls::{Conn, Connector};

/// Largest response body read (bulk responses run to ~100 bytes per item).
const MAX_RESPONSE: usize = 256 << 20;

/// A response, its body whole.
#[derive(Debug)]
pub(crate) struct Response {
    pub(crate) status: u16,
    /// `Retry-After` in seconds, when given.
    pub(crate) retry_after: Option<Duration>,
    pub(crate) body: Vec<u8>,
}

/// One connection to one peer, opened on demand and kept while the peer keeps it.
pub(crate) struct Client {
    addr: SocketAddr,
    tls: Option<Connector>,
    conn: Option<Conn>,
    buf: Vec<u8>,
    head: Vec<u8>,
}

fn io_err(m: impl Into<String>) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, m.into())
}

impl Client {
    pub(crate) fn new(addr: SocketAddr, tls: Option<Connector>) -> Self {
        Client {
            addr,
            tls,
            conn: None,
            buf: Vec::new(),
            head: Vec::with_capacity(512),
        }
    }

    /// Sends one request and reads its response, all within `timeout`. A kept-alive
    /// connection that the peer closed meanwhile is reopened once. Returns whether a new
    /// connection was made, with the response.
    pub(crate) async fn request(
        &mut self,
        host: &str,
        target: &str,
        headers: &[(&str, &str)],
        extra: &[(String, String)],
        body: &[u8],
        timeout: Duration,
    ) -> std::io::Result<(bool, Response)> {
        use std::io::Write as _;
        self.head.clear();
        let _ = write!(self.head, "POST {target} HTTP/1.1\r\nHost: {host}\r\n");
        for (k, v) in headers {
            let _ = write!(self.head, "{k}: {v}\r\n");
        }
        for (k, v) in extra {
            let _ = write!(self.head, "{k}: {v}\r\n");
        }
        let _ = write!(self.head, "Content-Length: {}\r\n\r\n", body.len());
        let work = async {
            let mut connected = false;
            for attempt in 0..2 {
                let reused = self.conn.is_some();
                if self.conn.is_none() {
                    self.conn = Some(Conn::connect(self.addr, self.tls.as_ref()).await?);
                    self.buf.clear();
                    connected = true;
                }
                match self.exchange(body).await {
                    Ok(r) => return Ok((connected, r)),
                    // The peer closed an idle kept-alive connection: once more, fresh.
                    Err(e) if reused && attempt == 0 => {
                        tracing::debug!(error = %e, "kept-alive connection failed; reconnecting");
                        self.conn = None;
                    }
                    Err(e) => {
                        self.conn = None;
                        return Err(e);
                    }
                }
            }
            Err(io_err("unreachable"))
        };
        let r = future::or(async { Some(work.await) }, async {
            glommio::timer::sleep(timeout).await;
            None
        })
        .await;
        match r {
            Some(r) => r,
            None => {
                self.conn = None;
                Err(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    format!("no response within {timeout:?}"),
                ))
            }
        }
    }

    async fn exchange(&mut self, body: &[u8]) -> std::io::Result<Response> {
        let Some(conn) = self.conn.as_mut() else {
            return Err(io_err("not connected"));
        };
        conn.write_all(&self.head).await?;
        conn.write_all(body).await?;
        // Under TLS the last records may still sit in the session until flushed.
        conn.flush().await?;
        loop {
            let (status, retry_after, len, chunked, close, n) = loop {
                let mut hs = [httparse::EMPTY_HEADER; 64];
                let mut resp = httparse::Response::new(&mut hs);
                match resp.parse(&self.buf) {
                    Ok(httparse::Status::Complete(n)) => {
                        let mut len = None;
                        let mut chunked = false;
                        let mut close = resp.version == Some(0);
                        let mut retry_after = None;
                        for h in resp.headers.iter() {
                            let v = String::from_utf8_lossy(h.value);
                            let v = v.trim();
                            if h.name.eq_ignore_ascii_case("content-length") {
                                len = Some(
                                    v.parse::<usize>()
                                        .map_err(|_| io_err("bad Content-Length"))?,
                                );
                            } else if h.name.eq_ignore_ascii_case("transfer-encoding") {
                                chunked = v.to_ascii_lowercase().ends_with("chunked");
                            } else if h.name.eq_ignore_ascii_case("connection") {
                                close = v.eq_ignore_ascii_case("close");
                            } else if h.name.eq_ignore_ascii_case("retry-after") {
                                retry_after = v.parse::<u64>().ok().map(Duration::from_secs);
                            }
                        }
                        break (resp.code.unwrap_or(0), retry_after, len, chunked, close, n);
                    }
                    Ok(httparse::Status::Partial) => {
                        if self.buf.len() > 64 * 1024 {
                            return Err(io_err("response head over 64 KiB"));
                        }
                        fill(conn, &mut self.buf).await?;
                    }
                    Err(e) => return Err(io_err(format!("malformed response: {e}"))),
                }
            };
            self.buf.drain(..n);
            if (100..200).contains(&status) {
                continue; // 100 Continue and other interim responses
            }
            let mut out = Vec::new();
            if status == 204 || status == 304 {
            } else if chunked {
                let mut dec = Chunked::default();
                loop {
                    match dec
                        .feed(&self.buf, &mut out, MAX_RESPONSE)
                        .map_err(|r| io_err(r.message))?
                    {
                        ChunkStep::Done(used) => {
                            self.buf.drain(..used);
                            break;
                        }
                        ChunkStep::More(used) => {
                            self.buf.drain(..used);
                            fill(conn, &mut self.buf).await?;
                        }
                    }
                }
            } else if let Some(len) = len {
                if len > MAX_RESPONSE {
                    return Err(io_err("response body too large"));
                }
                while self.buf.len() < len {
                    fill(conn, &mut self.buf).await?;
                }
                out.extend_from_slice(&self.buf[..len]);
                self.buf.drain(..len);
            } else {
                // Delimited by the end of the connection.
                loop {
                    match fill(conn, &mut self.buf).await {
                        Ok(_) if self.buf.len() <= MAX_RESPONSE => {}
                        Ok(_) => return Err(io_err("response body too large")),
                        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => break,
                        Err(e) => return Err(e),
                    }
                }
                out = std::mem::take(&mut self.buf);
                self.conn = None;
            }
            if close {
                self.conn = None;
            }
            return Ok(Response {
                status,
                retry_after,
                body: out,
            });
        }
    }
}

async fn fill(conn: &mut Conn, buf: &mut Vec<u8>) -> std::io::Result<usize> {
    let old = buf.len();
    buf.resize(old + 64 * 1024, 0);
    let r = conn.read(&mut buf[old..]).await;
    let n = *r.as_ref().unwrap_or(&0);
    buf.truncate(old + n);
    match r {
        Ok(0) => Err(std::io::Error::new(
            std::io::ErrorKind::UnexpectedEof,
            "the peer closed the connection",
        )),
        Ok(n) => Ok(n),
        Err(e) => Err(e),
    }
}
