//! `cidr`: IP addresses and CIDR ranges (IPv4 and IPv6).
//!
//! `cidr||` matches any address (`10.0.0.1`, `2001:db8::1`) or CIDR block (`10.0.0.0/8`).
//! `cidr|10.22.0.0/24, 2001:db8::/32|` matches an address inside any of the listed ranges.
//! Extraction yields tremor's shape: `{"prefix": [...], "mask": [...]}`, as four octets for
//! IPv4 and eight 16-bit groups for IPv6. For a plain address the prefix is the address and
//! the mask all ones; for a block, its network address and mask. A block whose host bits are
//! set is rejected (`10.0.0.1/8` is not a network), as tremor's `cidr_utils` does.

use std::borrow::Cow;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::ExtractorError;
use crate::{Record, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Net {
    V4 { addr: u32, len: u8 },
    V6 { addr: u128, len: u8 },
}

fn mask32(len: u8) -> u32 {
    u32::MAX.checked_shl(32 - u32::from(len)).unwrap_or(0)
}

fn mask128(len: u8) -> u128 {
    u128::MAX.checked_shl(128 - u32::from(len)).unwrap_or(0)
}

impl Net {
    /// Parses `addr` or `addr/len`; `None` if it is neither or has host bits set.
    fn parse(s: &str) -> Option<Net> {
        let (a, len) = match s.split_once('/') {
            Some((a, l)) => {
                if l.is_empty() || l.len() > 3 || !l.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                (a, Some(l.parse::<u8>().ok()?))
            }
            None => (s, None),
        };
        match a.parse::<IpAddr>().ok()? {
            IpAddr::V4(v4) => {
                let len = len.unwrap_or(32);
                let addr = u32::from(v4);
                (len <= 32 && addr & !mask32(len) == 0).then_some(Net::V4 { addr, len })
            }
            IpAddr::V6(v6) => {
                let len = len.unwrap_or(128);
                let addr = u128::from(v6);
                (len <= 128 && addr & !mask128(len) == 0).then_some(Net::V6 { addr, len })
            }
        }
    }

    fn contains(&self, ip: IpAddr) -> bool {
        match (*self, ip) {
            (Net::V4 { addr, len }, IpAddr::V4(a)) => u32::from(a) & mask32(len) == addr,
            (Net::V6 { addr, len }, IpAddr::V6(a)) => u128::from(a) & mask128(len) == addr,
            _ => false,
        }
    }

    fn to_value(self) -> Value<'static> {
        let mut r = Record::with_capacity(2);
        let (prefix, mask): (Vec<Value<'static>>, Vec<Value<'static>>) = match self {
            Net::V4 { addr, len } => (
                Ipv4Addr::from(addr)
                    .octets()
                    .iter()
                    .map(|o| Value::I64(i64::from(*o)))
                    .collect(),
                Ipv4Addr::from(mask32(len))
                    .octets()
                    .iter()
                    .map(|o| Value::I64(i64::from(*o)))
                    .collect(),
            ),
            Net::V6 { addr, len } => (
                Ipv6Addr::from(addr)
                    .segments()
                    .iter()
                    .map(|o| Value::I64(i64::from(*o)))
                    .collect(),
                Ipv6Addr::from(mask128(len))
                    .segments()
                    .iter()
                    .map(|o| Value::I64(i64::from(*o)))
                    .collect(),
            ),
        };
        r.push_unique(Cow::Borrowed("prefix"), Value::Array(prefix));
        r.push_unique(Cow::Borrowed("mask"), Value::Array(mask));
        Value::Record(r)
    }
}

/// A compiled `cidr` extractor.
#[derive(Debug, Clone)]
pub struct Cidr {
    /// Empty: any address or block matches.
    ranges: Vec<Net>,
}

impl Cidr {
    pub(crate) fn compile(pattern: &str) -> Result<Self, ExtractorError> {
        let mut ranges = Vec::new();
        if pattern.trim().is_empty() {
            return Ok(Cidr { ranges });
        }
        let mut at = 0;
        for part in pattern.split(',') {
            let lead = part.len() - part.trim_start().len();
            let rule = part.trim();
            let net = Net::parse(rule).ok_or_else(|| {
                let hint = match rule
                    .split_once('/')
                    .map(|(a, l)| (a.parse::<IpAddr>(), l.parse::<u8>()))
                {
                    Some((Ok(_), Ok(_))) => {
                        " (host bits are set, or the prefix length is too long)"
                    }
                    _ => "",
                };
                ExtractorError::at(
                    "cidr",
                    at + lead,
                    format!("`{rule}` is not an address or CIDR range{hint}"),
                )
            })?;
            ranges.push(net);
            at += part.len() + 1;
        }
        Ok(Cidr { ranges })
    }

