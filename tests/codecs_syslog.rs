//! `ops/examples/syslog-to-json.toml` as shipped, fed by real senders: util-linux `logger`
//! over UDP, over TCP (LF framing) and with `--octet-count`, in RFC 5424 and RFC 3164, and
//! Python's `logging.handlers.SysLogHandler` over UDP and TCP.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use common::{example, free_port, json_lines, metric, now_ns, python, retarget, Sluice};
use serde_json::{json, Value};

struct Ports {
    /// UDP and LF-framed TCP (the example's 5514).
    main: u16,
    /// Octet counting (5515).
    octet: u16,
    /// NUL-terminated TCP (5516).
    nul: u16,
}

fn start() -> (Sluice, Ports) {
    let p = Ports {
        main: free_port(),
        octet: free_port(),
        nul: free_port(),
    };
    let cfg = retarget(
        &example("syslog-to-json.toml"),
        &[
            ("127.0.0.1:5514", format!("127.0.0.1:{}", p.main)),
            ("127.0.0.1:5515", format!("127.0.0.1:{}", p.octet)),
            ("127.0.0.1:5516", format!("127.0.0.1:{}", p.nul)),
        ],
    );
    (Sluice::start(&cfg), p)
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .expect("hostname")
        .trim()
        .to_string()
}

/// Runs `logger --server 127.0.0.1 --port PORT args...`, with `stdin` as its input when
/// given (one message per line); local time is UTC so RFC 3164 stamps are comparable.
fn logger(port: u16, args: &[&str], stdin: Option<&str>) {
    let mut cmd = Command::new("logger");
    cmd.args(["--server", "127.0.0.1", "--port", &port.to_string()])
        .args(args)
        .env("TZ", "UTC")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn logger");
    if let Some(text) = stdin {
        let mut i = child.stdin.take().expect("stdin");
        i.write_all(text.as_bytes()).expect("write to logger");
    }
    let out = child.wait_with_output().expect("logger");
    assert!(
        out.status.success(),
        "logger {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Waits for `n` events in the JSON file and `errs` error events, stops Sluice, and returns
/// (events, errors) as parsed JSON.
fn finish(s: Sluice, n: f64, errs: f64) -> (Vec<Value>, Vec<Value>, String) {
    let got = s.wait_metric("sluice_sink_events_total{sink=\"json\"}", n, 20);
    let got_err = s.wait_metric("sluice_sink_events_total{sink=\"errors\"}", errs, 20);
    let metrics = s.metrics();
    let (exit, dir) = s.stop();
    assert!(exit.status.success(), "{}", exit.stderr);
    let out = json_lines(&dir.path().join("syslog.jsonl"));
    let err = json_lines(&dir.path().join("syslog-errors.jsonl"));
    assert_eq!(got, n, "events: {out:#?}\nerrors: {err:#?}");
    assert_eq!(got_err, errs, "errors: {err:#?}");
    (out, err, metrics)
}

fn by_msg<'v>(events: &'v [Value], msg: &str) -> &'v Value {
    let hits: Vec<&Value> = events.iter().filter(|e| e["msg"] == msg).collect();
    assert_eq!(
        hits.len(),
        1,
        "exactly one event with msg {msg:?} in {events:#?}"
    );
    hits[0]
}

/// `timestamp` lies in [from, to] (nanoseconds), with `slack_ns` for senders that round.
fn assert_time(e: &Value, from: i64, to: i64, slack_ns: i64) {
    let t = e["timestamp"].as_i64().unwrap_or_else(|| panic!("{e}"));
    assert!(
        t >= from - slack_ns && t <= to + slack_ns,
        "timestamp {t} not in [{from}, {to}]: {e}"
    );
}

