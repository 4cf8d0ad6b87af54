//! `tremor::origin`: where the current event came from.
//!
//! Sources describe an event's origin as a record (see [`FnCtx::origin`]):
//! `{"scheme": "tremor-udp", "host": "127.0.0.1", "port": 41371, "path": ["12202"]}`, plus an
//! optional `"query"` string. Every function returns null when the event has no origin.

use std::borrow::Cow;

use super::{Arity, FnCtx, FnDef, FnError};
use crate::{Record, Value};

type R<'v> = Result<Value<'v>, FnError>;

fn field<'v>(ctx: &FnCtx<'_>, name: &str) -> Value<'v> {
    ctx.origin
        .and_then(|o| o.get(name))
        .cloned()
        .unwrap_or(Value::Null)
}

/// The path as segments; a path given as one string is split at `/`.
fn segments<'v>(ctx: &FnCtx<'_>) -> Option<Vec<Value<'v>>> {
    match ctx.origin?.get("path") {
        Some(Value::Array(a)) => Some(a.clone()),
        Some(Value::String(s)) => Some(
            s.split('/')
                .filter(|p| !p.is_empty())
                .map(|p| Value::String(Cow::Owned(p.to_owned())))
                .collect(),
        ),
        _ => Some(Vec::new()),
    }
}

