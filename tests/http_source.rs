//! The HTTP source end to end: real clients (influxdb-client's write API, urllib, requests,
//! curl, raw sockets) against the real binary on loopback.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::time::{Duration, Instant};

use common::{free_port, Sluice};
use serde_json::Value;

fn config(port: u16, extra_source: &str, script: &str) -> String {
    format!(
        r#"
[[source]]
id = "web"
type = "http"
listen = "127.0.0.1:{port}"
codec = "json"
pipeline = "main"
{extra_source}

[[pipeline]]
id = "main"
out = ["out"]
err = ["errors"]
{script}

[[sink]]
id = "out"
type = "file"
path = "{{dir}}/out.jsonl"
postprocessors = ["separate"]
flush_interval = "50ms"

[[sink]]
id = "errors"
type = "file"
path = "{{dir}}/err.jsonl"
postprocessors = ["separate"]
flush_interval = "50ms"
"#
    )
}

/// A raw HTTP/1.1 exchange on a new connection: status, head, body.
fn raw(port: u16, request: &[u8]) -> (u16, String, String) {
    let mut c = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    c.set_read_timeout(Some(Duration::from_secs(20)))
        .expect("timeout");
    c.write_all(request).expect("write");
    read_response(&mut c)
}

fn read_response(c: &mut TcpStream) -> (u16, String, String) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_string();
            let len: usize = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().parse().unwrap_or(0))
                })
                .unwrap_or(0);
            while buf.len() < end + 4 + len {
                let n = c.read(&mut chunk).expect("read body");
                assert!(n > 0, "connection closed mid-body");
                buf.extend_from_slice(&chunk[..n]);
            }
            let status = head[9..12].parse().expect("status");
            let body = String::from_utf8_lossy(&buf[end + 4..end + 4 + len]).to_string();
            return (status, head, body);
        }
        let n = c.read(&mut chunk).expect("read head");
        assert!(n > 0, "connection closed before a response: {buf:?}");
        buf.extend_from_slice(&chunk[..n]);
    }
}

