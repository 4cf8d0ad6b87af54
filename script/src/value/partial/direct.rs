//! The direct scan: most frames a shard sees are already compact, canonical JSON with no
//! escape in any string. For those, one pass over the bytes does everything the tape and the
//! canonical check do together (see the parent module): it checks the grammar, that every
//! token is spelt as `write_json` spells it, that no object repeats a key, and notes where
//! the touched top-level members lie; then only those members are built, from their bytes.
//!
//! It accepts a strict subset of what simd-json accepts and the canonical check passes:
//! - no whitespace anywhere, the top level an object, nothing after it;
//! - strings without a raw byte below 0x20 (simd-json rejects those) whose only escapes
//!   are `write_json_string`'s two-byte ones (`\"`, `\\`, `\n`, `\r`, `\t`, `\b`, `\f`:
//!   then escaped and unescaped text map one to one, so comparing keys by their bytes is
//!   comparing their values); none at all in a top-level key or a touched member, whose
//!   values are built straight from the bytes; valid UTF-8 (checked for the whole frame);
//! - integers of at most 18 digits, no leading zero, no `-0` (`I64` on the tape: `write_json`
//!   prints them back as they are);
//! - floats in the short plain form `-?I.F` that `ryu` writes for their value
//!   ([`short_decimal_text`]), no exponents;
//! - at most [`DEPTH`] nested containers, at most [`MAX_KEYS`] keys per object.
//!
//! Anything else (including every invalid frame) is not an answer: the caller takes the
//! tape path, which decides with simd-json's own validation and errors. So this scan can
//! only make a frame cheaper, never change what happens to it.

use std::borrow::Cow;

use super::quick::{filter_bit, short_decimal_text};
use super::{fingerprint, JsonPatch, Member, Orig, MAX_KEYS, UNTOUCHED};
use crate::value::{JsonError, Record, Value};

/// Containers nested deeper than this take the tape path.
pub(super) const DEPTH: usize = 32;

