//! Sinks and sources beyond TCP->file: a TCP sink whose peer starts late, stdin, files,
//! blackhole histograms, and `/metrics` read by Prometheus' own parser.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{events, free_port, metric, send_tcp, Sluice};

#[test]
fn tcp_sink_survives_a_peer_that_is_down_at_start_and_delivers_once_it_is_up() {
    let (port_in, port_out) = (free_port(), free_port());
    let s = Sluice::start(&format!(
        r#"
[[source]]
id = "in"
type = "tcp"
listen = "127.0.0.1:{port_in}"
preprocessors = ["separate"]
pipeline = "p"
[[pipeline]]
id = "p"
out = ["fwd"]
[[sink]]
id = "fwd"
type = "tcp"
address = "127.0.0.1:{port_out}"
postprocessors = ["separate"]
backoff_min = "20ms"
backoff_max = "200ms"
"#
    ));
    let sent = events(500, "fwd");
    send_tcp(port_in, &sent, 1);
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        s.metrics()
            .contains("sluice_sink_errors_total{sink=\"fwd\"}"),
        "connect failures are counted"
    );
    // Now the peer comes up.
    let l = TcpListener::bind(("127.0.0.1", port_out)).unwrap();
    let (conn, _) = l.accept().unwrap();
    let mut r = BufReader::new(conn);
    let mut got = Vec::new();
    let mut line = String::new();
    while got.len() < 500 {
        line.clear();
        if r.read_line(&mut line).unwrap() == 0 {
            break;
        }
        got.push(serde_json::from_str::<serde_json::Value>(line.trim_end()).unwrap());
    }
    let want: Vec<serde_json::Value> = sent
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(got, want);
    assert!(s.wait_metric("sluice_sink_connects_total{sink=\"fwd\"}", 1.0, 10) >= 1.0);
    assert_eq!(
        s.wait_metric("sluice_sink_events_total{sink=\"fwd\"}", 500.0, 10),
        500.0
    );
    assert!(metric(&s.metrics(), "sluice_sink_errors_total{sink=\"fwd\"}").unwrap_or(0.0) >= 1.0);
    let (exit, _) = s.stop();
    assert!(exit.status.success(), "{}", exit.stderr);
}

#[test]
fn stdin_to_stdout_pipes_like_a_filter() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("c.toml");
    std::fs::write(
        &cfg,
        r#"
[[source]]
id = "in"
type = "stdin"
preprocessors = ["separate"]
pipeline = "p"
[[pipeline]]
id = "p"
out = ["out"]
err = ["out"]
[[sink]]
id = "out"
type = "stdout"
postprocessors = ["separate"]
"#,
    )
    .unwrap();
    let mut child = Command::new(common::bin())
        .arg("run")
        .arg(&cfg)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    {
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(b"{\"x\":1}\n{\"x\":2}\nnope\n").unwrap();
    }
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut got = Vec::new();
    for _ in 0..3 {
        got.push(lines.next().unwrap().unwrap());
    }
    // SAFETY: signalling our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let status = child.wait().unwrap();
    assert!(status.success());
    assert_eq!(got[0], "{\"x\":1}");
    assert_eq!(got[1], "{\"x\":2}");
    let err: serde_json::Value = serde_json::from_str(&got[2]).unwrap();
    assert_eq!(err["raw"], "nope");
}

#[test]
fn file_source_and_blackhole_histogram() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    std::fs::write(&input, events(3000, "file").join("\n")).unwrap();
    let mut s = Sluice::spawn(&format!(
        r#"
[[source]]
id = "f"
type = "file"
path = "{}"
preprocessors = ["separate"]
pipeline = "p"
[[pipeline]]
id = "p"
out = ["hole"]
[[sink]]
id = "hole"
type = "blackhole"
hgrm = "{{dir}}/latency.hgrm"
"#,
        input.display()
    ));
    // A config whose only source is a file acts as a filter: it exits once the file is read
    // and everything has reached the sink.
    let exit = s.wait(std::time::Duration::from_secs(60));
    assert!(exit.status.success(), "{}", exit.stderr);
    let dir = s.path("");
    let hgrm = std::fs::read_to_string(dir.join("latency.hgrm")).unwrap();
    assert!(hgrm.contains("Percentile"), "{hgrm}");
    assert!(hgrm.contains("Total count    =         3000"), "{hgrm}");
    assert!(
        exit.stderr.contains("pipeline p"),
        "summary printed: {}",
        exit.stderr
    );
}

#[test]
fn metrics_are_valid_prometheus_text() {
    let port = free_port();
    let s = Sluice::start(&format!(
        r#"
[[source]]
id = "in"
type = "tcp"
listen = "127.0.0.1:{port}"
preprocessors = ["separate"]
pipeline = "p"
[[pipeline]]
id = "p"
out = ["hole"]
err = ["hole"]
[[sink]]
id = "hole"
type = "blackhole"
"#
    ));
    send_tcp(port, &["{\"a\":1}".to_string(), "bad".to_string()], 1);
    s.wait_metric("sluice_sink_events_total{sink=\"hole\"}", 2.0, 20);
    s.wait_metric(
        "sluice_pipeline_latency_seconds_count{pipeline=\"p\"}",
        2.0,
        20,
    );
    let text = s.metrics();
    // Prometheus' reference Python client parses it; a parse error fails the script.
    let script = r#"
import sys
from prometheus_client.parser import text_string_to_metric_families
fams = {f.name: f for f in text_string_to_metric_families(sys.stdin.read())}
src = {tuple(sorted(s.labels.items())): s.value for s in fams["sluice_source_events"].samples}
assert src[(("source", "in"),)] == 2.0, src
errs = [s for s in fams["sluice_source_errors"].samples if s.labels.get("kind") == "decode"]
assert errs and errs[0].value == 1.0, errs
lat = fams["sluice_pipeline_latency_seconds"]
assert lat.type == "summary", lat.type
qs = {s.labels.get("quantile") for s in lat.samples if "quantile" in s.labels}
assert {"0.5", "0.9", "0.99", "0.999", "1"} <= qs, qs
print("ok", len(fams))
"#;
    let mut py = Command::new("python3")
        .arg("-c")
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3");
    py.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    let out = py.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "prometheus_client rejected the metrics (is it installed? .ci/run installs it): {}\n{text}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("ok"));
    s.stop();
}

#[test]
fn a_second_process_on_the_same_port_fails_clearly() {
    let port = free_port();
    let cfg = format!(
        r#"
[[source]]
id = "in"
type = "tcp"
listen = "127.0.0.1:{port}"
preprocessors = ["separate"]
pipeline = "p"
[[pipeline]]
id = "p"
out = ["hole"]
[[sink]]
id = "hole"
type = "blackhole"
"#
    );
    let first = Sluice::start(&cfg);
    let path = first.path("second.toml");
    std::fs::write(&path, &cfg).unwrap();
    let out = Command::new(common::bin())
        .arg("run")
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!(
            "127.0.0.1:{port} is already in use by another process"
        )),
        "{err}"
    );
    let (exit, _) = first.stop();
    assert!(exit.status.success());
}
