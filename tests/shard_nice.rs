//! `[shards] nice`: every shard thread (and the threads it starts) runs at that nice value,
//! and nothing else in the process does. A value the process is not allowed to take stops
//! start-up with a clear error instead of running the shards at a priority nobody asked for.

mod common;

use std::os::unix::process::CommandExt as _;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

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
    let mut out = Vec::new();
    for t in std::fs::read_dir(format!("/proc/{pid}/task")).expect("task dir") {
        let t = t.expect("task").path();
        let comm = std::fs::read_to_string(t.join("comm")).unwrap_or_default();
        let stat = std::fs::read_to_string(t.join("stat")).unwrap_or_default();
        // After the parenthesised name: state is field 3, nice is field 19.
        let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
        if let Some(nice) = rest.split_whitespace().nth(16).and_then(|x| x.parse().ok()) {
            out.push((comm.trim().to_string(), nice));
        }
    }
    out
}

fn own_nice() -> i64 {
    thread_nices(std::process::id())
        .first()
        .map(|(_, n)| *n)
        .expect("this process has threads")
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
    let dir = tempfile::tempdir().expect("tempdir");
    let admin = common::free_port();
    let text = config(port, 0, -5).replace("{dir}", &dir.path().display().to_string())
        + &format!("\n[admin]\nlisten = \"127.0.0.1:{admin}\"\n");
    let path = dir.path().join("sluice.toml");
    std::fs::write(&path, text).expect("write config");
    let mut cmd = Command::new(common::bin());
    cmd.arg("run")
        .arg(&path)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    // SAFETY: only async-signal-safe calls (prctl, setrlimit) between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            // Take CAP_SYS_NICE out of the bounding set, so that even root's sluice lacks it
            // after exec. Without root there is nothing to drop, and the call's failure does
            // not matter. RLIMIT_NICE 0 allows no lowering either (whatever the host set).
            libc::prctl(libc::PR_CAPBSET_DROP, CAP_SYS_NICE, 0, 0, 0);
            let none = libc::rlimit {
                rlim_cur: 0,
                rlim_max: 0,
            };
            libc::setrlimit(libc::RLIMIT_NICE, &none);
            Ok(())
        });
    }
    let mut child = cmd.spawn().expect("spawn sluice");
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(st) = child.try_wait().expect("wait") {
            break st;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("sluice kept running with a nice value it could not take");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().expect("stderr"), &mut err)
        .expect("stderr");
    assert!(!status.success(), "start-up must fail: {err}");
    assert!(
        err.contains("nice = -5") && err.contains("CAP_SYS_NICE"),
        "the error names the setting and what it needs: {err}"
    );
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", port)).is_err(),
        "nothing listens after a failed start"
    );
}
