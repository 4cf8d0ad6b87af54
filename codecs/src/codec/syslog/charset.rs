//! What the syslog codec does with bytes that are not UTF-8.
//!
//! RFC 5424 (6.4) allows any octets in MSG unless it starts with a BOM, and RFC 3164
//! senders commonly write Latin-1 (ISO 8859-1). Rejecting such a message would lose it for
//! one accented letter, so by default every byte that is not part of a valid UTF-8 sequence
//! is read as the Latin-1 character of the same value: valid UTF-8 stays as it is, Latin-1
//! text comes out right, and nothing is lost (each such byte maps to exactly one character
//! U+0080-U+00FF, so the original can be rebuilt). The error event of a message rejected
//! elsewhere still carries the exact bytes (`raw_base64`).

use std::borrow::Cow;

/// The codec's `non_utf8` option.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NonUtf8 {
    /// Invalid bytes are Latin-1 characters (the default).
    Latin1,
    /// Invalid sequences become U+FFFD, as `String::from_utf8_lossy` does.
    Replace,
    /// The message is a decode error.
    Reject,
}

impl NonUtf8 {
    /// The option's values, as the config spells them.
    pub(crate) const NAMES: &'static str = "\"latin1\", \"replace\", \"reject\"";

    pub(crate) fn parse(s: &str) -> Option<NonUtf8> {
        match s {
            "latin1" => Some(NonUtf8::Latin1),
            "replace" => Some(NonUtf8::Replace),
            "reject" => Some(NonUtf8::Reject),
            _ => None,
        }
    }
}

/// `data` as text under `mode`; `Err` carries the offset of the first invalid byte when
/// the mode rejects it. Valid UTF-8 is borrowed, never copied.
pub(crate) fn text(data: &[u8], mode: NonUtf8) -> Result<Cow<'_, str>, usize> {
    // The whole frame is checked for every message: simdutf8's vector check (AVX2 or SSE4.2,
    // picked at run time) costs a fraction of the standard library's word-at-a-time one
    // (callgrind: ~320 instructions for a 300-byte message). Its `basic` flavour only says
    // yes or no; on no, the standard library finds where and the mode decides.
    if let Ok(s) = simdutf8::basic::from_utf8(data) {
        return Ok(Cow::Borrowed(s));
    }
    match std::str::from_utf8(data) {
        Ok(s) => Ok(Cow::Borrowed(s)),
        Err(e) => match mode {
            NonUtf8::Reject => Err(e.valid_up_to()),
            NonUtf8::Replace => Ok(String::from_utf8_lossy(data)),
            NonUtf8::Latin1 => Ok(Cow::Owned(latin1_fallback(data))),
        },
    }
}

/// Valid UTF-8 sequences as they are, every other byte as the Latin-1 character it codes.
fn latin1_fallback(mut data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len() + data.len() / 2);
    loop {
        match std::str::from_utf8(data) {
            Ok(s) => {
                out.push_str(s);
                return out;
            }
            Err(e) => {
                let (good, rest) = data.split_at(e.valid_up_to());
                // Valid: `from_utf8` just said so (the fallback is never taken).
                out.push_str(std::str::from_utf8(good).unwrap_or_default());
                // One byte of an invalid sequence at a time: the next may start a valid one.
                let Some((&b, rest)) = rest.split_first() else {
                    return out;
                };
                out.push(char::from(b));
                data = rest;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_is_borrowed_in_every_mode() {
        for m in [NonUtf8::Latin1, NonUtf8::Replace, NonUtf8::Reject] {
            assert!(matches!(
                text("héllo".as_bytes(), m),
                Ok(Cow::Borrowed("héllo"))
            ));
        }
    }

    #[test]
    fn latin1_bytes_become_their_characters() {
        // "café" in Latin-1, then valid UTF-8 "ü" after it.
        let data = b"caf\xe9 \xc3\xbc";
        assert_eq!(text(data, NonUtf8::Latin1).unwrap(), "café ü");
        assert_eq!(text(data, NonUtf8::Replace).unwrap(), "caf\u{fffd} ü");
        assert_eq!(text(data, NonUtf8::Reject), Err(3));
        // A truncated sequence at the end, and every byte value, are kept.
        let all: Vec<u8> = (0..=255u8).collect();
        let t = text(&all, NonUtf8::Latin1).unwrap();
        let back: Vec<u8> = t
            .chars()
            .map(|c| u8::try_from(u32::from(c)).unwrap())
            .collect();
        assert_eq!(back, all);
    }
}
