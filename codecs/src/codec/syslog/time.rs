//! Civil dates to and from nanoseconds since the epoch, without a clock and without time
//! zone databases: syslog timestamps carry a numeric offset or none at all.

const NS: i64 = 1_000_000_000;

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
#[inline]
pub(crate) fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `(year, month, day)` of a day count since 1970-01-01.
pub(crate) fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = u32::try_from(doy - (153 * mp + 2) / 5 + 1).unwrap_or(1);
    let m = u32::try_from(if mp < 10 { mp + 3 } else { mp - 9 }).unwrap_or(1);
    (
        if m <= 2 {
            yoe + era * 400 + 1
        } else {
            yoe + era * 400
        },
        m,
        d,
    )
}

pub(crate) fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

pub(crate) fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(y) => 29,
        2 => 28,
        _ => 0,
    }
}

/// A wall-clock time read from a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Civil {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
    pub nanos: u32,
    /// Seconds east of UTC.
    pub offset: i32,
}

impl Civil {
    /// Nanoseconds since the epoch, or `None` for an impossible date or one outside the
    /// ±292 years an `i64` of nanoseconds spans.
    #[inline]
    pub(crate) fn to_ns(self) -> Option<i64> {
        if !(1..=12).contains(&self.month)
            || self.day == 0
            || self.day > days_in_month(self.year, self.month)
            || self.hour > 23
            || self.minute > 59
            || self.second > 59
        {
            return None;
        }
        let days = days_from_civil(self.year, self.month, self.day);
        let secs = days
            .checked_mul(86_400)?
            .checked_add(i64::from(self.hour * 3600 + self.minute * 60 + self.second))?
            .checked_sub(i64::from(self.offset))?;
        secs.checked_mul(NS)?.checked_add(i64::from(self.nanos))
    }

    /// The UTC wall clock of `ns`.
    pub(crate) fn from_ns(ns: i64) -> Civil {
        let secs = ns.div_euclid(NS);
        let nanos = u32::try_from(ns.rem_euclid(NS)).unwrap_or(0);
        let (year, month, day) = civil_from_days(secs.div_euclid(86_400));
        let sod = u32::try_from(secs.rem_euclid(86_400)).unwrap_or(0);
        Civil {
            year,
            month,
            day,
            hour: sod / 3600,
            minute: sod / 60 % 60,
            second: sod % 60,
            nanos,
            offset: 0,
        }
    }
}

pub(crate) const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// A cursor over ASCII text with the small parsers timestamps need.
pub(crate) struct Cursor<'a> {
    pub b: &'a [u8],
    pub pos: usize,
}

impl<'a> Cursor<'a> {
    pub(crate) fn new(b: &'a [u8]) -> Self {
        Cursor { b, pos: 0 }
    }

    #[inline]
    pub(crate) fn peek(&self) -> Option<u8> {
        self.b.get(self.pos).copied()
    }

