//! Shared harness for the end-to-end tests: real `sluice` processes, real sockets on
//! loopback, real signals.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_sluice")
}

/// A port that was free a moment ago (TCP and UDP), and never handed out before by this
/// test process: the kernel may give the same ephemeral port to two `bind(0)` calls in a
/// row once the first listener is dropped, and two tests (or the admin endpoint and a
/// source of one test) would then collide.
pub fn free_port() -> u16 {
    static GIVEN: std::sync::Mutex<Vec<u16>> = std::sync::Mutex::new(Vec::new());
    loop {
        let l = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = l.local_addr().expect("addr").port();
        if UdpSocket::bind(("127.0.0.1", port)).is_err() {
            continue;
        }
        let mut given = GIVEN
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if !given.contains(&port) {
            given.push(port);
            return port;
        }
    }
}

/// How many CPUs this process may use.
pub fn cpus() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

pub struct Sluice {
    pub child: Child,
    pub dir: tempfile::TempDir,
    pub admin: u16,
    pub config: PathBuf,
}

pub struct Exit {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

impl Sluice {
    /// Writes `config` (with `{dir}` replaced by a fresh temp dir and `{admin}` by a free
    /// port, appended as `[admin]` if the config has none) and starts `sluice run` on it;
    /// returns once `/health` answers.
    pub fn start(config: &str) -> Sluice {
        Sluice::start_with(config, |_| {})
    }

    /// [`Sluice::start`], with `adjust` applied to the command first.
    pub fn start_with(config: &str, adjust: impl FnOnce(&mut Command)) -> Sluice {
        let mut s = Sluice::spawn_with(config, adjust);
        s.wait_ready();
        s
    }

    /// Starts sluice without waiting for its admin endpoint: for configs that may finish
    /// (file and stdin sources) before anyone could ask.
    pub fn spawn(config: &str) -> Sluice {
        Sluice::spawn_with(config, |_| {})
    }

    /// [`Sluice::spawn`], with `adjust` applied to the command first (say, a `pre_exec` that
    /// takes a capability away).
    pub fn spawn_with(config: &str, adjust: impl FnOnce(&mut Command)) -> Sluice {
        let dir = tempfile::tempdir().expect("tempdir");
        let admin = free_port();
        let mut text = config.replace("{dir}", &dir.path().display().to_string());
        if !text.contains("[admin]") {
            text.push_str(&format!(
                "\n[admin]\nlisten = \"127.0.0.1:{admin}\"\nmetrics_interval = \"200ms\"\n"
            ));
        }
        let path = dir.path().join("sluice.toml");
        std::fs::write(&path, text).expect("write config");
        let mut cmd = Command::new(bin());
        cmd.arg("run")
            .arg(&path)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        adjust(&mut cmd);
        let child = cmd.spawn().expect("spawn sluice");
        Sluice {
            child,
            dir,
            admin,
            config: path,
        }
    }