#[test]
fn logger_udp_rfc5424_and_rfc3164() {
    common::require_logger();
    let (s, p) = start();
    let host = hostname();
    let before = now_ns();
    logger(
        p.main,
        &[
            "--udp",
            "--rfc5424",
            "-p",
            "local4.notice",
            "-t",
            "backup",
            "--id=4242",
            "--msgid",
            "ID47",
            "--sd-id",
            "zoo@32473",
            "--sd-param",
            r#"tiger="hungry""#,
            "--sd-param",
            r#"zebra="striped \] and \"quoted\"""#,
            "nightly backup done: größe ✓",
        ],
        None,
    );
    logger(
        p.main,
        &[
            "--udp",
            "--rfc3164",
            "-p",
            "cron.info",
            "-t",
            "cron",
            "--id=777",
            "job started",
        ],
        None,
    );
    let after = now_ns();
    let (out, err, _) = finish(s, 2.0, 0.0);
    assert!(err.is_empty(), "{err:#?}");

    let e = by_msg(&out, "nightly backup done: größe ✓");
    assert_eq!(e["facility"], "local4");
    assert_eq!(e["severity"], "notice");
    assert_eq!(e["protocol"], "RFC5424");
    assert_eq!(e["protocol_version"], 1);
    assert_eq!(e["hostname"], host.as_str());
    assert_eq!(e["appname"], "backup");
    assert_eq!(e["procid"], "4242");
    assert_eq!(e["msgid"], "ID47");
    let sd = &e["structured_data"];
    assert_eq!(
        sd["zoo@32473"],
        json!([{"tiger": "hungry"}, {"zebra": "striped ] and \"quoted\""}]),
        "{e}"
    );
    // logger adds its own timeQuality element (RFC 5424 7.1); isSynced depends on the host.
    assert_eq!(sd["timeQuality"][0], json!({"tzKnown": "1"}), "{e}");
    // RFC 5424 stamps carry microseconds.
    assert_time(e, before, after, 1_000);

    let e = by_msg(&out, "job started");
    assert_eq!(e["facility"], "cron");
    assert_eq!(e["severity"], "info");
    assert_eq!(e["protocol"], "RFC3164");
    // RFC 3164 senders write the host name up to its first dot.
    assert_eq!(e["hostname"], host.split('.').next().unwrap());
    assert_eq!(e["appname"], "cron");
    assert_eq!(e["procid"], "777");
    assert!(e.get("structured_data").is_none(), "{e}");
    // Whole seconds, written in UTC (TZ=UTC above) and read as UTC.
    assert_time(e, before - before % 1_000_000_000, after, 0);
}

#[test]
fn logger_tcp_lf_framing() {
    common::require_logger();
    let (s, p) = start();
    let host = hostname();
    let before = now_ns();
    // One connection, one message per stdin line.
    logger(
        p.main,
        &[
            "--tcp",
            "--rfc5424",
            "-p",
            "auth.warning",
            "-t",
            "sshd",
            "--id=2201",
        ],
        Some("first line\nsecond line\nthird line\n"),
    );
    logger(
        p.main,
        &["--tcp", "--rfc3164", "-p", "daemon.err", "-t", "ntpd"],
        Some("clock unsynchronised\n"),
    );
    let after = now_ns();
    // A line that is not syslog at all, on the same port: to err, the rest unaffected.
    common::send_tcp(p.main, &["<999>not a priority".to_string()], 1);
    // Ingest counters are reported apart from the sinks': wait for all five reads.
    s.wait_metric("sluice_source_events_total{source=\"syslog-tcp\"}", 5.0, 20);
    let (out, err, metrics) = finish(s, 4.0, 1.0);
    for (i, m) in ["first line", "second line", "third line"]
        .iter()
        .enumerate()
    {
        let e = by_msg(&out, m);
        assert_eq!(e["facility"], "auth", "{i}");
        assert_eq!(e["severity"], "warning");
        assert_eq!(e["appname"], "sshd");
        assert_eq!(e["procid"], "2201");
        assert_eq!(e["hostname"], host.as_str());
        assert_eq!(e["protocol"], "RFC5424");
        assert_time(e, before, after, 1_000);
    }
    let e = by_msg(&out, "clock unsynchronised");
    assert_eq!(e["facility"], "daemon");
    assert_eq!(e["severity"], "err");
    assert_eq!(e["appname"], "ntpd");
    assert_eq!(e["hostname"], host.split('.').next().unwrap());
    // No --id: logger writes no PID.
    assert!(e.get("procid").is_none(), "{e}");
    assert_eq!(e["protocol"], "RFC3164");
    assert_time(e, before - before % 1_000_000_000, after, 0);
    assert_eq!(err[0]["raw"], "<999>not a priority");
    assert_eq!(err[0]["error"]["kind"], "decode");
    assert_eq!(err[0]["error"]["source"], "syslog-tcp");
    assert_eq!(
        metric(
            &metrics,
            "sluice_source_errors_total{source=\"syslog-tcp\",kind=\"decode\"}"
        ),
        Some(1.0),
        "{metrics}"
    );
    assert_eq!(
        metric(
            &metrics,
            "sluice_source_events_total{source=\"syslog-tcp\"}"
        ),
        Some(5.0),
        "{metrics}"
    );
}

