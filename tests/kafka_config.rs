//! Kafka settings that cannot work are config errors with their position, found by
//! `sluice check` before anything starts; a broker nobody answers on is a run-time error
//! that is counted, never a crash.

mod common;

use std::process::Command;

fn check(config: &str) -> (bool, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("k.toml");
    std::fs::write(&path, config).expect("write");
    let out = Command::new(common::bin())
        .arg("check")
        .arg(&path)
        .output()
        .expect("sluice check");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const ISSUE_CONFIG: &str = r#"
[[sink]]
id = "k"
type = "kafka"
brokers = ["127.0.0.1:9092"]
topic = "logs"
codec = "json"

[[source]]
id = "kin"
type = "kafka"
brokers = ["127.0.0.1:9092"]
topics = ["logs"]
group_id = "sluice"
codec = "json"
pipeline = "main"

[[pipeline]]
id = "main"
out = ["k"]
"#;

#[test]
fn the_config_of_the_issue_is_valid_as_written() {
    let (ok, err) = check(ISSUE_CONFIG);
    assert!(ok, "{err}");
}

#[test]
fn bad_kafka_settings_are_positioned_errors() {
    let cases: &[(&str, &str, &str)] = &[
        (
            r#"compression = "lz4""#,
            r#"compression = "brotli""#,
            "unknown compression `brotli`",
        ),
        (
            r#"topic = "logs""#,
            r#"topic = "logs and more""#,
            "topic names use letters",
        ),
        (
            r#"brokers = ["127.0.0.1:9092"]
topic"#,
            r#"brokers = ["localhost"]
topic"#,
            "is not a broker address",
        ),
        (r#"group_id = "sluice""#, "", "needs `group_id`"),
        (
            r#"topics = ["logs"]"#,
            "topics = []",
            "the topic list is empty",
        ),
        (
            r#"compression = "lz4""#,
            r#"options = { "no.such.property" = "1" }"#,
            "librdkafka refuses",
        ),
        (
            r#"compression = "lz4""#,
            r#"options = { "security.protocol" = "sasl_ssl" }"#,
            "librdkafka refuses",
        ),
    ];
    let base = ISSUE_CONFIG.replace(
        r#"codec = "json"

[[source]]"#,
        r#"codec = "json"
compression = "lz4"

[[source]]"#,
    );
    for (from, to, want) in cases {
        assert!(base.contains(from), "{from}");
        let (ok, err) = check(&base.replacen(from, to, 1));
        assert!(!ok, "{to}: accepted");
        assert!(err.contains(want), "{to}: {err}");
        assert!(err.contains("k.toml:"), "positioned: {err}");
    }
    let (ok, err) = check(&format!(
        "{ISSUE_CONFIG}\n[[sink]]\nid = \"f\"\ntype = \"file\"\npath = \"/tmp/x\"\ntopic = \"t\"\n"
    ));
    assert!(!ok && err.contains("takes no `topic`"), "{err}");
}

#[test]
fn an_unreachable_broker_is_counted_not_fatal() {
    // Nothing listens on the port: the sink keeps retrying, the process stays up and stops
    // on request, and what it could not deliver is counted (not silently lost).
    let dead = common::free_port();
    let port = common::free_port();
    let s = common::Sluice::start(&format!(
        r#"
[shards]
shutdown_timeout = "2s"

[[source]]
id = "in"
type = "tcp"
listen = "127.0.0.1:{port}"
preprocessors = ["separate"]
pipeline = "main"

[[pipeline]]
id = "main"
out = ["k"]

[[sink]]
id = "k"
type = "kafka"
brokers = ["127.0.0.1:{dead}"]
topic = "logs"
"#
    ));
    common::send_tcp(port, &common::events(10, "dead"), 1);
    s.wait_metric("sluice_source_events_total{source=\"in\"}", 10.0, 30);
    let (exit, _) = s.stop();
    assert!(
        !exit.status.success(),
        "a shutdown that had to give up reports it"
    );
    assert!(
        exit.stderr.contains("not acknowledged") || exit.stderr.contains("shutdown"),
        "{}",
        exit.stderr
    );
}
