//! The quick form of the canonical check (see the parent module): instead of predicting the
//! position of every token, sum the lengths the encoder would write and compare the sum with
//! the frame's length.
//!
//! Why a sum is enough: the frame is valid JSON with exactly the tape's tokens, and each
//! token's text is at least as long as the encoder's: structural characters and literals
//! are equal, an integer has no shorter spelling (no leading zeros; `-0` is longer than
//! `0`), a string has none either when the frame holds no raw control character (checked)
//! and no `\u` or `\/` escape (checked: then every escape is one of the encoder's own
//! two-character escapes, one per escaped byte, so the escapes add exactly one byte each,
//! counted from the backslashes), and whitespace only adds. Floats are the exception
//! (`1e5` is shorter than `100000.0`, `1e0` as long as `1.0`): each must be found as the
//! encoder's text right after the string before it on the tape (a key, or the previous
//! array element), which pins its text down; a float anywhere else leaves the answer to the
//! full walk. So equal sums mean every token is the encoder's text, with nothing between.

use simd_json::{Node, StaticNode};

use super::{dec_len, fingerprint, JsonPatch, Member, Orig, MAX_KEYS, UNTOUCHED};
use crate::value::json::MAX_DEPTH;

/// What [`JsonPatch::quick`] found.
pub(super) enum Quick {
    Canonical,
    Not,
    /// Ask the full walk.
    Unsure,
}

/// Nodes a value takes on the tape.
#[inline]
fn size(n: &Node<'_>) -> usize {
    match n {
        Node::Object { count, .. } | Node::Array { count, .. } => count + 1,
        _ => 1,
    }
}

impl JsonPatch {
    /// Is there a backslash in `frame[from..to]`?
    #[inline]
    fn escaped(&self, from: usize, to: usize) -> bool {
        let i = self.backslashes.partition_point(|&b| b < from);
        self.backslashes.get(i).is_some_and(|&b| b < to)
    }

    /// Where string `s` of the tape starts in the frame (its opening quote).
    #[inline]
    fn quote_at(s: &str, base: usize, frame: &[u8]) -> Option<usize> {
        let at = (s.as_ptr() as usize).checked_sub(base + 1)?;
        (at + s.len() < frame.len()).then_some(at)
    }

    /// The quick check, noting the top-level members when it says `Canonical`.
    pub(super) fn quick(&mut self, nodes: &[Node<'_>], base: usize, frame: &[u8]) -> Quick {
        let Some(Node::Object { len: top_len, .. }) = nodes.first() else {
            return Quick::Not;
        };
        // Escapes: only the encoder's two-character ones can be counted.
        let mut sum = 0usize;
        let mut k = 0;
        while let Some(&p) = self.backslashes.get(k) {
            match frame.get(p + 1) {
                Some(b'u' | b'/') => return Quick::Unsure,
                // `\\`: the next backslash listed is this escape's second byte.
                Some(b'\\') => k += 2,
                _ => k += 1,
            }
            sum += 1;
        }
        let mut containers = 0usize;
        self.fps.clear();
        for (i, node) in nodes.iter().enumerate() {
            sum += match *node {
                Node::String(s) => s.len() + 2,
                Node::Static(StaticNode::Null | StaticNode::Bool(true)) => 4,
                Node::Static(StaticNode::Bool(false)) => 5,
                Node::Static(StaticNode::I64(v)) => usize::from(v < 0) + dec_len(v.unsigned_abs()),
                Node::Static(StaticNode::U64(u)) => dec_len(u),
                Node::Static(StaticNode::F64(f)) => {
                    let Some(Node::String(p)) = i.checked_sub(1).and_then(|j| nodes.get(j)) else {
                        return Quick::Unsure;
                    };
                    let Some(q) = Self::quote_at(p, base, frame) else {
                        return Quick::Unsure;
                    };
                    if !f.is_finite() || self.escaped(q + 1, q + 1 + p.len()) {
                        return Quick::Unsure;
                    }
                    // After the string's closing quote: one separator, then the float.
                    let at = q + p.len() + 3;
                    let mut b = ryu::Buffer::new();
                    let t = b.format_finite(f).as_bytes();
                    let end = at + t.len();
                    let after_ok = !matches!(
                        frame.get(end),
                        Some(b'0'..=b'9' | b'.' | b'e' | b'E' | b'+' | b'-')
                    );
                    if frame.get(at..end) != Some(t) || !after_ok {
                        return Quick::Not;
                    }
                    t.len()
                }
                Node::Array { len, .. } => {
                    containers += 1;
                    2 + len.saturating_sub(1)
                }
                Node::Object { len, .. } => {
                    containers += 1;
                    if len > MAX_KEYS || self.duplicate_keys(nodes, i, len) {
                        return Quick::Not;
                    }
                    2 + len + len.saturating_sub(1)
                }
            };
        }
        if containers > MAX_DEPTH {
            // Deep enough to matter: the full walk applies the decoder's limit.
            return Quick::Unsure;
        }
        if sum != frame.len() {
            return Quick::Not;
        }
        self.top_members(nodes, *top_len, base, frame)
    }

    /// Does the object at `nodes[at]` (with `len` keys) repeat a key? Equal fingerprints
    /// count as a repeat (a rare collision only costs the full path).
    fn duplicate_keys(&mut self, nodes: &[Node<'_>], at: usize, len: usize) -> bool {
        let mark = self.fps.len();
        let mut k = at + 1;
        let mut dup = false;
        for _ in 0..len {
            let (Some(Node::String(key)), Some(v)) = (nodes.get(k), nodes.get(k + 1)) else {
                dup = true;
                break;
            };
            let fp = fingerprint(key.as_bytes());
            if self.fps[mark..].contains(&fp) {
                dup = true;
                break;
            }
            self.fps.push(fp);
            k += 1 + size(v);
        }
        self.fps.truncate(mark);
        dup
    }

    /// The members of the (canonical) top-level object, from its keys' places.
    fn top_members(&mut self, nodes: &[Node<'_>], len: usize, base: usize, frame: &[u8]) -> Quick {
        self.members.clear();
        let mut k = 1;
        for _ in 0..len {
            let (Some(Node::String(key)), Some(v)) = (nodes.get(k), nodes.get(k + 1)) else {
                return Quick::Not;
            };
            let Some(q) = Self::quote_at(key, base, frame) else {
                return Quick::Unsure;
            };
            if self.escaped(q + 1, q + 1 + key.len()) {
                return Quick::Unsure;
            }
            let fp = fingerprint(key.as_bytes());
            let ki = self
                .key_fps
                .iter()
                .zip(&self.keys)
                .position(|(&f, name)| f == fp && **name == **key)
                .map_or(UNTOUCHED, |x| x as u16);
            let (Ok(start), Ok(value)) = (u32::try_from(q), u32::try_from(q + key.len() + 3))
            else {
                return Quick::Unsure;
            };
            if let Some(prev) = self.members.last_mut() {
                prev.end = start - 1;
            }
            self.members.push(Member {
                start,
                value,
                end: 0,
                node: k + 1,
                key: ki,
                orig: Orig::Unknown,
            });
            k += 1 + size(v);
        }
        if let Some(last) = self.members.last_mut() {
            match u32::try_from(frame.len() - 1) {
                Ok(e) => last.end = e,
                Err(_) => return Quick::Unsure,
            }
        }
        Quick::Canonical
    }
}
