//! Re-encoding a decoded JSON record by copying the bytes of the entries nobody changed.
//!
//! Serialising a 600-byte event costs about as much as decoding it (escaping every string
//! byte, formatting every number); a script that sets two fields leaves the other twenty as
//! they arrived. So the decoder keeps a small shadow of the document it decoded (where each
//! string sits in the buffer, each scalar's value, each container's length), and the encoder
//! copies a top-level entry's original bytes instead of serialising it when two things hold:
//!
//! - **the bytes are canonical**: they are exactly what [`write_json`] writes for that entry
//!   (no whitespace, no escapes where the writer would not escape, numbers printed the way
//!   `itoa`/`ryu` print them). [`JsonSpans::prepare`] checks this against the original frame
//!   byte by byte; an entry that fails is serialised, so `1.0e0`, `"\u00e9"` or a space after
//!   a colon never reach the output differently from the slow path;
//! - **the value is the one decoded**: [`JsonSpans::write`] compares the entry's current
//!   value with the shadow: same container shapes, same scalars (floats bit for bit), and
//!   every string and key the *same memory* in the decode buffer, which the event borrows
//!   and nobody can rewrite while it does. Identity, not equality: no string is compared
//!   byte by byte, and a script that stores a new value anywhere in the entry (or replaces
//!   the event with a patched copy whose strings still borrow the buffer but whose shape
//!   changed) fails the comparison.
//!
//! Together: the copied bytes are, byte for byte, what [`write_json`] would have written for
//! that entry, whatever the script did. Entries are matched to original ones by the address
//! of their key, so a record whose keys were removed, added or reordered still copies the
//! entries that survived.
//!
//! [`write_json`]: super::write_json

use std::borrow::Cow;

use simd_json::{Node, StaticNode};

use super::json::{write_json_string, ESCAPE};
use super::{write_json, Value};

/// One node of the decoded document, without borrowing it.
#[derive(Debug, Clone, Copy)]
enum Shadow {
    Null,
    Bool(bool),
    /// Any integer, as written (`I64` and `U64` print the same digits).
    Int(i128),
    /// A float, compared bit for bit.
    F64(u64),
    /// A string (or key): its offset in the decode buffer and its decoded length.
    Str {
        off: usize,
        len: usize,
    },
    /// `len` entries (key and value nodes follow); `count` nodes in all below it.
    Object {
        len: usize,
        count: usize,
    },
    Array {
        len: usize,
        count: usize,
    },
}

/// A top-level entry of the original document.
#[derive(Debug, Clone, Copy)]
struct Top {
    /// Offset of the key's first byte (after its quote).
    key_off: usize,
    key_len: usize,
    /// Shadow index of the value.
    node: usize,
    /// `"key":value` in the original frame, when those bytes are canonical.
    span: Option<(usize, usize)>,
}

/// The shadow of the last JSON document a [`super::JsonDecoder`] decoded, and what the
/// encoder may copy from its original bytes. Buffers are kept between events.
#[derive(Debug, Default)]
pub struct JsonSpans {
    /// Address and length of the buffer decoded; `len == 0` when there is nothing to use.
    base: usize,
    len: usize,
    nodes: Vec<Shadow>,
    tops: Vec<Top>,
    /// `prepare` ran and found the document's top-level entries.
    ready: bool,
}

impl JsonSpans {
    /// Forgets the last document.
    pub(crate) fn clear(&mut self) {
        self.len = 0;
        self.ready = false;
        self.nodes.clear();
        self.tops.clear();
    }

