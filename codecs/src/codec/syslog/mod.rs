//! `syslog`: RFC 5424 and RFC 3164 (with the variants real senders emit), decoded into
//! tremor's record:
//!
//! `{severity, facility, hostname, appname, procid, msgid, protocol, protocol_version,
//! structured_data, msg, timestamp}` with severity and facility as names (`"notice"`,
//! `"local4"`), `procid` a string, `structured_data` `{sd_id: [{param: value}, ...]}`,
//! `timestamp` nanoseconds since the epoch. Fields the message does not carry (NILVALUE,
//! no hostname, ...) are left out, as tremor leaves them out.
//!
//! Options:
//! - `protocol`: `"auto"` (default), `"rfc5424"` or `"rfc3164"`. Decoding in `auto` reads a
//!   message that starts `<PRI>VERSION ` as RFC 5424 (strictly: a malformed one is an error)
//!   and anything else as RFC 3164. Encoding in `auto` follows the event's `protocol` field
//!   and writes RFC 5424 when there is none; the other two force a format.
//! - `strip_bom` (default `true`): drop the UTF-8 byte order mark RFC 5424 puts in front of
//!   a UTF-8 `msg`; it marks the encoding and is not part of the text.
//! - `non_utf8`: what a message that is not valid UTF-8 decodes to (`charset.rs`):
//!   `"latin1"` (default: every byte outside a valid UTF-8 sequence is the Latin-1
//!   character of that value, so RFC 3164 senders' Latin-1 reads right and no byte is lost),
//!   `"replace"` (U+FFFD) or `"reject"` (a decode error, the message goes to `err`).
//!
//! RFC 3164 timestamps carry no year and no zone: they are read as UTC, in the latest year
//! that does not put them more than a week after the ingest time. Written RFC 3164 headers
//! are UTC, without a year or fractions (the format has neither); an event without
//! `timestamp` is written without one (a codec has no clock), RFC 5424 writes `-`.

mod charset;
mod encode;
mod rfc3164;
mod rfc5424;
mod stamp;
mod time;
mod to_json;

use std::borrow::Cow;
use std::cell::Cell;

use sluice_script::{Record, Value};

use crate::{options::Options, Error};

/// Tremor's facility names by code.
pub(crate) const FACILITIES: [&str; 24] = [
    "kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron", "authpriv",
    "ftp", "ntp", "audit", "alert", "clockd", "local0", "local1", "local2", "local3", "local4",
    "local5", "local6", "local7",
];

/// Tremor's severity names by code.
pub(crate) const SEVERITIES: [&str; 8] = [
    "emerg", "alert", "crit", "err", "warning", "notice", "info", "debug",
];

/// Which format to read or write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Protocol {
    Auto,
    Rfc5424,
    Rfc3164,
}

/// The syslog codec.
#[derive(Debug)]
pub struct SyslogCodec {
    protocol: Protocol,
    strip_bom: bool,
    non_utf8: charset::NonUtf8,
    /// The last RFC 5424 timestamp read (a codec instance belongs to one shard).
    stamp: Cell<stamp::Stamp>,
}

/// A decoded message before it becomes a record.
#[derive(Debug, Default)]
pub(crate) struct Message<'a> {
    pub pri: u8,
    /// `Some` for RFC 5424.
    pub version: Option<u16>,
    pub timestamp: Option<i64>,
    pub hostname: Option<&'a str>,
    pub appname: Option<&'a str>,
    pub procid: Option<&'a str>,
    pub msgid: Option<&'a str>,
    pub structured_data: Option<Record<'a>>,
    pub msg: &'a str,
}

