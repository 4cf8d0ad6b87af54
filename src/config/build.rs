//! Raw config -> validated plan: every reference resolved, every value checked.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use sluice_shards::{
    ComponentSpec, CpuSpec, OnFull, PipelinePlan, Plan, SinkKind, SinkPlan, SourceKind, SourcePlan,
    Topology,
};
use toml::Spanned;

use super::raw::{CpuField, Raw, RawPipeline, RawSink, RawSource};
use super::values::{addr, component, duration, size};
use super::{ConfigError, Source};

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

fn unique_ids<'r>(
    src: &Source<'_>,
    what: &str,
    ids: impl Iterator<Item = &'r Spanned<String>>,
) -> Result<HashMap<String, usize>, ConfigError> {
    let mut map = HashMap::new();
    for (i, id) in ids.enumerate() {
        if id.get_ref().is_empty() {
            return Err(src.error(id.span(), format!("{what}.id"), "an id cannot be empty"));
        }
        if map.insert(id.get_ref().clone(), i).is_some() {
            return Err(src.error(
                id.span(),
                format!("{what}.id"),
                format!("duplicate {what} id `{}`", id.get_ref()),
            ));
        }
    }
    Ok(map)
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

pub(super) fn build(
    src: &Source<'_>,
    raw: Raw,
    topo: &Topology,
    base: Option<&Path>,
) -> Result<(Plan, Option<SocketAddr>), ConfigError> {
    let sh = &raw.shards;
    let ingest_cpus = match &sh.ingest {
        Some(f) => cpus(src, "shards.ingest", f, topo)?,
        None => vec![topo.allowed.first().copied().unwrap_or(0)],
    };
    let sink_cpus = match &sh.sink {
        Some(f) => cpus(src, "shards.sink", f, topo)?,
        None => ingest_cpus.clone(),
    };
    let ring_capacity = match &sh.ring_capacity {
        Some(r) if *r.get_ref() == 0 => {
            return Err(src.error(r.span(), "shards.ring_capacity", "must be at least 1"))
        }
        Some(r) => *r.get_ref(),
        None => 64,
    };
    let batch_bytes = match &sh.batch_size {
        Some(b) => size(src, "shards.batch_size", b)?.max(512),
        None => 64 * 1024,
    };
    let shutdown_timeout = match &sh.shutdown_timeout {
        Some(d) => duration(src, "shards.shutdown_timeout", d)?,
        None => Duration::from_secs(10),
    };
    let (admin, metrics_interval) = match &raw.admin {
        Some(a) => (
            a.listen
                .as_ref()
                .map(|l| addr(src, "admin.listen", l))
                .transpose()?,
            a.metrics_interval
                .as_ref()
                .map(|d| duration(src, "admin.metrics_interval", d))
                .transpose()?,
        ),
        None => (None, None),
    };
    let metrics_interval = metrics_interval
        .unwrap_or(Duration::from_secs(2))
        .max(Duration::from_millis(100));

    let source_ids = unique_ids(src, "source", raw.sources.iter().map(|s| &s.id))?;
    let pipeline_ids = unique_ids(src, "pipeline", raw.pipelines.iter().map(|p| &p.id))?;
    let sink_ids = unique_ids(src, "sink", raw.sinks.iter().map(|s| &s.id))?;
    let _ = source_ids;

    let mut sinks = Vec::with_capacity(raw.sinks.len());
    for (i, s) in raw.sinks.iter().enumerate() {
        sinks.push(sink(src, s, i, &sink_cpus, base)?);
    }
    let mut pipelines = Vec::with_capacity(raw.pipelines.len());
    for p in &raw.pipelines {
        pipelines.push(pipeline(src, p, &sink_ids, base)?);
    }
    let mut sources: Vec<SourcePlan> = Vec::with_capacity(raw.sources.len());
    let mut ports_in_use: Vec<(SocketAddr, bool, String)> = Vec::new();
    for s in &raw.sources {
        let plan = source(src, s, &pipeline_ids, base)?;
        if let SourceKind::Tcp { listen, .. } | SourceKind::Udp { listen, .. } = &plan.kind {
            let udp = matches!(plan.kind, SourceKind::Udp { .. });
            if let Some((_, _, other)) = ports_in_use
                .iter()
                .find(|(a, u, _)| *u == udp && clash(*a, *listen))
            {
                let span = s.listen.as_ref().map_or(s.id.span(), Spanned::span);
                return Err(src.error(
                    span,
                    format!("source.{}.listen", s.id.get_ref()),
                    format!("{listen} is already used by source `{other}`"),
                ));
            }
            if let Some(a) = admin.filter(|a| !udp && clash(*a, *listen)) {
                let span = s.listen.as_ref().map_or(s.id.span(), Spanned::span);
                return Err(src.error(
                    span,
                    format!("source.{}.listen", s.id.get_ref()),
                    format!("{a} is the admin endpoint's address"),
                ));
            }
            ports_in_use.push((*listen, udp, s.id.get_ref().clone()));
        }
        if matches!(plan.kind, SourceKind::Stdin)
            && sources.iter().any(|o| matches!(o.kind, SourceKind::Stdin))
        {
            return Err(src.error(
                s.kind.span(),
                format!("source.{}.type", s.id.get_ref()),
                "only one source can read stdin",
            ));
        }
        sources.push(plan);
    }
    let plan = Plan {
        ingest_cpus,
        sink_cpus,
        ring_capacity,
        batch_bytes,
        metrics_interval,
        shutdown_timeout,
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
            SourceKind::Tcp {
                listen,
                max_connections,
                idle_timeout,
                memory_budget,
            }
        }
        "udp" => {
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
            forbid(s.listen.is_some(), "listen", t)?;
            forbid(s.path.is_some(), "path", t)?;
            SourceKind::Stdin
        }
        "file" => {
            forbid(s.listen.is_some(), "listen", t)?;
            SourceKind::File {
                path: path_of(base, need(&s.path, "path", t)?.get_ref()),
            }
        }
        "kafka" => {
            forbid(s.listen.is_some(), "listen", t)?;
            forbid(s.path.is_some(), "path", t)?;
            SourceKind::Kafka(Box::new(super::kafka::source(src, s)?))
        }
        other => {
            let known = ["tcp", "udp", "stdin", "file", "kafka"];
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
    let codec = match &s.codec {
        Some(c) => component(src, &key("codec"), c, ComponentSpec::codec)?,
        None => ComponentSpec::named("json"),
    };
    let preprocessors = s
        .preprocessors
        .iter()
        .map(|p| component(src, &key("preprocessors"), p, ComponentSpec::preprocessor))
        .collect::<Result<Vec<_>, _>>()?;
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
    let names: Vec<String> = ports.iter().map(|(n, _)| n.clone()).collect();
    let script = super::script::compile(src, p, &names, base)?;
    Ok(PipelinePlan {
        id: id.clone(),
        ports,
        script,
    })
}

fn sink(
    src: &Source<'_>,
    s: &RawSink,
    index: usize,
    sink_cpus: &[usize],
    base: Option<&Path>,
) -> Result<SinkPlan, ConfigError> {
    let id = s.id.get_ref();
    let key = |k: &str| format!("sink.{id}.{k}");
    let t = s.kind.get_ref().as_str();
    let need = |f: &Option<Spanned<String>>, k: &str| {
        f.as_ref()
            .ok_or_else(|| src.error(s.kind.span(), key(k), format!("a `{t}` sink needs `{k}`")))
            .cloned()
    };
    let dur = |f: &Option<Spanned<String>>, k: &str, d: Duration| {
        f.as_ref().map_or(Ok(d), |x| duration(src, &key(k), x))
    };
    let kind = match t {
        "file" => SinkKind::File {
            path: path_of(base, need(&s.path, "path")?.get_ref()),
            flush_interval: dur(&s.flush_interval, "flush_interval", Duration::from_secs(1))?,
            buffer: s
                .buffer
                .as_ref()
                .map(|b| size(src, &key("buffer"), b))
                .transpose()?
                .unwrap_or(256 * 1024),
        },
        "stdout" => SinkKind::Stdout,
        "stderr" => SinkKind::Stderr,
        "tcp" => SinkKind::Tcp {
            addr: addr(src, &key("address"), &need(&s.address, "address")?)?,
            backoff_min: dur(&s.backoff_min, "backoff_min", Duration::from_millis(100))?,
            backoff_max: dur(&s.backoff_max, "backoff_max", Duration::from_secs(30))?,
        },
        "udp" => SinkKind::Udp {
            addr: addr(src, &key("address"), &need(&s.address, "address")?)?,
        },
        "blackhole" => SinkKind::Blackhole {
            hgrm: s.hgrm.as_ref().map(|h| path_of(base, h.get_ref())),
        },
        "kafka" => SinkKind::Kafka(Box::new(super::kafka::sink(src, s)?)),
        other => {
            let known = [
                "file",
                "stdout",
                "stderr",
                "tcp",
                "udp",
                "blackhole",
                "kafka",
            ];
            let hint = sluice_codecs::did_you_mean(other, &known);
            return Err(src.error(
                s.kind.span(),
                key("type"),
                format!(
                    "unknown sink type `{other}`{hint} (known: {})",
                    known.join(", ")
                ),
            ));
        }
    };
    if t != "kafka" {
        if let Some(k) = super::kafka::stray_sink_key(s) {
            return Err(src.error(
                s.kind.span(),
                key(k),
                format!("a `{t}` sink takes no `{k}`"),
            ));
        }
    }
    let codec = match &s.codec {
        Some(c) => component(src, &key("codec"), c, ComponentSpec::codec)?,
        None => ComponentSpec::named("json"),
    };
    let postprocessors = s
        .postprocessors
        .iter()
        .map(|p| component(src, &key("postprocessors"), p, ComponentSpec::postprocessor))
        .collect::<Result<Vec<_>, _>>()?;
    let shard = match &s.cpu {
        Some(c) => sink_cpus
            .iter()
            .position(|x| x == c.get_ref())
            .ok_or_else(|| {
                src.error(
                    c.span(),
                    key("cpu"),
                    format!("CPU {} is not one of the sink CPUs", c.get_ref()),
                )
            })?,
        None => index % sink_cpus.len().max(1),
    };
    Ok(SinkPlan {
        id: id.clone(),
        kind,
        codec,
        postprocessors,
        shard,
    })
}
