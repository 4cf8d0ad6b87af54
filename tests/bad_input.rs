//! The bad-input table: every directory under `tests/bad_input/` is one case, run against
//! the real binary over loopback. A case holds
//! - `source.toml`: the body of its `[[source]]` table (type, preprocessors, codec, ...);
//!   the harness adds `id = "in"`, a free `listen` address and the pipeline, whose `out`
//!   and `err` go to JSON-lines file sinks;
//! - its input: `input` (sent on one TCP connection), `connections/*` (one TCP connection
//!   each, in name order) or `datagrams/*` (one UDP datagram each);
//! - `expect.toml`: how many lines each sink gets, the err records (in order) and out
//!   records (in any order) with the fields they must have, and metric samples;
//! - optionally files the expectations refer to (`raw_file`: the exact bytes of a frame).
//!
//! `gen.py` writes the input bytes. Every case must finish within the deadline: a decoder
//! that is quadratic in the input, or that hangs, fails here.

mod common;

use std::io::Write;
use std::net::{Shutdown, TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::Value as Json;

/// How long a case may take to be fully processed (generous: loaded CI machines, debug build).
const DEADLINE: Duration = Duration::from_secs(90);

fn cases_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/bad_input")
}

fn config(source: &str, port: u16) -> String {
    format!(
        r#"[shards]
ingest = [0]
sink = [0]

[[source]]
id = "in"
listen = "127.0.0.1:{port}"
pipeline = "main"
{source}

[[pipeline]]
id = "main"
out = ["out"]
err = ["err"]

[[sink]]
id = "out"
type = "file"
path = "{{dir}}/out.jsonl"
codec = "json"
postprocessors = ["separate"]

[[sink]]
id = "err"
type = "file"
path = "{{dir}}/err.jsonl"
codec = "json"
postprocessors = ["separate"]
"#
    )
}

/// The files of `dir`, in name order.
fn files(dir: &Path) -> Vec<Vec<u8>> {
    let mut names: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("dir entry").path())
        .collect();
    names.sort();
    names
        .iter()
        .map(|p| std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display())))
        .collect()
}

fn send(case: &Path, port: u16) {
    let tcp = |data: &[u8]| {
        let mut c = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        c.write_all(data).expect("send");
        c.shutdown(Shutdown::Write).expect("shutdown");
    };
    if case.join("input").is_file() {
        tcp(&std::fs::read(case.join("input")).expect("input"));
    } else if case.join("connections").is_dir() {
        for data in files(&case.join("connections")) {
            tcp(&data);
        }
    } else if case.join("datagrams").is_dir() {
        let s = UdpSocket::bind("127.0.0.1:0").expect("bind");
        for data in files(&case.join("datagrams")) {
            s.send_to(&data, ("127.0.0.1", port))
                .expect("send datagram");
        }
    } else {
        panic!("{}: no input, connections/ or datagrams/", case.display());
    }
}

fn toml_to_json(v: &toml::Value) -> Json {
    serde_json::to_value(v).expect("TOML as JSON")
}

/// The bytes an err record carries: `raw` as text, or `raw_base64` decoded.
fn raw_bytes(rec: &Json) -> Option<Vec<u8>> {
    if let Some(s) = rec.get("raw").and_then(Json::as_str) {
        return Some(s.as_bytes().to_vec());
    }
    let b64 = rec.get("raw_base64")?.as_str()?;
    Some(
        base64::engine::general_purpose::STANDARD
            .decode(b64)
            .expect("raw_base64 is base64"),
    )
}

fn check_err_record(case: &Path, i: usize, want: &toml::Table, got: &Json) {
    let shown: String = got.to_string().chars().take(300).collect();
    let ctx = format!("{} err record {i}: {shown}", case.display());
    for (k, v) in want {
        let v = v
            .as_str()
            .unwrap_or_else(|| panic!("{ctx}: `{k}` must be a string"));
        match k.as_str() {
            "kind" => assert_eq!(got["error"]["kind"].as_str(), Some(v), "{ctx}"),
            "message" => assert!(
                got["error"]["message"]
                    .as_str()
                    .is_some_and(|m| m.contains(v)),
                "{ctx}: message should contain {v:?}"
            ),
            "raw" => assert_eq!(got["raw"].as_str(), Some(v), "{ctx}"),
            "raw_prefix" => assert!(
                got["raw"].as_str().is_some_and(|r| r.starts_with(v)),
                "{ctx}: raw should start with {v:?}"
            ),
            "raw_base64" => assert_eq!(got["raw_base64"].as_str(), Some(v), "{ctx}"),
            "raw_file" => {
                let want = std::fs::read(case.join(v)).expect("raw_file");
                assert_eq!(
                    raw_bytes(got).as_deref(),
                    Some(&want[..]),
                    "{ctx}: bytes differ"
                );
            }
            other => panic!("{ctx}: unknown err record key `{other}`"),
        }
    }
}

