//! StatsD (etsy/statsd's README examples, tremor's examples) and DogStatsD (Datadog's
//! datagram format examples, tremor's examples): decoding, and encoding back to the same
//! line.

mod common;

use common::{codec, decode, encode, json};

fn table(name: &str, rows: &[(&str, &str)]) {
    let mut c = codec(name, "{}");
    for (line, want) in rows {
        let got = decode(&mut c, line.as_bytes(), 0)
            .unwrap_or_else(|e| panic!("{line:?}: {e}"))
            .unwrap_or_else(|| panic!("{line:?}: no event"));
        // JSON text tells integers from floats.
        assert_eq!(got.to_json(), json(want).to_json(), "{line:?}");
        let out = encode(&mut c, &got).unwrap_or_else(|e| panic!("{line:?}: {e}"));
        assert_eq!(String::from_utf8_lossy(&out), *line, "re-encoding {line:?}");
    }
}

#[test]
fn statsd_examples() {
    table(
        "statsd",
        &[
            ("gorets:1|c", r#"{"metric":"gorets","value":1,"type":"c"}"#),
            (
                "gorets:1|c|@0.1",
                r#"{"metric":"gorets","value":1,"type":"c","sample_rate":0.1}"#,
            ),
            (
                "glork:320|ms",
                r#"{"metric":"glork","value":320,"type":"ms"}"#,
            ),
            (
                "glork:320|ms|@0.1",
                r#"{"metric":"glork","value":320,"type":"ms","sample_rate":0.1}"#,
            ),
            (
                "gaugor:333|g",
                r#"{"metric":"gaugor","value":333,"type":"g"}"#,
            ),
            (
                "gaugor:-10|g",
                r#"{"metric":"gaugor","value":10,"type":"g","action":"sub"}"#,
            ),
            (
                "gaugor:+4|g",
                r#"{"metric":"gaugor","value":4,"type":"g","action":"add"}"#,
            ),
            (
                "uniques:765|s",
                r#"{"metric":"uniques","value":765,"type":"s"}"#,
            ),
            (
                "users:alice|s",
                r#"{"metric":"users","value":"alice","type":"s"}"#,
            ),
            (
                "horst:42.23|h",
                r#"{"metric":"horst","value":42.23,"type":"h"}"#,
            ),
            (
                "foo:1620649445.3351967|h",
                r#"{"metric":"foo","value":1620649445.3351967,"type":"h"}"#,
            ),
            ("delta:-5|c", r#"{"metric":"delta","value":-5,"type":"c"}"#),
            (
                "a.b-c_d:18446744073709551615|c",
                r#"{"metric":"a.b-c_d","value":18446744073709551615,"type":"c"}"#,
            ),
        ],
    );
}

#[test]
fn dogstatsd_examples() {
    table(
        "dogstatsd",
        &[
            (
                "dog:111|g|@0.5|#foo:bar,fizz:buzz|c:123abc",
                r#"{"metric":{"metric":"dog","values":[111.0],"type":"g","sample_rate":0.5,"tags":["foo:bar","fizz:buzz"],"container_id":"123abc"}}"#,
            ),
            (
                "dog:111:222:333:4.44|g|@0.5|#foo:bar,fizz:buzz|c:123abc",
                r#"{"metric":{"metric":"dog","values":[111.0,222.0,333.0,4.44],"type":"g","sample_rate":0.5,"tags":["foo:bar","fizz:buzz"],"container_id":"123abc"}}"#,
            ),
            ("page.views:1|c|#env:dev", r#"{"metric":{"metric":"page.views","values":[1.0],"type":"c","tags":["env:dev"]}}"#),
            ("fuel.level:0.5|g", r#"{"metric":{"metric":"fuel.level","values":[0.5],"type":"g"}}"#),
            ("song.length:240|h|@0.5", r#"{"metric":{"metric":"song.length","values":[240.0],"type":"h","sample_rate":0.5}}"#),
            ("users.uniques:1234|s", r#"{"metric":{"metric":"users.uniques","values":[1234.0],"type":"s"}}"#),
            ("request.latency:12|d|#route:/a", r#"{"metric":{"metric":"request.latency","values":[12.0],"type":"d","tags":["route:/a"]}}"#),
            (
                "page.views:15|c|#env:dev|T1656581400",
                r#"{"metric":{"metric":"page.views","values":[15.0],"type":"c","tags":["env:dev"],"timestamp":1656581400}}"#,
            ),
            (
                "_e{21,36}:An exception occurred|Cannot parse CSV file from 10.0.0.17|t:warning|#err_type:bad_file",
                r#"{"event":{"title":"An exception occurred","text":"Cannot parse CSV file from 10.0.0.17","type":"warning","tags":["err_type:bad_file"]}}"#,
            ),
            (
                "_e{5,12}:a|b|c|pipe|s|in it|d:1656581400|h:host1|k:agg|p:low|s:src|t:info|#a,b:c|c:cid",
                r#"{"event":{"title":"a|b|c","text":"pipe|s|in it","timestamp":1656581400,"hostname":"host1","aggregation_key":"agg","priority":"low","source":"src","type":"info","tags":["a","b:c"],"container_id":"cid"}}"#,
            ),
            (
                "_sc|Redis connection|2|#env:dev|m:Redis connection timed out after 10s",
                r#"{"service_check":{"name":"Redis connection","status":2,"tags":["env:dev"],"message":"Redis connection timed out after 10s"}}"#,
            ),
            (
                "_sc|db|0|d:1656581400|h:db1|m:ok | really",
                r#"{"service_check":{"name":"db","status":0,"timestamp":1656581400,"hostname":"db1","message":"ok | really"}}"#,
            ),
        ],
    );
}

#[test]
fn unicode_event_lengths_are_bytes() {
    let mut c = codec("dogstatsd", "{}");
    let line = "_e{6,2}:héllo|ü";
    let v = decode(&mut c, line.as_bytes(), 0).unwrap().unwrap();
    assert_eq!(v.to_json(), r#"{"event":{"title":"héllo","text":"ü"}}"#);
    // A length that cuts a character in half is an error, not a panic.
    assert!(decode(&mut c, "_e{2,1}:héllo|ü".as_bytes(), 0).is_err());
}

#[test]
fn encode_rejects_what_cannot_be_written() {
    let mut s = codec("statsd", "{}");
    for bad in [
        r#"{"metric":"a","value":1}"#,
        r#"{"metric":"a","value":1,"type":"x"}"#,
        r#"{"metric":"a:b","value":1,"type":"c"}"#,
        r#"{"metric":"a","value":"x","type":"c"}"#,
        r#"{"metric":"a","type":"c"}"#,
        r#"{"metric":"a","value":1,"type":"c","sample_rate":"x"}"#,
    ] {
        assert!(encode(&mut s, &json(bad)).is_err(), "{bad}");
    }
    let mut d = codec("dogstatsd", "{}");
    for bad in [
        r#"{"metric":{"metric":"a","values":[],"type":"c"}}"#,
        r#"{"metric":{"metric":"a","values":[1],"type":"c","tags":"x"}}"#,
        r#"{"event":{"title":"t"}}"#,
        r#"{"service_check":{"name":"n","status":4}}"#,
        r#"{"other":1}"#,
    ] {
        assert!(encode(&mut d, &json(bad)).is_err(), "{bad}");
    }
}