    fn wait_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(Some(st)) = self.child.try_wait() {
                let mut err = String::new();
                if let Some(e) = self.child.stderr.as_mut() {
                    let _ = e.read_to_string(&mut err);
                }
                panic!("sluice exited during start-up ({st}): {err}");
            }
            if http_get(self.admin, "/health").is_some_and(|b| b.contains("ok")) {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("sluice did not become ready");
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn metrics(&self) -> String {
        http_get(self.admin, "/metrics").expect("metrics")
    }

    /// Waits until metric `name{labels}` reaches at least `want` (or panics after `secs`).
    pub fn wait_metric(&self, name_and_labels: &str, want: f64, secs: u64) -> f64 {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let v = metric(&self.metrics(), name_and_labels).unwrap_or(0.0);
            if v >= want || Instant::now() > deadline {
                return v;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn signal(&self, sig: i32) {
        let pid = i32::try_from(self.child.id()).expect("pid");
        // SAFETY: sending a signal to our own child process.
        unsafe {
            libc::kill(pid, sig);
        }
    }

    /// SIGTERM, then waits for the exit and collects the output.
    pub fn stop(mut self) -> (Exit, tempfile::TempDir) {
        self.signal(libc::SIGTERM);
        let exit = self.wait(Duration::from_secs(60));
        let dir = std::mem::replace(&mut self.dir, tempfile::tempdir().expect("tempdir"));
        (exit, dir)
    }

    pub fn wait(&mut self, limit: Duration) -> Exit {
        let deadline = Instant::now() + limit;
        let mut out = String::new();
        let mut err = String::new();
        // A test may have taken stdout to read it while Sluice runs.
        let so = self.child.stdout.take();
        let se = self.child.stderr.take();
        let t1 = std::thread::spawn(move || {
            let mut s = String::new();
            if let Some(mut so) = so {
                let _ = so.read_to_string(&mut s);
            }
            s
        });
        let t2 = std::thread::spawn(move || {
            let mut s = String::new();
            if let Some(mut se) = se {
                let _ = se.read_to_string(&mut s);
            }
            s
        });
        let status = loop {
            if let Ok(Some(st)) = self.child.try_wait() {
                break st;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("sluice did not exit in time");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        out.push_str(&t1.join().unwrap_or_default());
        err.push_str(&t2.join().unwrap_or_default());
        Exit {
            status,
            stdout: out,
            stderr: err,
        }
    }
}

impl Drop for Sluice {
    /// A test that fails half-way must not leave its sluice running.
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A plain HTTP/1.1 GET on loopback; the body, or None if nothing answers.
pub fn http_get(port: u16, path: &str) -> Option<String> {
    let mut c = TcpStream::connect(("127.0.0.1", port)).ok()?;
    c.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(
        c,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut resp = String::new();
    c.read_to_string(&mut resp).ok()?;
    let (head, body) = resp.split_once("\r\n\r\n")?;
    head.starts_with("HTTP/1.1 200").then(|| body.to_string())
}

/// The value of the sample `name{labels}` (exact match of the part before the value).
pub fn metric(text: &str, name_and_labels: &str) -> Option<f64> {
    text.lines().find_map(|l| {
        let (k, v) = l.rsplit_once(' ')?;
        (k == name_and_labels).then(|| v.parse().ok())?
    })
}

/// Complete (newline-terminated) lines in a file: safe to poll while a writer is mid-line.
pub fn complete_lines(path: &Path) -> usize {
    std::fs::read(path).map_or(0, |b| b.iter().filter(|&&c| c == b'\n').count())
}

/// Waits until `path` holds at least `n` complete lines (or `secs` pass), then returns those
/// whole lines parsed as JSON: a trailing line the writer is still writing is not read.
pub fn wait_json_lines(path: &Path, n: usize, secs: u64) -> Vec<serde_json::Value> {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while complete_lines(path) < n && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(30));
    }
    let bytes = std::fs::read(path).unwrap_or_default();
    let whole = &bytes[..bytes.iter().rposition(|&c| c == b'\n').map_or(0, |i| i + 1)];
    String::from_utf8_lossy(whole)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad JSON line {l:?}: {e}")))
        .collect()
}

/// Lines of a file parsed as JSON; panics on a partial line, so poll with `complete_lines`
/// while a writer may be mid-line and read this once it has stopped.
pub fn json_lines(path: &Path) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad JSON line {l:?}: {e}")))
        .collect()
}

const LEVELS: [&str; 4] = ["debug", "info", "warn", "error"];

/// `n` JSON events of about 600 bytes, each with a unique `seq` and a payload that
/// exercises escapes and unicode.
pub fn events(n: usize, tag: &str) -> Vec<String> {
    (0..n)
        .map(|i| {
            let v = serde_json::json!({
                "seq": i,
                "tag": tag,
                "ts": "2026-11-28T12:00:00.123Z",
                "level": LEVELS[i % 4],
                "host": format!("web-{:03}.dc1.example.com", i % 97),
                "msg": format!("GET /api/v1/items/{i} HTTP/1.1 \"quoted\" \\ path ünïcödé {}", "x".repeat(i % 40)),
                "latency_ms": (i % 1000) as f64 / 7.0,
                "tags": ["a", "b", {"nested": i % 3 == 0}],
                "pad": "p".repeat(300),
            });
            v.to_string()
        })
        .collect()
}

/// Sends lines over `conns` TCP connections at once (round-robin split); returns when all
/// are written and closed.
pub fn send_tcp(port: u16, lines: &[String], conns: usize) {
    let chunks: Vec<Vec<String>> = (0..conns)
        .map(|c| lines.iter().skip(c).step_by(conns).cloned().collect())
        .collect();
    let handles: Vec<_> = chunks
        .into_iter()
        .map(|chunk| {
            std::thread::spawn(move || {
                let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
                let mut buf = Vec::with_capacity(1 << 20);
                for l in chunk {
                    buf.extend_from_slice(l.as_bytes());
                    buf.push(b'\n');
                    if buf.len() > 1 << 16 {
                        s.write_all(&buf).expect("write");
                        buf.clear();
                    }
                }
                s.write_all(&buf).expect("write");
                s.shutdown(std::net::Shutdown::Write).expect("shutdown");
                // Wait for the server to close its side: everything was read.
                let mut rest = Vec::new();
                let _ = s.read_to_end(&mut rest);
            })
        })
        .collect();
    for h in handles {
        h.join().expect("sender thread");
    }
}

/// Field `field` of `/proc/<pid>/status` in KiB (`VmRSS`, `RssAnon`, `VmHWM`, ...).
pub fn status_kib(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("no {field} in /proc/{pid}/status"))
}

/// The embedded default config (`sluice default-config`), listening on `port` (TCP and UDP)
/// instead of 4242 and with its `[admin]` section dropped, so that [`Sluice::start`] adds one
/// on a free port.
pub fn default_config(port: u16) -> String {
    let out = Command::new(bin())
        .arg("default-config")
        .output()
        .expect("sluice default-config");
    let text = String::from_utf8(out.stdout).expect("utf-8 config");
    retarget(&text, &[("127.0.0.1:4242", format!("127.0.0.1:{port}"))])
}

/// The text of the shipped example config `ops/examples/<name>`.
pub fn example(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("ops/examples")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// An example config made runnable in a test: each `(from, to)` replaced (every `from`
/// must occur, so the test and the example cannot drift apart silently), `"/tmp/` paths
/// moved into the test's `{dir}`, and the `[admin]` section dropped so that
/// [`Sluice::start`] adds one on a free port.
pub fn retarget(text: &str, replace: &[(&str, String)]) -> String {
    let admin = "[admin]\nlisten = \"127.0.0.1:9898\"\n";
    assert!(
        text.contains(admin),
        "the example has no plain [admin] section"
    );
    // The example's own `/tmp` paths move first, so that a replacement that happens to
    // live under /tmp (a checkout or target directory there) is left as given.
    let mut text = text.replace(admin, "").replace("\"/tmp/", "\"{dir}/");
    for (from, to) in replace {
        assert!(
            text.contains(from),
            "the example no longer contains {from:?}"
        );
        text = text.replace(from, to);
    }
    text
}

/// A missing external sender fails the test rather than skipping it: a test that skips
/// would let CI go green without ever running a real client. `.ci/run` installs them all.
fn missing(what: &str) -> ! {
    panic!("{what} is not available: install it as .ci/run does")
}

/// Fails the test unless `python3` can import every module in `modules`.
pub fn require_python(modules: &[&str]) {
    let out = Command::new("python3")
        .arg("-c")
        .arg(format!("import {}", modules.join(", ")))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output();
    match out {
        Ok(o) if o.status.success() => {}
        Ok(o) => missing(&format!(
            "python3 with {} ({})",
            modules.join(", "),
            String::from_utf8_lossy(&o.stderr).trim()
        )),
        Err(e) => missing(&format!("python3 ({e})")),
    }
}

/// Fails the test unless util-linux `logger` with remote, RFC 5424 and octet counting
/// support is here.
pub fn require_logger() {
    let ok = Command::new("logger")
        .arg("--help")
        .output()
        .is_ok_and(|o| {
            let h = String::from_utf8_lossy(&o.stdout);
            h.contains("--octet-count") && h.contains("--rfc5424") && h.contains("--server")
        });
    if !ok {
        missing("util-linux logger with --server, --rfc5424 and --octet-count (package bsdutils)");
    }
}

/// Runs `python3 -c script args...` to completion; panics with its stderr if it fails.
/// Returns its stdout.
pub fn python(script: &str, args: &[String]) -> String {
    let out = Command::new("python3")
        .arg("-c")
        .arg(script)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("spawn python3");
    assert!(
        out.status.success(),
        "python3 failed ({}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Nanoseconds since the Unix epoch.
pub fn now_ns() -> i64 {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970");
    i64::try_from(d.as_nanos()).expect("ns fit i64")
}

/// The fields of a `/proc/.../stat` line after the parenthesised name: `[0]` is field 3
/// (state), so field N of proc(5) is `[N - 3]` (utime 14 is `[11]`, nice 19 is `[16]`).
pub fn stat_fields(stat: &str) -> Vec<String> {
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    rest.split_whitespace().map(str::to_string).collect()
}

/// (name, stat fields) of every thread of process `pid`; see [`stat_fields`].
pub fn threads(pid: u32) -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    for t in std::fs::read_dir(format!("/proc/{pid}/task")).expect("task dir") {
        let t = t.expect("task").path();
        let comm = std::fs::read_to_string(t.join("comm")).unwrap_or_default();
        let stat = std::fs::read_to_string(t.join("stat")).unwrap_or_default();
        out.push((comm.trim().to_string(), stat_fields(&stat)));
    }
    out
}
