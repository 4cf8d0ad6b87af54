//! Line protocol parsing: one entry at a time, borrowing from the input.
//!
//! The grammar (which bytes end a token, which escapes exist, where white space may appear)
//! follows InfluxData's reference decoder (`github.com/influxdata/line-protocol/v2`), so that
//! its conformance corpus decides what is valid. Tokens are `Cow`s: borrowed from the input
//! unless an escape sequence forced a copy.

use std::borrow::Cow;

use sluice_script::{Record, Value};

use super::value::{convert, parse_i64, Precision, RawField, OUT_OF_RANGE};
use crate::Error;

/// Parse results carry a boxed error: the hot path moves results around a lot, and a
/// pointer-sized error keeps them small. Errors are rare, the box is cheap there.
type Parsed<T> = Result<T, Box<Error>>;

/// Byte classes; a token runs while its class bit is set.
pub(super) const MEAS: u8 = 1;
pub(super) const KEY: u8 = 2;
pub(super) const FVAL: u8 = 4;
pub(super) const TIME: u8 = 8;
pub(super) const COMMENT: u8 = 16;
pub(super) const STR: u8 = 32;

const fn non_printable(b: u8) -> bool {
    b < 32 || b == 0x7f
}

const CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        let mut c = 0;
        // Escaping classes leave out the backslash: the scan stops there and decides.
        if !non_printable(b) && b != b',' && b != b' ' && b != b'\\' {
            c |= MEAS;
        }
        if !non_printable(b) && b != b',' && b != b' ' && b != b'=' && b != b'\\' {
            c |= KEY;
        }
        if b != b',' && b != b' ' && b != b'\r' && b != b'\n' {
            c |= FVAL;
        }
        if b == b'-' || b.is_ascii_digit() {
            c |= TIME;
        }
        if !non_printable(b) {
            c |= COMMENT;
        }
        if b != b'"' && b != b'\\' {
            c |= STR;
        }
        t[i] = c;
        i += 1;
    }
    t
};

/// Which backslash escapes a token knows; any other backslash is kept as it is.
#[derive(Clone, Copy)]
pub(super) enum Esc {
    Measurement,
    Key,
    Str,
}

impl Esc {
    fn unescape(self, b: u8) -> Option<u8> {
        match (self, b) {
            (Esc::Measurement, b' ' | b',') | (Esc::Key, b' ' | b',' | b'=') => Some(b),
            (Esc::Str, b'\\' | b'"') => Some(b),
            (Esc::Str, b'n') => Some(b'\n'),
            (Esc::Str, b'r') => Some(b'\r'),
            (Esc::Str, b't') => Some(b'\t'),
            _ => None,
        }
    }
}

/// Walks the entries of a buffer of line protocol.
pub(crate) struct Parser<'a> {
    pub(super) buf: &'a [u8],
    /// The whole input as text when it is valid UTF-8 (the common case): tokens are then
    /// sliced from it without validating each one again.
    pub(super) text: Option<&'a str>,
    pub(super) pos: usize,
    pub(super) factor: i64,
    pub(super) default_ts: i64,
}

impl<'a> Parser<'a> {
    /// `default_ns`: the timestamp of entries that carry none (truncated to the precision).
    pub(crate) fn new(buf: &'a [u8], precision: Precision, default_ns: i64) -> Self {
        let factor = precision.factor();
        Parser {
            buf,
            text: std::str::from_utf8(buf).ok(),
            pos: 0,
            factor,
            default_ts: default_ns - default_ns.rem_euclid(factor),
        }
    }

