//! Fault suite: log rotation of a file sink's output with the real `logrotate` (Debian's,
//! installed by `.ci/run`), by rename with a SIGHUP, by rename alone (the sink notices the new
//! inode), and by copytruncate; plus a file that fails to write and then recovers. No line
//! may be lost or duplicated, and SIGHUP must not stop the process.

mod common;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use common::{complete_lines, events, free_port, json_lines, metric, send_tcp, Sluice};

fn config(port: u16, flush: &str) -> String {
    format!(
        r#"
[[source]]
id = "in"
type = "tcp"
listen = "127.0.0.1:{port}"
preprocessors = ["separate"]
pipeline = "p"

[[pipeline]]
id = "p"
out = ["f"]

[[sink]]
id = "f"
type = "file"
path = "{{dir}}/out.log"
postprocessors = ["separate"]
flush_interval = "{flush}"
buffer = "4KiB"
"#
    )
}

/// Runs the real logrotate on `out.log` with `directives`, forced, with its own state file.
fn logrotate(dir: &Path, directives: &str) {
    let conf = dir.join("logrotate.conf");
    std::fs::write(
        &conf,
        format!(
            "{} {{\n  rotate 5\n  missingok\n{directives}\n}}\n",
            dir.join("out.log").display()
        ),
    )
    .unwrap();
    let out = Command::new("logrotate")
        .arg("-f")
        .arg("-s")
        .arg(dir.join("logrotate.state"))
        .arg(&conf)
        .output()
        .unwrap_or_else(|e| panic!("logrotate is not available ({e}): install it as .ci/run does"));
    assert!(
        out.status.success(),
        "logrotate failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn wait_for(what: &str, secs: u64, mut ok: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !ok() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn tags(path: &Path) -> Vec<(String, u64)> {
    json_lines(path)
        .iter()
        .map(|v| {
            (
                v["tag"].as_str().expect("tag").to_string(),
                v["seq"].as_u64().expect("seq"),
            )
        })
        .collect()
}

fn want(tag: &str, n: u64) -> Vec<(String, u64)> {
    (0..n).map(|i| (tag.to_string(), i)).collect()
}

#[test]
fn rename_then_sighup_reopens_and_keeps_running() {
    let port = free_port();
    // A flush interval far longer than the test: only SIGHUP can make the sink reopen.
    let s = Sluice::start(&config(port, "1h"));
    let dir = s.dir.path().to_path_buf();
    send_tcp(port, &events(1000, "before"), 2);
    wait_for("the sink to receive every event", 30, || {
        metric(
            &s.metrics(),
            "sluice_sink_latency_seconds_count{sink=\"f\"}",
        ) == Some(1000.0)
    });
    let pid = s.child.id();
    logrotate(
        &dir,
        &format!("  create\n  postrotate\n    kill -HUP {pid}\n  endscript"),
    );
    // The reopen writes what was buffered into the rotated file, then opens a new one.
    assert!(s.wait_metric("sluice_sink_reopens_total{sink=\"f\"}", 1.0, 30) >= 1.0);
    wait_for("the rotated file to hold every event before it", 30, || {
        complete_lines(&dir.join("out.log.1")) == 1000
    });
    send_tcp(port, &events(700, "after"), 2);
    let (exit, _keep) = s.stop();
    assert!(
        exit.status.success(),
        "SIGHUP must not stop sluice: {}",
        exit.stderr
    );
    let mut before = tags(&dir.join("out.log.1"));
    before.sort();
    assert_eq!(before, want("before", 1000));
    let mut after = tags(&dir.join("out.log"));
    after.sort();
    assert_eq!(after, want("after", 700));
}

#[test]
fn rename_alone_is_noticed_on_the_flush_interval() {
    let port = free_port();
    let s = Sluice::start(&config(port, "100ms"));
    let dir = s.dir.path().to_path_buf();
    send_tcp(port, &events(800, "before"), 1);
    wait_for("the file to hold the first events", 30, || {
        complete_lines(&dir.join("out.log")) == 800
    });
    // logrotate's create mode without any signal.
    logrotate(&dir, "  create");
    // Lines written before the sink's next check still go to the renamed file; once it has
    // noticed (a reopen), later ones go to the new file.
    assert!(s.wait_metric("sluice_sink_reopens_total{sink=\"f\"}", 1.0, 30) >= 1.0);
    send_tcp(port, &events(600, "after"), 1);
    wait_for("the new file to hold the later events", 30, || {
        complete_lines(&dir.join("out.log")) == 600
    });
    let (exit, _keep) = s.stop();
    assert!(exit.status.success(), "{}", exit.stderr);
    assert_eq!(tags(&dir.join("out.log.1")), want("before", 800));
    assert_eq!(tags(&dir.join("out.log")), want("after", 600));
}

#[test]
fn copytruncate_loses_and_duplicates_nothing() {
    let port = free_port();
    let s = Sluice::start(&config(port, "100ms"));
    let dir = s.dir.path().to_path_buf();
    send_tcp(port, &events(800, "before"), 1);
    wait_for("the file to hold the first events", 30, || {
        complete_lines(&dir.join("out.log")) == 800
    });
    logrotate(&dir, "  copytruncate");
    send_tcp(port, &events(600, "after"), 1);
    wait_for("the truncated file to hold the later events", 30, || {
        complete_lines(&dir.join("out.log")) == 600
    });
    let (exit, _keep) = s.stop();
    assert!(exit.status.success(), "{}", exit.stderr);
    // O_APPEND: the writes after the truncation start at offset 0 (no hole of NULs).
    let text = std::fs::read(dir.join("out.log")).unwrap();
    assert!(!text.contains(&0), "a hole of NULs in the truncated file");
    assert_eq!(tags(&dir.join("out.log.1")), want("before", 800));
    assert_eq!(tags(&dir.join("out.log")), want("after", 600));
}

#[test]
fn a_failing_file_is_retried_not_given_up() {
    let port = free_port();
    let s = Sluice::start(&config(port, "100ms").replace("{dir}/out.log", "{dir}/link.log"));
    let dir = s.dir.path().to_path_buf();
    let link = dir.join("link.log");
    // The sink opened a real file; now the path leads to a device where every write fails
    // (ENOSPC), and the sink is made to reopen it.
    std::fs::remove_file(&link).unwrap();
    std::os::unix::fs::symlink("/dev/full", &link).unwrap();
    s.signal(libc::SIGHUP);
    assert!(s.wait_metric("sluice_sink_reopens_total{sink=\"f\"}", 1.0, 30) >= 1.0);
    send_tcp(port, &events(300, "held"), 1);
    let e = s.wait_metric("sluice_sink_errors_total{sink=\"f\"}", 2.0, 30);
    assert!(e >= 2.0, "{}", s.metrics());
    assert_eq!(
        metric(&s.metrics(), "sluice_sink_up{sink=\"f\"}"),
        Some(0.0)
    );
    // Space again: the sink retries, reopens the path, and writes what it held.
    std::fs::remove_file(&link).unwrap();
    std::os::unix::fs::symlink(dir.join("real.log"), &link).unwrap();
    wait_for("the held events to be written", 30, || {
        complete_lines(&dir.join("real.log")) == 300
    });
    assert!(s.wait_metric("sluice_sink_up{sink=\"f\"}", 1.0, 10) >= 1.0);
    let (exit, _keep) = s.stop();
    assert!(exit.status.success(), "{}", exit.stderr);
    assert_eq!(tags(&dir.join("real.log")), want("held", 300));
    let m = exit.stderr;
    assert!(!m.contains("dropped: 300"), "{m}");
}