/// Each expected out record matches (on the fields it lists) a different line.
fn check_out_records(case: &Path, want: &[toml::Value], got: &[Json]) {
    let mut unused: Vec<&Json> = got.iter().collect();
    for w in want {
        let w = toml_to_json(w);
        let fields = w.as_object().expect("out record is a table");
        let pos = unused
            .iter()
            .position(|g| fields.iter().all(|(k, v)| g.get(k) == Some(v)))
            .unwrap_or_else(|| panic!("{}: no out record has {w} in {got:?}", case.display()));
        unused.remove(pos);
    }
}

fn run_case(case: &Path) {
    let name = case.file_name().and_then(|n| n.to_str()).unwrap_or("?");
    let read = |f: &str| {
        std::fs::read_to_string(case.join(f)).unwrap_or_else(|e| panic!("{name}/{f}: {e}"))
    };
    let expect: toml::Table = read("expect.toml")
        .parse()
        .unwrap_or_else(|e| panic!("{name}/expect.toml: {e}"));
    let count = |k: &str| {
        expect
            .get(k)
            .and_then(toml::Value::as_integer)
            .unwrap_or_else(|| panic!("{name}/expect.toml: `{k}` (a line count) is required"))
    };
    let (want_out, want_err) = (count("out"), count("err"));
    let port = common::free_port();
    let sluice = common::Sluice::start(&config(&read("source.toml"), port));
    let started = Instant::now();
    send(case, port);

    // Processed when every expected sample is there (the sinks' event counts included).
    let mut samples: Vec<(String, f64)> = vec![
        (
            r#"sluice_sink_events_total{sink="out"}"#.into(),
            want_out as f64,
        ),
        (
            r#"sluice_sink_events_total{sink="err"}"#.into(),
            want_err as f64,
        ),
    ];
    if let Some(m) = expect.get("metrics").and_then(toml::Value::as_table) {
        for (k, v) in m {
            let v = v
                .as_integer()
                .map(|i| i as f64)
                .or_else(|| v.as_float())
                .unwrap_or_else(|| panic!("{name}: metric {k} must be a number"));
            samples.push((k.clone(), v));
        }
    }
    let mut text;
    loop {
        text = sluice.metrics();
        let all = samples
            .iter()
            .all(|(k, v)| common::metric(&text, k) == Some(*v));
        if all {
            break;
        }
        if started.elapsed() > DEADLINE {
            let got: Vec<String> = samples
                .iter()
                .map(|(k, v)| format!("{k} = {:?} (want {v})", common::metric(&text, k)))
                .collect();
            panic!("{name}: not processed in {DEADLINE:?}:\n{}", got.join("\n"));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let (exit, dir) = sluice.stop();
    assert!(
        exit.status.success(),
        "{name}: exit {:?}: {}",
        exit.status,
        exit.stderr
    );

    let out = common::json_lines(&dir.path().join("out.jsonl"));
    let err = common::json_lines(&dir.path().join("err.jsonl"));
    assert_eq!(out.len() as i64, want_out, "{name}: out lines {out:?}");
    assert_eq!(err.len() as i64, want_err, "{name}: err lines {err:?}");
    if let Some(recs) = expect.get("err_records").and_then(toml::Value::as_array) {
        assert_eq!(
            recs.len(),
            err.len(),
            "{name}: every err record is described"
        );
        for (i, (w, g)) in recs.iter().zip(&err).enumerate() {
            let w = w.as_table().expect("err record is a table");
            check_err_record(case, i, w, g);
        }
    }
    if let Some(recs) = expect.get("out_records").and_then(toml::Value::as_array) {
        check_out_records(case, recs, &out);
    }
    eprintln!("{name}: ok in {:?}", started.elapsed());
}

#[test]
fn bad_input_table() {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(cases_dir())
        .expect("tests/bad_input")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    assert!(cases.len() >= 12, "the table lost cases: {cases:?}");
    for case in &cases {
        run_case(case);
    }
}
