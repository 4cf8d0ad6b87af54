//! One shard: a glommio executor pinned to a CPU, running the ingest role, the sink role,
//! or both, until the control thread stops it.

use std::cell::RefCell;
use std::os::fd::{FromRawFd as _, IntoRawFd as _};
use std::rc::{Rc, Weak};
use std::sync::atomic::Ordering;
use std::sync::mpsc::Sender;
use std::sync::Arc;
use std::time::Duration;

use futures_lite::future;
use glommio::task::JoinHandle;

use crate::ingest::{sink_locations, Ingest};
use crate::metrics::{ShardReport, Snapshot};
use crate::plan::{Plan, SourceKind};
use crate::ring::{IngestLink, Parking, SinkLink};
use crate::runtime::{ControlMsg, ControlState};
use crate::signal::Signal;
use crate::sink::{drain, Reopen, SinkRt};
use crate::source::{self, StdinFeed};

/// A bound socket of a network source, for one shard.
pub(crate) struct SourceSocket {
    pub(crate) src: usize,
    pub(crate) socket: socket2::Socket,
}

/// Everything a shard takes with it onto its thread.
pub(crate) struct ShardParts {
    pub(crate) cpu: usize,
    pub(crate) plan: Arc<Plan>,
    pub(crate) ingest: Option<(usize, Vec<IngestLink>, Vec<SourceSocket>)>,
    pub(crate) stdin: Option<StdinFeed>,
    pub(crate) sink: Option<(usize, (Vec<SinkLink>, Parking))>,
    pub(crate) control: Parking,
    pub(crate) state: Arc<ControlState>,
    pub(crate) reports: Sender<ControlMsg>,
    /// This ingest shard's ends of the shapers' report mesh.
    pub(crate) shaper_peers: Option<crate::shaper::Peers>,
}

fn fail(reports: &Sender<ControlMsg>, cpu: usize, error: String) {
    tracing::error!(cpu, %error, "shard cannot start");
    let _ = reports.send(ControlMsg::Failed { cpu, error });
}