#[test]
fn logger_tcp_octet_counting() {
    common::require_logger();
    let (s, p) = start();
    let host = hostname();
    let before = now_ns();
    logger(
        p.octet,
        &[
            "--tcp",
            "--octet-count",
            "--rfc5424",
            "-p",
            "local7.debug",
            "-t",
            "app",
            "--sd-id",
            "meta@1",
            "--sd-param",
            r#"k="v""#,
        ],
        Some("alpha\nbeta [not sd]\ngamma\n"),
    );
    logger(
        p.octet,
        &[
            "--tcp",
            "--octet-count",
            "--rfc3164",
            "-p",
            "mail.crit",
            "-t",
            "postfix/smtpd",
            "--id=31337",
        ],
        Some("disk full\n"),
    );
    let after = now_ns();
    // Four frames cut by their length prefixes, none resynchronised.
    let frames = "sluice_source_preprocessor_total{source=\"syslog-tcp-octet\",\
                  stage=\"textual-length-prefixed\",counter=\"frames\"}";
    assert_eq!(s.wait_metric(frames, 4.0, 20), 4.0, "{}", s.metrics());
    let (out, err, metrics) = finish(s, 4.0, 0.0);
    for counter in ["too_long", "bad_headers", "skipped_bytes", "truncated"] {
        let name = format!(
            "sluice_source_preprocessor_total{{source=\"syslog-tcp-octet\",\
             stage=\"textual-length-prefixed\",counter=\"{counter}\"}}"
        );
        assert_eq!(metric(&metrics, &name), Some(0.0), "{name}\n{metrics}");
    }
    assert!(err.is_empty(), "{err:#?}");
    for m in ["alpha", "beta [not sd]", "gamma"] {
        let e = by_msg(&out, m);
        assert_eq!(e["facility"], "local7");
        assert_eq!(e["severity"], "debug");
        assert_eq!(e["appname"], "app");
        assert_eq!(e["hostname"], host.as_str());
        // PROCID was the NILVALUE `-`.
        assert!(e.get("procid").is_none(), "{e}");
        assert_eq!(e["structured_data"]["meta@1"], json!([{"k": "v"}]), "{e}");
        assert_time(e, before, after, 1_000);
    }
    let e = by_msg(&out, "disk full");
    assert_eq!(e["facility"], "mail");
    assert_eq!(e["severity"], "crit");
    assert_eq!(e["appname"], "postfix/smtpd");
    assert_eq!(e["procid"], "31337");
    assert_eq!(e["hostname"], host.split('.').next().unwrap());
    assert_time(e, before - before % 1_000_000_000, after, 0);
}

/// Python's SysLogHandler: RFC 3164-style `<PRI>` + formatted record, no timestamp or
/// host; over UDP one datagram ending in NUL, over TCP NUL-terminated with no line feed.
const PY_SYSLOG: &str = r#"
import logging, logging.handlers, socket, sys, os
port, nul_port = int(sys.argv[1]), int(sys.argv[2])
fmt = logging.Formatter("%(name)s[%(process)d]: %(message)s")
udp = logging.handlers.SysLogHandler(address=("127.0.0.1", port),
        facility=logging.handlers.SysLogHandler.LOG_LOCAL3)
tcp = logging.handlers.SysLogHandler(address=("127.0.0.1", nul_port),
        facility=logging.handlers.SysLogHandler.LOG_DAEMON, socktype=socket.SOCK_STREAM)
for h in (udp, tcp):
    h.setFormatter(fmt)
a = logging.getLogger("billing")
a.addHandler(udp)
a.setLevel(logging.DEBUG)
b = logging.getLogger("worker")
b.addHandler(tcp)
b.setLevel(logging.DEBUG)
a.warning("disk almost full: %d%%", 91)
a.error("payment failed\nTraceback: line two")
b.info("job %s done", "nightly")
b.critical("out of memory")
b.debug("multi\nline over tcp")
udp.close()
tcp.close()
print(os.getpid())
"#;

#[test]
fn python_sysloghandler_udp_and_tcp() {
    common::require_python(&["logging.handlers"]);
    let (s, p) = start();
    let pid = python(PY_SYSLOG, &[p.main.to_string(), p.nul.to_string()])
        .trim()
        .to_string();
    let (out, err, _) = finish(s, 5.0, 0.0);
    assert!(err.is_empty(), "{err:#?}");
    // SysLogHandler maps WARNING to warning, ERROR to err, CRITICAL to crit.
    let cases = [
        ("disk almost full: 91%", "local3", "warning", "billing"),
        (
            "payment failed\nTraceback: line two",
            "local3",
            "err",
            "billing",
        ),
        ("job nightly done", "daemon", "info", "worker"),
        ("out of memory", "daemon", "crit", "worker"),
        ("multi\nline over tcp", "daemon", "debug", "worker"),
    ];
    for (msg, facility, severity, app) in cases {
        let e = by_msg(&out, msg);
        assert_eq!(e["facility"], facility, "{e}");
        assert_eq!(e["severity"], severity, "{e}");
        assert_eq!(e["appname"], app, "{e}");
        assert_eq!(e["procid"], pid.as_str(), "{e}");
        assert_eq!(e["protocol"], "RFC3164", "{e}");
    }
}
