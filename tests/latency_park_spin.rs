//! `[shards] park_spin`: a sink shard polls its rings for a while after each batch instead of
//! parking at once (it saves the cross-core wake-up while traffic flows). It must spin only
//! while traffic flows: once the sender goes quiet the shard parks, and idle CPU is what it
//! was without the setting. Everything sent still arrives.

mod common;

use std::io::Write as _;
use std::net::TcpStream;
use std::time::Duration;

use common::Sluice;

fn config(port: u16, sink_cpu: usize) -> String {
    format!(
        r#"
[shards]
ingest = [0]
sink = [{sink_cpu}]
park_spin = "2ms"

[[source]]
id = "in"
type = "tcp"
listen = "127.0.0.1:{port}"
preprocessors = ["separate"]
codec = "json"
pipeline = "main"

[[pipeline]]
id = "main"
out = ["hole"]
err = ["hole"]

[[sink]]
id = "hole"
type = "blackhole"
"#
    )
}

/// CPU ticks (user + system, `CLK_TCK` units) used so far by the shard threads of `pid`.
fn shard_ticks(pid: u32) -> u64 {
    common::threads(pid)
        .iter()
        .filter(|(name, _)| name.starts_with("sluice-cpu"))
        // utime and stime, fields 14 and 15.
        .flat_map(|(_, f)| f.iter().skip(11).take(2))
        .filter_map(|x| x.parse::<u64>().ok())
        .sum()
}

#[test]
fn a_spinning_sink_shard_parks_once_traffic_stops() {
    let port = common::free_port();
    let sink_cpu = usize::from(common::cpus() > 1);
    let s = Sluice::start(&config(port, sink_cpu));
    let mut c = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    let n = 20_000u32;
    for i in 0..n {
        writeln!(c, "{{\"n\":{i},\"msg\":\"park spin\"}}").expect("send");
    }
    c.flush().expect("flush");
    let got = s.wait_metric("sluice_sink_events_total{sink=\"hole\"}", f64::from(n), 30);
    assert_eq!(got, f64::from(n), "every line reaches the sink");
    // The connection stays open and silent. Let the spin window and a metrics tick pass,
    // then count what the shards burn in two idle seconds.
    std::thread::sleep(Duration::from_millis(300));
    let before = shard_ticks(s.child.id());
    std::thread::sleep(Duration::from_secs(2));
    let used = shard_ticks(s.child.id()) - before;
    // A shard that kept spinning would use ~200 ticks (2 s of a CPU, CLK_TCK 100); parked,
    // only the metrics ticks (every 200 ms, each followed by one 2 ms spin) remain.
    assert!(
        used < 40,
        "shard threads used {used} ticks in 2 idle seconds: the sink shard kept spinning"
    );
    drop(c);
    let (exit, _dir) = s.stop();
    assert!(exit.status.success(), "{}", exit.stderr);
}
