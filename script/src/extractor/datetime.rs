//! `datetime`: a timestamp in a strftime-style format (chrono's specifiers, which tremor uses)
//! becomes nanoseconds since the Unix epoch, UTC.
//!
//! Specifiers: `%Y` `%C` `%y` `%m` `%b`/`%h` `%B` `%d` `%e` `%j` `%a` `%A` `%H` `%k` `%I` `%l`
//! `%p` `%P` `%M` `%S` `%f` `%.f` `%.3f` `%.6f` `%.9f` `%3f` `%6f` `%9f` `%z` `%:z` `%#z` `%Z`
//! `%s` `%T` `%R` `%D` `%F` `%r` `%c` `%x` `%X` `%%` `%n` `%t`. A space in the format matches
//! any run of whitespace (also none). Numbers take at most their field's width (4 digits for
//! a year without sign), so `%Y%m%d%H%M` reads `201906201530`. Without an offset in the
//! format the time is taken as UTC. Like tremor (chrono's `NaiveDateTime`), the format must
//! give a date (year, month, day, or year and `%j`) and the hour and minute, or `%s`; a format
//! that cannot is a compile error.

use super::ExtractorError;
use crate::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Year,
    Century,
    YearMod100,
    Month,
    Day,
    Ordinal,
    Hour,
    Hour12,
    Minute,
    Second,
    Epoch,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Item {
    Lit(String),
    Space,
    Num {
        field: Field,
        width: usize,
        space_pad: bool,
    },
    /// Fraction of a second: `dot` = a leading `.` is part of it; `optional` = may be absent;
    /// `digits` = exact digit count (0 = 1 to 9).
    Frac {
        dot: bool,
        optional: bool,
        digits: usize,
    },
    MonthName,
    WeekdayName,
    AmPm,
    Offset,
    TzName,
}

/// A compiled `datetime` format.
#[derive(Debug, Clone)]
pub struct Datetime {
    items: Vec<Item>,
}

const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];
const DAYS: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

fn expand(spec: char) -> Option<&'static str> {
    Some(match spec {
        'T' | 'X' => "%H:%M:%S",
        'R' => "%H:%M",
        'D' | 'x' => "%m/%d/%y",
        'F' => "%Y-%m-%d",
        'r' => "%I:%M:%S %p",
        'c' => "%a %b %e %H:%M:%S %Y",
        _ => return None,
    })
}

fn compile_into(fmt: &str, base: usize, items: &mut Vec<Item>) -> Result<(), ExtractorError> {
    let err = |at: usize, m: String| ExtractorError::at("datetime", base + at, m);
    let mut chars = fmt.char_indices().peekable();
    let mut lit = String::new();
    let flush = |lit: &mut String, items: &mut Vec<Item>| {
        if !lit.is_empty() {
            items.push(Item::Lit(std::mem::take(lit)));
        }
    };
    while let Some((i, c)) = chars.next() {
        if c.is_whitespace() {
            flush(&mut lit, items);
            if items.last() != Some(&Item::Space) {
                items.push(Item::Space);
            }
            continue;
        }
        if c != '%' {
            lit.push(c);
            continue;
        }
        let Some((_, spec)) = chars.next() else {
            return Err(err(i, "`%` at the end of the format".into()));
        };
        if spec == '%' {
            lit.push('%');
            continue;
        }
        flush(&mut lit, items);
        let num = |field, width| Item::Num {
            field,
            width,
            space_pad: false,
        };
        let item = match spec {
            'Y' => num(Field::Year, 4),
            'C' => num(Field::Century, 2),
            'y' => num(Field::YearMod100, 2),
            'm' => num(Field::Month, 2),
            'd' => num(Field::Day, 2),
            'e' => Item::Num {
                field: Field::Day,
                width: 2,
                space_pad: true,
            },
            'j' => num(Field::Ordinal, 3),
            'H' => num(Field::Hour, 2),
            'k' => Item::Num {
                field: Field::Hour,
                width: 2,
                space_pad: true,
            },
            'I' => num(Field::Hour12, 2),
            'l' => Item::Num {
                field: Field::Hour12,
                width: 2,
                space_pad: true,
            },
            'M' => num(Field::Minute, 2),
            'S' => num(Field::Second, 2),
            's' => num(Field::Epoch, 20),
            'b' | 'h' | 'B' => Item::MonthName,
            'a' | 'A' => Item::WeekdayName,
            'p' | 'P' => Item::AmPm,
            'Z' => Item::TzName,
            'z' => Item::Offset,
            'f' => Item::Frac {
                dot: false,
                optional: false,
                digits: 0,
            },
            'n' | 't' => Item::Space,
            ':' | '#' => match chars.next() {
                Some((_, 'z')) => Item::Offset,
                _ => return Err(err(i, format!("unknown specifier `%{spec}`"))),
            },
            '.' => match chars.next() {
                Some((_, 'f')) => Item::Frac {
                    dot: true,
                    optional: true,
                    digits: 0,
                },
                Some((_, d @ ('3' | '6' | '9'))) => match chars.next() {
                    Some((_, 'f')) => Item::Frac {
                        dot: true,
                        optional: false,
                        digits: d as usize - '0' as usize,
                    },
                    _ => return Err(err(i, format!("unknown specifier `%.{d}`"))),
                },
                _ => return Err(err(i, "unknown specifier `%.`".into())),
            },
            d @ ('3' | '6' | '9') => match chars.next() {
                Some((_, 'f')) => Item::Frac {
                    dot: false,
                    optional: false,
                    digits: d as usize - '0' as usize,
                },
                _ => return Err(err(i, format!("unknown specifier `%{d}`"))),
            },
            other => match expand(other) {
                Some(sub) => {
                    compile_into(sub, base + i, items)?;
                    continue;
                }
                None => return Err(err(i, format!("unknown specifier `%{other}`"))),
            },
        };
        items.push(item);
    }
    flush(&mut lit, items);
    Ok(())
}

