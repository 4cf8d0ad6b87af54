//! Fault suite: a TCP sink whose peer is down (or stalls) beside a file sink on the same
//! sink shard. The file keeps flowing through the outage, the TCP sink's counters and
//! `sluice_sink_up` gauge show the outage while it lasts, and once the peer is back every
//! event reaches it exactly once.

mod common;

use std::io::{BufRead, BufReader};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

use common::{events, free_port, json_lines, metric, send_tcp, Sluice};

fn config(port_a: u16, port_b: u16, port_out: u16) -> String {
    format!(
        r#"
[shards]
ingest = [0]
sink = [0]
ring_capacity = 8

[[source]]
id = "a"
type = "tcp"
listen = "127.0.0.1:{port_a}"
pipeline = "pa"
preprocessors = ["separate"]

[[source]]
id = "b"
type = "tcp"
listen = "127.0.0.1:{port_b}"
pipeline = "pb"
preprocessors = ["separate"]

[[pipeline]]
id = "pa"
out = ["file"]

[[pipeline]]
id = "pb"
out = ["fwd"]

[[sink]]
id = "file"
type = "file"
path = "{{dir}}/a.jsonl"
flush_interval = "100ms"
postprocessors = ["separate"]

[[sink]]
id = "fwd"
type = "tcp"
address = "127.0.0.1:{port_out}"
postprocessors = ["separate"]
backoff_min = "20ms"
backoff_max = "200ms"
"#
    )
}

/// Reads `n` lines from `conn` (bounded by `secs`), parsed as JSON.
fn read_lines(conn: TcpStream, n: usize, secs: u64) -> Vec<serde_json::Value> {
    conn.set_read_timeout(Some(Duration::from_secs(secs)))
        .unwrap();
    let mut r = BufReader::new(conn);
    let mut got = Vec::new();
    let mut line = String::new();
    while got.len() < n {
        line.clear();
        match r.read_line(&mut line) {
            Ok(0) | Err(_) => break,
            Ok(_) => got.push(serde_json::from_str(line.trim_end()).expect("JSON line")),
        }
    }
    got
}

fn seqs(v: &[serde_json::Value]) -> Vec<u64> {
    v.iter().map(|e| e["seq"].as_u64().expect("seq")).collect()
}

#[test]
fn a_peer_down_for_ten_seconds_does_not_stop_the_file_sink() {
    let (port_a, port_b, port_out) = (free_port(), free_port(), free_port());
    let s = Sluice::start(&config(port_a, port_b, port_out));
    let file = s.path("a.jsonl");

    // Events for the TCP sink first: they are held while its peer is down.
    let for_tcp = events(3000, "b");
    let sender = {
        let lines = for_tcp.clone();
        std::thread::spawn(move || send_tcp(port_b, &lines, 2))
    };
    let outage = Instant::now();
    let errors_at = |s: &Sluice| metric(&s.metrics(), "sluice_sink_errors_total{sink=\"fwd\"}");
    assert!(s.wait_metric("sluice_sink_errors_total{sink=\"fwd\"}", 1.0, 20) >= 1.0);
    let first_errors = errors_at(&s).unwrap_or(0.0);

    // The file sink on the same sink shard keeps flowing, round after round, while the
    // peer stays down for ten seconds.
    let mut written = 0;
    let mut round = 0;
    while outage.elapsed() < Duration::from_secs(10) {
        let batch = events(200, &format!("a{round}"));
        send_tcp(port_a, &batch, 1);
        written += batch.len();
        round += 1;
        let got = common::wait_json_lines(&file, written, 20);
        assert_eq!(
            got.len(),
            written,
            "the file sink stalled during the outage (round {round})"
        );
    }
    let m = s.metrics();
    assert_eq!(metric(&m, "sluice_sink_up{sink=\"fwd\"}"), Some(0.0), "{m}");
    assert_eq!(metric(&m, "sluice_sink_up{sink=\"file\"}"), Some(1.0));
    assert_eq!(
        metric(&m, "sluice_sink_connects_total{sink=\"fwd\"}"),
        Some(0.0)
    );
    assert_eq!(
        metric(&m, "sluice_sink_events_total{sink=\"fwd\"}"),
        Some(0.0)
    );
    let errors = errors_at(&s).unwrap_or(0.0);
    assert!(
        errors > first_errors,
        "the TCP sink's errors move while it retries: {first_errors} then {errors}"
    );

    // The peer comes back: every event reaches it once, in order per connection.
    let l = TcpListener::bind(("127.0.0.1", port_out)).unwrap();
    let (conn, _) = l.accept().unwrap();
    let got = read_lines(conn, for_tcp.len(), 30);
    sender.join().unwrap();
    let mut got_seqs = seqs(&got);
    got_seqs.sort_unstable();
    assert_eq!(got_seqs, (0..3000).collect::<Vec<u64>>(), "each event once");
    assert!(s.wait_metric("sluice_sink_up{sink=\"fwd\"}", 1.0, 10) >= 1.0);
    assert!(metric(&s.metrics(), "sluice_sink_connects_total{sink=\"fwd\"}").unwrap_or(0.0) >= 1.0);

    let (exit, dir) = s.stop();
    assert!(exit.status.success(), "{}", exit.stderr);
    let lines = json_lines(&dir.path().join("a.jsonl"));
    assert_eq!(lines.len(), written, "every file event once");
}

#[test]
fn a_peer_that_stops_reading_holds_only_its_own_sink() {
    let (port_a, port_b, port_out) = (free_port(), free_port(), free_port());
    // The peer accepts and then reads nothing: the TCP sink's writes block once the
    // socket buffers are full.
    let l = TcpListener::bind(("127.0.0.1", port_out)).unwrap();
    let s = Sluice::start(&config(port_a, port_b, port_out));
    let (conn, _) = l.accept().unwrap();
    // Far more than loopback socket buffers hold.
    let for_tcp = events(40_000, "b");
    let sender = {
        let lines = for_tcp.clone();
        std::thread::spawn(move || send_tcp(port_b, &lines, 1))
    };
    // Wait until the TCP sink has written what the buffers take and is stuck.
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut last = -1.0;
    loop {
        std::thread::sleep(Duration::from_millis(500));
        let now = metric(&s.metrics(), "sluice_source_events_total{source=\"b\"}").unwrap_or(0.0);
        if now == last || Instant::now() > deadline {
            break;
        }
        last = now;
    }
    assert!(
        last < 40_000.0,
        "the source feeding the stalled sink is held back ({last})"
    );

    let batch = events(500, "a");
    send_tcp(port_a, &batch, 1);
    let got = common::wait_json_lines(&s.path("a.jsonl"), 500, 20);
    assert_eq!(
        seqs(&got),
        (0..500).collect::<Vec<u64>>(),
        "file kept flowing"
    );

    // The peer reads again: everything arrives, once.
    let got = read_lines(conn, for_tcp.len(), 60);
    sender.join().unwrap();
    assert_eq!(seqs(&got), (0..40_000).collect::<Vec<u64>>());
    let (exit, _) = s.stop();
    assert!(exit.status.success(), "{}", exit.stderr);
}
