//! `udp`: one datagram per frame (postprocessors that split an event, like GELF chunking,
//! make several frames).

use std::net::SocketAddr;

use glommio::net::UdpSocket;

use super::Tally;
use crate::metrics::bump;
use crate::ring::Batch;

pub(crate) struct UdpSink {
    sock: UdpSocket,
    peer: SocketAddr,
}

impl UdpSink {
    pub(crate) fn open(peer: SocketAddr) -> std::io::Result<Self> {
        let local: SocketAddr = if peer.is_ipv4() {
            "0.0.0.0:0"
        } else {
            "[::]:0"
        }
        .parse()
        .map_err(std::io::Error::other)?;
        let sock = UdpSocket::bind(local).map_err(|e| std::io::Error::other(e.to_string()))?;
        Ok(UdpSink { sock, peer })
    }

    pub(crate) async fn write(&mut self, batch: &Batch, c: &mut Tally) {
        for (f, frame) in batch.frames() {
            match self.sock.send_to(frame, self.peer).await {
                Ok(_) => {
                    c.bytes += frame.len() as u64;
                    if f.event_end {
                        c.events += 1;
                    }
                }
                Err(e) => {
                    c.errors += 1;
                    if f.event_end {
                        bump(&mut c.dropped, "send_failed", 1);
                    }
                    tracing::debug!(peer = %self.peer, error = %e, "udp send failed");
                }
            }
        }
    }
}
