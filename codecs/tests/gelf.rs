//! GELF 1.1: the specification's example payload, its field rules, and encoding.

mod common;

use common::{codec, decode, encode, json};
use sluice_script::Value;

/// The example message of the GELF 1.1 specification.
const SPEC_EXAMPLE: &str = r#"{
  "version": "1.1",
  "host": "example.org",
  "short_message": "A short message that helps you identify what is going on",
  "full_message": "Backtrace here\n\nmore stuff",
  "timestamp": 1385053862.3072,
  "level": 1,
  "_user_id": 9001,
  "_some_info": "foo",
  "_some_env_var": "bar"
}"#;

#[test]
fn spec_example_decodes_as_given() {
    let mut c = codec("gelf", "{}");
    let v = decode(&mut c, SPEC_EXAMPLE.as_bytes(), 7).unwrap().unwrap();
    assert_eq!(v, json(SPEC_EXAMPLE));
    assert_eq!(v.get("_user_id").and_then(Value::as_i64), Some(9001));
    assert_eq!(
        v.get("timestamp").and_then(Value::as_f64),
        Some(1_385_053_862.307_2)
    );
}

#[test]
fn missing_timestamp_is_filled_from_ingest_time_and_id_dropped() {
    let msg = br#"{"version":"1.1","host":"h","short_message":"m","_id":"x","_a.b-c":true}"#;
    let mut c = codec("gelf", "{}");
    let v = decode(&mut c, msg, 1_500_000_000_250_000_000)
        .unwrap()
        .unwrap();
    assert_eq!(
        v.get("timestamp").and_then(Value::as_f64),
        Some(1_500_000_000.25)
    );
    assert!(v.get("_id").is_none());
    assert_eq!(v.get("_a.b-c").and_then(Value::as_bool), Some(true));
    let mut c = codec("gelf", r#"{"fill_timestamp":false}"#);
    let v = decode(&mut c, msg, 1).unwrap().unwrap();
    assert!(v.get("timestamp").is_none());
}

#[test]
fn spec_rules_are_enforced() {
    let mut c = codec("gelf", "{}");
    for bad in [
        r#"{"host":"h","short_message":"m"}"#,
        r#"{"version":"1.1","short_message":"m"}"#,
        r#"{"version":"1.1","host":"h"}"#,
        r#"{"version":1.1,"host":"h","short_message":"m"}"#,
        r#"{"version":"2.0","host":"h","short_message":"m"}"#,
        r#"{"version":"1.1","host":7,"short_message":"m"}"#,
        r#"{"version":"1.1","host":"h","short_message":["m"]}"#,
        r#"{"version":"1.1","host":"h","short_message":"m","full_message":{}}"#,
        r#"{"version":"1.1","host":"h","short_message":"m","timestamp":"now"}"#,
        r#"{"version":"1.1","host":"h","short_message":"m","level":8}"#,
        r#"{"version":"1.1","host":"h","short_message":"m","level":"1"}"#,
        r#"{"version":"1.1","host":"h","short_message":"m","_bad key":1}"#,
        r#"["version","1.1"]"#,
    ] {
        let e = decode(&mut c, bad.as_bytes(), 0).expect_err(bad);
        assert_eq!(e.kind(), "decode", "{bad}");
    }
}

#[test]
fn encodes_gelf_1_1() {
    let mut c = codec("gelf", "{}");
    let out = encode(&mut c, &json(SPEC_EXAMPLE)).unwrap();
    assert_eq!(json(std::str::from_utf8(&out).unwrap()), json(SPEC_EXAMPLE));
    let v = json(
        r#"{"host":"h","short_message":"m","level":3,"user":"bob","_n":1,"tags":["a","b"],"ctx":{"k":1},"gone":null}"#,
    );
    let out = encode(&mut c, &v).unwrap();
    assert_eq!(
        std::str::from_utf8(&out).unwrap(),
        r#"{"version":"1.1","host":"h","short_message":"m","level":3,"_user":"bob","_n":1,"_tags":"[\"a\",\"b\"]","_ctx":"{\"k\":1}"}"#
    );
    for bad in [
        r#"{"short_message":"m"}"#,
        r#"{"host":"h"}"#,
        r#"{"host":"h","short_message":"m","id":1}"#,
        r#"{"host":"h","short_message":"m","_id":1}"#,
        r#"{"host":"h","short_message":"m","bad key":1}"#,
        r#"{"host":"h","short_message":"m","level":9}"#,
        r#"{"host":"h","short_message":"m","timestamp":"x"}"#,
        r#""text""#,
    ] {
        assert!(encode(&mut c, &json(bad)).is_err(), "{bad}");
    }
}
