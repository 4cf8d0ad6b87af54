//! Scripts in pipelines: compiled once, run on every shard, routing by port, drops,
//! runtime errors to `err`, and unchanged events forwarded byte for byte.

mod common;

use std::process::Command;

use common::{free_port, json_lines, metric, send_tcp, Sluice};

fn config(port: u16, ingest: &str, script: &str) -> String {
    format!(
        r#"
[shards]
ingest = {ingest}
sink = [0]

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
ports = {{ alerts = ["alerts"] }}
args = {{ factor = 3 }}
script = """
{script}
"""

[[sink]]
id = "out"
type = "file"
path = "{{dir}}/out.jsonl"
postprocessors = ["separate"]

[[sink]]
id = "alerts"
type = "file"
path = "{{dir}}/alerts.jsonl"
postprocessors = ["separate"]

[[sink]]
id = "errors"
type = "file"
path = "{{dir}}/err.jsonl"
postprocessors = ["separate"]
"#
    )
}

const CLASSIFY: &str = r#"
match event of
  case %{ level == "error" } => emit {"alert": event.msg, "host": event.host} => "alerts"
  case %{ level == "debug" } => drop
  case %{ present n } =>
    let event.scaled = event.n * args.factor;
    emit event
  default =>
    let $class = "other";
    emit event
end
"#;

#[test]
fn a_script_routes_drops_modifies_and_fails_per_event() {
    let port = free_port();
    let s = Sluice::start(&config(port, "[0]", CLASSIFY));
    let lines: Vec<String> = [
        r#"{"level": "info",  "msg": "kept as sent"}"#,
        r#"{"level":"error","msg":"disk full","host":"db1"}"#,
        r#"{"level":"debug","msg":"noise"}"#,
        r#"{"n": 14}"#,
        r#"{"n": "fourteen"}"#,
    ]
    .iter()
    .map(|s| (*s).to_string())
    .collect();
    send_tcp(port, &lines, 1);
    s.wait_metric("sluice_pipeline_dropped_total{pipeline=\"main\"}", 1.0, 20);
    s.wait_metric("sluice_sink_events_total{sink=\"errors\"}", 1.0, 20);
    let m = s.metrics();
    assert_eq!(
        metric(
            &m,
            "sluice_pipeline_port_events_total{pipeline=\"main\",port=\"alerts\"}"
        ),
        Some(1.0),
        "{m}"
    );
    assert_eq!(
        metric(&m, "sluice_pipeline_errors_total{pipeline=\"main\"}"),
        Some(1.0),
        "{m}"
    );
    let (exit, dir) = s.stop();
    assert!(exit.status.success(), "{}", exit.stderr);
    // An event the script did not change leaves with its original bytes (spacing kept).
    let out = std::fs::read_to_string(dir.path().join("out.jsonl")).unwrap();
    let mut out_lines = out.lines();
    assert_eq!(
        out_lines.next(),
        Some(r#"{"level": "info",  "msg": "kept as sent"}"#)
    );
    let changed: serde_json::Value = serde_json::from_str(out_lines.next().unwrap()).unwrap();
    assert_eq!(changed, serde_json::json!({"n": 14, "scaled": 42}));
    assert_eq!(out_lines.next(), None);
    let alerts = json_lines(&dir.path().join("alerts.jsonl"));
    assert_eq!(
        alerts,
        vec![serde_json::json!({"alert": "disk full", "host": "db1"})]
    );
    let errs = json_lines(&dir.path().join("err.jsonl"));
    assert_eq!(errs.len(), 1);
    assert_eq!(errs[0]["event"], serde_json::json!({"n": "fourteen"}));
    let e = &errs[0]["error"];
    assert_eq!(e["kind"], "runtime");
    assert_eq!(e["source"], "in");
    assert_eq!(e["pipeline"], "main");
    assert!(e["code"].as_str().unwrap().starts_with("E02"), "{e}");
    // The position points into the config file, where the script is.
    let cfg = std::fs::read_to_string(dir.path().join("sluice.toml")).unwrap();
    let line = cfg
        .lines()
        .position(|l| l.contains("event.n * args.factor"))
        .unwrap()
        + 1;
    assert_eq!(e["line"], line, "{e}");
}

#[test]
fn state_is_per_shard_and_persists_across_events() {
    let port = free_port();
    let script = r#"
let state = match state of case null => 0 default => state end + 1;
let event.nth = state;
emit event
"#;
    let s = Sluice::start(&config(port, "[0]", script));
    let lines: Vec<String> = (0..50).map(|i| format!(r#"{{"i":{i}}}"#)).collect();
    send_tcp(port, &lines, 1);
    assert_eq!(
        s.wait_metric("sluice_sink_events_total{sink=\"out\"}", 50.0, 20),
        50.0
    );
    let (_, dir) = s.stop();
    let nth: Vec<i64> = json_lines(&dir.path().join("out.jsonl"))
        .iter()
        .map(|v| v["nth"].as_i64().unwrap())
        .collect();
    assert_eq!(nth, (1..=50).collect::<Vec<i64>>());
}

#[test]
fn a_bad_script_fails_check_with_its_position_in_the_config() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.toml");
    std::fs::write(
        &path,
        config(
            4242,
            "[0]",
            // An unknown function is an error (an unknown bare name is only a warning, as in
            // tremor, where it fails when reached).
            "match event of\n  case %{ level == \"x\" } => dorp()\n  default => emit event\nend",
        ),
    )
    .unwrap();
    let out = Command::new(common::bin())
        .arg("check")
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("`pipeline.main.script`"), "{err}");
    assert!(err.contains("unknown function `dorp`"), "{err}");
    let line = std::fs::read_to_string(&path)
        .unwrap()
        .lines()
        .position(|l| l.contains("dorp"))
        .unwrap()
        + 1;
    assert!(
        err.contains(&format!("{}:{line}:", path.display())),
        "diagnostic points into the config: {err}"
    );
    // A port the script emits to but the pipeline does not list.
    std::fs::write(&path, config(4242, "[0]", "emit event => \"pager\"")).unwrap();
    let out = Command::new(common::bin())
        .arg("check")
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("emits to port `pager`"));
}

#[test]
fn script_file_with_a_module_next_to_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("util.tremor"),
        "fn tag(x) with\n  \"#{x}-tagged\"\nend;\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("main.tremor"),
        "use util;\nlet event.tag = util::tag(event.name);\nemit event\n",
    )
    .unwrap();
    let port = free_port();
    let cfg = config(port, "[0]", "emit event").replace(
        "script = \"\"\"\nemit event\n\"\"\"",
        &format!(
            "script_file = \"{}\"",
            dir.path().join("main.tremor").display()
        ),
    );
    let s = Sluice::start(&cfg);
    send_tcp(port, &[r#"{"name":"x"}"#.to_string()], 1);
    s.wait_metric("sluice_sink_events_total{sink=\"out\"}", 1.0, 20);
    let (_, d) = s.stop();
    assert_eq!(
        json_lines(&d.path().join("out.jsonl")),
        vec![serde_json::json!({"name":"x","tag":"x-tagged"})]
    );
}
