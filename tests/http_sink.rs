//! The http sink posting to another Sluice's http source (both real, on loopback): NDJSON
//! bodies, keep-alive, and retries while the receiver is down.

mod common;

use std::time::{Duration, Instant};

use common::{free_port, json_lines, Sluice};

#[test]
fn posts_batches_and_retries_until_the_receiver_is_up() {
    let rx_port = free_port();
    let tcp = free_port();
    // The sender first, while nothing listens: its batches wait and are retried.
    let sender = Sluice::start(&format!(
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
out = ["post"]
err = ["post"]

[[sink]]
id = "post"
type = "http"
url = "http://127.0.0.1:{rx_port}/ingest"
codec = "json"
postprocessors = ["separate"]
backoff_min = "20ms"
backoff_max = "100ms"
batch_events = 100
headers = {{ "X-Sender" = "sluice" }}
"#
    ));
    let lines = common::events(1000, "post");
    common::send_tcp(tcp, &lines, 2);
    std::thread::sleep(Duration::from_millis(300));
    let errors = sender.wait_metric("sluice_sink_errors_total{sink=\"post\"}", 1.0, 20);
    assert!(
        errors >= 1.0,
        "connection failures are counted while it is down"
    );
    let receiver = Sluice::start(&format!(
        r#"
[[source]]
id = "web"
type = "http"
listen = "127.0.0.1:{rx_port}"
path = "/ingest"
codec = "json"
pipeline = "main"

[[pipeline]]
id = "main"
out = ["out"]
err = ["out"]
script = '''let event.sender = $http.headers["x-sender"]; event'''

[[sink]]
id = "out"
type = "file"
path = "{{dir}}/out.jsonl"
postprocessors = ["separate"]
flush_interval = "20ms"
"#
    ));
    let out = receiver.path("out.jsonl");
    let deadline = Instant::now() + Duration::from_secs(60);
    while common::complete_lines(&out) < 1000 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let (exit, _d) = sender.stop();
    assert!(exit.status.success(), "{}", exit.stderr);
    let (exit, dir) = receiver.stop();
    assert!(exit.status.success(), "{}", exit.stderr);
    let got = json_lines(&dir.path().join("out.jsonl"));
    assert_eq!(got.len(), 1000);
    let mut seqs: Vec<i64> = got
        .iter()
        .map(|v| v["seq"].as_i64().expect("seq"))
        .collect();
    seqs.sort_unstable();
    assert_eq!(seqs, (0..1000).collect::<Vec<i64>>());
    assert!(got.iter().all(|v| v["sender"] == "sluice"));
}
