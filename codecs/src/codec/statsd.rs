//! `statsd` and `dogstatsd`: one metric line (or DogStatsD event or service check) per
//! frame, in tremor's shapes.
//!
//! `statsd`: `name:value|type[|@rate]` as `{metric, value, type, action?, sample_rate?}`.
//! Types `c`, `ms`, `g`, `h`, `s`. A gauge written `+n`/`-n` is a relative change: `action`
//! is `"add"`/`"sub"` and `value` the magnitude. Integers stay integers, values with a `.`
//! or exponent are floats; set members that are not numbers stay strings.
//!
//! `dogstatsd` (DogStatsD datagram format v1.2+): metrics
//! `name:v[:v...]|type[|@rate][|#tags][|Tts][|c:container]` as `{"metric": {metric, values,
//! type, sample_rate?, tags?, timestamp?, container_id?}}`; events
//! `_e{title_len,text_len}:title|text|...` as `{"event": {title, text, timestamp?, hostname?,
//! aggregation_key?, priority?, source?, type?, tags?, container_id?}}`; service checks
//! `_sc|name|status|...|m:message` as `{"service_check": {name, status, ...}}`. Lengths are
//! UTF-8 byte counts; `m:` runs to the end of the line, as the format requires it to be
//! last. Unknown metadata sections are skipped so that newer agents' fields do not break
//! decoding.

use sluice_script::{Record, Value};

use crate::{options::Options, Error};

/// The two statsd dialects.
#[derive(Debug)]
pub struct StatsdCodec {
    dog: bool,
}

fn err(dog: bool, message: impl Into<String>) -> Error {
    Error::Decode {
        codec: if dog { "dogstatsd" } else { "statsd" },
        message: message.into(),
    }
}

fn enc_err(dog: bool, message: impl Into<String>) -> Error {
    Error::Encode {
        codec: if dog { "dogstatsd" } else { "statsd" },
        message: message.into(),
    }
}

const STATSD_TYPES: &[&str] = &["c", "ms", "g", "h", "s"];
const DOG_TYPES: &[&str] = &["c", "ms", "g", "h", "s", "d"];

/// A metric value: an integer if it looks like one, else a finite decimal float.
fn number(s: &str, float_only: bool) -> Option<Value<'_>> {
    let unsigned = s.strip_prefix('-').unwrap_or(s);
    if !unsigned.starts_with(|c: char| c.is_ascii_digit() || c == '.')
        || !unsigned.contains(|c: char| c.is_ascii_digit())
    {
        return None;
    }
    if !float_only && !s.contains(['.', 'e', 'E']) {
        if let Ok(u) = s.parse::<u64>() {
            return Some(Value::from(u));
        }
        return s.parse::<i64>().ok().map(Value::I64);
    }
    s.parse::<f64>()
        .ok()
        .filter(|f| f.is_finite())
        .map(Value::F64)
}

fn rate(s: &str) -> Option<f64> {
    number(s, true)?.as_f64().filter(|r| *r > 0.0 && *r <= 1.0)
}

impl StatsdCodec {
    pub(crate) fn from_options(
        name: &'static str,
        options: Option<&Record<'static>>,
    ) -> Result<Self, Error> {
        Options::new(name, options).finish()?;
        Ok(StatsdCodec {
            dog: name == "dogstatsd",
        })
    }

    pub(crate) fn is_dog(&self) -> bool {
        self.dog
    }

