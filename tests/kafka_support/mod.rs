//! A real Kafka-protocol broker (`tansu`, in-memory storage) on a free loopback port, and a
//! real librdkafka client to feed it and read it back. Tests fail (never skip) when tansu is
//! not installed: `.ci/run` installs it.
#![allow(dead_code)]

use std::collections::HashMap;
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::Message;
use rdkafka::producer::{BaseProducer, BaseRecord, DeliveryResult, Producer, ProducerContext};
use rdkafka::ClientContext;
use rdkafka::TopicPartitionList;

use crate::common::free_port;

pub mod secure;

/// The tansu build the tests run: `.ci/run` installs it with both the in-memory store
/// (`dynostore`) and the SQLite store (`libsql`, the only one that keeps SCRAM users, see
/// [`secure`]) under `$CARGO_HOME/tansu-sluice`, so one build serves every test and a
/// tansu elsewhere on PATH, built with other features, is never picked up by mistake.
pub fn tansu() -> PathBuf {
    let home = std::env::var("CARGO_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            PathBuf::from(std::env::var("HOME").unwrap_or_default()).join(".cargo")
        });
    let root = home.join("tansu-sluice");
    let p = root.join("bin").join("tansu");
    assert!(
        p.exists(),
        "the Kafka tests need the tansu broker at {}: cargo install tansu --locked \
         --features dynostore,libsql --root {} (bash .ci/run does it)",
        p.display(),
        root.display()
    );
    p
}

pub struct Broker {
    child: Option<Child>,
    /// The port clients are told to use (the TLS proxy's, when there is one).
    pub port: u16,
    /// tansu's own (plain TCP) port.
    pub plain_port: u16,
    /// Which tansu runs (the SQL-store build for SCRAM, see [`secure`]).
    bin: PathBuf,
    /// The TLS proxy in front of tansu ([`secure`]).
    proxy: Option<Child>,
    /// The SQL store's directory ([`secure`]).
    store: Option<tempfile::TempDir>,
    /// tansu wants SASL (`--authentication`).
    pub auth: bool,
    /// What the tests' own clients need to talk to it (TLS, SASL), see [`secure`].
    pub props: Vec<(String, String)>,
}

impl Broker {
    /// Starts tansu with in-memory storage on a free loopback port and waits until it answers.
    pub fn start() -> Broker {
        Broker::start_with(None, false)
    }

    /// Starts tansu with in-memory storage; `advertised`: the port clients are told to use
    /// instead of tansu's own (a TLS proxy's); `authentication`: tansu's `--authentication`.
    pub fn start_with(advertised: Option<u16>, authentication: bool) -> Broker {
        Broker::launch(tansu(), "memory://tansu/", None, advertised, authentication)
    }