    #[inline]
    pub(crate) fn eat(&mut self, c: u8) -> bool {
        if self.peek() == Some(c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// Exactly `n` digits.
    #[inline]
    pub(crate) fn digits(&mut self, n: usize) -> Option<u32> {
        let s = self.b.get(self.pos..self.pos + n)?;
        let mut v = 0u32;
        for &c in s {
            if !c.is_ascii_digit() {
                return None;
            }
            v = v * 10 + u32::from(c - b'0');
        }
        self.pos += n;
        Some(v)
    }

    /// `.` and 1 to `max` digits of a second, as nanoseconds; 0 when there is no `.`.
    #[inline]
    pub(crate) fn fraction(&mut self, max: usize) -> Option<u32> {
        if !self.eat(b'.') {
            return Some(0);
        }
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
        }
        let n = self.pos - start;
        if n == 0 || n > max {
            return None;
        }
        let mut v = 0u32;
        for &c in &self.b[start..start + n.min(9)] {
            v = v * 10 + u32::from(c - b'0');
        }
        for _ in n..9 {
            v *= 10;
        }
        Some(v)
    }

    /// `hh:mm:ss` (ranges are checked by [`Civil::to_ns`]).
    pub(crate) fn hms(&mut self) -> Option<(u32, u32, u32)> {
        let h = self.digits(2)?;
        self.eat(b':').then_some(())?;
        let m = self.digits(2)?;
        self.eat(b':').then_some(())?;
        let s = self.digits(2)?;
        Some((h, m, s))
    }
}

/// RFC 3339 `YYYY-MM-DDThh:mm:ss[.frac](Z|±hh:mm)` at the cursor, with at most `max_frac`
/// fraction digits (RFC 5424 allows 6). Leaves the cursor after it on success.
pub(crate) fn rfc3339(c: &mut Cursor<'_>, max_frac: usize) -> Option<i64> {
    // The fixed-width part `YYYY-MM-DDThh:mm:ss` is checked as one slice: the separators at
    // their places and two-digit groups elsewhere.
    let h = c.b.get(c.pos..c.pos + 19)?;
    if h[4] != b'-' || h[7] != b'-' || h[10] != b'T' || h[13] != b':' || h[16] != b':' {
        return None;
    }
    let two = |i: usize| -> Option<u32> {
        let (a, b) = (h[i].wrapping_sub(b'0'), h[i + 1].wrapping_sub(b'0'));
        (a <= 9 && b <= 9).then(|| u32::from(a) * 10 + u32::from(b))
    };
    let year = two(0)? * 100 + two(2)?;
    let (month, day) = (two(5)?, two(8)?);
    let (hour, minute, second) = (two(11)?, two(14)?, two(17)?);
    c.pos += 19;
    let nanos = c.fraction(max_frac)?;
    let offset = match c.peek()? {
        b'Z' => {
            c.pos += 1;
            0
        }
        s @ (b'+' | b'-') => {
            c.pos += 1;
            let oh = c.digits(2)?;
            c.eat(b':').then_some(())?;
            let om = c.digits(2)?;
            if oh > 23 || om > 59 {
                return None;
            }
            let secs = i32::try_from(oh * 3600 + om * 60).ok()?;
            if s == b'-' {
                -secs
            } else {
                secs
            }
        }
        _ => return None,
    };
    Civil {
        year: i64::from(year),
        month,
        day,
        hour,
        minute,
        second,
        nanos,
        offset,
    }
    .to_ns()
}

/// How far ahead of the ingest clock a year-less timestamp may be (sender clocks run fast).
const FUTURE_SLACK_NS: i64 = 7 * 86_400 * NS;

/// The year for a timestamp that lacks one (RFC 3164): the latest of next, this and last
/// year (as seen at `now_ns`) that does not put the timestamp more than a week after
/// `now_ns`. Logs describe the past, so `Oct 11` read in June is last October; `Dec 31`
/// read on January 1st is yesterday, and `Jan 1 00:01` read at 23:59 on December 31st
/// comes from a clock a little ahead.
pub(crate) fn nearest_year(mut t: Civil, now_ns: i64) -> Option<i64> {
    let now_year = Civil::from_ns(now_ns).year;
    let limit = now_ns.saturating_add(FUTURE_SLACK_NS);
    [now_year + 1, now_year, now_year - 1]
        .into_iter()
        .filter_map(|year| {
            t.year = year;
            t.to_ns()
        })
        .find(|ns| *ns <= limit)
}

/// Appends `ns` as RFC 3339 UTC with as many fraction digits as needed, at most 6
/// (RFC 5424 allows no more; sub-microseconds are truncated).
pub(crate) fn write_rfc3339(ns: i64, out: &mut Vec<u8>) {
    let c = Civil::from_ns(ns);
    push_num(out, c.year, 4);
    out.push(b'-');
    push_num(out, i64::from(c.month), 2);
    out.push(b'-');
    push_num(out, i64::from(c.day), 2);
    out.push(b'T');
    push_hms(out, &c);
    let micros = c.nanos / 1000;
    if micros != 0 {
        let (v, width) = if (micros / 1000) * 1000 == micros {
            (micros / 1000, 3)
        } else {
            (micros, 6)
        };
        out.push(b'.');
        push_num(out, i64::from(v), width);
    }
    out.push(b'Z');
}

/// Appends `ns` as an RFC 3164 timestamp, `Mmm dd hh:mm:ss` (UTC, day padded with a space).
pub(crate) fn write_bsd(ns: i64, out: &mut Vec<u8>) {
    let c = Civil::from_ns(ns);
    let m = usize::try_from(c.month - 1).unwrap_or(0);
    out.extend_from_slice(MONTHS[m % 12].as_bytes());
    out.push(b' ');
    if c.day < 10 {
        out.push(b' ');
    }
    push_num(out, i64::from(c.day), 1);
    out.push(b' ');
    push_hms(out, &c);
}

fn push_hms(out: &mut Vec<u8>, c: &Civil) {
    push_num(out, i64::from(c.hour), 2);
    out.push(b':');
    push_num(out, i64::from(c.minute), 2);
    out.push(b':');
    push_num(out, i64::from(c.second), 2);
}

fn push_num(out: &mut Vec<u8>, v: i64, width: usize) {
    let mut b = itoa::Buffer::new();
    let s = b.format(v);
    for _ in s.len()..width {
        out.push(b'0');
    }
    out.extend_from_slice(s.as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trip() {
        for days in [-719_468, -1, 0, 1, 10_957, 19_000, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days, "{days}");
        }
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
    }

    #[test]
    fn rfc3339_parses_offsets_and_fractions() {
        let mut c = Cursor::new(b"2003-10-11T22:14:15.003Z");
        assert_eq!(rfc3339(&mut c, 6), Some(1_065_910_455_003_000_000));
        let mut c = Cursor::new(b"2003-08-24T05:14:15.000003-07:00");
        assert_eq!(rfc3339(&mut c, 6), Some(1_061_727_255_000_003_000));
        for bad in [
            "2003-02-29T00:00:00Z",
            "2003-10-11T24:00:00Z",
            "2003-10-11T22:14:15.1234567Z",
            "2003-10-11T22:14:15",
            "2003-10-11T22:14:15+24:00",
        ] {
            assert_eq!(rfc3339(&mut Cursor::new(bad.as_bytes()), 6), None, "{bad}");
        }
    }

    #[test]
    fn year_inference_prefers_nearest() {
        let dec31 = Civil {
            year: 0,
            month: 12,
            day: 31,
            hour: 23,
            minute: 59,
            second: 0,
            nanos: 0,
            offset: 0,
        };
        // 2021-01-01T00:00:30Z: a message stamped Dec 31 is from 2020.
        let now = 1_609_459_230_000_000_000;
        assert_eq!(Civil::from_ns(nearest_year(dec31, now).unwrap()).year, 2020);
        // 2020-12-31T23:59:00Z: a message stamped Jan 1 00:01 is from a clock running ahead.
        let jan1 = Civil {
            month: 1,
            day: 1,
            hour: 0,
            minute: 1,
            ..dec31
        };
        let now = 1_609_459_140_000_000_000;
        assert_eq!(Civil::from_ns(nearest_year(jan1, now).unwrap()).year, 2021);
        // Feb 29 only exists in leap years: it goes back to the last one within reach.
        let feb29 = Civil {
            month: 2,
            day: 29,
            ..dec31
        };
        assert_eq!(nearest_year(feb29, 1_685_577_600_000_000_000), None);
        assert!(nearest_year(feb29, 1_614_556_800_000_000_000).is_some());
    }

    #[test]
    fn writes_timestamps() {
        let mut out = Vec::new();
        write_rfc3339(1_065_910_455_003_000_000, &mut out);
        assert_eq!(out, b"2003-10-11T22:14:15.003Z");
        out.clear();
        write_bsd(
            1_065_910_455_003_000_000 - 6 * 86_400 * 1_000_000_000,
            &mut out,
        );
        assert_eq!(out, b"Oct  5 22:14:15");
    }
}