    fn find(&self, s: &str) -> Option<Net> {
        if self.ranges.is_empty() {
            return Net::parse(s);
        }
        let ip: IpAddr = s.parse().ok()?;
        if !self.ranges.iter().any(|r| r.contains(ip)) {
            return None;
        }
        Some(match ip {
            IpAddr::V4(a) => Net::V4 {
                addr: u32::from(a),
                len: 32,
            },
            IpAddr::V6(a) => Net::V6 {
                addr: u128::from(a),
                len: 128,
            },
        })
    }

    pub(crate) fn is_match(&self, s: &str) -> bool {
        self.find(s).is_some()
    }

    pub(crate) fn extract<'i>(&self, s: &'i str) -> Option<Value<'i>> {
        self.find(s).map(Net::to_value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(pattern: &str, input: &str) -> Option<String> {
        let c = Cidr::compile(pattern).unwrap();
        let v = c.extract(input).map(|v| v.to_json());
        assert_eq!(c.is_match(input), v.is_some());
        v
    }

    #[test]
    fn any_address_or_block() {
        // tremor's documented outputs.
        assert_eq!(
            run("", "192.168.1.1").as_deref(),
            Some(r#"{"prefix":[192,168,1,1],"mask":[255,255,255,255]}"#)
        );
        assert_eq!(
            run("", "192.168.1.0").as_deref(),
            Some(r#"{"prefix":[192,168,1,0],"mask":[255,255,255,255]}"#)
        );
        assert_eq!(
            run("", "192.168.1.0/24").as_deref(),
            Some(r#"{"prefix":[192,168,1,0],"mask":[255,255,255,0]}"#)
        );
        assert_eq!(
            run("", "2001:4860:4860:0000:0000:0000:0000:8888").as_deref(),
            Some(
                r#"{"prefix":[8193,18528,18528,0,0,0,0,34952],"mask":[65535,65535,65535,65535,65535,65535,65535,65535]}"#
            )
        );
        assert_eq!(
            run("", "2001:db8::/32").as_deref(),
            Some(r#"{"prefix":[8193,3512,0,0,0,0,0,0],"mask":[65535,65535,0,0,0,0,0,0]}"#)
        );
        assert_eq!(
            run("", "0.0.0.0/0").as_deref(),
            Some(r#"{"prefix":[0,0,0,0],"mask":[0,0,0,0]}"#)
        );
    }

    #[test]
    fn ranges_filter() {
        let one = Some(r#"{"prefix":[10,22,0,254],"mask":[255,255,255,255]}"#);
        assert_eq!(run("10.22.0.0/24", "10.22.0.254").as_deref(), one);
        assert_eq!(
            run("10.22.0.0/24, 10.21.1.0/24", "10.22.0.254").as_deref(),
            one
        );
        assert_eq!(run("10.22.0.0/24, 10.22.1.0/24", "99.98.97.96"), None);
        assert_eq!(run("10.22.0.0/24, 10.21.1.0/24", "19.22.0.254"), None);
        assert_eq!(
            run("10.0.0.0/8", "10.255.255.255")
                .as_deref()
                .map(|s| s.contains("[10,255,255,255]")),
            Some(true)
        );
        assert_eq!(run("10.0.0.0/8", "11.0.0.0"), None);
        // IPv6 ranges, and mixing families.
        assert!(run("2001:db8::/32", "2001:db8:1::7").is_some());
        assert!(run("2001:db8::/32", "2001:db9::1").is_none());
        assert!(run("10.0.0.0/8, fd00::/8", "fd12::1").is_some());
        assert!(run("fd00::/8", "10.0.0.1").is_none());
        assert!(run("127.0.0.1", "127.0.0.1").is_some());
        assert!(run("127.0.0.1", "127.0.0.2").is_none());
    }

    #[test]
    fn malformed_input_does_not_match() {
        for input in [
            "",
            "snot",
            "1",
            "1.2.3",
            "1.2.3.4.",
            "256.1.1.1",
            "1.2.3.4/33",
            "10.0.0.1/8",
            "1.2.3.4/",
            "1.2.3.4/x",
            "::g",
            "1.2.3.4 ",
            "2001:db8::/129",
        ] {
            assert_eq!(run("", input), None, "{input}");
        }
        // With ranges the input must be an address, not a block.
        assert_eq!(run("10.0.0.0/8", "10.1.0.0/16"), None);
    }

    #[test]
    fn bad_ranges_are_compile_errors_with_offsets() {
        for (p, off) in [
            ("snot", 0),
            ("10.0.0.0/8, x", 12),
            ("10.0.0.1/8", 0),
            ("10.0.0.0/8,,", 11),
            ("1.2.3.4/40", 0),
        ] {
            let e = Cidr::compile(p).expect_err(p);
            assert_eq!(e.offset, Some(off), "{p}: {}", e.message);
        }
    }
}