impl<'a> Message<'a> {
    fn into_value(self, strip_bom: bool) -> Value<'a> {
        // The entries go straight into one vector: `Vec::push` inlines and writes each entry
        // in place, where `Record::push_unique` per field showed up at ~7% of a syslog ->
        // JSON run (perf). The keys are literals and distinct, as `from_unique` requires.
        let mut r: Vec<(Cow<'a, str>, Value<'a>)> = Vec::with_capacity(11);
        let s = |k: &'static str, v: &'a str| (Cow::Borrowed(k), Value::String(Cow::Borrowed(v)));
        r.push(s("severity", SEVERITIES[usize::from(self.pri & 7)]));
        r.push(s("facility", FACILITIES[usize::from(self.pri >> 3)]));
        if let Some(h) = self.hostname {
            r.push(s("hostname", h));
        }
        if let Some(a) = self.appname {
            r.push(s("appname", a));
        }
        let msg = if strip_bom {
            self.msg.strip_prefix('\u{feff}').unwrap_or(self.msg)
        } else {
            self.msg
        };
        if !msg.is_empty() {
            r.push(s("msg", msg));
        }
        if let Some(p) = self.procid {
            r.push(s("procid", p));
        }
        if let Some(m) = self.msgid {
            r.push(s("msgid", m));
        }
        match self.version {
            Some(v) => {
                r.push(s("protocol", "RFC5424"));
                r.push((Cow::Borrowed("protocol_version"), Value::I64(i64::from(v))));
            }
            None => r.push(s("protocol", "RFC3164")),
        }
        if let Some(sd) = self.structured_data {
            r.push((Cow::Borrowed("structured_data"), Value::Record(sd)));
        }
        if let Some(t) = self.timestamp {
            r.push((Cow::Borrowed("timestamp"), Value::I64(t)));
        }
        Value::Record(Record::from_unique(r))
    }
}

pub(crate) fn decode_err(message: impl Into<String>) -> Error {
    Error::Decode {
        codec: "syslog",
        message: message.into(),
    }
}

/// `<PRI>` at the start: the value and the rest. `Ok(None)` when there is no `<` at all.
fn split_pri(s: &str) -> Result<Option<(u8, &str)>, Error> {
    let Some(rest) = s.strip_prefix('<') else {
        return Ok(None);
    };
    let b = rest.as_bytes();
    let n = b.iter().take(4).take_while(|c| c.is_ascii_digit()).count();
    if n == 0 || n > 3 || b.get(n) != Some(&b'>') {
        return Err(decode_err(
            "expecting a priority value within angle brackets",
        ));
    }
    // RFC 5424 PRIVAL: no leading zeros except "0" itself.
    if n > 1 && b[0] == b'0' {
        return Err(decode_err("priority value with a leading zero"));
    }
    let v = b[..n]
        .iter()
        .fold(0u32, |a, c| a * 10 + u32::from(c - b'0'));
    if v > 191 {
        return Err(decode_err(format!("priority {v} is outside 0-191")));
    }
    Ok(Some((u8::try_from(v).unwrap_or(0), &rest[n + 1..])))
}

/// `VERSION SP` (RFC 5424) at the start of what follows the PRI.
fn looks_like_5424(rest: &str) -> bool {
    let rest = rest.as_bytes();
    let n = rest
        .iter()
        .take(4)
        .take_while(|c| c.is_ascii_digit())
        .count();
    (1..=3).contains(&n) && rest[0] != b'0' && rest.get(n) == Some(&b' ')
}

impl SyslogCodec {
    pub(crate) fn from_options(options: Option<&Record<'static>>) -> Result<Self, Error> {
        let mut o = Options::new("syslog", options);
        let protocol = match o.string("protocol")? {
            None | Some("auto") => Protocol::Auto,
            Some("rfc5424" | "RFC5424") => Protocol::Rfc5424,
            Some("rfc3164" | "RFC3164") => Protocol::Rfc3164,
            Some(p) => {
                return Err(o.error(
                    "protocol",
                    format!("`{p}` is not one of \"auto\", \"rfc5424\", \"rfc3164\""),
                ))
            }
        };
        let strip_bom = o.bool("strip_bom")?.unwrap_or(true);
        let non_utf8 = match o.string("non_utf8")? {
            None => charset::NonUtf8::Latin1,
            Some(m) => match charset::NonUtf8::parse(m) {
                Some(m) => m,
                None => {
                    return Err(o.error(
                        "non_utf8",
                        format!("`{m}` is not one of {}", charset::NonUtf8::NAMES),
                    ))
                }
            },
        };
        o.finish()?;
        Ok(SyslogCodec {
            protocol,
            strip_bom,
            non_utf8,
            stamp: Cell::default(),
        })
    }

