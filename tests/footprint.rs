//! Idle footprint with the embedded default config: the memory Sluice itself dirties (RssAnon,
//! which no page cache sharing flatters), and the shared libraries it maps. The figures behind
//! the bounds are in `bench/results/latency.md` (round 7); these are guards against the
//! regressions found there, loose enough for any build profile:
//! - snmalloc built with its QEMU workaround on (a build option spelled `OFF` but tested with
//!   `#if defined`): 128 KiB minimum slabs, about 9 MiB of RssAnon idle instead of 2-3;
//! - libstdc++ loaded only for snmalloc's C++ thread destructors.

mod common;

use std::time::Duration;

use common::{default_config, free_port, status_kib, Sluice};

#[test]
fn idle_with_the_embedded_config_sluice_dirties_little_memory_and_maps_no_cxx_runtime() {
    let port = free_port();
    let config = default_config(port);
    // As an operator runs it: no RUST_LOG.
    let s = Sluice::start_with(&config, |c| {
        c.env_remove("RUST_LOG");
    });
    let pid = s.child.id();
    // Settled: the shards have started and the control thread has rendered its metrics.
    std::thread::sleep(Duration::from_secs(2));
    let anon = status_kib(pid, "RssAnon");
    let rss = status_kib(pid, "VmRSS");
    let maps = std::fs::read_to_string(format!("/proc/{pid}/maps")).expect("maps");
    // And it works: events sent now all come out.
    common::send_tcp(port, &common::events(100, "footprint"), 2);
    s.wait_metric("sluice_sink_events_total{sink=\"stdout\"}", 100.0, 20);
    let (exit, _) = s.stop();
    assert!(exit.status.success(), "{}", exit.stderr);
    assert_eq!(
        exit.stdout.lines().count(),
        100,
        "every event reached stdout"
    );
    eprintln!("idle: RssAnon {anon} KiB, VmRSS {rss} KiB");
    assert!(
        anon < 5 * 1024,
        "idle RssAnon is {anon} KiB (VmRSS {rss} KiB): expected 2-3 MiB"
    );
    let cxx: Vec<&str> = maps.lines().filter(|l| l.contains("libstdc++")).collect();
    assert!(cxx.is_empty(), "libstdc++ is mapped: {cxx:?}");
}
