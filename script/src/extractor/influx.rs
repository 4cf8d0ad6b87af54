//! `influx`: one line of the InfluxDB line protocol.
//!
//! `weather,location=us-midwest temperature=82,ok=t,n=3i,s="x" 1465839830100400200` yields
//! `{"measurement": "weather", "tags": {"location": "us-midwest"}, "fields": {"temperature":
//! 82.0, "ok": true, "n": 3, "s": "x"}, "timestamp": 1465839830100400200}`, as tremor does.
//! Field values: a bare number is a float, `3i` an integer, `3u` an unsigned integer,
//! `"..."` a string, `t`/`true`/`f`/`false` (any case form the protocol allows) a boolean.
//! Escapes: `\,` `\ ` `\=` `\\` in names and tags, `\"` `\\` in strings. A line without a
//! timestamp yields `"timestamp": null` (tremor substitutes the ingest time, which the
//! extractor does not know). Blank lines and `#` comments do not match.

use std::borrow::Cow;

use super::json::no_pattern;
use super::ExtractorError;
use crate::{Record, Value};

/// The `influx` extractor (it takes no pattern).
#[derive(Debug, Clone, Default)]
pub struct Influx;

struct Parser<'i> {
    s: &'i str,
    pos: usize,
}

impl<'i> Parser<'i> {
    fn peek(&self) -> Option<u8> {
        self.s.as_bytes().get(self.pos).copied()
    }

    /// Reads up to the first unescaped byte in `ends`, which is returned (None at the end
    /// of input). Escaped ends and backslashes lose their backslash; other escapes keep it.
    fn token(&mut self, ends: &[u8]) -> (Cow<'i, str>, Option<u8>) {
        let b = self.s.as_bytes();
        let start = self.pos;
        let mut owned: Option<String> = None;
        let mut seg = start;
        while let Some(&c) = b.get(self.pos) {
            if ends.contains(&c) {
                break;
            }
            if c == b'\\' {
                if let Some(&n) = b.get(self.pos + 1) {
                    if n == b'\\' || ends.contains(&n) {
                        let o = owned.get_or_insert_with(String::new);
                        o.push_str(&self.s[seg..self.pos]);
                        seg = self.pos + 1;
                        self.pos += 2;
                        continue;
                    }
                }
            }
            self.pos += 1;
        }
        let end = self.pos;
        let stop = b.get(end).copied();
        if stop.is_some() {
            self.pos += 1;
        }
        let text = match owned {
            None => Cow::Borrowed(&self.s[start..end]),
            Some(mut o) => {
                o.push_str(&self.s[seg..end]);
                Cow::Owned(o)
            }
        };
        (text, stop)
    }

    fn string(&mut self) -> Option<Cow<'i, str>> {
        // The opening quote is already consumed.
        let (text, stop) = self.token(b"\"");
        (stop == Some(b'"')).then_some(text)
    }

    fn value(&mut self) -> Option<(Value<'i>, Option<u8>)> {
        if self.peek() == Some(b'"') {
            self.pos += 1;
            let s = self.string()?;
            let stop = self.peek();
            match stop {
                Some(b',' | b' ') => self.pos += 1,
                None => {}
                Some(_) => return None,
            }
            return Some((Value::String(s), stop));
        }
        let (raw, stop) = self.token(b", ");
        if raw.is_empty() {
            return None;
        }
        let v = if let Some(i) = raw.strip_suffix('i') {
            Value::I64(i.parse().ok()?)
        } else if let Some(u) = raw.strip_suffix('u') {
            Value::from(u.parse::<u64>().ok()?)
        } else {
            match &*raw {
                "t" | "T" | "true" | "True" | "TRUE" => Value::Bool(true),
                "f" | "F" | "false" | "False" | "FALSE" => Value::Bool(false),
                other => {
                    // Rust's float parser also takes "inf" and "NaN", which the protocol does not.
                    if !other
                        .bytes()
                        .all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b))
                    {
                        return None;
                    }
                    Value::F64(other.parse().ok()?)
                }
            }
        };
        Some((v, stop))
    }

    fn line(&mut self) -> Option<Value<'i>> {
        let (measurement, stop) = self.token(b", ");
        if measurement.is_empty() || stop.is_none() {
            return None;
        }
        let mut tags = Record::new();
        if stop == Some(b',') {
            loop {
                let (k, stop) = self.token(b"=, ");
                if stop != Some(b'=') || k.is_empty() {
                    return None;
                }
                let (v, stop) = self.token(b"=, ");
                if v.is_empty() {
                    return None;
                }
                tags.insert(k, Value::String(v));
                match stop {
                    Some(b',') => {}
                    Some(b' ') => break,
                    _ => return None,
                }
            }
        }
        let mut fields = Record::new();
        loop {
            let (k, stop) = self.token(b"=, ");
            if stop != Some(b'=') || k.is_empty() {
                return None;
            }
            let (v, stop) = self.value()?;
            fields.insert(k, v);
            match stop {
                Some(b',') => {}
                Some(b' ') | None => break,
                _ => return None,
            }
        }
        let rest = &self.s[self.pos..];
        let timestamp = if rest.is_empty() {
            Value::Null
        } else {
            Value::I64(rest.parse().ok()?)
        };
        let mut r = Record::with_capacity(4);
        r.push_unique(Cow::Borrowed("measurement"), Value::String(measurement));
        r.push_unique(Cow::Borrowed("tags"), Value::Record(tags));
        r.push_unique(Cow::Borrowed("fields"), Value::Record(fields));
        r.push_unique(Cow::Borrowed("timestamp"), timestamp);
        Some(Value::Record(r))
    }
}

