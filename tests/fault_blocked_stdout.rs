//! Fault suite: nobody reads Sluice's stdout (a pipe whose reader stalls). The stdout sink
//! must wait on its own thread, not block its shard: a file sink fed by another source on
//! the same shard keeps flowing, and once the pipe is read every event comes out once.

mod common;

use std::time::{Duration, Instant};

use common::{complete_lines, events, free_port, metric, send_tcp, Sluice};

#[test]
fn a_stalled_stdout_pipe_does_not_stop_the_shard() {
    let (port_a, port_b) = (free_port(), free_port());
    let mut s = Sluice::start(&format!(
        r#"
[shards]
ingest = [0]
sink = [0]
ring_capacity = 8

[[source]]
id = "a"
type = "tcp"
listen = "127.0.0.1:{port_a}"
preprocessors = ["separate"]
pipeline = "pa"

[[source]]
id = "b"
type = "tcp"
listen = "127.0.0.1:{port_b}"
preprocessors = ["separate"]
pipeline = "pb"

[[pipeline]]
id = "pa"
out = ["file"]

[[pipeline]]
id = "pb"
out = ["out"]

[[sink]]
id = "file"
type = "file"
path = "{{dir}}/a.jsonl"
flush_interval = "100ms"
postprocessors = ["separate"]

[[sink]]
id = "out"
type = "stdout"
postprocessors = ["separate"]
"#
    ));
    // Far more than a pipe holds (64 KiB): the stdout writer blocks; the test reads the
    // pipe only when it stops Sluice.
    let for_stdout = events(5000, "b");
    let sender = {
        let lines = for_stdout.clone();
        std::thread::spawn(move || send_tcp(port_b, &lines, 1))
    };
    // 300 events (~150 KB) is more than the pipe holds, so stdout is blocked by then; how
    // many more source b reads before its ring fills depends on how big its reads were
    // (the ring holds 8 batches), so waiting for more than that was flaky under load.
    assert!(s.wait_metric("sluice_source_events_total{source=\"b\"}", 300.0, 30) >= 300.0);
    std::thread::sleep(Duration::from_millis(300));
    let out_events = metric(&s.metrics(), "sluice_sink_events_total{sink=\"out\"}").unwrap_or(0.0);
    assert!(
        out_events < 5000.0,
        "stdout is blocked ({out_events} written)"
    );

    send_tcp(port_a, &events(500, "a"), 1);
    let deadline = Instant::now() + Duration::from_secs(20);
    while complete_lines(&s.path("a.jsonl")) < 500 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(
        complete_lines(&s.path("a.jsonl")),
        500,
        "the file sink stalled behind a blocked stdout"
    );

    // Now the pipe is read. The sender may still be blocked with lines the kernel could not
    // hold (a stop now would rightly not wait for them): let it finish, and every line it
    // sent reach stdout, before stopping.
    let mut pipe = s.child.stdout.take().expect("stdout");
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut pipe, &mut text).expect("read stdout");
        text
    });
    sender.join().unwrap();
    assert_eq!(
        s.wait_metric("sluice_sink_events_total{sink=\"out\"}", 5000.0, 30),
        5000.0
    );
    let (exit, _dir) = s.stop();
    assert!(exit.status.success(), "{}", exit.stderr);
    let stdout = reader.join().unwrap();
    let mut seqs: Vec<u64> = stdout
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["seq"]
                .as_u64()
                .unwrap()
        })
        .collect();
    seqs.sort_unstable();
    assert_eq!(seqs, (0..5000).collect::<Vec<u64>>());
}
