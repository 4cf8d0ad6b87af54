use super::*;

fn run(fmt: &str, input: &str) -> Option<i64> {
    let d = Datetime::compile(fmt).unwrap_or_else(|e| panic!("{fmt}: {e}"));
    let v = d.extract(input).and_then(|v| v.as_i64());
    assert_eq!(d.is_match(input), v.is_some(), "{fmt} on {input:?}");
    v
}

#[test]
fn formats_table() {
    // Expected values from GNU `date -u -d ... +%s%N` and tremor's documented examples.
    let cases: &[(&str, &str, i64)] = &[
        (
            "%Y-%m-%d %H:%M:%S",
            "2019-06-20 00:00:00",
            1_560_988_800_000_000_000,
        ),
        (
            "%Y-%m-%d %H:%M",
            "2019-01-01 09:42",
            1_546_335_720_000_000_000,
        ),
        (
            "%Y-%m-%d %H:%M:%S%.f",
            "2000-02-29 23:59:59.123456789",
            951_868_799_123_456_789,
        ),
        (
            "%Y-%m-%d %H:%M:%S%.f",
            "2000-02-29 23:59:59",
            951_868_799_000_000_000,
        ),
        (
            "%Y-%m-%dT%H:%M:%S%.3f",
            "2000-02-29T23:59:59.123",
            951_868_799_123_000_000,
        ),
        ("%Y-%m-%d %H:%M:%S", "1969-12-31 23:59:59", -1_000_000_000),
        (
            "%Y-%m-%d %H:%M:%S%z",
            "2019-06-20 15:30:00+0200",
            1_561_037_400_000_000_000,
        ),
        (
            "%Y-%m-%d %H:%M:%S%:z",
            "2019-06-20 15:30:00+02:00",
            1_561_037_400_000_000_000,
        ),
        (
            "%Y-%m-%d %H:%M:%S %z",
            "2020-03-01 12:00:00 -0530",
            1_583_083_800_000_000_000,
        ),
        (
            "%Y-%m-%dT%H:%M:%S%#z",
            "2019-06-20T00:00:00Z",
            1_560_988_800_000_000_000,
        ),
        ("%F %T", "2024-12-31 00:00:00", 1_735_603_200_000_000_000),
        (
            "%Y-%m-%d %H:%M:%S",
            "1900-01-01 00:00:00",
            -2_208_988_800_000_000_000,
        ),
        // Syslog-style and Apache-style.
        (
            "%Y %b %e %H:%M:%S",
            "2019 Jul  7 10:51:24",
            1_562_496_684_000_000_000,
        ),
        (
            "%d/%b/%Y:%H:%M:%S %z",
            "10/Mar/2004:13:55:36 +0000",
            1_078_926_936_000_000_000,
        ),
        (
            "%A, %d %B %Y %H:%M:%S %Z",
            "Wednesday, 10 March 2004 13:55:36 GMT",
            1_078_926_936_000_000_000,
        ),
        (
            "%a %b %e %T %Y",
            "Wed Mar 10 13:55:36 2004",
            1_078_926_936_000_000_000,
        ),
        ("%c", "Wed Mar 10 13:55:36 2004", 1_078_926_936_000_000_000),
        // 12-hour clock.
        (
            "%Y-%m-%d %I:%M:%S %p",
            "2004-03-10 01:55:36 PM",
            1_078_926_936_000_000_000,
        ),
        (
            "%Y-%m-%d %I:%M %P",
            "2019-01-01 12:00 am",
            1_546_300_800_000_000_000,
        ),
        // Two-digit years, packed digits, day of year, epoch seconds.
        ("%D %R", "02/28/22 00:00", 1_646_006_400_000_000_000),
        ("%Y%m%d%H%M%S", "20040310135536", 1_078_926_936_000_000_000),
        ("%Y-%j %H:%M", "2022-059 00:00", 1_646_006_400_000_000_000),
        ("%s", "1078926936", 1_078_926_936_000_000_000),
        ("%s.%f", "1078926936.5", 1_078_926_936_500_000_000),
        ("%s", "-1", -1_000_000_000),
        // Whitespace in the format takes any run of whitespace.
        (
            "%Y-%m-%d %H:%M",
            "2019-01-01     09:42",
            1_546_335_720_000_000_000,
        ),
        (
            "%% %Y-%m-%d %H:%M",
            "% 2019-01-01 09:42",
            1_546_335_720_000_000_000,
        ),
    ];
    for (fmt, input, want) in cases {
        assert_eq!(run(fmt, input), Some(*want), "{fmt} on {input:?}");
    }
}

#[test]
fn malformed_input_does_not_match() {
    let fmt = "%Y-%m-%d %H:%M:%S";
    for input in [
        "",
        "snot",
        "123",
        "2019-06-20 00:00:71",
        "2019-06-20 24:00:00",
        "2019-13-01 00:00:00",
        "2019-02-29 00:00:00",
        "2019-04-31 00:00:00",
        "2019-06-20 00:00:00 extra",
        "2019-06-20 00:00",
        "20190-06-20 00:00:00",
        "2019-6-20 00:00:00x",
        "２０１９-06-20 00:00:00",
    ] {
        assert_eq!(run(fmt, input), None, "{input:?}");
    }
    assert_eq!(run("%Y-%m-%d %H:%M:%S%z", "2019-06-20 00:00:00+2500"), None);
    assert_eq!(run("%Y-%m-%d %I:%M %p", "2019-06-20 13:00 PM"), None);
    assert_eq!(run("%Y-%j %H:%M", "2019-366 00:00"), None);
    assert_eq!(run("%s", "99999999999999999999"), None);
    assert_eq!(run("%s", "9999999999999"), None);
    assert_eq!(run("%Y %b %d %H:%M", "2019 Foo 01 00:00"), None);
}

#[test]
fn bad_formats_are_compile_errors() {
    for (fmt, offset) in [
        ("%Y-%m-%d %H:%M %Q", Some(15)),
        ("%Y-%m-%d %H:%M %", Some(15)),
        ("%.4f %s", Some(0)),
        ("%:y %s", Some(0)),
    ] {
        let e = Datetime::compile(fmt).expect_err(fmt);
        assert_eq!(e.offset, offset, "{fmt}: {}", e.message);
    }
    // Formats that can never give a full timestamp.
    for fmt in ["%Y-%m-%d", "%H:%M:%S", "%Y-%m %H:%M", "%Y-%m-%d %I:%M", ""] {
        assert!(Datetime::compile(fmt).is_err(), "{fmt}");
    }
}
