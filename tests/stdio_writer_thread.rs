//! The stdout and stderr sinks write through a thread of their own (a blocked pipe must not
//! block a reactor). That thread starts with the sink's first batch, so an idle sink costs no
//! thread (and none of the allocator's per-thread memory); a CSV header still goes out at
//! start, before any event.

mod common;

use std::io::Read as _;
use std::time::{Duration, Instant};

use common::{events, free_port, send_tcp, Sluice};

fn config(port: u16, codec: &str) -> String {
    format!(
        r#"[shards]
ingest = [0]
sink = [0]
[[source]]
id = "in"
type = "tcp"
listen = "127.0.0.1:{port}"
preprocessors = ["separate"]
codec = "json"
pipeline = "main"
[[pipeline]]
id = "main"
out = ["out"]
err = ["errs"]
[[sink]]
id = "out"
type = "stdout"
codec = {codec}
postprocessors = ["separate"]
[[sink]]
id = "errs"
type = "stderr"
codec = "json"
postprocessors = ["separate"]
"#
    )
}

/// The names of the process's threads.
fn threads(s: &Sluice) -> Vec<String> {
    let dir = format!("/proc/{}/task", s.child.id());
    std::fs::read_dir(dir)
        .expect("task dir")
        .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("comm")).ok())
        .map(|c| c.trim().to_string())
        .collect()
}

fn wait_for_thread(s: &Sluice, name: &str) -> bool {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if threads(s).iter().any(|t| t == name) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

#[test]
fn the_writer_thread_starts_with_the_first_batch_and_every_event_is_written() {
    let port = free_port();
    let mut s = Sluice::start(&config(port, "\"json\""));
    std::thread::sleep(Duration::from_millis(300));
    let idle = threads(&s);
    assert!(
        !idle
            .iter()
            .any(|t| t == "sluice-stdout" || t == "sluice-stderr"),
        "writer threads before any event: {idle:?}"
    );
    let n = 2000;
    send_tcp(port, &events(n, "x"), 2);
    assert!(wait_for_thread(&s, "sluice-stdout"), "{:?}", threads(&s));
    // Nothing went to `err`, so its thread still has not started.
    assert!(!threads(&s).iter().any(|t| t == "sluice-stderr"));
    // Read stdout as it comes (the pipe holds only 64 KiB).
    let mut out = s.child.stdout.take().expect("stdout");
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        out.read_to_string(&mut text).expect("read stdout");
        text
    });
    s.wait_metric("sluice_sink_events_total{sink=\"out\"}", n as f64, 30);
    let (exit, _dir) = s.stop();
    assert!(exit.status.success(), "{}", exit.stderr);
    let text = reader.join().expect("reader");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), n, "every event on stdout");
    assert!(
        lines.iter().all(|l| l.contains("\"tag\":\"x\"")),
        "{}",
        lines[0]
    );
}

#[test]
fn a_csv_header_goes_out_at_start_before_any_event() {
    let port = free_port();
    let s = Sluice::start(&config(
        port,
        r#"{ name = "csv", header = true, columns = ["n", "tag"] }"#,
    ));
    assert!(wait_for_thread(&s, "sluice-stdout"), "{:?}", threads(&s));
    let (exit, _dir) = s.stop();
    assert!(exit.status.success(), "{}", exit.stderr);
    assert_eq!(
        exit.stdout, "n,tag\n",
        "the header alone, with no event sent"
    );
}
