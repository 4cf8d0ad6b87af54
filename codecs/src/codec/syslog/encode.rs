//! Writing tremor-shaped syslog records as RFC 5424 or RFC 3164.
//!
//! Facility and severity may be names (`"local4"`, `"notice"`) or codes; when absent they
//! default to `user` and `notice` (PRI 13, RFC 3164 4.3.3). Header fields that the chosen
//! format cannot carry (a space in a hostname, a 49-character app-name in RFC 5424) are
//! errors, not silently rewritten.

use sluice_script::{Record, Value};

use super::time::{write_bsd, write_rfc3339};
use super::{text, Protocol, FACILITIES, SEVERITIES};
use crate::Error;

fn err(message: impl Into<String>) -> Error {
    Error::Encode {
        codec: "syslog",
        message: message.into(),
    }
}

fn code(v: &Value<'_>, key: &str, names: &[&str], default: usize) -> Result<usize, Error> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(default),
        Some(Value::String(s)) => names
            .iter()
            .position(|n| *n == s.as_ref())
            .ok_or_else(|| err(format!("unknown {key} `{s}` (one of {})", names.join(", ")))),
        Some(n) => n
            .as_u64()
            .and_then(|n| usize::try_from(n).ok())
            .filter(|n| *n < names.len())
            .ok_or_else(|| {
                err(format!(
                    "{key} must be a name or a code below {}",
                    names.len()
                ))
            }),
    }
}

pub(crate) fn encode(v: &Value<'_>, protocol: Protocol, out: &mut Vec<u8>) -> Result<(), Error> {
    if v.as_record().is_none() {
        return Err(err(format!("expected a record, got a {}", v.value_type())));
    }
    let rfc3164 = match protocol {
        Protocol::Rfc3164 => true,
        Protocol::Rfc5424 => false,
        Protocol::Auto => match v.get("protocol") {
            None | Some(Value::Null) => false,
            Some(Value::String(p)) if p == "RFC5424" => false,
            Some(Value::String(p)) if p == "RFC3164" => true,
            Some(p) => {
                return Err(err(format!(
                    "protocol {p} is neither \"RFC5424\" nor \"RFC3164\""
                )))
            }
        },
    };
    let pri = code(v, "facility", &FACILITIES, 1)? * 8 + code(v, "severity", &SEVERITIES, 5)?;
    out.push(b'<');
    out.extend_from_slice(itoa::Buffer::new().format(pri).as_bytes());
    out.push(b'>');
    let timestamp = match v.get("timestamp") {
        None | Some(Value::Null) => None,
        Some(t) => Some(
            t.as_i64()
                .ok_or_else(|| err("timestamp must be integer nanoseconds"))?,
        ),
    };
    if rfc3164 {
        encode_3164(v, timestamp, out)
    } else {
        encode_5424(v, timestamp, out)
    }
}

fn encode_3164(v: &Value<'_>, timestamp: Option<i64>, out: &mut Vec<u8>) -> Result<(), Error> {
    if let Some(ts) = timestamp {
        write_bsd(ts, out);
        out.push(b' ');
    }
    if let Some(h) = text(v, "hostname") {
        if h.is_empty() || h.contains(' ') {
            return Err(err(format!("hostname {h:?} cannot be written in RFC 3164")));
        }
        out.extend_from_slice(h.as_bytes());
        out.push(b' ');
    }
    if let Some(app) = text(v, "appname") {
        if app.is_empty() || app.contains([' ', '[', ']', ':']) {
            return Err(err(format!("appname {app:?} cannot be an RFC 3164 tag")));
        }
        out.extend_from_slice(app.as_bytes());
        if let Some(pid) = text(v, "procid") {
            if pid.is_empty() || pid.contains([' ', ']']) {
                return Err(err(format!("procid {pid:?} cannot be written in RFC 3164")));
            }
            out.push(b'[');
            out.extend_from_slice(pid.as_bytes());
            out.push(b']');
        }
        out.extend_from_slice(b": ");
    }
    if let Some(msg) = text(v, "msg") {
        out.extend_from_slice(msg.as_bytes());
    }
    // Nothing after the PRI but spaces we added: drop the trailing one.
    if out.last() == Some(&b' ') && text(v, "msg").is_none_or(|m| m.is_empty()) {
        out.pop();
    }
    Ok(())
}