impl Influx {
    pub(crate) fn compile(pattern: &str) -> Result<Self, ExtractorError> {
        no_pattern("influx", pattern)?;
        Ok(Influx)
    }

    pub(crate) fn is_match(&self, s: &str) -> bool {
        self.extract(s).is_some()
    }

    pub(crate) fn extract<'i>(&self, s: &'i str) -> Option<Value<'i>> {
        let s = s.trim();
        if s.is_empty() || s.starts_with('#') {
            return None;
        }
        Parser { s, pos: 0 }.line()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(input: &str) -> Option<String> {
        let i = Influx::compile("").unwrap();
        let v = i.extract(input).map(|v| v.to_json());
        assert_eq!(i.is_match(input), v.is_some());
        v
    }

    #[test]
    fn lines_decode() {
        let cases = [
            // tremor's example.
            (
                r"wea\ ther,location=us-midwest temperature=82 1465839830100400200",
                r#"{"measurement":"wea ther","tags":{"location":"us-midwest"},"fields":{"temperature":82.0},"timestamp":1465839830100400200}"#,
            ),
            // Examples from the line protocol reference.
            (
                r#"weather,location=us-midwest,season=summer temperature=82i,humid=0.5,ok=t,note="too \"warm\"" 1465839830100400200"#,
                r#"{"measurement":"weather","tags":{"location":"us-midwest","season":"summer"},"fields":{"temperature":82,"humid":0.5,"ok":true,"note":"too \"warm\""},"timestamp":1465839830100400200}"#,
            ),
            (
                "cpu usage=1.5",
                r#"{"measurement":"cpu","tags":{},"fields":{"usage":1.5},"timestamp":null}"#,
            ),
            (
                r#"m,tag\ key=tag\,value,t\=k=v f\ k="a,b c",g=FALSE,h=-3i,u=7u 0"#,
                r#"{"measurement":"m","tags":{"tag key":"tag,value","t=k":"v"},"fields":{"f k":"a,b c","g":false,"h":-3,"u":7},"timestamp":0}"#,
            ),
            (
                "  m f=1e3 -5  ",
                r#"{"measurement":"m","tags":{},"fields":{"f":1000.0},"timestamp":-5}"#,
            ),
            (
                r#"m s="back\\slash""#,
                r#"{"measurement":"m","tags":{},"fields":{"s":"back\\slash"},"timestamp":null}"#,
            ),
        ];
        for (input, want) in cases {
            assert_eq!(run(input).as_deref(), Some(want), "{input}");
        }
    }

    #[test]
    fn malformed_input_does_not_match() {
        for input in [
            "",
            "   ",
            "# comment f=1",
            "snot",
            "123",
            "m",
            "m,t=1",
            "m f",
            "m f=",
            "m f=1 x",
            "m f=1 1 2",
            "m,t f=1",
            "m,t=a=b f=1",
            "m,=v f=1",
            "m f=1i2",
            "m f=abc",
            "m f=inf",
            r#"m f="open"#,
            r#"m f="x"y"#,
            "m f=1,",
            ",t=1 f=1",
            "m f=99999999999999999999i",
        ] {
            assert_eq!(run(input), None, "{input:?}");
        }
    }

    #[test]
    fn values_borrow_when_unescaped() {
        let v = Influx.extract("cpu,host=a usage=1").unwrap();
        assert!(matches!(
            v.get("measurement"),
            Some(Value::String(Cow::Borrowed("cpu")))
        ));
    }
}