    pub(crate) fn decode<'a>(&self, data: &'a [u8]) -> Result<Option<Value<'a>>, Error> {
        let s = std::str::from_utf8(data).map_err(|e| {
            err(
                self.dog,
                format!("invalid UTF-8 at byte {}", e.valid_up_to()),
            )
        })?;
        let s = s.trim_end_matches(['\n', '\r']);
        if s.is_empty() {
            return Ok(None);
        }
        if s.contains('\n') {
            return Err(err(
                self.dog,
                "frame holds more than one line; split lines with a preprocessor",
            ));
        }
        if !self.dog {
            return statsd(s).map(Some);
        }
        let (key, inner) = if let Some(rest) = s.strip_prefix("_e{") {
            ("event", event(rest)?)
        } else if let Some(rest) = s.strip_prefix("_sc|") {
            ("service_check", service_check(rest)?)
        } else {
            ("metric", dog_metric(s)?)
        };
        let mut outer = Record::with_capacity(1);
        outer.push_unique(key, Value::Record(inner));
        Ok(Some(Value::Record(outer)))
    }

    pub(crate) fn encode(&self, value: &Value<'_>, out: &mut Vec<u8>) -> Result<(), Error> {
        let start = out.len();
        let r = if self.dog {
            encode_dog(value, out)
        } else {
            encode_statsd(value, out)
        };
        if r.is_err() {
            out.truncate(start);
        }
        r
    }
}

/// `name:` at the start; the name must be non-empty and free of `|`.
fn split_name(s: &str, dog: bool) -> Result<(&str, &str), Error> {
    match s.split_once(':') {
        Some((name, rest)) if !name.is_empty() && !name.contains('|') => Ok((name, rest)),
        _ => Err(err(dog, "expecting `name:value|type`")),
    }
}

fn metric_type<'t>(t: &str, types: &[&'t str], dog: bool) -> Result<&'t str, Error> {
    types.iter().find(|x| **x == t).copied().ok_or_else(|| {
        err(
            dog,
            format!("unknown metric type `{t}` (one of {})", types.join(", ")),
        )
    })
}

fn statsd(s: &str) -> Result<Value<'_>, Error> {
    let (name, rest) = split_name(s, false)?;
    let mut parts = rest.split('|');
    let raw = parts.next().unwrap_or_default();
    let t = metric_type(parts.next().unwrap_or_default(), STATSD_TYPES, false)?;
    let mut r = Record::with_capacity(5);
    r.push_unique("metric", Value::from(name));
    let (action, digits) = match (t, raw.as_bytes().first()) {
        ("g", Some(b'+')) => (Some("add"), &raw[1..]),
        ("g", Some(b'-')) => (Some("sub"), &raw[1..]),
        (_, Some(b'+')) => (None, &raw[1..]),
        _ => (None, raw),
    };
    let value = match number(digits, false) {
        Some(v) => v,
        None if t == "s" && !raw.is_empty() => Value::from(raw),
        None => return Err(err(false, format!("`{raw}` is not a number"))),
    };
    r.push_unique("value", value);
    r.push_unique("type", Value::from(t));
    if let Some(a) = action {
        r.push_unique("action", Value::from(a));
    }
    for part in parts {
        match part.strip_prefix('@').and_then(rate) {
            Some(x) if !r.contains_key("sample_rate") => {
                r.push_unique("sample_rate", Value::F64(x))
            }
            _ => {
                return Err(err(
                    false,
                    format!("unexpected `|{part}` (expecting `|@rate`)"),
                ))
            }
        }
    }
    Ok(Value::Record(r))
}

fn tags(s: &str) -> Value<'_> {
    Value::Array(
        s.split(',')
            .filter(|t| !t.is_empty())
            .map(Value::from)
            .collect(),
    )
}

fn dog_metric(s: &str) -> Result<Record<'_>, Error> {
    let (name, rest) = split_name(s, true)?;
    let mut parts = rest.split('|');
    let raw = parts.next().unwrap_or_default();
    let t = metric_type(parts.next().unwrap_or_default(), DOG_TYPES, true)?;
    let mut values = Vec::new();
    for v in raw.split(':') {
        match number(v, true) {
            Some(n) => values.push(n),
            None if t == "s" && !v.is_empty() => values.push(Value::from(v)),
            None => return Err(err(true, format!("`{v}` is not a number"))),
        }
    }
    let mut r = Record::with_capacity(7);
    r.push_unique("metric", Value::from(name));
    r.push_unique("values", Value::Array(values));
    r.push_unique("type", Value::from(t));
    for part in parts {
        if let Some(x) = part.strip_prefix('@') {
            let x = rate(x).ok_or_else(|| err(true, format!("bad sample rate `{x}`")))?;
            r.insert("sample_rate", Value::F64(x));
        } else if let Some(x) = part.strip_prefix('#') {
            r.insert("tags", tags(x));
        } else if let Some(x) = part.strip_prefix('T') {
            let ts = x
                .parse::<i64>()
                .map_err(|_| err(true, format!("bad timestamp `{x}`")))?;
            r.insert("timestamp", Value::I64(ts));
        } else if let Some(x) = part.strip_prefix("c:") {
            r.insert("container_id", Value::from(x));
        }
    }
    Ok(r)
}