/// The shard's whole life.
pub(crate) async fn run_shard(parts: ShardParts) {
    let ShardParts {
        cpu,
        plan,
        ingest,
        stdin,
        sink,
        control,
        state,
        reports,
        shaper_peers,
    } = parts;
    let stop = Rc::new(Signal::default());
    let hard = Rc::new(Signal::default());
    let done = Rc::new(Signal::default());
    let reopen = Rc::new(Reopen::default());
    {
        let (stop, hard, reopen) = (Rc::clone(&stop), Rc::clone(&hard), Rc::clone(&reopen));
        let mut ctl = control.into_waiter();
        glommio::spawn_local(async move {
            let mut reopened = 0;
            loop {
                let gone = ctl.sleep().await == 0;
                let level = state.stop.load(Ordering::SeqCst);
                if gone || level >= 1 {
                    stop.fire();
                }
                if gone || level >= 2 {
                    // The control thread gave up waiting, or is gone: stop for good.
                    hard.fire();
                    break;
                }
                let r = state.reopen.load(Ordering::SeqCst);
                if r != reopened {
                    reopened = r;
                    reopen.fire();
                }
            }
        })
        .detach();
    }

    // Sink role: open this shard's sinks, in the order the ingest shards number them.
    let sink_counters = Rc::new(RefCell::new(Snapshot::for_plan(&plan)));
    let mut sink_task: Option<JoinHandle<()>> = None;
    if let Some((j, (links, parking))) = sink {
        let locs = sink_locations(&plan);
        let mut sinks = Vec::new();
        for (s, sp) in plan.sinks.iter().enumerate() {
            if locs[s].0 != j {
                continue;
            }
            match SinkRt::open(sp).await {
                Ok(rt) => sinks.push((s, rt)),
                Err(e) => return fail(&reports, cpu, format!("sink `{}`: {e}", sp.id)),
            }
        }
        // The ring loop and the sink tasks it starts run in a task queue of their own: a
        // source that yields its queue after a read (`source::stream`) lets them write what
        // it just handed over before the next source's read is processed, when this shard
        // is also an ingest shard.
        let queue = glommio::executor().create_task_queue(
            glommio::Shares::default(),
            glommio::Latency::NotImportant,
            "sinks",
        );
        let t = match glommio::spawn_local_into(
            drain(
                links,
                parking.into_waiter(),
                sinks,
                Rc::clone(&sink_counters),
                Rc::clone(&hard),
                Rc::clone(&reopen),
                crate::park_spin::ParkSpin::new(plan.park_spin),
            ),
            queue,
        ) {
            Ok(t) => t,
            Err(e) => return fail(&reports, cpu, format!("starting the sinks: {e}")),
        };
        sink_task = Some(t.detach());
    }

    // Ingest role: one task per source socket, plus stdin and files on the first shard.
    let mut ingest_ctx: Option<Rc<RefCell<Ingest>>> = None;
    let mut source_tasks: Vec<JoinHandle<()>> = Vec::new();
    let mut udp_inodes: Vec<(usize, u64)> = Vec::new();
    if let Some((i, links, sockets)) = ingest {
        let ctx = match Ingest::new(&plan, links) {
            Ok(c) => Rc::new(RefCell::new(c)),
            Err(e) => return fail(&reports, cpu, e.to_string()),
        };
        spawn_shaper_tick(&ctx, shaper_peers, &done);
        for SourceSocket { src, socket } in sockets {
            let sp = Rc::new(plan.sources[src].clone());
            let (ctx, stop, hard) = (Rc::clone(&ctx), Rc::clone(&stop), Rc::clone(&hard));
            let fd = socket.into_raw_fd();
            let task = match sp.kind {
                SourceKind::Tcp {
                    max_connections,
                    idle_timeout,
                    memory_budget,
                    ..
                } => {
                    // SAFETY: `fd` is a listening TCP socket we own; glommio takes it over.
                    let l = unsafe { glommio::net::TcpListener::from_raw_fd(fd) };
                    glommio::spawn_local(source::tcp_source(
                        ctx,
                        src,
                        sp,
                        l,
                        max_connections,
                        idle_timeout,
                        memory_budget,
                        stop,
                        hard,
                    ))
                }
                SourceKind::Udp { max_datagram, .. } => {
                    // SAFETY: `fd` is a bound UDP socket we own; glommio takes it over.
                    let u = unsafe { glommio::net::UdpSocket::from_raw_fd(fd) };
                    if let Some(ino) = source::socket_inode(&u) {
                        udp_inodes.push((src, ino));
                    }
                    glommio::spawn_local(source::udp_source(ctx, src, sp, u, max_datagram, stop))
                }
                SourceKind::Http(_) => {
                    // SAFETY: `fd` is a listening TCP socket we own; glommio takes it over.
                    let l = unsafe { glommio::net::TcpListener::from_raw_fd(fd) };
                    glommio::spawn_local(source::http_source(ctx, src, sp, l, stop, hard))
                }
                SourceKind::TcpTls {
                    max_connections,
                    ref tls,
                    ..
                } => {
                    let acceptor = match crate::tls::server_config(tls) {
                        Ok(c) => futures_rustls::TlsAcceptor::from(c),
                        Err(e) => return fail(&reports, cpu, e.to_string()),
                    };
                    // SAFETY: `fd` is a listening TCP socket we own; glommio takes it over.
                    let l = unsafe { glommio::net::TcpListener::from_raw_fd(fd) };
                    glommio::spawn_local(source::tls_source(
                        ctx,
                        src,
                        Rc::clone(&sp),
                        l,
                        max_connections,
                        acceptor,
                        stop,
                        hard,
                    ))
                }
                _ => continue,
            };
            source_tasks.push(task.detach());
        }
        if let Some(feed) = stdin {
            if let Some(src) = plan
                .sources
                .iter()
                .position(|s| matches!(s.kind, SourceKind::Stdin))
            {
                let sp = Rc::new(plan.sources[src].clone());
                let t = glommio::spawn_local(source::stdin_source(
                    Rc::clone(&ctx),
                    src,
                    sp,
                    feed,
                    Rc::clone(&stop),
                ));
                source_tasks.push(t.detach());
            }
        }
        // Kafka: a consumer on every ingest shard; the group spreads the partitions.
        for (src, s) in plan.sources.iter().enumerate() {
            if let SourceKind::Kafka(kp) = &s.kind {
                let t = glommio::spawn_local(source::kafka_source(
                    Rc::clone(&ctx),
                    src,
                    Rc::new(s.clone()),
                    (**kp).clone(),
                    Rc::clone(&stop),
                    Rc::clone(&hard),
                ));
                source_tasks.push(t.detach());
            }
        }
        if i == 0 {
            for (src, s) in plan.sources.iter().enumerate() {
                if let SourceKind::Tail(_) = &s.kind {
                    let t = glommio::spawn_local(source::tail_source(
                        Rc::clone(&ctx),
                        src,
                        Rc::new(s.clone()),
                        Rc::clone(&stop),
                        Rc::clone(&hard),
                    ));
                    source_tasks.push(t.detach());
                }
                if let SourceKind::File { path } = &s.kind {
                    let sp = Rc::new(s.clone());
                    let t = glommio::spawn_local(source::file_source(
                        Rc::clone(&ctx),
                        src,
                        sp,
                        path.clone(),
                        Rc::clone(&stop),
                        Rc::clone(&hard),
                    ));
                    source_tasks.push(t.detach());
                }
            }
        }
        ingest_ctx = Some(ctx);
    }
    if !udp_inodes.is_empty() {
        // The control thread reads the kernel's drop counters for these sockets from
        // /proc/net/udp: a file read that does not belong on a reactor thread.
        let _ = reports.send(ControlMsg::UdpSockets {
            inodes: udp_inodes.clone(),
        });
    }
    let _ = reports.send(ControlMsg::Ready { cpu });

    let weak_ingest = ingest_ctx.as_ref().map(Rc::downgrade);
    let has_sink = sink_task.is_some();
    let report = {
        let (reports, sink_counters) = (reports.clone(), Rc::clone(&sink_counters));
        move |last: bool| {
            send_reports(
                &reports,
                cpu,
                weak_ingest.as_ref(),
                has_sink.then_some(&sink_counters),
                last,
            )
        }
    };
    let reporter = {
        let (done, interval, report) = (Rc::clone(&done), plan.metrics_interval, report.clone());
        glommio::spawn_local(async move {
            while !done.is_fired() {
                future::or(glommio::timer::sleep(interval), async {
                    done.wait().await;
                })
                .await;
                if !done.is_fired() {
                    report(false);
                }
            }
        })
        .detach()
    };

    for t in source_tasks {
        let _ = t.await;
    }
    if let Some(ctx) = ingest_ctx.take() {
        // Everything read is handed over before the rings are let go.
        let mut wait = Duration::from_micros(50);
        while ctx.borrow_mut().try_flush_all() && !hard.is_fired() {
            glommio::timer::sleep(wait).await;
            wait = (wait * 2).min(Duration::from_millis(5));
        }
        // Final ingest report, then drop the links so the sink shards see the end.
        report(false);
        drop(ctx);
    }
    if let Some(t) = sink_task {
        let _ = t.await;
    }
    done.fire();
    let _ = reporter.await;
    report(true);
}

