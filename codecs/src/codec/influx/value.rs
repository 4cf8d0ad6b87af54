//! Field values and timestamps: the number syntaxes of the line protocol and their ranges.

use std::borrow::Cow;

use sluice_script::Value;

/// Timestamp unit of the wire format; decoded timestamps are always nanoseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precision {
    /// Nanoseconds (the line protocol default).
    Nanoseconds,
    /// Microseconds.
    Microseconds,
    /// Milliseconds.
    Milliseconds,
    /// Seconds.
    Seconds,
}

impl Precision {
    /// Parses `ns`, `us` (or `µs`), `ms` or `s`.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "ns" | "n" => Some(Precision::Nanoseconds),
            "us" | "µs" | "u" => Some(Precision::Microseconds),
            "ms" => Some(Precision::Milliseconds),
            "s" => Some(Precision::Seconds),
            _ => None,
        }
    }

    /// Nanoseconds per unit.
    #[must_use]
    pub fn factor(self) -> i64 {
        match self {
            Precision::Nanoseconds => 1,
            Precision::Microseconds => 1_000,
            Precision::Milliseconds => 1_000_000,
            Precision::Seconds => 1_000_000_000,
        }
    }
}

/// A field value before conversion: conversion errors come after structural ones, as in
/// the reference decoder.
pub(crate) enum RawField<'a> {
    Str(Cow<'a, str>),
    Bool(&'a [u8]),
    Int(&'a [u8]),
    Uint(&'a [u8]),
    Float(&'a [u8]),
}

pub(crate) const OUT_OF_RANGE: &str = "line-protocol value out of range";

/// Why a number did not parse.
#[derive(Debug, PartialEq, Eq)]
enum NumErr {
    Syntax,
    Range,
}

/// Decimal digits to `u64`, no sign.
fn parse_u64(b: &[u8]) -> Result<u64, NumErr> {
    if b.is_empty() {
        return Err(NumErr::Syntax);
    }
    let mut v: u64 = 0;
    for &c in b {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            return Err(NumErr::Syntax);
        }
        v = v
            .checked_mul(10)
            .and_then(|v| v.checked_add(u64::from(d)))
            .ok_or(NumErr::Range)?;
    }
    Ok(v)
}

/// `-?digits` to `i64`.
fn parse_signed(b: &[u8]) -> Result<i64, NumErr> {
    match b.split_first() {
        Some((b'-', digits)) => {
            let m = parse_u64(digits)?;
            0i64.checked_sub_unsigned(m).ok_or(NumErr::Range)
        }
        _ => i64::try_from(parse_u64(b)?).map_err(|_| NumErr::Range),
    }
}

pub(crate) fn parse_i64(b: &[u8]) -> Result<i64, &'static str> {
    parse_signed(b).map_err(|e| match e {
        NumErr::Range => OUT_OF_RANGE,
        NumErr::Syntax => "invalid syntax",
    })
}

pub(crate) fn convert(raw: RawField<'_>) -> Result<Value<'_>, String> {
    Ok(match raw {
        RawField::Str(s) => Value::String(s),
        RawField::Bool(b) => match b {
            b"t" | b"T" | b"true" | b"True" | b"TRUE" => Value::Bool(true),
            b"f" | b"F" | b"false" | b"False" | b"FALSE" => Value::Bool(false),
            _ => {
                return Err(format!(
                    "invalid bool value {:?}",
                    String::from_utf8_lossy(b)
                ))
            }
        },
        RawField::Int(b) => Value::I64(parse_signed(b).map_err(|e| match e {
            NumErr::Range => OUT_OF_RANGE,
            NumErr::Syntax => "invalid integer value syntax",
        })?),
        // Kept as U64 even when small, so that `u` survives a round trip.
        RawField::Uint(b) => Value::U64(parse_u64(b).map_err(|e| match e {
            NumErr::Range => OUT_OF_RANGE,
            NumErr::Syntax => "invalid unsigned integer value syntax",
        })?),
        RawField::Float(b) => {
            if !is_decimal_float(b) {
                return Err("invalid float value syntax".into());
            }
            let s = std::str::from_utf8(b).map_err(|_| "invalid float value syntax")?;
            let f: f64 = s.parse().map_err(|_| "invalid float value syntax")?;
            if !f.is_finite() {
                return Err(OUT_OF_RANGE.into());
            }
            Value::F64(f)
        }
    })
}

/// `-?(digits)(.digits)?([eE][+-]?digits)?` with at least one mantissa digit: decimal floats
/// only (no `inf`, `nan` or hexadecimal forms, which InfluxDB cannot store or does not send).
fn is_decimal_float(b: &[u8]) -> bool {
    let mut i = usize::from(b.first() == Some(&b'-'));
    let int_start = i;
    while b.get(i).is_some_and(u8::is_ascii_digit) {
        i += 1;
    }
    let mut digits = i - int_start;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let frac_start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        digits += i - frac_start;
    }
    if digits == 0 {
        return false;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let exp_start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == exp_start {
            return false;
        }
    }
    i == b.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers() {
        assert_eq!(parse_signed(b"-9223372036854775808"), Ok(i64::MIN));
        assert_eq!(parse_signed(b"9223372036854775807"), Ok(i64::MAX));
        assert_eq!(parse_signed(b"9223372036854775808"), Err(NumErr::Range));
        assert_eq!(parse_signed(b"-9223372036854775809"), Err(NumErr::Range));
        assert_eq!(parse_u64(b"18446744073709551615"), Ok(u64::MAX));
        assert_eq!(parse_u64(b"18446744073709551616"), Err(NumErr::Range));
        for bad in [&b""[..], b"-", b"--1", b"+1", b"1.0", b"1e3", b"-+1"] {
            assert_eq!(parse_signed(bad), Err(NumErr::Syntax), "{bad:?}");
        }
        assert_eq!(parse_u64(b"-1"), Err(NumErr::Syntax));
    }

    #[test]
    fn floats() {
        for ok in ["1", "-1.5", ".5", "5.", "1e5", "1E-5", "-0"] {
            assert!(is_decimal_float(ok.as_bytes()), "{ok}");
        }
        for bad in [
            "", "-", ".", "-.", "1e", "1e+", "1.1.1", "0x10", "-inf", "1_0", "1a",
        ] {
            assert!(!is_decimal_float(bad.as_bytes()), "{bad}");
        }
    }
}
