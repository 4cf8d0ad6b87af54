//! The HTTP, tail and Elasticsearch connectors' settings: raw keys -> plan, with defaults.

use std::net::{SocketAddr, ToSocketAddrs};
use std::path::Path;
use std::time::Duration;

use sluice_script::{Record, Value};
use sluice_shards::{
    ComponentSpec, ElasticPlan, HttpAck, HttpClientPlan, HttpSinkPlan, HttpSourcePlan, SourceKind,
    TailPlan,
};
use toml::Spanned;

use super::build::path_of;
use super::raw::{RawSink, RawSource};
use super::values::{addr, duration, size};
use super::{ConfigError, Source};

fn dur(
    src: &Source<'_>,
    key: &str,
    f: &Option<Spanned<String>>,
    d: Duration,
) -> Result<Duration, ConfigError> {
    f.as_ref().map_or(Ok(d), |x| duration(src, key, x))
}

/// `type = "http"` source.
pub(super) fn http_source(
    src: &Source<'_>,
    s: &RawSource,
    key: &dyn Fn(&str) -> String,
    max_connections: usize,
    base: Option<&Path>,
) -> Result<SourceKind, ConfigError> {
    let listen = match &s.listen {
        Some(l) => addr(src, &key("listen"), l)?,
        None => {
            return Err(src.error(
                s.kind.span(),
                key("listen"),
                "an `http` source needs `listen`",
            ))
        }
    };
    let path = match &s.path {
        Some(p) if !p.get_ref().starts_with('/') => {
            return Err(src.error(p.span(), key("path"), "a path starts with `/`"))
        }
        Some(p) => Some(p.get_ref().clone()),
        None => None,
    };
    let sz = |f: &Option<Spanned<super::raw::SizeField>>, k: &str, d: usize| {
        f.as_ref()
            .map_or(Ok(d), |x| size(src, &key(k), x))
            .map(|v| v.max(1))
    };
    // `written` by default: a 2xx then means what an Influx or Elasticsearch client takes it
    // to mean (the data is safe, do not resend), as the Kafka and tail sources' commits do.
    let ack = match s.ack.as_ref().map(|a| (a.get_ref().as_str(), a.span())) {
        None | Some(("written", _)) => HttpAck::Written,
        Some(("queued", _)) => HttpAck::Queued,
        Some((other, span)) => {
            return Err(src.error(
                span,
                key("ack"),
                format!("`{other}` is not \"written\" or \"queued\""),
            ))
        }
    };
    Ok(SourceKind::Http(HttpSourcePlan {
        listen,
        path,
        max_body: sz(&s.max_body, "max_body", 32 << 20)?,
        max_header: sz(&s.max_header, "max_header", 64 << 10)?,
        header_timeout: dur(
            src,
            &key("header_timeout"),
            &s.header_timeout,
            Duration::from_secs(10),
        )?,
        idle_timeout: dur(
            src,
            &key("idle_timeout"),
            &s.idle_timeout,
            Duration::from_secs(60),
        )?,
        busy_timeout: dur(
            src,
            &key("busy_timeout"),
            &s.busy_timeout,
            Duration::from_secs(1),
        )?,
        max_connections,
        tls: tls(src, s, key, base)?,
        ack,
        ack_timeout: dur(
            src,
            &key("ack_timeout"),
            &s.ack_timeout,
            Duration::from_secs(10),
        )?
        .max(Duration::from_millis(1)),
        max_unacked: s.max_unacked.as_ref().map_or(1024, |m| *m.get_ref()).max(1),
    }))
}

