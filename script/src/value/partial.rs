//! Decoding only the top-level fields of a JSON object that a script touches, and writing the
//! object again as a patch of its original bytes.
//!
//! The reference re-encode path decodes the whole event, runs the script and serialises the
//! whole record with [`write_json`]. Most of that work is on fields the script never looks
//! at. When a script touches only known top-level fields ([`crate::Script::event_fields`]),
//! [`JsonDecoder::decode_patch`] still validates the whole frame, but builds only those
//! fields. Most frames are validated by the direct scan (`direct`: one pass over the bytes
//! for the common canonical form, no tape); the rest by simd-json's tape and the checks
//! below; [`JsonPatch::write`] then writes every other member as a copy of its
//! original bytes, and the touched ones from the record, exactly where and how `write_json`
//! would have put them. That is byte-identical only where the original bytes already are
//! `write_json`'s output for their value, so the frame must be canonical:
//! - every string written as `write_json_string` writes its value: simd-json rejects raw
//!   control characters, so a string without a backslash is its value, which the encoder
//!   copies as is (it escapes exactly `"`, `\` and bytes below 0x20); a string with one is
//!   compared with the encoder's escaping, or counted (see `quick`);
//! - no whitespace between tokens, every number printed as `write_json` prints it, and no
//!   duplicate keys in any object (duplicates collapse when decoded).
//!
//! The second check walks the tape once and predicts where each token must start in a
//! compact, canonical rendering: each string must be found by simd-json exactly there (its
//! content pointer), each float's `ryu` text must be there (and end there), and the predicted
//! end must be the frame's end. Integers, literals and structural characters are only
//! counted: a valid JSON integer is never shorter than its canonical text (no leading zeros;
//! `-0` is longer than `0`), and whitespace only adds bytes, so any deviation pushes a later
//! anchor or the end off its prediction. (A float's text could be shorter than `ryu`'s, but
//! floats are anchored by content, and `ryu` text always holds a `.` or `e` after a digit,
//! which no integer, literal, structural character or whitespace it could be misaligned
//! with does.) A frame that is not canonical takes the full decode, from the same tape.

use std::borrow::Cow;

use simd_json::{Node, StaticNode};

mod direct;
mod quick;
mod write;

use super::json::{build, MAX_DEPTH};
use super::{write_json, JsonDecoder, JsonError, Record, Value};

/// Objects with more keys than this take the full path (it bounds the duplicate-key check,
/// whose exact compares run on a filter hit).
const MAX_KEYS: usize = 32;
/// Marks a member whose key the script does not touch.
const UNTOUCHED: u16 = u16::MAX;

/// One top-level member of the last frame whose key the script touches: `"key":value` at
/// `start..end` (so `frame[end]` is the comma or brace after it).
#[derive(Debug, Clone, Copy)]
struct Member {
    start: u32,
    /// Where the value starts (after `"key":`).
    value: u32,
    end: u32,
    /// The value's node on the tape (0 from the direct scan, which builds without one).
    node: usize,
    /// Index into [`JsonPatch::keys`] (the walk notes [`UNTOUCHED`] ones too, then drops them).
    key: u16,
}

/// What a touched member's value was when decoded, so that [`JsonPatch::write`] can tell
/// whether the script changed it. An unchanged value is written as the copy of its bytes:
/// the frame is canonical, so they are what `write_json` writes for it. A string is known
/// by where its text lies in the decode buffer (a value with the same address and length
/// is that text; the buffer outlives the event, so no other string can be there).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Orig {
    /// Not compared: always written again.
    Unknown,
    Str(usize, usize),
    I64(i64),
    Bool(bool),
    Null,
}

impl Orig {
    #[inline]
    fn of(n: &Node<'_>) -> Orig {
        match *n {
            Node::String(s) => Orig::Str(s.as_ptr() as usize, s.len()),
            Node::Static(StaticNode::I64(i)) => Orig::I64(i),
            Node::Static(StaticNode::Bool(b)) => Orig::Bool(b),
            Node::Static(StaticNode::Null) => Orig::Null,
            _ => Orig::Unknown,
        }
    }

    /// [`Orig::of`] for a value built from the frame's bytes (strings borrow them).
    #[inline]
    fn of_value(v: &Value<'_>) -> Orig {
        match v {
            Value::String(s) => Orig::Str(s.as_ptr() as usize, s.len()),
            Value::I64(i) => Orig::I64(*i),
            Value::Bool(b) => Orig::Bool(*b),
            Value::Null => Orig::Null,
            _ => Orig::Unknown,
        }
    }

