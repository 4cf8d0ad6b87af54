//! `yaml`: one YAML document per frame.
//!
//! Decoding runs yaml-rust2's event parser and builds the [`Value`] directly from the events,
//! resolving plain scalars with the YAML 1.2 core schema (null, booleans, decimal / `0x` /
//! `0o` integers kept as `i64` or `u64`, floats incl. `.inf` and `.nan`) and honouring the
//! standard tags (`!!str`, `!!int`, `!!float`, `!!bool`, `!!null`, `!!binary`). Hostile
//! input is bounded: nesting deeper than 512 levels and alias expansion beyond a node
//! budget proportional to the input ("billion laughs") are errors, not memory.
//! Encoding is in [`super::yaml_encode`].

use std::borrow::Cow;
use std::collections::HashMap;

use base64::Engine as _;
use sluice_script::{Record, Value};
use yaml_rust2::parser::{Event, Parser, Tag};
use yaml_rust2::scanner::TScalarStyle;

use crate::Error;

/// Deepest nesting accepted (the same as for JSON).
pub const MAX_DEPTH: usize = 512;

/// Cost units a document may expand to: this many per input byte, plus a floor. A node
/// costs 1 plus a quarter of its string bytes, so an alias to a long string is not free and
/// the decoded value stays within a small multiple of the input size.
const NODES_PER_BYTE: usize = 4;
const NODES_FLOOR: usize = 4096;

fn err(message: impl Into<String>) -> Error {
    Error::Decode {
        codec: "yaml",
        message: message.into(),
    }
}

enum Open {
    Seq(Vec<Value<'static>>, usize),
    /// Entries, the pending key, the anchor.
    Map(Record<'static>, Option<String>, usize),
}

/// Decodes one YAML document.
pub(crate) fn decode(data: &[u8]) -> Result<Value<'static>, Error> {
    let text = std::str::from_utf8(data)
        .map_err(|e| err(format!("invalid UTF-8 at byte {}", e.valid_up_to())))?;
    let mut parser = Parser::new_from_str(text);
    let budget = data.len().saturating_mul(NODES_PER_BYTE) + NODES_FLOOR;
    let mut b = Builder {
        stack: Vec::new(),
        anchors: HashMap::new(),
        nodes: 0,
        budget,
        done: None,
    };
    let mut docs = 0;
    loop {
        let (ev, mark) = parser.next_token().map_err(|e| err(e.to_string()))?;
        match ev {
            Event::StreamEnd => break,
            Event::DocumentStart => {
                docs += 1;
                if docs > 1 {
                    return Err(err(format!(
                        "a second document starts at line {}; one document per frame",
                        mark.line()
                    )));
                }
            }
            Event::Nothing | Event::StreamStart | Event::DocumentEnd => {}
            Event::Alias(id) => {
                let (v, n) = b
                    .anchors
                    .get(&id)
                    .ok_or_else(|| err(format!("unknown alias at line {}", mark.line())))?;
                let (v, n) = (v.clone(), *n);
                b.count(n)?;
                b.push(v, 0)?;
            }
            Event::Scalar(s, style, anchor, tag) => {
                b.count(1 + s.len() / 4)?;
                let v = scalar(s, style, tag.as_ref())?;
                b.push(v, anchor)?;
            }
            Event::SequenceStart(anchor, _) => b.open(Open::Seq(Vec::new(), anchor))?,
            Event::MappingStart(anchor, _) => b.open(Open::Map(Record::new(), None, anchor))?,
            Event::SequenceEnd | Event::MappingEnd => b.close()?,
        }
    }
    Ok(b.done.unwrap_or(Value::Null))
}

struct Builder {
    stack: Vec<Open>,
    /// Anchor id to its value and cost.
    anchors: HashMap<usize, (Value<'static>, usize)>,
    nodes: usize,
    budget: usize,
    done: Option<Value<'static>>,
}

impl Builder {
    fn count(&mut self, n: usize) -> Result<(), Error> {
        self.nodes = self.nodes.saturating_add(n);
        if self.nodes > self.budget {
            return Err(err(format!(
                "document expands to more than {} nodes (alias bomb?)",
                self.budget
            )));
        }
        Ok(())
    }

    fn open(&mut self, o: Open) -> Result<(), Error> {
        self.count(1)?;
        if self.stack.len() >= MAX_DEPTH {
            return Err(err(format!("nested deeper than {MAX_DEPTH} levels")));
        }
        self.stack.push(o);
        Ok(())
    }