/// A source's `tls` table.
pub(super) fn tls(
    src: &Source<'_>,
    s: &RawSource,
    key: &dyn Fn(&str) -> String,
    base: Option<&Path>,
) -> Result<Option<sluice_shards::TlsServerPlan>, ConfigError> {
    let Some(t) = &s.tls else { return Ok(None) };
    let r = t.get_ref();
    if r.ca.is_some() || r.insecure_skip_verify.is_some() {
        return Err(src.error(
            t.span(),
            key("tls"),
            "`ca` and `insecure_skip_verify` are client settings (kafka sources); a server's `tls` takes `cert`, `key` and `client_ca`",
        ));
    }
    let (Some(cert), Some(key_file)) = (&r.cert, &r.key) else {
        return Err(src.error(
            t.span(),
            key("tls"),
            "a server's `tls` needs `cert` and `key`",
        ));
    };
    let tls13_only = match r.min_version.as_deref() {
        None | Some("1.2") => false,
        Some("1.3") => true,
        Some(other) => {
            return Err(src.error(
                t.span(),
                key("tls.min_version"),
                format!("`{other}` is not \"1.2\" or \"1.3\""),
            ))
        }
    };
    let plan = sluice_shards::TlsServerPlan {
        cert: path_of(base, cert),
        key: path_of(base, key_file),
        client_ca: r.client_ca.as_ref().map(|c| path_of(base, c)),
        tls13_only,
    };
    for p in [Some(&plan.cert), Some(&plan.key), plan.client_ca.as_ref()]
        .into_iter()
        .flatten()
    {
        if !p.is_file() {
            return Err(src.error(
                t.span(),
                key("tls"),
                format!("`{}` is not a readable file", p.display()),
            ));
        }
    }
    Ok(Some(plan))
}

/// `type = "tail"` source.
pub(super) fn tail_source(
    src: &Source<'_>,
    s: &RawSource,
    key: &dyn Fn(&str) -> String,
    base: Option<&Path>,
) -> Result<SourceKind, ConfigError> {
    let Some(paths) = &s.paths else {
        return Err(src.error(
            s.kind.span(),
            key("paths"),
            "a `tail` source needs `paths` (files or globs)",
        ));
    };
    if paths.get_ref().is_empty() {
        return Err(src.error(paths.span(), key("paths"), "names no file"));
    }
    let Some(state) = &s.state_dir else {
        return Err(src.error(
            s.kind.span(),
            key("state_dir"),
            "a `tail` source needs `state_dir` (where its checkpoints live)",
        ));
    };
    let from_start = match s
        .read_from
        .as_ref()
        .map(|r| (r.get_ref().as_str(), r.span()))
    {
        None | Some(("beginning", _)) => true,
        Some(("end", _)) => false,
        Some((other, span)) => {
            return Err(src.error(
                span,
                key("read_from"),
                format!("`{other}` is not `beginning` or `end`"),
            ))
        }
    };
    Ok(SourceKind::Tail(TailPlan {
        paths: paths.get_ref().iter().map(|p| path_of(base, p)).collect(),
        state_dir: path_of(base, state.get_ref()),
        poll_interval: dur(
            src,
            &key("poll_interval"),
            &s.poll_interval,
            Duration::from_millis(250),
        )?
        .max(Duration::from_millis(10)),
        fingerprint_bytes: s
            .fingerprint_bytes
            .as_ref()
            .map_or(256, |f| *f.get_ref())
            .clamp(16, 64 * 1024),
        from_start,
        checkpoint_interval: dur(
            src,
            &key("checkpoint_interval"),
            &s.checkpoint_interval,
            Duration::from_secs(1),
        )?,
        rotate_wait: dur(
            src,
            &key("rotate_wait"),
            &s.rotate_wait,
            Duration::from_secs(5),
        )?,
    }))
}

/// A parsed `http(s)://host:port/path?query` URL.
struct Url {
    https: bool,
    addr: SocketAddr,
    host: String,
    path: String,
    query: String,
}

fn url(src: &Source<'_>, key: &str, f: &Spanned<String>) -> Result<Url, ConfigError> {
    let u = f.get_ref();
    let err = |m: String| src.error(f.span(), key, m);
    let (https, rest) = match u.split_once("://") {
        Some(("http", r)) => (false, r),
        Some(("https", r)) => (true, r),
        _ => return Err(err(format!("`{u}` is not an http:// or https:// URL"))),
    };
    let (authority, path_query) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let (path, query) = match path_query.split_once('?') {
        Some((p, q)) => (p, q),
        None => (path_query, ""),
    };
    if authority.is_empty() || authority.contains('@') {
        return Err(err(format!(
            "`{u}` has no host (or has credentials, which are not supported)"
        )));
    }
    let with_port = if authority
        .rsplit_once(':')
        .is_some_and(|(_, p)| p.parse::<u16>().is_ok())
        && !authority.ends_with(']')
    {
        authority.to_string()
    } else {
        format!("{authority}:{}", if https { 443 } else { 80 })
    };
    let addr = with_port
        .to_socket_addrs()
        .map_err(|e| err(format!("cannot resolve `{authority}`: {e}")))?
        .next()
        .ok_or_else(|| err(format!("`{authority}` resolves to no address")))?;
    Ok(Url {
        https,
        addr,
        host: authority.to_string(),
        path: path.to_string(),
        query: query.to_string(),
    })
}

