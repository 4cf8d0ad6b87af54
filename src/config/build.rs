//! Raw config -> validated plan: every reference resolved, every value checked.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use sluice_shards::{
    ComponentSpec, CpuSpec, OnFull, PipelinePlan, Plan, SourceKind, SourcePlan, Topology,
};
use toml::Spanned;

use super::raw::{CpuField, Raw, RawPipeline, RawSource};
use super::sink::sink;
use super::values::{addr, component, duration, size};
use super::{ConfigError, Source};

/// `shards.park_spin` when the config says nothing: see `bench/results/latency.md`
/// (the cross-core wake-up it saves, and the CPU it costs while traffic flows).
const DEFAULT_PARK_SPIN: Duration = Duration::from_micros(0);
/// Longest `shards.park_spin`: it is a busy poll, meant to bridge the gaps between batches
/// of a flowing stream (tens to hundreds of µs), not to keep a core busy through pauses.
const MAX_PARK_SPIN: Duration = Duration::from_millis(10);

/// Per-shard connection limit when the config gives none.
const DEFAULT_MAX_CONNECTIONS: usize = 10_000;
/// Largest UDP payload.
const DEFAULT_MAX_DATAGRAM: usize = 65_535;
const DEFAULT_READ_BUFFER: usize = 256 * 1024;

fn cpus(
    src: &Source<'_>,
    key: &str,
    f: &Spanned<CpuField>,
    topo: &Topology,
) -> Result<Vec<usize>, ConfigError> {
    let err = |m: String| src.error(f.span(), key, m);
    let spec = match f.get_ref() {
        CpuField::List(l) => {
            let mut out = Vec::with_capacity(l.len());
            for c in l {
                out.push(usize::try_from(*c).map_err(|_| err(format!("{c} is not a CPU number")))?);
            }
            if out.is_empty() {
                return Err(err("the CPU list is empty".into()));
            }
            CpuSpec::List(out)
        }
        CpuField::Text(t) => CpuSpec::parse(t).map_err(|e| err(e.to_string()))?,
        CpuField::PerNuma(p) => CpuSpec::PerNumaNode(p.per_numa_node),
    };
    let list = spec.resolve(topo).map_err(|e| err(e.to_string()))?;
    if list.is_empty() {
        return Err(err("names no CPU".into()));
    }
    Ok(list)
}

/// Ids to their index; an empty or repeated id is an error (the first of equal ids counts).
fn unique_ids<'r>(
    src: &Source<'_>,
    what: &str,
    ids: impl Iterator<Item = &'r Spanned<String>>,
    errs: &mut Errors,
) -> HashMap<String, usize> {
    let mut map = HashMap::new();
    for (i, id) in ids.enumerate() {
        if id.get_ref().is_empty() {
            errs.ok::<()>(Err(src.error(
                id.span(),
                format!("{what}.id"),
                "an id cannot be empty",
            )));
        } else if map.contains_key(id.get_ref()) {
            errs.ok::<()>(Err(src.error(
                id.span(),
                format!("{what}.id"),
                format!("duplicate {what} id `{}`", id.get_ref()),
            )));
        } else {
            map.insert(id.get_ref().clone(), i);
        }
    }
    map
}

fn lookup(
    src: &Source<'_>,
    key: &str,
    what: &str,
    ids: &HashMap<String, usize>,
    name: &Spanned<String>,
) -> Result<usize, ConfigError> {
    ids.get(name.get_ref()).copied().ok_or_else(|| {
        let names: Vec<&str> = ids.keys().map(String::as_str).collect();
        let hint = sluice_codecs::did_you_mean(name.get_ref(), &names);
        src.error(
            name.span(),
            key,
            format!("unknown {what} `{}`{hint}", name.get_ref()),
        )
    })
}

pub(super) fn path_of(base: Option<&Path>, p: &str) -> PathBuf {
    let p = PathBuf::from(p);
    match base {
        Some(b) if p.is_relative() && !b.as_os_str().is_empty() => b.join(p),
        _ => p,
    }
}

