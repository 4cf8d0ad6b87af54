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

pub(crate) fn parse_i64(b: &[u8]) -> Result<i64, &'static str> {
    use std::num::IntErrorKind;
    // Bytes come from ASCII-only classes here, so this never fails on UTF-8.
    let s = std::str::from_utf8(b).map_err(|_| "invalid syntax")?;
    s.parse::<i64>().map_err(|e| match e.kind() {
        IntErrorKind::PosOverflow | IntErrorKind::NegOverflow => OUT_OF_RANGE,
        _ => "invalid syntax",
    })
}

pub(crate) fn convert(raw: RawField<'_>) -> Result<Value<'_>, String> {
    use std::num::IntErrorKind;
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
        RawField::Int(b) => {
            let s = std::str::from_utf8(b).map_err(|_| "invalid integer value syntax")?;
            Value::I64(s.parse::<i64>().map_err(|e| match e.kind() {
                IntErrorKind::PosOverflow | IntErrorKind::NegOverflow => OUT_OF_RANGE,
                _ => "invalid integer value syntax",
            })?)
        }
        RawField::Uint(b) => {
            let s = std::str::from_utf8(b).map_err(|_| "invalid unsigned integer value syntax")?;
            if s.starts_with('+') {
                return Err("invalid unsigned integer value syntax".into());
            }
            // Kept as U64 even when small, so that `u` survives a round trip.
            Value::U64(s.parse::<u64>().map_err(|e| match e.kind() {
                IntErrorKind::PosOverflow => OUT_OF_RANGE,
                _ => "invalid unsigned integer value syntax",
            })?)
        }
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
