//! JSON in and out of [`Value`].
//!
//! Decoding goes through simd-json's tape with buffers the decoder keeps between calls, so a
//! shard decodes event after event without allocating anything but the value itself; strings
//! borrow from the input slice (which simd-json rewrites in place while unescaping).

use std::borrow::Cow;

use base64::Engine as _;
use simd_json::{Buffers, Node, StaticNode, Tape};

use super::{Record, Value};

/// Deepest nesting accepted; deeper input is an error rather than a deep recursion.
pub const MAX_DEPTH: usize = 512;

/// Why a JSON document was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JsonError {
    /// simd-json rejected the input.
    #[error("invalid JSON at byte {offset}: {message}")]
    Syntax {
        /// Byte offset simd-json reported.
        offset: usize,
        /// What was wrong.
        message: String,
    },
    /// Arrays and records nested deeper than [`MAX_DEPTH`].
    #[error("JSON nested deeper than {MAX_DEPTH} levels")]
    TooDeep,
}

/// A reusable JSON decoder: one per shard (or per codec instance).
pub struct JsonDecoder {
    buffers: Buffers,
    tape: Option<Tape<'static>>,
    /// Ends of the containers open at a point of the tape, reused by the depth check.
    open: Vec<usize>,
    /// Validates frames already in the encoder's form in one pass, without the tape (the
    /// direct scan of `partial`, with no fields to note). Boxed, and made on the first
    /// `validate`: decoders are kept per source, connection and shard, most never validate.
    scan: Option<Box<super::JsonPatch>>,
}

impl Default for JsonDecoder {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for JsonDecoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JsonDecoder")
    }
}

fn syntax(e: &simd_json::Error) -> JsonError {
    JsonError::Syntax {
        offset: e.index(),
        message: format!("{:?}", e.error()),
    }
}

impl JsonDecoder {
    /// A decoder with buffers sized for typical log lines; they grow as needed.
    #[must_use]
    pub fn new() -> Self {
        JsonDecoder {
            buffers: Buffers::new(4096),
            tape: Some(Tape(Vec::with_capacity(256))),
            open: Vec::with_capacity(16),
            scan: None,
        }
    }

    /// Checks that `data` is one valid JSON document without building a value.
    /// `data` is clobbered (simd-json unescapes strings in place).
    ///
    /// # Errors
    /// [`JsonError`] if the input is not valid JSON or nests too deeply.
    pub fn validate(&mut self, data: &mut [u8]) -> Result<(), JsonError> {
        if self
            .scan
            .get_or_insert_with(|| Box::new(super::JsonPatch::new(&[])))
            .direct_valid(data)
        {
            return Ok(());
        }
        let mut open = std::mem::take(&mut self.open);
        let r = self.with_tape(data, |nodes| check_depth(nodes, &mut open));
        self.open = open;
        r
    }

    /// Decodes one JSON document into a value borrowing from `data`.
    ///
    /// # Errors
    /// [`JsonError`] if the input is not valid JSON or nests too deeply.
    pub fn decode<'a>(&mut self, data: &'a mut [u8]) -> Result<Value<'a>, JsonError> {
        self.with_tape(data, |nodes| {
            let mut pos = 0;
            build(nodes, &mut pos, 0)
        })
    }

    pub(super) fn with_tape<'a, T>(
        &mut self,
        data: &'a mut [u8],
        f: impl FnOnce(&[Node<'a>]) -> Result<T, JsonError>,
    ) -> Result<T, JsonError> {
        let mut tape: Tape<'a> = self.tape.take().unwrap_or_else(|| Tape(Vec::new())).reset();
        let r = match simd_json::fill_tape(data, &mut self.buffers, &mut tape) {
            Ok(()) => f(&tape.0),
            Err(e) => Err(syntax(&e)),
        };
        self.tape = Some(tape.reset());
        r
    }
}