    /// Is `v` the value this was taken from?
    #[inline]
    fn same(self, v: &Value<'_>) -> bool {
        match (self, v) {
            (Orig::Str(p, l), Value::String(s)) => s.as_ptr() as usize == p && s.len() == l,
            (Orig::I64(a), Value::I64(b)) => a == *b,
            (Orig::Bool(a), Value::Bool(b)) => a == *b,
            (Orig::Null, Value::Null) => true,
            _ => false,
        }
    }
}

/// What [`JsonDecoder::decode_patch`] learnt about a frame, for [`JsonPatch::write`]; and
/// the fields to decode. One per source decoder (its buffers are reused).
#[derive(Debug, Clone, Default)]
pub struct JsonPatch {
    keys: Vec<Box<str>>,
    key_fps: Vec<u64>,
    /// The keys' [`quick::filter_bit`]s.
    key_filter: u64,
    /// Per key: its value in the last frame as decoded, if a member of it.
    origs: Vec<Orig>,
    /// Address and length of the last frame's decode buffer.
    buf: (usize, usize),
    /// Each key as the encoder writes it, with its colon: `"key":`.
    key_json: Vec<Vec<u8>>,
    /// The top-level members of the last frame whose keys the script touches, in order.
    members: Vec<Member>,
    /// Per key: is it a member of the last frame?
    in_frame: Vec<bool>,
    /// Key fingerprints of the objects being walked (the duplicate check).
    fps: Vec<u64>,
    backslashes: Vec<usize>,
    esc: Vec<u8>,
    stack: Vec<Open>,
    /// The containers open during the direct scan, and the spans of their keys.
    levels: Vec<direct::Level>,
    key_spans: Vec<(usize, usize, u64)>,
}

/// Length and three bytes: different keys rarely share one, equal keys always do.
#[inline]
fn fingerprint(k: &[u8]) -> u64 {
    let n = k.len();
    if n == 0 {
        return 0;
    }
    (n as u64) << 32 | u64::from(k[0]) << 16 | u64::from(k[n / 2]) << 8 | u64::from(k[n - 1])
}

/// Where `frame`'s backslashes are. (Raw control characters need no scan: simd-json
/// rejects them inside strings, and outside strings they are whitespace or invalid; the
/// test `simd_json_rejects_raw_control_characters` keeps that assumption checked.)
fn scan_frame(frame: &[u8], backslashes: &mut Vec<usize>) {
    backslashes.clear();
    backslashes.extend(memchr::memchr_iter(b'\\', frame));
}

/// A container open during [`Walk::run`].
#[derive(Debug, Clone, Copy)]
struct Open {
    /// Elements (members) not yet complete.
    left: usize,
    object: bool,
    first: bool,
    /// Where its keys' fingerprints start in `fps`.
    mark: usize,
}

struct Walk<'f> {
    /// Address of the decode buffer: simd-json stores every string (unescaped) where its
    /// text starts in the frame.
    base: usize,
    frame: &'f [u8],
    /// Where the frame's backslashes are, and the first one not yet passed.
    backslashes: &'f [usize],
    next_bs: usize,
    /// Scratch for the canonical form of strings with escapes.
    esc: &'f mut Vec<u8>,
}

/// Digits of `u` in decimal: from its bit length (`1233 / 4096` is just under `log10 2`, so
/// `t` is the digit count or one more) and one compare.
#[inline]
fn dec_len(u: u64) -> usize {
    const POW10: [u64; 20] = {
        let mut t = [1u64; 20];
        let mut i = 1;
        while i < 20 {
            t[i] = t[i - 1] * 10;
            i += 1;
        }
        t
    };
    let v = u | 1;
    let t = ((64 - v.leading_zeros() as usize) * 1233) >> 12;
    t + usize::from(v >= POW10[t.min(19)])
}

impl Walk<'_> {
    /// A string (its unescaped value `s`) predicted at `c`: the position after it.
    #[inline]
    fn string(&mut self, s: &str, c: usize) -> Option<usize> {
        if s.as_ptr() as usize != self.base + c + 1 {
            return None;
        }
        while self.backslashes.get(self.next_bs).is_some_and(|&b| b <= c) {
            self.next_bs += 1;
        }
        // Written with escapes, the text is longer than the value, and its first escape
        // starts within the value's length.
        let escaped = self
            .backslashes
            .get(self.next_bs)
            .is_some_and(|&b| b < c + 1 + s.len());
        if !escaped {
            return Some(c + s.len() + 2);
        }
        self.esc.clear();
        super::write_json_string(s, self.esc);
        let end = c + self.esc.len();
        (self.frame.get(c..end) == Some(self.esc.as_slice())).then_some(end)
    }

    /// A float predicted at `c`: the position after it, if `ryu`'s text is there.
    fn float(&self, f: f64, c: usize) -> Option<usize> {
        if !f.is_finite() {
            return None;
        }
        let mut b = ryu::Buffer::new();
        let t = b.format_finite(f).as_bytes();
        let end = c + t.len();
        let after_ok = !matches!(
            self.frame.get(end),
            Some(b'0'..=b'9' | b'.' | b'e' | b'E' | b'+' | b'-')
        );
        (self.frame.get(c..end) == Some(t) && after_ok).then_some(end)
    }
}

