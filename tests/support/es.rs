//! Starts and drives the `_bulk` test server (`es_bulk_server.py`, a test server, not
//! Elasticsearch) for the end-to-end tests.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common;

/// The test server, killed when dropped.
pub struct EsServer {
    child: Child,
    pub port: u16,
}

impl EsServer {
    pub fn start() -> EsServer {
        let script = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/support/es_bulk_server.py"
        );
        let mut child = Command::new("python3")
            .arg(script)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("python3 tests/support/es_bulk_server.py");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("port line");
        let v: Value = serde_json::from_str(&line).expect("port JSON");
        let port = u16::try_from(v["port"].as_u64().expect("port")).expect("u16");
        EsServer { child, port }
    }

    pub fn get(&self, path: &str) -> Value {
        let body = common::http_get(self.port, path).expect("test server answers");
        serde_json::from_str(&body).expect("JSON")
    }

    pub fn faults(&self, json: &str) {
        use std::io::{Read, Write};
        let mut c = std::net::TcpStream::connect(("127.0.0.1", self.port)).expect("connect");
        write!(
            c,
            "POST /_test/faults HTTP/1.1\r\nHost: t\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{json}",
            json.len()
        )
        .expect("write");
        let mut r = String::new();
        let _ = c.read_to_string(&mut r);
        assert!(r.starts_with("HTTP/1.1 200"), "{r}");
    }

    /// Waits until index `index` holds `n` documents; returns them.
    pub fn wait_docs(&self, index: &str, n: usize, secs: u64) -> serde_json::Map<String, Value> {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let docs = self.get("/_test/docs");
            let m = docs[index].as_object().cloned().unwrap_or_default();
            if m.len() >= n || Instant::now() > deadline {
                return m;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for EsServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
