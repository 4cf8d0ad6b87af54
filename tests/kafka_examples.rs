//! The shipped Kafka examples, run as shipped (only ports, the broker address and /tmp paths
//! swapped): a sidecar takes syslog from util-linux `logger` into Kafka, a central tier reads
//! the topic into a JSON file.

mod common;
mod kafka_support;

use std::process::Command;
use std::time::{Duration, Instant};

use common::{example, free_port, require_logger, retarget, Sluice};
use kafka_support::{read_json, Broker};

#[test]
fn sidecar_syslog_to_kafka_and_central_kafka_to_json() {
    require_logger();
    let broker = Broker::start();
    broker.create_topic("logs", 2);
    let port = free_port();
    let sidecar = Sluice::start(&retarget(
        &example("syslog-to-kafka.toml"),
        &[
            ("127.0.0.1:5514", format!("127.0.0.1:{port}")),
            ("127.0.0.1:9092", broker.addr()),
        ],
    ));
    let central = Sluice::start(&retarget(
        &example("kafka-to-json.toml"),
        &[("127.0.0.1:9092", broker.addr())],
    ));
    let n = 50;
    for i in 0..n {
        let proto = if i % 2 == 0 { "--udp" } else { "--tcp" };
        let st = Command::new("logger")
            .args(["--server", "127.0.0.1", "--port", &port.to_string(), proto])
            .args(["--rfc5424", "-t", "app", &format!("hello {i}")])
            .status()
            .expect("logger");
        assert!(st.success());
    }
    let out = central.path("kafka-logs.jsonl");
    let deadline = Instant::now() + Duration::from_secs(90);
    let got = loop {
        let got = read_json(&out);
        if got.len() >= n || Instant::now() > deadline {
            break got;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let mut msgs: Vec<String> = got
        .iter()
        .filter_map(|v| v["msg"].as_str().map(str::to_string))
        .collect();
    msgs.sort();
    let mut want: Vec<String> = (0..n).map(|i| format!("hello {i}")).collect();
    want.sort();
    assert_eq!(msgs, want, "every message once, through the broker");
    for v in &got {
        assert_eq!(v["appname"], "app");
        assert!(v["kafka"]["offset"].as_i64().is_some(), "{v}");
    }
    for s in [sidecar, central] {
        let (exit, _) = s.stop();
        assert!(exit.status.success(), "{}", exit.stderr);
    }
}
