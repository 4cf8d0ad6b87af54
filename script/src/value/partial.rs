//! Decoding only the top-level fields of a JSON object that a script touches, and writing the
//! object again as a patch of its original bytes.
//!
//! The reference re-encode path decodes the whole event, runs the script and serialises the
//! whole record with [`write_json`]. Most of that work is on fields the script never looks
//! at. When a script touches only known top-level fields ([`crate::Script::event_fields`]),
//! [`JsonDecoder::decode_patch`] still validates the whole frame with simd-json, but builds
//! only those fields; [`JsonPatch::write`] then writes every other member as a copy of its
//! original bytes, and the touched ones from the record, exactly where and how `write_json`
//! would have put them. That is byte-identical only where the original bytes already are
//! `write_json`'s output for their value, so the frame must be canonical:
//! - no backslash and no byte below 0x20 anywhere (one scan): every string is then stored
//!   in place by simd-json, its bytes are its value, and `write_json_string` escapes
//!   nothing in it (it escapes exactly `"`, `\` and bytes below 0x20);
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

use simd_json::{Node, StaticNode};

use super::json::{build, MAX_DEPTH};
use super::{write_json, JsonDecoder, JsonError, Record, Value};

/// Objects with more keys than this take the full path (the duplicate check is quadratic).
const MAX_KEYS: usize = 32;
/// Marks a member whose key the script does not touch.
const UNTOUCHED: u16 = u16::MAX;

/// One top-level member of the last frame: `"key":value` at `start..end`.
#[derive(Debug, Clone, Copy)]
struct Member {
    start: u32,
    /// Where the value starts (after `"key":`).
    value: u32,
    end: u32,
    /// Index into [`JsonPatch::keys`], or [`UNTOUCHED`].
    key: u16,
}

/// What [`JsonDecoder::decode_patch`] learnt about a frame, for [`JsonPatch::write`]; and
/// the fields to decode. One per source decoder (its buffers are reused).
#[derive(Debug, Clone, Default)]
pub struct JsonPatch {
    keys: Vec<Box<str>>,
    key_fps: Vec<u64>,
    members: Vec<Member>,
    /// Per key: is it a member of the last frame?
    in_frame: Vec<bool>,
    /// Key fingerprints of the objects being walked (the duplicate check).
    fps: Vec<u64>,
    backslashes: Vec<usize>,
    esc: Vec<u8>,
}

/// Length and three bytes: different keys rarely share one, equal keys always do.
#[inline]
fn fingerprint(k: &[u8]) -> u64 {
    let n = k.len();
    match n {
        0 => 0,
        _ => {
            (n as u64) << 32
                | u64::from(k[0]) << 16
                | u64::from(k[n / 2]) << 8
                | u64::from(k[n - 1])
        }
    }
}

/// Whether `frame` has no byte below 0x20 (raw control characters are not canonical, and
/// simd-json does not reject them inside strings), noting where its backslashes are. Blocks
/// of 32 bytes folded with `|` so that the compiler vectorises the compares (as
/// `write_json_string` does); only blocks holding a backslash are looked at byte by byte.
fn scan_frame(frame: &[u8], backslashes: &mut Vec<usize>) -> bool {
    backslashes.clear();
    let mut blocks = frame.chunks_exact(32);
    let mut at = 0;
    for block in &mut blocks {
        let (mut ctrl, mut bs) = (0u8, 0u8);
        for &b in block {
            ctrl |= u8::from(b < 0x20);
            bs |= u8::from(b == b'\\');
        }
        if ctrl != 0 {
            return false;
        }
        if bs != 0 {
            let found = block.iter().enumerate().filter(|(_, b)| **b == b'\\');
            backslashes.extend(found.map(|(i, _)| at + i));
        }
        at += 32;
    }
    for (i, &b) in blocks.remainder().iter().enumerate() {
        if b < 0x20 {
            return false;
        }
        if b == b'\\' {
            backslashes.push(at + i);
        }
    }
    true
}

struct Walk<'n, 'a, 'f> {
    nodes: &'n [Node<'a>],
    /// Address of the decode buffer: simd-json stores every string (unescaped) where its
    /// text starts in the frame.
    base: usize,
    frame: &'f [u8],
    fps: &'f mut Vec<u64>,
    /// Where the frame's backslashes are, and the first one not yet passed.
    backslashes: &'f [usize],
    next_bs: usize,
    /// Scratch for the canonical form of strings with escapes.
    esc: &'f mut Vec<u8>,
}

