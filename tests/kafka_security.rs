//! Kafka over TLS and SASL, against the real tansu broker (TLS terminated in front of it,
//! see `kafka_support::secure` for why) and real librdkafka clients on both sides: round
//! trips through Sluice's sink and source with `tls` and `sasl` tables, and what a wrong
//! password or an unknown CA does (a clear log line, counted errors, events to `err`, no
//! panic, no silent loss).

mod common;
mod kafka_support;
mod tls_common;

use std::collections::BTreeSet;

use common::{events, free_port, metric, send_tcp, Sluice};
use kafka_support::secure::{start_scram, start_tls};
use kafka_support::{produce_with, read_json, Broker, Reader};

const PASSWORD: &str = "s3cret-Pa55";
const TOPICS: &[(&str, u32)] = &[("to", 2), ("from", 2)];

/// TCP -> kafka sink `k` -> topic `to` ; topic `from` -> kafka source `kin` -> `out.jsonl`;
/// failures of `k` go to `dead.jsonl`. `sec` is the connectors' `tls`/`sasl` lines.
fn config(broker: &str, port: u16, sink_sec: &str, source_sec: &str) -> String {
    format!(
        r#"
[shards]
ingest = [0]
sink = [0]

[[source]]
id = "in"
type = "tcp"
listen = "127.0.0.1:{port}"
preprocessors = ["separate"]
codec = "json"
pipeline = "to_kafka"

[[pipeline]]
id = "to_kafka"
out = ["k"]
err = ["dead"]

[[sink]]
id = "k"
type = "kafka"
brokers = ["{broker}"]
topic = "to"
codec = "json"
delivery_timeout = "4s"
{sink_sec}

[[source]]
id = "kin"
type = "kafka"
brokers = ["{broker}"]
topics = ["from"]
group_id = "sec"
codec = "json"
pipeline = "from_kafka"
{source_sec}

[[pipeline]]
id = "from_kafka"
out = ["out"]

[[sink]]
id = "out"
type = "file"
path = "{{dir}}/out.jsonl"
postprocessors = ["separate"]
flush_interval = "100ms"

[[sink]]
id = "dead"
type = "file"
path = "{{dir}}/dead.jsonl"
postprocessors = ["separate"]
flush_interval = "100ms"
"#
    )
}

fn seqs(lines: &[String]) -> BTreeSet<u64> {
    lines
        .iter()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok()?["seq"].as_u64())
        .collect()
}

/// Sends `n` events into the sink, `n` records into the source's topic (with the test's
/// own client, over the same TLS/SASL), and checks both sides arrived whole.
fn round_trip(broker: &Broker, sink_sec: &str, source_sec: &str) {
    if !broker.auth {
        broker.create_topic("to", 2);
        broker.create_topic("from", 2);
    }
    let port = free_port();
    let s = Sluice::start(&config(&broker.addr(), port, sink_sec, source_sec));
    let n = 2000;
    send_tcp(port, &events(n, "to"), 1);
    produce_with(&broker.addr(), &broker.props, "from", &events(n, "from"));
    s.wait_metric("sluice_sink_events_total{sink=\"k\"}", n as f64, 60);
    s.wait_metric("sluice_sink_events_total{sink=\"out\"}", n as f64, 60);
    let on_broker = Reader::with(&broker.addr(), &broker.props, "to").read(n, 60);
    let text = s.metrics();
    let (exit, dir) = s.stop();
    assert!(exit.status.success(), "sluice failed: {}", exit.stderr);
    let want: BTreeSet<u64> = (0..n as u64).collect();
    assert_eq!(seqs(&on_broker), want, "the sink delivered every event");
    let got = read_json(&dir.path().join("out.jsonl"));
    let got: BTreeSet<u64> = got.iter().filter_map(|v| v["seq"].as_u64()).collect();
    assert_eq!(got, want, "the source read every record");
    for m in [
        "sluice_sink_errors_total{sink=\"k\"}",
        "sluice_sink_events_total{sink=\"dead\"}",
    ] {
        assert_eq!(metric(&text, m).unwrap_or(0.0), 0.0, "{m}");
    }
    assert_eq!(metric(&text, "sluice_sink_up{sink=\"k\"}"), Some(1.0));
    // The password never reaches the log (librdkafka's own lines included).
    assert!(
        !exit.stderr.contains(PASSWORD),
        "password in the log: {}",
        exit.stderr
    );
}