    /// Remembers the tape of a document decoded from `data` (whose address is `base`).
    /// Only a document that is an object is of use.
    pub(crate) fn record(&mut self, nodes: &[Node<'_>], base: usize, len: usize) {
        self.clear();
        if !matches!(nodes.first(), Some(Node::Object { .. })) {
            return;
        }
        self.nodes.reserve(nodes.len());
        for n in nodes {
            self.nodes.push(match *n {
                Node::Static(StaticNode::Null) => Shadow::Null,
                Node::Static(StaticNode::Bool(b)) => Shadow::Bool(b),
                Node::Static(StaticNode::I64(i)) => Shadow::Int(i128::from(i)),
                Node::Static(StaticNode::U64(u)) => Shadow::Int(i128::from(u)),
                Node::Static(StaticNode::F64(f)) => Shadow::F64(f.to_bits()),
                Node::String(s) => Shadow::Str {
                    off: (s.as_ptr() as usize).wrapping_sub(base),
                    len: s.len(),
                },
                Node::Object { len, count } => Shadow::Object { len, count },
                Node::Array { len, count } => Shadow::Array { len, count },
            });
        }
        self.base = base;
        self.len = len;
    }

    /// Checks the original bytes of the last document (`original` must be the frame that
    /// was copied into the decode buffer) and finds which top-level entries are canonical.
    /// Returns `false` when nothing can be copied. Idempotent per document.
    pub fn prepare(&mut self, original: &[u8]) -> bool {
        if self.ready {
            return true;
        }
        if self.len == 0 || original.len() != self.len {
            return false;
        }
        let Some(Shadow::Object { len, .. }) = self.nodes.first().copied() else {
            return false;
        };
        self.tops.clear();
        let mut i = 1;
        for _ in 0..len {
            let Some(Shadow::Str { off, len: klen }) = self.nodes.get(i).copied() else {
                self.clear();
                return false;
            };
            let node = i + 1;
            let span = entry_span(&self.nodes, original, off, klen, node);
            self.tops.push(Top {
                key_off: off,
                key_len: klen,
                node,
                span,
            });
            i = node + size(&self.nodes, node);
        }
        self.ready = true;
        true
    }

    /// How many top-level entries of the prepared document have canonical bytes (what a
    /// re-encode can copy at best; for tests and benches).
    #[must_use]
    pub fn copyable(&self) -> usize {
        self.tops.iter().filter(|t| t.span.is_some()).count()
    }

    /// Appends `v` exactly as [`write_json`] would, copying canonical entries of the last
    /// document that `v` still holds unchanged from `original`. Without a prepared document
    /// (or for a value that is not a record) this is [`write_json`].
    pub fn write(&self, v: &Value<'_>, original: &[u8], out: &mut Vec<u8>) {
        let Value::Record(r) = v else {
            return write_json(v, out);
        };
        if !self.ready || original.len() != self.len {
            return write_json(v, out);
        }
        out.reserve(original.len() + 64);
        out.push(b'{');
        for (i, (k, x)) in r.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            if let Some((start, end)) = self.unchanged(k, x) {
                if let Some(bytes) = original.get(start..end) {
                    out.extend_from_slice(bytes);
                    continue;
                }
            }
            write_json_string(k, out);
            out.push(b':');
            write_json(x, out);
        }
        out.push(b'}');
    }

    /// The original span of the entry `k: x`, if it is canonical and `x` is what was decoded.
    #[inline]
    fn unchanged(&self, k: &Cow<'_, str>, x: &Value<'_>) -> Option<(usize, usize)> {
        let off = self.offset(k.as_ptr(), k.len())?;
        // Keys are in document order, so their offsets ascend.
        let j = self.tops.binary_search_by_key(&off, |t| t.key_off).ok()?;
        let t = self.tops[j];
        if t.key_len != k.len() {
            return None;
        }
        let span = t.span?;
        let mut n = t.node;
        self.same(x, &mut n).then_some(span)
    }

    /// The offset in the decode buffer of `len` bytes at `ptr`, if they lie inside it.
    #[inline]
    fn offset(&self, ptr: *const u8, len: usize) -> Option<usize> {
        let off = (ptr as usize).checked_sub(self.base)?;
        (off.checked_add(len)? <= self.len).then_some(off)
    }

    #[inline]
    fn same_str(&self, s: &str, at: Option<&Shadow>) -> bool {
        matches!(at, Some(Shadow::Str { off, len })
            if *len == s.len() && self.offset(s.as_ptr(), s.len()) == Some(*off))
    }

    /// `x` is the value whose shadow starts at `*n` (and `*n` moves past it).
    fn same(&self, x: &Value<'_>, n: &mut usize) -> bool {
        let Some(node) = self.nodes.get(*n) else {
            return false;
        };
        *n += 1;
        match (x, node) {
            (Value::Null, Shadow::Null) => true,
            (Value::Bool(a), Shadow::Bool(b)) => a == b,
            (Value::I64(a), Shadow::Int(b)) => i128::from(*a) == *b,
            (Value::U64(a), Shadow::Int(b)) => i128::from(*a) == *b,
            (Value::F64(a), Shadow::F64(b)) => a.to_bits() == *b,
            (Value::String(s), _) => self.same_str(s, Some(node)),
            (Value::Array(a), Shadow::Array { len, .. }) => {
                a.len() == *len && a.iter().all(|item| self.same(item, n))
            }
            (Value::Record(r), Shadow::Object { len, .. }) => {
                r.len() == *len
                    && r.iter().all(|(k, v)| {
                        let key_ok = self.same_str(k, self.nodes.get(*n));
                        *n += 1;
                        key_ok && self.same(v, n)
                    })
            }
            _ => false,
        }
    }
}