/// Collects every error of a config, so that `sluice check` reports them all at once.
#[derive(Default)]
pub(super) struct Errors(Vec<ConfigError>);

impl Errors {
    /// The value of `r`, or `None` with its error kept.
    pub(super) fn ok<T>(&mut self, r: Result<T, ConfigError>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.0.push(e);
                None
            }
        }
    }

    /// Every error, in file order (line, then column); `Ok` if there is none.
    pub(super) fn finish(mut self) -> Result<(), Vec<ConfigError>> {
        if self.0.is_empty() {
            return Ok(());
        }
        self.0.sort_by_key(|e| (e.line, e.column));
        Err(self.0)
    }
}

pub(super) fn build(
    src: &Source<'_>,
    raw: Raw,
    topo: &Topology,
    base: Option<&Path>,
) -> Result<(Plan, Option<SocketAddr>), Vec<ConfigError>> {
    // Every part is checked even after an error, so that all of them are reported; a part
    // that failed is replaced by a default that lets the rest be checked.
    let mut errs = Errors::default();
    let default_cpu = vec![topo.allowed.first().copied().unwrap_or(0)];
    let sh = &raw.shards;
    let ingest_cpus = match &sh.ingest {
        Some(f) => errs
            .ok(cpus(src, "shards.ingest", f, topo))
            .unwrap_or_else(|| default_cpu.clone()),
        None => default_cpu.clone(),
    };
    let sink_cpus = match &sh.sink {
        Some(f) => errs
            .ok(cpus(src, "shards.sink", f, topo))
            .unwrap_or_else(|| ingest_cpus.clone()),
        None => ingest_cpus.clone(),
    };
    let ring_capacity = match &sh.ring_capacity {
        Some(r) if *r.get_ref() == 0 => {
            errs.ok::<()>(Err(src.error(
                r.span(),
                "shards.ring_capacity",
                "must be at least 1",
            )));
            64
        }
        Some(r) => *r.get_ref(),
        None => 64,
    };
    let batch_bytes = match &sh.batch_size {
        Some(b) => errs
            .ok(size(src, "shards.batch_size", b))
            .unwrap_or(64 * 1024)
            .max(512),
        None => 64 * 1024,
    };
    let shutdown_timeout = match &sh.shutdown_timeout {
        Some(d) => errs
            .ok(duration(src, "shards.shutdown_timeout", d))
            .unwrap_or(Duration::from_secs(10)),
        None => Duration::from_secs(10),
    };
    let park_spin = match &sh.park_spin {
        Some(d) => match errs.ok(duration(src, "shards.park_spin", d)) {
            Some(v) if v > MAX_PARK_SPIN => {
                errs.ok::<()>(Err(src.error(
                    d.span(),
                    "shards.park_spin",
                    "at most 10ms: it busy-polls a core (typical: 50us-200us, or 0s for off)",
                )));
                DEFAULT_PARK_SPIN
            }
            Some(v) => v,
            None => DEFAULT_PARK_SPIN,
        },
        None => DEFAULT_PARK_SPIN,
    };
    let nice = sh.nice.as_ref().and_then(|n| {
        let v = *n.get_ref();
        let ok = i32::try_from(v).ok().filter(|v| (-20..=19).contains(v));
        if ok.is_none() {
            errs.ok::<()>(Err(src.error(
                n.span(),
                "shards.nice",
                format!("{v} is not a nice value: -20 (most favoured) to 19"),
            )));
        }
        ok
    });
    let (admin, metrics_interval) = match &raw.admin {
        Some(a) => (
            a.listen
                .as_ref()
                .and_then(|l| errs.ok(addr(src, "admin.listen", l))),
            a.metrics_interval
                .as_ref()
                .and_then(|d| errs.ok(duration(src, "admin.metrics_interval", d))),
        ),
        None => (None, None),
    };
    let metrics_interval = metrics_interval
        .unwrap_or(Duration::from_secs(2))
        .max(Duration::from_millis(100));

    let source_ids = unique_ids(src, "source", raw.sources.iter().map(|s| &s.id), &mut errs);
    let pipeline_ids = unique_ids(
        src,
        "pipeline",
        raw.pipelines.iter().map(|p| &p.id),
        &mut errs,
    );
    let sink_ids = unique_ids(src, "sink", raw.sinks.iter().map(|s| &s.id), &mut errs);
    let _ = source_ids;

    let mut sinks = Vec::with_capacity(raw.sinks.len());
    for (i, s) in raw.sinks.iter().enumerate() {
        if let Some(s) = errs.ok(sink(src, s, i, &sink_cpus, base)) {
            sinks.push(s);
        }
    }
    let mut pipelines = Vec::with_capacity(raw.pipelines.len());
    for p in &raw.pipelines {
        if let Some(p) = errs.ok(pipeline(src, p, &sink_ids, base)) {
            pipelines.push(p);
        }
    }
    let mut sources: Vec<SourcePlan> = Vec::with_capacity(raw.sources.len());
    let mut ports_in_use: Vec<(SocketAddr, bool, String)> = Vec::new();
    for s in &raw.sources {
        let Some(plan) = errs.ok(source(src, s, &pipeline_ids, base)) else {
            continue;
        };
        if let SourceKind::Tcp { listen, .. }
        | SourceKind::TcpTls { listen, .. }
        | SourceKind::Udp { listen, .. }
        | SourceKind::Http(sluice_shards::HttpSourcePlan { listen, .. }) = &plan.kind
        {
            let udp = matches!(plan.kind, SourceKind::Udp { .. });
            let span = s.listen.as_ref().map_or(s.id.span(), Spanned::span);
            let key = format!("source.{}.listen", s.id.get_ref());
            if let Some((_, _, other)) = ports_in_use
                .iter()
                .find(|(a, u, _)| *u == udp && clash(*a, *listen))
            {
                errs.ok::<()>(Err(src.error(
                    span.clone(),
                    key.clone(),
                    format!("{listen} is already used by source `{other}`"),
                )));
            }
            if let Some(a) = admin.filter(|a| !udp && clash(*a, *listen)) {
                errs.ok::<()>(Err(src.error(
                    span,
                    key,
                    format!("{a} is the admin endpoint's address"),
                )));
            }
            ports_in_use.push((*listen, udp, s.id.get_ref().clone()));
        }
        if matches!(plan.kind, SourceKind::Stdin)
            && sources.iter().any(|o| matches!(o.kind, SourceKind::Stdin))
        {
            errs.ok::<()>(Err(src.error(
                s.kind.span(),
                format!("source.{}.type", s.id.get_ref()),
                "only one source can read stdin",
            )));
        }
        sources.push(plan);
    }
    errs.finish()?;
    let plan = Plan {
        ingest_cpus,
        sink_cpus,
        ring_capacity,
        batch_bytes,
        metrics_interval,
        shutdown_timeout,
        park_spin,
        nice,
        sources,
        pipelines,
        sinks,
    };
    Ok((plan, admin))
}

