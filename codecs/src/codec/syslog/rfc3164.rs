//! RFC 3164 as real senders write it. Everything after the PRI is accepted; the parser
//! recognises, in order:
//!
//! 1. a timestamp: `Mmm dd hh:mm:ss` (day padded with a space or a zero), optionally with a
//!    year before the time (`Mmm dd yyyy hh:mm:ss`, Cisco), fractional seconds, Cisco's
//!    leading `*`/`.` markers, a trailing `:` or ` TZ:`; or an RFC 3339 timestamp (rsyslog's
//!    forwarding format). A Cisco sequence number (`123: `) or `host: ` may come first.
//!    Without a valid timestamp the rest is the message (RFC 3164 4.3.2: no hostname either).
//! 2. a hostname: the next word, unless that word is already the tag;
//! 3. a tag: `app:` or `app[pid]:` followed by a space or the end; anything else is left in
//!    the message (RFC 3164 example 2, `Use the BFG!`, has none).

use super::time::{nearest_year, rfc3339, Civil, Cursor, MONTHS};
use super::Message;
use crate::Error;

/// The longest tag we recognise; a longer first word is message text.
const MAX_TAG: usize = 128;

pub(crate) fn parse(pri: u8, s: &str, now: i64) -> Result<Message<'_>, Error> {
    let mut m = Message {
        pri,
        ..Message::default()
    };
    let mut rest = s;
    if let Some((ts, host, after)) = header(s, now) {
        m.timestamp = Some(ts);
        rest = after.trim_start_matches(' ');
        match host {
            Some(h) => m.hostname = Some(h),
            None => {
                let word = rest.split(' ').next().unwrap_or_default();
                if !word.is_empty() && tag(word).is_none() {
                    m.hostname = Some(word);
                    rest = rest[word.len()..].strip_prefix(' ').unwrap_or_default();
                }
            }
        }
    }
    match tag(rest) {
        Some((app, pid, msg)) => {
            m.appname = Some(app);
            m.procid = pid;
            m.msg = msg;
        }
        None => m.msg = rest,
    }
    Ok(m)
}

/// Timestamp (and a hostname written before it), then the text after the timestamp.
/// Before the timestamp may come a Cisco sequence number (`123: `), a hostname (`host: `),
/// or both in that order.
fn header(s: &str, now: i64) -> Option<(i64, Option<&str>, &str)> {
    let mut host = None;
    let mut rest = s;
    for _ in 0..3 {
        if let Some((ts, n)) = timestamp(rest.as_bytes(), now) {
            return Some((ts, host, &rest[n..]));
        }
        let (word, after) = rest.split_once(": ")?;
        if word.is_empty() || word.contains(' ') || host.is_some() {
            return None;
        }
        if !word.bytes().all(|b| b.is_ascii_digit()) {
            host = Some(word);
        }
        rest = after;
    }
    None
}

/// A timestamp at the start of `b`: nanoseconds and the bytes it spans.
fn timestamp(b: &[u8], now: i64) -> Option<(i64, usize)> {
    let mut c = Cursor::new(b);
    let ts = if b.first().is_some_and(u8::is_ascii_digit) {
        rfc3339(&mut c, 9)?
    } else {
        bsd(&mut c, now)?
    };
    // Cisco: ` TZ:` after the time, or a bare `:`.
    let rest = &b[c.pos..];
    let zone = rest
        .iter()
        .skip(1)
        .take_while(|x| x.is_ascii_uppercase())
        .count();
    if rest.first() == Some(&b' ') && (3..=5).contains(&zone) && rest.get(1 + zone) == Some(&b':') {
        c.pos += zone + 2;
    } else {
        c.eat(b':');
    }
    match c.peek() {
        None | Some(b' ') => Some((ts, c.pos)),
        _ => None,
    }
}

fn bsd(c: &mut Cursor<'_>, now: i64) -> Option<i64> {
    let _ = c.eat(b'*') || c.eat(b'.');
    let mon = c.b.get(c.pos..c.pos + 3)?;
    let month = MONTHS
        .iter()
        .position(|m| m.as_bytes().eq_ignore_ascii_case(mon))?;
    c.pos += 3;
    c.eat(b' ').then_some(())?;
    c.eat(b' ');
    let day = match c.digits(2) {
        Some(d) => d,
        None => c.digits(1)?,
    };
    c.eat(b' ').then_some(())?;
    let year = match (c.digits(4), c.peek()) {
        (Some(y), Some(b' ')) => {
            c.pos += 1;
            Some(y)
        }
        (Some(_), _) => return None,
        (None, _) => None,
    };
    let (hour, minute, second) = c.hms()?;
    let nanos = c.fraction(9)?;
    let t = Civil {
        year: year.map_or(0, i64::from),
        month: u32::try_from(month + 1).ok()?,
        day,
        hour,
        minute,
        second,
        nanos,
        offset: 0,
    };
    match year {
        Some(_) => t.to_ns(),
        None => nearest_year(t, now),
    }
}

/// `app:` or `app[pid]:` then a space or the end: app, pid, and the message after it.
fn tag(s: &str) -> Option<(&str, Option<&str>, &str)> {
    let end = s
        .bytes()
        .take(MAX_TAG + 1)
        .position(|b| matches!(b, b' ' | b'[' | b':' | b']'))?;
    if end == 0 {
        return None;
    }
    let app = &s[..end];
    let (pid, after) = match s.as_bytes()[end] {
        b':' => (None, &s[end + 1..]),
        b'[' => {
            let inner = &s[end + 1..];
            let close = inner.find(']')?;
            let pid = &inner[..close];
            if pid.is_empty() || pid.contains(' ') {
                return None;
            }
            (Some(pid), inner[close + 1..].strip_prefix(':')?)
        }
        _ => return None,
    };
    if after.is_empty() {
        return Some((app, pid, after));
    }
    after.strip_prefix(' ').map(|msg| (app, pid, msg))
}

#[cfg(test)]
mod tests {
    use super::*;

    // 2021-06-01T00:00:00Z
    const NOW: i64 = 1_622_505_600_000_000_000;

    #[test]
    fn tags() {
        assert_eq!(tag("su: hi"), Some(("su", None, "hi")));
        assert_eq!(tag("app[42]: hi"), Some(("app", Some("42"), "hi")));
        assert_eq!(
            tag("postfix/smtpd[1]:"),
            Some(("postfix/smtpd", Some("1"), ""))
        );
        assert_eq!(tag("Use the BFG!"), None);
        assert_eq!(tag("http://x"), None);
        assert_eq!(tag("app[42 hi"), None);
    }

    #[test]
    fn timestamps() {
        let (t, n) = timestamp(b"Oct 11 22:14:15 x", NOW).unwrap();
        assert_eq!(n, 15);
        assert_eq!(t, 1_633_990_455_000_000_000 - 365 * 86_400_000_000_000);
        assert!(timestamp(b"Oct 11 22:14:15x", NOW).is_none());
        let (_, n) = timestamp(b"*Mar  1 00:06:12.535: %SYS", NOW).unwrap();
        assert_eq!(n, 21);
        let (_, n) = timestamp(b"Mar  1 00:06:12.535 UTC: %SYS", NOW).unwrap();
        assert_eq!(n, 24);
        let (t, _) = timestamp(b"Mar  1 2019 00:06:12", NOW).unwrap();
        assert_eq!(t, 1_551_398_772_000_000_000);
        assert!(timestamp(b"Feb 30 00:00:00", NOW).is_none());
    }
}