/// Shared metadata of events and service checks; `m:` (message) only for service checks.
fn metadata<'a>(r: &mut Record<'a>, mut rest: &'a str, checks: bool) -> Result<(), Error> {
    while let Some(after) = rest.strip_prefix('|') {
        if checks {
            if let Some(m) = after.strip_prefix("m:") {
                r.insert("message", Value::from(m));
                return Ok(());
            }
        }
        let (part, next) = match after.find('|') {
            Some(i) => (&after[..i], &after[i..]),
            None => (after, ""),
        };
        rest = next;
        if let Some(t) = part.strip_prefix('#') {
            r.insert("tags", tags(t));
            continue;
        }
        let Some((key, x)) = part.split_once(':') else {
            continue;
        };
        let key = match key {
            "d" => {
                let ts = x
                    .parse::<i64>()
                    .map_err(|_| err(true, format!("bad timestamp `{x}`")))?;
                r.insert("timestamp", Value::I64(ts));
                continue;
            }
            "h" => "hostname",
            "k" if !checks => "aggregation_key",
            "p" if !checks => "priority",
            "s" if !checks => "source",
            "t" if !checks => "type",
            "c" => "container_id",
            _ => continue,
        };
        r.insert(key, Value::from(x));
    }
    if rest.is_empty() {
        Ok(())
    } else {
        Err(err(true, format!("unexpected `{rest}`")))
    }
}

fn event(s: &str) -> Result<Record<'_>, Error> {
    let bad = || err(true, "expecting `_e{title_len,text_len}:title|text`");
    let (lens, body) = s.split_once("}:").ok_or_else(bad)?;
    let (tl, xl) = lens.split_once(',').ok_or_else(bad)?;
    let tl: usize = tl.parse().map_err(|_| bad())?;
    let xl: usize = xl.parse().map_err(|_| bad())?;
    let b = body.as_bytes();
    let text_start = tl.checked_add(1).ok_or_else(bad)?;
    let text_end = text_start.checked_add(xl).ok_or_else(bad)?;
    if b.len() < text_end || b[tl] != b'|' {
        return Err(err(
            true,
            "event title and text are shorter than their declared lengths",
        ));
    }
    let piece = |from: usize, to: usize| {
        body.get(from..to)
            .ok_or_else(|| err(true, "event length splits a UTF-8 character"))
    };
    let mut r = Record::with_capacity(8);
    r.push_unique("title", Value::from(piece(0, tl)?));
    r.push_unique("text", Value::from(piece(text_start, text_end)?));
    metadata(&mut r, piece(text_end, b.len())?, false)?;
    Ok(r)
}

fn service_check(s: &str) -> Result<Record<'_>, Error> {
    let (name, rest) = s.split_once('|').unwrap_or((s, ""));
    if name.is_empty() {
        return Err(err(true, "service check without a name"));
    }
    let (status, rest) = match rest.find('|') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    let status: u8 = status
        .parse()
        .ok()
        .filter(|s| *s <= 3)
        .ok_or_else(|| err(true, format!("service check status `{status}` is not 0-3")))?;
    let mut r = Record::with_capacity(7);
    r.push_unique("name", Value::from(name));
    r.push_unique("status", Value::I64(i64::from(status)));
    metadata(&mut r, rest, true)?;
    Ok(r)
}

