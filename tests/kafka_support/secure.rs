//! TLS and SASL around the test broker.
//!
//! What tansu 0.6 can do, read from its source (tansu-broker, tansu-auth, tansu-service):
//! - TLS: `tansu broker --cert --key` loads the pair into a rustls config, then the accept
//!   loop serves the plain socket (`let _acceptor = ...` is never used). So the tests put a
//!   TLS terminator in front of it ([`start_tls`], `tls_proxy.py`, OpenSSL through Python)
//!   and tansu advertises the terminator's port.
//! - SASL (`--authentication`): every request but ApiVersions and the SASL ones is refused
//!   until the connection authenticated. PLAIN accepts any password (tansu checks only that
//!   one was sent); SCRAM-SHA-256/512 checks the password against the credentials stored by
//!   AlterUserScramCredentials, and fails for an unknown user or a wrong password. So the
//!   tests' own admin client authenticates with PLAIN, stores a SCRAM user
//!   ([`create_scram_user`]), and Sluice authenticates with SCRAM.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::config::ClientConfig;

use super::Broker;
use crate::common::free_port;

/// The SCRAM login of the tests' own clients (stored by [`Broker::start_with`]).
pub fn admin_sasl() -> Vec<(String, String)> {
    [
        ("security.protocol", "sasl_plaintext"),
        ("sasl.mechanism", "SCRAM-SHA-256"),
        ("sasl.username", "test-admin"),
        ("sasl.password", "test-admin-pw"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

/// tansu behind a TLS terminator whose certificate `pki/server.pem` (for 127.0.0.1) is
/// signed by `pki/ca.pem` (see `tls_common::pki`). `client_ca`: the terminator asks for a
/// client certificate signed by it. `authentication`: SASL as well (`sasl_ssl`).
pub fn start_tls(pki: &Path, client_ca: bool, authentication: bool) -> Broker {
    let port = free_port();
    let mut b = Broker::start_with(Some(port), authentication);
    let ca = pki.join("ca.pem");
    let mut child = Command::new("python3")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/kafka_support/tls_proxy.py"))
        .arg(pki.join("server.pem"))
        .arg(pki.join("server.key"))
        .arg(if client_ca { ca.as_os_str() } else { "-".as_ref() })
        .arg(port.to_string())
        .arg(b.plain_port.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("python3 tests/kafka_support/tls_proxy.py");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("port line");
    assert!(line.contains(&port.to_string()), "tls proxy: {line}");
    b.proxy = Some(child);
    let mut props = vec![
        ("ssl.ca.location".to_string(), ca.display().to_string()),
        (
            "security.protocol".to_string(),
            if authentication { "sasl_ssl" } else { "ssl" }.to_string(),
        ),
    ];
    if client_ca {
        props.push((
            "ssl.certificate.location".into(),
            pki.join("client.pem").display().to_string(),
        ));
        props.push((
            "ssl.key.location".into(),
            pki.join("client.key").display().to_string(),
        ));
    }
    if authentication {
        props.extend(
            admin_sasl()
                .into_iter()
                .filter(|(k, _)| k != "security.protocol"),
        );
    }
    b.props = props;
    b
}

fn admin(b: &Broker) -> AdminClient<DefaultClientContext> {
    let mut c = ClientConfig::new();
    c.set("bootstrap.servers", b.addr());
    for (k, v) in &b.props {
        c.set(k, v);
    }
    c.create().expect("admin client")
}

/// `tansu topic create` cannot log in; an admin client that can, does it instead.
pub fn create_topic_authenticated(b: &Broker, name: &str, partitions: u32) {
    let a = admin(b);
    let t = NewTopic::new(name, partitions as i32, TopicReplication::Fixed(1));
    let rt = block_on(a.create_topics(
        [&t],
        &AdminOptions::new().request_timeout(Some(Duration::from_secs(30))),
    ));
    for r in rt.expect("create topics") {
        r.unwrap_or_else(|(t, e)| panic!("create topic {t}: {e}"));
    }
}

/// Polls a future to completion on this thread (rdkafka's admin calls are futures; the
/// tests have no executor of their own).
fn block_on<F: std::future::Future>(f: F) -> F::Output {
    use std::sync::{Arc, Condvar, Mutex};
    use std::task::{Context, Poll, Wake, Waker};
    struct Park(Mutex<bool>, Condvar);
    impl Wake for Park {
        fn wake(self: Arc<Self>) {
            *self.0.lock().expect("lock") = true;
            self.1.notify_one();
        }
    }
    let park = Arc::new(Park(Mutex::new(false), Condvar::new()));
    let waker = Waker::from(Arc::clone(&park));
    let mut cx = Context::from_waker(&waker);
    let mut f = std::pin::pin!(f);
    loop {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
        let mut woken = park.0.lock().expect("lock");
        while !*woken {
            woken = park.1.wait(woken).expect("wait");
        }
        *woken = false;
    }
}

/// Stores SCRAM credentials for `user` in `b` (`scram_user.py`, which says why it is not
/// `tansu user create`). `sha512`: SCRAM-SHA-512, else SCRAM-SHA-256.
pub fn create_scram_user(b: &Broker, user: &str, password: &str, sha512: bool) {
    let out = Command::new("python3")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/kafka_support/scram_user.py"))
        .arg(b.plain_port.to_string())
        .arg(user)
        .arg(password)
        .arg(if sha512 { "512" } else { "256" })
        .output()
        .expect("python3 tests/kafka_support/scram_user.py");
    assert!(
        out.status.success() && String::from_utf8_lossy(&out.stdout).contains("ok"),
        "scram_user.py {user}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}
