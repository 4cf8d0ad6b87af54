//! `gelf`: Graylog Extended Log Format 1.1, one JSON message per frame (decompressed and
//! reassembled by preprocessors).
//!
//! Decoding checks the payload against the GELF 1.1 specification and hands on the record
//! as it is: `version`, `host` and `short_message` must be strings, `full_message` a string,
//! `timestamp` a number (seconds since the epoch, with decimals), `level` a syslog level 0
//! to 7; additional fields start with `_` and use word characters, `.` and `-`. `_id` is
//! dropped, as Graylog drops it.
//!
//! Encoding writes GELF 1.1 JSON: `version` `"1.1"` is added when missing; `host` and
//! `short_message` are required; fields that are neither standard nor `_`-prefixed get a
//! `_` prefix; nested additional values (arrays, records) are written as JSON text, since
//! GELF values are strings and numbers.
//!
//! Options: `fill_timestamp` (default `true`): a decoded message without `timestamp` gets
//! the ingest time, as the GELF specification has the server do.

use sluice_script::{write_json, write_json_string, JsonDecoder, Record, Value};

use crate::{options::Options, Error};

/// GELF 1.1 fields that are not additional fields.
const STANDARD: &[&str] = &[
    "version",
    "host",
    "short_message",
    "full_message",
    "timestamp",
    "level",
    // Deprecated by 1.1 but still sent by 1.0 clients.
    "facility",
    "line",
    "file",
];

/// The GELF codec.
#[derive(Debug)]
pub struct GelfCodec {
    json: JsonDecoder,
    fill_timestamp: bool,
}

fn decode_err(message: impl Into<String>) -> Error {
    Error::Decode {
        codec: "gelf",
        message: message.into(),
    }
}

fn encode_err(message: impl Into<String>) -> Error {
    Error::Encode {
        codec: "gelf",
        message: message.into(),
    }
}

/// `^[\w\.\-]+$`, the specification's rule for additional field names.
fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
}

fn is_level(v: &Value<'_>) -> bool {
    match v {
        Value::F64(f) => f.fract() == 0.0 && (0.0..=7.0).contains(f),
        other => other.as_u64().is_some_and(|l| l <= 7),
    }
}

impl GelfCodec {
    pub(crate) fn from_options(options: Option<&Record<'static>>) -> Result<Self, Error> {
        let mut o = Options::new("gelf", options);
        let fill_timestamp = o.bool("fill_timestamp")?.unwrap_or(true);
        o.finish()?;
        Ok(GelfCodec {
            json: JsonDecoder::new(),
            fill_timestamp,
        })
    }

    pub(crate) fn decode<'a>(
        &mut self,
        data: &'a mut [u8],
        ingest_ns: u64,
    ) -> Result<Value<'a>, Error> {
        let mut v = self
            .json
            .decode(data)
            .map_err(|e| decode_err(e.to_string()))?;
        let Value::Record(r) = &mut v else {
            return Err(decode_err(format!(
                "a GELF message is a JSON object, not a {}",
                v.value_type()
            )));
        };
        let seen = check(r)?;
        if seen.id {
            r.remove("_id");
        }
        if self.fill_timestamp && !seen.timestamp {
            // Whole seconds and the fraction apart, so that millisecond clocks stay exact.
            #[allow(clippy::cast_precision_loss)]
            let secs =
                (ingest_ns / 1_000_000_000) as f64 + (ingest_ns % 1_000_000_000) as f64 / 1e9;
            r.push_unique("timestamp", Value::F64(secs));
        }
        Ok(v)
    }

    pub(crate) fn encode(&self, value: &Value<'_>, out: &mut Vec<u8>) -> Result<(), Error> {
        let start = out.len();
        let r = encode(value, out);
        if r.is_err() {
            out.truncate(start);
        }
        r
    }
}

/// What [`check`] found besides the required fields.
struct Seen {
    timestamp: bool,
    id: bool,
}

