//! `[shards] nice`: every shard thread (and the threads it starts) runs at that nice value,
//! and nothing else in the process does. A value the process is not allowed to take stops
//! start-up with a clear error instead of running the shards at a priority nobody asked for.

mod common;

use std::os::unix::process::CommandExt as _;
use std::time::Duration;

use common::Sluice;

/// `CAP_SYS_NICE` (linux/capability.h; the libc crate has no constant for it).
const CAP_SYS_NICE: libc::c_ulong = 23;

fn config(port: u16, sink_cpu: usize, nice: i32) -> String {
    format!(
        r#"
[shards]
ingest = [0]
sink = [{sink_cpu}]
nice = {nice}

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
err = ["out"]

[[sink]]
id = "out"
type = "file"
path = "{{dir}}/out.jsonl"
postprocessors = ["separate"]
codec = "json"
"#
    )
}

/// (thread name, nice) of every thread of `pid`.
fn thread_nices(pid: u32) -> Vec<(String, i64)> {
    common::threads(pid)
        .into_iter()
        .filter_map(|(name, f)| Some((name, nice_of(&f)?)))
        .collect()
}

/// Field 19 of a stat line, the nice value.
fn nice_of(fields: &[String]) -> Option<i64> {
    fields.get(16)?.parse().ok()
}

/// The nice value of the calling thread: what a process it starts inherits.
fn own_nice() -> i64 {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").expect("own stat");
    nice_of(&common::stat_fields(&stat)).expect("a nice field")
}

fn check_shards_run_at(nice: i32) {
    let port = common::free_port();
    let sink_cpu = usize::from(common::cpus() > 1);
    let s = Sluice::start(&config(port, sink_cpu, nice));
    // Data still flows through shards at that priority, into a file sink (whose writes run
    // on the shard's blocking thread).
    common::send_tcp(port, &common::events(500, "nice"), 2);
    let got = s.wait_metric("sluice_sink_events_total{sink=\"out\"}", 500.0, 30);
    assert_eq!(got, 500.0, "every event reaches the sink");
    let threads = thread_nices(s.child.id());
    let shards: Vec<_> = threads
        .iter()
        .filter(|(n, _)| n.starts_with("sluice-cpu"))
        .collect();
    assert!(!shards.is_empty(), "no shard threads in {threads:?}");
    for (name, n) in &shards {
        assert_eq!(*n, i64::from(nice), "{name} runs at nice {n}: {threads:?}");
    }
    // The main (control) thread keeps what the process inherited.
    let main = threads
        .iter()
        .find(|(n, _)| n == "sluice")
        .expect("main thread");
    assert_eq!(
        main.1,
        own_nice(),
        "the control thread is left alone: {threads:?}"
    );
    let (exit, dir) = s.stop();
    assert!(exit.status.success(), "{}", exit.stderr);
    assert_eq!(common::complete_lines(&dir.path().join("out.jsonl")), 500);
}

/// Whether this process holds `CAP_SYS_NICE` in its effective set (root in a container
/// often does not).
fn has_cap_sys_nice() -> bool {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("CapEff:"))
        .and_then(|hex| u64::from_str_radix(hex.trim(), 16).ok())
        .is_some_and(|caps| caps & (1 << CAP_SYS_NICE) != 0)
}

#[test]
fn shard_threads_run_at_the_configured_nice_value() {
    // Raising a nice value is allowed to everyone.
    check_shards_run_at(7);
    // Lowering it needs CAP_SYS_NICE (sluice inherits ours).
    if has_cap_sys_nice() {
        check_shards_run_at(-4);
    }
}

#[test]
fn a_nice_value_the_process_may_not_take_stops_start_up() {
    let port = common::free_port();
    let mut s = Sluice::spawn_with(&config(port, 0, -5), |cmd| {
        // SAFETY: only async-signal-safe calls (prctl, setrlimit) between fork and exec.
        unsafe {
            cmd.pre_exec(|| {
                // Take CAP_SYS_NICE out of the bounding set, so that even root's sluice lacks
                // it after exec. Without root there is nothing to drop, and the call's
                // failure does not matter. RLIMIT_NICE 0 allows no lowering either (whatever
                // the host set).
                libc::prctl(libc::PR_CAPBSET_DROP, CAP_SYS_NICE, 0, 0, 0);
                let none = libc::rlimit {
                    rlim_cur: 0,
                    rlim_max: 0,
                };
                libc::setrlimit(libc::RLIMIT_NICE, &none);
                Ok(())
            });
        }
    });
    // `wait` fails the test if sluice is still running by then.
    let exit = s.wait(Duration::from_secs(30));
    let err = &exit.stderr;
    assert!(!exit.status.success(), "start-up must fail: {err}");
    assert!(
        err.contains("nice = -5") && err.contains("CAP_SYS_NICE"),
        "the error names the setting and what it needs: {err}"
    );
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", port)).is_err(),
        "nothing listens after a failed start"
    );
}