fn encode_5424(v: &Value<'_>, timestamp: Option<i64>, out: &mut Vec<u8>) -> Result<(), Error> {
    let version = match v.get("protocol_version") {
        None | Some(Value::Null) => 1,
        Some(n) => n
            .as_u64()
            .filter(|n| (1..=999).contains(n))
            .ok_or_else(|| err("protocol_version must be 1 to 999"))?,
    };
    out.extend_from_slice(itoa::Buffer::new().format(version).as_bytes());
    out.push(b' ');
    match timestamp {
        Some(ts) => write_rfc3339(ts, out),
        None => out.push(b'-'),
    }
    for (key, max) in [
        ("hostname", 255),
        ("appname", 48),
        ("procid", 128),
        ("msgid", 32),
    ] {
        out.push(b' ');
        match text(v, key) {
            None => out.push(b'-'),
            Some(s) if s.is_empty() => out.push(b'-'),
            Some(s) => {
                if s.len() > max || !s.bytes().all(|b| (33..=126).contains(&b)) {
                    return Err(err(format!(
                        "{key} {s:?} is not 1 to {max} printable US-ASCII characters"
                    )));
                }
                out.extend_from_slice(s.as_bytes());
            }
        }
    }
    out.push(b' ');
    match v.get("structured_data") {
        None | Some(Value::Null) => out.push(b'-'),
        Some(Value::Record(sd)) if sd.is_empty() => out.push(b'-'),
        Some(Value::Record(sd)) => structured_data(sd, out)?,
        Some(other) => {
            return Err(err(format!(
                "structured_data must be a record, got a {}",
                other.value_type()
            )))
        }
    }
    if let Some(msg) = text(v, "msg").filter(|m| !m.is_empty()) {
        out.push(b' ');
        out.extend_from_slice(msg.as_bytes());
    }
    Ok(())
}

fn sd_name(kind: &str, s: &str, out: &mut Vec<u8>) -> Result<(), Error> {
    if s.is_empty()
        || s.len() > 32
        || !s
            .bytes()
            .all(|b| (33..=126).contains(&b) && !matches!(b, b'=' | b']' | b'"'))
    {
        return Err(err(format!("{kind} {s:?} is not a valid SD-NAME")));
    }
    out.extend_from_slice(s.as_bytes());
    Ok(())
}

fn param(name: &str, value: &Value<'_>, out: &mut Vec<u8>) -> Result<(), Error> {
    out.push(b' ');
    sd_name("parameter name", name, out)?;
    out.extend_from_slice(b"=\"");
    let owned;
    let s = match value {
        Value::String(s) => s.as_ref(),
        Value::I64(_) | Value::U64(_) | Value::F64(_) | Value::Bool(_) => {
            owned = value.to_json();
            &owned
        }
        other => {
            return Err(err(format!(
                "parameter {name} is a {}, expected a string",
                other.value_type()
            )))
        }
    };
    for b in s.bytes() {
        if matches!(b, b'"' | b'\\' | b']') {
            out.push(b'\\');
        }
        out.push(b);
    }
    out.push(b'"');
    Ok(())
}

/// `{id: [{name: value}, ...]}` (what the decoder produces) or `{id: {name: value}}`.
fn structured_data(sd: &Record<'_>, out: &mut Vec<u8>) -> Result<(), Error> {
    for (id, params) in sd.iter() {
        out.push(b'[');
        sd_name("SD-ID", id, out)?;
        match params {
            Value::Array(list) => {
                for p in list {
                    let Some(r) = p.as_record() else {
                        return Err(err(format!("parameters of {id} must be records")));
                    };
                    for (k, v) in r.iter() {
                        param(k, v, out)?;
                    }
                }
            }
            Value::Record(r) => {
                for (k, v) in r.iter() {
                    param(k, v, out)?;
                }
            }
            Value::Null => {}
            other => {
                return Err(err(format!(
                    "parameters of {id} must be an array of records, got a {}",
                    other.value_type()
                )))
            }
        }
        out.push(b']');
    }
    Ok(())
}