/// The outcome of [`JsonPatch::walk`].
enum Walked {
    Canonical,
    Not,
    TooDeep,
}

impl JsonPatch {
    /// A patch plan for the top-level fields `keys` (at most a few dozen are useful).
    #[must_use]
    pub fn new(keys: &[String]) -> Self {
        JsonPatch {
            key_fps: keys.iter().map(|k| fingerprint(k.as_bytes())).collect(),
            key_filter: keys
                .iter()
                .fold(0, |m, k| m | quick::filter_bit(fingerprint(k.as_bytes()))),
            origs: vec![Orig::Unknown; keys.len()],
            buf: (0, 0),
            key_json: keys
                .iter()
                .map(|k| {
                    let mut j = Vec::with_capacity(k.len() + 3);
                    super::write_json_string(k, &mut j);
                    j.push(b':');
                    j
                })
                .collect(),
            keys: keys.iter().map(|k| k.as_str().into()).collect(),
            in_frame: vec![false; keys.len()],
            members: Vec::with_capacity(32),
            fps: Vec::with_capacity(64),
            backslashes: Vec::with_capacity(16),
            esc: Vec::with_capacity(256),
            stack: Vec::with_capacity(16),
            levels: Vec::with_capacity(direct::DEPTH),
            key_spans: Vec::with_capacity(64),
        }
    }

    /// The fields it decodes.
    #[must_use]
    pub fn keys(&self) -> &[Box<str>] {
        &self.keys
    }

    fn key_index(&self, k: &str) -> u16 {
        let fp = fingerprint(k.as_bytes());
        if self.key_filter & quick::filter_bit(fp) == 0 {
            return UNTOUCHED;
        }
        self.key_of(k, fp)
    }

