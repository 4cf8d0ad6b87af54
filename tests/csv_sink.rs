//! A CSV file sink with `header = true` gets one header per file, however many ingest
//! shards encode its rows, and none when it appends to a file that already has one.

mod common;

const CONFIG: &str = r#"[shards]
ingest = [0, 1]
sink = [1]

[[source]]
id = "in"
type = "tcp"
listen = "127.0.0.1:{port}"
preprocessors = ["separate"]
codec = "json"
pipeline = "main"

[[pipeline]]
id = "main"
out = ["csv"]
err = ["csv"]

[[sink]]
id = "csv"
type = "file"
path = "{out}"
codec = { name = "csv", header = true, columns = ["n", "tag"] }
postprocessors = ["separate"]
"#;

fn run(out: &std::path::Path, tag: &str, n: usize) {
    assert!(
        common::cpus() >= 2,
        "this test needs 2 CPUs (two ingest shards)"
    );
    let port = common::free_port();
    let config = CONFIG
        .replace("{port}", &port.to_string())
        .replace("{out}", &out.display().to_string());
    let sluice = common::Sluice::start(&config);
    // Many short connections: SO_REUSEPORT spreads them over both ingest shards.
    let lines: Vec<String> = (0..n)
        .map(|i| format!(r#"{{"n":{i},"tag":"{tag}"}}"#))
        .collect();
    for chunk in lines.chunks(10) {
        common::send_tcp(port, chunk, 1);
    }
    let got = sluice.wait_metric(r#"sluice_sink_events_total{sink="csv"}"#, n as f64, 60);
    assert_eq!(got, n as f64);
    let (exit, _dir) = sluice.stop();
    assert!(exit.status.success(), "{}", exit.stderr);
}

#[test]
fn one_header_per_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.csv");
    run(&out, "first", 200);
    // A second run appends to the same file: it already has its header.
    run(&out, "second", 200);
    let text = std::fs::read_to_string(&out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "n,tag", "the file starts with the header");
    assert_eq!(
        lines.iter().filter(|l| **l == "n,tag").count(),
        1,
        "exactly one header"
    );
    assert_eq!(lines.len(), 401);
    assert_eq!(lines.iter().filter(|l| l.ends_with(",first")).count(), 200);
    assert_eq!(lines.iter().filter(|l| l.ends_with(",second")).count(), 200);
}
