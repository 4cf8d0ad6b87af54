//! `sluice check` and `sluice topology`: bad configs give positioned errors and exit 1.

mod common;

use std::process::Command;

const GOOD: &str = r#"[shards]
ingest = [0]
sink = [0]

[admin]
listen = "127.0.0.1:9898"

[[source]]
id = "in"
type = "tcp"
listen = "127.0.0.1:4242"
preprocessors = ["separate"]
codec = "json"
pipeline = "main"

[[pipeline]]
id = "main"
out = ["file"]
err = ["errors"]

[[sink]]
id = "file"
type = "file"
path = "/tmp/out.jsonl"
codec = "json"
postprocessors = ["separate"]

[[sink]]
id = "errors"
type = "file"
path = "/tmp/err.jsonl"
codec = "json"
postprocessors = ["separate"]
"#;

/// Runs `sluice check` on `text`; returns (exit code, stderr, the config's path).
fn check(text: &str) -> (i32, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.toml");
    std::fs::write(&path, text).unwrap();
    let out = Command::new(common::bin())
        .arg("check")
        .arg(&path)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        path.display().to_string(),
    )
}

/// Asserts a positioned error: `<file>:<line>:<col>: ` naming `key` and containing `words`.
fn assert_error(text: &str, line: usize, key: &str, words: &str) {
    let (code, err, path) = check(text);
    assert_eq!(code, 1, "exit code 1 for: {err}");
    let prefix = format!("{path}:{line}:");
    assert!(err.starts_with(&prefix), "expected {prefix}… got: {err}");
    assert!(err.contains(key), "expected key {key:?} in: {err}");
    assert!(err.contains(words), "expected {words:?} in: {err}");
}

fn line_of(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l.contains(needle))
        .map(|i| i + 1)
        .expect("needle")
}

#[test]
fn the_issue_config_is_valid() {
    let (code, err, _) = check(GOOD);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn unknown_key() {
    let text = GOOD.replace(
        "codec = \"json\"\npipeline",
        "codec = \"json\"\nlisten_backlog = 5\npipeline",
    );
    assert_error(
        &text,
        line_of(&text, "listen_backlog"),
        "listen_backlog",
        "unknown field",
    );
}

#[test]
fn bad_cpu_list() {
    let text = GOOD.replace("ingest = [0]", "ingest = \"3-1\"");
    assert_error(&text, 2, "shards.ingest", "backwards");
    let text = GOOD.replace("ingest = [0]", "ingest = \"zero\"");
    assert_error(&text, 2, "shards.ingest", "not a CPU number");
}

#[test]
fn cpu_that_does_not_exist() {
    let text = GOOD.replace("sink = [0]", "sink = [4095]");
    assert_error(&text, 3, "shards.sink", "CPU 4095 does not exist");
}

#[test]
fn duplicate_ids() {
    // Renaming `errors` also leaves the pipeline's `err` pointing at a sink that is gone:
    // both are reported, in file order.
    let text = GOOD.replace("id = \"errors\"", "id = \"file\"");
    let (code, err, path) = check(&text);
    assert_eq!(code, 1, "{err}");
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 2, "{err}");
    let dup = line_of(&text, "path = \"/tmp/err.jsonl\"") - 2;
    assert!(
        lines[0].starts_with(&format!("{path}:{}:", line_of(&text, "err = [")))
            && lines[0].contains("unknown sink `errors`"),
        "{err}"
    );
    assert!(
        lines[1].starts_with(&format!("{path}:{dup}:"))
            && lines[1].contains("sink.id")
            && lines[1].contains("duplicate sink id `file`"),
        "{err}"
    );
}

#[test]
fn pipeline_naming_an_unknown_sink() {
    let text = GOOD.replace("out = [\"file\"]", "out = [\"fiel\"]");
    assert_error(
        &text,
        line_of(&text, "out = [\"fiel\"]"),
        "pipeline.main.out",
        "did you mean `file`",
    );
}

#[test]
fn two_sources_on_one_port() {
    let text = format!(
        "{GOOD}\n[[source]]\nid = \"again\"\ntype = \"tcp\"\nlisten = \"0.0.0.0:4242\"\npipeline = \"main\"\n"
    );
    assert_error(
        &text,
        line_of(&text, "0.0.0.0:4242"),
        "source.again.listen",
        "already used by source `in`",
    );
}

#[test]
fn unknown_codec_and_bad_option() {
    let text = GOOD.replacen(
        "codec = \"json\"\npipeline",
        "codec = \"jsno\"\npipeline",
        1,
    );
    assert_error(
        &text,
        line_of(&text, "jsno"),
        "source.in.codec",
        "did you mean `json`",
    );
    let text = GOOD.replace(
        "preprocessors = [\"separate\"]",
        "preprocessors = [{ name = \"separate\", max_lenght = 10 }]",
    );
    assert_error(
        &text,
        line_of(&text, "max_lenght"),
        "source.in.preprocessors",
        "max_lenght",
    );
}