fn post(path: &str, headers: &str, body: &[u8]) -> Vec<u8> {
    let mut r = format!(
        "POST {path} HTTP/1.1\r\nHost: t\r\n{headers}Content-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    r.extend_from_slice(body);
    r
}

const INFLUX_CLIENT: &str = r#"
import sys, urllib.request
from influxdb_client import InfluxDBClient, Point, WritePrecision
from influxdb_client.client.write_api import SYNCHRONOUS
port = sys.argv[1]
url = "http://127.0.0.1:" + port
# v2 write API, nanoseconds and seconds, plain and gzip.
with InfluxDBClient(url=url, token="t", org="acme") as c:
    w = c.write_api(write_options=SYNCHRONOUS)
    w.write(bucket="metrics", record=Point("cpu").tag("host", "a b").field("usage", 0.5).field("n", 3).time(1700000000123456789, WritePrecision.NS))
    w.write(bucket="metrics", record=[Point("mem").tag("host", "a").field("free", 7).time(1700000001, WritePrecision.S)], write_precision=WritePrecision.S)
with InfluxDBClient(url=url, token="t", org="acme", enable_gzip=True) as c:
    w = c.write_api(write_options=SYNCHRONOUS)
    w.write(bucket="metrics", record="disk,host=z used=1i 1700000002000000000")
# v1 /write with db and precision, as Telegraf's influxdb output posts it.
req = urllib.request.Request(url + "/write?db=telegraf&precision=ms", data=b"net,if=eth0 rx=10i 1700000003000\n", method="POST")
r = urllib.request.urlopen(req)
assert r.status == 204, r.status
# A bad line: 400 naming it; the good lines of the body are still written.
req = urllib.request.Request(url + "/api/v2/write?org=acme&bucket=metrics", data=b"ok v=1 1\nnot a line\n", method="POST")
try:
    urllib.request.urlopen(req)
    raise SystemExit("expected 400")
except urllib.error.HTTPError as e:
    assert e.code == 400, e.code
    print(e.read().decode())
"#;

#[test]
fn influx_clients_write_over_http() {
    common::require_python(&["influxdb_client"]);
    let port = free_port();
    let s = Sluice::start(&config(
        port,
        "",
        r#"script = '''let event.meta = {"peer_is_local": string::starts_with($http.peer, "127.0.0.1:"), "influx": $influx}; event'''"#,
    ));
    let out = common::python(INFLUX_CLIENT, &[port.to_string()]);
    let err: Value = serde_json::from_str(out.trim()).expect("400 body is JSON");
    assert_eq!(err["code"], "invalid");
    let msg = err["message"].as_str().expect("message");
    assert!(msg.starts_with("unable to parse 'not a line'"), "{msg}");

    let ev = common::wait_json_lines(&s.path("out.jsonl"), 5, 30);
    let by = |m: &str| {
        ev.iter()
            .find(|e| e["measurement"] == m)
            .unwrap_or_else(|| panic!("no {m} in {ev:?}"))
            .clone()
    };
    let cpu = by("cpu");
    assert_eq!(cpu["tags"]["host"], "a b");
    assert_eq!(cpu["fields"]["usage"], 0.5);
    assert_eq!(cpu["fields"]["n"], 3);
    assert_eq!(cpu["timestamp"], 1_700_000_000_123_456_789u64);
    assert_eq!(cpu["meta"]["peer_is_local"], true);
    assert_eq!(cpu["meta"]["influx"]["bucket"], "metrics");
    assert_eq!(cpu["meta"]["influx"]["org"], "acme");
    assert_eq!(by("mem")["timestamp"], 1_700_000_001_000_000_000u64);
    assert_eq!(by("mem")["meta"]["influx"]["precision"], "s");
    assert_eq!(by("disk")["fields"]["used"], 1);
    let net = by("net");
    assert_eq!(net["timestamp"], 1_700_000_003_000_000_000u64);
    assert_eq!(net["meta"]["influx"]["db"], "telegraf");
    assert_eq!(by("ok")["fields"]["v"], 1.0);
    let errs = common::wait_json_lines(&s.path("err.jsonl"), 1, 30);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert_eq!(errs[0]["raw"], "not a line");
    let (exit, _dir) = s.stop();
    assert!(exit.status.success(), "{}", exit.stderr);
}

#[test]
fn json_bodies_from_requests_curl_and_compressed_posts() {
    common::require_python(&["requests"]);
    let port = free_port();
    let s = Sluice::start(&config(
        port,
        r#"path = "/ingest""#,
        r#"script = '''let event.via = $http.headers["x-via"]; let event.q = $http.query.tag; event'''"#,
    ));
    // NDJSON with requests (keep-alive session, two posts on one connection).
    common::python(
        r#"
import sys, requests
s = requests.Session()
for i in range(2):
    r = s.post("http://127.0.0.1:%s/ingest?tag=t%d" % (sys.argv[1], i), data='{"n":%d}\n{"n":%d}\n' % (2*i, 2*i+1), headers={"X-Via": "requests"})
    assert r.status_code == 204, (r.status_code, r.text)
"#,
        &[port.to_string()],
    );
    // A JSON array with curl.
    let st = Command::new("curl")
        .args([
            "-sf",
            "-XPOST",
            "-H",
            "Content-Type: application/json",
            "-H",
            "X-Via: curl",
        ])
        .arg(format!("http://127.0.0.1:{port}/ingest?tag=arr"))
        .args(["--data-binary", r#"[{"n":10},{"n":11,"s":"a,]"}]"#])
        .status()
        .expect("curl");
    assert!(st.success());
    // zstd and gzip bodies over a raw socket; chunked transfer encoding.
    let z = zstd_bytes(b"{\"n\":20}\n{\"n\":21}\n");
    let (st, _, _) = raw(
        port,
        &post(
            "/ingest?tag=z",
            "Content-Encoding: zstd\r\nX-Via: raw\r\n",
            &z,
        ),
    );
    assert_eq!(st, 204);
    let g = gzip_bytes(b"{\"n\":30}\n");
    let (st, _, _) = raw(
        port,
        &post(
            "/ingest?tag=g",
            "Content-Encoding: gzip\r\nX-Via: raw\r\n",
            &g,
        ),
    );
    assert_eq!(st, 204);
    let chunked = b"POST /ingest?tag=c HTTP/1.1\r\nHost: t\r\nX-Via: raw\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"n\":\r\n4\r\n40}\n\r\n0\r\n\r\n";
    let (st, _, _) = raw(port, chunked);
    assert_eq!(st, 204);
    // Another path is not this source's.
    let (st, _, body) = raw(port, &post("/other", "", b"{}\n"));
    assert_eq!(st, 404, "{body}");

    let ev = common::wait_json_lines(&s.path("out.jsonl"), 10, 30);
    let mut ns: Vec<i64> = ev.iter().map(|e| e["n"].as_i64().expect("n")).collect();
    ns.sort_unstable();
    assert_eq!(ns, vec![0, 1, 2, 3, 10, 11, 20, 21, 30, 40]);
    let find = |n: i64| ev.iter().find(|e| e["n"] == n).expect("event").clone();
    assert_eq!(find(0)["via"], "requests");
    assert_eq!(find(3)["q"], "t1");
    assert_eq!(find(11)["s"], "a,]");
    assert_eq!(find(11)["via"], "curl");
    assert_eq!(find(20)["q"], "z");
    assert_eq!(find(40)["q"], "c");
    let (exit, _dir) = s.stop();
    assert!(exit.status.success(), "{}", exit.stderr);
}

fn zstd_bytes(b: &[u8]) -> Vec<u8> {
    pipe("zstd", &["-q", "-c"], b)
}

fn gzip_bytes(b: &[u8]) -> Vec<u8> {
    pipe("gzip", &["-c"], b)
}

fn pipe(cmd: &str, args: &[&str], input: &[u8]) -> Vec<u8> {
    let mut c = Command::new(cmd)
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{cmd}: {e}"));
    c.stdin
        .take()
        .expect("stdin")
        .write_all(input)
        .expect("write");
    let out = c.wait_with_output().expect("wait");
    assert!(out.status.success());
    out.stdout
}

#[test]
fn bad_requests_get_clear_answers_and_nothing_crashes() {
    let port = free_port();
    let s = Sluice::start(&config(
        port,
        "max_body = \"1KiB\"\nmax_header = \"2KiB\"\nheader_timeout = \"500ms\"",
        "",
    ));
    // Malformed request line.
    let (st, _, _) = raw(port, b"\x16\x03\x01garbage\r\n\r\n");
    assert_eq!(st, 400);
    // Body over the limit, declared up front.
    let (st, head, body) = raw(port, &post("/write?db=x", "", &vec![b'a'; 2000]));
    assert_eq!(st, 413, "{body}");
    assert!(head.contains("Connection: close"));
    // Over the limit once decompressed (a gzip bomb in miniature).
    let bomb = gzip_bytes(&vec![b'\n'; 100_000]);
    let (st, _, body) = raw(port, &post("/ingest", "Content-Encoding: gzip\r\n", &bomb));
    assert_eq!(st, 413, "{body}");
    // Chunked past the limit.
    let mut big = b"POST /ingest HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    big.extend_from_slice(format!("{:x}\r\n", 1500).as_bytes());
    let (st, _, _) = raw(port, &big);
    assert_eq!(st, 413);
    // Bad gzip, unknown encoding, missing db, bad precision, no length.
    let (st, _, body) = raw(
        port,
        &post("/ingest", "Content-Encoding: gzip\r\n", b"not gzip"),
    );
    assert_eq!(st, 400, "{body}");
    assert!(body.contains("bad gzip body"), "{body}");
    let (st, _, _) = raw(port, &post("/ingest", "Content-Encoding: br\r\n", b"x"));
    assert_eq!(st, 415);
    let (st, _, body) = raw(port, &post("/write", "", b"cpu v=1\n"));
    assert_eq!(st, 400);
    assert_eq!(body, r#"{"error":"database is required"}"#);
    let (st, _, _) = raw(port, &post("/write?db=x&precision=h", "", b"cpu v=1\n"));
    assert_eq!(st, 400);
    let (st, _, _) = raw(port, b"POST /ingest HTTP/1.1\r\nHost: t\r\n\r\n");
    assert_eq!(st, 411);
    // Request smuggling shape.
    let (st, _, _) = raw(
        port,
        b"POST /ingest HTTP/1.1\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    );
    assert_eq!(st, 400);
    // A head over max_header.
    let long = format!("GET /ping HTTP/1.1\r\nX-Big: {}\r\n\r\n", "a".repeat(3000));
    let (st, _, _) = raw(port, long.as_bytes());
    assert_eq!(st, 431);
    // Slowloris: a head that never finishes is cut off after header_timeout.
    let start = Instant::now();
    let mut c = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    c.set_read_timeout(Some(Duration::from_secs(20)))
        .expect("t");
    c.write_all(b"POST /ingest HTTP/1.1\r\nHost: t\r\n")
        .expect("w");
    let (st, _, _) = read_response(&mut c);
    assert_eq!(st, 408);
    assert!(start.elapsed() < Duration::from_secs(10));
    // And the server still takes good requests, on a kept-alive connection too.
    let mut c = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    c.set_read_timeout(Some(Duration::from_secs(20)))
        .expect("t");
    for i in 0..3 {
        c.write_all(&post("/ingest", "", format!("{{\"ok\":{i}}}\n").as_bytes()))
            .expect("w");
        assert_eq!(read_response(&mut c).0, 204);
    }
    assert_eq!(
        common::wait_json_lines(&s.path("out.jsonl"), 3, 30).len(),
        3
    );
    let too_large = s.wait_metric(
        "sluice_source_errors_total{source=\"web\",kind=\"too_large\"}",
        3.0,
        20,
    );
    assert!(too_large >= 3.0, "{}", s.metrics());
    let (exit, _dir) = s.stop();
    assert!(exit.status.success(), "{}", exit.stderr);
}