/// Two listen addresses collide when ports match and either is a wildcard or both are equal.
fn clash(a: SocketAddr, b: SocketAddr) -> bool {
    a.port() != 0
        && a.port() == b.port()
        && (a.ip() == b.ip() || a.ip().is_unspecified() || b.ip().is_unspecified())
}

fn source(
    src: &Source<'_>,
    s: &RawSource,
    pipelines: &HashMap<String, usize>,
    base: Option<&Path>,
) -> Result<SourcePlan, ConfigError> {
    let id = s.id.get_ref();
    let key = |k: &str| format!("source.{id}.{k}");
    let need = |f: &Option<Spanned<String>>, k: &str, t: &str| {
        f.as_ref()
            .ok_or_else(|| src.error(s.kind.span(), key(k), format!("a `{t}` source needs `{k}`")))
            .cloned()
    };
    let forbid = |f: bool, k: &str, t: &str| {
        if f {
            Err(src.error(
                s.kind.span(),
                key(k),
                format!("a `{t}` source takes no `{k}`"),
            ))
        } else {
            Ok(())
        }
    };
    let t = s.kind.get_ref().as_str();
    let max_datagram = s
        .max_datagram
        .as_ref()
        .map(|m| size(src, &key("max_datagram"), m))
        .transpose()?;
    if t != "tcp" {
        forbid(s.idle_timeout.is_some(), "idle_timeout", t)?;
        forbid(s.memory_budget.is_some(), "memory_budget", t)?;
    }
    let kind = match t {
        "tcp" => {
            forbid(s.path.is_some(), "path", t)?;
            let listen = addr(src, &key("listen"), &need(&s.listen, "listen", t)?)?;
            let max_connections = s
                .max_connections
                .as_ref()
                .map_or(DEFAULT_MAX_CONNECTIONS, |m| *m.get_ref());
            let idle_timeout = s
                .idle_timeout
                .as_ref()
                .map(|d| duration(src, &key("idle_timeout"), d))
                .transpose()?;
            let memory_budget = s
                .memory_budget
                .as_ref()
                .map(|m| size(src, &key("memory_budget"), m))
                .transpose()?;
            match super::connectors::tls(src, s, &key, base)? {
                Some(tls) => SourceKind::TcpTls {
                    listen,
                    max_connections,
                    tls,
                },
                None => SourceKind::Tcp {
                    listen,
                    max_connections,
                    idle_timeout,
                    memory_budget,
                },
            }
        }
        "udp" => {
            forbid(s.tls.is_some(), "tls", t)?;
            forbid(s.path.is_some(), "path", t)?;
            let listen = addr(src, &key("listen"), &need(&s.listen, "listen", t)?)?;
            let recv_buffer = s
                .recv_buffer
                .as_ref()
                .map(|r| size(src, &key("recv_buffer"), r))
                .transpose()?;
            SourceKind::Udp {
                listen,
                recv_buffer,
                max_datagram: max_datagram
                    .unwrap_or(DEFAULT_MAX_DATAGRAM)
                    .clamp(1, 65_535),
            }
        }
        "stdin" => {
            forbid(s.tls.is_some(), "tls", t)?;
            forbid(s.listen.is_some(), "listen", t)?;
            forbid(s.path.is_some(), "path", t)?;
            SourceKind::Stdin
        }
        "file" => {
            forbid(s.tls.is_some(), "tls", t)?;
            forbid(s.listen.is_some(), "listen", t)?;
            SourceKind::File {
                path: path_of(base, need(&s.path, "path", t)?.get_ref()),
            }
        }
        "http" => {
            let max_connections = s
                .max_connections
                .as_ref()
                .map_or(DEFAULT_MAX_CONNECTIONS, |m| *m.get_ref());
            super::connectors::http_source(src, s, &key, max_connections, base)?
        }
        "tail" => {
            forbid(s.tls.is_some(), "tls", t)?;
            forbid(s.listen.is_some(), "listen", t)?;
            forbid(s.path.is_some(), "path", t)?;
            super::connectors::tail_source(src, s, &key, base)?
        }
        "kafka" => {
            forbid(s.listen.is_some(), "listen", t)?;
            forbid(s.path.is_some(), "path", t)?;
            SourceKind::Kafka(Box::new(super::kafka::source(src, s, base)?))
        }
        other => {
            let known = ["tcp", "udp", "stdin", "file", "http", "tail", "kafka"];
            let hint = sluice_codecs::did_you_mean(other, &known);
            return Err(src.error(
                s.kind.span(),
                key("type"),
                format!(
                    "unknown source type `{other}`{hint} (known: {})",
                    known.join(", ")
                ),
            ));
        }
    };
    if t != "kafka" {
        if let Some(k) = super::kafka::stray_source_key(s) {
            forbid(true, k, t)?;
        }
    }
    if t != "http" {
        forbid(s.ack.is_some(), "ack", t)?;
        forbid(s.ack_timeout.is_some(), "ack_timeout", t)?;
        forbid(s.max_unacked.is_some(), "max_unacked", t)?;
    }
    let codec = match &s.codec {
        Some(c) => {
            let spec = component(src, &key("codec"), c, ComponentSpec::codec)?;
            if spec.codec().is_ok_and(|codec| !codec.decodes()) {
                return Err(src.error(
                    c.span(),
                    key("codec"),
                    format!(
                        "`{}` only encodes (a sink codec); a source needs one that decodes",
                        spec.name
                    ),
                ));
            }
            spec
        }
        None => ComponentSpec::named("json"),
    };
    let mut preprocessors = s
        .preprocessors
        .iter()
        .map(|p| component(src, &key("preprocessors"), p, ComponentSpec::preprocessor))
        .collect::<Result<Vec<_>, _>>()?;
    // Bodies and files hold many events: without framing of their own, lines.
    if preprocessors.is_empty() && matches!(t, "http" | "tail") {
        preprocessors.push(ComponentSpec::named("separate"));
    }
    let on_full = match s.on_full.as_ref().map(|o| (o.get_ref().as_str(), o.span())) {
        None => {
            if t == "udp" {
                OnFull::Drop
            } else {
                OnFull::Block
            }
        }
        Some(("block", _)) => OnFull::Block,
        Some(("drop", _)) => OnFull::Drop,
        Some((other, span)) => {
            return Err(src.error(
                span,
                key("on_full"),
                format!("`{other}` is not `block` or `drop`"),
            ))
        }
    };
    let read_buffer = s
        .read_buffer
        .as_ref()
        .map(|r| size(src, &key("read_buffer"), r))
        .transpose()?
        .unwrap_or(DEFAULT_READ_BUFFER)
        .max(1024);
    let pipeline = lookup(src, &key("pipeline"), "pipeline", pipelines, &s.pipeline)?;
    Ok(SourcePlan {
        id: id.clone(),
        kind,
        preprocessors,
        codec,
        pipeline,
        on_full,
        read_buffer,
    })
}