fn scheme<'v>(ctx: &mut FnCtx<'_>, _: &[Value<'v>]) -> R<'v> {
    Ok(field(ctx, "scheme"))
}

fn host<'v>(ctx: &mut FnCtx<'_>, _: &[Value<'v>]) -> R<'v> {
    Ok(field(ctx, "host"))
}

fn port<'v>(ctx: &mut FnCtx<'_>, _: &[Value<'v>]) -> R<'v> {
    Ok(field(ctx, "port"))
}

fn path<'v>(ctx: &mut FnCtx<'_>, _: &[Value<'v>]) -> R<'v> {
    Ok(segments(ctx).map_or(Value::Null, Value::Array))
}

fn query<'v>(ctx: &mut FnCtx<'_>, _: &[Value<'v>]) -> R<'v> {
    Ok(field(ctx, "query"))
}

fn as_uri_string<'v>(ctx: &mut FnCtx<'_>, _: &[Value<'v>]) -> R<'v> {
    let Some(origin) = ctx.origin else {
        return Ok(Value::Null);
    };
    let text = |name: &str| match origin.get(name) {
        Some(Value::String(s)) => s.to_string(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_json(),
    };
    let mut uri = format!("{}://{}", text("scheme"), text("host"));
    if let Some(p) = origin.get("port").and_then(Value::as_u64) {
        uri.push(':');
        uri.push_str(&p.to_string());
    }
    let segs = segments(ctx).unwrap_or_default();
    if !segs.is_empty() {
        for s in &segs {
            uri.push('/');
            match s {
                Value::String(s) => uri.push_str(s),
                other => uri.push_str(&other.to_json()),
            }
        }
    }
    if let Some(Value::String(q)) = origin.get("query") {
        uri.push('?');
        uri.push_str(q);
    }
    Ok(Value::from(uri))
}

fn as_uri_record<'v>(ctx: &mut FnCtx<'_>, _: &[Value<'v>]) -> R<'v> {
    if ctx.origin.is_none() {
        return Ok(Value::Null);
    }
    let mut r = Record::with_capacity(5);
    r.push_unique("scheme", field(ctx, "scheme"));
    r.push_unique("host", field(ctx, "host"));
    r.push_unique("port", field(ctx, "port"));
    r.push_unique("path", segments(ctx).map_or(Value::Null, Value::Array));
    if let q @ Value::String(_) = field(ctx, "query") {
        r.push_unique("query", q);
    }
    Ok(Value::Record(r))
}

/// An origin record `{scheme, host, port, path[, query]}` from a URI such as
/// `tcp://10.0.0.1:514/logs?x=1` (what `sluice script run --origin` takes).
///
/// # Errors
/// A text without `scheme://`, or a port that is not a number from 0 to 65535.
pub fn origin_from_uri(uri: &str) -> Result<Value<'static>, String> {
    let Some((scheme, rest)) = uri.split_once("://") else {
        return Err(format!(
            "`{uri}` is not a URI (expected scheme://host[:port][/path])"
        ));
    };
    if scheme.is_empty() {
        return Err(format!("`{uri}` has no scheme"));
    }
    let (rest, query) = match rest.split_once('?') {
        Some((r, q)) => (r, Some(q)),
        None => (rest, None),
    };
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    // `[::1]:80`: the port follows the closing bracket of an IPv6 address.
    let (host, port) = match authority.rfind(':') {
        Some(i) if !authority[i..].contains(']') => {
            let p = &authority[i + 1..];
            let port: u16 = p
                .parse()
                .map_err(|_| format!("`{p}` in `{uri}` is not a port number"))?;
            (&authority[..i], Some(port))
        }
        _ => (authority, None),
    };
    let mut r = Record::with_capacity(5);
    r.push_unique("scheme", Value::String(Cow::Owned(scheme.to_string())));
    r.push_unique("host", Value::String(Cow::Owned(host.to_string())));
    r.push_unique(
        "port",
        port.map_or(Value::Null, |p| Value::I64(i64::from(p))),
    );
    r.push_unique(
        "path",
        Value::Array(
            path.split('/')
                .filter(|p| !p.is_empty())
                .map(|p| Value::String(Cow::Owned(p.to_string())))
                .collect(),
        ),
    );
    if let Some(q) = query {
        r.push_unique("query", Value::String(Cow::Owned(q.to_string())));
    }
    Ok(Value::Record(r))
}

macro_rules! origin_def {
    ($name:ident, $doc:expr) => {
        FnDef {
            name: stringify!($name),
            params: &[],
            arity: Arity::Exact(0),
            pure: false,
            f: $name,
            doc: $doc,
            examples: &[(concat!("tremor::origin::", stringify!($name), "()"), "null")],
        }
    };
}

/// The module's functions. The examples show the result for an event without an origin.
pub static FUNCTIONS: &[FnDef] = &[
    origin_def!(
        scheme,
        "The origin's scheme (which source produced the event, e.g. \"tremor-udp\"), or null."
    ),
    origin_def!(
        host,
        "The host the event came from (usually an IP address), or null."
    ),
    origin_def!(port, "The port the event came from, or null when unknown."),
    origin_def!(
        path,
        "The origin's path as an array of segments (source specific, e.g. [\"12202\"]), or null."
    ),
    origin_def!(
        query,
        "The origin's query string, or null (a Sluice addition to tremor's module)."
    ),
    origin_def!(
        as_uri_string,
        "The origin as a URI `scheme://host[:port]/path[?query]`, or null."
    ),
    origin_def!(
        as_uri_record,
        "The origin as a record {scheme, host, port, path[, query]}, or null."
    ),
];

#[cfg(test)]
mod tests {
    use super::super::testing::{call_in, json, test_env};
    use crate::Value;

    const M: &str = "tremor::origin";

    fn with(origin: Option<&Value<'static>>, name: &str) -> String {
        let mut env = test_env();
        call_in(&mut env, 1, origin, M, name, &[])
            .map(|v| v.to_json())
            .unwrap_or_else(|e| panic!("{name}: {e}"))
    }

    #[test]
    fn reads_the_origin_record() {
        let o = json(
            r#"{"scheme": "tremor-udp", "host": "127.0.0.1", "port": 41371, "path": ["12202"]}"#,
        );
        assert_eq!(with(Some(&o), "scheme"), r#""tremor-udp""#);
        assert_eq!(with(Some(&o), "host"), r#""127.0.0.1""#);
        assert_eq!(with(Some(&o), "port"), "41371");
        assert_eq!(with(Some(&o), "path"), r#"["12202"]"#);
        assert_eq!(with(Some(&o), "query"), "null");
        assert_eq!(
            with(Some(&o), "as_uri_string"),
            r#""tremor-udp://127.0.0.1:41371/12202""#
        );
        assert_eq!(
            with(Some(&o), "as_uri_record"),
            r#"{"scheme":"tremor-udp","host":"127.0.0.1","port":41371,"path":["12202"]}"#
        );
    }

    #[test]
    fn optional_parts() {
        let o = json(
            r#"{"scheme": "http", "host": "example.com", "port": null, "path": "/a/b/", "query": "x=1"}"#,
        );
        assert_eq!(with(Some(&o), "path"), r#"["a","b"]"#);
        assert_eq!(
            with(Some(&o), "as_uri_string"),
            r#""http://example.com/a/b?x=1""#
        );
        assert_eq!(
            with(Some(&o), "as_uri_record"),
            r#"{"scheme":"http","host":"example.com","port":null,"path":["a","b"],"query":"x=1"}"#
        );
        let bare = json(r#"{"scheme": "tcp", "host": "h"}"#);
        assert_eq!(with(Some(&bare), "as_uri_string"), r#""tcp://h""#);
        assert_eq!(with(Some(&bare), "port"), "null");
        assert_eq!(with(Some(&bare), "path"), "[]");
    }

    #[test]
    fn no_origin_is_null() {
        for f in [
            "scheme",
            "host",
            "port",
            "path",
            "query",
            "as_uri_string",
            "as_uri_record",
        ] {
            assert_eq!(with(None, f), "null", "{f}");
        }
    }
}
