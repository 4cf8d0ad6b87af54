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

use super::{dec_len, fingerprint, JsonPatch, Member, MAX_KEYS, UNTOUCHED};
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

/// Where string `s` of the tape starts in the frame (its opening quote), if its text there
/// holds no escape: then it is `s.len() + 2` bytes long.
#[inline]
fn plain_at(s: &str, base: usize, frame: &[u8]) -> Option<usize> {
    let at = (s.as_ptr() as usize).wrapping_sub(base + 1);
    let close = at.checked_add(1 + s.len())?;
    // An escaped quote has a backslash right before it; the closing quote of a text
    // without escapes has the value's last byte there, never a lone backslash.
    (frame.get(close) == Some(&b'"') && frame.get(close - 1) != Some(&b'\\')).then_some(at)
}

/// `10^i` for the digits a short float can have.
const POW10: [f64; 16] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
];

/// Is `t` (the frame from a float's first byte on) `ryu`'s text for `f`, as `write_json`
/// writes it? Decides the common short decimals (`-?I.F`, at most 15 digits) without
/// formatting; `None` when it cannot tell. Returns the text's length.
fn short_decimal(f: f64, t: &[u8]) -> Option<usize> {
    short_decimal_text(t).and_then(|(n, v)| (v.to_bits() == f.to_bits()).then_some(n))
}

/// If `t` starts with a short decimal (`-?I.F`, at most 15 digits) spelt as `ryu` spells
/// its value: its length and that value. Why that is exact: the value is `m / 10^e`
/// correctly rounded (both exact in an `f64`, one division: what any correctly rounding
/// parser, simd-json's included, makes of the text), and distinct decimals of at most 15
/// significant digits round to distinct doubles, so the value's shortest digits are the
/// text's own (given no trailing zero after the point but for `X.0`); `ryu` writes them in
/// this plain form for a value below `1e16` whose first digit is at most four zeros after
/// the point.
pub(super) fn short_decimal_text(t: &[u8]) -> Option<(usize, f64)> {
    let neg = t.first() == Some(&b'-');
    let mut p = usize::from(neg);
    let int_start = p;
    let mut m: u64 = 0;
    while let Some(&d @ b'0'..=b'9') = t.get(p) {
        m = m * 10 + u64::from(d - b'0');
        p += 1;
        if p - int_start > 15 {
            return None;
        }
    }
    let int_len = p - int_start;
    if int_len == 0 || (int_len > 1 && t[int_start] == b'0') || t.get(p) != Some(&b'.') {
        return None;
    }
    p += 1;
    let frac_start = p;
    while let Some(&d @ b'0'..=b'9') = t.get(p) {
        m = m * 10 + u64::from(d - b'0');
        p += 1;
        if p - int_start > 16 {
            return None;
        }
    }
    let frac = &t[frac_start..p];
    if frac.is_empty() || matches!(t.get(p), Some(b'.' | b'e' | b'E' | b'+' | b'-')) {
        return None;
    }
    if frac.len() > 1 && frac.last() == Some(&b'0') {
        return None;
    }
    if m != 0 && int_len == 1 && t[int_start] == b'0' {
        // 0.000ddd: `ryu` writes at most four zeros after the point.
        if frac.iter().take_while(|&&d| d == b'0').count() > 4 {
            return None;
        }
    }
    #[allow(clippy::cast_precision_loss)] // m < 10^15 < 2^53: exact
    let v = m as f64 / POW10[frac.len()];
    Some((p, if neg { -v } else { v }))
}

/// Does `frame[at..]` start with `write_json`'s text for `f`, ending there? Its length.
#[inline]
fn float_at(f: f64, frame: &[u8], at: usize) -> Option<usize> {
    if !f.is_finite() {
        return None;
    }
    let rest = frame.get(at..)?;
    if let Some(n) = short_decimal(f, rest) {
        return Some(n);
    }
    let mut b = ryu::Buffer::new();
    let t = b.format_finite(f).as_bytes();
    let after_ok = !matches!(
        rest.get(t.len()),
        Some(b'0'..=b'9' | b'.' | b'e' | b'E' | b'+' | b'-')
    );
    (rest.get(..t.len()) == Some(t) && after_ok).then_some(t.len())
}

