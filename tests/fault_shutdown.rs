//! Fault suite: SIGTERM while four TCP senders write as fast as they can. Sluice must exit 0
//! well within `shutdown_timeout`, write every line it read exactly once and no torn line,
//! and its summary must agree with the file.

mod common;

use std::io::Write;
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{free_port, metric, Sluice};

const CONNS: usize = 4;

#[test]
fn sigterm_under_full_load_drains_what_was_read_and_exits_0() {
    let port = free_port();
    let s = Sluice::start(&format!(
        r#"
[shards]
shutdown_timeout = "20s"

[[source]]
id = "in"
type = "tcp"
listen = "127.0.0.1:{port}"
preprocessors = ["separate"]
pipeline = "p"

[[pipeline]]
id = "p"
out = ["f"]

[[sink]]
id = "f"
type = "file"
path = "{{dir}}/out.jsonl"
postprocessors = ["separate"]
"#
    ));
    let done = Arc::new(AtomicBool::new(false));
    let senders: Vec<_> = (0..CONNS)
        .map(|c| {
            let done = Arc::clone(&done);
            std::thread::spawn(move || {
                let mut sock = TcpStream::connect(("127.0.0.1", port)).expect("connect");
                sock.set_write_timeout(Some(Duration::from_secs(5)))
                    .unwrap();
                let pad = "x".repeat(200);
                let mut seq = 0u64;
                let mut buf = Vec::with_capacity(1 << 16);
                // Bounded: at most 60 s of sending, stopped by the close or the flag.
                let deadline = Instant::now() + Duration::from_secs(60);
                while !done.load(Ordering::Relaxed) && Instant::now() < deadline {
                    buf.clear();
                    while buf.len() < 60_000 {
                        writeln!(buf, r#"{{"conn":{c},"seq":{seq},"pad":"{pad}"}}"#).unwrap();
                        seq += 1;
                    }
                    if sock.write_all(&buf).is_err() {
                        break;
                    }
                }
                seq
            })
        })
        .collect();
    // Full load: wait until plenty has gone through, then stop.
    assert!(s.wait_metric("sluice_source_events_total{source=\"in\"}", 50_000.0, 60) >= 50_000.0);
    let m = s.metrics();
    assert_eq!(
        metric(&m, "sluice_source_connections_open{source=\"in\"}"),
        Some(CONNS as f64)
    );
    let started = Instant::now();
    let (exit, dir) = s.stop();
    let took = started.elapsed();
    done.store(true, Ordering::Relaxed);
    for t in senders {
        t.join().expect("sender");
    }
    assert!(
        exit.status.success(),
        "exit {}: {}",
        exit.status,
        exit.stderr
    );
    assert!(took < Duration::from_secs(20), "shutdown took {took:?}");

    eprintln!("{}", exit.stderr);
    // Every line whole, valid, once; per connection a gap-free prefix in order.
    let text = std::fs::read_to_string(dir.path().join("out.jsonl")).unwrap();
    assert!(text.ends_with('\n'), "the file ends in a torn line");
    let mut next = [0u64; CONNS];
    let mut lines = 0u64;
    for l in text.lines() {
        let v: serde_json::Value =
            serde_json::from_str(l).unwrap_or_else(|e| panic!("torn or bad line {l:?}: {e}"));
        let c = usize::try_from(v["conn"].as_u64().unwrap()).unwrap();
        let seq = v["seq"].as_u64().unwrap();
        assert_eq!(seq, next[c], "connection {c}: a line lost or written twice");
        next[c] += 1;
        lines += 1;
    }
    // The summary agrees with the file.
    let summary_line = |what: &str| {
        exit.stderr
            .lines()
            .find(|l| l.trim_start().starts_with(what))
            .unwrap_or_else(|| panic!("no {what} line in {}", exit.stderr))
            .to_string()
    };
    let source = summary_line("source in");
    let sink = summary_line("sink f");
    assert!(
        source.contains(&format!(" {lines} events,")),
        "{source} vs {lines} lines"
    );
    assert!(
        sink.contains(&format!(" {lines} events,")),
        "{sink} vs {lines} lines"
    );
    assert!(sink.contains("dropped: 0"), "{sink}");
    assert!(
        source.contains("errors: 0"),
        "a cut frame must not be an error: {source}"
    );
}
