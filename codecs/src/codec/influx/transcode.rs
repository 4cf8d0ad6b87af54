//! One line of line protocol straight to the JSON the `json` codec would write for its
//! decoded value, in one pass and without building the value.
//!
//! Every token goes through the same scanner as [`Parser::next_entry`] (the same grammar, the
//! same number checks), so a line is accepted here only if the decoder accepts it. What the
//! decoder does that a single forward pass cannot (a repeated field key keeps its first place
//! and takes the last value), and every error, is left to the decoder: the transcoder then
//! reports [`Transcoded::Decode`], takes back what it wrote, and the caller decodes the line
//! the ordinary way, which also words the error.
//!
//! Tokens without escapes are copied into the JSON as they are (the frame is checked to be
//! UTF-8 once); the rest go through the decoder's scanner and the JSON writer. Repeated keys
//! are found by comparing the keys' JSON text, which is as good as comparing the keys (JSON
//! string escaping is one-to-one). Lines with many keys go to the decoder, whose record
//! indexes its keys, so the cost per line stays linear in its length.

use sluice_script::write_json_string;

use super::decode::{Esc, Parser, KEY, MEAS};
use super::json_float::write_float_text;
use super::value::{int_value, parse_bool, uint_value, Precision, RawField};

/// Most keys (tags or fields) of one line handled here; lines with more are decoded.
const MAX_KEYS: usize = 32;

/// Byte classes of tokens that can be copied into JSON as they are: the decoder's classes
/// without `"` (and, for string fields, without control characters). A token that stops
/// at a backslash or a quote is handed to the decoder's scanner and the JSON writer.
const J_MEAS: u8 = 1;
const J_KEY: u8 = 2;
const J_STR: u8 = 4;

const JCLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        let printable = b >= 32 && b != 0x7f;
        let mut c = 0;
        if printable && b != b',' && b != b' ' && b != b'\\' && b != b'"' {
            c |= J_MEAS;
        }
        if printable && b != b',' && b != b' ' && b != b'=' && b != b'\\' && b != b'"' {
            c |= J_KEY;
        }
        // DEL needs no JSON escape; only bytes below 0x20 do.
        if b >= 32 && b != b'\\' && b != b'"' {
            c |= J_STR;
        }
        t[i] = c;
        i += 1;
    }
    t
};

/// What [`transcode`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transcoded {
    /// The JSON of the line's event was appended.
    Json,
    /// Nothing was appended: decode this frame the ordinary way (an error, a blank or
    /// comment-only frame, a repeated field key, many keys).
    Decode,
}

/// Where a key's JSON text is in the output, and a cheap fingerprint of it.
#[derive(Debug, Clone, Copy)]
pub(super) struct KeySpan {
    start: usize,
    end: usize,
    print: u32,
}

/// Appends the JSON encoding of the one entry in `frame` (as `{measurement, tags, fields,
/// timestamp}`, keys in that order, tags and fields in line order) to `out`.
/// `keys`: scratch for the keys written so far.
pub(super) fn transcode(
    frame: &[u8],
    precision: Precision,
    default_ns: i64,
    keys: &mut Vec<KeySpan>,
    out: &mut Vec<u8>,
) -> Transcoded {
    let start = out.len();
    let mut p = Parser::new(frame, precision, default_ns);
    // Tokens are copied as bytes: that is only text if the whole frame is.
    if p.text.is_some() && entry(&mut p, keys, out).is_some() {
        Transcoded::Json
    } else {
        out.truncate(start);
        Transcoded::Decode
    }
}

/// Scans a token of class `j` (a JSON-safe [`JCLASS`] class) and writes it quoted. A token
/// with a backslash or a quote is scanned again by the decoder (class `class`, escapes
/// `esc`) and written by the JSON writer. Returns whether the token is empty.
#[inline]
fn token(p: &mut Parser<'_>, j: u8, class: u8, esc: Esc, out: &mut Vec<u8>) -> Option<bool> {
    let buf = p.buf;
    let start = p.pos;
    let rest = &buf[start..];
    let n = rest
        .iter()
        .position(|&c| JCLASS[c as usize] & j == 0)
        .unwrap_or(rest.len());
    if !matches!(rest.get(n), Some(b'\\' | b'"')) {
        out.push(b'"');
        copy(&rest[..n], rest, out);
        out.push(b'"');
        p.pos = start + n;
        return Some(n == 0);
    }
    let (t, _) = p.take_esc(class, esc).ok()?;
    write_json_string(&t, out);
    Some(t.is_empty())
}

