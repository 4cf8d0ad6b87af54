//! `kill -9` of sluice in the middle of a Kafka -> file run, then a restart in the same
//! consumer group: every record arrives; a record arrives twice only if its offset was at or
//! after the group's committed offset at the time of the kill (the uncommitted window), and
//! every record before a committed offset was already in the file when it was committed.

mod common;
mod kafka_support;

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use common::{events, Sluice};
use kafka_support::{committed, produce, read_json, Broker};

const PARTITIONS: i32 = 3;

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
topics = ["crash"]
group_id = "crash-group"
codec = "json"
pipeline = "main"
commit_interval = "100ms"

[[pipeline]]
id = "main"
out = ["file"]
err = ["file"]
script = '''
let event.p = $kafka.partition;
let event.o = $kafka.offset;
event
'''

[[sink]]
id = "file"
type = "file"
path = "{{dir}}/out.jsonl"
postprocessors = ["separate"]
flush_interval = "50ms"
"#
    )
}

/// (partition, offset) -> seq of every record in a run's file.
fn records(s: &Sluice) -> Vec<(i64, i64, u64)> {
    read_json(&s.path("out.jsonl"))
        .iter()
        .filter_map(|v| Some((v["p"].as_i64()?, v["o"].as_i64()?, v["seq"].as_u64()?)))
        .collect()
}

/// Complete lines in a run's file so far.
fn lines_written(s: &Sluice) -> usize {
    std::fs::read(s.path("out.jsonl"))
        .map(|b| b.iter().filter(|&&c| c == b'\n').count())
        .unwrap_or(0)
}

#[test]
fn kill_9_and_restart_loses_nothing_and_duplicates_only_the_uncommitted_window() {
    let broker = Broker::start();
    broker.create_topic("crash", PARTITIONS as u32);
    let n = 60_000;
    produce(&broker.addr(), "crash", &events(n, "crash"));

    let mut first = Sluice::start(&config(&broker.addr()));
    // Let it get some way in (but not to the end), then kill it without warning.
    let deadline = Instant::now() + Duration::from_secs(120);
    // Counting newlines (not parsing the records) keeps each look short, so the kill lands
    // well before the end even when the run is fast.
    while lines_written(&first) < n / 4 {
        assert!(Instant::now() < deadline, "the first run read too little");
        std::thread::sleep(Duration::from_millis(5));
    }
    first.signal(libc::SIGKILL);
    let _ = first.child.wait();
    let before = records(&first);
    let commits = committed(&broker.addr(), "crash-group", "crash", PARTITIONS);
    assert!(
        before.len() < n,
        "killed after the end ({} records): the test proves nothing",
        before.len()
    );

    // Everything before a committed offset is in the first run's file: a commit follows
    // the file sink's acknowledgement, never the other way round.
    let seen: BTreeSet<(i64, i64)> = before.iter().map(|(p, o, _)| (*p, *o)).collect();
    for (p, c) in &commits {
        for o in 0..*c {
            assert!(
                seen.contains(&(i64::from(*p), o)),
                "partition {p} offset {o} was committed ({c}) but never written"
            );
        }
    }

    let second = Sluice::start(&config(&broker.addr()));
    let deadline = Instant::now() + Duration::from_secs(180);
    let arrived = loop {
        let all: BTreeSet<u64> = before
            .iter()
            .chain(records(&second).iter())
            .map(|r| r.2)
            .collect();
        if all.len() == n || Instant::now() > deadline {
            break all.len();
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let metrics = second.metrics();
    let (exit, _dir) = second.stop();
    assert_eq!(
        arrived,
        n,
        "after the restart only {arrived} of {n} records arrived; second run's metrics:\n{}\nstderr:\n{}",
        metrics
            .lines()
            .filter(|l| l.contains("source") && !l.starts_with('#'))
            .collect::<Vec<_>>()
            .join("\n"),
        exit.stderr
    );
    assert!(exit.status.success(), "second run: {}", exit.stderr);

    // Duplicates: records written by both runs, all inside the window the kill left open.
    let after = read_json(&_dir.path().join("out.jsonl"));
    let mut count: BTreeMap<(i64, i64), u32> = BTreeMap::new();
    for (p, o, _) in &before {
        *count.entry((*p, *o)).or_default() += 1;
    }
    for v in &after {
        let (Some(p), Some(o)) = (v["p"].as_i64(), v["o"].as_i64()) else {
            continue;
        };
        *count.entry((p, o)).or_default() += 1;
    }
    let dups: Vec<(i64, i64)> = count
        .iter()
        .filter(|(_, c)| **c > 1)
        .map(|(k, _)| *k)
        .collect();
    for (p, o) in &dups {
        let c = commits.get(&(*p as i32)).copied().unwrap_or(0);
        assert!(
            *o >= c,
            "partition {p} offset {o} came twice but was before the committed offset {c}"
        );
    }
    let window: i64 = (0..PARTITIONS)
        .map(|p| {
            let c = commits.get(&p).copied().unwrap_or(0).max(0);
            let last = before
                .iter()
                .filter(|r| r.0 == i64::from(p))
                .map(|r| r.1 + 1)
                .max()
                .unwrap_or(0);
            (last - c).max(0)
        })
        .sum();
    eprintln!(
        "kill -9 after {} of {n} records; uncommitted window {window}; duplicates {}",
        before.len(),
        dups.len()
    );
    assert!(
        dups.len() as i64 <= window,
        "duplicates beyond the uncommitted window"
    );
}
