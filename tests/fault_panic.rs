//! Fault suite: a shard that panics on a poisoned event (the test-only `fault-injection`
//! hook of sluice-shards, which only the workspace's tests turn on). The panic is caught at
//! the shard boundary, counted and reported; `/health` fails from then on; Sluice stops
//! and exits 70 so that its supervisor restarts it.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::{cpus, free_port, metric, Sluice};

/// Status line and body of a GET on the admin port, or None if nothing answers.
fn get(port: u16, path: &str) -> Option<(String, String)> {
    let mut c = TcpStream::connect(("127.0.0.1", port)).ok()?;
    c.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(
        c,
        "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut resp = String::new();
    c.read_to_string(&mut resp).ok()?;
    let (head, body) = resp.split_once("\r\n\r\n")?;
    Some((head.lines().next()?.to_string(), body.to_string()))
}

fn send(port: u16, text: &str) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.write_all(text.as_bytes()).expect("write");
}

#[test]
fn a_poisoned_event_kills_its_shard_health_fails_and_sluice_exits_70() {
    assert!(
        cpus() >= 2,
        "this test needs 2 CPUs (ingest and sink shards apart)"
    );
    let (port, peer) = (free_port(), free_port());
    // The sink shard lives on another CPU and holds a batch for a peer that is down, so the
    // shutdown after the panic takes `shutdown_timeout`: long enough to look at /health.
    let mut s = Sluice::start(&format!(
        r#"
[shards]
ingest = [0]
sink = [1]
shutdown_timeout = "4s"

[[source]]
id = "in"
type = "tcp"
listen = "127.0.0.1:{port}"
preprocessors = ["separate"]
pipeline = "p"

[[pipeline]]
id = "p"
out = ["fwd"]

[[sink]]
id = "fwd"
type = "tcp"
address = "127.0.0.1:{peer}"
postprocessors = ["separate"]
"#
    ));
    assert_eq!(
        get(s.admin, "/health").map(|r| r.0),
        Some("HTTP/1.1 200 OK".into())
    );
    send(port, "{\"n\":1}\n");
    assert!(s.wait_metric("sluice_source_events_total{source=\"in\"}", 1.0, 20) >= 1.0);
    assert_eq!(metric(&s.metrics(), "sluice_shard_panics_total"), Some(0.0));

    send(port, "{\"n\":2,\"x\":\"SLUICE-TEST-POISON\"}\n");
    // /health fails while Sluice shuts down; /metrics counts the panic.
    let deadline = Instant::now() + Duration::from_secs(20);
    let (status, body) = loop {
        match get(s.admin, "/health") {
            Some((st, body)) if !st.contains("200") => break (st, body),
            _ if Instant::now() > deadline => panic!("/health never failed"),
            _ => std::thread::sleep(Duration::from_millis(20)),
        }
    };
    assert_eq!(status, "HTTP/1.1 503 Service Unavailable");
    assert!(body.contains("shard on CPU 0 panicked"), "{body}");
    assert!(body.contains("poisoned event"), "{body}");
    let m = get(s.admin, "/metrics").expect("metrics").1;
    assert_eq!(metric(&m, "sluice_shard_panics_total"), Some(1.0), "{m}");

    let exit = s.wait(Duration::from_secs(60));
    assert_eq!(exit.status.code(), Some(70), "{}", exit.stderr);
    assert!(exit.stderr.contains("a shard panicked"), "{}", exit.stderr);
    assert!(exit.stderr.contains("sluice summary"), "{}", exit.stderr);
}