/// Nodes the value at `i` spans, itself included.
fn size(nodes: &[Shadow], i: usize) -> usize {
    match nodes.get(i) {
        Some(Shadow::Object { count, .. } | Shadow::Array { count, .. }) => 1 + count,
        _ => 1,
    }
}

/// `"key":value` of a top-level entry, if the original bytes are what the writer would write.
fn entry_span(
    nodes: &[Shadow],
    original: &[u8],
    key_off: usize,
    key_len: usize,
    node: usize,
) -> Option<(usize, usize)> {
    let start = key_off.checked_sub(1)?;
    let mut cur = canon_str(original, start, key_off, key_len)?;
    if original.get(cur) != Some(&b':') {
        return None;
    }
    cur += 1;
    let mut n = node;
    let end = canon(nodes, &mut n, original, cur, 0)?;
    Some((start, end))
}

/// A string at `cur` whose decoded content sits at `off`: canonical when it had no escapes
/// and needs none. Returns the position after its closing quote.
#[inline]
fn canon_str(original: &[u8], cur: usize, off: usize, len: usize) -> Option<usize> {
    if off != cur + 1 || original.get(cur) != Some(&b'"') {
        return None;
    }
    let body = original.get(off..off + len)?;
    // No backslash before the closing quote means the raw string is the decoded one; no byte
    // the writer escapes means the writer would print it as it stands.
    if needs_escape(body) || original.get(off + len) != Some(&b'"') {
        return None;
    }
    Some(off + len + 1)
}

/// Walks the value whose shadow starts at `*n` against the original bytes at `cur`; returns
/// the position after it if they are exactly what the writer would print.
fn canon(nodes: &[Shadow], n: &mut usize, o: &[u8], cur: usize, depth: usize) -> Option<usize> {
    if depth > super::json::MAX_DEPTH {
        return None;
    }
    let node = *nodes.get(*n)?;
    *n += 1;
    let lit = |text: &[u8]| {
        o.get(cur..cur + text.len())
            .filter(|b| *b == text)
            .map(|_| cur + text.len())
    };
    match node {
        Shadow::Null => lit(b"null"),
        Shadow::Bool(true) => lit(b"true"),
        Shadow::Bool(false) => lit(b"false"),
        Shadow::Int(i) => {
            let mut b = itoa::Buffer::new();
            lit(b.format(i).as_bytes())
        }
        Shadow::F64(bits) => {
            // As `write_float` prints it; a non-finite float prints as `null`, never as the
            // number it was read from, so its bytes are never canonical.
            let f = f64::from_bits(bits);
            if !f.is_finite() {
                return None;
            }
            let mut b = ryu::Buffer::new();
            lit(b.format_finite(f).as_bytes())
        }
        Shadow::Str { off, len } => canon_str(o, cur, off, len),
        Shadow::Array { len, .. } => {
            let mut cur = lit(b"[")?;
            for k in 0..len {
                if k > 0 {
                    cur = expect(o, cur, b',')?;
                }
                cur = canon(nodes, n, o, cur, depth + 1)?;
            }
            expect(o, cur, b']')
        }
        Shadow::Object { len, .. } => {
            let mut cur = lit(b"{")?;
            for k in 0..len {
                if k > 0 {
                    cur = expect(o, cur, b',')?;
                }
                let Shadow::Str { off, len } = *nodes.get(*n)? else {
                    return None;
                };
                *n += 1;
                cur = canon_str(o, cur, off, len)?;
                cur = expect(o, cur, b':')?;
                cur = canon(nodes, n, o, cur, depth + 1)?;
            }
            expect(o, cur, b'}')
        }
    }
}

#[inline]
fn expect(o: &[u8], cur: usize, b: u8) -> Option<usize> {
    (o.get(cur) == Some(&b)).then_some(cur + 1)
}

/// Does `s` hold a byte that [`write_json_string`] escapes (control bytes, `"`, `\`)?
/// Eight bytes at a time: the usual "has a zero byte" / "has a byte less than n" word tricks,
/// exact for the any-byte question.
#[inline]
pub(crate) fn needs_escape(s: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut chunks = s.chunks_exact(8);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        let w = u64::from_le_bytes(w);
        let ctrl = w.wrapping_sub(ONES * 0x20) & !w;
        let q = w ^ (ONES * u64::from(b'"'));
        let bs = w ^ (ONES * u64::from(b'\\'));
        let quote = q.wrapping_sub(ONES) & !q;
        let back = bs.wrapping_sub(ONES) & !bs;
        if (ctrl | quote | back) & HIGH != 0 {
            return true;
        }
    }
    chunks.remainder().iter().any(|&b| ESCAPE[b as usize] != 0)
}
