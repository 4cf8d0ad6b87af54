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
    // Up to 19 digits cannot overflow a u64, so the common lengths (nanosecond timestamps
    // have 19) skip the overflow checks and take eight digits at a time.
    if b.len() <= 19 {
        let mut v: u64 = 0;
        let mut chunks = b.chunks_exact(8);
        for c in &mut chunks {
            v = v * 100_000_000 + eight_digits(c).ok_or(NumErr::Syntax)?;
        }
        for &c in chunks.remainder() {
            let d = c.wrapping_sub(b'0');
            if d > 9 {
                return Err(NumErr::Syntax);
            }
            v = v * 10 + u64::from(d);
        }
        return Ok(v);
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

/// The value of exactly eight ASCII digits (`None` if any byte is not a digit), combined in
/// a register: pairs, then quads, then the whole (Lemire, "Quickly parsing eight digits").
fn eight_digits(c: &[u8]) -> Option<u64> {
    let x = u64::from_le_bytes(c.try_into().ok()?);
    // Every byte 0x30..=0x39: high nibble 3, and adding 6 does not carry out of the nibble.
    let hi = x & 0xF0F0_F0F0_F0F0_F0F0;
    let carry = (x.wrapping_add(0x0606_0606_0606_0606) & 0xF0F0_F0F0_F0F0_F0F0) >> 4;
    if hi | carry != 0x3333_3333_3333_3333 {
        return None;
    }
    let v = x & 0x0F0F_0F0F_0F0F_0F0F;
    let v = (v.wrapping_mul(2561) >> 8) & 0x00FF_00FF_00FF_00FF;
    let v = (v.wrapping_mul(6_553_601) >> 16) & 0x0000_FFFF_0000_FFFF;
    Some(v.wrapping_mul(42_949_672_960_001) >> 32)
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

/// The spellings of a boolean field.
pub(crate) fn parse_bool(b: &[u8]) -> Option<bool> {
    match b {
        b"t" | b"T" | b"true" | b"True" | b"TRUE" => Some(true),
        b"f" | b"F" | b"false" | b"False" | b"FALSE" => Some(false),
        _ => None,
    }
}

/// An integer field's digits (`i` stripped), as [`convert`] reads them.
pub(crate) fn int_value(b: &[u8]) -> Option<i64> {
    parse_signed(b).ok()
}

/// An unsigned field's digits (`u` stripped), as [`convert`] reads them.
pub(crate) fn uint_value(b: &[u8]) -> Option<u64> {
    parse_u64(b).ok()
}

pub(crate) fn convert(raw: RawField<'_>) -> Result<Value<'_>, String> {
    Ok(match raw {
        RawField::Str(s) => Value::String(s),
        RawField::Bool(b) => Value::Bool(
            parse_bool(b)
                .ok_or_else(|| format!("invalid bool value {:?}", String::from_utf8_lossy(b)))?,
        ),
        RawField::Int(b) => Value::I64(parse_signed(b).map_err(|e| match e {
            NumErr::Range => OUT_OF_RANGE,
            NumErr::Syntax => "invalid integer value syntax",
        })?),
        // Kept as U64 even when small, so that `u` survives a round trip.
        RawField::Uint(b) => Value::U64(parse_u64(b).map_err(|e| match e {
            NumErr::Range => OUT_OF_RANGE,
            NumErr::Syntax => "invalid unsigned integer value syntax",
        })?),
        RawField::Float(b) => Value::F64(parse_float(b)?),
    })
}

/// Powers of ten that are exact doubles.
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// A decimal float's text, checked and read: the value is `mant * 10^exp`, negated when
/// `neg`. `exact`: `mant` holds every digit and fits 53 bits (otherwise digits were lost).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Decimal {
    pub(crate) neg: bool,
    pub(crate) mant: u64,
    pub(crate) exp: i64,
    pub(crate) exact: bool,
}

/// Checks `-?(digits)(.digits)?([eE][+-]?digits)?` with at least one mantissa digit: decimal
/// floats only (no `inf`, `nan` or hexadecimal forms, which InfluxDB cannot store or does not
/// send). `None`: not that syntax.
pub(crate) fn scan_decimal(b: &[u8]) -> Option<Decimal> {
    let neg = b.first() == Some(&b'-');
    let mut i = usize::from(neg);
    let mut mant: u64 = 0;
    let mut exact = true;
    let mut digits = 0usize;
    let mut frac = 0i64;
    let mut in_frac = false;
    loop {
        match b.get(i) {
            Some(c @ b'0'..=b'9') => {
                digits += 1;
                if in_frac {
                    frac += 1;
                }
                match mant
                    .checked_mul(10)
                    .and_then(|m| m.checked_add(u64::from(c - b'0')))
                {
                    Some(m) if m <= 1 << 53 => mant = m,
                    _ => exact = false,
                }
            }
            Some(b'.') if !in_frac => in_frac = true,
            _ => break,
        }
        i += 1;
    }
    if digits == 0 {
        return None;
    }
    let mut exp: i64 = 0;
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        let exp_neg = match b.get(i) {
            Some(b'-') => {
                i += 1;
                true
            }
            Some(b'+') => {
                i += 1;
                false
            }
            _ => false,
        };
        let start = i;
        while let Some(c @ b'0'..=b'9') = b.get(i) {
            exp = (exp * 10 + i64::from(c - b'0')).min(1 << 20);
            i += 1;
        }
        if i == start {
            return None;
        }
        if exp_neg {
            exp = -exp;
        }
    }
    if i != b.len() {
        return None;
    }
    Some(Decimal {
        neg,
        mant,
        exp: exp - frac,
        exact,
    })
}

/// [`scan_decimal`], then the value. `Some(Some(f))`: the value, when the mantissa fits 53
/// bits and the exponent is within ±22, where one exact IEEE multiplication or division is
/// correctly rounded (Clinger's fast path). `Some(None)`: valid, but needs the full parser.
fn scan_float(b: &[u8]) -> Option<Option<f64>> {
    let d = scan_decimal(b)?;
    Some(d.fast_value())
}

impl Decimal {
    /// The value by Clinger's fast path, when it applies (see [`scan_float`]).
    pub(crate) fn fast_value(self) -> Option<f64> {
        let e = self.exp;
        if !self.exact || !(-22..=22).contains(&e) {
            return None;
        }
        #[allow(
            clippy::cast_precision_loss,
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss
        )]
        let f = if e >= 0 {
            self.mant as f64 * POW10[e as usize]
        } else {
            self.mant as f64 / POW10[(-e) as usize]
        };
        Some(if self.neg { -f } else { f })
    }
}