/// `linger` of the http and elasticsearch sinks: long enough that a trickle of small reads
/// (each its own batch from the rings) shares one request, short against a bulk request's
/// own round trip, so light load pays at most this much extra latency. Full requests never
/// wait for it.
const DEFAULT_LINGER: Duration = Duration::from_millis(5);

fn client(
    src: &Source<'_>,
    s: &RawSink,
    key: &dyn Fn(&str) -> String,
    t: &str,
    bulk: bool,
    base: Option<&Path>,
    extra_query: &[(&str, Option<&Spanned<String>>)],
) -> Result<HttpClientPlan, ConfigError> {
    let Some(u) = &s.url else {
        return Err(src.error(
            s.kind.span(),
            key("url"),
            format!("a `{t}` sink needs `url`"),
        ));
    };
    let parsed = url(src, &key("url"), u)?;
    let tls = match (&s.tls, parsed.https) {
        (Some(t), false) => {
            return Err(src.error(t.span(), key("tls"), "`tls` needs an https:// URL"))
        }
        (_, false) => None,
        (_, true) => Some(sink_tls(src, s, key, base, &parsed.host)?),
    };
    let mut target = parsed.path.clone();
    if bulk {
        target = format!("{}/_bulk", target.trim_end_matches('/'));
    }
    let mut query: Vec<String> = Vec::new();
    if !parsed.query.is_empty() {
        query.push(parsed.query.clone());
    }
    for (k, v) in extra_query {
        if let Some(v) = v {
            let ok = v
                .get_ref()
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.,*".contains(&b));
            if !ok {
                return Err(src.error(v.span(), key(k), "use letters, digits and `-_.,*` only"));
            }
            query.push(format!("{k}={}", v.get_ref()));
        }
    }
    if !query.is_empty() {
        target = format!("{target}?{}", query.join("&"));
    }
    let gzip = match s
        .compression
        .as_ref()
        .map(|c| (c.get_ref().as_str(), c.span()))
    {
        None | Some(("none", _)) => false,
        Some(("gzip", _)) => true,
        Some((other, span)) => {
            return Err(src.error(
                span,
                key("compression"),
                format!("`{other}` is not `gzip` or `none`"),
            ))
        }
    };
    let mut headers = Vec::new();
    if let Some(h) = &s.headers {
        for (k, v) in h.get_ref() {
            let Some(v) = v.as_str() else {
                return Err(src.error(
                    h.span(),
                    key("headers"),
                    format!("`{k}`: expected a string"),
                ));
            };
            let bad = |x: &str| x.bytes().any(|b| b == b'\r' || b == b'\n');
            if bad(k) || bad(v) || k.is_empty() {
                return Err(src.error(
                    h.span(),
                    key("headers"),
                    format!("`{k}`: not a valid header"),
                ));
            }
            headers.push((k.clone(), v.to_string()));
        }
    }
    Ok(HttpClientPlan {
        url: u.get_ref().clone(),
        addr: parsed.addr,
        host: parsed.host,
        target,
        concurrency: s.concurrency.as_ref().map_or(4, |c| *c.get_ref()).max(1),
        timeout: dur(src, &key("timeout"), &s.timeout, Duration::from_secs(30))?,
        backoff_min: dur(
            src,
            &key("backoff_min"),
            &s.backoff_min,
            Duration::from_millis(100),
        )?,
        backoff_max: dur(
            src,
            &key("backoff_max"),
            &s.backoff_max,
            Duration::from_secs(30),
        )?,
        max_retries: s.max_retries.as_ref().map_or(3, |m| *m.get_ref()),
        gzip,
        batch_events: s
            .batch_events
            .as_ref()
            .map_or(if bulk { 1000 } else { 10_000 }, |b| *b.get_ref())
            .max(1),
        batch_bytes: s
            .batch_bytes
            .as_ref()
            .map(|b| size(src, &key("batch_bytes"), b))
            .transpose()?
            .unwrap_or(5 << 20)
            .max(1),
        linger: dur(src, &key("linger"), &s.linger, DEFAULT_LINGER)?,
        headers,
        tls,
    })
}