/// The GELF 1.1 rules for a decoded message, in one pass over its fields.
fn check(r: &Record<'_>) -> Result<Seen, Error> {
    let (mut version, mut host, mut short) = (false, false, false);
    let mut seen = Seen {
        timestamp: false,
        id: false,
    };
    for (k, v) in r.iter() {
        let ok = match k.as_ref() {
            "version" => {
                version = true;
                v.as_str().is_some_and(|s| s.starts_with("1."))
            }
            "host" => {
                host = true;
                v.as_str().is_some()
            }
            "short_message" => {
                short = true;
                v.as_str().is_some()
            }
            "full_message" => v.as_str().is_some(),
            "timestamp" => {
                seen.timestamp = true;
                v.as_f64().is_some()
            }
            "level" => is_level(v),
            "_id" => {
                seen.id = true;
                true
            }
            name => match name.strip_prefix('_') {
                Some(field) if !valid_name(field) => {
                    return Err(decode_err(format!(
                        "additional field name `{name}` has characters outside [A-Za-z0-9_.-]"
                    )))
                }
                _ => true,
            },
        };
        if !ok {
            return Err(decode_err(format!(
                "field `{k}` has the wrong type or value: {v}"
            )));
        }
    }
    for (present, name) in [
        (version, "version"),
        (host, "host"),
        (short, "short_message"),
    ] {
        if !present {
            return Err(decode_err(format!("GELF 1.1 requires `{name}`")));
        }
    }
    Ok(seen)
}

fn encode(value: &Value<'_>, out: &mut Vec<u8>) -> Result<(), Error> {
    let Some(r) = value.as_record() else {
        return Err(encode_err(format!(
            "expected a record, got a {}",
            value.value_type()
        )));
    };
    for name in ["host", "short_message"] {
        if r.get(name).and_then(Value::as_str).is_none() {
            return Err(encode_err(format!("GELF requires `{name}` as a string")));
        }
    }
    out.push(b'{');
    let mut first = true;
    if !r.contains_key("version") {
        out.extend_from_slice(br#""version":"1.1""#);
        first = false;
    }
    for (k, v) in r.iter() {
        if v.is_null() {
            continue;
        }
        if !first {
            out.push(b',');
        }
        first = false;
        if STANDARD.contains(&k.as_ref()) {
            let ok = match k.as_ref() {
                "version" | "full_message" => v.as_str().is_some(),
                "timestamp" => v.as_f64().is_some(),
                "level" => is_level(v),
                _ => true,
            };
            if !ok {
                return Err(encode_err(format!("`{k}` has the wrong type: {v}")));
            }
            write_json_string(k, out);
            out.push(b':');
            write_json(v, out);
            continue;
        }
        let name = k.strip_prefix('_').unwrap_or(k);
        if name == "id" {
            return Err(encode_err("GELF reserves the additional field `_id`"));
        }
        if !valid_name(name) {
            return Err(encode_err(format!(
                "field name `{k}` has characters outside [A-Za-z0-9_.-]"
            )));
        }
        out.extend_from_slice(b"\"_");
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b"\":");
        match v {
            Value::Array(_) | Value::Record(_) | Value::Bytes(_) => {
                write_json_string(&v.to_json(), out);
            }
            _ => write_json(v, out),
        }
    }
    out.push(b'}');
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(valid_name("user_id"));
        assert!(valid_name("a.b-c"));
        assert!(!valid_name("a b"));
        assert!(!valid_name(""));
        assert!(!valid_name("ü"));
    }

    #[test]
    fn levels() {
        assert!(is_level(&Value::I64(0)));
        assert!(is_level(&Value::F64(7.0)));
        assert!(!is_level(&Value::I64(8)));
        assert!(!is_level(&Value::I64(-1)));
        assert!(!is_level(&Value::F64(1.5)));
        assert!(!is_level(&Value::from("1")));
    }
}
