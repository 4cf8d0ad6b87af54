//! TCP -> Kafka sink -> tansu -> Kafka source -> file, with every compression codec, through
//! one real `sluice` process and a real broker; plus `$kafka` metadata on consumed events.

mod common;
mod kafka_support;

use std::collections::BTreeSet;

use common::{events, free_port, send_tcp, Sluice};
use kafka_support::{read_json, Broker};

const COMPRESSIONS: [&str; 5] = ["none", "gzip", "lz4", "zstd", "snappy"];

fn config(broker: &str, port: u16) -> String {
    let sink_cpu = if common::cpus() > 1 { 1 } else { 0 };
    let mut c = format!(
        r#"
[shards]
ingest = [0]
sink = [{sink_cpu}]

[[source]]
id = "in"
type = "tcp"
listen = "127.0.0.1:{port}"
preprocessors = ["separate"]
codec = "json"
pipeline = "to_kafka"

[[pipeline]]
id = "to_kafka"
out = [{outs}]
err = ["errors"]

[[sink]]
id = "errors"
type = "file"
path = "{{dir}}/errors.jsonl"
postprocessors = ["separate"]
"#,
        outs = COMPRESSIONS
            .iter()
            .map(|c| format!("\"k_{c}\""))
            .collect::<Vec<_>>()
            .join(", ")
    );
    for comp in COMPRESSIONS {
        // `none` also shows the consumed event's `$kafka` metadata through a script.
        let script = if comp == "none" {
            "script = '''\nlet event.k_topic = $kafka.topic;\nlet event.k_partition = $kafka.partition;\nlet event.k_offset = $kafka.offset;\nlet event.k_ts = $kafka.timestamp;\nevent\n'''\n"
        } else {
            ""
        };
        c.push_str(&format!(
            r#"
[[sink]]
id = "k_{comp}"
type = "kafka"
brokers = ["{broker}"]
topic = "rt-{comp}"
compression = "{comp}"
codec = "json"

[[source]]
id = "kin_{comp}"
type = "kafka"
brokers = ["{broker}"]
topics = ["rt-{comp}"]
group_id = "g-{comp}"
codec = "json"
pipeline = "from_{comp}"

[[pipeline]]
id = "from_{comp}"
out = ["f_{comp}"]
err = ["errors"]
{script}
[[sink]]
id = "f_{comp}"
type = "file"
path = "{{dir}}/{comp}.jsonl"
postprocessors = ["separate"]
flush_interval = "100ms"
"#
        ));
    }
    c
}

#[test]
fn every_compression_round_trips_through_the_broker() {
    let broker = Broker::start();
    for comp in COMPRESSIONS {
        broker.create_topic(&format!("rt-{comp}"), 2);
    }
    let port = free_port();
    let s = Sluice::start(&config(&broker.addr(), port));
    let n = 3000;
    let lines = events(n, "rt");
    send_tcp(port, &lines, 2);
    for comp in COMPRESSIONS {
        s.wait_metric(
            &format!("sluice_sink_events_total{{sink=\"f_{comp}\"}}"),
            n as f64,
            120,
        );
    }
    let (exit, dir) = s.stop();
    assert!(exit.status.success(), "sluice failed: {}", exit.stderr);
    let want: BTreeSet<u64> = (0..n as u64).collect();
    for comp in COMPRESSIONS {
        let got = read_json(&dir.path().join(format!("{comp}.jsonl")));
        let seqs: BTreeSet<u64> = got.iter().filter_map(|v| v["seq"].as_u64()).collect();
        assert_eq!(seqs, want, "compression {comp}: every event, once");
        assert_eq!(
            got.len(),
            n,
            "compression {comp}: no duplicates in a clean run"
        );
        if comp == "none" {
            for v in &got {
                assert_eq!(v["k_topic"], "rt-none");
                assert!(v["k_partition"]
                    .as_i64()
                    .is_some_and(|p| (0..2).contains(&p)));
                assert!(v["k_offset"].as_i64().is_some_and(|o| o >= 0));
                assert!(v["k_ts"]
                    .as_i64()
                    .is_some_and(|t| t > 1_600_000_000_000_000_000));
            }
        }
    }
    let errors = std::fs::read_to_string(dir.path().join("errors.jsonl")).unwrap_or_default();
    assert!(errors.is_empty(), "nothing went to err: {errors}");
}

#[test]
fn kafka_metadata_sets_topic_key_and_headers_of_produced_messages() {
    let broker = Broker::start();
    broker.create_topic("meta-default", 1);
    broker.create_topic("meta-routed", 2);
    let port = free_port();
    let s = Sluice::start(&format!(
        r#"
[[source]]
id = "in"
type = "tcp"
listen = "127.0.0.1:{port}"
preprocessors = ["separate"]
pipeline = "main"

[[pipeline]]
id = "main"
out = ["k"]
script = '''
match event of
  case %{{ level == "error" }} =>
    let $kafka = {{ "topic": "meta-routed", "key": event.host, "headers": {{ "level": event.level }} }};
    event
  case _ => event
end
'''

[[sink]]
id = "k"
type = "kafka"
brokers = ["{}"]
topic = "meta-default"
"#,
        broker.addr()
    ));
    let n = 400;
    send_tcp(port, &events(n, "meta"), 1);
    s.wait_metric("sluice_sink_events_total{sink=\"k\"}", n as f64, 60);
    let (exit, _) = s.stop();
    assert!(exit.status.success(), "{}", exit.stderr);
    // events() cycles debug/info/warn/error: a quarter are errors.
    let routed = kafka_support::Reader::new(&broker.addr(), "meta-routed").read_full(n / 4, 60);
    assert_eq!(routed.len(), n / 4);
    for (key, headers, payload) in &routed {
        let v: serde_json::Value = serde_json::from_str(payload).expect("json");
        assert_eq!(v["level"], "error");
        assert_eq!(key.as_deref(), v["host"].as_str(), "key from $kafka.key");
        assert_eq!(headers, &vec![("level".to_string(), "error".to_string())]);
    }
    let rest = kafka_support::Reader::new(&broker.addr(), "meta-default").read(n - n / 4, 60);
    assert_eq!(rest.len(), n - n / 4, "the others went to the sink's topic");
}
