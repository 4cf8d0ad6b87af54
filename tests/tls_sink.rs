//! TLS on the client side of the sinks, against real TLS peers on loopback (Python's `ssl`
//! servers in `tls_common/tls_peer.py`): the tcp sink with a client certificate (mutual
//! TLS), a server whose certificate comes from an unknown CA (handshake errors counted,
//! nothing written, everything delivered once a good peer takes the port), the http sink
//! to an HTTPS server, and the elasticsearch sink to the `_bulk` test server over TLS.

mod common;
mod tls_common;

use std::time::Duration;

use common::{free_port, Sluice};
use tls_common::{pki, Peer};

/// A tcp source feeding one sink, configured by `sink`.
fn config(tcp: u16, sink: &str) -> String {
    format!(
        r#"
[[source]]
id = "in"
type = "tcp"
listen = "127.0.0.1:{tcp}"
preprocessors = ["separate"]
codec = "json"
pipeline = "main"

[[pipeline]]
id = "main"
out = ["out"]
err = ["out"]

[[sink]]
id = "out"
{sink}
"#
    )
}

/// The `seq` of every JSON line, sorted.
fn seqs(lines: &[String]) -> Vec<u64> {
    let mut v: Vec<u64> = lines
        .iter()
        .map(|l| {
            let j: serde_json::Value = serde_json::from_str(l).expect("a JSON line");
            j["seq"].as_u64().expect("seq")
        })
        .collect();
    v.sort_unstable();
    v
}

#[test]
fn tcp_sink_with_a_client_certificate_delivers_every_byte() {
    let dir = tempfile::tempdir().expect("tmp");
    pki(dir.path());
    let d = dir.path().display();
    // The peer asks for a client certificate signed by our CA (mutual TLS).
    let peer = Peer::mutual("raw", dir.path());
    let tcp = free_port();
    let s = Sluice::start(&config(
        tcp,
        &format!(
            r#"type = "tcp"
address = "127.0.0.1:{}"
codec = "json"
postprocessors = ["separate"]
tls = {{ ca = "{d}/ca.pem", cert = "{d}/client.pem", key = "{d}/client.key", min_version = "1.3" }}"#,
            peer.port
        ),
    ));
    let events = common::events(3000, "tls");
    common::send_tcp(tcp, &events, 2);
    let got = peer.wait_lines(3000);
    assert_eq!(seqs(&got), (0..3000).collect::<Vec<u64>>());
    // Byte for byte what the json codec writes for each event.
    for l in &got {
        let v: serde_json::Value = serde_json::from_str(l).expect("JSON");
        assert_eq!(v["tag"], "tls");
        assert_eq!(v["pad"].as_str().map(str::len), Some(300));
    }
    let m = s.metrics();
    assert_eq!(
        common::metric(&m, "sluice_sink_errors_total{sink=\"out\"}"),
        Some(0.0)
    );
    // A TLS sink always shows its TLS series, so a rate over it starts at zero.
    assert_eq!(
        common::metric(&m, "sluice_sink_errors_total{sink=\"out\",kind=\"tls\"}"),
        Some(0.0)
    );
    let (exit, _d) = s.stop();
    assert!(exit.status.success(), "{}", exit.stderr);
}

