//! The `datetime` argument of `std::datetime`: an integer (UTC nanoseconds since the epoch) or
//! a record `{"timestamp": integer, "tz": zone}` made by `with_timezone`, where the zone is a
//! `std::datetime::timezones` constant, an IANA name (`"Europe/Berlin"`) or a fixed offset
//! (`"+01:00"`).

use chrono::{DateTime, FixedOffset, Offset, TimeZone, Utc};

use super::args::arg;
use super::FnError;
use crate::Value;

/// Argument `i` as a date and time in its zone (UTC for a bare timestamp).
pub(super) fn datetime_arg(args: &[Value<'_>], i: usize) -> Result<DateTime<FixedOffset>, FnError> {
    match arg(args, i)? {
        Value::Record(r) => {
            let ts = r
                .get("timestamp")
                .ok_or_else(|| FnError::bad_value(i, "has no `timestamp` field"))?;
            let tz = r
                .get("tz")
                .ok_or_else(|| FnError::bad_value(i, "has no `tz` field"))?;
            let utc = utc_from_nanos(ts, i)?;
            let zone = zone(tz).map_err(|e| FnError::bad_value(i, e))?;
            Ok(zone.at(&utc))
        }
        v @ (Value::I64(_) | Value::U64(_)) => Ok(utc_from_nanos(v, i)?.fixed_offset()),
        other => Err(FnError::bad_arg(
            i,
            "a datetime (an integer timestamp or a record from with_timezone)",
            other,
        )),
    }
}

/// An integer of nanoseconds since the epoch as a UTC date and time.
pub(super) fn utc_from_nanos(v: &Value<'_>, i: usize) -> Result<DateTime<Utc>, FnError> {
    match v {
        Value::I64(ns) => Ok(DateTime::from_timestamp_nanos(*ns)),
        Value::U64(_) => Err(FnError::bad_value(
            i,
            "is after the latest supported time (2262-04-11)",
        )),
        other => Err(FnError::bad_arg(i, "an integer timestamp", other)),
    }
}

/// A time zone: a named IANA zone (with its daylight saving rules) or a fixed offset.
#[derive(Debug, Clone, Copy)]
pub(super) enum Zone {
    Named(chrono_tz::Tz),
    Fixed(FixedOffset),
}

impl Zone {
    pub(super) fn at(self, utc: &DateTime<Utc>) -> DateTime<FixedOffset> {
        let naive = utc.naive_utc();
        let offset = match self {
            Zone::Named(tz) => tz.offset_from_utc_datetime(&naive).fix(),
            Zone::Fixed(f) => f,
        };
        utc.with_timezone(&offset)
    }
}

/// Reads a zone: a `timezones` constant (an index into the zone table), an IANA name, or an
/// offset such as `+01:00` or `-0530`.
pub(super) fn zone(v: &Value<'_>) -> Result<Zone, String> {
    match v {
        Value::I64(_) | Value::U64(_) => v
            .as_u64()
            .and_then(|n| usize::try_from(n).ok())
            .and_then(|n| chrono_tz::TZ_VARIANTS.get(n))
            .map(|tz| Zone::Named(*tz))
            .ok_or_else(|| format!("{} is not a std::datetime::timezones constant", v.to_json())),
        Value::String(s) => {
            if let Ok(tz) = s.parse::<chrono_tz::Tz>() {
                return Ok(Zone::Named(tz));
            }
            if s.starts_with(['+', '-']) {
                if let Ok(f) = s.parse::<FixedOffset>() {
                    return Ok(Zone::Fixed(f));
                }
            }
            Err(format!(
                "{s:?} is neither a time zone name nor an offset like \"+01:00\""
            ))
        }
        other => Err(format!(
            "a time zone must be a string or a timezones constant, got {}",
            other.value_type()
        )),
    }
}

/// Whether a strftime format has a field that sets the offset (`%z`, `%:z`, `%#z`, `%Z`, `%+`);
/// without one, parsed times are taken as UTC.
pub(super) fn has_offset(fmt: &str) -> bool {
    let mut chars = fmt.chars();
    while let Some(c) = chars.next() {
        if c == '%' {
            match chars.next() {
                Some('+' | 'z' | 'Z') => return true,
                Some(':' | '#') if chars.next() == Some('z') => return true,
                _ => {}
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zones() {
        assert!(matches!(
            zone(&Value::str("Europe/Berlin")),
            Ok(Zone::Named(chrono_tz::Tz::Europe__Berlin))
        ));
        assert!(matches!(zone(&Value::str("UTC")), Ok(Zone::Named(_))));
        for off in ["+01:00", "-0530", "+0000"] {
            assert!(
                matches!(zone(&Value::str(off)), Ok(Zone::Fixed(_))),
                "{off}"
            );
        }
        for bad in ["Mars/Olympus", "", "+25:00", "01:00"] {
            assert!(zone(&Value::str(bad)).is_err(), "{bad}");
        }
        assert!(zone(&Value::I64(0)).is_ok());
        assert!(zone(&Value::I64(-1)).is_err());
        assert!(zone(&Value::I64(1_000_000)).is_err());
        assert!(zone(&Value::Null).is_err());
    }

    #[test]
    fn offset_fields() {
        assert!(has_offset("%Y %z"));
        assert!(has_offset("%:z"));
        assert!(has_offset("%+"));
        assert!(!has_offset("%Y-%m-%dT%H:%M:%S%.3fZ"));
        assert!(!has_offset("%%z"));
    }
}