    /// The next entry, `None` at the end. After an error the rest of that line is skipped.
    pub(crate) fn next_entry(&mut self) -> Option<Result<Value<'a>, Error>> {
        self.skip_empty_lines();
        if self.eof() {
            return None;
        }
        match self.entry() {
            Ok(v) => Some(Ok(v)),
            Err(e) => {
                self.consume_line();
                Some(Err(*e))
            }
        }
    }

    /// True if only blank lines and comments remain.
    pub(crate) fn at_end(&mut self) -> bool {
        self.skip_empty_lines();
        self.eof()
    }

    pub(super) fn eof(&self) -> bool {
        self.pos >= self.buf.len()
    }

    pub(super) fn at(&self) -> Option<u8> {
        self.buf.get(self.pos).copied()
    }

    #[cold]
    fn err(&self, offset: usize, message: impl std::fmt::Display) -> Box<Error> {
        let before = &self.buf[..offset.min(self.buf.len())];
        let line = 1 + memchr::memchr_iter(b'\n', before).count();
        let col = offset - memchr::memrchr(b'\n', before).map_or(0, |i| i + 1) + 1;
        Box::new(Error::Decode {
            codec: "influx",
            message: format!("at line {line}:{col}: {message}"),
        })
    }

    pub(super) fn take(&mut self, class: u8) -> &'a [u8] {
        let start = self.pos;
        let buf = self.buf;
        let n = buf[start..]
            .iter()
            .position(|&c| CLASS[c as usize] & class == 0)
            .unwrap_or(buf.len() - start);
        self.pos = start + n;
        &buf[start..start + n]
    }

    pub(super) fn skip_spaces(&mut self) {
        while self.at() == Some(b' ') {
            self.pos += 1;
        }
    }

    /// Takes a token of `class` bytes, resolving `esc` escapes. Returns it and its start.
    ///
    /// Most tokens have no backslash and the input is valid UTF-8: those are one scan and a
    /// slice of the text, inlined; the rest go to [`Self::take_esc_slow`].
    #[inline]
    pub(super) fn take_esc(&mut self, class: u8, esc: Esc) -> Parsed<(Cow<'a, str>, usize)> {
        let start = self.pos;
        let buf = self.buf;
        let end = start
            + buf[start..]
                .iter()
                .position(|&c| CLASS[c as usize] & class == 0)
                .unwrap_or(buf.len() - start);
        if buf.get(end) != Some(&b'\\') {
            // Tokens start and end at ASCII bytes, so slicing the text cannot split a char.
            if let Some(t) = self.text.and_then(|t| t.get(start..end)) {
                self.pos = end;
                return Ok((Cow::Borrowed(t), start));
            }
        }
        self.take_esc_slow(class, esc)
    }

    #[inline(never)]
    fn take_esc_slow(&mut self, class: u8, esc: Esc) -> Parsed<(Cow<'a, str>, usize)> {
        let buf = self.buf;
        let start = self.pos;
        let mut i = start;
        let mut copy: Option<Vec<u8>> = None;
        let mut seg = start;
        loop {
            i += buf[i..]
                .iter()
                .position(|&c| CLASS[c as usize] & class == 0)
                .unwrap_or(buf.len() - i);
            if buf.get(i) != Some(&b'\\') {
                break;
            }
            let Some(&next) = buf.get(i + 1) else {
                // A trailing backslash escapes nothing and stays.
                i = buf.len();
                break;
            };
            match esc.unescape(next) {
                None => i += 1,
                Some(r) => {
                    let v = copy.get_or_insert_with(|| Vec::with_capacity(i - start + 16));
                    v.extend_from_slice(&buf[seg..i]);
                    v.push(r);
                    i += 2;
                    seg = i;
                }
            }
        }
        self.pos = i;
        let token = match copy {
            // Tokens start and end at ASCII bytes, so slicing the text cannot split a char.
            None => match self.text {
                Some(t) => t.get(start..i).map(Cow::Borrowed),
                None => std::str::from_utf8(&buf[start..i]).map(Cow::Borrowed).ok(),
            },
            Some(mut v) => {
                v.extend_from_slice(&buf[seg..i]);
                String::from_utf8(v).map(Cow::Owned).ok()
            }
        };
        match token {
            Some(t) => Ok((t, start)),
            None => Err(self.err(
                start,
                format!(
                    "invalid utf-8 sequence in token {:?}",
                    String::from_utf8_lossy(&buf[start..i])
                ),
            )),
        }
    }

    /// Consumes one end of line (`\n`, `\r\n`, or `\r` at the end of input); true at the end.
    pub(super) fn take_eol(&mut self) -> bool {
        match self.at() {
            None => true,
            Some(b'\n') => {
                self.pos += 1;
                true
            }
            Some(b'\r') => match self.buf.get(self.pos + 1) {
                None => {
                    self.pos += 1;
                    true
                }
                Some(b'\n') => {
                    self.pos += 2;
                    true
                }
                Some(_) => false,
            },
            Some(_) => false,
        }
    }

    pub(super) fn skip_empty_lines(&mut self) {
        loop {
            let line_start = self.pos;
            self.skip_spaces();
            match self.at() {
                Some(b'#') => {
                    self.take(COMMENT);
                    if !self.take_eol() {
                        // A comment with control characters: let the measurement report it.
                        self.pos = line_start;
                        return;
                    }
                }
                Some(b'\n') => self.pos += 1,
                Some(b'\r') => {
                    if !self.take_eol() {
                        return;
                    }
                }
                _ => return,
            }
        }
    }

    fn consume_line(&mut self) {
        match memchr::memchr(b'\n', &self.buf[self.pos.min(self.buf.len())..]) {
            Some(i) => self.pos += i + 1,
            None => self.pos = self.buf.len(),
        }
    }

    /// After a measurement or tag value: a comma must start another tag.
    pub(super) fn tag_comma(&mut self) -> Parsed<()> {
        if self.at() != Some(b',') {
            return Ok(());
        }
        self.pos += 1;
        match self.at() {
            None => Err(self.err(self.pos, "expected tag key after comma; got end of input")),
            Some(b' ' | b'\r' | b'\n') => Err(self.err(
                self.pos,
                "expected tag key after comma; got white space instead",
            )),
            Some(_) => Ok(()),
        }
    }

    fn entry(&mut self) -> Parsed<Value<'a>> {
        let (measurement, m0) = self.take_esc(MEAS, Esc::Measurement)?;
        if measurement.is_empty() {
            return Err(match self.at() {
                None => self.err(m0, "no measurement name found"),
                Some(c) => self.err(
                    m0,
                    format!(
                        "invalid character {:?} found at start of measurement name",
                        char::from(c)
                    ),
                ),
            });
        }
        if measurement.starts_with('#') {
            return Err(self.err(m0, "invalid character found in comment line"));
        }
        self.tag_comma()?;
        let tags = self.tags()?;
        let (fields, timed) = self.fields()?;
        let timestamp = if timed {
            self.timestamp()?
        } else {
            self.default_ts
        };
        Ok(Value::Record(Record::from_unique(vec![
            (Cow::Borrowed("measurement"), Value::String(measurement)),
            (Cow::Borrowed("tags"), Value::Record(tags)),
            (Cow::Borrowed("fields"), Value::Record(fields)),
            (Cow::Borrowed("timestamp"), Value::I64(timestamp)),
        ])))
    }

    fn tags(&mut self) -> Parsed<Record<'a>> {
        // Sized up front when tags follow: growing from empty takes the slow path of `push`.
        let mut tags = if self.at() == Some(b' ') {
            Record::new()
        } else {
            Record::with_capacity(4)
        };
        loop {
            if self.at() == Some(b' ') {
                self.skip_spaces();
                return Ok(tags);
            }
            let (key, k0) = self.take_esc(KEY, Esc::Key)?;
            match self.at() {
                Some(b'=') if !key.is_empty() => self.pos += 1,
                None => return Err(self.err(k0, "empty tag name")),
                Some(c) if !key.is_empty() => {
                    return Err(self.err(
                        k0,
                        format!(
                            "expected '=' after tag key {key:?}, but got {:?} instead",
                            char::from(c)
                        ),
                    ))
                }
                Some(c) => {
                    return Err(self.err(
                        k0,
                        format!(
                            "expected tag key or field but found {:?} instead",
                            char::from(c)
                        ),
                    ))
                }
            }
            let (value, v0) = self.take_esc(KEY, Esc::Key)?;
            if value.is_empty() {
                return Err(self.err(
                    v0,
                    format!("expected tag value after tag key {key:?}, but none found"),
                ));
            }
            if tags.contains_key(&key) {
                return Err(self.err(k0, format!("duplicate tag key {key:?}")));
            }
            tags.push_unique(key, Value::String(value));
            if self.eof() {
                // No fields follow; the field parser reports it.
                return Ok(tags);
            }
            self.tag_comma()?;
        }
    }

    /// The field set; the flag says whether a timestamp section follows.
    fn fields(&mut self) -> Parsed<(Record<'a>, bool)> {
        let mut fields = Record::with_capacity(4);
        loop {
            let (key, k0) = self.take_esc(KEY, Esc::Key)?;
            if key.is_empty() {
                return Err(match self.at() {
                    None => self.err(k0, "expected field key but none found"),
                    Some(c) => self.err(
                        k0,
                        format!(
                            "invalid character {:?} found at start of field key",
                            char::from(c)
                        ),
                    ),
                });
            }
            match self.at() {
                Some(b'=') => self.pos += 1,
                None => {
                    return Err(self.err(
                        self.pos,
                        format!("want '=' after field key {key:?}, found end of input"),
                    ))
                }
                Some(c) => {
                    return Err(self.err(
                        self.pos,
                        format!(
                            "want '=' after field key {key:?}, found {:?}",
                            char::from(c)
                        ),
                    ))
                }
            }
            let v0 = self.pos;
            let raw = self.raw_field()?;
            let (more, timed) = match self.at() {
                None => (false, false),
                Some(b',') => {
                    self.pos += 1;
                    (true, false)
                }
                Some(b' ' | b'\r' | b'\n') => {
                    self.skip_spaces();
                    (false, !self.take_eol())
                }
                Some(c) => {
                    return Err(self.err(
                        self.pos,
                        format!("unexpected character {:?} after field", char::from(c)),
                    ))
                }
            };
            let value = convert(raw).map_err(|m| {
                self.err(v0, format!("cannot parse value for field key {key:?}: {m}"))
            })?;
            // A repeated key keeps its first place and takes the last value.
            match fields.get_mut(&key) {
                Some(slot) => *slot = value,
                None => fields.push_unique(key, value),
            }
            if !more {
                return Ok((fields, timed));
            }
        }
    }

    pub(super) fn raw_field(&mut self) -> Parsed<RawField<'a>> {
        let Some(c) = self.at() else {
            return Err(self.err(self.pos, "expected field value, found end of input"));
        };
        Ok(match c {
            b'"' => {
                self.pos += 1;
                let (s, s0) = self.take_esc(STR, Esc::Str)?;
                if self.eof() {
                    return Err(self.err(
                        s0 - 1,
                        "expected closing quote for string field value, found end of input",
                    ));
                }
                self.pos += 1;
                RawField::Str(s)
            }
            b't' | b'T' | b'f' | b'F' => RawField::Bool(self.take(FVAL)),
            b'-' | b'0'..=b'9' | b'.' => {
                let v = self.take(FVAL);
                match v.split_last() {
                    Some((b'i', n)) => RawField::Int(n),
                    Some((b'u', n)) => RawField::Uint(n),
                    _ => RawField::Float(v),
                }
            }
            _ => return Err(self.err(self.pos, "field value has unrecognized type")),
        })
    }

    pub(super) fn timestamp(&mut self) -> Parsed<i64> {
        let t0 = self.pos;
        let digits = self.take(TIME);
        if let Some(c) = self.at() {
            if !matches!(c, b' ' | b'\r' | b'\n') {
                self.take_to_eol();
                return Err(self.err(
                    t0,
                    format!(
                        "invalid timestamp ({:?})",
                        String::from_utf8_lossy(&self.buf[t0..self.pos])
                    ),
                ));
            }
            self.skip_spaces();
            if !self.take_eol() {
                let s = self.pos;
                self.take_to_eol();
                return Err(self.err(
                    s,
                    format!(
                        "unexpected text after timestamp ({:?})",
                        String::from_utf8_lossy(&self.buf[s..self.pos])
                    ),
                ));
            }
        }
        if digits.is_empty() {
            return Ok(self.default_ts);
        }
        let ts = parse_i64(digits).map_err(|m| self.err(t0, format!("invalid timestamp: {m}")))?;
        ts.checked_mul(self.factor)
            .ok_or_else(|| self.err(t0, format!("invalid timestamp: {OUT_OF_RANGE}")))
    }

    fn take_to_eol(&mut self) {
        while let Some(c) = self.at() {
            if c == b'\r' || c == b'\n' {
                break;
            }
            self.pos += 1;
        }
    }
}

#[cfg(test)]
#[path = "decode_tests.rs"]
mod tests;
