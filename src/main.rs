//! The `sluice` binary: CLI, config, wiring, admin endpoint, signals. Glue only; the data
//! path lives in the library crates.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context as _;
use clap::{Parser, Subcommand};

mod admin;
mod config;
mod script_cli;
mod summary;

#[global_allocator]
static ALLOC: snmalloc_rs::SnMalloc = snmalloc_rs::SnMalloc;

/// Logs go to stderr at `info`, or as `RUST_LOG` says when it is set. Only then is an
/// `EnvFilter` built: parsing directives compiles tracing-subscriber's directive regexes, about
/// 430 KiB that would stay allocated on the control thread for the life of the process.
/// Colours only on a terminal (and not with `NO_COLOR`): journald and log files get plain text.
fn init_logging() {
    use std::io::IsTerminal as _;
    let colour = std::io::stderr().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let fmt = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(colour);
    match std::env::var_os(tracing_subscriber::EnvFilter::DEFAULT_ENV) {
        Some(v) if !v.is_empty() => match tracing_subscriber::EnvFilter::try_from_default_env() {
            Ok(filter) => fmt.with_env_filter(filter).init(),
            Err(e) => {
                fmt.with_max_level(tracing::Level::INFO).init();
                tracing::warn!("RUST_LOG is not a valid filter ({e}); logging at info");
            }
        },
        _ => fmt.with_max_level(tracing::Level::INFO).init(),
    }
}

/// Sluice: a thread-per-core data plane for logs, metrics and events.
#[derive(Parser)]
#[command(name = "sluice", version, about)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Run with CONFIG (or the embedded default config when none is given).
    Run {
        /// The config file (TOML).
        config: Option<PathBuf>,
    },
    /// Validate CONFIG completely without starting anything; exit code 1 on errors.
    Check {
        /// The config file (TOML).
        config: PathBuf,
    },
    /// Show CPUs and NUMA nodes, and the shard plan CONFIG (or the default) yields.
    Topology {
        /// The config file (TOML).
        config: Option<PathBuf>,
    },
    /// Print the embedded default config.
    DefaultConfig,
    /// Run or check tremor-script scripts on newline-delimited JSON, like `jq`.
    #[command(subcommand)]
    Script(script_cli::ScriptCmd),
}

