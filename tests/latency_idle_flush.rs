//! Batching must not cost latency when there is nothing to batch with: when the sender goes
//! quiet, what it sent reaches the sink's destination without waiting for more data, for a
//! timer or for shutdown. The file sink here is configured to batch for a minute and 1 MiB, so
//! a line that shows up within seconds got there through the idle write-out, not the timer.

mod common;

use std::io::Write as _;
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::Sluice;

fn config(port: u16) -> String {
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
pipeline = "main"

[[pipeline]]
id = "main"
out = ["file"]
err = ["file"]

[[sink]]
id = "file"
type = "file"
path = "{{dir}}/out.jsonl"
codec = "json"
postprocessors = ["separate"]
flush_interval = "60s"
buffer = "1MiB"
"#
    )
}

/// Polls `path` until it holds `want` (or `limit` passes); returns how long that took.
fn arrives(path: &std::path::Path, want: &str, limit: Duration) -> Option<Duration> {
    let start = Instant::now();
    while start.elapsed() < limit {
        if std::fs::read_to_string(path).is_ok_and(|t| t.contains(want)) {
            return Some(start.elapsed());
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    None
}

#[test]
fn one_line_reaches_the_file_without_a_second_line_or_a_shutdown() {
    let port = common::free_port();
    let s = Sluice::start(&config(port));
    let out = s.path("out.jsonl");
    let mut c = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    c.write_all(b"{\"n\":1,\"tag\":\"first\"}\n").expect("send");
    // The connection stays open and silent: nothing else can push the line out.
    let took = arrives(&out, "\"first\"", Duration::from_secs(2));
    assert!(
        took.is_some(),
        "a lone line did not reach the file within 2 s (flush_interval is 60 s): the sink sat on it"
    );
    // And again after the first write-out: the sink keeps writing promptly, not only once.
    c.write_all(b"{\"n\":2,\"tag\":\"second\"}\n")
        .expect("send");
    assert!(
        arrives(&out, "\"second\"", Duration::from_secs(2)).is_some(),
        "a second lone line did not reach the file within 2 s"
    );
    drop(c);
    let (exit, dir) = s.stop();
    assert!(exit.status.success(), "{}", exit.stderr);
    let text = std::fs::read_to_string(dir.path().join("out.jsonl")).expect("out");
    assert_eq!(text.lines().count(), 2, "each line exactly once: {text}");
}
