//! Starting the shards, talking to them from the control thread, and stopping them.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError};
use std::sync::Arc;
use std::time::{Duration, Instant};

use glommio::{LocalExecutorBuilder, Placement};

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
    /// A task of the shard panicked: the shard is dead (caught at the shard boundary).
    Panicked {
        /// Its CPU.
        cpu: usize,
        /// The panic's message.
        message: String,
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
    /// The UDP sockets of a shard: (source index, socket inode), for the kernel's drop
    /// counters in /proc/net/udp, which the control thread reads.
    UdpSockets {
        /// (source, inode) per socket.
        inodes: Vec<(usize, u64)>,
    },
}

/// What the control thread asks of the shards, read by each shard when its control bell
/// rings: how far shutdown has gone (1 = stop reading and drain, 2 = give up on what is in
/// flight) and how many times the sinks were asked to reopen (SIGHUP).
#[derive(Debug, Default)]
pub(crate) struct ControlState {
    pub(crate) stop: AtomicU64,
    pub(crate) reopen: AtomicU64,
}

/// How long shards get to finish after the hard stop before the control thread leaves them.
const HARD_GRACE: Duration = Duration::from_secs(3);

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
    shards: Vec<(usize, std::thread::JoinHandle<()>)>,
    /// Every UDP socket: (source index, inode).
    udp_inodes: Vec<(usize, u64)>,
    /// Per source: kernel drops over its sockets, as last read from /proc/net/udp.
    udp_drops: Vec<u64>,
    /// When /proc/net/udp was last read.
    udp_read: Option<Instant>,
    /// Shards that panicked: (cpu, message).
    panics: Vec<(usize, String)>,
    control: Vec<Bell>,
    state: Arc<ControlState>,
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

/// Runs `f` on a thread of its own that ends when `f` returns, and returns what it returned
/// (a panic in `f` is raised again here). For start-up work whose memory is dropped at once:
/// snmalloc gives every thread that allocates its own slabs and keeps them resident, and an
/// ended thread's allocator (with its slabs) goes to the next thread that starts, a shard,
/// instead of the calling (control) thread keeping a second set for the life of the process.
pub fn on_short_lived_thread<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|s| match s.spawn(f).join() {
        Ok(v) => v,
        Err(panic) => std::panic::resume_unwind(panic),
    })
}

