//! Starting the shards, talking to them from the control thread, and stopping them.

use std::net::SocketAddr;
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError};
use std::sync::Arc;
use std::time::{Duration, Instant};

use glommio::{ExecutorJoinHandle, LocalExecutorBuilder, Placement};

use crate::metrics::{ShardReport, Snapshot};
use crate::plan::{Plan, SourceKind};
use crate::ring::{bell, Bell};
use crate::shard::{run_shard, ShardParts, SourceSocket};
use crate::source::{bind_tcp, bind_udp};
use crate::Error;

/// A message from a shard to the control thread.
#[derive(Debug)]
pub enum ControlMsg {
    /// The shard is up: sockets bound, sinks open.
    Ready {
        /// Its CPU.
        cpu: usize,
    },
    /// The shard could not start.
    Failed {
        /// Its CPU.
        cpu: usize,
        /// Why.
        error: String,
    },
    /// Periodic (and final) counters.
    Report(ShardReport),
}

/// What [`Runtime::poll`] saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Poll {
    /// New reports arrived.
    Updated,
    /// Nothing arrived in time.
    Quiet,
    /// Every shard has gone.
    Gone,
}

/// The running shards, seen from the control thread.
pub struct Runtime {
    plan: Arc<Plan>,
    shards: Vec<(usize, ExecutorJoinHandle<()>)>,
    control: Vec<Bell>,
    rx: Receiver<ControlMsg>,
    latest: Vec<((usize, &'static str), Snapshot)>,
    /// Actual listen address of every tcp/udp source (port 0 resolved).
    pub listen: Vec<(String, SocketAddr)>,
}

/// Fails if another process already holds `addr` (with or without `SO_REUSEPORT`): our own
/// reuseport sockets would otherwise silently share its traffic.
fn check_free(id: &str, addr: SocketAddr, udp: bool) -> Result<(), Error> {
    if addr.port() == 0 {
        return Ok(());
    }
    let r = if udp {
        std::net::UdpSocket::bind(addr).map(drop)
    } else {
        std::net::TcpListener::bind(addr).map(drop)
    };
    match r {
        Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => Err(Error::PortInUse {
            source_id: id.to_string(),
            addr,
        }),
        Err(error) => Err(Error::Bind {
            source_id: id.to_string(),
            shard: 0,
            addr,
            error,
        }),
        Ok(()) => Ok(()),
    }
}

impl Runtime {
    /// Binds every socket, starts one pinned executor per CPU of the plan and waits until
    /// all of them report ready.
    ///
    /// # Errors
    /// A port in use, a socket that cannot be bound, a sink that cannot open, a shard that
    /// does not start.
    pub fn start(plan: Plan) -> Result<Runtime, Error> {
        plan.check_components()?;
        let plan = Arc::new(plan);
        // Bind every shard's socket for every network source up front: errors surface
        // before any thread starts, and port 0 resolves once for all shards.
        let mut sockets: Vec<Vec<SourceSocket>> =
            (0..plan.ingest_cpus.len()).map(|_| Vec::new()).collect();
        let mut listen = Vec::new();
        for (src, s) in plan.sources.iter().enumerate() {
            let (addr, udp) = match &s.kind {
                SourceKind::Tcp { listen, .. } => (*listen, false),
                SourceKind::Udp { listen, .. } => (*listen, true),
                _ => continue,
            };
            check_free(&s.id, addr, udp)?;
            let mut addr = addr;
            for (shard, list) in sockets.iter_mut().enumerate() {
                let sock = match &s.kind {
                    SourceKind::Udp { recv_buffer, .. } => bind_udp(addr, *recv_buffer),
                    _ => bind_tcp(addr),
                }
                .map_err(|error| Error::Bind {
                    source_id: s.id.clone(),
                    shard,
                    addr,
                    error,
                })?;
                if addr.port() == 0 {
                    if let Some(a) = sock.local_addr().ok().and_then(|a| a.as_socket()) {
                        addr = a;
                    }
                }
                list.push(SourceSocket { src, socket: sock });
            }
            listen.push((s.id.clone(), addr));
        }
        // Each sink has `ring_capacity` credits per ingest shard (see `ingest::flush`); a
        // ring carries the batches of every sink on its sink shard, so it has room for all
        // their credits and a sink shard never finds it full.
        let most_sinks = (0..plan.sink_cpus.len())
            .map(|j| plan.sinks.iter().filter(|s| s.shard == j).count())
            .max()
            .unwrap_or(0)
            .max(1);
        let (ingest_links, sink_links) = crate::ring::mesh(
            plan.ingest_cpus.len(),
            plan.sink_cpus.len(),
            plan.ring_capacity.max(1).saturating_mul(most_sinks),
        )
        .map_err(|error| Error::Io {
            what: "creating the ring mesh".into(),
            error,
        })?;
        let mut ingest_links: Vec<Option<_>> = ingest_links.into_iter().map(Some).collect();
        let mut sink_links: Vec<Option<_>> = sink_links.into_iter().map(Some).collect();
        let mut sockets: Vec<Option<_>> = sockets.into_iter().map(Some).collect();
        let needs_stdin = plan
            .sources
            .iter()
            .any(|s| matches!(s.kind, SourceKind::Stdin));
        let mut stdin = if needs_stdin {
            Some(crate::source::stdin_reader().map_err(|error| Error::Io {
                what: "starting the stdin reader".into(),
                error,
            })?)
        } else {
            None
        };
        let (tx, rx) = channel();
        let mut shards = Vec::new();
        let mut control = Vec::new();
        for (cpu, ingest, sink) in plan.cpus() {
            let (ctl_bell, ctl_parking) = bell().map_err(|error| Error::Io {
                what: "creating a control channel".into(),
                error,
            })?;
            let parts = ShardParts {
                cpu,
                plan: Arc::clone(&plan),
                ingest: ingest.and_then(|i| Some((i, ingest_links[i].take()?, sockets[i].take()?))),
                stdin: if ingest == Some(0) {
                    stdin.take()
                } else {
                    None
                },
                sink: sink.and_then(|j| Some((j, sink_links[j].take()?))),
                control: ctl_parking,
                reports: tx.clone(),
            };
            let handle = LocalExecutorBuilder::new(Placement::Fixed(cpu))
                .name(&format!("sluice-cpu{cpu}"))
                // No DMA file I/O: keep the registered buffer area small (it is locked memory).
                .io_memory(256 << 10)
                .preempt_timer(Duration::from_millis(50))
                .spawn(move || run_shard(parts))
                .map_err(|e| Error::Spawn {
                    cpu,
                    error: e.to_string(),
                })?;
            shards.push((cpu, handle));
            control.push(ctl_bell);
        }
        drop(tx);
        let mut rt = Runtime {
            plan,
            shards,
            control,
            rx,
            latest: Vec::new(),
            listen,
        };
        rt.wait_ready()?;
        Ok(rt)
    }

    fn wait_ready(&mut self) -> Result<(), Error> {
        let mut ready = 0;
        let deadline = Instant::now() + Duration::from_secs(30);
        while ready < self.shards.len() {
            match self
                .rx
                .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            {
                Ok(ControlMsg::Ready { .. }) => ready += 1,
                Ok(ControlMsg::Failed { cpu, error }) => {
                    self.stop();
                    self.stop();
                    return Err(Error::Shard { cpu, error });
                }
                Ok(ControlMsg::Report(r)) => self.absorb(r),
                Err(RecvTimeoutError::Timeout) => {
                    return Err(Error::Shard {
                        cpu: 0,
                        error: "shards did not report ready within 30s".into(),
                    })
                }
                Err(RecvTimeoutError::Disconnected) => {
                    return Err(Error::Shard {
                        cpu: 0,
                        error: "a shard exited during start-up".into(),
                    })
                }
            }
        }
        Ok(())
    }

    /// The plan being run.
    #[must_use]
    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    fn absorb(&mut self, r: ShardReport) {
        let key = (r.cpu, r.role);
        match self.latest.iter_mut().find(|(k, _)| *k == key) {
            Some((_, s)) => *s = r.snapshot,
            None => self.latest.push((key, r.snapshot)),
        }
    }

    /// Takes in the reports that arrived, waiting up to `timeout` for the first.
    pub fn poll(&mut self, timeout: Duration) -> Poll {
        match self.rx.recv_timeout(timeout) {
            Ok(m) => {
                self.handle(m);
                while let Ok(m) = self.rx.try_recv() {
                    self.handle(m);
                }
                Poll::Updated
            }
            Err(RecvTimeoutError::Timeout) => Poll::Quiet,
            Err(RecvTimeoutError::Disconnected) => Poll::Gone,
        }
    }

    fn handle(&mut self, m: ControlMsg) {
        match m {
            ControlMsg::Report(r) => self.absorb(r),
            ControlMsg::Failed { cpu, error } => tracing::error!(cpu, %error, "shard failed"),
            ControlMsg::Ready { .. } => {}
        }
    }

    /// Counters merged over every shard, as of the latest reports.
    #[must_use]
    pub fn merged(&self) -> Snapshot {
        let mut m = Snapshot::for_plan(&self.plan);
        for (_, s) in &self.latest {
            m.merge(s);
        }
        m
    }

    /// First call: stop accepting and reading (connections drain until quiet). Second call:
    /// give up on whatever is still in flight.
    pub fn stop(&self) {
        for b in &self.control {
            b.ring_always();
        }
    }

    /// Waits for the shards to finish (taking in their last reports), at most `timeout`
    /// (or until `give_up` says so) before the hard stop; returns the merged counters and
    /// false if the shards had to be cut short.
    pub fn join(mut self, timeout: Duration, give_up: &dyn Fn() -> bool) -> (Snapshot, bool) {
        let deadline = Instant::now() + timeout;
        let mut clean = true;
        let mut hard_sent = false;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if (left.is_zero() || give_up()) && !hard_sent {
                tracing::warn!("shutdown timed out; giving up on data still in flight");
                self.stop();
                hard_sent = true;
                clean = false;
            }
            let wait = if hard_sent {
                Duration::from_millis(100)
            } else {
                left.min(Duration::from_millis(100))
            };
            if self.poll(wait) == Poll::Gone {
                break;
            }
        }
        for (cpu, h) in std::mem::take(&mut self.shards) {
            if let Err(e) = h.join() {
                tracing::error!(cpu, error = %e, "shard ended abnormally");
                clean = false;
            }
        }
        (self.merged(), clean)
    }
}
