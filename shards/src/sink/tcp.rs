//! `tcp`: a client connection that reconnects with exponential backoff and jitter. A peer
//! that is down holds the batch (and, through the full rings, the lossless sources) until
//! it is back or shutdown gives up, so nothing is dropped silently. With TLS, a failed
//! handshake (an unknown CA, a wrong name, a refused client certificate) is a failed connect
//! like any other: counted in `errors`, logged as a handshake failure, retried with backoff.

use std::net::SocketAddr;
use std::time::Duration;

use futures_lite::{future, AsyncWriteExt};

use super::Tally;
use crate::metrics::bump;
use crate::ring::Batch;
use crate::signal::Signal;
use crate::tls::{is_handshake_error, Conn, Connector};

pub(crate) struct TcpSink {
    id: String,
    addr: SocketAddr,
    conn: Option<Conn>,
    tls: Option<Connector>,
    backoff_min: Duration,
    backoff_max: Duration,
    backoff: Duration,
}

impl TcpSink {
    pub(crate) fn new(
        id: String,
        addr: SocketAddr,
        (backoff_min, backoff_max): (Duration, Duration),
        tls: Option<Connector>,
    ) -> Self {
        TcpSink {
            id,
            addr,
            conn: None,
            tls,
            backoff_min,
            backoff_max,
            backoff: backoff_min,
        }
    }

    /// The next delay: the current one with ±25% jitter; the one after doubles, capped.
    fn next_delay(&mut self) -> Duration {
        let base = self.backoff;
        self.backoff = (self.backoff * 2).min(self.backoff_max);
        let jitter = 0.75 + fastrand::f64() * 0.5;
        base.mul_f64(jitter)
    }

    /// One connection attempt, without retrying: sets the `up` gauge either way.
    pub(crate) async fn start(&mut self, c: &mut Tally) {
        match Conn::connect(self.addr, self.tls.as_ref()).await {
            Ok(s) => self.connected(s, c),
            Err(e) => {
                c.error(&e);
                c.set_up(false);
                tracing::warn!(sink = %self.id, peer = %self.addr, error = %e, tls_handshake = is_handshake_error(&e), "cannot connect; will retry when there is data to send");
            }
        }
    }

    fn connected(&mut self, s: Conn, c: &mut Tally) {
        self.conn = Some(s);
        self.backoff = self.backoff_min;
        c.connects += 1;
        c.set_up(true);
        tracing::info!(sink = %self.id, peer = %self.addr, "connected");
    }

    /// Returns false when it gave up on the batch (shutdown while the peer was down).
    pub(crate) async fn write(&mut self, batch: &Batch, c: &mut Tally, hard: &Signal) -> bool {
        loop {
            if self.conn.is_none() {
                let attempt = future::or(
                    async { Some(Conn::connect(self.addr, self.tls.as_ref()).await) },
                    async {
                        hard.wait().await;
                        None
                    },
                )
                .await;
                match attempt {
                    None => break,
                    Some(Ok(s)) => {
                        self.connected(s, c);
                        c.publish();
                    }
                    Some(Err(e)) => {
                        // Published now: an outage shows in the counters while it lasts.
                        c.error(&e);
                        c.set_up(false);
                        c.publish();
                        let d = self.next_delay();
                        tracing::warn!(sink = %self.id, peer = %self.addr, error = %e, tls_handshake = is_handshake_error(&e), retry_in = ?d, "cannot connect");
                        let slept = future::or(
                            async {
                                glommio::timer::sleep(d).await;
                                true
                            },
                            async {
                                hard.wait().await;
                                false
                            },
                        )
                        .await;
                        if !slept {
                            break;
                        }
                        continue;
                    }
                }
            }
            let Some(conn) = self.conn.as_mut() else {
                continue;
            };
            // The flush matters under TLS: records the session still holds are not yet sent.
            let sent = async {
                conn.write_all(&batch.data).await?;
                conn.flush().await
            };
            match sent.await {
                Ok(()) => {
                    c.events += batch.events();
                    c.bytes += batch.data.len() as u64;
                    return true;
                }
                Err(e) => {
                    // The batch is sent again in full on the next connection: at least once.
                    c.error(&e);
                    c.set_up(false);
                    c.publish();
                    tracing::warn!(sink = %self.id, peer = %self.addr, error = %e, "write failed; reconnecting");
                    self.conn = None;
                }
            }
        }
        bump(&mut c.dropped, "peer_down", batch.events());
        false
    }

    pub(crate) async fn close(&mut self) {
        if let Some(mut c) = self.conn.take() {
            let _ = c.flush().await;
            let _ = c.close().await;
        }
    }
}