fn check_depth(nodes: &[Node<'_>], ends: &mut Vec<usize>) -> Result<(), JsonError> {
    // Each container's `count` says how many nodes it spans; track where open containers end.
    ends.clear();
    for (i, n) in nodes.iter().enumerate() {
        while ends.last().is_some_and(|&e| e <= i) {
            ends.pop();
        }
        if let Node::Object { count, .. } | Node::Array { count, .. } = n {
            if *count > 0 {
                ends.push(i + 1 + count);
                if ends.len() > MAX_DEPTH {
                    return Err(JsonError::TooDeep);
                }
            }
        }
    }
    Ok(())
}

pub(super) fn build<'a>(
    nodes: &[Node<'a>],
    pos: &mut usize,
    depth: usize,
) -> Result<Value<'a>, JsonError> {
    if depth > MAX_DEPTH {
        return Err(JsonError::TooDeep);
    }
    let Some(node) = nodes.get(*pos) else {
        return Err(JsonError::Syntax {
            offset: 0,
            message: "truncated tape".into(),
        });
    };
    *pos += 1;
    Ok(match *node {
        Node::Static(s) => match s {
            StaticNode::Null => Value::Null,
            StaticNode::Bool(b) => Value::Bool(b),
            StaticNode::I64(i) => Value::I64(i),
            StaticNode::U64(u) => Value::from(u),
            StaticNode::F64(f) => Value::F64(f),
        },
        Node::String(s) => Value::String(Cow::Borrowed(s)),
        Node::Array { len, .. } => {
            let mut a = Vec::with_capacity(len);
            for _ in 0..len {
                a.push(build(nodes, pos, depth + 1)?);
            }
            Value::Array(a)
        }
        Node::Object { len, .. } => {
            // The event itself gets room for the fields a script adds (a class, a rate), so
            // that enriching it does not reallocate its entries.
            let room = if depth == 0 { len + 4 } else { len };
            let mut r = Record::with_capacity(room);
            for _ in 0..len {
                let key = match nodes.get(*pos) {
                    Some(Node::String(k)) => *k,
                    _ => {
                        return Err(JsonError::Syntax {
                            offset: 0,
                            message: "bad object key".into(),
                        })
                    }
                };
                *pos += 1;
                let v = build(nodes, pos, depth + 1)?;
                // Duplicate keys: the last one wins, as in tremor. A large record indexes its
                // keys, so this stays linear however many keys the object has.
                match r.get_mut(key) {
                    Some(slot) => *slot = v,
                    None => r.push_unique(key, v),
                }
            }
            Value::Record(r)
        }
    })
}

/// Appends `v` as compact JSON, record keys in insertion order.
pub fn write_json(v: &Value<'_>, out: &mut Vec<u8>) {
    write_value(v, out, false);
}

/// Appends `v` as compact JSON with record keys sorted (stable output for diffs and tests).
pub fn write_json_sorted(v: &Value<'_>, out: &mut Vec<u8>) {
    write_value(v, out, true);
}

fn write_value(v: &Value<'_>, out: &mut Vec<u8>, sorted: bool) {
    match v {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::I64(i) => out.extend_from_slice(itoa::Buffer::new().format(*i).as_bytes()),
        Value::U64(u) => out.extend_from_slice(itoa::Buffer::new().format(*u).as_bytes()),
        Value::F64(f) => write_float(*f, out),
        Value::String(s) => write_json_string(s, out),
        Value::Bytes(b) => {
            out.push(b'"');
            let start = out.len();
            let n = base64::encoded_len(b.len(), true).unwrap_or(0);
            out.resize(start + n, 0);
            let written = base64::engine::general_purpose::STANDARD
                .encode_slice(b, &mut out[start..])
                .unwrap_or(0);
            out.truncate(start + written);
            out.push(b'"');
        }
        Value::Array(a) => {
            out.push(b'[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_value(x, out, sorted);
            }
            out.push(b']');
        }
        Value::Record(r) => {
            out.push(b'{');
            if sorted {
                let mut fields: Vec<_> = r.iter().collect();
                fields.sort_by(|a, b| a.0.cmp(b.0));
                write_fields(fields.into_iter(), out, sorted);
            } else {
                write_fields(r.iter(), out, sorted);
            }
            out.push(b'}');
        }
    }
}

fn write_fields<'x, 'a: 'x>(
    fields: impl Iterator<Item = (&'x Cow<'a, str>, &'x Value<'a>)>,
    out: &mut Vec<u8>,
    sorted: bool,
) {
    for (i, (k, x)) in fields.enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_json_string(k, out);
        out.push(b':');
        write_value(x, out, sorted);
    }
}