/// Appends `token` (a prefix of `rest`). Tokens are short: a fixed 16-byte copy, cut back,
/// costs less than a call to `memcpy` with a variable length.
#[inline]
fn copy(token: &[u8], rest: &[u8], out: &mut Vec<u8>) {
    let n = token.len();
    match rest.get(..16) {
        Some(block) if n <= 16 => {
            let len = out.len();
            out.extend_from_slice(block);
            out.truncate(len + n);
        }
        _ => out.extend_from_slice(token),
    }
}

/// Writes `"key":` (with a comma before all but the first); `None` if the key repeats or
/// there are too many keys.
#[inline]
fn key(p: &mut Parser<'_>, keys: &mut Vec<KeySpan>, out: &mut Vec<u8>) -> Option<()> {
    if keys.len() >= MAX_KEYS {
        return None;
    }
    if !keys.is_empty() {
        out.push(b',');
    }
    let k0 = out.len();
    if token(p, J_KEY, KEY, Esc::Key, out)? || p.at() != Some(b'=') {
        return None;
    }
    p.pos += 1;
    let k = &out[k0..];
    // Length, middle and last byte of the key's JSON text: most different keys differ
    // there, so few comparisons of whole keys are made.
    #[allow(clippy::cast_possible_truncation)]
    let print =
        (k.len() as u32) | u32::from(k[k.len() / 2]) << 16 | u32::from(k[k.len() - 2]) << 24;
    if keys
        .iter()
        .any(|s| s.print == print && out[s.start..s.end] == out[k0..])
    {
        return None;
    }
    keys.push(KeySpan {
        start: k0,
        end: out.len(),
        print,
    });
    out.push(b':');
    Some(())
}

/// The decoder's `next_entry` + `entry` + `at_end`, step for step, writing instead of
/// building; `None` wherever the decoder would fail (or it cannot be followed here).
fn entry(p: &mut Parser<'_>, keys: &mut Vec<KeySpan>, out: &mut Vec<u8>) -> Option<()> {
    p.skip_empty_lines();
    if p.eof() || p.at() == Some(b'#') {
        return None;
    }
    out.extend_from_slice(b"{\"measurement\":");
    if token(p, J_MEAS, MEAS, Esc::Measurement, out)? {
        return None;
    }
    p.tag_comma().ok()?;
    out.extend_from_slice(b",\"tags\":{");
    tags(p, keys, out)?;
    out.extend_from_slice(b"},\"fields\":{");
    let timed = fields(p, keys, out)?;
    out.extend_from_slice(b"},\"timestamp\":");
    if timed {
        let t0 = p.pos;
        let ts = p.timestamp().ok()?;
        let digits = &p.buf[t0..];
        let n = digits
            .iter()
            .position(|c| !(c.is_ascii_digit() || *c == b'-'))
            .unwrap_or(digits.len());
        match &digits[..n] {
            d if p.factor == 1 && canonical(d) => out.extend_from_slice(d),
            _ => out.extend_from_slice(itoa::Buffer::new().format(ts).as_bytes()),
        }
    } else {
        out.extend_from_slice(itoa::Buffer::new().format(p.default_ts).as_bytes());
    }
    p.skip_empty_lines();
    if !p.eof() {
        return None;
    }
    out.push(b'}');
    Some(())
}

/// True if integer text (already checked) is how the JSON writer prints its value: no
/// leading zeros, no `-0`, no empty text (an absent timestamp).
#[inline]
fn canonical(d: &[u8]) -> bool {
    match d {
        [b'-', b'1'..=b'9', ..] | [b'1'..=b'9', ..] | [b'0'] => true,
        _ => false,
    }
}

fn tags(p: &mut Parser<'_>, keys: &mut Vec<KeySpan>, out: &mut Vec<u8>) -> Option<()> {
    keys.clear();
    loop {
        if p.at() == Some(b' ') {
            p.skip_spaces();
            return Some(());
        }
        // A repeated tag key is an error in the decoder.
        key(p, keys, out)?;
        if token(p, J_KEY, KEY, Esc::Key, out)? {
            return None;
        }
        if p.eof() {
            // No fields follow: the decoder reports it.
            return None;
        }
        p.tag_comma().ok()?;
    }
}