#[test]
fn unknown_ca_is_a_counted_handshake_error_and_nothing_is_lost() {
    let good = tempfile::tempdir().expect("tmp");
    let rogue = tempfile::tempdir().expect("tmp");
    pki(good.path());
    pki(rogue.path());
    let port = free_port();
    let rogue_out = rogue.path().join("rogue.out");
    // A server whose certificate our CA did not sign takes the port first.
    let bad = Peer::start("raw", rogue.path(), None, &rogue_out, port);
    let tcp = free_port();
    let d = good.path().display();
    let s = Sluice::start(&config(
        tcp,
        &format!(
            r#"type = "tcp"
address = "127.0.0.1:{port}"
codec = "json"
postprocessors = ["separate"]
backoff_min = "20ms"
backoff_max = "200ms"
tls = {{ ca = "{d}/ca.pem" }}"#
        ),
    ));
    let events = common::events(500, "rogue");
    common::send_tcp(tcp, &events, 1);
    let errors = s.wait_metric(
        "sluice_sink_errors_total{sink=\"out\",kind=\"tls\"}",
        3.0,
        20,
    );
    assert!(
        errors >= 3.0,
        "handshake failures are counted under kind=\"tls\" and retried: {errors}"
    );
    // ... and only there: a failed handshake is not a refused connection.
    assert_eq!(
        common::metric(&s.metrics(), "sluice_sink_errors_total{sink=\"out\"}"),
        Some(0.0)
    );
    assert_eq!(
        common::metric(&s.metrics(), "sluice_sink_up{sink=\"out\"}"),
        Some(0.0)
    );
    assert_eq!(
        common::metric(&s.metrics(), "sluice_sink_events_total{sink=\"out\"}"),
        Some(0.0)
    );
    assert!(
        bad.received().is_empty(),
        "no byte reached the rogue server"
    );
    drop(bad);
    // A good server on the same port: the sink's retries find it and deliver everything.
    let ok = Peer::start(
        "raw",
        good.path(),
        None,
        &good.path().join("good.out"),
        port,
    );
    let got = ok.wait_lines(500);
    assert_eq!(seqs(&got), (0..500).collect::<Vec<u64>>());
    assert!(s.wait_metric("sluice_sink_up{sink=\"out\"}", 1.0, 10) >= 1.0);
    assert!(std::fs::read(&rogue_out).unwrap_or_default().is_empty());
    let (exit, _d) = s.stop();
    assert!(exit.status.success(), "{}", exit.stderr);
    assert!(
        exit.stderr.contains("TLS handshake failed"),
        "the log says why: {}",
        exit.stderr
    );
}

#[test]
fn http_sink_posts_over_https_with_a_client_certificate() {
    let dir = tempfile::tempdir().expect("tmp");
    pki(dir.path());
    let d = dir.path().display();
    let peer = Peer::mutual("http", dir.path());
    let tcp = free_port();
    // `localhost` in the URL: the name checked is the URL's host (the cert has both).
    let s = Sluice::start(&config(
        tcp,
        &format!(
            r#"type = "http"
url = "https://localhost:{}/ingest"
codec = "json"
postprocessors = ["separate"]
batch_events = 100
tls = {{ ca = "{d}/ca.pem", cert = "{d}/client.pem", key = "{d}/client.key" }}"#,
            peer.port
        ),
    ));
    let events = common::events(1000, "https");
    common::send_tcp(tcp, &events, 2);
    let got = peer.wait_lines(1000);
    assert_eq!(seqs(&got), (0..1000).collect::<Vec<u64>>());
    assert!(s.wait_metric("sluice_sink_events_total{sink=\"out\"}", 1000.0, 10) >= 1000.0);
    let (exit, _d) = s.stop();
    assert!(exit.status.success(), "{}", exit.stderr);
}

#[test]
fn http_sink_without_the_client_certificate_is_refused_and_retries() {
    let dir = tempfile::tempdir().expect("tmp");
    pki(dir.path());
    let d = dir.path().display();
    let peer = Peer::mutual("http", dir.path());
    let tcp = free_port();
    let s = Sluice::start(&config(
        tcp,
        &format!(
            r#"type = "http"
url = "https://127.0.0.1:{}/ingest"
codec = "json"
postprocessors = ["separate"]
backoff_min = "20ms"
backoff_max = "200ms"
tls = {{ ca = "{d}/ca.pem" }}"#,
            peer.port
        ),
    ));
    common::send_tcp(tcp, &common::events(50, "nocert"), 1);
    // TLS 1.3: the server refuses the missing certificate with an alert after the client's
    // side of the handshake, so the sink reads it on its response: a TLS error all the same.
    let errors = s.wait_metric(
        "sluice_sink_errors_total{sink=\"out\",kind=\"tls\"}",
        3.0,
        20,
    );
    assert!(errors >= 3.0, "refusals are counted and retried: {errors}");
    assert_eq!(
        common::metric(&s.metrics(), "sluice_sink_events_total{sink=\"out\"}"),
        Some(0.0)
    );
    assert!(peer.received().is_empty());
    // The hard stop gives up on the undelivered events and counts them (they were never
    // acknowledged); the shard finishes instead of hanging.
    let (exit, _d) = s.stop();
    assert!(
        exit.stderr.contains("dropped: 50 peer_down"),
        "{}",
        exit.stderr
    );
    assert!(!exit.stderr.contains("did not finish"), "{}", exit.stderr);
}

