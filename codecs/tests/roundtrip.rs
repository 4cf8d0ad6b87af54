//! Round trips: generate valid events, encode, decode, compare, for every codec. Values
//! compare strictly (an integer stays an integer, `U64` stays `U64`).

mod common;

use std::collections::BTreeMap;

use proptest::prelude::*;
use sluice_script::{Record, Value};

/// Same variants all the way down (numbers do not compare across types here).
fn strict_eq(a: &Value<'_>, b: &Value<'_>) -> bool {
    match (a, b) {
        (Value::I64(x), Value::I64(y)) => x == y,
        (Value::U64(x), Value::U64(y)) => x == y,
        (Value::F64(x), Value::F64(y)) => x.to_bits() == y.to_bits(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| strict_eq(p, q))
        }
        (Value::Record(x), Value::Record(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| strict_eq(v, w)))
        }
        (x, y) => x == y,
    }
}

fn round_trip(
    name: &str,
    options: &str,
    v: &Value<'_>,
    ingest_ns: u64,
) -> Result<(), TestCaseError> {
    let mut c = common::codec(name, options);
    let bytes =
        common::encode(&mut c, v).map_err(|e| TestCaseError::fail(format!("encode {v}: {e}")))?;
    let back = common::decode(&mut c, &bytes, ingest_ns)
        .map_err(|e| {
            TestCaseError::fail(format!("decode {:?}: {e}", String::from_utf8_lossy(&bytes)))
        })?
        .ok_or_else(|| TestCaseError::fail("no event"))?;
    prop_assert!(
        strict_eq(&back, v),
        "{:?}\n sent: {v}\n back: {back}",
        String::from_utf8_lossy(&bytes)
    );
    Ok(())
}

fn rec<K: Into<String>>(pairs: Vec<(K, Value<'static>)>) -> Value<'static> {
    Value::Record(
        pairs
            .into_iter()
            .map(|(k, v)| (k.into(), v))
            .collect::<Record<'static>>(),
    )
}

fn strings(m: BTreeMap<String, String>) -> Value<'static> {
    Value::Record(m.into_iter().map(|(k, v)| (k, Value::from(v))).collect())
}

/// Names the line protocol can carry: no control characters, no trailing backslash.
const INFLUX_NAME: &str = r"[^\x00-\x1f\x7f#][^\x00-\x1f\x7f]{0,12}[^\x00-\x1f\x7f\\]|[a-z]";

fn influx_field() -> impl Strategy<Value = Value<'static>> {
    prop_oneof![
        any::<i64>().prop_map(Value::I64),
        any::<u64>().prop_map(Value::U64),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::F64),
        any::<bool>().prop_map(Value::Bool),
        ".{0,20}".prop_map(Value::from),
    ]
}

const FACILITIES: [&str; 24] = [
    "kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron", "authpriv",
    "ftp", "ntp", "audit", "alert", "clockd", "local0", "local1", "local2", "local3", "local4",
    "local5", "local6", "local7",
];
const SEVERITIES: [&str; 8] = [
    "emerg", "alert", "crit", "err", "warning", "notice", "info", "debug",
];

