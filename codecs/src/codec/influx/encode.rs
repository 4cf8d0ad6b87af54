//! Writing `{measurement, tags, fields, timestamp}` records as line protocol.
//!
//! What cannot be read back the same is an error rather than a silently different line:
//! empty names, control characters, a trailing backslash (it would escape the separator),
//! a measurement starting with `#` (a comment), NaN and infinite floats.

use std::borrow::Cow;

use sluice_script::{Record, Value};

use crate::Error;

fn err(message: impl Into<String>) -> Error {
    Error::Encode {
        codec: "influx",
        message: message.into(),
    }
}

fn check_name(what: &str, s: &str) -> Result<(), Error> {
    if s.is_empty() {
        return Err(err(format!("empty {what}")));
    }
    if s.bytes().any(|b| b < 32 || b == 0x7f) {
        return Err(err(format!("{what} {s:?} contains a control character")));
    }
    if s.ends_with('\\') {
        return Err(err(format!("{what} {s:?} ends with a backslash")));
    }
    Ok(())
}

/// Appends `s` with a backslash before every byte in `special`.
fn escaped(s: &str, special: &[u8], out: &mut Vec<u8>) {
    let b = s.as_bytes();
    let mut start = 0;
    for (i, c) in b.iter().enumerate() {
        if special.contains(c) {
            out.extend_from_slice(&b[start..i]);
            out.push(b'\\');
            start = i;
        }
    }
    out.extend_from_slice(&b[start..]);
}

/// String field values escape what the reference decoder unescapes, so line ends inside a
/// value never split the line.
fn escape_string(s: &str, out: &mut Vec<u8>) {
    let b = s.as_bytes();
    let mut start = 0;
    for (i, c) in b.iter().enumerate() {
        let esc = match c {
            b'\\' => b'\\',
            b'"' => b'"',
            b'\n' => b'n',
            b'\r' => b'r',
            b'\t' => b't',
            _ => continue,
        };
        out.extend_from_slice(&b[start..i]);
        out.push(b'\\');
        out.push(esc);
        start = i + 1;
    }
    out.extend_from_slice(&b[start..]);
}

/// Tag values that are not strings are written in their text form.
fn tag_text<'v>(key: &str, v: &'v Value<'_>) -> Result<Option<Cow<'v, str>>, Error> {
    Ok(match v {
        Value::Null => None,
        Value::String(s) if s.is_empty() => None,
        Value::String(s) => Some(Cow::Borrowed(s.as_ref())),
        Value::Bool(_) | Value::I64(_) | Value::U64(_) | Value::F64(_) => {
            Some(Cow::Owned(v.to_json()))
        }
        other => {
            return Err(err(format!(
                "tag {key:?} is a {}, expected a string",
                other.value_type()
            )))
        }
    })
}

/// Appends `value` as one line (no line end) to `out`. `order` is scratch space for
/// sorting tag keys; timestamps are divided by `factor` (nanoseconds per unit).
pub(crate) fn encode(
    value: &Value<'_>,
    factor: i64,
    sort_tags: bool,
    order: &mut Vec<usize>,
    out: &mut Vec<u8>,
) -> Result<(), Error> {
    let start = out.len();
    let r = encode_line(value, factor, sort_tags, order, out);
    if r.is_err() {
        out.truncate(start);
    }
    r
}

fn encode_line(
    value: &Value<'_>,
    factor: i64,
    sort_tags: bool,
    order: &mut Vec<usize>,
    out: &mut Vec<u8>,
) -> Result<(), Error> {
    let Some(rec) = value.as_record() else {
        return Err(err(format!(
            "expected a record {{measurement, tags, fields, timestamp}}, got a {}",
            value.value_type()
        )));
    };
    let measurement = match rec.get("measurement") {
        Some(Value::String(s)) => s,
        _ => return Err(err("`measurement` must be a string")),
    };
    check_name("measurement", measurement)?;
    if measurement.starts_with('#') {
        return Err(err(
            "a measurement starting with `#` reads back as a comment",
        ));
    }
    escaped(measurement, b" ,", out);
    match rec.get("tags") {
        None | Some(Value::Null) => {}
        Some(Value::Record(tags)) => write_tags(tags, sort_tags, order, out)?,
        Some(other) => {
            return Err(err(format!(
                "`tags` must be a record, got a {}",
                other.value_type()
            )))
        }
    }
    let Some(Value::Record(fields)) = rec.get("fields") else {
        return Err(err("`fields` must be a record"));
    };
    let mut sep = b' ';
    for (k, v) in fields.iter() {
        if v.is_null() {
            continue;
        }
        check_name("field key", k)?;
        out.push(sep);
        sep = b',';
        escaped(k, b" ,=", out);
        out.push(b'=');
        write_field(k, v, out)?;
    }
    if sep == b' ' {
        return Err(err("a line needs at least one non-null field"));
    }
    match rec.get("timestamp") {
        None | Some(Value::Null) => {}
        Some(t) => {
            let ns = t
                .as_i64()
                .ok_or_else(|| err("`timestamp` must be an integer number of nanoseconds"))?;
            out.push(b' ');
            // Truncates toward zero like the reference encoder.
            out.extend_from_slice(itoa::Buffer::new().format(ns / factor).as_bytes());
        }
    }
    Ok(())
}