fn write_number(v: &Value<'_>, out: &mut Vec<u8>) -> bool {
    match v {
        Value::I64(i) => out.extend_from_slice(itoa::Buffer::new().format(*i).as_bytes()),
        Value::U64(u) => out.extend_from_slice(itoa::Buffer::new().format(*u).as_bytes()),
        #[allow(clippy::cast_possible_truncation)]
        Value::F64(f) if f.is_finite() && f.fract() == 0.0 && f.abs() < 9e15 => {
            out.extend_from_slice(itoa::Buffer::new().format(*f as i64).as_bytes());
        }
        Value::F64(f) if f.is_finite() => {
            out.extend_from_slice(ryu::Buffer::new().format_finite(*f).as_bytes());
        }
        _ => return false,
    }
    true
}

fn str_field<'v>(r: &'v Value<'_>, key: &str, dog: bool) -> Result<Option<&'v str>, Error> {
    match r.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if !s.contains(['|', '\n', '\r']) => Ok(Some(s)),
        Some(other) => Err(enc_err(
            dog,
            format!("`{key}` must be a string without `|` or line ends: {other}"),
        )),
    }
}

fn name_and_type<'v>(
    v: &'v Value<'_>,
    types: &[&str],
    dog: bool,
) -> Result<(&'v str, &'v str), Error> {
    let name = str_field(v, "metric", dog)?
        .filter(|n| !n.is_empty() && !n.contains(':'))
        .ok_or_else(|| enc_err(dog, "`metric` must be a non-empty name without `:`"))?;
    let t = str_field(v, "type", dog)?
        .filter(|t| types.contains(t))
        .ok_or_else(|| enc_err(dog, format!("`type` must be one of {}", types.join(", "))))?;
    Ok((name, t))
}

fn write_rate(v: &Value<'_>, out: &mut Vec<u8>, dog: bool) -> Result<(), Error> {
    if let Some(x) = v.get("sample_rate").filter(|x| !x.is_null()) {
        out.extend_from_slice(b"|@");
        if !write_number(x, out) {
            return Err(enc_err(dog, "`sample_rate` must be a number"));
        }
    }
    Ok(())
}

fn write_value(x: &Value<'_>, t: &str, out: &mut Vec<u8>, dog: bool) -> Result<(), Error> {
    if write_number(x, out) {
        return Ok(());
    }
    match x {
        Value::String(s) if t == "s" && !s.is_empty() && !s.contains(['|', ':', '\n', '\r']) => {
            out.extend_from_slice(s.as_bytes());
            Ok(())
        }
        other => Err(enc_err(
            dog,
            format!("metric value {other} is not a number"),
        )),
    }
}

fn encode_statsd(v: &Value<'_>, out: &mut Vec<u8>) -> Result<(), Error> {
    let (name, t) = name_and_type(v, STATSD_TYPES, false)?;
    out.extend_from_slice(name.as_bytes());
    out.push(b':');
    let value = v
        .get("value")
        .ok_or_else(|| enc_err(false, "`value` is missing"))?;
    match (t, v.get("action").and_then(Value::as_str)) {
        ("g", Some("add")) => out.push(b'+'),
        ("g", Some("sub")) => out.push(b'-'),
        _ => {}
    }
    write_value(value, t, out, false)?;
    out.push(b'|');
    out.extend_from_slice(t.as_bytes());
    write_rate(v, out, false)
}

fn write_tags(v: &Value<'_>, out: &mut Vec<u8>) -> Result<(), Error> {
    let Some(tags) = v.get("tags").filter(|t| !t.is_null()) else {
        return Ok(());
    };
    let list = tags
        .as_array()
        .ok_or_else(|| enc_err(true, "`tags` must be an array of strings"))?;
    out.extend_from_slice(b"|#");
    for (i, t) in list.iter().enumerate() {
        let t = t
            .as_str()
            .filter(|t| !t.contains([',', '|', '\n', '\r']))
            .ok_or_else(|| enc_err(true, "tags must be strings without `,` or `|`"))?;
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(t.as_bytes());
    }
    Ok(())
}

fn write_opt(v: &Value<'_>, key: &str, prefix: &[u8], out: &mut Vec<u8>) -> Result<(), Error> {
    if let Some(s) = str_field(v, key, true)? {
        out.extend_from_slice(prefix);
        out.extend_from_slice(s.as_bytes());
    }
    Ok(())
}