/// RFC 5424 header field: printable US-ASCII, not the NILVALUE.
fn header(max: usize) -> impl Strategy<Value = String> {
    proptest::string::string_regex(&format!("[!-~]{{1,{max}}}"))
        .expect("regex")
        .prop_filter("not NILVALUE", |s| s != "-")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn influx(
        measurement in INFLUX_NAME,
        tags in prop::collection::btree_map(INFLUX_NAME, INFLUX_NAME, 0..4),
        fields in prop::collection::btree_map(INFLUX_NAME, influx_field(), 1..5),
        ts in any::<i64>(),
        precision in prop::sample::select(vec![("ns", 1i64), ("us", 1_000), ("ms", 1_000_000), ("s", 1_000_000_000)]),
    ) {
        let v = rec(vec![
            ("measurement", Value::from(measurement)),
            ("tags", strings(tags)),
            ("fields", Value::Record(fields.into_iter().collect())),
            ("timestamp", Value::I64(ts / precision.1 * precision.1)),
        ]);
        round_trip("influx", &format!(r#"{{"precision":"{}"}}"#, precision.0), &v, 0)?;
    }

    #[test]
    fn syslog_rfc5424(
        fac in 0usize..24, sev in 0usize..8, version in 1i64..1000,
        ts in prop::option::of(-2_208_988_800_000_000i64..7_258_118_400_000_000),
        hostname in prop::option::of(header(255)),
        appname in prop::option::of(header(48)),
        procid in prop::option::of(header(128)),
        msgid in prop::option::of(header(32)),
        sd in prop::option::of(prop::collection::btree_map(
            "[a-zA-Z0-9@._-]{1,32}",
            prop::collection::vec(("[a-zA-Z0-9._-]{1,32}", ".{0,12}"), 0..3),
            1..3,
        )),
        msg in "([^\u{feff}].{0,40}[^\n\r\0])?",
    ) {
        let mut pairs = vec![
            ("facility", Value::from(FACILITIES[fac])),
            ("severity", Value::from(SEVERITIES[sev])),
            ("protocol", Value::from("RFC5424")),
            ("protocol_version", Value::I64(version)),
        ];
        if let Some(ts) = ts {
            pairs.push(("timestamp", Value::I64(ts * 1000)));
        }
        for (k, v) in [("hostname", hostname), ("appname", appname), ("procid", procid), ("msgid", msgid)] {
            if let Some(v) = v {
                pairs.push((k, Value::from(v)));
            }
        }
        if let Some(sd) = sd {
            let sd: Record<'static> = sd.into_iter().map(|(id, params)| {
                let list = params.into_iter().map(|(k, v)| rec(vec![(k, Value::from(v))])).collect();
                (id, Value::Array(list))
            }).collect();
            pairs.push(("structured_data", Value::Record(sd)));
        }
        if !msg.is_empty() {
            pairs.push(("msg", Value::from(msg)));
        }
        round_trip("syslog", "{}", &rec(pairs), 0)?;
    }

    #[test]
    fn syslog_rfc3164(
        fac in 0usize..24, sev in 0usize..8,
        secs in 31_536_000i64..7_258_118_400,
        hostname in "[a-zA-Z0-9.-]{1,20}",
        tag in prop::option::of(("[a-zA-Z0-9_./-]{1,20}", prop::option::of("[0-9]{1,7}"))),
        msg in "([a-z]{1,8}( [ -~]{0,30})?)?",
    ) {
        let mut pairs = vec![
            ("facility", Value::from(FACILITIES[fac])),
            ("severity", Value::from(SEVERITIES[sev])),
            ("protocol", Value::from("RFC3164")),
            ("timestamp", Value::I64(secs * 1_000_000_000)),
            ("hostname", Value::from(hostname)),
        ];
        if let Some((app, pid)) = tag {
            pairs.push(("appname", Value::from(app)));
            if let Some(pid) = pid {
                pairs.push(("procid", Value::from(pid)));
            }
        }
        if !msg.is_empty() {
            pairs.push(("msg", Value::from(msg)));
        }
        // Year-less timestamps resolve against the ingest clock: read them back "now".
        let now = u64::try_from(secs).unwrap_or(0) * 1_000_000_000;
        round_trip("syslog", "{}", &rec(pairs), now)?;
    }

    #[test]
    fn gelf(
        host in ".{0,20}", short in ".{0,40}", full in prop::option::of(".{0,40}"),
        ts in -1e10f64..1e10, level in prop::option::of(0i64..8),
        extra in prop::collection::btree_map("[a-zA-Z0-9_.-]{1,10}", prop_oneof![
            ".{0,10}".prop_map(Value::from),
            any::<i64>().prop_map(Value::I64),
            any::<bool>().prop_map(Value::Bool),
            (-1e300f64..1e300).prop_map(Value::F64),
        ], 0..4),
    ) {
        let mut pairs = vec![
            ("version", Value::from("1.1")),
            ("host", Value::from(host)),
            ("short_message", Value::from(short)),
            ("timestamp", Value::F64(ts)),
        ];
        if let Some(f) = full {
            pairs.push(("full_message", Value::from(f)));
        }
        if let Some(l) = level {
            pairs.push(("level", Value::I64(l)));
        }
        let mut v = rec(pairs);
        for (k, x) in extra {
            if k != "id" {
                v.insert(format!("_{k}"), x);
            }
        }
        round_trip("gelf", "{}", &v, 0)?;
    }

    #[test]
    fn statsd(
        name in "[a-zA-Z0-9._-]{1,20}",
        kind in prop::sample::select(vec!["c", "ms", "h", "s", "g"]),
        value in prop_oneof![
            any::<u64>().prop_map(Value::from),
            any::<i64>().prop_map(Value::I64),
            (0.0f64..1e9).prop_filter("fraction", |f| f.fract() != 0.0).prop_map(Value::F64),
        ],
        action in prop::option::of(prop::sample::select(vec!["add", "sub"])),
        rate in prop::option::of((1u32..=1000).prop_map(|r| f64::from(r) / 1000.0)),
    ) {
        let mut pairs = vec![("metric", Value::from(name)), ("type", Value::from(kind))];
        if kind == "g" {
            // Gauges carry a sign only as a relative change.
            let magnitude = match value {
                Value::I64(i) => Value::from(i.unsigned_abs()),
                other => other,
            };
            pairs.push(("value", magnitude));
            if let Some(a) = action {
                pairs.push(("action", Value::from(a)));
            }
        } else {
            pairs.push(("value", value));
        }
        if let Some(r) = rate {
            pairs.push(("sample_rate", Value::F64(r)));
        }
        round_trip("statsd", "{}", &rec(pairs), 0)?;
    }

    #[test]
    fn dogstatsd(
        which in 0..3u8,
        name in "[a-zA-Z0-9._-]{1,20}",
        kind in prop::sample::select(vec!["c", "ms", "h", "s", "g", "d"]),
        values in prop::collection::vec(-1e12f64..1e12, 1..4),
        text in "[^\n\r]{0,30}",
        word in "[^|\n\r,]{1,12}",
        tags in prop::option::of(prop::collection::vec("[^|\n\r,]{1,12}", 1..4)),
        ts in prop::option::of(0i64..4_000_000_000),
        status in 0i64..4,
    ) {
        let tags = tags.map(|t| Value::Array(t.into_iter().map(Value::from).collect()));
        let mut pairs: Vec<(&str, Value<'static>)> = match which {
            0 => vec![
                ("metric", Value::from(name)),
                ("values", Value::Array(values.into_iter().map(Value::F64).collect())),
                ("type", Value::from(kind)),
                ("container_id", Value::from(word.clone())),
            ],
            1 => vec![
                ("title", Value::from(word.clone())),
                ("text", Value::from(text.clone())),
                ("hostname", Value::from(word.clone())),
                ("priority", Value::from("low")),
            ],
            _ => vec![
                ("name", Value::from(word.clone())),
                ("status", Value::I64(status)),
                ("message", Value::from(text.clone())),
            ],
        };
        if let Some(t) = tags {
            pairs.push(("tags", t));
        }
        if let Some(ts) = ts {
            pairs.push(("timestamp", Value::I64(ts)));
        }
        let key = ["metric", "event", "service_check"][usize::from(which)];
        round_trip("dogstatsd", "{}", &rec(vec![(key, rec(pairs))]), 0)?;
    }

    #[test]
    fn csv(row in prop::collection::vec(".{0,12}", 1..6), sep in prop::sample::select(vec![",", ";", "\t", "|"])) {
        prop_assume!(!(row.len() == 1 && row[0].is_empty()));
        let v = Value::Array(row.into_iter().map(Value::from).collect());
        round_trip("csv", &format!(r#"{{"separator":"{}"}}"#, sep.escape_default()), &v, 0)?;
    }
}