    fn close(&mut self) -> Result<(), Error> {
        let (v, anchor) = match self.stack.pop() {
            Some(Open::Seq(a, anchor)) => (Value::Array(a), anchor),
            Some(Open::Map(r, None, anchor)) => (Value::Record(r), anchor),
            Some(Open::Map(_, Some(_), _)) => return Err(err("mapping ends after a key")),
            None => return Err(err("unbalanced end of collection")),
        };
        self.push(v, anchor)
    }

    fn push(&mut self, v: Value<'static>, anchor: usize) -> Result<(), Error> {
        if anchor > 0 {
            // The copy kept for aliases costs as much as the value itself.
            let n = node_count(&v);
            self.count(n)?;
            self.anchors.insert(anchor, (v.clone(), n));
        }
        match self.stack.last_mut() {
            None => {
                if self.done.is_some() {
                    return Err(err("more than one top-level value"));
                }
                self.done = Some(v);
            }
            Some(Open::Seq(a, _)) => a.push(v),
            Some(Open::Map(r, key, _)) => match key.take() {
                Some(k) => {
                    r.insert(k, v);
                }
                None => *key = Some(key_text(v)?),
            },
        }
        Ok(())
    }
}

fn node_count(v: &Value<'_>) -> usize {
    match v {
        Value::Array(a) => 1 + a.iter().map(node_count).sum::<usize>(),
        Value::Record(r) => {
            1 + r
                .iter()
                .map(|(k, v)| k.len() / 4 + node_count(v))
                .sum::<usize>()
        }
        Value::String(s) => 1 + s.len() / 4,
        Value::Bytes(b) => 1 + b.len() / 4,
        _ => 1,
    }
}

/// Record keys are strings; scalar keys of other types keep their YAML text form.
fn key_text(v: Value<'static>) -> Result<String, Error> {
    Ok(match v {
        Value::String(s) => s.into_owned(),
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::I64(i) => i.to_string(),
        Value::U64(u) => u.to_string(),
        Value::F64(f) => f.to_string(),
        other => {
            return Err(err(format!(
                "{} as a mapping key is not supported",
                other.value_type()
            )))
        }
    })
}

fn core_tag(tag: Option<&Tag>) -> Option<&str> {
    let t = tag?;
    match t.handle.as_str() {
        "!!" | "tag:yaml.org,2002:" => Some(t.suffix.as_str()),
        _ => None,
    }
}

fn scalar(s: String, style: TScalarStyle, tag: Option<&Tag>) -> Result<Value<'static>, Error> {
    match core_tag(tag) {
        Some("str") => return Ok(Value::String(Cow::Owned(s))),
        Some("binary") => {
            let clean: Vec<u8> = s.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
            return base64::engine::general_purpose::STANDARD
                .decode(clean)
                .map(|b| Value::Bytes(Cow::Owned(b)))
                .map_err(|e| err(format!("!!binary: {e}")));
        }
        Some(t @ ("int" | "float" | "bool" | "null")) => {
            // The tag must agree with what the text resolves to (`!!float 1` widens).
            #[allow(clippy::cast_precision_loss)]
            return match (t, resolve_plain(&s)) {
                ("int", Some(v @ (Value::I64(_) | Value::U64(_))))
                | ("float", Some(v @ Value::F64(_)))
                | ("bool", Some(v @ Value::Bool(_)))
                | ("null", Some(v @ Value::Null)) => Ok(v),
                ("float", Some(Value::I64(i))) => Ok(Value::F64(i as f64)),
                _ => Err(err(format!("`{s}` is not a valid !!{t}"))),
            };
        }
        _ => {}
    }
    Ok(match (style, resolve_plain(&s)) {
        (TScalarStyle::Plain, Some(v)) => v,
        _ => Value::String(Cow::Owned(s)),
    })
}

/// YAML 1.2 core schema resolution of a plain scalar: `None` means it is a string.
pub(crate) fn resolve_plain(s: &str) -> Option<Value<'static>> {
    Some(match s {
        "" | "~" | "null" | "Null" | "NULL" => Value::Null,
        "true" | "True" | "TRUE" => Value::Bool(true),
        "false" | "False" | "FALSE" => Value::Bool(false),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => Value::F64(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => Value::F64(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => Value::F64(f64::NAN),
        _ => return resolve_number(s),
    })
}

fn resolve_number(s: &str) -> Option<Value<'static>> {
    if let Some(hex) = s.strip_prefix("0x") {
        if let Ok(u) = u64::from_str_radix(hex, 16) {
            return Some(Value::from(u));
        }
    }
    if let Some(oct) = s.strip_prefix("0o") {
        if let Ok(u) = u64::from_str_radix(oct, 8) {
            return Some(Value::from(u));
        }
    }
    let b = s.as_bytes();
    let digits = b
        .strip_prefix(b"-")
        .or_else(|| b.strip_prefix(b"+"))
        .unwrap_or(b);
    if !digits.is_empty() && digits.iter().all(u8::is_ascii_digit) {
        if let Ok(i) = s.parse::<i64>() {
            return Some(Value::I64(i));
        }
        if let Ok(u) = s.trim_start_matches('+').parse::<u64>() {
            return Some(Value::U64(u));
        }
    }
    if is_core_float(digits) {
        if let Ok(f) = s.parse::<f64>() {
            return Some(Value::F64(f));
        }
    }
    None
}

/// `( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?` (sign already stripped).
fn is_core_float(b: &[u8]) -> bool {
    let (mant, exp) = match b.iter().position(|c| *c == b'e' || *c == b'E') {
        Some(i) => (&b[..i], Some(&b[i + 1..])),
        None => (b, None),
    };
    let mant_ok = match mant.iter().position(|c| *c == b'.') {
        Some(i) => {
            let (int, frac) = (&mant[..i], &mant[i + 1..]);
            int.iter().all(u8::is_ascii_digit)
                && frac.iter().all(u8::is_ascii_digit)
                && !(int.is_empty() && frac.is_empty())
        }
        None => !mant.is_empty() && mant.iter().all(u8::is_ascii_digit),
    };
    let exp_ok = exp.is_none_or(|e| {
        let e = e
            .strip_prefix(b"-")
            .or_else(|| e.strip_prefix(b"+"))
            .unwrap_or(e);
        !e.is_empty() && e.iter().all(u8::is_ascii_digit)
    });
    mant_ok && exp_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Result<String, Error> {
        decode(s.as_bytes()).map(|v| v.to_json())
    }

    #[test]
    fn core_schema() {
        assert_eq!(
            d("a: 1\nb: -2.5\nc: true\nd: ~\ne: '1'\nf: 0x1f\ng: 1e3\nh: text\ni: 18446744073709551615").unwrap(),
            r#"{"a":1,"b":-2.5,"c":true,"d":null,"e":"1","f":31,"g":1000.0,"h":"text","i":18446744073709551615}"#
        );
        assert_eq!(
            d("- !!binary aGk=\n- !!str 12\n- [1, {x: y}]").unwrap(),
            r#"["aGk=","12",[1,{"x":"y"}]]"#
        );
    }

    #[test]
    fn aliases_expand_within_budget() {
        assert_eq!(
            d("a: &x [1, 2]\nb: *x").unwrap(),
            r#"{"a":[1,2],"b":[1,2]}"#
        );
        let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let p = i - 1;
            bomb.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        let e = d(&bomb).unwrap_err();
        assert!(e.to_string().contains("alias bomb"), "{e}");
    }

    #[test]
    fn aliases_to_long_strings_cost_their_length() {
        let mut doc = format!("a: &s {}\nb: [", "x".repeat(100_000));
        doc.push_str(&"*s, ".repeat(100));
        doc.push(']');
        assert!(d(&doc).unwrap_err().to_string().contains("alias bomb"));
    }

    #[test]
    fn nested_anchors_pay_for_their_copies() {
        // Every level anchored: copies would sum to depth x size without the charge.
        let mut doc = String::new();
        for i in 0..400 {
            doc.push_str(&format!("{}- &a{i} {}\n", "  ".repeat(i), "y".repeat(2000)));
            doc.push_str(&format!("{}- &b{i}\n", "  ".repeat(i)));
        }
        assert!(d(&doc).unwrap_err().to_string().contains("alias bomb"));
    }

    #[test]
    fn malformed() {
        assert!(d("a: [1, 2").is_err());
        assert!(d("--- 1\n--- 2").is_err());
        assert!(d(&"[".repeat(600)).is_err());
        assert!(decode(b"a: \xff").is_err());
        assert!(d("!!int abc").is_err());
        assert!(d("!!null abc").is_err());
        assert_eq!(d("!!float 2").unwrap(), "2.0");
    }
}
