//! Bytes captured from real senders (`tests/fixtures/capture.py` says how): Python's
//! `SysLogHandler`, util-linux `logger` in both formats, PyPI `pygelf`, and the line protocol
//! PyPI `influxdb-client` writes.

mod common;

use common::{codec, decode, json};
use sluice_script::Value;

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// 2026-11-29T01:31:30Z, just after the capture: year-less timestamps resolve to 2026.
const CAPTURED: u64 = 1_795_915_890_000_000_000;

#[test]
fn python_syslog_handler() {
    let mut c = codec("syslog", "{}");
    let v = decode(&mut c, &fixture("python_sysloghandler_0.bin"), CAPTURED)
        .unwrap()
        .unwrap();
    // LOG_USER (1) * 8 + warning (4) = 12; NUL terminator dropped.
    assert_eq!(
        v,
        json(
            r#"{"facility":"user","severity":"warning","protocol":"RFC3164","msg":"disk almost full: 91%"}"#
        )
    );
    let v = decode(&mut c, &fixture("python_sysloghandler_1.bin"), CAPTURED)
        .unwrap()
        .unwrap();
    assert_eq!(
        v,
        json(
            r#"{"facility":"user","severity":"err","protocol":"RFC3164","appname":"myapp","procid":"4242","msg":"ERROR connection refused"}"#
        )
    );
}

#[test]
fn util_linux_logger() {
    let mut c = codec("syslog", "{}");
    let v = decode(&mut c, &fixture("logger_0.bin"), CAPTURED)
        .unwrap()
        .unwrap();
    assert_eq!(
        v,
        json(
            r#"{"facility":"local4","severity":"notice","protocol":"RFC5424","protocol_version":1,
                "timestamp":1795915889158678000,"hostname":"vm","appname":"backup","msgid":"ID47",
                "structured_data":{"timeQuality":[{"tzKnown":"1"},{"isSynced":"0"}],"zoo@32473":[{"tiger":"hungry"}]},
                "msg":"nightly backup done"}"#
        )
    );
    let v = decode(&mut c, &fixture("logger_1.bin"), CAPTURED)
        .unwrap()
        .unwrap();
    assert_eq!(
        v,
        json(
            r#"{"facility":"cron","severity":"info","protocol":"RFC3164","timestamp":1795915889000000000,
                "hostname":"vm","appname":"cron","procid":"777","msg":"job started"}"#
        )
    );
}

#[test]
fn pygelf() {
    let mut c = codec("gelf", "{}");
    let v = decode(&mut c, &fixture("pygelf_0.bin"), 0)
        .unwrap()
        .unwrap();
    assert_eq!(
        v.get("short_message").and_then(Value::as_str),
        Some("invoice created")
    );
    assert_eq!(v.get("level").and_then(Value::as_i64), Some(6));
    assert_eq!(v.get("_invoice_id").and_then(Value::as_i64), Some(1234));
    assert_eq!(v.get("_service").and_then(Value::as_str), Some("billing"));
    let v = decode(&mut c, &fixture("pygelf_1.bin"), 0)
        .unwrap()
        .unwrap();
    let full = v
        .get("full_message")
        .and_then(Value::as_str)
        .unwrap_or_default();
    assert!(
        full.starts_with("Traceback") && full.contains("ValueError: bad total"),
        "{full}"
    );
    assert_eq!(v.get("level").and_then(Value::as_i64), Some(3));
}

#[test]
fn influxdb_client() {
    let mut c = codec("influx", r#"{"precision":"s"}"#);
    let v = decode(&mut c, &fixture("influxdb_client_0.bin"), 0)
        .unwrap()
        .unwrap();
    assert_eq!(
        v.to_json(),
        r#"{"measurement":"h2o_feet","tags":{"location":"coyote creek"},"fields":{"level description":"between 6 and 9 \"feet\"","water_level":8.12},"timestamp":1566000000000000000}"#
    );
    let mut c = codec("influx", "{}");
    let v = decode(&mut c, &fixture("influxdb_client_1.bin"), 0)
        .unwrap()
        .unwrap();
    assert_eq!(
        v.to_json(),
        r#"{"measurement":"cpu,load","tags":{"host":"server=01"},"fields":{"ok":true,"usage":42},"timestamp":1566000000123456789}"#
    );
}