/// An object or array open during [`JsonPatch::direct`].
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Level {
    object: bool,
    /// [`filter_bit`]s of its keys so far.
    filter: u64,
    keys: usize,
    /// Where its keys start in [`JsonPatch::key_spans`].
    mark: usize,
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// What the scan has seen so far beyond the grammar.
struct Seen {
    /// No byte above 0x7f yet (or maybe one: the last word read can reach past a string).
    ascii: bool,
    /// Escapes passed (each one of `write_json_string`'s two-byte escapes).
    escapes: usize,
}

/// The index of the closing quote of the string whose text starts at `i`, if the text is
/// canonical: no byte below 0x20, and only the two-byte escapes `write_json_string` writes
/// (`\u` ones, rare, are left to the tape). Eight bytes per step: each flag mask below is
/// exact at its lowest set byte (a borrow only runs upwards from a true hit).
#[inline(always)]
fn string_end(f: &[u8], mut i: usize, seen: &mut Seen) -> Option<usize> {
    let mut high = 0u64;
    loop {
        let mut at = None;
        while let Some(w) = f.get(i..i + 8).and_then(|c| <[u8; 8]>::try_from(c).ok()) {
            let w = u64::from_le_bytes(w);
            high |= w;
            let q = w ^ (ONES * u64::from(b'"'));
            let b = w ^ (ONES * u64::from(b'\\'));
            let hits = (q.wrapping_sub(ONES) & !q
                | b.wrapping_sub(ONES) & !b
                | w.wrapping_sub(ONES * 0x20) & !w)
                & HIGH;
            if hits != 0 {
                at = Some(i + (hits.trailing_zeros() / 8) as usize);
                break;
            }
            i += 8;
        }
        let at = match at {
            Some(at) => at,
            None => {
                let n = f
                    .get(i..)?
                    .iter()
                    .position(|&c| c == b'"' || c == b'\\' || c < 0x20)?;
                if f.get(i..i + n)?.iter().any(|&c| c > 0x7f) {
                    seen.ascii = false;
                }
                i + n
            }
        };
        match f.get(at)? {
            b'"' => {
                seen.ascii &= high & HIGH == 0;
                return Some(at);
            }
            b'\\' => match f.get(at + 1)? {
                b'"' | b'\\' | b'n' | b'r' | b't' | b'b' | b'f' => {
                    seen.escapes += 1;
                    i = at + 2;
                }
                _ => return None,
            },
            _ => return None,
        }
    }
}

/// A number as it is written.
enum Num {
    Int(i64),
    Float(f64),
}

/// The canonical number at `f[p..]`: where it ends, and its value.
#[inline(always)]
fn number(f: &[u8], p: usize) -> Option<(usize, Num)> {
    let neg = f.get(p) == Some(&b'-');
    let start = p + usize::from(neg);
    let mut i = start;
    let mut v: i64 = 0;
    while let Some(&d @ b'0'..=b'9') = f.get(i) {
        v = v.wrapping_mul(10).wrapping_add(i64::from(d - b'0'));
        i += 1;
    }
    let n = i - start;
    if n == 0 || n > 18 || (n > 1 && f.get(start) == Some(&b'0')) {
        return None;
    }
    match f.get(i) {
        Some(b'.') => {
            let (len, x) = short_decimal_text(f.get(p..)?)?;
            Some((p + len, Num::Float(x)))
        }
        Some(b'e' | b'E') => None,
        // `-0` is `0` to the decoder, and `write_json` writes it so.
        _ if neg && v == 0 => None,
        _ => Some((i, Num::Int(if neg { -v } else { v }))),
    }
}

/// Where the literal `word` at `f[p..]` ends.
#[inline]
fn literal(f: &[u8], p: usize, word: &[u8]) -> Option<usize> {
    (f.get(p..p + word.len()) == Some(word)).then_some(p + word.len())
}

impl JsonPatch {
    /// Scans `f` (module notes): `Some(ascii)` if it is a canonical object this scan
    /// answers for, its touched members noted; `ascii` false means a byte above 0x7f was
    /// seen and the frame's UTF-8 is still to be checked. `None`: ask the tape.
    pub(super) fn direct(&mut self, f: &[u8]) -> Option<bool> {
        self.members.clear();
        self.levels.clear();
        self.key_spans.clear();
        if f.first() != Some(&b'{') || u32::try_from(f.len()).is_err() {
            return None;
        }
        let mut seen = Seen {
            ascii: true,
            escapes: 0,
        };
        // The innermost open container (the outer ones wait in `levels`), and how deep.
        let mut cur = Level {
            object: true,
            ..Level::default()
        };
        let mut depth = 1;
        if f.get(1) == Some(&b'}') {
            return (f.len() == 2).then_some(true);
        }
        // A top-level member whose key the patch has, still to be closed.
        let (mut p, mut open) = self.key(f, 1, &mut seen, &mut cur, true)?;
        'value: loop {
            // A value starts at `p`.
            match *f.get(p)? {
                c @ (b'{' | b'[') => {
                    let object = c == b'{';
                    let close = if object { b'}' } else { b']' };
                    if f.get(p + 1) == Some(&close) {
                        p += 2;
                    } else {
                        if depth == DEPTH {
                            return None;
                        }
                        self.levels.push(cur);
                        cur = Level {
                            object,
                            mark: self.key_spans.len(),
                            ..Level::default()
                        };
                        depth += 1;
                        p += 1;
                        if object {
                            p = self.key(f, p, &mut seen, &mut cur, false)?.0;
                        }
                        continue 'value;
                    }
                }
                b'"' => p = string_end(f, p + 1, &mut seen)? + 1,
                b't' => p = literal(f, p, b"true")?,
                b'f' => p = literal(f, p, b"false")?,
                b'n' => p = literal(f, p, b"null")?,
                b'-' | b'0'..=b'9' => p = number(f, p)?.0,
                _ => return None,
            }
            // A value ends at `p`: what follows, and the containers that closes.
            loop {
                if depth == 1 && open {
                    // A touched value is built from its bytes: one with an escape (which
                    // would need unescaping) is left to the tape.
                    if seen.escapes != 0 {
                        return None;
                    }
                    self.members.last_mut()?.end = u32::try_from(p).ok()?;
                    open = false;
                }
                match f.get(p) {
                    Some(b',') => {
                        p += 1;
                        if cur.object && depth == 1 {
                            (p, open) = self.key(f, p, &mut seen, &mut cur, true)?;
                        } else if cur.object {
                            p = self.key(f, p, &mut seen, &mut cur, false)?.0;
                        }
                        continue 'value;
                    }
                    Some(b'}') if cur.object => {}
                    Some(b']') if !cur.object => {}
                    _ => return None,
                }
                p += 1;
                self.key_spans.truncate(cur.mark);
                depth -= 1;
                if depth == 0 {
                    return (p == f.len()).then_some(seen.ascii);
                }
                cur = self.levels.pop()?;
            }
        }
    }

    /// Does the direct scan answer for `f`, and is it UTF-8? Then it is valid JSON, as
    /// simd-json would find it (and canonical); `false` leaves the question to the tape.
    /// Only a frame with a byte above 0x7f needs this check (the same vector pass
    /// [`JsonPatch::direct_record`] makes to reach its `str`).
    pub(crate) fn direct_valid(&mut self, f: &[u8]) -> bool {
        match self.direct(f) {
            Some(ascii) => ascii || simdutf8::basic::from_utf8(f).is_ok(),
            None => false,
        }
    }

    /// The key at `f[p..]` of the open object `cur`, and its colon: where its value starts,
    /// and, for a key of the top level (`top`), whether the patch has it (then it is noted
    /// as a member).
    #[inline(always)]
    fn key(
        &mut self,
        f: &[u8],
        p: usize,
        seen: &mut Seen,
        cur: &mut Level,
        top: bool,
    ) -> Option<(usize, bool)> {
        if f.get(p) != Some(&b'"') {
            return None;
        }
        let escapes = seen.escapes;
        let e = string_end(f, p + 1, seen)?;
        if f.get(e + 1) != Some(&b':') {
            return None;
        }
        let k = f.get(p + 1..e)?;
        let fp = fingerprint(k);
        let bit = filter_bit(fp);
        cur.keys += 1;
        if cur.keys > MAX_KEYS {
            return None;
        }
        if cur.filter & bit != 0 {
            let earlier = self.key_spans.get(cur.mark..)?;
            if earlier
                .iter()
                .any(|&(a, b, kfp)| kfp == fp && f.get(a..b) == Some(k))
            {
                return None;
            }
        }
        cur.filter |= bit;
        self.key_spans.push((p + 1, e, fp));
        if !top {
            return Some((e + 2, false));
        }
        // A top-level key is matched with the patch's by its bytes: they must be its text.
        // Escape counts restart with each member (see the touched values in `direct`).
        if seen.escapes != escapes {
            return None;
        }
        seen.escapes = 0;
        if self.key_filter & bit == 0 {
            return Some((e + 2, false));
        }
        let key = self.key_of_bytes(k, fp);
        if key == UNTOUCHED {
            return Some((e + 2, false));
        }
        self.members.push(Member {
            start: u32::try_from(p).ok()?,
            value: u32::try_from(e + 2).ok()?,
            end: 0,
            node: 0,
            key,
        });
        Some((e + 2, true))
    }

    /// The record of the touched members [`JsonPatch::direct`] noted in `data` (the frame,
    /// scanned and, if not ASCII, checked to be UTF-8), as the tape path would build it.
    pub(super) fn direct_record<'a>(&mut self, data: &'a [u8]) -> Result<Value<'a>, JsonError> {
        self.buf = (data.as_ptr() as usize, data.len());
        // The frame is UTF-8 (ASCII, or checked): this is the way to its `str` without
        // `unsafe`, one vector pass (short strings each checked on their own cost more).
        let t = simdutf8::basic::from_utf8(data).map_err(|_| JsonError::Syntax {
            offset: 0,
            message: "InvalidUtf8".into(),
        })?;
        self.in_frame.iter_mut().for_each(|b| *b = false);
        let mut rec = Record::with_capacity(self.keys.len() + 4);
        for m in &self.members {
            let (start, value, end) = (m.start as usize, m.value as usize, m.end as usize);
            let mut p = value;
            // The usual touched member is a string: its text is the span's, less the quotes.
            let v = if t.as_bytes().get(value) == Some(&b'"') && end > value + 1 {
                p = end;
                t.get(value + 1..end - 1)
                    .map(|s| Value::String(Cow::Borrowed(s)))
            } else {
                build(t, &mut p)
            };
            let (Some(key), Some(v)) = (t.get(start + 1..value - 2), v) else {
                return Err(disagree(start));
            };
            if p != end {
                return Err(disagree(start));
            }
            let ki = usize::from(m.key);
            self.origs[ki] = Orig::of_value(&v);
            rec.push_unique(key, v);
            self.in_frame[ki] = true;
        }
        Ok(Value::Record(rec))
    }
}