impl Walk<'_, '_, '_> {
    /// The value at `nodes[*pos]`, predicted to start at byte `c`: `Ok(Some(end))` when it is
    /// canonical, `Ok(None)` when it is not (or seems not to be).
    fn value(
        &mut self,
        pos: &mut usize,
        c: usize,
        depth: usize,
    ) -> Result<Option<usize>, JsonError> {
        if depth > MAX_DEPTH {
            return Err(JsonError::TooDeep);
        }
        let Some(node) = self.nodes.get(*pos) else {
            return Ok(None);
        };
        *pos += 1;
        Ok(match *node {
            Node::Static(s) => Some(match s {
                StaticNode::Null | StaticNode::Bool(true) => c + 4,
                StaticNode::Bool(false) => c + 5,
                StaticNode::I64(i) => c + itoa::Buffer::new().format(i).len(),
                StaticNode::U64(u) => c + itoa::Buffer::new().format(u).len(),
                StaticNode::F64(f) => {
                    if !f.is_finite() {
                        return Ok(None);
                    }
                    let mut b = ryu::Buffer::new();
                    let t = b.format_finite(f).as_bytes();
                    let end = c + t.len();
                    let after_ok = !matches!(
                        self.frame.get(end),
                        Some(b'0'..=b'9' | b'.' | b'e' | b'E' | b'+' | b'-')
                    );
                    if self.frame.get(c..end) != Some(t) || !after_ok {
                        return Ok(None);
                    }
                    end
                }
            }),
            Node::String(s) => self.string(s, c),
            Node::Array { len, .. } => {
                let mut c = c + 1;
                for i in 0..len {
                    c += usize::from(i > 0);
                    match self.value(pos, c, depth + 1)? {
                        Some(e) => c = e,
                        None => return Ok(None),
                    }
                }
                Some(c + 1)
            }
            Node::Object { len, .. } => {
                if len > MAX_KEYS {
                    return Ok(None);
                }
                let mark = self.fps.len();
                let mut c = c + 1;
                for i in 0..len {
                    c += usize::from(i > 0);
                    let Some(end) = self.key(pos, c, mark) else {
                        self.fps.truncate(mark);
                        return Ok(None);
                    };
                    match self.value(pos, end, depth + 1)? {
                        Some(e) => c = e,
                        None => {
                            self.fps.truncate(mark);
                            return Ok(None);
                        }
                    }
                }
                self.fps.truncate(mark);
                Some(c + 1)
            }
        })
    }

    /// An object's key predicted at `c`, not equal to any since `fps[mark]`: the position
    /// after its colon.
    fn key(&mut self, pos: &mut usize, c: usize, mark: usize) -> Option<usize> {
        let Some(Node::String(k)) = self.nodes.get(*pos) else {
            return None;
        };
        *pos += 1;
        let end = self.string(k, c)?;
        // Equal fingerprints are taken for equal keys: a rare collision only costs the
        // full path.
        let fp = fingerprint(k.as_bytes());
        if self.fps[mark..].contains(&fp) {
            return None;
        }
        self.fps.push(fp);
        Some(end + 1)
    }

    /// A string (its unescaped value `s`) predicted at `c`: the position after it.
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
}

impl JsonPatch {
    /// A patch plan for the top-level fields `keys` (at most a few dozen are useful).
    #[must_use]
    pub fn new(keys: &[String]) -> Self {
        JsonPatch {
            key_fps: keys.iter().map(|k| fingerprint(k.as_bytes())).collect(),
            keys: keys.iter().map(|k| k.as_str().into()).collect(),
            in_frame: vec![false; keys.len()],
            members: Vec::with_capacity(32),
            fps: Vec::with_capacity(64),
            backslashes: Vec::with_capacity(16),
            esc: Vec::with_capacity(256),
        }
    }

    /// The fields it decodes.
    #[must_use]
    pub fn keys(&self) -> &[Box<str>] {
        &self.keys
    }