    /// The record of this patch's fields, if the tape is a canonical object (see the module
    /// notes); `None` for the full path.
    fn scan<'a>(
        &mut self,
        nodes: &[Node<'a>],
        base: usize,
        frame: &[u8],
    ) -> Result<Option<Value<'a>>, JsonError> {
        self.members.clear();
        if self.keys.len() >= usize::from(UNTOUCHED) {
            return Ok(None);
        }
        self.buf = (base, frame.len());
        match self.quick(nodes, base, frame) {
            quick::Quick::Canonical => {}
            quick::Quick::Not => return Ok(None),
            quick::Quick::Unsure => {
                self.members.clear();
                scan_frame(frame, &mut self.backslashes);
                match self.walk(nodes, base, frame) {
                    Walked::Canonical => {}
                    Walked::Not => return Ok(None),
                    Walked::TooDeep => return Err(JsonError::TooDeep),
                }
            }
        }
        self.in_frame.iter_mut().for_each(|b| *b = false);
        let mut rec = Record::with_capacity(self.keys.len() + 4);
        for m in &self.members {
            let (Some(Node::String(k)), Some(n)) = (nodes.get(m.node - 1), nodes.get(m.node))
            else {
                return Ok(None);
            };
            self.origs[usize::from(m.key)] = Orig::of(n);
            // A string (the usual touched field) is its tape text; the rest via `build`.
            let x = match *n {
                Node::String(s) => Value::String(Cow::Borrowed(s)),
                _ => {
                    let mut p = m.node;
                    build(nodes, &mut p, 1)?
                }
            };
            rec.push_unique(*k, x);
            self.in_frame[usize::from(m.key)] = true;
        }
        Ok(Some(Value::Record(rec)))
    }

    /// Checks that the tape is a canonical rendering of `frame` (module notes), noting its
    /// top-level members. One pass over the tape with a stack of open containers, predicting
    /// the byte where each token starts.
    fn walk(&mut self, nodes: &[Node<'_>], base: usize, frame: &[u8]) -> Walked {
        if !matches!(nodes.first(), Some(Node::Object { .. })) {
            return Walked::Not;
        }
        self.fps.clear();
        self.stack.clear();
        let mut w = Walk {
            base,
            frame,
            backslashes: &self.backslashes,
            next_bs: 0,
            esc: &mut self.esc,
        };
        let mut c = 0usize;
        let mut i = 0usize;
        while let Some(node) = nodes.get(i) {
            // What precedes a value: a comma, and in an object its key and a colon.
            if let Some(top) = self.stack.last_mut() {
                c += usize::from(!top.first);
                top.first = false;
                if top.object {
                    let Node::String(k) = *node else {
                        return Walked::Not;
                    };
                    let start = c;
                    let Some(end) = w.string(k, c) else {
                        return Walked::Not;
                    };
                    // Equal fingerprints are taken for equal keys: a rare collision only
                    // costs the full path.
                    let fp = fingerprint(k.as_bytes());
                    if self.fps[top.mark..].contains(&fp) {
                        return Walked::Not;
                    }
                    self.fps.push(fp);
                    c = end + 1;
                    i += 1;
                    if self.stack.len() == 1 {
                        let key = self
                            .key_fps
                            .iter()
                            .zip(&self.keys)
                            .position(|(&f, key)| f == fp && **key == *k)
                            .map_or(UNTOUCHED, |x| x as u16);
                        let (Ok(start), Ok(value)) = (u32::try_from(start), u32::try_from(c))
                        else {
                            return Walked::Not;
                        };
                        self.members.push(Member {
                            start,
                            value,
                            end: value,
                            node: i,
                            key,
                        });
                    }
                }
            }
            let Some(node) = nodes.get(i) else {
                return Walked::Not;
            };
            i += 1;
            let done = match *node {
                Node::Static(s) => {
                    c += match s {
                        StaticNode::Null | StaticNode::Bool(true) => 4,
                        StaticNode::Bool(false) => 5,
                        StaticNode::I64(v) => usize::from(v < 0) + dec_len(v.unsigned_abs()),
                        StaticNode::U64(u) => dec_len(u),
                        StaticNode::F64(f) => match w.float(f, c) {
                            Some(e) => e - c,
                            None => return Walked::Not,
                        },
                    };
                    true
                }
                Node::String(s) => match w.string(s, c) {
                    Some(e) => {
                        c = e;
                        true
                    }
                    None => return Walked::Not,
                },
                Node::Array { len, .. } | Node::Object { len, .. } => {
                    let object = matches!(node, Node::Object { .. });
                    c += 1;
                    if len == 0 {
                        c += 1;
                        true
                    } else {
                        if object && len > MAX_KEYS {
                            return Walked::Not;
                        }
                        self.stack.push(Open {
                            left: len,
                            object,
                            first: true,
                            mark: self.fps.len(),
                        });
                        // Its elements sit one level deeper than the stack is long.
                        if self.stack.len() > MAX_DEPTH {
                            return Walked::TooDeep;
                        }
                        false
                    }
                }
            };
            if done {
                // A value is complete: count it, and close every container it completes.
                loop {
                    let depth = self.stack.len();
                    let Some(top) = self.stack.last_mut() else {
                        break;
                    };
                    if depth == 1 {
                        if let Some(m) = self.members.last_mut() {
                            match u32::try_from(c) {
                                Ok(e) => m.end = e,
                                Err(_) => return Walked::Not,
                            }
                        }
                    }
                    top.left -= 1;
                    if top.left > 0 {
                        break;
                    }
                    c += 1;
                    let mark = top.mark;
                    self.fps.truncate(mark);
                    self.stack.pop();
                }
                if self.stack.is_empty() {
                    break;
                }
            }
        }
        if i == nodes.len() && self.stack.is_empty() && c == frame.len() {
            self.members.retain(|m| m.key != UNTOUCHED);
            Walked::Canonical
        } else {
            Walked::Not
        }
    }
}

impl JsonDecoder {
    /// Decodes `data` (a copy of `frame`, which simd-json may rewrite) for a script that touches
    /// only `patch`'s fields. Validation is the same as [`JsonDecoder::decode`]'s. Returns
    /// the value and whether it is partial: `true` means a record of `patch`'s fields only,
    /// to be written with [`JsonPatch::write`]; `false` means the whole event (the frame is
    /// not a canonical object: see the module notes).
    ///
    /// # Errors
    /// [`JsonError`] if the input is not valid JSON or nests too deeply.
    pub fn decode_patch<'a>(
        &mut self,
        data: &'a mut [u8],
        frame: &[u8],
        patch: &mut JsonPatch,
    ) -> Result<(Value<'a>, bool), JsonError> {
        // `data` is a copy of `frame` (the caller's contract): the scans read `frame`.
        let same = data.len() == frame.len();
        if same && patch.keys.len() < usize::from(UNTOUCHED) && patch.direct_valid(frame) {
            return patch.direct_record(data).map(|v| (v, true));
        }
        let base = data.as_ptr() as usize;
        self.with_tape(data, |nodes| {
            if same {
                if let Some(v) = patch.scan(nodes, base, frame)? {
                    return Ok((v, true));
                }
            }
            let mut pos = 0;
            build(nodes, &mut pos, 0).map(|v| (v, false))
        })
    }
}

#[cfg(test)]
mod tests;