/// Joins the shapers' report mesh and starts their share tick (when a pipeline has one).
fn spawn_shaper_tick(
    ctx: &Rc<RefCell<Ingest>>,
    peers: Option<crate::shaper::Peers>,
    done: &Rc<Signal>,
) {
    if let Some(p) = peers {
        ctx.borrow_mut().attach_peers(p);
    }
    let interval = ctx.borrow().shaper_interval();
    if let Some(interval) = interval {
        let t = crate::shaper::control::run(Rc::downgrade(ctx), interval, Rc::clone(done));
        glommio::spawn_local(t).detach();
    }
}

fn send_reports(
    reports: &Sender<ControlMsg>,
    cpu: usize,
    ingest: Option<&Weak<RefCell<Ingest>>>,
    sink: Option<&Rc<RefCell<Snapshot>>>,
    last: bool,
) {
    if let Some(ctx) = ingest.and_then(Weak::upgrade) {
        if !last {
            ctx.borrow_mut().tick(crate::signal::now_ns());
        }
        let snapshot = ctx.borrow().snapshot();
        let _ = reports.send(ControlMsg::Report(ShardReport {
            cpu,
            role: "ingest",
            snapshot,
            last,
        }));
    }
    if let Some(s) = sink {
        let snapshot = s.borrow().clone();
        let _ = reports.send(ControlMsg::Report(ShardReport {
            cpu,
            role: "sink",
            snapshot,
            last,
        }));
    }
}
