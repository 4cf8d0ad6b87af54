//! The `kafka` source and sink keys: checked here, before anything starts, as far as a
//! config can be checked without a broker (addresses, topic names, known settings).

use std::path::Path;
use std::time::Duration;

use sluice_shards::{KafkaProps, KafkaSinkPlan, KafkaSourcePlan};
use toml::Spanned;

mod security;
pub use security::RawSasl;
use security::{no_overlap, security, ClientTls, Security};

use super::raw::{RawSink, RawSource};
use super::values::{duration, size};
use super::{ConfigError, Source};

/// Compression codecs librdkafka is built with here.
const COMPRESSIONS: [&str; 5] = ["none", "gzip", "lz4", "zstd", "snappy"];

fn brokers(
    src: &Source<'_>,
    key: &str,
    f: Option<&Spanned<Vec<String>>>,
    at: std::ops::Range<usize>,
    what: &str,
) -> Result<Vec<String>, ConfigError> {
    let f = f.ok_or_else(|| src.error(at, key, format!("a `kafka` {what} needs `brokers`")))?;
    if f.get_ref().is_empty() {
        return Err(src.error(f.span(), key, "the broker list is empty"));
    }
    for b in f.get_ref() {
        let ok = b
            .rsplit_once(':')
            .is_some_and(|(h, p)| !h.is_empty() && p.parse::<u16>().is_ok_and(|p| p > 0));
        if !ok {
            return Err(src.error(
                f.span(),
                key,
                format!("`{b}` is not a broker address like \"127.0.0.1:9092\""),
            ));
        }
    }
    Ok(f.get_ref().clone())
}

/// Kafka's rule for topic names: 1 to 249 of `[a-zA-Z0-9._-]`, not `.` or `..`.
fn topic_ok(t: &str) -> Result<(), String> {
    if t.is_empty() || t.len() > 249 {
        return Err(format!("topic `{t}` must be 1 to 249 characters long"));
    }
    if t == "." || t == ".." {
        return Err(format!("`{t}` is not a topic name"));
    }
    if let Some(c) = t
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
    {
        return Err(format!(
            "topic `{t}` has `{c}`; topic names use letters, digits, `.`, `_` and `-`"
        ));
    }
    Ok(())
}

/// `options = { "security.protocol" = "ssl", ... }`: librdkafka properties as text.
fn options(
    src: &Source<'_>,
    key: &str,
    f: Option<&Spanned<toml::Table>>,
) -> Result<Vec<(String, String)>, ConfigError> {
    let Some(t) = f else { return Ok(Vec::new()) };
    let mut out = Vec::with_capacity(t.get_ref().len());
    for (k, v) in t.get_ref() {
        let text = match v {
            toml::Value::String(s) => s.clone(),
            toml::Value::Integer(i) => i.to_string(),
            toml::Value::Boolean(b) => b.to_string(),
            toml::Value::Float(x) => x.to_string(),
            _ => {
                return Err(src.error(
                    t.span(),
                    format!("{key}.{k}"),
                    "librdkafka properties are strings, numbers or booleans",
                ))
            }
        };
        out.push((k.clone(), text));
    }
    Ok(out)
}

/// The librdkafka properties of `tls`, `sasl` and `options`, in that order.
fn props(
    src: &Source<'_>,
    key: &dyn Fn(&str) -> String,
    sec: Security,
    f: Option<&Spanned<toml::Table>>,
) -> Result<(KafkaProps, Security), ConfigError> {
    let opts = options(src, &key("options"), f)?;
    no_overlap(src, key, &sec, &opts, f.map(Spanned::span))?;
    let mut all = sec.props.clone();
    all.extend(opts);
    Ok((KafkaProps(all), sec))
}