#[test]
fn elasticsearch_sink_over_https_into_the_bulk_test_server() {
    let dir = tempfile::tempdir().expect("tmp");
    pki(dir.path());
    let d = dir.path().display();
    let es = Peer::start("es", dir.path(), None, &dir.path().join("unused"), 0);
    let tcp = free_port();
    let s = Sluice::start(&config(
        tcp,
        &format!(
            r#"type = "elasticsearch"
url = "https://127.0.0.1:{}"
index = "logs"
compression = "gzip"
batch_events = 200
tls = {{ ca = "{d}/ca.pem", server_name = "localhost" }}"#,
            es.port
        ),
    ));
    common::send_tcp(tcp, &common::events(1000, "es"), 2);
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let docs = loop {
        let body = common::http_get(es.plain, "/_test/docs").expect("test server answers");
        let v: serde_json::Value = serde_json::from_str(&body).expect("JSON");
        let n = v["logs"].as_object().map_or(0, serde_json::Map::len);
        if n >= 1000 || std::time::Instant::now() > deadline {
            break v;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let logs = docs["logs"].as_object().expect("index logs");
    let mut seqs: Vec<u64> = logs.values().filter_map(|d| d["seq"].as_u64()).collect();
    seqs.sort_unstable();
    assert_eq!(seqs, (0..1000).collect::<Vec<u64>>());
    let (exit, _d) = s.stop();
    assert!(exit.status.success(), "{}", exit.stderr);
}

/// `sluice check` on `text`: (exit code, stderr).
fn check(text: &str) -> (i32, String) {
    check_with_bundle(text, None)
}

/// `sluice check`, with `SSL_CERT_FILE` (the system CA bundle) set to `bundle` when given.
fn check_with_bundle(text: &str, bundle: Option<&std::path::Path>) -> (i32, String) {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("c.toml");
    std::fs::write(&path, text).expect("write");
    let mut cmd = std::process::Command::new(common::bin());
    if let Some(b) = bundle {
        cmd.env("SSL_CERT_FILE", b);
    }
    let out = cmd.arg("check").arg(&path).output().expect("sluice check");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn bad_sink_tls_settings_are_config_errors() {
    let dir = tempfile::tempdir().expect("tmp");
    pki(dir.path());
    let d = dir.path().display();
    let cases = [
        (
            r#"type = "http"
url = "http://127.0.0.1:9/x"
tls = { ca = "ca.pem" }"#
                .to_string(),
            "needs an https:// URL",
        ),
        (
            r#"type = "file"
path = "/tmp/x"
tls = { ca = "ca.pem" }"#
                .to_string(),
            "takes no `tls`",
        ),
        (
            r#"type = "tcp"
address = "127.0.0.1:9"
tls = { ca = "/nonexistent/ca.pem" }"#
                .to_string(),
            "/nonexistent/ca.pem",
        ),
        (
            format!(
                r#"type = "tcp"
address = "127.0.0.1:9"
tls = {{ ca = "{d}/ca.pem", cert = "{d}/client.pem" }}"#
            ),
            "both `cert` and `key`",
        ),
        (
            format!(
                r#"type = "elasticsearch"
url = "https://127.0.0.1:9"
tls = {{ ca = "{d}/ca.pem", min_version = "1.1" }}"#
            ),
            "tls.min_version",
        ),
        (
            format!(
                r#"type = "tcp"
address = "127.0.0.1:9"
tls = {{ ca = "{d}/ca.pem", cert = "{d}/client.pem", key = "{d}/server.key" }}"#
            ),
            "client certificate and key",
        ),
    ];
    for (sink, words) in cases {
        let (code, err) = check(&config(1, &sink));
        assert_eq!(code, 1, "{sink}: {err}");
        assert!(err.contains("sink.out.tls"), "{sink}: {err}");
        assert!(err.contains(words), "{sink}: want {words:?} in {err}");
    }
    // And a good one passes, the system bundle standing in for `ca` (the test's own CA as
    // that bundle, so the test does not depend on the machine's); a bundle that is not there
    // is a clear error.
    let es = config(
        1,
        r#"type = "elasticsearch"
url = "https://127.0.0.1:9""#,
    );
    let ca = dir.path().join("ca.pem");
    let (code, err) = check_with_bundle(&es, Some(&ca));
    assert_eq!(code, 0, "{err}");
    let gone = dir.path().join("no-such-bundle.pem");
    let (code, err) = check_with_bundle(&es, Some(&gone));
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("no-such-bundle.pem"), "{err}");
}
