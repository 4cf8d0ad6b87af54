//! Traffic shaping end to end: the real binary on two ingest shards, real TCP senders,
//! the shipped example config, host-wide limits, bad shaping metadata to `err`, and
//! `sluice check` on bad shaper settings.

mod common;

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use common::{example, free_port, json_lines, metric, retarget, send_tcp, Sluice};

fn corpus() -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/data/script_logs.ndjson");
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .map(str::to_string)
        .collect()
}

const CLASSES: [&str; 7] = [
    "critical", "error", "billing", "warning", "debug", "bulk", "canary",
];

/// Rate of each class in `ops/examples/shaping.tremor`.
fn rate(class: &str) -> f64 {
    match class {
        "critical" => 1000.0,
        "error" => 500.0,
        "billing" => 200.0,
        "warning" => 100.0,
        "debug" => 10.0,
        "bulk" => 300.0,
        "canary" => 50.0,
        other => panic!("unknown class {other}"),
    }
}

#[test]
fn the_shipped_example_shapes_per_class_over_two_ingest_shards() {
    let port = free_port();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("ops/examples/shaping.tremor");
    let config = retarget(
        &example("shaping.toml"),
        &[
            ("127.0.0.1:4250", format!("127.0.0.1:{port}")),
            (
                "script_file = \"shaping.tremor\"",
                format!("script_file = \"{}\"", script.display()),
            ),
        ],
    );
    assert!(config.contains("ingest = [0, 1]"));
    let s = Sluice::start(&config);
    let started = Instant::now();
    // The corpus four times and a noisy host's debug records, over 8 connections: both
    // shards get traffic.
    let mut lines: Vec<String> = (0..4).flat_map(|_| corpus()).collect();
    for i in 0..200 {
        lines.push(format!(
            r#"{{"level":"debug","service":"api","host":"noisy-1","message":"tick {i}","tags":["edge"]}}"#
        ));
    }
    send_tcp(port, &lines, 8);
    let sent = lines.len();
    let m = |name: &str, class: &str| {
        metric(
            &s.metrics(),
            &format!("{name}{{pipeline=\"shape\",class=\"{class}\"}}"),
        )
        .unwrap_or(0.0)
    };
    // Wait until every event is accounted for by the shaper.
    let deadline = Instant::now() + std::time::Duration::from_secs(30);
    let total = loop {
        let t: f64 = CLASSES
            .iter()
            .map(|c| m("sluice_shaper_passed_total", c) + m("sluice_shaper_overflowed_total", c))
            .sum();
        #[allow(clippy::cast_precision_loss)]
        if t >= sent as f64 || Instant::now() > deadline {
            break t;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    let elapsed = started.elapsed().as_secs_f64();
    #[allow(clippy::cast_precision_loss)]
    let sent_f = sent as f64;
    assert_eq!(total, sent_f, "every event passed or overflowed");
    let mut passed = 0.0;
    let mut overflowed = 0.0;
    for c in CLASSES {
        passed += m("sluice_shaper_passed_total", c);
        overflowed += m("sluice_shaper_overflowed_total", c);
    }
    let text = s.metrics();
    assert_eq!(
        metric(&text, "sluice_shaper_invalid_total{pipeline=\"shape\"}"),
        Some(0.0)
    );
    assert!(text.contains(
        "sluice_shaper_latency_seconds{pipeline=\"shape\",class=\"bulk\",quantile=\"0.99\"}"
    ));
    let (exit, dir) = s.stop();
    assert!(exit.status.success(), "{}", exit.stderr);
    // The files hold exactly what the counters say, re-encoded with sorted keys.
    let shaped = json_lines(&dir.path().join("shaped.jsonl"));
    let over = json_lines(&dir.path().join("shaped-overflow.jsonl"));
    #[allow(clippy::cast_precision_loss)]
    {
        assert_eq!(shaped.len() as f64, passed);
        assert_eq!(over.len() as f64, overflowed);
    }
    // `$dimensions` is the host: each (class, host) has its own host-wide bucket. Debug
    // records (not billing, not canary) of one host pass at most the burst (one second's
    // worth) plus the rate for as long as the test ran, plus the 2% borrow margin; two
    // independent per-shard buckets would allow twice that.
    let limit = rate("debug") * (1.0 + elapsed) * 1.02 + 1.0;
    let is_debug = |e: &serde_json::Value| {
        e["level"] == "debug"
            && e["service"] != "billing"
            && !e["tags"].as_array().unwrap().iter().any(|t| t == "canary")
    };
    let mut per_host = HashMap::new();
    for e in shaped.iter().filter(|e| is_debug(e)) {
        *per_host
            .entry(e["host"].as_str().unwrap().to_string())
            .or_insert(0.0) += 1.0;
    }
    assert!(!per_host.is_empty());
    for (host, n) in &per_host {
        assert!(*n <= limit, "debug from {host}: {n} passed, limit {limit}");
    }
    let offered: HashMap<String, f64> = lines.iter().fold(HashMap::new(), |mut m, l| {
        let e: serde_json::Value = serde_json::from_str(l).unwrap();
        if is_debug(&e) {
            *m.entry(e["host"].as_str().unwrap().to_string())
                .or_insert(0.0) += 1.0;
        }
        m
    });
    assert!(offered["noisy-1"] > limit);
    assert!(per_host["noisy-1"] >= 5.0, "{per_host:?}");
    let raw = std::fs::read_to_string(dir.path().join("shaped.jsonl")).unwrap();
    let first = raw.lines().next().unwrap();
    assert!(
        first.starts_with("{\"env\":"),
        "sorted keys expected: {first}"
    );
    assert!(exit.stderr.contains("shaper shape"), "{}", exit.stderr);
    assert!(exit.stderr.contains("class debug"), "{}", exit.stderr);
}

fn config(port: u16, script: &str, shaper: &str) -> String {
    format!(
        r#"
[shards]
ingest = [0, 1]
sink = [1]

[[source]]
id = "in"
type = "tcp"
listen = "127.0.0.1:{port}"
preprocessors = ["separate"]
pipeline = "main"

[[pipeline]]
id = "main"
out = ["out"]
err = ["errors"]
ports = {{ overflow = ["over"] }}
shaper = {shaper}
script = """
{script}
"""

[[sink]]
id = "out"
type = "file"
path = "{{dir}}/out.jsonl"
postprocessors = ["separate"]

[[sink]]
id = "over"
type = "file"
path = "{{dir}}/over.jsonl"
postprocessors = ["separate"]

[[sink]]
id = "errors"
type = "file"
path = "{{dir}}/err.jsonl"
postprocessors = ["separate"]
"#
    )
}

#[test]
fn a_class_rate_holds_for_the_host_not_per_shard() {
    // 40 per hour: nothing refills during the test, so the host passes its burst of 40 at
    // most; two independent per-shard buckets would pass up to 80.
    let script = r#"
match event of
  case %{ kind == "limited" } => let $class = "limited"; let $rate = 40; let $time_range = 3600000
  default => null
end;
emit event
"#;
    let port = free_port();
    let s = Sluice::start(&config(port, script, "\"bucket\""));
    let lines: Vec<String> = (0..800)
        .map(|i| {
            let kind = if i % 2 == 0 { "limited" } else { "free" };
            format!(r#"{{"kind":"{kind}","i":{i}}}"#)
        })
        .collect();
    send_tcp(port, &lines, 16);
    let key = "sluice_shaper_overflowed_total{pipeline=\"main\",class=\"limited\"}";
    s.wait_metric(key, 360.0, 30);
    let text = s.metrics();
    let passed = metric(
        &text,
        "sluice_shaper_passed_total{pipeline=\"main\",class=\"limited\"}",
    )
    .unwrap_or(0.0);
    let over = metric(&text, key).unwrap_or(0.0);
    let unshaped = metric(&text, "sluice_shaper_unshaped_total{pipeline=\"main\"}");
    assert_eq!(passed + over, 400.0);
    assert!(passed <= 41.0, "{passed} passed: the limit is host-wide");
    assert!(
        passed >= 20.0,
        "{passed} passed: at least one shard's half of the burst"
    );
    assert_eq!(unshaped, Some(400.0), "events without $class pass unshaped");
    let (exit, dir) = s.stop();
    assert!(exit.status.success(), "{}", exit.stderr);
    let out = json_lines(&dir.path().join("out.jsonl"));
    let overflow = json_lines(&dir.path().join("over.jsonl"));
    #[allow(clippy::cast_precision_loss)]
    {
        assert_eq!(out.len() as f64, 400.0 + passed);
        assert_eq!(overflow.len() as f64, over);
    }
    assert!(overflow.iter().all(|e| e["kind"] == "limited"));
}

#[test]
fn unusable_shaping_fields_go_to_err_with_the_reason() {
    let script = r#"
match event of
  case %{ bad == "rate" } => let $class = "x"; let $rate = "fast"
  case %{ bad == "class" } => let $class = 42; let $rate = 5
  case %{ bad == "dimensions" } => let $class = "x"; let $rate = 5; let $dimensions = event.deep
  default => let $class = "ok"; let $rate = 1000
end;
emit event
"#;
    let port = free_port();
    let s = Sluice::start(&config(
        port,
        script,
        "{ kind = \"bucket\", max_dimension_bytes = 64 }",
    ));
    let lines = vec![
        r#"{"bad":"rate","n":1}"#.to_string(),
        r#"{"bad":"class","n":2}"#.to_string(),
        format!(
            r#"{{"bad":"dimensions","n":3,"deep":"{}"}}"#,
            "d".repeat(100)
        ),
        r#"{"n":4}"#.to_string(),
    ];
    send_tcp(port, &lines, 1);
    s.wait_metric("sluice_shaper_invalid_total{pipeline=\"main\"}", 3.0, 30);
    let (exit, dir) = s.stop();
    assert!(exit.status.success(), "{}", exit.stderr);
    let errs = json_lines(&dir.path().join("err.jsonl"));
    assert_eq!(errs.len(), 3, "{errs:?}");
    let by_n = |n: i64| {
        errs.iter()
            .find(|e| e["event"]["n"] == n)
            .unwrap_or_else(|| panic!("no error for event {n}: {errs:?}"))
    };
    let e = by_n(1);
    assert_eq!(e["error"]["kind"], "shaper");
    assert_eq!(e["error"]["pipeline"], "main");
    assert_eq!(
        e["error"]["message"],
        "`$rate` must be a positive number of events per time range, got the string \"fast\""
    );
    assert_eq!(e["event"]["bad"], "rate", "the event is kept intact");
    assert_eq!(
        by_n(2)["error"]["message"],
        "`$class` must be a string, got integer"
    );
    let m = by_n(3)["error"]["message"].as_str().unwrap().to_string();
    assert!(m.starts_with("`$dimensions` cannot be hashed:"), "{m}");
    assert!(m.contains("limit of 64"), "{m}");
    let out = json_lines(&dir.path().join("out.jsonl"));
    assert_eq!(out.len(), 1);
    assert_eq!(out[0]["n"], 4);
}

/// `sluice check` on a config: (exit code, stderr).
fn check(text: &str) -> (i32, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shaper.toml");
    std::fs::write(&path, text).unwrap();
    let out = Command::new(common::bin())
        .arg("check")
        .arg(&path)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn check_validates_the_shaper_settings() {
    let good = config(
        4999,
        "emit event",
        "{ kind = \"bucket\", cardinality = 1000 }",
    )
    .replace("{dir}", "/tmp");
    let (code, err) = check(&good);
    assert_eq!(code, 0, "{err}");
    let cases = [
        (
            "\"buckt\"",
            "pipeline.main.shaper",
            "unknown shaper `buckt`, did you mean `bucket`?",
        ),
        (
            "{ cardinality = 10 }",
            "pipeline.main.shaper.kind",
            "needs `kind = \"bucket\"`",
        ),
        (
            "{ kind = \"bucket\", cardinality = 0 }",
            "pipeline.main.shaper.cardinality",
            "from 1 to",
        ),
        (
            "{ kind = \"bucket\", shed = \"burn\" }",
            "pipeline.main.shaper.shed",
            "\"overflow\" or \"drop\"",
        ),
        (
            "{ kind = \"bucket\", priorities = { a = 300 } }",
            "pipeline.main.shaper.priorities.a",
            "from 0 to 255",
        ),
        (
            "{ kind = \"bucket\", high_water = 0.4 }",
            "pipeline.main.shaper.low_water",
            "must be below high_water",
        ),
        (
            "{ kind = \"bucket\", cardinalty = 5 }",
            "pipeline.main.shaper.cardinalty",
            "did you mean `cardinality`?",
        ),
        (
            "{ kind = \"bucket\", shed_step = \"soon\" }",
            "pipeline.main.shaper.shed_step",
            "not a duration",
        ),
    ];
    for (shaper, key, words) in cases {
        let text = config(4999, "emit event", shaper).replace("{dir}", "/tmp");
        let (code, err) = check(&text);
        assert_eq!(code, 1, "{shaper}: {err}");
        assert!(
            err.contains(&format!(":18:10: `{key}`: ")),
            "{shaper}: {err}"
        );
        assert!(err.contains(words), "{shaper}: {err}");
    }
}
