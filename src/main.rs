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
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
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

fn run(path: Option<PathBuf>) -> anyhow::Result<ExitCode> {
    let loaded = config::load(path.as_deref()).map_err(|e| anyhow::anyhow!("{e}"))?;
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
    let timeout = loaded.plan.shutdown_timeout;
    let mut rt = sluice_shards::Runtime::start(loaded.plan).context("starting the shards")?;
    let text: admin::MetricsText = Arc::new(Mutex::new(sluice_shards::metrics::render_prometheus(
        rt.plan(),
        &rt.merged(),
    )));
    if let Some(addr) = loaded.admin {
        let local = admin::serve(addr, Arc::clone(&text))
            .with_context(|| format!("admin endpoint on {addr}"))?;
        tracing::info!(%local, "metrics at http://{local}/metrics");
    }
    for (id, addr) in &rt.listen {
        tracing::info!(source = %id, %addr, "listening");
    }
    tracing::info!("sluice is running");
    let mut seen = 0;
    loop {
        match rt.poll(Duration::from_millis(100)) {
            sluice_shards::Poll::Updated => {
                if let Ok(mut t) = text.lock() {
                    *t = sluice_shards::metrics::render_prometheus(rt.plan(), &rt.merged());
                }
            }
            sluice_shards::Poll::Quiet => {}
            // Every source reached its end (stdin or files only) and everything was delivered.
            sluice_shards::Poll::Gone => {
                tracing::info!("every source has ended; shutting down");
                break;
            }
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
    if clean {
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!("shutdown was cut short: some data may not have been delivered");
        Ok(ExitCode::from(1))
    }
}
