//! `std::datetime`: formatting, parsing and taking apart nanosecond timestamps (tremor 0.13).
//!
//! Timestamps are UTC nanoseconds since the epoch (so 1677-09-21 to 2262-04-11); see
//! [`datetime_arg`](super::datetime_arg) for the record form that carries a time zone.

use std::fmt::Write as _;

use chrono::format::StrftimeItems;
use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveDateTime, Timelike};

use super::args::{arg, str_arg};
use super::datetime_arg::{datetime_arg, has_offset, utc_from_nanos, zone};
use super::def::{ConstDef, ConstValue};
use super::{Arity, FnCtx, FnDef, FnError};
use crate::{Record, Value};

type R<'v> = Result<Value<'v>, FnError>;

/// `std::datetime::formats`.
pub static FORMATS: &[ConstDef] = &[
    ConstDef {
        name: "RFC3339",
        value: ConstValue::Str("%Y-%m-%dT%H:%M:%S%.f%:z"),
        doc: "RFC 3339 (and ISO 8601) date and time.",
    },
    ConstDef {
        name: "RFC2822",
        value: ConstValue::Str("%a, %d %b %Y %H:%M:%S %z"),
        doc: "RFC 2822 date and time (the same as RFC5322).",
    },
    ConstDef {
        name: "RFC5322",
        value: ConstValue::Str("%a, %d %b %Y %H:%M:%S %z"),
        doc: "RFC 5322 date and time (the same as RFC2822).",
    },
];

fn strftime(dt: &DateTime<FixedOffset>, fmt: &str) -> Result<String, FnError> {
    // chrono panics when a bad format is displayed, so check it first.
    let items = StrftimeItems::new(fmt)
        .parse()
        .map_err(|_| FnError::new(format!("invalid format string {fmt:?}")))?;
    let mut out = String::with_capacity(fmt.len() + 16);
    write!(out, "{}", dt.format_with_items(items.iter()))
        .map_err(|_| FnError::new(format!("the format {fmt:?} cannot show this datetime")))?;
    Ok(out)
}