fn pipeline(
    src: &Source<'_>,
    p: &RawPipeline,
    sinks: &HashMap<String, usize>,
    base: Option<&Path>,
) -> Result<PipelinePlan, ConfigError> {
    let id = p.id.get_ref();
    let resolve = |port: &str, list: &[Spanned<String>]| -> Result<Vec<usize>, ConfigError> {
        list.iter()
            .map(|s| lookup(src, &format!("pipeline.{id}.{port}"), "sink", sinks, s))
            .collect()
    };
    let mut ports = vec![
        ("out".to_string(), resolve("out", &p.out)?),
        ("err".to_string(), resolve("err", &p.err)?),
    ];
    for (name, v) in &p.ports {
        let key = format!("pipeline.{id}.ports.{name}");
        if name == "out" || name == "err" {
            return Err(src.error(
                p.id.span(),
                key,
                format!("set `{name}` directly on the pipeline"),
            ));
        }
        let list: Vec<Spanned<String>> = v
            .as_array()
            .ok_or_else(|| src.error(p.id.span(), key.clone(), "expected a list of sink ids"))?
            .iter()
            .map(|x| x.as_str().map(|s| Spanned::new(p.id.span(), s.to_string())))
            .collect::<Option<_>>()
            .ok_or_else(|| src.error(p.id.span(), key.clone(), "expected a list of sink ids"))?;
        ports.push((name.clone(), resolve(&format!("ports.{name}"), &list)?));
    }
    let shaper = super::shaper::plan(src, p, &mut ports)?;
    let names: Vec<String> = ports.iter().map(|(n, _)| n.clone()).collect();
    let script = super::script::compile(src, p, &names, base)?;
    Ok(PipelinePlan {
        id: id.clone(),
        ports,
        script,
        shaper,
    })
}
