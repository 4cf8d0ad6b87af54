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