impl Runtime {
    /// Binds every socket, starts one pinned executor per CPU of the plan and waits until
    /// all of them report ready.
    ///
    /// # Errors
    /// A port in use, a socket that cannot be bound, a sink that cannot open, a shard that
    /// does not start.
    pub fn start(plan: Plan) -> Result<Runtime, Error> {
        // Builds every codec and chain once and drops them (a JSON codec's simd-json
        // buffers are 4-6 KiB each): not on the control thread, see the function.
        on_short_lived_thread(|| plan.check_components())?;
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
                SourceKind::Http(h) => (h.listen, false),
                SourceKind::TcpTls { listen, .. } => (*listen, false),
                _ => continue,
            };
            // A bad certificate or key stops start-up here, not in a shard.
            let tls = match &s.kind {
                SourceKind::TcpTls { tls, .. } => Some(tls),
                SourceKind::Http(h) => h.tls.as_ref(),
                _ => None,
            };
            if let Some(t) = tls {
                crate::tls::server_config(t).map_err(|e| match e {
                    Error::Io { what, error } => Error::Io {
                        what: format!("source `{}`: {what}", s.id),
                        error,
                    },
                    other => other,
                })?;
            }
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
        let mut shaper_peers: Vec<Option<crate::shaper::Peers>> =
            if plan.pipelines.iter().any(|p| p.shaper.is_some()) {
                crate::shaper::mesh(plan.ingest_cpus.len())
                    .into_iter()
                    .map(Some)
                    .collect()
            } else {
                Vec::new()
            };
        let (tx, rx) = channel();
        let state = Arc::new(ControlState::default());
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
                state: Arc::clone(&state),
                reports: tx.clone(),
                shaper_peers: ingest.and_then(|i| shaper_peers.get_mut(i)?.take()),
            };
            let handle = spawn_shard(cpu, parts, tx.clone())?;
            shards.push((cpu, handle));
            control.push(ctl_bell);
        }
        drop(tx);
        let mut rt = Runtime {
            plan,
            shards,
            panics: Vec::new(),
            udp_inodes: Vec::new(),
            udp_drops: Vec::new(),
            udp_read: None,
            control,
            state,
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
                Ok(ControlMsg::Failed { cpu, error })
                | Ok(ControlMsg::Panicked {
                    cpu,
                    message: error,
                }) => {
                    self.stop();
                    self.stop();
                    return Err(Error::Shard { cpu, error });
                }
                Ok(ControlMsg::Report(r)) => self.absorb(r),
                Ok(ControlMsg::UdpSockets { inodes }) => self.udp_inodes.extend(inodes),
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
        self.read_kernel_drops();
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

    /// Reads the kernel's UDP drop counters, at most once per metrics interval.
    fn read_kernel_drops(&mut self) {
        if self.udp_inodes.is_empty()
            || self
                .udp_read
                .is_some_and(|t| t.elapsed() < self.plan.metrics_interval)
        {
            return;
        }
        self.udp_read = Some(Instant::now());
        let table = crate::source::udp_drop_table();
        let mut drops = vec![0u64; self.plan.sources.len()];
        for (src, ino) in &self.udp_inodes {
            if let (Some(d), Some(total)) = (table.get(ino), drops.get_mut(*src)) {
                *total += d;
            }
        }
        // A closed socket leaves the table; keep the highest count seen.
        self.udp_drops.resize(drops.len(), 0);
        for (seen, now) in self.udp_drops.iter_mut().zip(drops) {
            *seen = (*seen).max(now);
        }
    }

    fn handle(&mut self, m: ControlMsg) {
        match m {
            ControlMsg::Report(r) => self.absorb(r),
            ControlMsg::Failed { cpu, error } => tracing::error!(cpu, %error, "shard failed"),
            ControlMsg::Panicked { cpu, message } => {
                tracing::error!(cpu, %message, "a shard panicked; it is dead");
                self.panics.push((cpu, message));
            }
            ControlMsg::Ready { .. } => {}
            ControlMsg::UdpSockets { inodes } => self.udp_inodes.extend(inodes),
        }
    }

    /// Shards that panicked so far: (cpu, message). A dead shard's sockets, rings and sinks
    /// are gone; the process should stop and exit non-zero (see the binary).
    #[must_use]
    pub fn panics(&self) -> &[(usize, String)] {
        &self.panics
    }

    /// Counters merged over every shard, as of the latest reports.
    #[must_use]
    pub fn merged(&self) -> Snapshot {
        let mut m = Snapshot::for_plan(&self.plan);
        for (_, s) in &self.latest {
            m.merge(s);
        }
        for (c, d) in m.sources.iter_mut().zip(&self.udp_drops) {
            c.kernel_drops = c.kernel_drops.max(*d);
        }
        m
    }

    /// First call: stop accepting and reading (connections drain until quiet). Second call:
    /// give up on whatever is still in flight.
    pub fn stop(&self) {
        self.state.stop.fetch_add(1, Ordering::SeqCst);
        for b in &self.control {
            b.ring_always();
        }
    }

    /// SIGHUP: every file sink writes what it buffers and reopens its path (after a log
    /// rotation by rename). Nothing else is reloaded and nothing stops.
    pub fn reopen(&self) {
        self.state.reopen.fetch_add(1, Ordering::SeqCst);
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
        let mut hard_at: Option<Instant> = None;
        let mut leave = false;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if (left.is_zero() || give_up()) && hard_at.is_none() {
                tracing::warn!("shutdown timed out; giving up on data still in flight");
                self.stop();
                hard_at = Some(Instant::now());
                clean = false;
            }
            let wait = if hard_at.is_some() {
                Duration::from_millis(100)
            } else {
                left.min(Duration::from_millis(100))
            };
            if self.poll(wait) == Poll::Gone {
                break;
            }
            if self.shards.iter().all(|(_, h)| h.is_finished()) {
                // Every thread is done; a dead shard's leftovers may still hold a sender.
                while let Ok(m) = self.rx.try_recv() {
                    self.handle(m);
                }
                break;
            }
            if hard_at.is_some_and(|t| t.elapsed() > HARD_GRACE) {
                tracing::error!("shards did not finish after the hard stop; leaving them");
                leave = true;
                break;
            }
        }
        for (cpu, h) in std::mem::take(&mut self.shards) {
            if (leave && !h.is_finished()) || h.join().is_err() {
                tracing::error!(cpu, "shard thread ended abnormally");
                clean = false;
            }
        }
        if !self.panics.is_empty() {
            clean = false;
        }
        (self.merged(), clean)
    }
}