#[test]
fn tls_with_a_client_certificate_round_trips_through_sink_and_source() {
    let pki = tempfile::tempdir().expect("tempdir");
    tls_common::pki(pki.path());
    let broker = start_tls(pki.path(), true);
    let p = pki.path().display();
    let tls = format!(
        r#"tls = {{ ca = "{p}/ca.pem", cert = "{p}/client.pem", key = "{p}/client.key" }}"#
    );
    round_trip(&broker, &tls, &tls);
}

#[test]
fn scram_over_tls_round_trips_through_sink_and_source() {
    let pki = tempfile::tempdir().expect("tempdir");
    tls_common::pki(pki.path());
    let broker = start_scram(&[("sluice", PASSWORD, false)], TOPICS, Some(pki.path()));
    let sec = format!(
        r#"tls = {{ ca = "{}/ca.pem" }}
sasl = {{ mechanism = "SCRAM-SHA-256", username = "sluice", password = "{PASSWORD}" }}"#,
        pki.path().display()
    );
    round_trip(&broker, &sec, &sec);
}

#[test]
fn scram_sha_512_without_tls_round_trips_through_sink_and_source() {
    let broker = start_scram(&[("sluice", PASSWORD, true)], TOPICS, None);
    let sec = format!(
        r#"sasl = {{ mechanism = "SCRAM-SHA-512", username = "sluice", password = "{PASSWORD}" }}"#
    );
    round_trip(&broker, &sec, &sec);
}

/// Waits until `name{labels}` is at least 1; returns the metrics text.
fn wait_counted(s: &Sluice, m: &str) -> String {
    let v = s.wait_metric(m, 1.0, 60);
    assert!(v >= 1.0, "{m} stayed at {v}:\n{}", s.metrics());
    s.metrics()
}

/// A refused sink shows `up` 0 (it cannot deliver), and librdkafka's own lines for the
/// retried handshake or login are let through once per 10 s per facility and connector,
/// not once per retry (librdkafka retries several times a second; these runs last 10-30 s,
/// so at most 4 periods for each of the two connectors).
fn assert_quiet_and_down(metrics: &str, log: &str) {
    assert_eq!(
        metric(metrics, "sluice_sink_up{sink=\"k\"}"),
        Some(0.0),
        "a refused sink is not up:\n{metrics}"
    );
    let fails = log
        .lines()
        .filter(|l| l.contains("librdkafka:") && l.contains("facility=\"FAIL\""))
        .count();
    assert!(
        fails >= 1,
        "librdkafka's FAIL line was not logged at all: {log}"
    );
    assert!(fails <= 8, "{fails} FAIL lines: not rate-limited: {log}");
}

/// Runs Sluice with `sec` on both Kafka connectors against `broker`, which refuses it:
/// sends `n` events, waits for both connectors' errors (`sink_err`, `source_err`) and for
/// every event to reach `err` (after `delivery_timeout`), stops cleanly, and checks the sink
/// is down and librdkafka's lines rate-limited. Returns the last metrics, the log and the
/// `err` sink's lines (every event, by its raw text).
fn refused_run(
    broker: &Broker,
    sec: &str,
    n: usize,
    sink_err: &str,
    source_err: &str,
) -> (String, String, Vec<serde_json::Value>) {
    let port = free_port();
    let s = Sluice::start(&config(&broker.addr(), port, sec, sec));
    send_tcp(port, &events(n, "to"), 1);
    wait_counted(&s, sink_err);
    wait_counted(&s, source_err);
    s.wait_metric("sluice_sink_events_total{sink=\"dead\"}", n as f64, 60);
    let text = s.metrics();
    let (exit, dir) = s.stop();
    assert!(exit.status.success(), "sluice failed: {}", exit.stderr);
    // A pipe gets plain text (tests/logging.rs), so the log is matched as it is.
    let log = exit.stderr;
    assert!(!log.contains("panicked"), "{log}");
    assert_quiet_and_down(&text, &log);
    let dead = read_json(&dir.path().join("dead.jsonl"));
    let raw: Vec<String> = dead
        .iter()
        .filter_map(|v| v["raw"].as_str().map(str::to_string))
        .collect();
    assert_eq!(seqs(&raw), (0..n as u64).collect(), "every event in err");
    (text, log, dead)
}