/// The scan passed a member that the builder could not read: a defect, reported loudly (the
/// frame goes to the error output) rather than guessed at.
fn disagree(at: usize) -> JsonError {
    JsonError::Syntax {
        offset: at,
        message: "direct scan and builder disagree".into(),
    }
}

/// Where the first quote of `f` is: the end of a string the scan passed without escapes
/// (short, so a plain loop beats `memchr`'s set-up).
#[inline]
fn close_quote(f: &[u8]) -> Option<usize> {
    f.iter().position(|&c| c == b'"')
}

/// The value at `f[*p..]`, which the scan passed (with no escape in it): what the tape
/// path builds for it.
fn build<'a>(t: &'a str, p: &mut usize) -> Option<Value<'a>> {
    let f = t.as_bytes();
    let at = *p;
    Some(match *f.get(at)? {
        b'"' => {
            let e = at + 1 + close_quote(f.get(at + 1..)?)?;
            *p = e + 1;
            Value::String(Cow::Borrowed(t.get(at + 1..e)?))
        }
        b't' => {
            *p = at + 4;
            Value::Bool(true)
        }
        b'f' => {
            *p = at + 5;
            Value::Bool(false)
        }
        b'n' => {
            *p = at + 4;
            Value::Null
        }
        b'[' => {
            *p = at + 1;
            let mut a = Vec::new();
            if f.get(*p) == Some(&b']') {
                *p += 1;
                return Some(Value::Array(a));
            }
            loop {
                a.push(build(t, p)?);
                *p += 1;
                match f.get(*p - 1)? {
                    b',' => {}
                    b']' => return Some(Value::Array(a)),
                    _ => return None,
                }
            }
        }
        b'{' => {
            *p = at + 1;
            let mut r = Record::new();
            if f.get(*p) == Some(&b'}') {
                *p += 1;
                return Some(Value::Record(r));
            }
            loop {
                let k = *p + 1;
                let e = k + close_quote(f.get(k..)?)?;
                let key = t.get(k..e)?;
                *p = e + 2;
                r.push_unique(key, build(t, p)?);
                *p += 1;
                match f.get(*p - 1)? {
                    b',' => {}
                    b'}' => return Some(Value::Record(r)),
                    _ => return None,
                }
            }
        }
        _ => {
            let (e, n) = number(f, at)?;
            *p = e;
            match n {
                Num::Int(i) => Value::I64(i),
                Num::Float(x) => Value::F64(x),
            }
        }
    })
}
