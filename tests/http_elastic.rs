//! The elasticsearch sink against the `_bulk` test server (tests/support/es_bulk_server.py,
//! a test server, not Elasticsearch): item-level errors, 429s on requests and items, 503s,
//! partial failures, timeouts and the request size limit.

mod common;
#[path = "support/es.rs"]
mod es;

use std::time::Duration;

use common::{free_port, json_lines, Sluice};
use es::EsServer;
use serde_json::Value;

fn config(tcp: u16, es: u16, extra: &str) -> String {
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
out = ["es"]
err = ["errors"]
script = '''let $elastic = {{"_id": event.id}}; event'''

[[sink]]
id = "es"
type = "elasticsearch"
url = "http://127.0.0.1:{es}"
index = "logs"
dead_letter = "{{dir}}/dead.jsonl"
backoff_min = "20ms"
backoff_max = "200ms"
batch_events = 50
{extra}

[[sink]]
id = "errors"
type = "file"
path = "{{dir}}/err.jsonl"
postprocessors = ["separate"]
"#
    )
}

fn docs(n: usize, bad_every: usize) -> Vec<String> {
    (0..n)
        .map(|i| {
            if bad_every > 0 && i % bad_every == 0 {
                format!(r#"{{"id":"d{i}","seq":{i},"bad":"not a long"}}"#)
            } else {
                format!(r#"{{"id":"d{i}","seq":{i},"msg":"hello {i}"}}"#)
            }
        })
        .collect()
}

#[test]
fn partial_failures_go_to_the_dead_letter_file_and_rejections_are_retried() {
    let es = EsServer::start();
    // Two whole requests refused with 429, one with 503, three items with 429, and every
    // document with a `bad` field refused for good (400 mapper_parsing_exception).
    es.faults(r#"{"reject_requests":2,"server_errors":1,"reject_items":3,"fail_field":"bad"}"#);
    let tcp = free_port();
    let s = Sluice::start(&config(tcp, es.port, "compression = \"gzip\""));
    let lines = docs(500, 50);
    common::send_tcp(tcp, &lines, 2);
    let got = es.wait_docs("logs", 490, 60);
    assert_eq!(got.len(), 490);
    for i in (0..500).filter(|i| i % 50 != 0) {
        let d = &got[&format!("d{i}")];
        assert_eq!(d["seq"], i);
        assert_eq!(d["msg"], format!("hello {i}"));
    }
    s.wait_metric(
        "sluice_sink_dropped_total{sink=\"es\",reason=\"rejected\"}",
        10.0,
        30,
    );
    let (exit, dir) = s.stop();
    assert!(exit.status.success(), "{}", exit.stderr);
    let dead = json_lines(&dir.path().join("dead.jsonl"));
    assert_eq!(dead.len(), 10, "{dead:?}");
    for d in &dead {
        assert_eq!(d["error"]["status"], 400);
        assert_eq!(d["error"]["type"], "mapper_parsing_exception");
        assert_eq!(d["error"]["sink"], "es");
        let raw = d["raw"].as_str().expect("raw");
        let mut parts = raw.lines();
        let action: Value = serde_json::from_str(parts.next().expect("action")).expect("json");
        assert_eq!(action["index"]["_index"], "logs");
        let doc: Value = serde_json::from_str(parts.next().expect("doc")).expect("json");
        assert_eq!(doc["bad"], "not a long");
    }
    let stats = es.get("/_test/stats");
    assert_eq!(stats["rejected_requests"], 3, "{stats}");
}

#[test]
fn timeouts_and_the_size_limit_are_survived_without_loss() {
    let es = EsServer::start();
    // Every bulk request over 3 KB is refused with 413: the sink halves requests until they
    // fit. Then the server stalls past the sink's timeout for a while.
    es.faults(r#"{"max_content_length":3000,"delay":1.5}"#);
    let tcp = free_port();
    let s = Sluice::start(&config(tcp, es.port, "timeout = \"300ms\""));
    let lines = docs(200, 0);
    common::send_tcp(tcp, &lines, 1);
    std::thread::sleep(Duration::from_millis(1200));
    assert_eq!(
        es.wait_docs("logs", 0, 0).len(),
        0,
        "nothing lands while the server stalls"
    );
    es.faults(r#"{"delay":0}"#);
    let got = es.wait_docs("logs", 200, 60);
    assert_eq!(got.len(), 200);
    let errors = s.wait_metric("sluice_sink_errors_total{sink=\"es\"}", 1.0, 10);
    assert!(errors >= 1.0);
    let (exit, dir) = s.stop();
    assert!(exit.status.success(), "{}", exit.stderr);
    assert!(json_lines(&dir.path().join("dead.jsonl")).is_empty());
    let stats = es.get("/_test/stats");
    // 200 events in requests of at most 50: more requests than 4 means 413s were split.
    assert!(stats["bulk_requests"].as_u64().unwrap_or(0) > 8, "{stats}");
}

/// Sends each line in its own write, `gap` apart, on one connection (each its own read,
/// so each its own batch from the rings); keeps the connection open until dropped.
fn trickle(port: u16, lines: &[String], gap: Duration) -> std::net::TcpStream {
    use std::io::Write;
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_nodelay(true).expect("nodelay");
    for l in lines {
        s.write_all(format!("{l}\n").as_bytes()).expect("write");
        std::thread::sleep(gap);
    }
    s
}

#[test]
fn a_trickle_shares_requests_within_the_linger() {
    let es = EsServer::start();
    let tcp = free_port();
    let s = Sluice::start(&config(tcp, es.port, "linger = \"300ms\""));
    let lines = docs(20, 0);
    let conn = trickle(tcp, &lines, Duration::from_millis(5));
    let got = es.wait_docs("logs", 20, 30);
    assert_eq!(got.len(), 20);
    let stats = es.get("/_test/stats");
    // 20 reads 5 ms apart inside a 300 ms linger: one request, two if a round boundary
    // falls inside the trickle; never one per event.
    let requests = stats["bulk_requests"].as_u64().unwrap_or(0);
    assert!((1..=3).contains(&requests), "{stats}");
    drop(conn);
    let (exit, _dir) = s.stop();
    assert!(exit.status.success(), "{}", exit.stderr);
}

#[test]
fn a_burst_is_cut_by_count_and_bytes_without_waiting_for_the_linger() {
    let es = EsServer::start();
    let tcp = free_port();
    // A long linger: only a round holding less than one request's worth waits for it.
    let s = Sluice::start(&config(
        tcp,
        es.port,
        "linger = \"5s\"\nbatch_bytes = \"4KiB\"\nconcurrency = 2",
    ));
    let lines = docs(1000, 0);
    let start = std::time::Instant::now();
    common::send_tcp(tcp, &lines, 1);
    // At most one request's worth (under 50 events) of the tail of the burst may linger.
    let early = es.wait_docs("logs", 951, 4);
    assert!(
        early.len() >= 951,
        "full requests go at once: {} of 1000 after {:?}",
        early.len(),
        start.elapsed()
    );
    assert_eq!(es.wait_docs("logs", 1000, 30).len(), 1000);
    let stats = es.get("/_test/stats");
    // batch_events = 50: at most 100 NDJSON lines (action + source) per request.
    assert!(
        stats["max_request_lines"].as_u64().unwrap_or(999) <= 100,
        "{stats}"
    );
    // batch_bytes: a request takes no event past 4 KiB (each event is under 100 bytes).
    let max_bytes = stats["max_request_bytes"].as_u64().unwrap_or(u64::MAX);
    assert!(max_bytes <= 4096 + 100, "{stats}");
    // ~75 bytes per event and action: at least 1000 * 75 / 4196 requests, however the
    // reads were cut.
    assert!(
        stats["bulk_requests"].as_u64().unwrap_or(0) >= 18,
        "{stats}"
    );
    let (exit, _dir) = s.stop();
    assert!(exit.status.success(), "{}", exit.stderr);
}

#[test]
fn what_lingers_is_sent_at_shutdown() {
    let es = EsServer::start();
    let tcp = free_port();
    let s = Sluice::start(&config(tcp, es.port, "linger = \"60s\""));
    let conn = trickle(tcp, &docs(5, 0), Duration::from_millis(1));
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(
        es.wait_docs("logs", 0, 0).len(),
        0,
        "five events are less than a request's worth: they linger"
    );
    drop(conn);
    let start = std::time::Instant::now();
    let (exit, _dir) = s.stop();
    assert!(exit.status.success(), "{}", exit.stderr);
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(es.wait_docs("logs", 5, 5).len(), 5);
    let stats = es.get("/_test/stats");
    assert_eq!(stats["bulk_requests"], 1, "{stats}");
}