impl JsonPatch {
    /// The quick check, noting the top-level members when it says `Canonical`.
    pub(super) fn quick(&mut self, nodes: &[Node<'_>], base: usize, frame: &[u8]) -> Quick {
        let Some(&Node::Object {
            len: top_len,
            count: top_count,
        }) = nodes.first()
        else {
            return Quick::Not;
        };
        if top_len > MAX_KEYS {
            return Quick::Not;
        }
        let mut sum = 2 + top_len + top_len.saturating_sub(1);
        let mut containers = 1usize;
        // `nodes[j]` is the node before `rest[j]`.
        let rest = nodes.get(1..).unwrap_or_default();
        for (j, node) in rest.iter().enumerate() {
            sum += match *node {
                Node::String(s) => s.len() + 2,
                Node::Static(StaticNode::Null | StaticNode::Bool(true)) => 4,
                Node::Static(StaticNode::Bool(false)) => 5,
                Node::Static(StaticNode::I64(v)) => usize::from(v < 0) + dec_len(v.unsigned_abs()),
                Node::Static(StaticNode::U64(u)) => dec_len(u),
                Node::Static(StaticNode::F64(f)) => {
                    let Some(Node::String(p)) = nodes.get(j) else {
                        return Quick::Unsure;
                    };
                    let Some(q) = plain_at(p, base, frame) else {
                        return Quick::Unsure;
                    };
                    // After the string's closing quote: one separator, then the float.
                    match float_at(f, frame, q + p.len() + 3) {
                        Some(n) => n,
                        None => return Quick::Not,
                    }
                }
                Node::Array { len, .. } => {
                    containers += 1;
                    2 + len.saturating_sub(1)
                }
                Node::Object { len, .. } => {
                    containers += 1;
                    if len > MAX_KEYS || duplicate_keys(nodes, j + 1, len) {
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
        if sum > frame.len() {
            return Quick::Not;
        }
        if sum < frame.len() {
            match self.escapes_fill(frame.len() - sum, frame) {
                Ok(true) => {}
                Ok(false) => return Quick::Not,
                Err(q) => return q,
            }
        }
        self.top_members(nodes, top_len, top_count + 1, base, frame)
    }

    /// Do the frame's escapes account for exactly `missing` bytes? Each of the encoder's
    /// two-character escapes is one byte more than the byte it stands for; `Err(Unsure)`
    /// for another kind (`\u`, `\/`). Most frames have no escape, and their sum needs no
    /// scan for one: strings were counted at their values' lengths, which is all of their
    /// text when nothing is escaped.
    fn escapes_fill(&mut self, missing: usize, frame: &[u8]) -> Result<bool, Quick> {
        super::scan_frame(frame, &mut self.backslashes);
        let mut extra = 0usize;
        let mut k = 0;
        while let Some(&p) = self.backslashes.get(k) {
            match frame.get(p + 1) {
                Some(b'u' | b'/') => return Err(Quick::Unsure),
                // `\\`: the next backslash listed is this escape's second byte.
                Some(b'\\') => k += 2,
                _ => k += 1,
            }
            extra += 1;
        }
        Ok(extra == missing)
    }

    /// The members of the (canonical) top-level object whose keys the patch has, with
    /// their places; `Not` if the object repeats a key. `top_end`: the node after the
    /// object's last.
    fn top_members(
        &mut self,
        nodes: &[Node<'_>],
        len: usize,
        top_end: usize,
        base: usize,
        frame: &[u8],
    ) -> Quick {
        self.members.clear();
        // First the keys: the duplicate check, and which are the patch's.
        let mut seen = Seen::default();
        let mut k = 1;
        for _ in 0..len {
            let (Some(Node::String(key)), Some(v)) = (nodes.get(k), nodes.get(k + 1)) else {
                return Quick::Not;
            };
            let fp = fingerprint(key.as_bytes());
            let bit = filter_bit(fp);
            if seen.repeats(bit, nodes, 1, k) {
                return Quick::Not;
            }
            if self.key_filter & bit != 0 {
                let ki = self.key_of(key, fp);
                if ki != UNTOUCHED {
                    self.members.push(Member {
                        start: 0,
                        value: 0,
                        end: 0,
                        node: k + 1,
                        key: ki,
                    });
                }
            }
            k += 1 + size(v);
        }
        // Then the places of those: from the key's quote to the comma before the next
        // key's, or to the closing brace.
        for m in &mut self.members {
            let (Some(Node::String(key)), Some(v)) = (nodes.get(m.node - 1), nodes.get(m.node))
            else {
                return Quick::Not;
            };
            let Some(q) = plain_at(key, base, frame) else {
                return Quick::Unsure;
            };
            let next = m.node + size(v);
            let end = if next < top_end {
                let Some(Node::String(nk)) = nodes.get(next) else {
                    return Quick::Not;
                };
                match (nk.as_ptr() as usize).checked_sub(base + 2) {
                    Some(e) => e,
                    None => return Quick::Unsure,
                }
            } else {
                frame.len() - 1
            };
            let (Ok(start), Ok(value), Ok(end)) = (
                u32::try_from(q),
                u32::try_from(q + key.len() + 3),
                u32::try_from(end),
            ) else {
                return Quick::Unsure;
            };
            m.start = start;
            m.value = value;
            m.end = end;
        }
        Quick::Canonical
    }

    /// The index of `key` (fingerprint `fp`) among the patch's fields, or [`UNTOUCHED`].
    /// (Most keys are not the script's: callers rule those out with `key_filter` first.)
    #[inline]
    pub(super) fn key_of(&self, key: &str, fp: u64) -> u16 {
        self.key_of_bytes(key.as_bytes(), fp)
    }

    /// [`JsonPatch::key_of`] for a key's bytes.
    #[inline]
    pub(super) fn key_of_bytes(&self, key: &[u8], fp: u64) -> u16 {
        for (i, &f) in self.key_fps.iter().enumerate() {
            if f == fp && self.keys[i].as_bytes() == key {
                return u16::try_from(i).unwrap_or(UNTOUCHED);
            }
        }
        UNTOUCHED
    }
}

/// A bit of a 64-bit filter for a key's fingerprint.
#[inline]
pub(super) fn filter_bit(fp: u64) -> u64 {
    1u64 << (fp.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 58)
}

/// The keys of one object seen so far, for the duplicate check: a 64-bit filter of their
/// fingerprints answers "new" for most keys; a key that hits a set bit is compared with
/// the object's earlier keys. Exact: only equal keys count as a repeat.
#[derive(Default)]
struct Seen {
    filter: u64,
}

impl Seen {
    /// Notes the key at `nodes[k]` (its [`filter_bit`] `bit`) of the object whose first
    /// key is at `nodes[first]`: true if an earlier key of it is the same.
    #[inline]
    fn repeats(&mut self, bit: u64, nodes: &[Node<'_>], first: usize, k: usize) -> bool {
        if self.filter & bit == 0 {
            self.filter |= bit;
            return false;
        }
        let Some(Node::String(key)) = nodes.get(k) else {
            return true;
        };
        let mut j = first;
        while j < k {
            let (Some(Node::String(other)), Some(v)) = (nodes.get(j), nodes.get(j + 1)) else {
                return true;
            };
            if other == key {
                return true;
            }
            j += 1 + size(v);
        }
        false
    }
}

/// Does the object at `nodes[at]` (with `len` keys) repeat a key?
fn duplicate_keys(nodes: &[Node<'_>], at: usize, len: usize) -> bool {
    let mut seen = Seen::default();
    let mut k = at + 1;
    for _ in 0..len {
        let (Some(Node::String(key)), Some(v)) = (nodes.get(k), nodes.get(k + 1)) else {
            return true;
        };
        if seen.repeats(filter_bit(fingerprint(key.as_bytes())), nodes, at + 1, k) {
            return true;
        }
        k += 1 + size(v);
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The `ryu` text of `t`'s value, and what `short_decimal` says about `t` in a frame.
    fn both(t: &str) -> (String, Option<String>) {
        let f: f64 = t.parse().unwrap_or(f64::NAN);
        let mut b = ryu::Buffer::new();
        let r = b.format_finite(f).to_string();
        let framed = format!("{t},");
        let n = short_decimal(f, framed.as_bytes());
        // A text that does not parse to the value is never taken for it.
        assert_eq!(short_decimal(f + 1.0, framed.as_bytes()), None, "{t}");
        (r, n.map(|n| framed[..n].to_string()))
    }

    #[test]
    fn short_decimals_agree_with_ryu() {
        for t in [
            "0.0",
            "-0.0",
            "1.0",
            "1610.159",
            "25.866",
            "0.5",
            "0.0001",
            "0.00001",
            "100.0",
            "12345678901234.0",
            "12345678901234.5",
            "-454.811",
            "3.14159",
            "2.718281828459",
            "-0.00042",
            "0.1",
            "0.2",
            "10.0",
        ] {
            let (r, n) = both(t);
            assert_eq!(n.as_deref(), Some(t), "{t}");
            assert_eq!(r, t, "{t}");
        }
        // Not this form, not ryu's text, or too long to tell: left to ryu.
        for t in [
            "1.50",
            "5e3",
            "1.5e3",
            "123456789012345.0",
            "0.30000000000000004",
            "00.5",
            "1.",
            "0.000001",
            "9007199254740993.0",
            "1234567890123456.0",
            "1.0E2",
            "0.100",
        ] {
            assert_eq!(both(t).1, None, "{t}");
        }
        // Random short decimals: whenever it answers, `ryu` agrees.
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        let mut answered = 0;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let digits = x % 10_000_000_000;
            let scale = i32::try_from((x >> 40) % 12).unwrap_or(0);
            #[allow(clippy::cast_precision_loss)]
            let t = format!("{}", digits as f64 / 10f64.powi(scale));
            let t = if t.contains('.') { t } else { format!("{t}.0") };
            let (r, n) = both(&t);
            if let Some(n) = n {
                answered += 1;
                assert_eq!(n, r, "{t}");
            }
        }
        assert!(answered > 15_000, "{answered}");
    }

    #[test]
    fn seen_is_exact() {
        let doc: Vec<String> = (0..MAX_KEYS).map(|i| format!("k{i}")).collect();
        let mut nodes = Vec::new();
        for k in &doc {
            nodes.push(Node::String(k));
            nodes.push(Node::Static(StaticNode::Null));
        }
        let again = "k5";
        nodes.push(Node::String(again));
        nodes.push(Node::Static(StaticNode::Null));
        let mut s = Seen::default();
        for i in 0..MAX_KEYS {
            // Every fingerprint the same: each key hits the filter, and is still new.
            assert!(!s.repeats(1 << 7, &nodes, 0, 2 * i), "{i}");
        }
        assert!(s.repeats(1 << 7, &nodes, 0, 2 * MAX_KEYS));
    }
}