/// The executor of the shard on `cpu`. A shard with the sink role and a `park_spin` window
/// keeps its reactor polling briefly after its last work before it parks (glommio's
/// `spin_before_park`): the drain task's short timers between looks at the rings
/// (`park_spin.rs`) are served in that loop, without a syscall.
///
/// File sinks write on the executor's blocking threads (`sink/file.rs`), glommio's one per
/// executor by default, pinned to the shard's CPU. A shard that owns several file sinks gets
/// one thread per file sink, so that a write stuck on one file (a hung mount) never holds
/// up another file's: each sink has at most one operation in flight.
fn executor(cpu: usize, parts: &ShardParts) -> LocalExecutorBuilder {
    let mut b = LocalExecutorBuilder::new(Placement::Fixed(cpu))
        // No DMA file I/O: keep the registered buffer area at glommio's minimum (it
        // is locked memory, faulted in when the rings register it).
        .io_memory(64 << 10)
        .preempt_timer(Duration::from_millis(50));
    let files = parts.sink.as_ref().map_or(0, |(j, _)| {
        let plan = &parts.plan.sinks;
        plan.iter()
            .filter(|s| s.shard == *j && matches!(s.kind, crate::plan::SinkKind::File { .. }))
            .count()
    });
    if files > 1 {
        if let Ok(set) = glommio::CpuSet::online() {
            let set = set.filter(|l| l.cpu == cpu);
            b = b.blocking_thread_pool_placement(glommio::PoolPlacement::Custom(vec![set; files]));
        }
    }
    if parts.sink.is_some() && !parts.plan.park_spin.is_zero() {
        b.spin_before_park(crate::park_spin::EXECUTOR_SPIN)
    } else {
        b
    }
}

/// Starts the shard's thread: a glommio executor pinned to `cpu` running [`run_shard`]. A
/// panic in any of its tasks unwinds out of the executor; it is caught here, at the shard
/// boundary, and reported to the control thread as [`ControlMsg::Panicked`].
fn spawn_shard(
    cpu: usize,
    parts: ShardParts,
    reports: std::sync::mpsc::Sender<ControlMsg>,
) -> Result<std::thread::JoinHandle<()>, Error> {
    std::thread::Builder::new()
        .name(format!("sluice-cpu{cpu}"))
        .spawn(move || {
            if let Some(nice) = parts.plan.nice {
                // Before the executor starts its blocking threads, so that they inherit it.
                if let Err(e) = crate::sys::set_thread_nice(nice) {
                    let _ = reports.send(ControlMsg::Failed {
                        cpu,
                        error: format!(
                            "cannot set [shards] nice = {nice}: {e} (a value below the \
                             current one needs CAP_SYS_NICE, or RLIMIT_NICE: systemd's LimitNICE=)"
                        ),
                    });
                    return;
                }
            }
            let ex = executor(cpu, &parts).make();
            let ex = match ex {
                Ok(ex) => ex,
                Err(e) => {
                    let _ = reports.send(ControlMsg::Failed {
                        cpu,
                        error: format!("cannot start the executor: {e}"),
                    });
                    return;
                }
            };
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                ex.run(run_shard(parts));
            }));
            if let Err(payload) = r {
                let message = payload
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_string())
                    .or_else(|| payload.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "(no message)".into());
                let _ = reports.send(ControlMsg::Panicked { cpu, message });
            }
        })
        .map_err(|e| Error::Spawn {
            cpu,
            error: e.to_string(),
        })
}
