//! Sizes (`"16MiB"`) and durations (`"500ms"`, `"1m 30s"`) as the config writes them,
//! parsed with nom's combinators. Used for every size and duration in the config file and in
//! component options, so they all accept the same forms.

use nom::branch::alt;
use nom::bytes::complete::{tag, tag_no_case};
use nom::character::complete::{digit1, space0};
use nom::combinator::{all_consuming, map_res, opt, value};
use nom::multi::many1;
use nom::sequence::{delimited, terminated};
use nom::{IResult, Parser};

fn number(i: &str) -> IResult<&str, u64> {
    map_res(digit1, str::parse::<u64>).parse(i)
}

/// A size unit's multiplier; binary (`KiB`, `k`) and decimal (`kB`) units, any case.
fn size_unit(i: &str) -> IResult<&str, u64> {
    // Longest first: `alt` takes the first that matches (`kib`, `kb`, then `k`).
    alt((
        value(1 << 10, tag_no_case("kib")),
        value(1_000, tag_no_case("kb")),
        value(1 << 10, tag_no_case("k")),
        value(1 << 20, tag_no_case("mib")),
        value(1_000_000, tag_no_case("mb")),
        value(1 << 20, tag_no_case("m")),
        value(1 << 30, tag_no_case("gib")),
        value(1_000_000_000, tag_no_case("gb")),
        value(1 << 30, tag_no_case("g")),
        value(1, tag_no_case("b")),
    ))
    .parse(i)
}

/// Parses `"16MiB"`, `"64k"`, `"1 GB"`, `"4096"` into bytes. Binary and decimal units.
#[must_use]
pub fn parse_size(s: &str) -> Option<usize> {
    let (_, (n, mult)) = all_consuming(delimited(
        space0,
        (terminated(number, space0), opt(size_unit)),
        space0,
    ))
    .parse(s)
    .ok()?;
    usize::try_from(n.checked_mul(mult.unwrap_or(1))?).ok()
}

/// A duration unit in nanoseconds.
fn duration_unit(i: &str) -> IResult<&str, u64> {
    const S: u64 = 1_000_000_000;
    // Longest first within each group, and `ms`/`min` before `m`.
    alt((
        value(1, alt((tag("nsec"), tag("ns")))),
        value(1_000, alt((tag("usec"), tag("us"), tag("µs")))),
        value(1_000_000, alt((tag("millis"), tag("msec"), tag("ms")))),
        value(
            60 * S,
            alt((
                tag("minutes"),
                tag("minute"),
                tag("mins"),
                tag("min"),
                tag("m"),
            )),
        ),
        value(
            S,
            alt((
                tag("seconds"),
                tag("second"),
                tag("secs"),
                tag("sec"),
                tag("s"),
            )),
        ),
        value(
            3_600 * S,
            alt((tag("hours"), tag("hour"), tag("hrs"), tag("hr"), tag("h"))),
        ),
        value(86_400 * S, alt((tag("days"), tag("day"), tag("d")))),
    ))
    .parse(i)
}

/// Parses `"5s"`, `"500ms"`, `"2m"`, `"100us"`, `"10ns"`, `"1h"`, `"1m 30s"` into
/// nanoseconds. A bare number is not a duration (its unit would be a guess).
#[must_use]
pub fn parse_duration_ns(s: &str) -> Option<u64> {
    let part = terminated((terminated(number, space0), duration_unit), space0);
    let (_, parts) = all_consuming(delimited(space0, many1(part), space0))
        .parse(s)
        .ok()?;
    parts
        .into_iter()
        .try_fold(0u64, |acc, (n, unit)| acc.checked_add(n.checked_mul(unit)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("16MiB"), Some(16 << 20));
        assert_eq!(parse_size("64k"), Some(65536));
        assert_eq!(parse_size("64KB"), Some(64_000));
        assert_eq!(parse_size("1 GB"), Some(1_000_000_000));
        assert_eq!(parse_size(" 4096 "), Some(4096));
        assert_eq!(parse_size("10b"), Some(10));
        for bad in [
            "",
            "MiB",
            "12 parsecs",
            "1.5MiB",
            "-1",
            "99999999999999999999GiB",
            "1 k b",
        ] {
            assert_eq!(parse_size(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration_ns("5s"), Some(5_000_000_000));
        assert_eq!(parse_duration_ns("250ms"), Some(250_000_000));
        assert_eq!(parse_duration_ns("2m"), Some(120_000_000_000));
        assert_eq!(parse_duration_ns("2min"), Some(120_000_000_000));
        assert_eq!(parse_duration_ns("100us"), Some(100_000));
        assert_eq!(parse_duration_ns("100µs"), Some(100_000));
        assert_eq!(parse_duration_ns("1m 30s"), Some(90_000_000_000));
        assert_eq!(parse_duration_ns("1h30m"), Some(5_400_000_000_000));
        assert_eq!(parse_duration_ns(" 2 seconds "), Some(2_000_000_000));
        assert_eq!(parse_duration_ns("1d"), Some(86_400_000_000_000));
        for bad in ["", "5", "5 fortnights", "s", "1.5s", "5sx", "99999999999h"] {
            assert_eq!(parse_duration_ns(bad), None, "{bad:?}");
        }
    }
}