/// A librdkafka complaint about a built configuration, at the key it most likely concerns.
fn refused(
    src: &Source<'_>,
    key: &dyn Fn(&str) -> String,
    sec: &Security,
    options: Option<&Spanned<toml::Table>>,
    kind: std::ops::Range<usize>,
    m: String,
) -> ConfigError {
    if let Some(span) = sec.span_for(&m) {
        let k = if Some(&span) == sec.sasl_span.as_ref() {
            "sasl"
        } else {
            "tls"
        };
        return src.error(span, key(k), m);
    }
    src.error(options.map_or(kind, Spanned::span), key("options"), m)
}

fn ms(
    src: &Source<'_>,
    key: &str,
    f: Option<&Spanned<String>>,
    d: Duration,
) -> Result<Duration, ConfigError> {
    f.map_or(Ok(d), |x| duration(src, key, x))
}

pub(super) fn sink(
    src: &Source<'_>,
    s: &RawSink,
    base: Option<&Path>,
) -> Result<KafkaSinkPlan, ConfigError> {
    let id = s.id.get_ref();
    let key = |k: &str| format!("sink.{id}.{k}");
    let tls = s
        .tls
        .as_ref()
        .map(|t| ClientTls::of_sink(src, &key, t))
        .transpose()?;
    let sec = security(src, &key, tls, s.sasl.as_ref(), base)?;
    let (options, sec) = props(src, &key, sec, s.options.as_ref())?;
    let brokers = brokers(
        src,
        &key("brokers"),
        s.brokers.as_ref(),
        s.kind.span(),
        "sink",
    )?;
    let topic = s
        .topic
        .as_ref()
        .ok_or_else(|| src.error(s.kind.span(), key("topic"), "a `kafka` sink needs `topic`"))?;
    topic_ok(topic.get_ref()).map_err(|m| src.error(topic.span(), key("topic"), m))?;
    let compression = match &s.compression {
        None => "none".to_string(),
        Some(c) if COMPRESSIONS.contains(&c.get_ref().as_str()) => c.get_ref().clone(),
        Some(c) => {
            let hint = sluice_codecs::did_you_mean(c.get_ref(), &COMPRESSIONS);
            return Err(src.error(
                c.span(),
                key("compression"),
                format!(
                    "unknown compression `{}`{hint} (known: {})",
                    c.get_ref(),
                    COMPRESSIONS.join(", ")
                ),
            ));
        }
    };
    let sz = |f: &Option<Spanned<super::raw::SizeField>>, k: &str, d: usize| {
        f.as_ref().map_or(Ok(d), |x| size(src, &key(k), x))
    };
    let plan = KafkaSinkPlan {
        brokers,
        topic: topic.get_ref().clone(),
        compression,
        linger: ms(
            src,
            &key("linger"),
            s.linger.as_ref(),
            // 5 ms (librdkafka's default) cost 40% more of the producer's CPU per message
            // than 10 ms at 130k messages/s (bench/results/kafka.md).
            Duration::from_millis(10),
        )?,
        batch_bytes: sz(&s.batch_size, "batch_size", 1 << 20)?.clamp(1, 2_147_483_647),
        idempotence: s.idempotence.as_ref().is_none_or(|b| *b.get_ref()),
        delivery_timeout: ms(
            src,
            &key("delivery_timeout"),
            s.delivery_timeout.as_ref(),
            Duration::from_secs(300),
        )?,
        max_buffered: sz(&s.max_buffered, "max_buffered", 64 << 20)?.max(1024),
        options,
    };
    // librdkafka checks every property (ours and the operator's) when the client is built;
    // building one now (it connects to nothing yet) turns a bad property into a config error.
    sluice_shards::check_kafka_sink(&plan)
        .map_err(|m| refused(src, &key, &sec, s.options.as_ref(), s.kind.span(), m))?;
    Ok(plan)
}

