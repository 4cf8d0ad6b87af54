//! TLS on the TCP and HTTP sources: syslog over TLS (RFC 5425 octet counting) from Python's
//! `ssl` and `openssl s_client`, HTTPS Influx writes, client-certificate verification, and
//! truncated handshakes that must be counted and must not hurt anyone else.

mod common;

use std::io::Write;
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Stdio};

use common::{free_port, Sluice};

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A CA, a server certificate for 127.0.0.1 and a client certificate, made fresh.
fn pki(dir: &Path) {
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=test-ca",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
        ],
    );
    for (name, ext) in [
        ("server", "subjectAltName=IP:127.0.0.1,DNS:localhost"),
        ("client", "extendedKeyUsage=clientAuth"),
    ] {
        openssl(
            dir,
            &[
                "req",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-subj",
                &format!("/CN={name}"),
                "-keyout",
                &format!("{name}.key"),
                "-out",
                &format!("{name}.csr"),
            ],
        );
        std::fs::write(dir.join(format!("{name}.ext")), ext).expect("ext");
        openssl(
            dir,
            &[
                "x509",
                "-req",
                "-in",
                &format!("{name}.csr"),
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-days",
                "2",
                "-extfile",
                &format!("{name}.ext"),
                "-out",
                &format!("{name}.pem"),
            ],
        );
    }
}

const PY_SYSLOG: &str = r#"
import socket, ssl, sys
port, ca = int(sys.argv[1]), sys.argv[2]
ctx = ssl.create_default_context(cafile=ca)
with socket.create_connection(("127.0.0.1", port)) as raw:
    with ctx.wrap_socket(raw, server_hostname="127.0.0.1") as s:
        # OpenSSL offers AES-256-GCM first; the server picks AES-128-GCM (cheaper per byte).
        assert s.cipher()[0] == "TLS_AES_128_GCM_SHA256", s.cipher()
        for i in range(3):
            msg = ("<14>1 2026-12-02T10:00:00Z host app - - - python tls %d" % i).encode()
            s.sendall(str(len(msg)).encode() + b" " + msg)
"#;

#[test]
fn syslog_over_tls_from_python_and_openssl_and_truncated_handshakes() {
    let pki_dir = tempfile::tempdir().expect("tmp");
    pki(pki_dir.path());
    let port = free_port();
    let d = pki_dir.path().display();
    let s = Sluice::start(&format!(
        r#"
[[source]]
id = "syslog-tls"
type = "tcp"
listen = "127.0.0.1:{port}"
tls = {{ cert = "{d}/server.pem", key = "{d}/server.key" }}
preprocessors = ["textual-length-prefixed"]
codec = "syslog"
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
flush_interval = "20ms"
"#
    ));
    // Truncated handshakes first: half a ClientHello record, then close; plain text.
    for junk in [
        &b"\x16\x03\x01\x02\x00\x01\x00"[..],
        b"<14>1 not tls at all\n",
    ] {
        let mut c = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        c.write_all(junk).expect("write");
        drop(c);
    }
    common::python(PY_SYSLOG, &[port.to_string(), format!("{d}/ca.pem")]);
    let msg = b"<13>1 2026-12-02T10:00:01Z host app - - - from s_client";
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
    let st = child.wait().expect("wait");
    assert!(st.success(), "s_client failed");
    let ev = common::wait_json_lines(&s.path("out.jsonl"), 4, 30);
    let msgs: Vec<&str> = ev.iter().filter_map(|e| e["msg"].as_str()).collect();
    assert_eq!(
        msgs,
        vec![
            "python tls 0",
            "python tls 1",
            "python tls 2",
            "from s_client"
        ]
    );
    let tls_errors = s.wait_metric(
        "sluice_source_errors_total{source=\"syslog-tls\",kind=\"tls\"}",
        2.0,
        20,
    );
    assert_eq!(tls_errors, 2.0);
    let (exit, _d) = s.stop();
    assert!(exit.status.success(), "{}", exit.stderr);
}

const PY_HTTPS: &str = r#"
import ssl, sys, urllib.request
port, d, with_cert = int(sys.argv[1]), sys.argv[2], sys.argv[3] == "1"
ctx = ssl.create_default_context(cafile=d + "/ca.pem")
if with_cert:
    ctx.load_cert_chain(d + "/client.pem", d + "/client.key")
req = urllib.request.Request("https://127.0.0.1:%d/write?db=x" % port, data=b"cpu,via=https v=1 1\n", method="POST")
try:
    print(urllib.request.urlopen(req, context=ctx).status)
except Exception as e:
    print("refused", type(e).__name__)
"#;

#[test]
fn https_influx_writes_with_client_certificates() {
    let pki_dir = tempfile::tempdir().expect("tmp");
    pki(pki_dir.path());
    let port = free_port();
    let d = pki_dir.path().display().to_string();
    let s = Sluice::start(&format!(
        r#"
[[source]]
id = "web"
type = "http"
listen = "127.0.0.1:{port}"
tls = {{ cert = "{d}/server.pem", key = "{d}/server.key", client_ca = "{d}/ca.pem", min_version = "1.2" }}
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
flush_interval = "20ms"
"#
    ));
    let without = common::python(PY_HTTPS, &[port.to_string(), d.clone(), "0".into()]);
    assert!(without.starts_with("refused"), "{without}");
    let with = common::python(PY_HTTPS, &[port.to_string(), d.clone(), "1".into()]);
    assert_eq!(with.trim(), "204");
    let ev = common::wait_json_lines(&s.path("out.jsonl"), 1, 30);
    assert_eq!(ev.len(), 1);
    assert_eq!(ev[0]["tags"]["via"], "https");
    let (exit, _d) = s.stop();
    assert!(exit.status.success(), "{}", exit.stderr);
}
