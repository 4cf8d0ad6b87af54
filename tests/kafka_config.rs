//! Kafka settings that cannot work are config errors with their position, found by
//! `sluice check` before anything starts; a broker nobody answers on is a run-time error
//! that is counted, never a crash.

mod common;
mod tls_common;

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

/// `tls` and `sasl` on both connectors: what cannot work is refused by `sluice check`,
/// at the line of the table that says it (librdkafka's own checks of the SASL settings
/// and of the CA, certificate and key files included).
#[test]
fn bad_tls_and_sasl_settings_are_positioned_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().display().to_string();
    std::fs::write(dir.path().join("junk.pem"), "not a certificate\n").expect("write");
    let good = format!(
        "tls = {{ ca = \"{d}/ca.pem\" }}\nsasl = {{ mechanism = \"SCRAM-SHA-256\", username = \"u\", password = \"hunter2\" }}"
    );
    let pki = dir.path();
    crate::tls_common::pki(pki);
    let with = |sink: &str, source: &str| {
        ISSUE_CONFIG
            .replacen(
                "topic = \"logs\"\ncodec = \"json\"",
                &format!("topic = \"logs\"\ncodec = \"json\"\n{sink}"),
                1,
            )
            .replacen(
                "group_id = \"sluice\"",
                &format!("group_id = \"sluice\"\n{source}"),
                1,
            )
    };
    let (ok, err) = check(&with(&good, &good));
    assert!(ok, "{err}");
    let (ok, err) = check(&with(
        &format!("tls = {{ ca = \"{d}/ca.pem\", cert = \"{d}/client.pem\", key = \"{d}/client.key\" }}"),
        "options = { \"security.protocol\" = \"sasl_plaintext\", \"sasl.mechanism\" = \"SCRAM-SHA-512\", \"sasl.username\" = \"u\", \"sasl.password\" = \"p\" }",
    ));
    assert!(
        ok,
        "a client certificate, and SASL through `options`: {err}"
    );
    let cases: Vec<(String, String, &str, &str)> = vec![
        (
            "sasl = { mechanism = \"SCRAM-SHA-265\", username = \"u\", password = \"p\" }".into(),
            String::new(),
            "sink.k.sasl.mechanism",
            "did you mean `SCRAM-SHA-256`?",
        ),
        (
            "sasl = { mechanism = \"GSSAPI\", username = \"u\", password = \"p\" }".into(),
            String::new(),
            "sink.k.sasl.mechanism",
            "no Kerberos",
        ),
        (
            String::new(),
            "sasl = { mechanism = \"PLAIN\", username = \"u\" }".into(),
            // A serde error: positioned at the table, without the key path.
            "k.toml:",
            "missing field `password`",
        ),
        (
            format!("tls = {{ ca = \"{d}/no-such.pem\" }}"),
            String::new(),
            "sink.k.tls.ca",
            "is not a readable file",
        ),
        (
            String::new(),
            format!("tls = {{ ca = \"{d}/junk.pem\" }}"),
            "source.kin.tls",
            "ssl.ca.location failed",
        ),
        (
            format!("tls = {{ cert = \"{d}/client.pem\", key = \"{d}/ca.key\" }}"),
            String::new(),
            "sink.k.tls",
            "librdkafka refuses",
        ),
        (
            format!("tls = {{ cert = \"{d}/client.pem\" }}"),
            String::new(),
            "sink.k.tls",
            "needs both `cert` and `key`",
        ),
        (
            "tls = { server_name = \"kafka\" }".into(),
            String::new(),
            "sink.k.tls.server_name",
            "takes no `tls.server_name`",
        ),
        (
            String::new(),
            format!("tls = {{ client_ca = \"{d}/ca.pem\" }}"),
            "source.kin.tls.client_ca",
            "a kafka source is a client",
        ),
        (
            "options = { \"security.protocol\" = \"sasl_ssl\", \"sasl.mechanism\" = \"FOO\" }".into(),
            String::new(),
            "sink.k.options",
            "Unsupported SASL mechanism: FOO",
        ),
        (
            format!("tls = {{ ca = \"{d}/ca.pem\" }}\noptions = {{ \"security.protocol\" = \"plaintext\" }}"),
            String::new(),
            "sink.k.options.security.protocol",
            "set it in one place",
        ),
    ];
    for (sink, source, key, want) in cases {
        let (ok, err) = check(&with(&sink, &source));
        assert!(!ok, "{sink} / {source}: accepted");
        assert!(err.contains(want), "{sink} / {source}: {err}");
        assert!(
            err.contains(key),
            "{sink} / {source}: not at `{key}`: {err}"
        );
        assert!(err.contains("k.toml:"), "positioned: {err}");
        assert!(!err.contains("hunter2"), "a password in an error: {err}");
    }
    // `sasl` and a client `tls` belong to kafka connectors only.
    let (ok, err) = check(&format!(
        "{ISSUE_CONFIG}\n[[sink]]\nid = \"f\"\ntype = \"file\"\npath = \"/tmp/x\"\nsasl = {{ mechanism = \"PLAIN\", username = \"u\", password = \"p\" }}\n"
    ));
    assert!(!ok && err.contains("takes no `sasl`"), "{err}");
    // A server's `tls` (tcp source) still needs its own pair, and takes no client keys.
    for (tls, want) in [
        (
            format!(
                "{{ ca = \"{d}/ca.pem\", cert = \"{d}/server.pem\", key = \"{d}/server.key\" }}"
            ),
            "are client settings",
        ),
        (
            format!("{{ cert = \"{d}/server.pem\" }}"),
            "needs `cert` and `key`",
        ),
    ] {
        let (ok, err) = check(&format!(
            "{ISSUE_CONFIG}\n[[source]]\nid = \"t\"\ntype = \"tcp\"\nlisten = \"127.0.0.1:0\"\npipeline = \"main\"\ntls = {tls}\n"
        ));
        assert!(
            !ok && err.contains(want) && err.contains("source.t.tls"),
            "{tls}: {err}"
        );
    }
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