/// Floats print the shortest way that reads back exactly, always with a `.` or exponent so
/// they stay floats; NaN and infinities have no JSON form and print as `null`.
fn write_float(f: f64, out: &mut Vec<u8>) {
    if f.is_finite() {
        out.extend_from_slice(ryu::Buffer::new().format_finite(f).as_bytes());
    } else {
        out.extend_from_slice(b"null");
    }
}

// 0 = copy as is, b'u' = \u00XX, anything else = backslash + that byte.
pub(crate) const ESCAPE: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 0x20 {
        t[i] = b'u';
        i += 1;
    }
    t[b'\n' as usize] = b'n';
    t[b'\r' as usize] = b'r';
    t[b'\t' as usize] = b't';
    t[0x08] = b'b';
    t[0x0c] = b'f';
    t[b'"' as usize] = b'"';
    t[b'\\' as usize] = b'\\';
    t
};

/// Does a 32-byte block hold a byte that [`write_json_string`] escapes (control bytes, `"`,
/// `\`)? Written as plain comparisons folded with `|` over a fixed-size block so that the
/// compiler turns it into vector compares (SSE2 at the baseline: two 16-byte blocks, a
/// handful of instructions, where the table goes byte by byte).
#[inline]
fn block_needs_escape(block: &[u8; 32]) -> bool {
    let mut any = 0u8;
    for &b in block {
        any |= u8::from(b < 0x20) | u8::from(b == b'"') | u8::from(b == b'\\');
    }
    any != 0
}

