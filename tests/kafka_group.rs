//! Two `sluice` processes in one consumer group share a topic's partitions: each gets some,
//! together they read every record.

mod common;
mod kafka_support;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use common::{events, metric, Sluice};
use kafka_support::{produce, read_json, Broker};

fn config(broker: &str) -> String {
    format!(
        r#"
[shards]
ingest = [0]
sink = [0]

[[source]]
id = "kin"
type = "kafka"
brokers = ["{broker}"]
topics = ["shared"]
group_id = "two-processes"
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
postprocessors = ["separate"]
flush_interval = "50ms"
"#
    )
}

fn partitions(s: &Sluice) -> f64 {
    metric(&s.metrics(), "sluice_source_partitions{source=\"kin\"}").unwrap_or(0.0)
}

#[test]
fn two_processes_share_the_partitions_of_a_topic() {
    let broker = Broker::start();
    broker.create_topic("shared", 4);
    let a = Sluice::start(&config(&broker.addr()));
    let b = Sluice::start(&config(&broker.addr()));
    // Wait until the group has settled with both members holding partitions.
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let (pa, pb) = (partitions(&a), partitions(&b));
        if pa > 0.0 && pb > 0.0 && pa + pb == 4.0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the group did not settle: {pa} + {pb} partitions"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let n = 20_000;
    produce(&broker.addr(), "shared", &events(n, "grp"));
    let deadline = Instant::now() + Duration::from_secs(120);
    let (ra, rb) = loop {
        let ra = read_json(&a.path("out.jsonl"));
        let rb = read_json(&b.path("out.jsonl"));
        let all: BTreeSet<u64> = ra
            .iter()
            .chain(&rb)
            .filter_map(|v| v["seq"].as_u64())
            .collect();
        if all.len() == n {
            break (ra, rb);
        }
        assert!(
            Instant::now() < deadline,
            "only {} of {n} records arrived",
            all.len()
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(!ra.is_empty() && !rb.is_empty(), "both processes took part");
    let dups = ra.len() + rb.len() - n;
    eprintln!(
        "process a: {}, process b: {}, duplicates: {dups}",
        ra.len(),
        rb.len()
    );
    assert_eq!(dups, 0, "a settled group reads every record once");
    for s in [a, b] {
        let (exit, _) = s.stop();
        assert!(exit.status.success(), "{}", exit.stderr);
    }
}
