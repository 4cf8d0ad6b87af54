//! TLS and SASL around the test broker.
//!
//! What tansu 0.6 can do, read from its source (tansu-broker, tansu-auth, tansu-storage):
//! - TLS: `tansu broker --cert --key` loads the pair into a rustls config, then its accept
//!   loop serves the plain socket (broker.rs: `let _acceptor = ...`, never used). So the
//!   tests put a TLS terminator in front of it ([`start_tls`], `tls_proxy.py`: OpenSSL
//!   through Python's `ssl`), and tansu advertises the terminator's port.
//! - SASL (`--authentication`): every request but ApiVersions and the SASL ones is refused
//!   until the connection logged in. Its rsasl is built with SCRAM-SHA-256/512 and
//!   OAUTHBEARER only (PLAIN is not compiled in; OAUTHBEARER has no validator), so SCRAM it
//!   is. The in-memory store (`memory://`, the `dynostore` build the other tests use) keeps
//!   no SCRAM credentials (its `upsert_user_scram_credential` does nothing and its lookup
//!   finds nobody), so there every login is refused with `unknown-user`: good for the
//!   refused-login test, useless for a round trip. tansu's SQLite store (the `libsql`
//!   feature of the same build) keeps them: [`start_scram`] stores the
//!   users and topics with a broker that does not ask for a login, then restarts it on the
//!   same database with `--authentication`.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

use super::Broker;
use crate::common::free_port;

/// The tests' own clients log in as this user (SCRAM-SHA-256).
const ADMIN: (&str, &str) = ("test-admin", "test-admin-pw");

/// Puts the TLS terminator on port `port` in front of `b`; its certificate
/// `pki/server.pem` (for 127.0.0.1) is signed by `pki/ca.pem` (see `tls_common::pki`).
/// `client_ca`: it asks for a client certificate signed by that CA too.
fn proxy(b: &mut Broker, port: u16, pki: &Path, client_ca: bool) {
    let ca = pki.join("ca.pem");
    let mut child = Command::new("python3")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/kafka_support/tls_proxy.py"
        ))
        .arg(pki.join("server.pem"))
        .arg(pki.join("server.key"))
        .arg(if client_ca {
            ca.as_os_str()
        } else {
            "-".as_ref()
        })
        .arg(port.to_string())
        .arg(b.plain_port.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("python3 tests/kafka_support/tls_proxy.py");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("port line");
    assert!(line.contains(&port.to_string()), "tls proxy: {line}");
    b.proxy = Some(child);
    b.props
        .push(("ssl.ca.location".into(), ca.display().to_string()));
    if client_ca {
        for (k, f) in [
            ("ssl.certificate.location", "client.pem"),
            ("ssl.key.location", "client.key"),
        ] {
            b.props
                .push((k.to_string(), pki.join(f).display().to_string()));
        }
    }
}

fn set_protocol(b: &mut Broker, tls: bool) {
    let p = match (tls, b.auth) {
        (false, false) => return,
        (true, false) => "ssl",
        (false, true) => "sasl_plaintext",
        (true, true) => "sasl_ssl",
    };
    b.props.push(("security.protocol".into(), p.into()));
}

/// tansu (in-memory store, no login) behind the TLS terminator.
pub fn start_tls(pki: &Path, client_ca: bool) -> Broker {
    let port = free_port();
    let mut b = Broker::start_with(Some(port), false);
    proxy(&mut b, port, pki, client_ca);
    set_protocol(&mut b, true);
    b
}

/// tansu (SQLite store) that wants a SCRAM login, with `users` (name, password, SHA-512?)
/// and `topics` (name, partitions) stored first; behind the TLS terminator with `tls`.
pub fn start_scram(
    users: &[(&str, &str, bool)],
    topics: &[(&str, u32)],
    tls: Option<&Path>,
) -> Broker {
    let store = tempfile::tempdir().expect("tempdir");
    let bin = super::tansu();
    let db = "sqlite://tansu.db";
    {
        let setup = Broker::launch(bin.clone(), db, Some(store.path()), None, false);
        for (name, pw, sha512) in
            std::iter::once((ADMIN.0, ADMIN.1, false)).chain(users.iter().copied())
        {
            let mech = if sha512 { "scram512" } else { "scram256" };
            setup.admin(&["user", "create", name, pw, "--mechanism", mech]);
        }
        for (t, n) in topics {
            setup.create_topic(t, *n);
        }
    }
    let port = tls.map(|_| free_port());
    let mut b = Broker::launch(bin, db, Some(store.path()), port, true);
    b.store = Some(store);
    if let (Some(pki), Some(port)) = (tls, port) {
        proxy(&mut b, port, pki, false);
    }
    set_protocol(&mut b, tls.is_some());
    for (k, v) in [
        ("sasl.mechanism", "SCRAM-SHA-256"),
        ("sasl.username", ADMIN.0),
        ("sasl.password", ADMIN.1),
    ] {
        b.props.push((k.into(), v.into()));
    }
    b
}
