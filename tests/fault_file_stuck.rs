//! A file sink whose writes block (here a FIFO whose reader stops reading; in production a
//! hung NFS mount, or writers throttled on dirty pages) must not stall the shard: another
//! file sink on the same shard keeps writing, a source keeps reading, and when the stuck
//! file moves again every line it was sent arrives, in order, and the shutdown is clean.

mod common;

use std::io::{BufRead, BufReader};
use std::sync::mpsc;
use std::time::Duration;

use common::{events, free_port, json_lines, send_tcp, Sluice};

#[test]
fn a_file_sink_stuck_in_write_holds_up_neither_its_shard_nor_another_file_sink() {
    let fifo_dir = tempfile::tempdir().expect("temp dir");
    let fifo = fifo_dir.path().join("stuck.jsonl");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(made.success(), "mkfifo {}", fifo.display());

    // The reader opens the FIFO (which lets Sluice's open finish), then reads nothing until
    // told to: once the pipe's 64 KiB are full, the stuck sink's write(2) blocks.
    let (go, wait) = mpsc::channel::<()>();
    let (lines_tx, lines_rx) = mpsc::channel::<Vec<String>>();
    let reader_path = fifo.clone();
    let reader = std::thread::spawn(move || {
        let f = std::fs::File::open(&reader_path).expect("open the FIFO for reading");
        let _ = wait.recv();
        let lines: Vec<String> = BufReader::new(f).lines().map_while(Result::ok).collect();
        let _ = lines_tx.send(lines);
    });

    let (stuck_port, plain_port) = (free_port(), free_port());
    let s = Sluice::start(&format!(
        r#"
[shards]
ingest = [0]
sink = [0]
[[source]]
id = "to_stuck"
type = "tcp"
listen = "127.0.0.1:{stuck_port}"
preprocessors = ["separate"]
codec = "json"
pipeline = "a"
[[source]]
id = "to_plain"
type = "tcp"
listen = "127.0.0.1:{plain_port}"
preprocessors = ["separate"]
codec = "json"
pipeline = "b"
[[pipeline]]
id = "a"
out = ["stuck"]
[[pipeline]]
id = "b"
out = ["plain"]
[[sink]]
id = "stuck"
type = "file"
path = "{fifo}"
codec = "json"
postprocessors = ["separate"]
flush_interval = "20ms"
[[sink]]
id = "plain"
type = "file"
path = "{{dir}}/plain.jsonl"
codec = "json"
postprocessors = ["separate"]
flush_interval = "20ms"
"#,
        fifo = fifo.display()
    ));

    // Far more than the pipe holds: the stuck sink is now blocked in write(2), and its
    // source (lossless) stops reading, so the sender may block too: it runs on its own.
    let stuck_sent = events(4000, "stuck");
    let to_send = stuck_sent.clone();
    let sender = std::thread::spawn(move || send_tcp(stuck_port, &to_send, 1));
    std::thread::sleep(Duration::from_millis(500));

    // Meanwhile the other file sink on the same shard writes everything it gets.
    let plain_sent = events(3000, "plain");
    send_tcp(plain_port, &plain_sent, 2);
    let written = s.wait_metric("sluice_sink_events_total{sink=\"plain\"}", 3000.0, 20);
    assert_eq!(
        written, 3000.0,
        "the healthy file sink wrote while the other was stuck"
    );
    assert_eq!(
        json_lines(&s.path("plain.jsonl")).len(),
        3000,
        "its lines are in its file"
    );

    // The stuck file moves again: every line sent to it arrives, in order.
    go.send(()).expect("reader waits");
    sender.join().expect("sender thread");
    s.wait_metric("sluice_sink_events_total{sink=\"stuck\"}", 4000.0, 20);
    let (exit, _dir) = s.stop();
    assert!(exit.status.success(), "{}", exit.stderr);
    let got = lines_rx
        .recv_timeout(Duration::from_secs(20))
        .expect("the reader saw the FIFO close");
    reader.join().expect("reader thread");
    let want: Vec<serde_json::Value> = stuck_sent
        .iter()
        .map(|l| serde_json::from_str(l).expect("sent JSON"))
        .collect();
    let got: Vec<serde_json::Value> = got
        .iter()
        .map(|l| serde_json::from_str(l).expect("written JSON"))
        .collect();
    assert_eq!(got, want, "the stuck sink's lines, all of them, in order");
}
