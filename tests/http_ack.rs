//! The HTTP source's `ack = "written"` (the default): a request is answered 204 only once
//! every sink its events went to has written them; 503 with a JSON error when they do not
//! confirm within `ack_timeout` or shutdown gives up; 429 past `max_unacked`. Real clients
//! (Python urllib, curl) against the real binary; real file, TCP and `_bulk` test-server
//! sinks.

mod common;
#[path = "support/es.rs"]
mod es;

use std::process::Command;
use std::time::{Duration, Instant};

use common::{free_port, Sluice};
use es::EsServer;

fn config(port: u16, source_extra: &str, sink: &str, top: &str) -> String {
    format!(
        r#"
{top}
[[source]]
id = "web"
type = "http"
listen = "127.0.0.1:{port}"
codec = "json"
pipeline = "main"
{source_extra}

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

/// Python urllib: posts `n` NDJSON bodies of three events one after the other; after each
/// 204 it reads the file at once and checks that the body's events are in it.
const WRITE_THEN_LOOK: &str = r#"
import json, sys, time, urllib.request
port, path, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
for i in range(n):
    body = "".join(json.dumps({"seq": i * 3 + k, "msg": "x" * 40}) + "\n" for k in range(3))
    req = urllib.request.Request("http://127.0.0.1:%s/ingest" % port, data=body.encode(), method="POST")
    r = urllib.request.urlopen(req, timeout=20)
    assert r.status == 204, r.status
    with open(path) as f:
        seqs = {json.loads(l)["seq"] for l in f if l.endswith("\n")}
    missing = [i * 3 + k for k in range(3) if i * 3 + k not in seqs]
    assert not missing, "answered 204 before %s were in the file" % missing
print("ok", n)
"#;

/// A tcp sink towards `port` (where nobody listens unless the test starts a peer), with
/// `extra` lines.
fn tcp_sink_to(port: u16, extra: &str) -> String {
    format!(
        "type = \"tcp\"\naddress = \"127.0.0.1:{port}\"\npostprocessors = [\"separate\"]\n{extra}"
    )
}

#[test]
fn written_answers_only_once_the_events_are_in_the_file() {
    let port = free_port();
    // A long flush interval: only the acknowledgement makes the sink write out early.
    let s = Sluice::start(&config(
        port,
        "",
        "type = \"file\"\npath = \"{dir}/out.jsonl\"\npostprocessors = [\"separate\"]\nflush_interval = \"30s\"\nbuffer = \"1MiB\"",
        "",
    ));
    let out = s.path("out.jsonl");
    let r = Command::new("python3")
        .args(["-c", WRITE_THEN_LOOK, &port.to_string()])
        .arg(&out)
        .arg("40")
        .output()
        .expect("python3");
    assert!(
        r.status.success(),
        "{}{}",
        String::from_utf8_lossy(&r.stdout),
        String::from_utf8_lossy(&r.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&r.stdout).trim(), "ok 40");
    let (exit, _d) = s.stop();
    assert!(exit.status.success(), "{}", exit.stderr);
}

/// curl: status, body and how long the exchange took.
fn curl(port: u16, body: &str, max_secs: u32) -> (u16, String, Duration) {
    let start = Instant::now();
    let r = Command::new("curl")
        .args([
            "-s",
            "-m",
            &max_secs.to_string(),
            "-w",
            "\n%{http_code}",
            "-H",
            "Content-Type: application/x-ndjson",
            "--data-binary",
            body,
            &format!("http://127.0.0.1:{port}/ingest"),
        ])
        .output()
        .expect("curl");
    let text = String::from_utf8_lossy(&r.stdout).into_owned();
    let (body, code) = text.rsplit_once('\n').unwrap_or(("", "0"));
    (
        code.trim().parse().unwrap_or(0),
        body.to_string(),
        start.elapsed(),
    )
}

#[test]
fn a_down_tcp_sink_gets_503_not_success() {
    let port = free_port();
    let nobody = free_port();
    let s = Sluice::start(&config(
        port,
        "ack_timeout = \"1s\"",
        &tcp_sink_to(nobody, "backoff_min = \"50ms\"\nbackoff_max = \"200ms\""),
        "[shards]\nshutdown_timeout = \"1s\"",
    ));
    let (code, body, took) = curl(port, "{\"a\":1}\n{\"a\":2}\n", 10);
    assert_eq!(code, 503, "{body}");
    assert!(took >= Duration::from_millis(900), "{took:?}");
    let v: serde_json::Value = serde_json::from_str(&body).expect("JSON error body");
    let msg = v["error"].as_str().expect("error message");
    assert!(msg.contains("did not confirm"), "{msg}");
    assert!(
        s.wait_metric(
            "sluice_source_errors_total{source=\"web\",kind=\"unconfirmed\"}",
            1.0,
            10
        ) >= 1.0
    );
    // The peer comes up: the held events are delivered after all (a client that resent
    // them would have a duplicate: at least once), and new writes are confirmed again.
    let peer = std::net::TcpListener::bind(("127.0.0.1", nobody)).expect("bind");
    let reader = std::thread::spawn(move || {
        use std::io::Read;
        let (mut c, _) = peer.accept().expect("accept");
        c.set_read_timeout(Some(Duration::from_secs(20))).ok();
        let mut got = Vec::new();
        let mut buf = [0u8; 4096];
        while got.iter().filter(|&&b| b == b'\n').count() < 3 {
            match c.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
        String::from_utf8_lossy(&got).into_owned()
    });
    let (code, body, _) = curl(port, "{\"a\":3}\n", 20);
    assert_eq!(code, 204, "{body}");
    let got = reader.join().expect("reader");
    assert!(got.contains("{\"a\":3}"), "{got}");
    assert!(got.contains("{\"a\":1}"), "{got}");
    let (exit, _d) = s.stop();
    assert!(exit.status.success(), "{}", exit.stderr);
}

#[test]
fn shutdown_answers_503_when_the_sinks_never_confirm() {
    let port = free_port();
    let nobody = free_port();
    let s = Sluice::start(&config(
        port,
        "ack_timeout = \"60s\"",
        &tcp_sink_to(nobody, ""),
        "[shards]\nshutdown_timeout = \"1s\"",
    ));
    let client = std::thread::spawn(move || curl(port, "{\"a\":1}\n", 30));
    std::thread::sleep(Duration::from_millis(500));
    let (_exit, _d) = s.stop();
    let (code, body, took) = client.join().expect("client");
    assert_eq!(code, 503, "{body}");
    assert!(body.contains("shutting down"), "{body}");
    assert!(took < Duration::from_secs(20), "{took:?}");
}

#[test]
fn requests_waiting_for_their_sinks_are_bounded() {
    let port = free_port();
    let nobody = free_port();
    let s = Sluice::start(&config(
        port,
        "ack_timeout = \"3s\"\nmax_unacked = 1\nbusy_timeout = \"200ms\"",
        &tcp_sink_to(nobody, ""),
        "[shards]\ningest = [0]\nsink = [0]\nshutdown_timeout = \"1s\"",
    ));
    let first = std::thread::spawn(move || curl(port, "{\"a\":1}\n", 10));
    std::thread::sleep(Duration::from_millis(300));
    let (code, body, took) = curl(port, "{\"a\":2}\n", 10);
    assert_eq!(code, 429, "{body}");
    assert!(took < Duration::from_secs(2), "{took:?}");
    assert!(body.contains("waiting for their sinks"), "{body}");
    let (code, _, _) = first.join().expect("first");
    assert_eq!(code, 503);
    drop(s);
}

#[test]
fn elasticsearch_items_are_answered_before_the_request_is() {
    let es = EsServer::start();
    // Every bulk request is answered after 700 ms; documents with `bad` are refused for
    // good (dead-lettered: handled, so the request still succeeds).
    es.faults(r#"{"delay":0.7,"fail_field":"bad"}"#);
    let port = free_port();
    let s = Sluice::start(&config(
        port,
        "",
        &format!(
            "type = \"elasticsearch\"\nurl = \"http://127.0.0.1:{}\"\nindex = \"logs\"\ndead_letter = \"{{dir}}/dead.jsonl\"",
            es.port
        ),
        "",
    ));
    let (code, body, took) = curl(
        port,
        "{\"seq\":1}\n{\"seq\":2,\"bad\":1}\n{\"seq\":3}\n",
        20,
    );
    assert_eq!(code, 204, "{body}");
    assert!(
        took >= Duration::from_millis(700),
        "answered before the bulk response: {took:?}"
    );
    // Already there when the client got its answer.
    assert_eq!(es.wait_docs("logs", 2, 0).len(), 2);
    let dead = common::json_lines(&s.path("dead.jsonl"));
    assert_eq!(dead.len(), 1, "{dead:?}");
    let (exit, _d) = s.stop();
    assert!(exit.status.success(), "{}", exit.stderr);
}

#[test]
fn queued_answers_without_waiting_and_bad_ack_settings_are_config_errors() {
    let port = free_port();
    let nobody = free_port();
    let s = Sluice::start(&config(
        port,
        "ack = \"queued\"",
        &tcp_sink_to(nobody, ""),
        "[shards]\nshutdown_timeout = \"500ms\"",
    ));
    let (code, body, took) = curl(port, "{\"a\":1}\n", 10);
    assert_eq!(code, 204, "queued: accepted into the sink's queue: {body}");
    assert!(took < Duration::from_secs(2), "{took:?}");
    drop(s);

    let dir = tempfile::tempdir().expect("tmp");
    for (extra, want) in [
        ("ack = \"durable\"", "source.web.ack"),
        ("ack_timeout = \"soon\"", "source.web.ack_timeout"),
    ] {
        let path = dir.path().join("c.toml");
        std::fs::write(&path, config(port, extra, "type = \"stdout\"", "")).expect("write");
        let out = Command::new(common::bin())
            .arg("check")
            .arg(&path)
            .output()
            .expect("sluice check");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{err}");
        // file:line:column: `key`: message
        assert!(err.contains(":9:"), "the line of the key: {err}");
        assert!(err.contains(want), "{err}");
    }
    // On another source type the keys are refused.
    let path = dir.path().join("t.toml");
    std::fs::write(
        &path,
        format!(
            "[[source]]\nid = \"t\"\ntype = \"tcp\"\nlisten = \"127.0.0.1:{port}\"\npipeline = \"main\"\nack = \"written\"\n[[pipeline]]\nid = \"main\"\nout = [\"o\"]\n[[sink]]\nid = \"o\"\ntype = \"stdout\"\n"
        ),
    )
    .expect("write");
    let out = Command::new(common::bin())
        .arg("check")
        .arg(&path)
        .output()
        .expect("sluice check");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("takes no `ack`"), "{err}");
}
