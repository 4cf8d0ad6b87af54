//! `fsync = true` on a file sink: every write-out is synced to disk before its events count
//! as written, and the sync count shows on `/metrics`; a sink without it never syncs.

mod common;

use common::{events, free_port, json_lines, metric, send_tcp, Sluice};

#[test]
fn a_file_sink_with_fsync_syncs_what_it_writes_and_one_without_does_not() {
    let port = free_port();
    let s = Sluice::start(&format!(
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
pipeline = "p"
[[pipeline]]
id = "p"
out = ["durable", "plain"]
[[sink]]
id = "durable"
type = "file"
path = "{{dir}}/durable.jsonl"
codec = "json"
postprocessors = ["separate"]
fsync = true
flush_interval = "50ms"
[[sink]]
id = "plain"
type = "file"
path = "{{dir}}/plain.jsonl"
codec = "json"
postprocessors = ["separate"]
flush_interval = "50ms"
"#
    ));
    let sent = events(5000, "fsync");
    send_tcp(port, &sent, 2);
    let written = s.wait_metric("sluice_sink_events_total{sink=\"durable\"}", 5000.0, 30);
    assert_eq!(written, 5000.0);
    s.wait_metric("sluice_sink_events_total{sink=\"plain\"}", 5000.0, 30);
    let m = s.metrics();
    let syncs = metric(&m, "sluice_sink_syncs_total{sink=\"durable\"}").unwrap_or(0.0);
    assert!(syncs >= 1.0, "the fsync sink synced: {syncs}");
    assert_eq!(
        metric(&m, "sluice_sink_syncs_total{sink=\"plain\"}"),
        Some(0.0),
        "the other sink never syncs"
    );
    let (exit, dir) = s.stop();
    assert!(exit.status.success(), "{}", exit.stderr);
    assert_eq!(json_lines(&dir.path().join("durable.jsonl")).len(), 5000);
    assert_eq!(json_lines(&dir.path().join("plain.jsonl")).len(), 5000);
}