#[derive(Debug, Default)]
struct Parsed {
    year: Option<i64>,
    century: Option<i64>,
    year_mod: Option<i64>,
    month: Option<i64>,
    day: Option<i64>,
    ordinal: Option<i64>,
    hour: Option<i64>,
    hour12: Option<i64>,
    pm: Option<bool>,
    minute: Option<i64>,
    second: i64,
    nanos: i64,
    offset: i64,
    epoch: Option<i64>,
}

/// Days from 1970-01-01 to the given proleptic Gregorian date.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

impl Parsed {
    fn nanos_since_epoch(&self) -> Option<i64> {
        if let Some(e) = self.epoch {
            return e.checked_mul(1_000_000_000)?.checked_add(self.nanos);
        }
        let year = match (self.year, self.century, self.year_mod) {
            (Some(y), _, _) => y,
            (None, Some(c), Some(m)) => c * 100 + m,
            (None, None, Some(m)) => m + if m < 70 { 2000 } else { 1900 },
            _ => return None,
        };
        let days = if let Some(o) = self.ordinal {
            if !(1..=if is_leap(year) { 366 } else { 365 }).contains(&o) {
                return None;
            }
            days_from_civil(year, 1, 1) + o - 1
        } else {
            let (m, d) = (self.month?, self.day?);
            if !(1..=12).contains(&m) || d < 1 || d > days_in_month(year, m) {
                return None;
            }
            days_from_civil(year, m, d)
        };
        let hour = match (self.hour, self.hour12, self.pm) {
            (Some(h), _, _) => h,
            (None, Some(h), Some(pm)) if (1..=12).contains(&h) => h % 12 + if pm { 12 } else { 0 },
            _ => return None,
        };
        let minute = self.minute?;
        if hour > 23 || minute > 59 || self.second > 60 {
            return None;
        }
        let secs = days * 86_400 + hour * 3600 + minute * 60 + self.second - self.offset;
        secs.checked_mul(1_000_000_000)?.checked_add(self.nanos)
    }
}

fn digits(s: &str, min: usize, max: usize) -> Option<(i64, usize)> {
    let n = s.bytes().take(max).take_while(u8::is_ascii_digit).count();
    if n < min {
        return None;
    }
    Some((s[..n].parse().ok()?, n))
}

/// Matches a name case-insensitively, full or as its three-letter abbreviation.
fn name(s: &str, names: &[&str]) -> Option<(usize, usize)> {
    for (i, full) in names.iter().enumerate() {
        for len in [full.len(), 3] {
            if s.len() >= len
                && s.is_char_boundary(len)
                && s[..len].eq_ignore_ascii_case(&full[..len])
            {
                return Some((i, len));
            }
        }
    }
    None
}

fn offset(s: &str) -> Option<(i64, usize)> {
    if s.starts_with(['Z', 'z']) {
        return Some((0, 1));
    }
    let sign = match s.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let (h, n) = digits(&s[1..], 2, 2)?;
    let mut used = 1 + n;
    let rest = &s[used..];
    let rest = match rest.strip_prefix(':') {
        Some(r) => {
            used += 1;
            r
        }
        None => rest,
    };
    let (m, n) = digits(rest, 2, 2)?;
    used += n;
    if h > 23 || m > 59 {
        return None;
    }
    Some((sign * (h * 3600 + m * 60), used))
}