/// Index of the first byte at or after `from` that [`write_json_string`] escapes: clean
/// 32-byte blocks are skipped whole, then words of eight bytes pin the byte down, and the
/// last few bytes go through the table. In the words, the tricks ("has a zero byte", "has
/// a byte below n") can flag a byte falsely only above a byte that is truly flagged (the
/// borrow runs upwards), so the lowest flag is exact.
#[inline]
fn first_escape(s: &[u8], from: usize) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut i = from;
    while let Some(block) = s.get(i..i + 32) {
        let mut b = [0u8; 32];
        b.copy_from_slice(block);
        if block_needs_escape(&b) {
            break;
        }
        i += 32;
    }
    while let Some(c) = s.get(i..i + 8) {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        let w = u64::from_le_bytes(w);
        let ctrl = w.wrapping_sub(ONES * 0x20) & !w;
        let q = w ^ (ONES * u64::from(b'"'));
        let bs = w ^ (ONES * u64::from(b'\\'));
        let quote = q.wrapping_sub(ONES) & !q;
        let back = bs.wrapping_sub(ONES) & !bs;
        let m = (ctrl | quote | back) & HIGH;
        if m != 0 {
            return Some(i + (m.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    let rest = s.get(i..)?;
    rest.iter()
        .position(|&b| ESCAPE[b as usize] != 0)
        .map(|n| i + n)
}

/// Appends `s` as a quoted JSON string.
pub fn write_json_string(s: &str, out: &mut Vec<u8>) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let bytes = s.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    // Runs without an escape (most strings are one) are found a word at a time and copied
    // whole; only the bytes that need it go through the table.
    let mut start = 0;
    while let Some(i) = first_escape(bytes, start) {
        out.extend_from_slice(&bytes[start..i]);
        let b = bytes[i];
        let esc = ESCAPE[b as usize];
        if esc == b'u' {
            out.extend_from_slice(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[(b >> 4) as usize],
                HEX[(b & 15) as usize],
            ]);
        } else {
            out.extend_from_slice(&[b'\\', esc]);
        }
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip(s: &str) -> String {
        let mut d = JsonDecoder::new();
        let mut buf = s.as_bytes().to_vec();
        let v = d.decode(&mut buf).expect("valid json");
        v.to_json()
    }

    #[test]
    fn decode_encode_keeps_order_and_types() {
        assert_eq!(
            roundtrip(r#"{"b":1,"a":[true,null,1.5,"x\ny"],"c":{"d":-3}}"#),
            r#"{"b":1,"a":[true,null,1.5,"x\ny"],"c":{"d":-3}}"#
        );
    }

    #[test]
    fn big_unsigned_stays_unsigned() {
        let mut d = JsonDecoder::new();
        let mut buf = b"18446744073709551615".to_vec();
        assert!(matches!(d.decode(&mut buf), Ok(Value::U64(u64::MAX))));
    }

    #[test]
    fn duplicate_keys_last_wins() {
        assert_eq!(roundtrip(r#"{"a":1,"b":2,"a":3}"#), r#"{"a":3,"b":2}"#);
        let many: Vec<String> = (0..40).map(|i| format!("\"k{i}\":{i}")).collect();
        let doc = format!("{{{},\"k0\":99}}", many.join(","));
        let out = roundtrip(&doc);
        assert!(out.starts_with("{\"k0\":99,\"k1\":1"), "{out}");
    }

    #[test]
    fn invalid_is_error_not_panic() {
        let mut d = JsonDecoder::new();
        for bad in ["{", "[1,]", "{\"a\" 1}", "", "nul", "\"\\x\""] {
            let mut buf = bad.as_bytes().to_vec();
            assert!(d.decode(&mut buf).is_err(), "{bad}");
            let mut buf = bad.as_bytes().to_vec();
            assert!(d.validate(&mut buf).is_err(), "{bad}");
        }
        // The decoder is still usable after errors.
        let mut buf = b"{\"ok\":true}".to_vec();
        assert!(d.decode(&mut buf).is_ok());
    }

    #[test]
    fn deep_nesting_is_rejected() {
        let mut d = JsonDecoder::new();
        let doc = format!(
            "{}{}",
            "[".repeat(MAX_DEPTH + 10),
            "]".repeat(MAX_DEPTH + 10)
        );
        let mut buf = doc.clone().into_bytes();
        assert_eq!(d.decode(&mut buf), Err(JsonError::TooDeep));
        let mut buf = doc.into_bytes();
        assert_eq!(d.validate(&mut buf), Err(JsonError::TooDeep));
    }

    #[test]
    fn floats_and_escapes() {
        assert_eq!(Value::F64(1.0).to_json(), "1.0");
        assert_eq!(Value::F64(f64::NAN).to_json(), "null");
        assert_eq!(Value::from("\u{1}\"\\").to_json(), r#""\u0001\"\\""#);
        assert_eq!(Value::Bytes(Cow::Borrowed(b"hi")).to_json(), r#""aGk=""#);
    }

    /// The reference: byte at a time through the table.
    fn escape_slowly(s: &str) -> Vec<u8> {
        let mut out = vec![b'"'];
        for &b in s.as_bytes() {
            match ESCAPE[b as usize] {
                0 => out.push(b),
                b'u' => out.extend_from_slice(format!("\\u{b:04x}").as_bytes()),
                e => out.extend_from_slice(&[b'\\', e]),
            }
        }
        out.push(b'"');
        out
    }

    #[test]
    fn word_scan_escapes_exactly_as_the_table() {
        // Every escaped byte at every position of strings that cross word boundaries, next
        // to multi-byte characters and to bytes just above the control range.
        let specials = [
            "\"", "\\", "\n", "\u{0}", "\u{1f}", "\u{7f}", " ", "é", "\u{2028}",
        ];
        for len in 0..70 {
            for at in 0..=len {
                for sp in specials {
                    for fill in ["a", "!", "\u{ff}"] {
                        let mut s = fill.repeat(at);
                        s.push_str(sp);
                        s.push_str(&fill.repeat(len - at));
                        let mut out = Vec::new();
                        write_json_string(&s, &mut out);
                        assert_eq!(out, escape_slowly(&s), "{s:?}");
                    }
                }
            }
        }
        let all: String = (0u8..128).map(char::from).collect::<String>().repeat(3);
        let mut out = Vec::new();
        write_json_string(&all, &mut out);
        assert_eq!(out, escape_slowly(&all));
    }

    #[test]
    fn sorted_output() {
        let mut d = JsonDecoder::new();
        let mut buf = br#"{"b":{"z":1,"y":2},"a":0}"#.to_vec();
        let v = d.decode(&mut buf).expect("valid");
        let mut out = Vec::new();
        write_json_sorted(&v, &mut out);
        assert_eq!(out, br#"{"a":0,"b":{"y":2,"z":1}}"#);
    }
}
