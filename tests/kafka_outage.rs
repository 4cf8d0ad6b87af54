//! The broker stops answering for 20 s in the middle of a producer run (SIGSTOP: it keeps its
//! in-memory data, as a real broker keeps its log): nothing is lost, nothing is dropped, and
//! Sluice's memory stays bounded while the TCP senders are held back.

mod common;
mod kafka_support;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use common::{events, free_port, metric, send_tcp, status_kib, Sluice};
use kafka_support::{Broker, Reader};

#[test]
fn a_20_second_broker_outage_loses_nothing_and_memory_stays_bounded() {
    let broker = Broker::start();
    broker.create_topic("outage", 2);
    let port = free_port();
    let s = Sluice::start(&format!(
        r#"
[shards]
ingest = [0]
sink = [0]
ring_capacity = 16

[[source]]
id = "in"
type = "tcp"
listen = "127.0.0.1:{port}"
preprocessors = ["separate"]
codec = "json"
pipeline = "main"

[[pipeline]]
id = "main"
out = ["k"]
err = ["k"]

[[sink]]
id = "k"
type = "kafka"
brokers = ["{}"]
topic = "outage"
codec = "json"
max_buffered = "8MiB"
"#,
        broker.addr()
    ));
    let n = 200_000;
    let lines = events(n, "outage");
    let sender = std::thread::spawn(move || send_tcp(port, &lines, 2));
    // Pause the broker once the run is under way.
    let deadline = Instant::now() + Duration::from_secs(60);
    while metric(&s.metrics(), "sluice_sink_events_total{sink=\"k\"}").unwrap_or(0.0) < 10_000.0 {
        assert!(Instant::now() < deadline, "the run did not get going");
        std::thread::sleep(Duration::from_millis(50));
    }
    let pid = s.child.id();
    let rss_before = status_kib(pid, "VmRSS");
    broker.pause(true);
    let outage = Instant::now();
    let mut peak = 0;
    while outage.elapsed() < Duration::from_secs(20) {
        peak = peak.max(status_kib(pid, "VmRSS"));
        std::thread::sleep(Duration::from_millis(250));
    }
    broker.pause(false);
    sender.join().expect("sender");
    let reader = Reader::new(&broker.addr(), "outage");
    let got = reader.read(n, 180);
    let seqs: BTreeSet<u64> = got
        .iter()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok()?["seq"].as_u64())
        .collect();
    let text = s.metrics();
    let (exit, _) = s.stop();
    assert!(exit.status.success(), "{}", exit.stderr);
    eprintln!(
        "RSS before the outage {rss_before} KiB, peak during it {peak} KiB; {} records read back ({} distinct)",
        got.len(),
        seqs.len()
    );
    assert_eq!(seqs.len(), n, "every record reached the broker");
    assert!(
        metric(
            &text,
            "sluice_sink_dropped_total{sink=\"k\",reason=\"shutdown\"}"
        )
        .unwrap_or(0.0)
            == 0.0,
        "nothing dropped"
    );
    // Bounded: the producer's queue (8 MiB) and the ring credits, not the 120 MB that was sent.
    assert!(
        peak < rss_before + 96 * 1024,
        "memory grew from {rss_before} to {peak} KiB during the outage"
    );
}