fn rfc3339<'v>(_: &mut FnCtx<'_>, args: &[Value<'v>]) -> R<'v> {
    Ok(Value::from(datetime_arg(args, 0)?.to_rfc3339()))
}

fn rfc2822<'v>(_: &mut FnCtx<'_>, args: &[Value<'v>]) -> R<'v> {
    let dt = datetime_arg(args, 0)?;
    // chrono panics on years RFC 2822 cannot write; timestamps stay within 1677..2262.
    if !(0..=9999).contains(&dt.year()) {
        return Err(FnError::new("RFC 2822 cannot show this year"));
    }
    Ok(Value::from(dt.to_rfc2822()))
}

fn format<'v>(_: &mut FnCtx<'_>, args: &[Value<'v>]) -> R<'v> {
    let dt = datetime_arg(args, 0)?;
    Ok(Value::from(strftime(&dt, str_arg(args, 1)?)?))
}

fn with_timezone<'v>(_: &mut FnCtx<'_>, args: &[Value<'v>]) -> R<'v> {
    let ts = arg(args, 0)?;
    utc_from_nanos(ts, 0)?;
    let tz = arg(args, 1)?;
    zone(tz).map_err(|e| FnError::bad_value(1, e))?;
    let mut r = Record::with_capacity(2);
    r.push_unique("timestamp", ts.clone());
    r.push_unique("tz", tz.clone());
    Ok(Value::Record(r))
}

fn parse<'v>(_: &mut FnCtx<'_>, args: &[Value<'v>]) -> R<'v> {
    let (s, fmt) = (str_arg(args, 0)?, str_arg(args, 1)?);
    let bad = |e: chrono::ParseError| {
        FnError::new(format!("cannot parse {s:?} with format {fmt:?}: {e}"))
    };
    let ns = if has_offset(fmt) {
        DateTime::parse_from_str(s, fmt)
            .map_err(bad)?
            .timestamp_nanos_opt()
    } else {
        match NaiveDateTime::parse_from_str(s, fmt) {
            Ok(t) => t.and_utc().timestamp_nanos_opt(),
            // A format with a date but no time means midnight.
            Err(e) => match NaiveDate::parse_from_str(s, fmt) {
                Ok(d) => d
                    .and_time(chrono::NaiveTime::MIN)
                    .and_utc()
                    .timestamp_nanos_opt(),
                Err(_) => return Err(bad(e)),
            },
        }
    };
    ns.map(Value::I64)
        .ok_or_else(|| FnError::new(format!("{s:?} is outside 1677-09-21 to 2262-04-11")))
}

macro_rules! part {
    ($name:ident, |$dt:ident| $e:expr) => {
        fn $name<'v>(_: &mut FnCtx<'_>, args: &[Value<'v>]) -> R<'v> {
            let $dt = datetime_arg(args, 0)?;
            Ok(Value::I64(i64::from($e)))
        }
    };
}

part!(year, |dt| dt.year());
part!(month, |dt| dt.month());
part!(iso_week, |dt| dt.iso_week().week());
part!(day_of_month, |dt| dt.day());
part!(day_of_year, |dt| dt.ordinal());
part!(hour, |dt| dt.hour());
part!(minute, |dt| dt.minute());
part!(second, |dt| dt.second());
part!(subsecond_millis, |dt| dt.nanosecond() / 1_000_000);
part!(subsecond_micros, |dt| dt.nanosecond() / 1_000);
part!(subsecond_nanos, |dt| dt.nanosecond());

macro_rules! part_def {
    ($name:ident, $doc:expr, $ex:expr) => {
        FnDef {
            name: stringify!($name),
            params: &["datetime"],
            arity: Arity::Exact(1),
            pure: true,
            f: $name,
            doc: $doc,
            examples: $ex,
        }
    };
}

/// The module's functions.
pub static FUNCTIONS: &[FnDef] = &[
    FnDef {
        name: "rfc3339",
        params: &["datetime"],
        arity: Arity::Exact(1),
        pure: true,
        f: rfc3339,
        doc: "The datetime as RFC 3339 text, with 0, 3, 6 or 9 fraction digits as needed.",
        examples: &[
            ("std::datetime::rfc3339(0)", r#""1970-01-01T00:00:00+00:00""#),
            (
                r#"std::datetime::rfc3339(std::datetime::with_timezone(1667997961000000000, "Europe/Berlin"))"#,
                r#""2022-11-09T13:46:01+01:00""#,
            ),
        ],
    },
    FnDef {
        name: "rfc2822",
        params: &["datetime"],
        arity: Arity::Exact(1),
        pure: true,
        f: rfc2822,
        doc: "The datetime as RFC 2822 text.",
        examples: &[("std::datetime::rfc2822(1667997961000000000)", r#""Wed, 9 Nov 2022 12:46:01 +0000""#)],
    },
    FnDef {
        name: "format",
        params: &["datetime", "format"],
        arity: Arity::Exact(2),
        pure: true,
        f: format,
        doc: "The datetime formatted with chrono's strftime specifiers (`%Y`, `%m`, `%d`, `%H`, `%z`, ...).",
        examples: &[
            (r#"std::datetime::format(0, "%Y-%m-%d %H:%M")"#, r#""1970-01-01 00:00""#),
            (
                r#"std::datetime::format(std::datetime::with_timezone(123, std::datetime::timezones::EUROPE_BERLIN), "%Y-%m-%dT%H:%M:%S%:z")"#,
                r#""1970-01-01T01:00:00+01:00""#,
            ),
        ],
    },
    FnDef {
        name: "with_timezone",
        params: &["utc_nanos", "timezone"],
        arity: Arity::Exact(2),
        pure: true,
        f: with_timezone,
        doc: "A datetime record `{timestamp, tz}` for a timestamp shown in a zone (a timezones constant, IANA name or offset).",
        examples: &[(
            r#"std::datetime::with_timezone(123, "+02:00")"#,
            r#"{"timestamp":123,"tz":"+02:00"}"#,
        )],
    },
    FnDef {
        name: "parse",
        params: &["string", "format"],
        arity: Arity::Exact(2),
        pure: true,
        f: parse,
        doc: "Parses text with a strftime format into UTC nanoseconds; without an offset field the text is taken as UTC.",
        examples: &[
            (
                r#"std::datetime::parse("1983 Apr 13 12:09:14.274 +0000", "%Y %b %d %H:%M:%S%.3f %z")"#,
                "419083754274000000",
            ),
            (
                r#"std::datetime::parse("2019-06-17T13:15:40.752Z", "%Y-%m-%dT%H:%M:%S%.3fZ")"#,
                "1560777340752000000",
            ),
        ],
    },
    part_def!(year, "The year (proleptic Gregorian calendar).", &[("std::datetime::year(1559655782123456789)", "2019")]),
    part_def!(month, "The month, from 1.", &[("std::datetime::month(1559655782123456789)", "6")]),
    part_def!(iso_week, "The ISO 8601 week number, from 1.", &[("std::datetime::iso_week(1559655782123456789)", "23")]),
    part_def!(day_of_month, "The day of the month, from 1.", &[("std::datetime::day_of_month(1559655782123456789)", "4")]),
    part_def!(day_of_year, "The day of the year, from 1.", &[("std::datetime::day_of_year(1559655782123456789)", "155")]),
    part_def!(hour, "The hour of the day, 0 to 23.", &[("std::datetime::hour(1559655782123456789)", "13")]),
    part_def!(minute, "The minute of the hour, 0 to 59.", &[("std::datetime::minute(1559655782123456789)", "43")]),
    part_def!(second, "The second of the minute, 0 to 59.", &[("std::datetime::second(1559655782123456789)", "2")]),
    part_def!(
        subsecond_millis,
        "Whole milliseconds since the last full second.",
        &[("std::datetime::subsecond_millis(1559655782123456789)", "123")]
    ),
    part_def!(
        subsecond_micros,
        "Whole microseconds since the last full second.",
        &[("std::datetime::subsecond_micros(1559655782123456789)", "123456")]
    ),
    part_def!(
        subsecond_nanos,
        "Nanoseconds since the last full second.",
        &[("std::datetime::subsecond_nanos(1559655782123456789)", "123456789")]
    ),
];

#[cfg(test)]
mod tests {
    use super::super::testing::{check, check_err};

    const M: &str = "std::datetime";
    // 2019-06-04T13:43:02.123456789Z, a Tuesday.
    const T: &str = "1559655782123456789";

    #[test]
    fn parts_in_utc() {
        check(M, "year", &["0"], "1970");
        check(M, "month", &["0"], "1");
        check(M, "iso_week", &["0"], "1");
        check(M, "day_of_month", &["0"], "1");
        check(M, "day_of_year", &["0"], "1");
        check(M, "subsecond_millis", &["1000000"], "1");
        check(M, "subsecond_micros", &["1000000"], "1000");
        check(M, "subsecond_nanos", &["1000000"], "1000000");
        check(M, "year", &["-1"], "1969");
        check(M, "second", &["-1"], "59");
        check(M, "iso_week", &["1609459200000000000"], "53"); // 2021-01-01 is in 2020-W53
    }

    #[test]
    fn parts_in_a_zone() {
        let berlin = format!(r#"{{"timestamp": {T}, "tz": "Europe/Berlin"}}"#);
        check(M, "hour", &[&berlin], "15"); // CEST, UTC+2
        let tokyo = r#"{"timestamp": 1559655782123456789, "tz": "+09:00"}"#;
        check(M, "hour", &[tokyo], "22");
        let midnight = r#"{"timestamp": 1559692800000000000, "tz": "-05:00"}"#;
        check(M, "day_of_month", &[midnight], "4");
        check(M, "day_of_month", &["1559692800000000000"], "5");
    }

    #[test]
    fn formatting() {
        check(M, "format", &[T, r#""%Y-%m-%d""#], r#""2019-06-04""#);
        check(
            M,
            "format",
            &[T, r#""%H:%M:%S%.9f %a %j""#],
            r#""13:43:02.123456789 Tue 155""#,
        );
        check(
            M,
            "rfc3339",
            &[T],
            r#""2019-06-04T13:43:02.123456789+00:00""#,
        );
        check(
            M,
            "rfc3339",
            &["1000000"],
            r#""1970-01-01T00:00:00.001+00:00""#,
        );
        let ny = r#"{"timestamp": 1559655782000000000, "tz": "America/New_York"}"#;
        check(M, "rfc3339", &[ny], r#""2019-06-04T09:43:02-04:00""#);
        check(M, "rfc2822", &[ny], r#""Tue, 4 Jun 2019 09:43:02 -0400""#);
        check(M, "format", &["0", r#""100%% %Y""#], r#""100% 1970""#);
    }

    #[test]
    fn bad_formats_and_datetimes_are_errors() {
        check_err(M, "format", &["0", r#""%Q""#], "invalid format string");
        check_err(M, "format", &["0", r#""%""#], "invalid format string");
        check_err(M, "format", &["0", "1"], "argument 2");
        check_err(M, "year", &[r#""2019""#], "expected a datetime");
        check_err(
            M,
            "year",
            &["18446744073709551615"],
            "after the latest supported time",
        );
        check_err(M, "hour", &[r#"{"timestamp": 0}"#], "no `tz` field");
        check_err(M, "hour", &[r#"{"tz": "UTC"}"#], "no `timestamp` field");
        check_err(
            M,
            "hour",
            &[r#"{"timestamp": 0, "tz": "Nowhere"}"#],
            "neither a time zone",
        );
        check_err(
            M,
            "hour",
            &[r#"{"timestamp": 1.5, "tz": "UTC"}"#],
            "integer timestamp",
        );
    }

    #[test]
    fn with_timezone_validates() {
        check(
            M,
            "with_timezone",
            &["5", r#""UTC""#],
            r#"{"timestamp":5,"tz":"UTC"}"#,
        );
        check(M, "with_timezone", &["5", "0"], r#"{"timestamp":5,"tz":0}"#);
        check_err(M, "with_timezone", &["5", r#""Mars/Base""#], "argument 2");
        check_err(
            M,
            "with_timezone",
            &["5", "99999"],
            "not a std::datetime::timezones constant",
        );
        check_err(
            M,
            "with_timezone",
            &["5.0", r#""UTC""#],
            "integer timestamp",
        );
    }

    #[test]
    fn parsing() {
        check(
            M,
            "parse",
            &[r#""1560777212""#, r#""%s""#],
            "1560777212000000000",
        );
        check(
            M,
            "parse",
            &[
                r#""2019-08-07T16:41:12.159975-04:00""#,
                r#""%Y-%m-%dT%T%.6f%:z""#,
            ],
            "1565210472159975000",
        );
        check(
            M,
            "parse",
            &[r#""2019-08-07T20:41:12.159975""#, r#""%Y-%m-%dT%T%.6f""#],
            "1565210472159975000",
        );
        check(
            M,
            "parse",
            &[r#""1969-12-31""#, r#""%Y-%m-%d""#],
            "-86400000000000",
        );
        check_err(
            M,
            "parse",
            &[r#""2019-13-01""#, r#""%Y-%m-%d""#],
            "cannot parse",
        );
        check_err(M, "parse", &[r#""snot""#, r#""%Y""#], "cannot parse");
        check_err(
            M,
            "parse",
            &[r#""3000-01-01""#, r#""%Y-%m-%d""#],
            "outside 1677-09-21",
        );
        check_err(M, "parse", &["1", r#""%Y""#], "argument 1");
    }
}