/// The field set; true when a timestamp section follows.
fn fields(p: &mut Parser<'_>, keys: &mut Vec<KeySpan>, out: &mut Vec<u8>) -> Option<bool> {
    keys.clear();
    loop {
        // A repeated field key: the decoder keeps its first place with the last value.
        key(p, keys, out)?;
        value(p, out)?;
        match p.at() {
            None => return Some(false),
            Some(b',') => p.pos += 1,
            Some(b' ' | b'\r' | b'\n') => {
                p.skip_spaces();
                return Some(!p.take_eol());
            }
            Some(_) => return None,
        }
    }
}

fn value(p: &mut Parser<'_>, out: &mut Vec<u8>) -> Option<()> {
    if p.at() == Some(b'"') {
        // A string without escapes or control characters is copied as it is.
        let rest = &p.buf[p.pos + 1..];
        let n = rest
            .iter()
            .position(|&c| JCLASS[c as usize] & J_STR == 0)
            .unwrap_or(rest.len());
        if rest.get(n) == Some(&b'"') {
            out.push(b'"');
            copy(&rest[..n], rest, out);
            out.push(b'"');
            p.pos += n + 2;
            return Some(());
        }
    }
    if let Some(n) = plain_number(&p.buf[p.pos..], out) {
        p.pos += n;
        return Some(());
    }
    match p.raw_field().ok()? {
        RawField::Str(s) => write_json_string(&s, out),
        RawField::Bool(b) => out.extend_from_slice(if parse_bool(b)? { b"true" } else { b"false" }),
        RawField::Int(b) => {
            let v = int_value(b)?;
            if canonical(b) {
                out.extend_from_slice(b);
            } else {
                out.extend_from_slice(itoa::Buffer::new().format(v).as_bytes());
            }
        }
        RawField::Uint(b) => {
            let v = uint_value(b)?;
            if canonical(b) {
                out.extend_from_slice(b);
            } else {
                out.extend_from_slice(itoa::Buffer::new().format(v).as_bytes());
            }
        }
        RawField::Float(b) => write_float_text(b, out).ok()?,
    }
    Some(())
}

/// True for the bytes that end a field value.
#[inline]
fn ends_value(b: Option<&u8>) -> bool {
    matches!(b, None | Some(b',' | b' ' | b'\r' | b'\n'))
}

/// The common numbers, checked and written in one scan, when their text is already what the
/// JSON writer prints: `-?I.F`, `-?I`, `-?Ii`, `-?Iu` (not `-` with `u`) with at most 15
/// digits, `I` without leading zeros (or `0`), `F` not ending in `0` and (after `0.`) with
/// at most four leading zeros. A float of at most 15 significant digits prints as its own
/// digits (see `json_float.rs`), and these shapes are where ryu puts the point the same way:
/// `I.F` as is, `I` as `I.0`. Returns the length of the value's text; `None` leaves the
/// value to the general path (which also rejects what is invalid).
#[inline]
fn plain_number(b: &[u8], out: &mut Vec<u8>) -> Option<usize> {
    let neg = b.first() == Some(&b'-');
    let i0 = usize::from(neg);
    let mut i = i0;
    while b.get(i).is_some_and(u8::is_ascii_digit) {
        i += 1;
    }
    let int = &b[i0..i];
    if int.is_empty() || int.len() > 15 || (int.len() > 1 && int[0] == b'0') {
        return None;
    }
    match b.get(i) {
        Some(b'i') if ends_value(b.get(i + 1)) && !(neg && int == b"0") => {
            out.extend_from_slice(&b[..i]);
            Some(i + 1)
        }
        Some(b'u') if !neg && ends_value(b.get(i + 1)) => {
            out.extend_from_slice(&b[..i]);
            Some(i + 1)
        }
        Some(b'.') => {
            let f0 = i + 1;
            let mut j = f0;
            while b.get(j).is_some_and(u8::is_ascii_digit) {
                j += 1;
            }
            let frac = &b[f0..j];
            let zeros = frac.iter().take_while(|&&c| c == b'0').count();
            let ok = ends_value(b.get(j))
                && !frac.is_empty()
                && int.len() + frac.len() <= 15
                && frac.last() != Some(&b'0')
                && (int != b"0" || zeros <= 4);
            if !ok {
                return None;
            }
            copy(&b[..j], b, out);
            Some(j)
        }
        next if ends_value(next) => {
            out.extend_from_slice(&b[..i]);
            out.extend_from_slice(b".0");
            Some(i)
        }
        _ => None,
    }
}