impl Datetime {
    pub(crate) fn compile(pattern: &str) -> Result<Self, ExtractorError> {
        let mut items = Vec::new();
        compile_into(pattern, 0, &mut items)?;
        let has = |f: Field| {
            items
                .iter()
                .any(|i| matches!(i, Item::Num { field, .. } if *field == f))
        };
        let date = (has(Field::Year) || has(Field::YearMod100))
            && ((has(Field::Month) || items.contains(&Item::MonthName)) && has(Field::Day)
                || has(Field::Ordinal));
        let time = (has(Field::Hour) || has(Field::Hour12) && items.contains(&Item::AmPm))
            && has(Field::Minute);
        if !(has(Field::Epoch) || date && time) {
            return Err(ExtractorError {
                extractor: "datetime",
                message:
                    "the format needs a year, month and day (or %j), an hour and a minute, or %s"
                        .into(),
                offset: None,
            });
        }
        Ok(Datetime { items })
    }

    fn parse(&self, input: &str) -> Option<i64> {
        let mut p = Parsed::default();
        let mut s = input;
        for item in &self.items {
            match item {
                Item::Lit(l) => s = s.strip_prefix(l.as_str())?,
                Item::Space => s = s.trim_start(),
                Item::Num {
                    field,
                    width,
                    space_pad,
                } => {
                    if *space_pad {
                        s = s.strip_prefix(' ').unwrap_or(s);
                    }
                    let (neg, body) = match (field, s.as_bytes().first()) {
                        (Field::Year | Field::Epoch, Some(b'-')) => (true, &s[1..]),
                        (Field::Year, Some(b'+')) => (false, &s[1..]),
                        _ => (false, s),
                    };
                    // A signed year may be wider than four digits.
                    let max = if body.len() < s.len() && *field == Field::Year {
                        9
                    } else {
                        *width
                    };
                    let (v, n) = digits(body, 1, max)?;
                    let v = if neg { -v } else { v };
                    s = &body[n..];
                    let slot = match field {
                        Field::Year => &mut p.year,
                        Field::Century => &mut p.century,
                        Field::YearMod100 => &mut p.year_mod,
                        Field::Month => &mut p.month,
                        Field::Day => &mut p.day,
                        Field::Ordinal => &mut p.ordinal,
                        Field::Hour => &mut p.hour,
                        Field::Hour12 => &mut p.hour12,
                        Field::Minute => &mut p.minute,
                        Field::Second => {
                            p.second = v;
                            continue;
                        }
                        Field::Epoch => &mut p.epoch,
                    };
                    *slot = Some(v);
                }
                Item::Frac {
                    dot,
                    optional,
                    digits: want,
                } => {
                    let body = if *dot { s.strip_prefix('.') } else { Some(s) };
                    let Some(body) = body else {
                        if *optional {
                            continue;
                        }
                        return None;
                    };
                    let (max, min) = if *want == 0 { (9, 1) } else { (*want, *want) };
                    let (v, n) = digits(body, min, max)?;
                    let scale = 10_i64.pow(u32::try_from(9 - n).ok()?);
                    p.nanos = v * scale;
                    s = &body[n..];
                }
                Item::MonthName => {
                    let (m, n) = name(s, &MONTHS)?;
                    p.month = Some(m as i64 + 1);
                    s = &s[n..];
                }
                Item::WeekdayName => {
                    let (_, n) = name(s, &DAYS)?;
                    s = &s[n..];
                }
                Item::AmPm => {
                    let b = s.as_bytes();
                    if b.len() < 2 || !b[1].eq_ignore_ascii_case(&b'm') {
                        return None;
                    }
                    p.pm = Some(match b[0].to_ascii_lowercase() {
                        b'a' => false,
                        b'p' => true,
                        _ => return None,
                    });
                    s = &s[2..];
                }
                Item::Offset => {
                    let (o, n) = offset(s)?;
                    p.offset = o;
                    s = &s[n..];
                }
                Item::TzName => {
                    let n = ["UTC", "GMT", "Z"]
                        .iter()
                        .find(|z| s.starts_with(**z))?
                        .len();
                    s = &s[n..];
                }
            }
        }
        if !s.is_empty() {
            return None;
        }
        p.nanos_since_epoch()
    }

    pub(crate) fn is_match(&self, s: &str) -> bool {
        self.parse(s).is_some()
    }

    pub(crate) fn extract<'i>(&self, s: &'i str) -> Option<Value<'i>> {
        self.parse(s).map(Value::I64)
    }
}

#[cfg(test)]
#[path = "datetime_tests.rs"]
mod tests;
