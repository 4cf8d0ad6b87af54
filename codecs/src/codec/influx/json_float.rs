//! A float field's JSON text straight from its line protocol text, byte-identical to what the
//! JSON writer prints for the parsed value (`ryu`'s shortest round-trip form), without
//! running the shortest-digits search.
//!
//! Why the digits can be read off the input: a decimal `D` of at most 15 significant digits
//! in the normal range parses to a double `x`, and no other decimal of at most 15 digits
//! parses to `x` (Matula: 10^15 < 2^52, so 15-digit decimals survive a trip through a double;
//! two of them on one double would contradict that). Ryu prints the shortest digits that
//! parse back to `x`; `D` is a candidate, so the shortest has at most as many digits as `D`,
//! so it is `D` itself (without trailing zeros). What is left is ryu's layout of digits and
//! exponent (`ryu::pretty::format64`), repeated in [`write_digits`]. Anything else (16 or
//! more significant digits, exponents outside Clinger's fast path) is parsed in full and
//! printed by the JSON writer itself. The unit tests compare both ways on many inputs.

use sluice_script::{write_json, Value};

use super::value::{parse_float, scan_decimal};

/// Largest digit string handled here (15 significant digits).
const MAX_DIGITS: u64 = 999_999_999_999_999;

/// Appends the JSON of float field text `b`; `Err` when the text is not a float the
/// decoder accepts (out is then unchanged).
pub(super) fn write_float_text(b: &[u8], out: &mut Vec<u8>) -> Result<(), ()> {
    let Some(d) = scan_decimal(b) else {
        return Err(());
    };
    // The exponent bound keeps the value far inside the normal range (1e-37 .. 1e37).
    if d.exact && (-22..=22).contains(&d.exp) {
        let (mut mant, mut exp) = (d.mant, d.exp);
        if mant == 0 {
            out.extend_from_slice(if d.neg { b"-0.0" } else { b"0.0" });
            return Ok(());
        }
        while mant % 10 == 0 {
            mant /= 10;
            exp += 1;
        }
        if mant <= MAX_DIGITS {
            if d.neg {
                out.push(b'-');
            }
            write_digits(mant, exp, out);
            return Ok(());
        }
    }
    let f = parse_float(b).map_err(|_| ())?;
    write_json(&Value::F64(f), out);
    Ok(())
}

/// `mant * 10^exp` (`mant` without trailing zeros) in ryu's layout: plain decimal while the
/// point is within 16 digits of the start and at most 5 places to the left, else scientific.
fn write_digits(mant: u64, exp: i64, out: &mut Vec<u8>) {
    let mut buf = itoa::Buffer::new();
    let digits = buf.format(mant).as_bytes();
    #[allow(clippy::cast_possible_wrap)]
    let len = digits.len() as i64;
    let kk = len + exp;
    #[allow(clippy::cast_sign_loss, clippy::cast_possible_truncation)]
    if exp >= 0 && kk <= 16 {
        // 1234e7 -> 12340000000.0
        out.extend_from_slice(digits);
        out.resize(out.len() + exp as usize, b'0');
        out.extend_from_slice(b".0");
    } else if 0 < kk && kk <= 16 {
        // 1234e-2 -> 12.34
        let (int, frac) = digits.split_at(kk as usize);
        out.extend_from_slice(int);
        out.push(b'.');
        out.extend_from_slice(frac);
    } else if -5 < kk && kk <= 0 {
        // 1234e-6 -> 0.001234
        out.extend_from_slice(b"0.");
        out.resize(out.len() + (-kk) as usize, b'0');
        out.extend_from_slice(digits);
    } else {
        // 1e30, 1234e30 -> 1.234e33
        out.push(digits[0]);
        if digits.len() > 1 {
            out.push(b'.');
            out.extend_from_slice(&digits[1..]);
        }
        out.push(b'e');
        out.extend_from_slice(itoa::Buffer::new().format(kk - 1).as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference(s: &str) -> Option<String> {
        let f = parse_float(s.as_bytes()).ok()?;
        let mut out = Vec::new();
        write_json(&Value::F64(f), &mut out);
        Some(String::from_utf8(out).unwrap())
    }

    fn fast(s: &str) -> Option<String> {
        let mut out = b"x".to_vec();
        match write_float_text(s.as_bytes(), &mut out) {
            Ok(()) => Some(String::from_utf8(out[1..].to_vec()).unwrap()),
            Err(()) => {
                assert_eq!(out, b"x", "{s}: output touched on error");
                None
            }
        }
    }

    #[test]
    fn hand_picked() {
        for s in [
            "0",
            "-0",
            "0.0",
            "-0.000",
            "0e5",
            "1",
            "-1",
            "1.0",
            "84.5",
            "3.125",
            "12.25",
            "0.1",
            "0.3",
            ".5",
            "5.",
            "-.5e1",
            "1e15",
            "1e16",
            "1e17",
            "1e22",
            "1e23",
            "1e-5",
            "1e-6",
            "0.00001",
            "0.000001",
            "1234e-6",
            "1234e-9",
            "123456789012345",
            "1234567890123456",
            "12345678901234567",
            "9007199254740993",
            "1.7976931348623157e308",
            "2.2250738585072014e-308",
            "5e-324",
            "4.9e-324",
            "1e-400",
            "1e400",
            "-1e400",
            "100",
            "1000000000000000",
            "10000000000000000",
            "0000.1000",
            "1.5E+3",
            "1.5e-0",
            "123.456e-25",
            "999999999999999e7",
            "999999999999999e8",
            "0.000123456789012345",
            "1e",
            "-",
            ".",
            "1.1.1",
            "0x10",
            "inf",
            "nan",
            "1_0",
            "",
        ] {
            assert_eq!(fast(s), reference(s), "{s}");
        }
    }

    #[test]
    fn random_decimals_match_the_writer() {
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for _ in 0..300_000 {
            let mant = next() % 10u64.pow(1 + (next() % 18) as u32);
            let mut s = mant.to_string();
            // Leading zeros, a point anywhere, trailing zeros, an exponent, a sign.
            if next() % 5 == 0 {
                s.insert_str(0, &"0".repeat((next() % 4) as usize));
            }
            let point = (next() % (s.len() as u64 + 3)) as usize;
            if point <= s.len() {
                s.insert(point, '.');
            }
            if next() % 4 == 0 {
                s.push_str(&"0".repeat((next() % 5) as usize));
            }
            if next() % 3 == 0 {
                let e = (next() % 70) as i64 - 35;
                s.push_str(&format!("{}{e}", if next() % 2 == 0 { "e" } else { "E" }));
            }
            if next() % 2 == 0 {
                s.insert(0, '-');
            }
            assert_eq!(fast(&s), reference(&s), "{s}");
        }
    }
}