    pub(crate) fn decode<'a>(
        &self,
        data: &'a [u8],
        ingest_ns: u64,
    ) -> Result<Option<Value<'a>>, Error> {
        // Senders end datagrams with a newline or (Python's SysLogHandler) a NUL.
        let mut end = data.len();
        while end > 0 && matches!(data[end - 1], b'\n' | b'\r' | b'\0') {
            end -= 1;
        }
        if end == 0 {
            return Ok(None);
        }
        // Both formats need text; checking it once lets every field be a slice of it. Text
        // that had to be converted is owned here, so the value is detached from it.
        let data = &data[..end];
        match charset::text(data, self.non_utf8) {
            Ok(Cow::Borrowed(text)) => Ok(Some(
                self.parse(text, ingest_ns)?.into_value(self.strip_bom),
            )),
            Ok(Cow::Owned(text)) => {
                let m = self.parse(&text, ingest_ns)?;
                check_converted(data, &text, &m)?;
                Ok(Some(m.into_value(self.strip_bom).into_static()))
            }
            Err(at) => Err(decode_err(format!("invalid UTF-8 at byte {at}"))),
        }
    }

    fn parse<'a>(&self, data: &'a str, ingest_ns: u64) -> Result<Message<'a>, Error> {
        let now = i64::try_from(ingest_ns).unwrap_or(i64::MAX);
        let m = match split_pri(data)? {
            Some((pri, rest)) if self.protocol != Protocol::Rfc3164 && looks_like_5424(rest) => {
                rfc5424::parse(pri, rest, &self.stamp)?
            }
            _ if self.protocol == Protocol::Rfc5424 => {
                return Err(decode_err(
                    "not an RFC 5424 message (expecting `<PRI>VERSION `)",
                ))
            }
            Some((pri, rest)) => rfc3164::parse(pri, rest, now)?,
            // RFC 3164 4.3.3: without a PRI the whole message is the content, at user.notice.
            None => rfc3164::parse(13, data, now)?,
        };
        Ok(m)
    }

    pub(crate) fn encode(&self, value: &Value<'_>, out: &mut Vec<u8>) -> Result<(), Error> {
        let start = out.len();
        let r = encode::encode(value, self.protocol, out);
        if r.is_err() {
            out.truncate(start);
        }
        r
    }
}

/// RFC 5424 (6.4) lets MSG hold any octets unless it starts with a BOM; everything before
/// it (header, structured data) is ASCII or UTF-8. So a converted RFC 5424 message is kept
/// only when its first byte that is not UTF-8 lies in a MSG without a BOM. (RFC 3164 has no
/// such rule; its senders write Latin-1 anywhere.)
fn check_converted(original: &[u8], text: &str, m: &Message<'_>) -> Result<(), Error> {
    if m.version.is_none() {
        return Ok(());
    }
    let first_bad = std::str::from_utf8(original)
        .err()
        .map_or(0, |e| e.valid_up_to());
    // Conversion leaves the bytes before the first bad one alone, so offsets up to there are
    // the same in `text` and `original`.
    let msg_at = (m.msg.as_ptr() as usize).wrapping_sub(text.as_ptr() as usize);
    let bom = original
        .get(msg_at..)
        .is_some_and(|r| r.starts_with(b"\xef\xbb\xbf"));
    if m.msg.is_empty() || msg_at > first_bad || bom {
        return Err(decode_err(format!(
            "invalid UTF-8 at byte {first_bad} (RFC 5424 allows other bytes only in a MSG without BOM)"
        )));
    }
    Ok(())
}

/// A record field as text, if it is a string (or, for convenience, an integer).
pub(crate) fn text<'v>(v: &'v Value<'_>, key: &str) -> Option<Cow<'v, str>> {
    match v.get(key)? {
        Value::String(s) => Some(Cow::Borrowed(s.as_ref())),
        Value::I64(_) | Value::U64(_) => v.get(key).map(|n| Cow::Owned(n.to_json())),
        _ => None,
    }
}