fn main() -> ExitCode {
    init_logging();
    let cli = sluice_shards::on_short_lived_thread(Cli::parse);
    let r = match cli.cmd {
        Cmd::Run { config } => run(config),
        Cmd::Check { config } => check(&config),
        Cmd::Topology { config } => topology(config),
        Cmd::Script(c) => script_cli::run(c),
        Cmd::DefaultConfig => {
            print!("{}", config::DEFAULT_CONFIG);
            Ok(ExitCode::SUCCESS)
        }
    };
    match r {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}

fn check(path: &std::path::Path) -> anyhow::Result<ExitCode> {
    match config::load(Some(path)) {
        Ok(l) => {
            if let Err(e) = l.plan.check_components() {
                eprintln!("{}: {e}", path.display());
                return Ok(ExitCode::from(1));
            }
            println!(
                "{}: ok ({} sources, {} pipelines, {} sinks; ingest CPUs {}, sink CPUs {})",
                path.display(),
                l.plan.sources.len(),
                l.plan.pipelines.len(),
                l.plan.sinks.len(),
                sluice_shards::format_cpu_list(&l.plan.ingest_cpus),
                sluice_shards::format_cpu_list(&l.plan.sink_cpus)
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("{e}");
            Ok(ExitCode::from(1))
        }
    }
}

fn topology(path: Option<PathBuf>) -> anyhow::Result<ExitCode> {
    let l = config::load(path.as_deref()).map_err(|e| anyhow::anyhow!("{e}"))?;
    let t = &l.topology;
    println!(
        "online CPUs:  {}",
        sluice_shards::format_cpu_list(&t.online)
    );
    println!(
        "allowed CPUs: {}",
        sluice_shards::format_cpu_list(&t.allowed)
    );
    for (node, cpus) in &t.nodes {
        println!(
            "NUMA node {node}: CPUs {}",
            sluice_shards::format_cpu_list(cpus)
        );
    }
    println!(
        "shard plan ({}):",
        l.path
            .as_ref()
            .map_or("embedded default".into(), |p| p.display().to_string())
    );
    for (cpu, ingest, sink) in l.plan.cpus() {
        let mut roles = Vec::new();
        if let Some(i) = ingest {
            roles.push(format!("ingest shard {i}"));
        }
        if let Some(j) = sink {
            let sinks: Vec<&str> = l
                .plan
                .sinks
                .iter()
                .filter(|s| s.shard == j)
                .map(|s| s.id.as_str())
                .collect();
            roles.push(format!(
                "sink shard {j} (sinks: {})",
                if sinks.is_empty() {
                    "none".into()
                } else {
                    sinks.join(", ")
                }
            ));
        }
        let node = t.node_of(cpu).map_or("?".into(), |n| n.to_string());
        println!("  CPU {cpu} (NUMA node {node}): {}", roles.join(" + "));
    }
    Ok(ExitCode::SUCCESS)
}

/// Exit status after a shard panicked (EX_SOFTWARE): the supervisor should restart Sluice.
const EXIT_PANIC: u8 = 70;

fn panicked(health: &admin::Health) -> bool {
    health.lock().map_or(true, |h| h.is_some())
}

/// `/metrics`: the merged counters, and how many shards panicked.
fn render(rt: &sluice_shards::Runtime) -> String {
    let mut t = sluice_shards::metrics::render_prometheus(rt.plan(), &rt.merged());
    t.push_str("# HELP sluice_shard_panics_total Shards that panicked (each is dead; Sluice then stops and exits 70).\n");
    t.push_str("# TYPE sluice_shard_panics_total counter\n");
    t.push_str(&format!(
        "sluice_shard_panics_total {}\n",
        rt.panics().len()
    ));
    t
}

fn run(path: Option<PathBuf>) -> anyhow::Result<ExitCode> {
    let loaded = sluice_shards::on_short_lived_thread(|| config::load(path.as_deref()))
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    // Signals are counted: the first stops reading and drains, a second gives up waiting.
    let signals = Arc::new(AtomicUsize::new(0));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        let s = Arc::clone(&signals);
        // SAFETY: the handler only does an atomic add, which is async-signal-safe.
        unsafe {
            signal_hook::low_level::register(sig, move || {
                s.fetch_add(1, Ordering::SeqCst);
            })
        }
        .context("installing signal handlers")?;
    }
    // SIGHUP only asks the file sinks to reopen their paths (log rotation); it never stops.
    let hups = Arc::new(AtomicUsize::new(0));
    {
        let h = Arc::clone(&hups);
        // SAFETY: the handler only does an atomic add, which is async-signal-safe.
        unsafe {
            signal_hook::low_level::register(signal_hook::consts::SIGHUP, move || {
                h.fetch_add(1, Ordering::SeqCst);
            })
        }
        .context("installing signal handlers")?;
    }
    let timeout = loaded.plan.shutdown_timeout;
    let mut rt = sluice_shards::Runtime::start(loaded.plan).context("starting the shards")?;
    let text: admin::MetricsText = Arc::new(Mutex::new(render(&rt)));
    let health: admin::Health = Arc::new(Mutex::new(None));
    if let Some(addr) = loaded.admin {
        let local = admin::serve(addr, Arc::clone(&text), Arc::clone(&health))
            .with_context(|| format!("admin endpoint on {addr}"))?;
        tracing::info!(%local, "metrics at http://{local}/metrics");
    }
    for (id, addr) in &rt.listen {
        tracing::info!(source = %id, %addr, "listening");
    }
    tracing::info!("sluice is running");
    let mut seen = 0;
    let mut hups_seen = 0;
    loop {
        match rt.poll(Duration::from_millis(100)) {
            sluice_shards::Poll::Updated => {
                if let Ok(mut t) = text.lock() {
                    *t = render(&rt);
                }
            }
            sluice_shards::Poll::Quiet => {}
            // Every source reached its end (stdin or files only) and everything was delivered.
            sluice_shards::Poll::Gone => {
                tracing::info!("every source has ended; shutting down");
                break;
            }
        }
        if let Some((cpu, message)) = rt.panics().first() {
            // A dead shard's sockets, rings and sinks are gone, and lossless sources on
            // other shards would wait on its rings forever: stop everything and exit
            // non-zero so the supervisor restarts Sluice.
            let why = format!("shard on CPU {cpu} panicked: {message}");
            tracing::error!("{why}; shutting down");
            if let Ok(mut h) = health.lock() {
                *h = Some(why);
            }
            if let Ok(mut t) = text.lock() {
                *t = render(&rt);
            }
            break;
        }
        let h = hups.load(Ordering::SeqCst);
        if h > hups_seen {
            hups_seen = h;
            tracing::info!("SIGHUP: file sinks reopen their paths");
            rt.reopen();
        }
        let n = signals.load(Ordering::SeqCst);
        if n > seen {
            seen = n;
            break;
        }
    }
    tracing::info!("stopping: no new connections or reads; draining");
    rt.stop();
    let plan = rt.plan().clone();
    // A second signal while draining gives up on what is still in flight.
    let (totals, clean) = rt.join(timeout, &|| signals.load(Ordering::SeqCst) > seen);
    eprint!("{}", summary::render(&plan, &totals));
    if panicked(&health) {
        eprintln!("a shard panicked: exiting with status {EXIT_PANIC}");
        return Ok(ExitCode::from(EXIT_PANIC));
    }
    if clean {
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!("shutdown was cut short: some data may not have been delivered");
        Ok(ExitCode::from(1))
    }
}