    fn key_index(&self, k: &str) -> u16 {
        let fp = fingerprint(k.as_bytes());
        for (i, (&f, key)) in self.key_fps.iter().zip(&self.keys).enumerate() {
            if f == fp && **key == *k {
                return u16::try_from(i).unwrap_or(UNTOUCHED);
            }
        }
        UNTOUCHED
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
        if !scan_frame(frame, &mut self.backslashes) {
            return Ok(None);
        }
        self.in_frame.iter_mut().for_each(|b| *b = false);
        self.fps.clear();
        let Some(&Node::Object { len, .. }) = nodes.first() else {
            return Ok(None);
        };
        if len > MAX_KEYS || self.keys.len() >= usize::from(UNTOUCHED) {
            return Ok(None);
        }
        let mut fps = std::mem::take(&mut self.fps);
        let mut esc = std::mem::take(&mut self.esc);
        let mut walk = Walk {
            nodes,
            base,
            frame,
            fps: &mut fps,
            backslashes: &self.backslashes,
            next_bs: 0,
            esc: &mut esc,
        };
        let mut rec = Record::with_capacity(self.keys.len() + 4);
        let mut pos = 1;
        let mut c = 1;
        let mut ok = true;
        for i in 0..len {
            c += usize::from(i > 0);
            let start = c;
            let Some(vstart) = walk.key(&mut pos, c, 0) else {
                ok = false;
                break;
            };
            let key = match nodes.get(pos - 1) {
                Some(Node::String(k)) => *k,
                _ => "",
            };
            let ki = self.key_index(key);
            let vpos = pos;
            match walk.value(&mut pos, vstart, 1) {
                Ok(Some(e)) => c = e,
                Ok(None) => {
                    ok = false;
                    break;
                }
                Err(e) => {
                    self.fps = fps;
                    self.esc = esc;
                    return Err(e);
                }
            }
            if ki != UNTOUCHED {
                let mut p = vpos;
                rec.push_unique(key, build(nodes, &mut p, 1)?);
                self.in_frame[usize::from(ki)] = true;
            }
            let (Ok(start), Ok(value), Ok(end)) = (
                u32::try_from(start),
                u32::try_from(vstart),
                u32::try_from(c),
            ) else {
                ok = false;
                break;
            };
            self.members.push(Member {
                start,
                value,
                end,
                key: ki,
            });
        }
        self.fps = fps;
        self.esc = esc;
        Ok((ok && c + 1 == frame.len()).then_some(Value::Record(rec)))
    }

    /// Appends what [`write_json`] appends for the full event, where `v` is the record that
    /// [`JsonDecoder::decode_patch`] made of `frame` (with this patch's fields only), after
    /// a script that touched only those fields ran on it.
    pub fn write(&self, v: &Value<'_>, frame: &[u8], out: &mut Vec<u8>) {
        let Value::Record(rec) = v else {
            // The analysis never lets a script replace the event; be correct regardless.
            write_json(v, out);
            return;
        };
        out.reserve(frame.len() + 64);
        out.push(b'{');
        let mut first = true;
        let mut run: Option<(usize, usize)> = None;
        let sep = |out: &mut Vec<u8>, first: &mut bool| {
            if !*first {
                out.push(b',');
            }
            *first = false;
        };
        for m in &self.members {
            let (start, end) = (m.start as usize, m.end as usize);
            if m.key == UNTOUCHED {
                run = Some(run.map_or((start, end), |(s, _)| (s, end)));
                continue;
            }
            if let Some((s, e)) = run.take() {
                sep(out, &mut first);
                out.extend_from_slice(&frame[s..e]);
            }
            let key = &self.keys[usize::from(m.key)];
            if let Some(x) = rec.get(key) {
                sep(out, &mut first);
                // The key's bytes are canonical (the frame is): `"key":`.
                out.extend_from_slice(&frame[start..m.value as usize]);
                write_json(x, out);
            }
        }
        if let Some((s, e)) = run {
            sep(out, &mut first);
            out.extend_from_slice(&frame[s..e]);
        }
        // Fields the frame did not have, in the order the script added them.
        for (k, x) in rec.iter() {
            let ki = self.key_index(k);
            if ki != UNTOUCHED && self.in_frame[usize::from(ki)] {
                continue;
            }
            sep(out, &mut first);
            super::write_json_string(k, out);
            out.push(b':');
            write_json(x, out);
        }
        out.push(b'}');
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
        // `data` is a copy of `frame` (the caller's contract): the scan reads `frame`.
        let same = data.len() == frame.len();
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