/// A float field's value from its text: the same syntax and rounding as [`convert`].
pub(crate) fn parse_float(b: &[u8]) -> Result<f64, &'static str> {
    let f = match scan_float(b) {
        None => return Err("invalid float value syntax"),
        Some(Some(f)) => f,
        Some(None) => {
            let s = std::str::from_utf8(b).map_err(|_| "invalid float value syntax")?;
            s.parse().map_err(|_| "invalid float value syntax")?
        }
    };
    if f.is_finite() {
        Ok(f)
    } else {
        Err(OUT_OF_RANGE)
    }
}

/// True for the float syntax [`scan_float`] accepts.
#[cfg(test)]
fn is_decimal_float(b: &[u8]) -> bool {
    scan_float(b).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_floats_match_the_full_parser() {
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for _ in 0..200_000 {
            let mant = next() % 10u64.pow(1 + (next() % 17) as u32);
            let point = (next() % 20) as usize;
            let mut s = mant.to_string();
            if point < s.len() {
                s.insert(point, '.');
            }
            if next() % 3 == 0 {
                s.push_str(&format!("e{}", (next() % 60) as i64 - 30));
            }
            if next() % 2 == 0 {
                s.insert(0, '-');
            }
            let want: f64 = s.parse().unwrap();
            let got = match scan_float(s.as_bytes()) {
                Some(Some(f)) => f,
                Some(None) => want,
                None => panic!("{s} rejected"),
            };
            assert_eq!(got.to_bits(), want.to_bits(), "{s}");
        }
    }

    #[test]
    fn chunked_integers_match_the_standard_parser() {
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for _ in 0..100_000 {
            let len = 1 + (next() % 22) as usize;
            let mut s: Vec<u8> = (0..len).map(|_| b'0' + (next() % 10) as u8).collect();
            if next() % 4 == 0 {
                // Any byte, digit-adjacent ones most likely to fool a bit trick.
                let at = (next() % len as u64) as usize;
                s[at] =
                    [b'/', b':', b'a', 0xff, 0x00, b' ', b'-', b'9' + 0x80][(next() % 8) as usize];
            }
            let want = match std::str::from_utf8(&s).ok().map(str::parse::<u64>) {
                Some(Ok(v)) if s.iter().all(u8::is_ascii_digit) => Ok(v),
                _ if !s.iter().all(u8::is_ascii_digit) => Err(NumErr::Syntax),
                _ => Err(NumErr::Range),
            };
            // The overflow is reported where it happens, before a bad byte further on.
            let want = match want {
                Err(NumErr::Syntax) => {
                    let bad = s.iter().position(|c| !c.is_ascii_digit()).unwrap();
                    match std::str::from_utf8(&s[..bad]).unwrap().parse::<u64>() {
                        Err(_) if bad > 0 => Err(NumErr::Range),
                        _ => Err(NumErr::Syntax),
                    }
                }
                w => w,
            };
            assert_eq!(parse_u64(&s), want, "{:?}", String::from_utf8_lossy(&s));
        }
    }

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