#[test]
fn toml_syntax_error_is_positioned() {
    let text = GOOD.replace("id = \"main\"", "id = \"main");
    let (code, err, path) = check(&text);
    assert_eq!(code, 1);
    assert!(
        err.starts_with(&format!("{path}:{}:", line_of(&text, "id = \"main"))),
        "{err}"
    );
}

#[test]
fn topology_shows_cpus_and_the_plan() {
    let out = Command::new(common::bin())
        .arg("topology")
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("online CPUs:"), "{text}");
    assert!(text.contains("NUMA node 0"), "{text}");
    assert!(
        text.contains("CPU 0 (NUMA node 0): ingest shard 0 + sink shard 0"),
        "{text}"
    );
}

#[test]
fn every_shipped_example_config_checks() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("ops/examples");
    let mut n = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "toml") {
            let out = Command::new(common::bin())
                .arg("check")
                .arg(&p)
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}: {}",
                p.display(),
                String::from_utf8_lossy(&out.stderr)
            );
            n += 1;
        }
    }
    assert!(n > 0, "no example configs found in {}", dir.display());
}

#[test]
fn every_error_is_reported_in_file_order() {
    // Three mistakes: the sink's (last in the file) is met first by the builder, which
    // checks sinks before pipelines and sources; the report is in file order all the same.
    let text = GOOD
        .replace("listen = \"127.0.0.1:4242\"", "listen = \"nowhere\"")
        .replace("out = [\"file\"]", "out = [\"fille\"]")
        .replace(
            "path = \"/tmp/err.jsonl\"\n",
            "path = \"/tmp/err.jsonl\"\nflush_interval = \"soon\"\n",
        );
    let (code, err, path) = check(&text);
    assert_eq!(code, 1, "{err}");
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 3, "one line per error: {err}");
    let want = [
        (line_of(&text, "nowhere"), "source.in.listen"),
        (line_of(&text, "fille"), "pipeline.main.out"),
        (line_of(&text, "soon"), "sink.errors.flush_interval"),
    ];
    for (l, (line, key)) in lines.iter().zip(want) {
        assert!(
            l.starts_with(&format!("{path}:{line}:")),
            "{l} (want line {line})"
        );
        assert!(l.contains(key), "{l} (want {key})");
    }
}

#[test]
fn an_encode_only_codec_on_a_source_is_rejected() {
    let text = GOOD.replacen("codec = \"json\"", "codec = \"elastic-bulk\"", 1);
    assert_error(
        &text,
        line_of(&text, "elastic-bulk"),
        "source.in.codec",
        "only encodes",
    );
}

#[test]
fn a_csv_sink_header_needs_its_columns() {
    // The sink writes the header once per file, so it must be known before the first row.
    let text = GOOD.replacen(
        "path = \"/tmp/out.jsonl\"\ncodec = \"json\"",
        "path = \"/tmp/out.csv\"\ncodec = { name = \"csv\", header = true }",
        1,
    );
    assert_error(
        &text,
        line_of(&text, "header = true"),
        "sink.file.codec",
        "columns",
    );
    let ok = text.replace(
        "header = true }",
        "header = true, columns = [\"a\", \"b\"] }",
    );
    let (code, err, _) = check(&ok);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn a_missing_file_is_a_plain_error() {
    let out = Command::new(common::bin())
        .arg("check")
        .arg("/nonexistent/sluice.toml")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        err.trim(),
        "cannot read /nonexistent/sluice.toml: No such file or directory"
    );
}

#[test]
fn park_spin_is_a_short_busy_poll() {
    let ok = GOOD.replacen("sink = [0]\n", "sink = [0]\npark_spin = \"200us\"\n", 1);
    let (code, _, err) = check(&ok);
    assert_eq!(code, 0, "{err}");
    let long = GOOD.replacen("sink = [0]\n", "sink = [0]\npark_spin = \"1s\"\n", 1);
    assert_error(&long, 4, "shards.park_spin", "at most 10ms");
}

#[test]
fn nice_is_a_nice_value() {
    let ok = GOOD.replacen("sink = [0]\n", "sink = [0]\nnice = -10\n", 1);
    let (code, _, err) = check(&ok);
    assert_eq!(code, 0, "{err}");
    let low = GOOD.replacen("sink = [0]\n", "sink = [0]\nnice = -21\n", 1);
    assert_error(&low, 4, "shards.nice", "-20 (most favoured) to 19");
    let high = GOOD.replacen("sink = [0]\n", "sink = [0]\nnice = 20\n", 1);
    assert_error(&high, 4, "shards.nice", "20 is not a nice value");
}
