//! The InfluxDB side of the HTTP source: the write endpoints' parameters and error bodies,
//! as InfluxDB 1.x (`/write?db=..&rp=..&precision=n|u|ms|s`) and 2.x
//! (`/api/v2/write?org=..&bucket=..&precision=ns|us|ms|s`) define them.

use sluice_codecs::Codec;
use sluice_script::{Record, Value};

use super::http_parse::{json_str, Head};
use crate::plan::{ComponentSpec, HTTP_INFLUX_PRECISIONS};

/// Which write API a request used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Api {
    /// `/write`
    V1,
    /// `/api/v2/write`
    V2,
}

/// The decoder index (into [`crate::plan::SourcePlan::decoders`]) for the request's
/// precision, and its `$influx` metadata; or why the request is refused (400).
pub(crate) fn precision_decoder(
    api: Api,
    head: &Head,
) -> Result<(usize, Option<Value<'static>>), String> {
    let given = head.param("precision").unwrap_or("");
    let unit = match (api, given) {
        (_, "" | "ns") | (Api::V1, "n") => "ns",
        (_, "us") | (Api::V1, "u" | "µ") => "us",
        (_, "ms") => "ms",
        (_, "s") => "s",
        (_, other) => {
            return Err(format!(
                "precision `{other}` is not supported (use {})",
                match api {
                    Api::V1 => "n, u, ms or s",
                    Api::V2 => "ns, us, ms or s",
                }
            ))
        }
    };
    let idx = HTTP_INFLUX_PRECISIONS
        .iter()
        .position(|p| *p == unit)
        .unwrap_or(0);
    let mut m = Record::with_capacity(5);
    let mut put = |k: &'static str, v: Option<&str>| {
        if let Some(v) = v {
            m.push_unique(k, Value::from(v.to_string()));
        }
    };
    match api {
        Api::V1 => {
            let db = head.param("db").filter(|d| !d.is_empty());
            if db.is_none() {
                return Err("database is required".into());
            }
            put("api", Some("v1"));
            put("db", db);
            put("rp", head.param("rp"));
        }
        Api::V2 => {
            let bucket = head
                .param("bucket")
                .or_else(|| head.param("bucketID"))
                .filter(|b| !b.is_empty());
            if bucket.is_none() {
                return Err("bucket not specified".into());
            }
            put("api", Some("v2"));
            put("bucket", bucket);
            put("org", head.param("org").or_else(|| head.param("orgID")));
        }
    }
    put("precision", Some(unit));
    Ok((1 + idx, Some(Value::Record(m))))
}

/// An error body as the API's clients expect it.
pub(crate) fn influx_error(api: Api, status: u16, message: &str) -> String {
    match api {
        Api::V1 => format!("{{\"error\":{}}}", json_str(message)),
        Api::V2 => {
            let code = match status {
                413 => "request too large",
                429 => "too many requests",
                404 => "not found",
                405 => "method not allowed",
                s if s >= 500 => "internal error",
                _ => "invalid",
            };
            format!(
                "{{\"code\":{},\"message\":{}}}",
                json_str(code),
                json_str(message)
            )
        }
    }
}

/// Longest piece of a bad line quoted in an error.
const QUOTE: usize = 256;

/// The first line of `payload` that does not parse, as InfluxDB words it:
/// `unable to parse '<line>': <why>`.
pub(crate) fn first_bad_line(payload: &[u8], dec: usize) -> Option<String> {
    let unit = HTTP_INFLUX_PRECISIONS.get(dec.checked_sub(1)?)?;
    let mut o = Record::with_capacity(1);
    o.push_unique("precision", Value::from((*unit).to_string()));
    let spec = ComponentSpec {
        name: "influx".into(),
        options: Some(o),
    };
    let mut codec: Codec = spec.codec().ok()?;
    let mut scratch = Vec::new();
    for (n, line) in payload.split(|b| *b == b'\n').enumerate() {
        scratch.clear();
        scratch.extend_from_slice(line);
        if let Err(e) = codec.decode(&mut scratch, 0) {
            let shown = &line[..line.len().min(QUOTE)];
            return Some(format!(
                "unable to parse '{}': {e} (line {})",
                String::from_utf8_lossy(shown),
                n + 1
            ));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(q: &str) -> Head {
        let raw = format!("POST /x?{q} HTTP/1.1\r\nContent-Length: 0\r\n\r\n");
        Head::parse(raw.as_bytes()).unwrap().unwrap().0
    }

    #[test]
    fn precisions_map_to_decoders() {
        assert_eq!(precision_decoder(Api::V1, &head("db=a")).unwrap().0, 1);
        assert_eq!(
            precision_decoder(Api::V1, &head("db=a&precision=u"))
                .unwrap()
                .0,
            2
        );
        assert_eq!(
            precision_decoder(Api::V2, &head("bucket=b&precision=ms"))
                .unwrap()
                .0,
            3
        );
        assert_eq!(
            precision_decoder(Api::V2, &head("bucket=b&precision=s"))
                .unwrap()
                .0,
            4
        );
        assert!(precision_decoder(Api::V2, &head("bucket=b&precision=u")).is_err());
        assert!(precision_decoder(Api::V1, &head("db=a&precision=h")).is_err());
        assert!(precision_decoder(Api::V1, &head("rp=x")).is_err());
        assert!(precision_decoder(Api::V2, &head("org=o")).is_err());
    }

    #[test]
    fn the_first_bad_line_is_named() {
        let body = b"cpu v=1 1\n\n# comment\ncpu,host=a\ncpu v=2\n";
        let m = first_bad_line(body, 1).unwrap();
        assert!(m.starts_with("unable to parse 'cpu,host=a': "), "{m}");
        assert!(m.ends_with("(line 4)"), "{m}");
        assert_eq!(first_bad_line(b"cpu v=1\n", 1), None);
    }

    #[test]
    fn error_bodies_follow_each_api() {
        assert_eq!(influx_error(Api::V1, 400, "x"), r#"{"error":"x"}"#);
        assert_eq!(
            influx_error(Api::V2, 413, "big"),
            r#"{"code":"request too large","message":"big"}"#
        );
    }
}
