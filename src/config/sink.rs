//! One `[[sink]]` table -> its validated plan.

use std::path::Path;
use std::time::Duration;

use sluice_shards::{ComponentSpec, SinkKind, SinkPlan};
use toml::Spanned;

use super::build::path_of;
use super::raw::RawSink;
use super::values::{addr, component, duration, size};
use super::{ConfigError, Source};

pub(super) fn sink(
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
    let mut default_codec: Option<ComponentSpec> = None;
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
            fsync: s.fsync.as_ref().is_some_and(|f| *f.get_ref()),
        },
        "stdout" => SinkKind::Stdout,
        "stderr" => SinkKind::Stderr,
        "tcp" => {
            let address = need(&s.address, "address")?;
            SinkKind::Tcp {
                addr: addr(src, &key("address"), &address)?,
                backoff_min: dur(&s.backoff_min, "backoff_min", Duration::from_millis(100))?,
                backoff_max: dur(&s.backoff_max, "backoff_max", Duration::from_secs(30))?,
                tls: match &s.tls {
                    Some(_) => Some(super::connectors::sink_tls(
                        src,
                        s,
                        &key,
                        base,
                        address.get_ref(),
                    )?),
                    None => None,
                },
            }
        }
        "udp" => SinkKind::Udp {
            addr: addr(src, &key("address"), &need(&s.address, "address")?)?,
        },
        "blackhole" => SinkKind::Blackhole {
            hgrm: s.hgrm.as_ref().map(|h| path_of(base, h.get_ref())),
        },
        "elasticsearch" => {
            let (plan, codec) = super::connectors::elastic_sink(src, s, &key, base)?;
            default_codec = Some(codec);
            if let Some(c) = &s.codec {
                if !matches!(c.get_ref(), super::raw::ComponentField::Name(n) if n == "elastic-bulk")
                    && !matches!(c.get_ref(), super::raw::ComponentField::Table(t) if t.get("name").and_then(|n| n.as_str()) == Some("elastic-bulk"))
                {
                    return Err(src.error(
                        c.span(),
                        key("codec"),
                        "an `elasticsearch` sink writes `elastic-bulk` (leave `codec` out)",
                    ));
                }
            }
            SinkKind::Elasticsearch(plan)
        }
        "http" => SinkKind::Http(super::connectors::http_sink(src, s, &key, base)?),
        "kafka" => SinkKind::Kafka(Box::new(super::kafka::sink(src, s, base)?)),
        other => {
            let known = [
                "file",
                "stdout",
                "stderr",
                "tcp",
                "udp",
                "blackhole",
                "elasticsearch",
                "http",
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
    if let (Some(tls), false) = (
        &s.tls,
        matches!(t, "tcp" | "http" | "elasticsearch" | "kafka"),
    ) {
        return Err(src.error(
            tls.span(),
            key("tls"),
            format!("a `{t}` sink takes no `tls` (tcp, http, elasticsearch and kafka sinks do)"),
        ));
    }
    if t != "kafka" {
        // `compression` is also an http/elasticsearch sink key (gzip request bodies).
        let bodies = matches!(t, "elasticsearch" | "http");
        if let Some(k) = super::kafka::stray_sink_key(s, bodies) {
            return Err(src.error(
                s.kind.span(),
                key(k),
                format!("a `{t}` sink takes no `{k}`"),
            ));
        }
    }
    let codec = match (&s.codec, default_codec) {
        (None, Some(d)) => d,
        // A sink's codec also says now whether it has a header it cannot know in advance.
        (Some(c), _) => component(src, &key("codec"), c, |spec| {
            spec.codec().and_then(|mut codec| codec.detach_header())
        })?,
        (None, None) => ComponentSpec::named("json"),
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
