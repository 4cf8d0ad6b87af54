//! Fault suite: memory that must be given back and limits that must hold. A burst grows a
//! connection's read buffer, which shrinks back when the connection goes quiet; an idle
//! connection is closed after `idle_timeout`; a source over its `memory_budget` refuses new
//! connections (counted), and the connections it has keep working.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::{complete_lines, events, free_port, json_lines, metric, Sluice};

fn config(port: u16, extra: &str) -> String {
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
pipeline = "p"
{extra}

[[pipeline]]
id = "p"
out = ["f"]

[[sink]]
id = "f"
type = "file"
path = "{{dir}}/out.jsonl"
flush_interval = "100ms"
postprocessors = ["separate"]
"#
    )
}

fn gauge(s: &Sluice) -> f64 {
    metric(
        &s.metrics(),
        "sluice_source_read_buffer_bytes{source=\"in\"}",
    )
    .unwrap_or(-1.0)
}

fn wait_until(what: &str, secs: u64, mut ok: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !ok() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_burst_grows_the_read_buffer_and_quiet_gives_it_back() {
    let port = free_port();
    let s = Sluice::start(&config(port, ""));
    let mut conn = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let mut burst = Vec::new();
    for l in events(8000, "burst") {
        burst.extend_from_slice(l.as_bytes());
        burst.push(b'\n');
    }
    conn.write_all(&burst).unwrap();
    wait_until("the burst to be read", 30, || {
        metric(&s.metrics(), "sluice_source_events_total{source=\"in\"}") == Some(8000.0)
    });
    // The connection stays open and quiet: its buffer drops back to 8 KiB.
    wait_until("the read buffer to shrink back", 30, || gauge(&s) == 8192.0);
    // It still works.
    conn.write_all(b"{\"after\":1}\n").unwrap();
    wait_until("the line after the pause", 30, || {
        complete_lines(&s.path("out.jsonl")) == 8001
    });
    drop(conn);
    wait_until("the gauge to drop with the connection", 30, || {
        gauge(&s) == 0.0
    });
    let (exit, _) = s.stop();
    assert!(exit.status.success(), "{}", exit.stderr);
}

#[test]
fn an_idle_connection_is_closed_after_idle_timeout() {
    let port = free_port();
    let s = Sluice::start(&config(port, "idle_timeout = \"300ms\""));
    let mut conn = TcpStream::connect(("127.0.0.1", port)).unwrap();
    conn.write_all(b"{\"n\":1}\n").unwrap();
    conn.set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let mut b = [0u8; 16];
    // Sluice closes its side: the read sees end of stream.
    assert_eq!(conn.read(&mut b).unwrap(), 0);
    assert_eq!(
        s.wait_metric(
            "sluice_source_connections_idle_closed_total{source=\"in\"}",
            1.0,
            10
        ),
        1.0
    );
    // A busy connection is not closed: it keeps sending more often than the timeout.
    let mut busy = TcpStream::connect(("127.0.0.1", port)).unwrap();
    for i in 0..10 {
        busy.write_all(format!("{{\"busy\":{i}}}\n").as_bytes())
            .unwrap();
        std::thread::sleep(Duration::from_millis(100));
    }
    let (exit, dir) = s.stop();
    assert!(exit.status.success(), "{}", exit.stderr);
    assert_eq!(json_lines(&dir.path().join("out.jsonl")).len(), 11);
}

#[test]
fn over_its_memory_budget_a_source_refuses_new_connections() {
    let port = free_port();
    // Two idle connections hold 8 KiB each: the budget is then used up.
    let s = Sluice::start(&config(port, "memory_budget = \"16KiB\""));
    let mut a = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let mut b = TcpStream::connect(("127.0.0.1", port)).unwrap();
    a.write_all(b"{\"c\":\"a\"}\n").unwrap();
    b.write_all(b"{\"c\":\"b\"}\n").unwrap();
    wait_until("both connections", 30, || {
        metric(
            &s.metrics(),
            "sluice_source_connections_open{source=\"in\"}",
        ) == Some(2.0)
    });
    let mut c = TcpStream::connect(("127.0.0.1", port)).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let mut buf = [0u8; 16];
    let refused = matches!(c.read(&mut buf), Ok(0) | Err(_));
    assert!(refused, "the third connection is closed at once");
    assert_eq!(
        s.wait_metric(
            "sluice_source_connections_refused_total{source=\"in\",reason=\"memory_budget\"}",
            1.0,
            10
        ),
        1.0
    );
    // The connections it has keep working.
    a.write_all(b"{\"c\":\"a2\"}\n").unwrap();
    drop((a, b));
    let (exit, dir) = s.stop();
    assert!(exit.status.success(), "{}", exit.stderr);
    assert_eq!(json_lines(&dir.path().join("out.jsonl")).len(), 3);
}