/// `type = "elasticsearch"` sink: its plan and its default codec (`elastic-bulk` with the
/// sink's `index` and `action`).
pub(super) fn elastic_sink(
    src: &Source<'_>,
    s: &RawSink,
    key: &dyn Fn(&str) -> String,
    base: Option<&Path>,
) -> Result<(ElasticPlan, ComponentSpec), ConfigError> {
    let client = client(
        src,
        s,
        key,
        "elasticsearch",
        true,
        base,
        &[
            ("pipeline", s.pipeline.as_ref()),
            ("routing", s.routing.as_ref()),
        ],
    )?;
    let mut o = Record::with_capacity(2);
    if let Some(i) = &s.index {
        o.push_unique("index", Value::from(i.get_ref().clone()));
    }
    if let Some(a) = &s.action {
        o.push_unique("action", Value::from(a.get_ref().clone()));
    }
    let codec = ComponentSpec {
        name: "elastic-bulk".into(),
        options: (!o.is_empty()).then_some(o),
    };
    codec.codec().map_err(|e| {
        let span = s.action.as_ref().map_or(s.kind.span(), Spanned::span);
        src.error(span, key("action"), e.to_string())
    })?;
    Ok((
        ElasticPlan {
            client,
            dead_letter: s.dead_letter.as_ref().map(|d| path_of(base, d.get_ref())),
        },
        codec,
    ))
}

/// `type = "http"` sink.
pub(super) fn http_sink(
    src: &Source<'_>,
    s: &RawSink,
    key: &dyn Fn(&str) -> String,
    base: Option<&Path>,
) -> Result<HttpSinkPlan, ConfigError> {
    Ok(HttpSinkPlan {
        client: client(src, s, key, "http", false, base, &[])?,
        content_type: s
            .content_type
            .as_ref()
            .map_or("application/x-ndjson".to_string(), |c| c.get_ref().clone()),
    })
}

/// A sink's TLS: its `tls` table (or an empty one, for an `https://` URL without it).
/// `authority` is the peer as configured (`host:port`); its host is the default server name.
pub(super) fn sink_tls(
    src: &Source<'_>,
    s: &RawSink,
    key: &dyn Fn(&str) -> String,
    base: Option<&Path>,
    authority: &str,
) -> Result<sluice_shards::TlsClientPlan, ConfigError> {
    let empty = super::raw::RawSinkTls::default();
    let (r, span) = match &s.tls {
        Some(t) => (t.get_ref(), t.span()),
        None => (&empty, s.kind.span()),
    };
    let tls13_only = match r.min_version.as_deref() {
        None | Some("1.2") => false,
        Some("1.3") => true,
        Some(other) => {
            return Err(src.error(
                span,
                key("tls.min_version"),
                format!("`{other}` is not \"1.2\" or \"1.3\""),
            ))
        }
    };
    let client_cert = match (&r.cert, &r.key) {
        (Some(c), Some(k)) => Some((path_of(base, c), path_of(base, k))),
        (None, None) => None,
        _ => {
            return Err(src.error(
                span,
                key("tls"),
                "a client certificate needs both `cert` and `key`",
            ))
        }
    };
    // `host:port`, `[v6]:port` or a bare host: the name is the host without brackets.
    let host = match authority.rsplit_once(':') {
        Some((h, p)) if p.parse::<u16>().is_ok() && !authority.ends_with(']') => h,
        _ => authority,
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let plan = sluice_shards::TlsClientPlan {
        ca: r.ca.as_ref().map(|c| path_of(base, c)),
        client_cert,
        server_name: r.server_name.clone().unwrap_or_else(|| host.to_string()),
        tls13_only,
        insecure_skip_verify: r.insecure_skip_verify,
    };
    plan.check()
        .map_err(|e| src.error(span, key("tls"), e.to_string()))?;
    Ok(plan)
}
