//! UDP end to end: everything arrives at a rate the machine holds; past it, every loss is
//! counted (kernel receive-buffer drops or full rings), never silent.

mod common;

use std::net::UdpSocket;
use std::time::{Duration, Instant};

use common::{events, free_port, json_lines, metric, Sluice};

fn config(port: u16, recv_buffer: &str) -> String {
    // Rings deep enough to ride out the sink shard being descheduled for tens of milliseconds
    // on a shared 2-core machine: each UDP read hands over its own small batch.
    format!(
        r#"
[shards]
ingest = [0]
sink = [{sink}]
ring_capacity = 1024

[[source]]
id = "udp"
type = "udp"
listen = "127.0.0.1:{port}"
codec = "json"
pipeline = "main"
{recv_buffer}

[[pipeline]]
id = "main"
out = ["file"]
err = ["errors"]

[[sink]]
id = "file"
type = "file"
path = "{{dir}}/out.jsonl"
postprocessors = ["separate"]

[[sink]]
id = "errors"
type = "file"
path = "{{dir}}/err.jsonl"
postprocessors = ["separate"]
"#,
        sink = usize::from(common::cpus() > 1)
    )
}

#[test]
fn udp_at_a_sustainable_rate_delivers_everything() {
    let port = free_port();
    let s = Sluice::start(&config(port, "recv_buffer = \"4MiB\""));
    let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
    let sent = events(20_000, "udp");
    // About 20k datagrams/s, in small bursts.
    let start = Instant::now();
    for (i, l) in sent.iter().enumerate() {
        sock.send_to(l.as_bytes(), ("127.0.0.1", port)).unwrap();
        if i % 100 == 99 {
            let due = start + Duration::from_micros(50 * (i as u64 + 1));
            if let Some(d) = due.checked_duration_since(Instant::now()) {
                std::thread::sleep(d);
            }
        }
    }
    let got = s.wait_metric("sluice_sink_events_total{sink=\"file\"}", 20_000.0, 30);
    let m = s.metrics();
    assert_eq!(got, 20_000.0, "{m}");
    assert_eq!(
        metric(&m, "sluice_source_kernel_drops_total{source=\"udp\"}"),
        Some(0.0)
    );
    let (exit, dir) = s.stop();
    assert!(exit.status.success());
    let mut seqs: Vec<u64> = json_lines(&dir.path().join("out.jsonl"))
        .iter()
        .map(|v| v["seq"].as_u64().unwrap())
        .collect();
    seqs.sort_unstable();
    assert_eq!(seqs, (0..20_000).collect::<Vec<u64>>());
}

#[test]
fn udp_overload_drops_are_counted_never_silent() {
    let port = free_port();
    // A tiny receive buffer and four senders flat out: the kernel must drop.
    let s = Sluice::start(&config(port, "recv_buffer = 4096"));
    let payloads = events(2_000, "flood");
    let senders: Vec<_> = (0..4)
        .map(|_| {
            let p = payloads.clone();
            std::thread::spawn(move || {
                let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
                let mut ok = 0u64;
                for _ in 0..25 {
                    for l in &p {
                        if sock.send_to(l.as_bytes(), ("127.0.0.1", port)).is_ok() {
                            ok += 1;
                        }
                    }
                }
                ok
            })
        })
        .collect();
    let sent: u64 = senders.into_iter().map(|h| h.join().unwrap()).sum();
    std::thread::sleep(Duration::from_millis(500));
    let (exit, dir) = s.stop();
    assert!(exit.status.success(), "{}", exit.stderr);
    let delivered = json_lines(&dir.path().join("out.jsonl")).len() as u64;
    let summary = exit
        .stderr
        .lines()
        .find(|l| l.contains("source udp"))
        .expect("summary")
        .to_string();
    let kernel: u64 = summary
        .split("kernel drops: ")
        .nth(1)
        .and_then(|r| r.split(',').next())
        .and_then(|n| n.trim().parse().ok())
        .expect("kernel drops in summary");
    let ring: u64 = summary
        .split("dropped: ")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!(
        kernel + ring > 0,
        "the flood was expected to overflow: {summary}"
    );
    assert_eq!(
        sent,
        delivered + kernel + ring,
        "every datagram is delivered or counted: {summary}"
    );
}
