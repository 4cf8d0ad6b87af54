//! The admin endpoint: Prometheus text at `/metrics`, liveness at `/health`.
//! Served from a plain thread; it only ever reads the latest rendered text and health.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The text `/metrics` serves, replaced by the control thread after every shard report.
pub type MetricsText = Arc<Mutex<String>>;

/// `None` while every shard is alive; otherwise why not (a shard panicked). `/health`
/// answers 200 "ok" or 503 with the reason.
pub type Health = Arc<Mutex<Option<String>>>;

/// Binds `addr` and serves requests on a background thread.
pub fn serve(addr: SocketAddr, text: MetricsText, health: Health) -> std::io::Result<SocketAddr> {
    let listener = TcpListener::bind(addr)?;
    let local = listener.local_addr()?;
    std::thread::Builder::new()
        .name("sluice-admin".into())
        .spawn(move || {
            for conn in listener.incoming() {
                match conn {
                    Ok(c) => {
                        if let Err(e) = handle(c, &text, &health) {
                            tracing::debug!(error = %e, "admin request failed");
                        }
                    }
                    Err(e) => tracing::debug!(error = %e, "admin accept failed"),
                }
            }
        })?;
    Ok(local)
}

fn handle(mut c: TcpStream, text: &MetricsText, health: &Health) -> std::io::Result<()> {
    c.set_read_timeout(Some(Duration::from_secs(2)))?;
    c.set_write_timeout(Some(Duration::from_secs(2)))?;
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    let path = loop {
        let n = c.read(&mut chunk)?;
        if n == 0 {
            return Ok(());
        }
        buf.extend_from_slice(&chunk[..n]);
        let mut headers = [httparse::EMPTY_HEADER; 32];
        let mut req = httparse::Request::new(&mut headers);
        match req.parse(&buf) {
            Ok(httparse::Status::Complete(_)) => {
                break (req.method.unwrap_or(""), req.path.unwrap_or(""))
                    .1
                    .to_string()
            }
            Ok(httparse::Status::Partial) if buf.len() < 16 * 1024 => continue,
            _ => return respond(&mut c, "400 Bad Request", "text/plain", "bad request\n"),
        }
    };
    match path.split('?').next().unwrap_or("") {
        "/metrics" => {
            let body = text.lock().map(|t| t.clone()).unwrap_or_default();
            respond(
                &mut c,
                "200 OK",
                "text/plain; version=0.0.4; charset=utf-8",
                &body,
            )
        }
        "/health" => match health.lock().map(|h| h.clone()) {
            Ok(None) => respond(&mut c, "200 OK", "text/plain", "ok\n"),
            Ok(Some(why)) => respond(
                &mut c,
                "503 Service Unavailable",
                "text/plain",
                &format!("{why}\n"),
            ),
            Err(_) => respond(&mut c, "503 Service Unavailable", "text/plain", "unknown\n"),
        },
        "/" => respond(
            &mut c,
            "200 OK",
            "text/plain",
            "sluice: see /metrics and /health\n",
        ),
        _ => respond(&mut c, "404 Not Found", "text/plain", "not found\n"),
    }
}

fn respond(c: &mut TcpStream, status: &str, ctype: &str, body: &str) -> std::io::Result<()> {
    write!(c, "HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len())?;
    c.flush()
}
