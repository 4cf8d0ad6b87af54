//! The last RFC 5424 timestamp read, and what it came to.
//!
//! Senders stamp with second (or coarser) resolution far more often than not, so consecutive
//! messages of a stream mostly carry the same timestamp text; comparing those bytes with the
//! previous message's costs a fraction of reading them again (a perf profile of the syslog
//! bench put the RFC 3339 reader at ~3% of the whole process). [`rfc3339`] reads nothing but
//! the bytes it consumes (no look-ahead past the zone), so equal bytes give the equal result:
//! the memo never changes what a message decodes to.

use std::cell::Cell;

use super::time::{rfc3339, Cursor};

/// The longest RFC 5424 timestamp: `YYYY-MM-DDThh:mm:ss.ffffff+hh:mm`.
const MAX: usize = 32;

/// One remembered timestamp (`len == 0`: none yet).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Stamp {
    text: [u8; MAX],
    len: u8,
    ns: i64,
}

/// Reads an RFC 3339 timestamp with at most `max_frac` fraction digits at the cursor, as
/// [`rfc3339`] does, through `memo`.
#[inline]
pub(crate) fn rfc3339_memo(c: &mut Cursor<'_>, max_frac: usize, memo: &Cell<Stamp>) -> Option<i64> {
    let m = memo.get();
    let len = usize::from(m.len);
    if len > 0 && c.b.get(c.pos..c.pos + len) == Some(&m.text[..len]) {
        c.pos += len;
        return Some(m.ns);
    }
    let start = c.pos;
    let ns = rfc3339(c, max_frac)?;
    let text = &c.b[start..c.pos];
    if let Ok(len) = u8::try_from(text.len()) {
        if text.len() <= MAX {
            let mut s = Stamp {
                text: [0; MAX],
                len,
                ns,
            };
            s.text[..text.len()].copy_from_slice(text);
            memo.set(s);
        }
    }
    Some(ns)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str, memo: &Cell<Stamp>) -> (Option<i64>, usize) {
        let mut c = Cursor::new(text.as_bytes());
        let t = rfc3339_memo(&mut c, 6, memo);
        (t, c.pos)
    }

    #[test]
    fn same_answers_as_reading_afresh() {
        let memo = Cell::new(Stamp::default());
        let stamps = [
            "2003-10-11T22:14:15.003Z x",
            "2003-10-11T22:14:15.003Z y",
            "2003-10-11T22:14:15.0031Z",
            "2003-10-11T22:14:15.003+01:00 ",
            "2003-10-11T22:14:15.003+01:00",
            "2003-10-11T22:14:15.003+01:0",
            "2003-10-11T22:14:15.003Z",
            "2003-10-11T22:14:15.003",
            "2003-10-11T22:14:15.003Z",
            "2003-02-29T22:14:15.003Z",
            "2026-12-03T06:48:02.123456-07:30 m",
            "2026-12-03T06:48:02.123456-07:30 m",
            "2026-12-03T06:48:02.1234567-07:30",
        ];
        for s in stamps {
            let mut c = Cursor::new(s.as_bytes());
            let fresh = rfc3339(&mut c, 6);
            let (memo_t, memo_pos) = read(s, &memo);
            assert_eq!(memo_t, fresh, "{s}");
            if fresh.is_some() {
                assert_eq!(memo_pos, c.pos, "{s}");
            }
        }
    }
}