fn write_tags(
    tags: &Record<'_>,
    sort_tags: bool,
    order: &mut Vec<usize>,
    out: &mut Vec<u8>,
) -> Result<(), Error> {
    let entries: Vec<(&Cow<'_, str>, &Value<'_>)>;
    let sorted = !sort_tags || tags.keys().zip(tags.keys().skip(1)).all(|(a, b)| a < b);
    let write = |k: &str, v: &Value<'_>, out: &mut Vec<u8>| -> Result<(), Error> {
        let Some(text) = tag_text(k, v)? else {
            return Ok(());
        };
        check_name("tag key", k)?;
        check_name("tag value", &text)?;
        out.push(b',');
        escaped(k, b" ,=", out);
        out.push(b'=');
        escaped(&text, b" ,=", out);
        Ok(())
    };
    if sorted {
        for (k, v) in tags.iter() {
            write(k, v, out)?;
        }
    } else {
        entries = tags.iter().collect();
        order.clear();
        order.extend(0..entries.len());
        order.sort_by(|&a, &b| entries[a].0.cmp(entries[b].0));
        for &i in order.iter() {
            let (k, v) = entries[i];
            write(k, v, out)?;
        }
    }
    Ok(())
}

fn write_field(key: &str, v: &Value<'_>, out: &mut Vec<u8>) -> Result<(), Error> {
    match v {
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::I64(i) => {
            out.extend_from_slice(itoa::Buffer::new().format(*i).as_bytes());
            out.push(b'i');
        }
        Value::U64(u) => {
            out.extend_from_slice(itoa::Buffer::new().format(*u).as_bytes());
            out.push(b'u');
        }
        Value::F64(f) => {
            if !f.is_finite() {
                return Err(err(format!(
                    "field {key:?} is {f}, which has no line protocol form"
                )));
            }
            write_float(*f, out);
        }
        Value::String(s) => {
            out.push(b'"');
            escape_string(s, out);
            out.push(b'"');
        }
        other => {
            return Err(err(format!(
                "field {key:?} is a {}; fields hold numbers, booleans and strings",
                other.value_type()
            )))
        }
    }
    Ok(())
}

/// Formats a finite float as Go's `strconv.FormatFloat(f, 'g', -1, 64)` does (the form the
/// reference encoder writes): shortest round-trip digits, exponent form when the decimal
/// exponent is below -4 or at least 6 (`6.632243e+06`, `1e-05`), plain otherwise (`42`,
/// `0.001`).
pub(crate) fn write_float(f: f64, out: &mut Vec<u8>) {
    let mut buf = ryu::Buffer::new();
    let s = buf.format_finite(f);
    let (neg, s) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    // Split ryu's output into significant digits and the position of the decimal point.
    let (mant, exp10) = match s.split_once('e') {
        Some((m, e)) => (m, e.parse::<i32>().unwrap_or(0)),
        None => (s, 0),
    };
    let (int_part, frac_part) = mant.split_once('.').unwrap_or((mant, ""));
    let mut digits: Vec<u8> = int_part.bytes().chain(frac_part.bytes()).collect();
    #[allow(clippy::cast_possible_wrap, clippy::cast_possible_truncation)]
    let mut dp = int_part.len() as i32 + exp10;
    while digits.first() == Some(&b'0') {
        digits.remove(0);
        dp -= 1;
    }
    while digits.last() == Some(&b'0') {
        digits.pop();
    }
    if neg {
        out.push(b'-');
    }
    if digits.is_empty() {
        out.push(b'0');
        return;
    }
    let exp = dp - 1;
    if !(-4..6).contains(&exp) {
        out.push(digits[0]);
        if digits.len() > 1 {
            out.push(b'.');
            out.extend_from_slice(&digits[1..]);
        }
        out.push(b'e');
        out.push(if exp < 0 { b'-' } else { b'+' });
        let e = exp.unsigned_abs();
        if e < 10 {
            out.push(b'0');
        }
        out.extend_from_slice(itoa::Buffer::new().format(e).as_bytes());
    } else if dp <= 0 {
        out.extend_from_slice(b"0.");
        out.extend(std::iter::repeat_n(b'0', dp.unsigned_abs() as usize));
        out.extend_from_slice(&digits);
    } else {
        let dp = dp.unsigned_abs() as usize;
        if digits.len() <= dp {
            out.extend_from_slice(&digits);
            out.extend(std::iter::repeat_n(b'0', dp - digits.len()));
        } else {
            out.extend_from_slice(&digits[..dp]);
            out.push(b'.');
            out.extend_from_slice(&digits[dp..]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(f: f64) -> String {
        let mut out = Vec::new();
        write_float(f, &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn go_g_format() {
        // Expected strings are what Go's strconv.FormatFloat(f, 'g', -1, 64) prints.
        assert_eq!(g(1.0), "1");
        assert_eq!(g(42.0), "42");
        assert_eq!(g(12.123), "12.123");
        assert_eq!(g(6_632_243.0), "6.632243e+06");
        assert_eq!(g(100_000.0), "100000");
        assert_eq!(g(1e6), "1e+06");
        assert_eq!(g(0.001), "0.001");
        assert_eq!(g(0.0001), "0.0001");
        assert_eq!(g(0.000_01), "1e-05");
        assert_eq!(g(f64::MAX), "1.7976931348623157e+308");
        assert_eq!(g(5e-324), "5e-324");
        assert_eq!(g(0.0), "0");
        assert_eq!(g(-0.0), "-0");
        assert_eq!(g(-2.5), "-2.5");
        assert_eq!(g(123_456.7), "123456.7");
        assert_eq!(g(1e21), "1e+21");
    }
}
