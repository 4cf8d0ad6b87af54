//! What the TLS tests share: a fresh PKI made with `openssl`, and TLS peers in Python's
//! standard library (`tls_peer.py`) for the sinks to talk to.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub fn openssl(dir: &Path, args: &[&str]) {
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

/// A CA (`ca.pem`), a server certificate for 127.0.0.1 and localhost (`server.pem`,
/// `server.key`) and a client certificate (`client.pem`, `client.key`), made fresh. Two
/// calls make two unrelated CAs.
pub fn pki(dir: &Path) {
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
        let (key, csr, pem, extf) = (
            format!("{name}.key"),
            format!("{name}.csr"),
            format!("{name}.pem"),
            format!("{name}.ext"),
        );
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
                &key,
                "-out",
                &csr,
            ],
        );
        std::fs::write(dir.join(&extf), ext).expect("ext");
        openssl(
            dir,
            &[
                "x509",
                "-req",
                "-in",
                &csr,
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-days",
                "2",
                "-extfile",
                &extf,
                "-out",
                &pem,
            ],
        );
    }
}

/// A running `tls_peer.py`, killed when dropped.
pub struct Peer {
    child: Child,
    /// The TLS port.
    pub port: u16,
    /// `es` mode: the plain-HTTP port of the same test server.
    pub plain: u16,
    /// What it received (`raw` and `http` modes).
    pub out: PathBuf,
}

impl Peer {
    /// Starts a peer in `mode` with `pki`'s server certificate; `client_ca` asks clients
    /// for a certificate; `port` 0 picks a free one.
    /// A peer on a free port that demands a client certificate signed by the CA in `pki`,
    /// writing what it receives to `pki/<mode>.out`.
    pub fn mutual(mode: &str, pki: &Path) -> Peer {
        let out = pki.join(format!("{mode}.out"));
        Peer::start(mode, pki, Some(&pki.join("ca.pem")), &out, 0)
    }

    pub fn start(mode: &str, pki: &Path, client_ca: Option<&Path>, out: &Path, port: u16) -> Peer {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/tls_common/tls_peer.py");
        let ca = client_ca.map_or("-".to_string(), |p| p.display().to_string());
        let mut child = Command::new("python3")
            .arg(script)
            .arg(mode)
            .arg(pki.join("server.pem"))
            .arg(pki.join("server.key"))
            .arg(ca)
            .arg(out)
            .arg(port.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("python3 tests/tls_common/tls_peer.py");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("port line");
        let v: serde_json::Value = serde_json::from_str(&line).expect("port JSON");
        let port = |k: &str| u16::try_from(v[k].as_u64().expect("port")).expect("u16");
        Peer {
            port: port("port"),
            plain: port("plain"),
            out: out.to_path_buf(),
            child,
        }
    }

    /// The bytes received so far.
    pub fn received(&self) -> Vec<u8> {
        std::fs::read(&self.out).unwrap_or_default()
    }

    /// Waits until `n` lines were received (or 30 s); returns them.
    pub fn wait_lines(&self, n: usize) -> Vec<String> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let text = String::from_utf8_lossy(&self.received()).into_owned();
            let lines: Vec<String> = text.lines().map(str::to_string).collect();
            if lines.len() >= n || Instant::now() > deadline {
                return lines;
            }
            std::thread::sleep(Duration::from_millis(30));
        }
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