pub(super) fn source(
    src: &Source<'_>,
    s: &RawSource,
    base: Option<&Path>,
) -> Result<KafkaSourcePlan, ConfigError> {
    let id = s.id.get_ref();
    let key = |k: &str| format!("source.{id}.{k}");
    let tls = s
        .tls
        .as_ref()
        .map(|t| ClientTls::of_source(src, &key, t))
        .transpose()?;
    let sec = security(src, &key, tls, s.sasl.as_ref(), base)?;
    let (options, sec) = props(src, &key, sec, s.options.as_ref())?;
    let brokers = brokers(
        src,
        &key("brokers"),
        s.brokers.as_ref(),
        s.kind.span(),
        "source",
    )?;
    let topics = s.topics.as_ref().ok_or_else(|| {
        src.error(
            s.kind.span(),
            key("topics"),
            "a `kafka` source needs `topics`",
        )
    })?;
    if topics.get_ref().is_empty() {
        return Err(src.error(topics.span(), key("topics"), "the topic list is empty"));
    }
    for t in topics.get_ref() {
        topic_ok(t).map_err(|m| src.error(topics.span(), key("topics"), m))?;
    }
    let group = s.group_id.as_ref().ok_or_else(|| {
        src.error(
            s.kind.span(),
            key("group_id"),
            "a `kafka` source needs `group_id`",
        )
    })?;
    if group.get_ref().is_empty() {
        return Err(src.error(group.span(), key("group_id"), "the group id is empty"));
    }
    let offset_reset = match &s.offset_reset {
        None => "earliest".to_string(),
        Some(o) if matches!(o.get_ref().as_str(), "earliest" | "latest") => o.get_ref().clone(),
        Some(o) => {
            return Err(src.error(
                o.span(),
                key("offset_reset"),
                format!("`{}` is not `earliest` or `latest`", o.get_ref()),
            ))
        }
    };
    let plan = KafkaSourcePlan {
        brokers,
        topics: topics.get_ref().clone(),
        group_id: group.get_ref().clone(),
        offset_reset,
        commit_interval: ms(
            src,
            &key("commit_interval"),
            s.commit_interval.as_ref(),
            Duration::from_secs(1),
        )?
        .max(Duration::from_millis(10)),
        poll_batch: s
            .poll_batch
            .as_ref()
            .map_or(1024, |p| *p.get_ref())
            .clamp(1, 1 << 20),
        options,
    };
    sluice_shards::check_kafka_source(&plan)
        .map_err(|m| refused(src, &key, &sec, s.options.as_ref(), s.kind.span(), m))?;
    Ok(plan)
}

/// Keys only `kafka` sources and sinks take, present on another type.
pub(super) fn stray_source_key(s: &RawSource) -> Option<&'static str> {
    [
        ("brokers", s.brokers.is_some()),
        ("topics", s.topics.is_some()),
        ("group_id", s.group_id.is_some()),
        ("offset_reset", s.offset_reset.is_some()),
        ("commit_interval", s.commit_interval.is_some()),
        ("poll_batch", s.poll_batch.is_some()),
        ("options", s.options.is_some()),
        ("sasl", s.sasl.is_some()),
    ]
    .into_iter()
    .find_map(|(k, set)| set.then_some(k))
}

/// See [`stray_source_key`].
/// The first Kafka-only key set on a sink of another type (`compression` and `linger` are
/// allowed where `bodies` says the sink batches and compresses request bodies).
pub(super) fn stray_sink_key(s: &RawSink, bodies: bool) -> Option<&'static str> {
    [
        ("brokers", s.brokers.is_some()),
        ("topic", s.topic.is_some()),
        ("compression", s.compression.is_some() && !bodies),
        ("linger", s.linger.is_some() && !bodies),
        ("batch_size", s.batch_size.is_some()),
        ("idempotence", s.idempotence.is_some()),
        ("delivery_timeout", s.delivery_timeout.is_some()),
        ("max_buffered", s.max_buffered.is_some()),
        ("options", s.options.is_some()),
        ("sasl", s.sasl.is_some()),
    ]
    .into_iter()
    .find_map(|(k, set)| set.then_some(k))
}