fn write_ts(v: &Value<'_>, prefix: &[u8], out: &mut Vec<u8>) -> Result<(), Error> {
    if let Some(t) = v.get("timestamp").filter(|t| !t.is_null()) {
        let t = t
            .as_i64()
            .ok_or_else(|| enc_err(true, "`timestamp` must be integer seconds"))?;
        out.extend_from_slice(prefix);
        out.extend_from_slice(itoa::Buffer::new().format(t).as_bytes());
    }
    Ok(())
}

fn encode_dog(v: &Value<'_>, out: &mut Vec<u8>) -> Result<(), Error> {
    if let Some(m) = v.get("metric") {
        let (name, t) = name_and_type(m, DOG_TYPES, true)?;
        out.extend_from_slice(name.as_bytes());
        let values = m
            .get("values")
            .and_then(Value::as_array)
            .filter(|a| !a.is_empty())
            .ok_or_else(|| enc_err(true, "`values` must be a non-empty array"))?;
        for x in values {
            out.push(b':');
            write_value(x, t, out, true)?;
        }
        out.push(b'|');
        out.extend_from_slice(t.as_bytes());
        write_rate(m, out, true)?;
        write_tags(m, out)?;
        write_ts(m, b"|T", out)?;
        write_opt(m, "container_id", b"|c:", out)
    } else if let Some(e) = v.get("event") {
        // Title and text are length-delimited, so they may hold `|` but not a line end.
        let field = |key: &str| {
            e.get(key)
                .and_then(Value::as_str)
                .filter(|s| !s.contains(['\n', '\r']))
                .ok_or_else(|| enc_err(true, format!("event needs a one-line string `{key}`")))
        };
        let (title, text) = (field("title")?, field("text")?);
        out.extend_from_slice(
            format!("_e{{{},{}}}:{title}|{text}", title.len(), text.len()).as_bytes(),
        );
        write_ts(e, b"|d:", out)?;
        for (key, p) in [
            ("hostname", "|h:"),
            ("aggregation_key", "|k:"),
            ("priority", "|p:"),
            ("source", "|s:"),
            ("type", "|t:"),
        ] {
            write_opt(e, key, p.as_bytes(), out)?;
        }
        write_tags(e, out)?;
        write_opt(e, "container_id", b"|c:", out)
    } else if let Some(c) = v.get("service_check") {
        let name = str_field(c, "name", true)?
            .ok_or_else(|| enc_err(true, "service check needs a `name`"))?;
        let status = c
            .get("status")
            .and_then(Value::as_u64)
            .filter(|s| *s <= 3)
            .ok_or_else(|| enc_err(true, "service check `status` must be 0-3"))?;
        out.extend_from_slice(format!("_sc|{name}|{status}").as_bytes());
        write_ts(c, b"|d:", out)?;
        write_opt(c, "hostname", b"|h:", out)?;
        write_tags(c, out)?;
        write_opt(c, "container_id", b"|c:", out)?;
        if let Some(m) = c.get("message").and_then(Value::as_str) {
            if m.contains(['\n', '\r']) {
                return Err(enc_err(true, "service check message spans lines"));
            }
            out.extend_from_slice(b"|m:");
            out.extend_from_slice(m.as_bytes());
        }
        Ok(())
    } else {
        Err(enc_err(
            true,
            "expected a record with `metric`, `event` or `service_check`",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert!(matches!(number("42", false), Some(Value::I64(42))));
        assert!(matches!(number("-42", false), Some(Value::I64(-42))));
        assert!(matches!(
            number("18446744073709551615", false),
            Some(Value::U64(u64::MAX))
        ));
        assert!(matches!(number("4.5", false), Some(Value::F64(_))));
        assert!(matches!(number(".5", false), Some(Value::F64(_))));
        assert!(matches!(number("1e3", false), Some(Value::F64(_))));
        for bad in [
            "", "-", "abc", "inf", "NaN", "1e999", "+-1", "--1", "1.2.3", "0x10",
        ] {
            assert!(number(bad, false).is_none(), "{bad}");
        }
    }
}
