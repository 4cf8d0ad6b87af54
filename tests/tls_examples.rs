//! ops/examples/syslog-tls-to-file.toml run as shipped, with its demo certificates (ports and
//! /tmp retargeted): RFC 5425 syslog over TLS from Python's `ssl` and `openssl s_client`, each
//! message a JSON line in the file, a message with a bad priority in the errors file.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use common::{example, free_port, retarget, Sluice};

const PY_SENDER: &str = r#"
import socket, ssl, sys
port, ca = int(sys.argv[1]), sys.argv[2]
ctx = ssl.create_default_context(cafile=ca)
with socket.create_connection(("127.0.0.1", port)) as raw:
    with ctx.wrap_socket(raw, server_hostname="127.0.0.1") as s:
        msgs = [b"<165>1 2026-12-02T10:00:00.5Z web-1 nginx 4711 ID47 [ex@32473 k=\"v\"] multi\nline",
                b"<14>1 2026-12-02T10:00:01Z web-1 app - - - second",
                b"<999>not a priority"]
        for m in msgs:
            s.sendall(str(len(m)).encode() + b" " + m)
"#;

#[test]
fn syslog_tls_to_file_example_as_shipped() {
    // The shipped demo certificates themselves (the config moves, so their paths are made
    // absolute), and the senders trust the shipped demo CA.
    let d = concat!(env!("CARGO_MANIFEST_DIR"), "/ops/examples/tls").to_string();
    let port = free_port();
    let config = retarget(
        &example("syslog-tls-to-file.toml"),
        &[
            ("127.0.0.1:6514", format!("127.0.0.1:{port}")),
            ("\"tls/server.pem\"", format!("\"{d}/server.pem\"")),
            ("\"tls/server.key\"", format!("\"{d}/server.key\"")),
        ],
    );
    let s = Sluice::start(&config);
    common::python(PY_SENDER, &[port.to_string(), format!("{d}/ca.pem")]);
    // The example's own `openssl s_client` line, as its comment gives it.
    let msg = b"<13>1 2026-12-02T10:00:00Z host app - - - hello over TLS";
    let mut input = format!("{} ", msg.len()).into_bytes();
    input.extend_from_slice(msg);
    let mut child = Command::new("openssl")
        .args([
            "s_client",
            "-connect",
            &format!("127.0.0.1:{port}"),
            "-CAfile",
            &format!("{d}/ca.pem"),
            "-verify_return_error",
            "-quiet",
            "-no_ign_eof",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("openssl s_client");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(&input)
        .expect("write");
    assert!(child.wait().expect("wait").success(), "s_client failed");
    let ev = common::wait_json_lines(&s.path("syslog-tls.jsonl"), 3, 30);
    assert_eq!(ev.len(), 3, "{ev:?}");
    assert_eq!(ev[0]["msg"], "multi\nline");
    assert_eq!(ev[0]["appname"], "nginx");
    assert_eq!(ev[0]["hostname"], "web-1");
    assert_eq!(ev[0]["severity"], "notice");
    assert_eq!(ev[0]["facility"], "local4");
    assert_eq!(ev[1]["msg"], "second");
    assert_eq!(ev[2]["msg"], "hello over TLS");
    let errors = common::wait_json_lines(&s.path("syslog-tls-errors.jsonl"), 1, 30);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].to_string().contains("not a priority"),
        "{}",
        errors[0]
    );
    let (exit, _d) = s.stop();
    assert!(exit.status.success(), "{}", exit.stderr);
}