    /// Starts `bin` as a broker on `storage` (relative paths from `cwd`).
    fn launch(
        bin: PathBuf,
        storage: &str,
        cwd: Option<&std::path::Path>,
        advertised: Option<u16>,
        authentication: bool,
    ) -> Broker {
        let port = free_port();
        let url = format!("tcp://127.0.0.1:{port}");
        let adv = format!("tcp://127.0.0.1:{}", advertised.unwrap_or(port));
        let mut cmd = Command::new(&bin);
        cmd.args([
            "broker",
            "--listener-url",
            &url,
            "--advertised-listener-url",
            &adv,
        ])
        .args(["--storage-engine", storage])
        .args(authentication.then_some("--authentication"))
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
        if let Some(d) = cwd {
            cmd.current_dir(d);
        }
        let child = cmd.spawn().expect("spawn tansu");
        let b = Broker {
            child: Some(child),
            port: advertised.unwrap_or(port),
            plain_port: port,
            bin,
            proxy: None,
            store: None,
            auth: authentication,
            props: Vec::new(),
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(("127.0.0.1", b.plain_port)).is_err() {
            assert!(Instant::now() < deadline, "tansu did not start listening");
            std::thread::sleep(Duration::from_millis(50));
        }
        b
    }

    /// Runs `tansu ARGS --broker <its plain port>` (topic and user admin). tansu listens
    /// before it serves: a request made just after start-up can have its connection reset
    /// (seen in CI with the SQLite store), so an I/O error is retried for up to 10 s. Any
    /// other error (a refused request) fails at once.
    fn admin(&self, args: &[&str]) {
        let url = format!("tcp://127.0.0.1:{}", self.plain_port);
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let out = Command::new(&self.bin)
                .args(args)
                .args(["--broker", &url])
                .env("RUST_LOG", "warn")
                .output()
                .expect("run tansu");
            if out.status.success() {
                return;
            }
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(
                err.contains("Io(") && Instant::now() < deadline,
                "tansu {args:?}: {err}"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Creates a topic (tansu does not create them on first use). `tansu topic create`
    /// cannot log in: a broker that wants SASL gets its topics before it is restarted with
    /// `--authentication` ([`secure::start_scram`]).
    pub fn create_topic(&self, name: &str, partitions: u32) {
        assert!(!self.auth, "create the topics before authentication is on");
        self.admin(&[
            "topic",
            "create",
            name,
            "--partitions",
            &partitions.to_string(),
        ]);
    }

    /// Sends SIGSTOP / SIGCONT: the broker stops answering but keeps its (in-memory) data.
    pub fn pause(&self, on: bool) {
        let pid = self.child.as_ref().expect("broker").id() as i32;
        // SAFETY: signalling our own child process.
        unsafe {
            libc::kill(pid, if on { libc::SIGSTOP } else { libc::SIGCONT });
        }
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        if let Some(mut p) = self.proxy.take() {
            let _ = p.kill();
            let _ = p.wait();
        }
        if let Some(mut c) = self.child.take() {
            let pid = c.id() as i32;
            // SAFETY: our own child; continue it first in case a test paused it.
            unsafe {
                libc::kill(pid, libc::SIGCONT);
            }
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// Produces `lines` to `topic` (keyed by index so they spread over partitions) and waits
/// until the broker has confirmed every one.
pub fn produce(broker: &str, topic: &str, lines: &[String]) {
    produce_with(broker, &[], topic, lines);
}

/// Counts the test producer's failed deliveries: `flush` returning says only that nothing
/// is queued any more, not that the broker took every record.
#[derive(Default)]
struct Deliveries {
    failed: std::sync::atomic::AtomicUsize,
}

impl ClientContext for Deliveries {}

impl ProducerContext for Deliveries {
    type DeliveryOpaque = ();
    fn delivery(&self, r: &DeliveryResult<'_>, _: ()) {
        if r.is_err() {
            self.failed
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
    }
}

/// [`produce`] with further client properties (TLS, SASL).
pub fn produce_with(broker: &str, props: &[(String, String)], topic: &str, lines: &[String]) {
    let mut c = ClientConfig::new();
    // Idempotent and without a delivery deadline, so a slow broker on a loaded machine
    // means retries (without duplicates), never a record silently missing from the topic.
    c.set("bootstrap.servers", broker)
        .set("linger.ms", "5")
        .set("enable.idempotence", "true")
        .set("message.timeout.ms", "0");
    for (k, v) in props {
        c.set(k, v);
    }
    let p: BaseProducer<Deliveries> = c
        .create_with_context(Deliveries::default())
        .expect("test producer");
    for (i, l) in lines.iter().enumerate() {
        let key = i.to_string();
        let mut rec = BaseRecord::to(topic)
            .payload(l.as_bytes())
            .key(key.as_bytes());
        loop {
            match p.send(rec) {
                Ok(()) => break,
                Err((_, r)) => {
                    rec = r;
                    p.poll(Duration::from_millis(10));
                }
            }
        }
    }
    p.flush(Duration::from_secs(120))
        .expect("test producer flush");
    let failed = p
        .context()
        .failed
        .load(std::sync::atomic::Ordering::Relaxed);
    assert_eq!(
        failed, 0,
        "the test producer could not deliver {failed} records"
    );
}

/// A test consumer in its own group, from the start of `topic`.
pub struct Reader {
    c: BaseConsumer,
}

impl Reader {
    pub fn new(broker: &str, topic: &str) -> Reader {
        Reader::with(broker, &[], topic)
    }

    /// [`Reader::new`] with further client properties (TLS, SASL).
    pub fn with(broker: &str, props: &[(String, String)], topic: &str) -> Reader {
        let group = format!(
            "test-reader-{}-{}",
            std::process::id(),
            crate::common::now_ns()
        );
        let mut cfg = ClientConfig::new();
        cfg.set("bootstrap.servers", broker)
            .set("group.id", &group)
            .set("auto.offset.reset", "earliest")
            .set("enable.auto.commit", "false");
        for (k, v) in props {
            cfg.set(k, v);
        }
        let c: BaseConsumer = cfg.create().expect("test consumer");
        c.subscribe(&[topic]).expect("subscribe");
        Reader { c }
    }

    /// Like [`Reader::read`], with each message's key and headers.
    pub fn read_full(
        &self,
        want: usize,
        secs: u64,
    ) -> Vec<(Option<String>, Vec<(String, String)>, String)> {
        use rdkafka::message::Headers;
        let mut out = Vec::with_capacity(want);
        let deadline = Instant::now() + Duration::from_secs(secs);
        while out.len() < want && Instant::now() < deadline {
            if let Some(Ok(m)) = self.c.poll(Duration::from_millis(100)) {
                let key = m.key().map(|k| String::from_utf8_lossy(k).into_owned());
                let headers = m
                    .headers()
                    .map(|h| {
                        h.iter()
                            .map(|x| {
                                let v = x.value.map(|v| String::from_utf8_lossy(v).into_owned());
                                (x.key.to_string(), v.unwrap_or_default())
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                let payload = String::from_utf8_lossy(m.payload().unwrap_or(&[])).into_owned();
                out.push((key, headers, payload));
            }
        }
        out
    }

    /// Reads until `want` messages arrived or `secs` passed; returns the payloads.
    pub fn read(&self, want: usize, secs: u64) -> Vec<String> {
        let mut out = Vec::with_capacity(want);
        let deadline = Instant::now() + Duration::from_secs(secs);
        while out.len() < want && Instant::now() < deadline {
            if let Some(Ok(m)) = self.c.poll(Duration::from_millis(100)) {
                out.push(String::from_utf8_lossy(m.payload().unwrap_or(&[])).into_owned());
            }
        }
        out
    }
}

/// The group's committed offsets for `topic`'s partitions `0..partitions`.
pub fn committed(broker: &str, group: &str, topic: &str, partitions: i32) -> HashMap<i32, i64> {
    let c: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", broker)
        .set("group.id", group)
        .create()
        .expect("offset reader");
    let mut tpl = TopicPartitionList::new();
    for p in 0..partitions {
        tpl.add_partition(topic, p);
    }
    let got = c
        .committed_offsets(tpl, Duration::from_secs(20))
        .expect("committed offsets");
    got.elements()
        .iter()
        .map(|e| (e.partition(), e.offset().to_raw().unwrap_or(-1)))
        .collect()
}

/// Lines of a file that parse as JSON objects (a line cut short by `kill -9` is skipped).
pub fn read_json(path: &std::path::Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}