/// Sluice logs in with `PASSWORD` as `sluice` and is refused: `why` is what the broker
/// answered. The sink's events end in `err`, the source reads nothing, both count and log.
fn refused_login(broker: &Broker, why: &str) {
    let n = 500;
    let sasl = format!(
        r#"sasl = {{ mechanism = "SCRAM-SHA-256", username = "sluice", password = "{PASSWORD}" }}"#
    );
    // The producer's refused logins are sink errors; the consumer's are source errors of
    // kind `auth`.
    let (text, log, dead) = refused_run(
        broker,
        &sasl,
        n,
        "sluice_sink_errors_total{sink=\"k\"}",
        "sluice_source_errors_total{source=\"kin\",kind=\"auth\"}",
    );
    for (m, want) in [
        ("sluice_sink_events_total{sink=\"k\"}", 0.0),
        ("sluice_sink_events_total{sink=\"out\"}", 0.0),
        ("sluice_sink_events_total{sink=\"dead\"}", n as f64),
    ] {
        assert_eq!(metric(&text, m).unwrap_or(0.0), want, "{m}");
    }
    let msg = dead[0]["error"]["message"].as_str().unwrap_or_default();
    assert!(msg.contains("kafka sink `k`"), "{msg}");
    // The log says what went wrong, by connector, and never the password.
    let answer = format!("SASL SCRAM authentication failed: broker responded with {why}");
    for want in [
        "kafka client error sink=k kind=\"auth\"",
        "kafka consumer error source=kin kind=\"auth\"",
        answer.as_str(),
    ] {
        assert!(log.contains(want), "no `{want}` in the log: {log}");
    }
    assert!(!log.contains(PASSWORD), "password in the log: {log}");
}

#[test]
fn an_unknown_user_is_refused_counted_logged_and_its_events_go_to_err() {
    // The in-memory store knows no users (`kafka_support::secure`).
    let broker = Broker::start_with(None, true);
    refused_login(&broker, "unknown-user");
}

#[test]
fn a_wrong_password_is_refused_counted_logged_and_nothing_is_lost() {
    let broker = start_scram(&[("sluice", "another-password", false)], TOPICS, None);
    let n = 300;
    produce_with(&broker.addr(), &broker.props, "from", &events(n, "from"));
    refused_login(&broker, "invalid-proof");
    // The source read nothing and committed nothing: a reader in its group (with the
    // right login) still gets every record.
    let mut props = broker.props.clone();
    props.push(("group.id".into(), "sec".into()));
    let left = Reader::with(&broker.addr(), &props, "from").read(n, 60);
    assert_eq!(seqs(&left), (0..n as u64).collect());
}

#[test]
fn an_unknown_ca_is_a_tls_error_and_its_events_go_to_err() {
    let pki = tempfile::tempdir().expect("tempdir");
    tls_common::pki(pki.path());
    let other = tempfile::tempdir().expect("tempdir");
    tls_common::pki(other.path());
    let broker = start_tls(pki.path(), false);
    broker.create_topic("to", 2);
    broker.create_topic("from", 2);
    let n = 500;
    produce_with(&broker.addr(), &broker.props, "from", &events(n, "from"));
    // Both connectors trust a CA that did not sign the broker's certificate.
    let tls = format!(r#"tls = {{ ca = "{}/ca.pem" }}"#, other.path().display());
    let (_, log, _) = refused_run(
        &broker,
        &tls,
        n,
        "sluice_sink_errors_total{sink=\"k\",kind=\"tls\"}",
        "sluice_source_errors_total{source=\"kin\",kind=\"tls\"}",
    );
    assert!(
        log.contains("certificate verify failed"),
        "the log does not say why: {log}"
    );
    assert!(
        log.contains("kafka client error sink=k kind=\"tls\""),
        "{log}"
    );
    assert!(
        log.contains("kafka consumer error source=kin kind=\"tls\""),
        "{log}"
    );
}
