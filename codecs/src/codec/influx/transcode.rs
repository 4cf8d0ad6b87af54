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
//! Repeated keys are found by comparing the keys' JSON text, which is as good as comparing
//! the keys (JSON string escaping is one-to-one). Lines with many keys go to the decoder,
//! whose record indexes its keys, so the cost per line stays linear in its length.

use sluice_script::write_json_string;

use super::decode::{Esc, Parser, KEY, MEAS};
use super::json_float::write_float_text;
use super::value::{int_value, parse_bool, uint_value, Precision, RawField};

/// Most keys (tags or fields) of one line handled here; lines with more are decoded.
const MAX_KEYS: usize = 32;

/// What [`transcode`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transcoded {
    /// The JSON of the line's event was appended.
    Json,
    /// Nothing was appended: decode this frame the ordinary way (an error, a blank or
    /// comment-only frame, a repeated field key, many keys).
    Decode,
}

/// Appends the JSON encoding of the one entry in `frame` (as `{measurement, tags, fields,
/// timestamp}`, keys in that order, tags and fields in line order) to `out`.
/// `keys`: scratch for the spans of keys written so far.
pub(super) fn transcode(
    frame: &[u8],
    precision: Precision,
    default_ns: i64,
    keys: &mut Vec<(usize, usize)>,
    out: &mut Vec<u8>,
) -> Transcoded {
    let start = out.len();
    let mut p = Parser::new(frame, precision, default_ns);
    if entry(&mut p, keys, out).is_some() {
        Transcoded::Json
    } else {
        out.truncate(start);
        Transcoded::Decode
    }
}

/// True if the key just written at `out[k0..]` was written before.
#[inline]
fn repeated(keys: &[(usize, usize)], out: &[u8], k0: usize) -> bool {
    let key = &out[k0..];
    keys.iter().any(|&(a, b)| &out[a..b] == key)
}

/// Writes `"key"` (with a comma before all but the first); `None` if it repeats or there are
/// too many keys.
#[inline]
fn key(key: &str, keys: &mut Vec<(usize, usize)>, out: &mut Vec<u8>) -> Option<()> {
    if keys.len() >= MAX_KEYS {
        return None;
    }
    if !keys.is_empty() {
        out.push(b',');
    }
    let k0 = out.len();
    write_json_string(key, out);
    if repeated(keys, out, k0) {
        return None;
    }
    keys.push((k0, out.len()));
    out.push(b':');
    Some(())
}

/// The decoder's `next_entry` + `entry` + `at_end`, step for step, writing instead of
/// building; `None` wherever the decoder would fail (or it cannot be followed here).
fn entry(p: &mut Parser<'_>, keys: &mut Vec<(usize, usize)>, out: &mut Vec<u8>) -> Option<()> {
    p.skip_empty_lines();
    if p.eof() {
        return None;
    }
    let (measurement, _) = p.take_esc(MEAS, Esc::Measurement).ok()?;
    if measurement.is_empty() || measurement.starts_with('#') {
        return None;
    }
    p.tag_comma().ok()?;
    out.extend_from_slice(b"{\"measurement\":");
    write_json_string(&measurement, out);
    out.extend_from_slice(b",\"tags\":{");
    tags(p, keys, out)?;
    out.extend_from_slice(b"},\"fields\":{");
    let timed = fields(p, keys, out)?;
    let ts = if timed {
        p.timestamp().ok()?
    } else {
        p.default_ts
    };
    p.skip_empty_lines();
    if !p.eof() {
        return None;
    }
    out.extend_from_slice(b"},\"timestamp\":");
    out.extend_from_slice(itoa::Buffer::new().format(ts).as_bytes());
    out.push(b'}');
    Some(())
}

fn tags(p: &mut Parser<'_>, keys: &mut Vec<(usize, usize)>, out: &mut Vec<u8>) -> Option<()> {
    keys.clear();
    loop {
        if p.at() == Some(b' ') {
            p.skip_spaces();
            return Some(());
        }
        let (k, _) = p.take_esc(KEY, Esc::Key).ok()?;
        if k.is_empty() || p.at() != Some(b'=') {
            return None;
        }
        p.pos += 1;
        let (value, _) = p.take_esc(KEY, Esc::Key).ok()?;
        if value.is_empty() {
            return None;
        }
        // A repeated tag key is an error in the decoder.
        key(&k, keys, out)?;
        write_json_string(&value, out);
        if p.eof() {
            // No fields follow: the decoder reports it.
            return None;
        }
        p.tag_comma().ok()?;
    }
}

/// The field set; true when a timestamp section follows.
fn fields(p: &mut Parser<'_>, keys: &mut Vec<(usize, usize)>, out: &mut Vec<u8>) -> Option<bool> {
    keys.clear();
    loop {
        let (k, _) = p.take_esc(KEY, Esc::Key).ok()?;
        if k.is_empty() || p.at() != Some(b'=') {
            return None;
        }
        p.pos += 1;
        let raw = p.raw_field().ok()?;
        let (more, timed) = match p.at() {
            None => (false, false),
            Some(b',') => {
                p.pos += 1;
                (true, false)
            }
            Some(b' ' | b'\r' | b'\n') => {
                p.skip_spaces();
                (false, !p.take_eol())
            }
            Some(_) => return None,
        };
        // A repeated field key: the decoder keeps its first place with the last value.
        key(&k, keys, out)?;
        value(raw, out)?;
        if !more {
            return Some(timed);
        }
    }
}

fn value(raw: RawField<'_>, out: &mut Vec<u8>) -> Option<()> {
    match raw {
        RawField::Str(s) => write_json_string(&s, out),
        RawField::Bool(b) => out.extend_from_slice(if parse_bool(b)? { b"true" } else { b"false" }),
        RawField::Int(b) => {
            out.extend_from_slice(itoa::Buffer::new().format(int_value(b)?).as_bytes())
        }
        RawField::Uint(b) => {
            out.extend_from_slice(itoa::Buffer::new().format(uint_value(b)?).as_bytes());
        }
        RawField::Float(b) => write_float_text(b, out).ok()?,
    }
    Some(())
}
