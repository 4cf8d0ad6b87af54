//! `ops/examples/gelf-to-json.toml` as shipped, fed by real GELF clients from PyPI (`pygelf`
//! and `graypy`) over UDP (whole and chunked, uncompressed, zlib and gzip) and over TCP
//! (NUL-delimited), and by a flood of bad and incomplete chunks whose drops must be counted.

mod common;

use std::collections::HashMap;

use common::{example, free_port, json_lines, metric, now_ns, python, retarget, Sluice};
use serde_json::Value;

/// The sample name `sluice_source_preprocessor_total{source,stage,counter}`.
fn pre_name(source: &str, stage: &str, counter: &str) -> String {
    format!(
        "sluice_source_preprocessor_total{{source=\"{source}\",stage=\"{stage}\",counter=\"{counter}\"}}"
    )
}

/// That sample's value in a /metrics text.
fn pre(metrics: &str, source: &str, stage: &str, counter: &str) -> Option<f64> {
    metric(metrics, &pre_name(source, stage, counter))
}

fn start() -> (Sluice, u16) {
    let port = free_port();
    let cfg = retarget(
        &example("gelf-to-json.toml"),
        // UDP and TCP share the standard port 12201, as Graylog's inputs do.
        &[("127.0.0.1:12201", format!("127.0.0.1:{port}"))],
    );
    (Sluice::start(&cfg), port)
}

/// Sends with the clients' own handlers and prints, per message, a JSON line with what the
/// client put in it (its `case`, `short_message`, `level`, `host` and the additional fields
/// the test checks).
const CLIENTS: &str = r#"
import gzip, json, logging, random, socket, string, sys
import graypy, pygelf
from graypy.handler import GELFWarningChunker

port = int(sys.argv[1])
rnd = random.Random(20261129)
host = socket.gethostname()

def blob(n):
    # Random letters compress to about 3/4: big enough to need many chunks after zlib/gzip.
    return "".join(rnd.choice(string.ascii_letters + string.digits) for _ in range(n))

class GzipGELFUDPHandler(graypy.GELFUDPHandler):
    """graypy's UDP handler and chunker, with the message gzip- instead of zlib-compressed
    (both are GELF UDP encodings; Graylog detects either)."""
    def makePickle(self, record):
        return gzip.compress(self._pack_gelf_dict(self._make_gelf_dict(record)))

def send(handler, case, py_level, msg, extra=None, **expect):
    log = logging.getLogger(case)
    log.propagate = False
    log.handlers = [handler]
    log.setLevel(logging.DEBUG)
    log.log(py_level, msg, extra=extra)
    print(json.dumps(dict(case=case, short_message=msg, host=host, **expect)))

P = pygelf.GelfUdpHandler
send(P("127.0.0.1", port, compress=False, _service="billing"), "pygelf-udp-plain",
     logging.INFO, "invoice created", level=6, fields={"_service": "billing"})
send(P("127.0.0.1", port, _service="billing"), "pygelf-udp-zlib",
     logging.WARNING, "invoice late", level=4, fields={"_service": "billing"})
send(P("127.0.0.1", port, chunk_size=1000, _service="billing"), "pygelf-udp-zlib-chunked",
     logging.ERROR, "big pygelf " + blob(40000), level=3, fields={"_service": "billing"})

G = graypy.GELFUDPHandler
send(G("127.0.0.1", port), "graypy-udp-zlib", logging.DEBUG, "graypy small",
     extra={"user_id": 42}, level=7, fields={"_user_id": 42, "facility": "graypy-udp-zlib"})
send(G("127.0.0.1", port, gelf_chunker=GELFWarningChunker(chunk_size=900)),
     "graypy-udp-zlib-chunked", logging.CRITICAL, "big graypy " + blob(30000),
     extra={"user_id": 43}, level=2, fields={"_user_id": 43})
send(GzipGELFUDPHandler("127.0.0.1", port, gelf_chunker=GELFWarningChunker(chunk_size=700)),
     "graypy-udp-gzip-chunked", logging.WARNING, "big gzip " + blob(25000),
     extra={"order": "A-17"}, level=4, fields={"_order": "A-17"})
send(GzipGELFUDPHandler("127.0.0.1", port), "graypy-udp-gzip", logging.INFO, "small gzip",
     level=6, fields={})

t = pygelf.GelfTcpHandler("127.0.0.1", port, _service="api")
send(t, "pygelf-tcp", logging.INFO, "tcp hello", level=6, fields={"_service": "api"})
send(t, "pygelf-tcp-big", logging.INFO, "tcp big " + blob(100000), level=6,
     fields={"_service": "api"})
try:
    raise ValueError("bad total")
except ValueError:
    logging.getLogger("pygelf-tcp-exc").handlers = [t]
    logging.getLogger("pygelf-tcp-exc").propagate = False
    logging.getLogger("pygelf-tcp-exc").exception("payment failed")
    print(json.dumps(dict(case="pygelf-tcp-exc", short_message="payment failed", host=host,
                          level=3, fields={"_service": "api"}, traceback=True)))
t.close()
g = graypy.GELFTCPHandler("127.0.0.1", port)
send(g, "graypy-tcp", logging.ERROR, "graypy over tcp", extra={"user_id": 7}, level=3,
     fields={"_user_id": 7})
g.close()
"#;

#[test]
fn pygelf_and_graypy_over_udp_and_tcp() {
    common::require_python(&["pygelf", "graypy"]);
    let (s, port) = start();
    let before = now_ns();
    let sent: Vec<Value> = python(CLIENTS, &[port.to_string()])
        .lines()
        .map(|l| serde_json::from_str(l).expect("manifest line"))
        .collect();
    let after = now_ns();
    assert_eq!(sent.len(), 11);
    let got = s.wait_metric(
        "sluice_sink_events_total{sink=\"json\"}",
        sent.len() as f64,
        30,
    );
    // Ingest shards report their counters on their own schedule, apart from the sinks':
    // wait until they have reported every message they read.
    s.wait_metric(&pre_name("gelf-udp", "gelf-chunking", "messages"), 7.0, 20);
    s.wait_metric("sluice_source_events_total{source=\"gelf-tcp\"}", 4.0, 20);
    let metrics = s.metrics();
    let (exit, dir) = s.stop();
    assert!(exit.status.success(), "{}", exit.stderr);
    let out = json_lines(&dir.path().join("gelf.jsonl"));
    let err = json_lines(&dir.path().join("gelf-errors.jsonl"));
    assert!(err.is_empty(), "{err:#?}");
    assert_eq!(got, sent.len() as f64, "{out:#?}");
    // Every message once, matched on the text the client sent.
    let by_short: HashMap<&str, &Value> = out
        .iter()
        .map(|e| (e["short_message"].as_str().expect("short_message"), e))
        .collect();
    assert_eq!(by_short.len(), out.len(), "a message arrived twice");
    for want in &sent {
        let case = want["case"].as_str().unwrap();
        let short = want["short_message"].as_str().unwrap();
        let e = by_short
            .get(short)
            .unwrap_or_else(|| panic!("{case}: not delivered"));
        assert_eq!(e["host"], want["host"], "{case}");
        assert_eq!(e["level"], want["level"], "{case}");
        for (k, v) in want["fields"].as_object().unwrap() {
            assert_eq!(&e[k], v, "{case}: field {k}");
        }
        assert!(
            e["version"].as_str().is_some_and(|v| v.starts_with("1.")),
            "{case}: {e}"
        );
        // Clients stamp `record.created` in seconds with decimals.
        let ts = e["timestamp"]
            .as_f64()
            .unwrap_or_else(|| panic!("{case}: {e}"));
        let ns = (ts * 1e9) as i64;
        assert!(
            ns >= before - 1_000_000_000 && ns <= after,
            "{case}: timestamp {ts}"
        );
        if want["traceback"] == true {
            let full = e["full_message"].as_str().unwrap_or_default();
            assert!(
                full.starts_with("Traceback") && full.contains("ValueError: bad total"),
                "{case}: {full}"
            );
        }
    }
    // Chunked messages were reassembled, not dropped, and nothing was counted as an error.
    assert!(
        !metrics.contains("sluice_source_errors_total{source=\"gelf-udp\""),
        "{metrics}"
    );
    assert_eq!(
        metric(&metrics, "sluice_source_events_total{source=\"gelf-udp\"}"),
        Some(7.0),
        "{metrics}"
    );
    // Per stage: every UDP message left the reassembler whole, one of the seven was plain
    // JSON (pygelf with compress=False) and six were inflated.
    for (stage, counter, n) in [
        ("gelf-chunking", "messages", 7),
        ("gelf-chunking", "invalid_chunks", 0),
        ("gelf-chunking", "duplicate_chunks", 0),
        ("gelf-chunking", "evicted", 0),
        ("gelf-chunking", "timed_out", 0),
        ("gelf-chunking", "too_large", 0),
        ("decompress", "passed_through", 1),
        ("decompress", "frames", 6),
        ("decompress", "failed", 0),
        ("decompress", "over_limit", 0),
    ] {
        assert_eq!(
            pre(&metrics, "gelf-udp", stage, counter),
            Some(f64::from(n)),
            "{stage} {counter}\n{metrics}"
        );
    }
    // Three messages were chunked: at least two chunks each (the chunk sizes are the
    // clients' business), and more chunks than messages came in.
    let chunks = pre(&metrics, "gelf-udp", "gelf-chunking", "chunks").unwrap_or(0.0);
    assert!(chunks >= 6.0, "{metrics}");
    assert_eq!(
        metric(&metrics, "sluice_source_events_total{source=\"gelf-tcp\"}"),
        Some(4.0),
        "{metrics}"
    );
}

/// Raw datagrams a hostile or broken network delivers, sent with plain sockets: bad chunk
/// headers, a duplicate chunk, more incomplete messages than `max_in_flight` (1024 in the
/// example), messages left incomplete past the 5 s `timeout`, JSON that is not GELF,
/// corrupt zlib and a gzip bomb. Between them, real messages must still get through.
const FLOOD: &str = r#"
import gzip, json, os, socket, struct, sys, time, zlib
port = int(sys.argv[1])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 20)
dst = ("127.0.0.1", port)
def msg(text):
    return json.dumps({"version": "1.1", "host": "flood", "short_message": text}).encode()
def chunk(mid, seq, count, data):
    return b"\x1e\x0f" + struct.pack(">QBB", mid, seq, count) + data
def pace(i):
    # Loopback drops nothing in the kernel if the sender pauses now and then.
    if i % 200 == 0:
        time.sleep(0.01)

# invalid_chunks: 3
s.sendto(b"\x1e\x0f\x01\x02\x03", dst)                     # shorter than the header
s.sendto(chunk(1, 0, 0, b"x"), dst)                         # count 0
s.sendto(chunk(2, 0, 200, b"x"), dst)                       # count above 128
# duplicate_chunks: 1, and the message still completes once
z = zlib.compress(msg("survived a duplicate chunk"))
s.sendto(chunk(3, 0, 2, z[:10]), dst)
s.sendto(chunk(3, 0, 2, z[:10]), dst)
s.sendto(chunk(3, 1, 2, z[10:]), dst)
# evicted: 1100 incomplete messages against max_in_flight = 1024
for i in range(1100):
    s.sendto(chunk(1000 + i, 0, 2, b"partial"), dst)
    pace(i)
# decode: JSON that is not GELF; decompress: a zlib header then garbage;
# decompress_limit: 20 MiB of JSON in a 20 KiB gzip datagram (max_size is 16 MiB).
s.sendto(b'{"hello": "world"}', dst)
s.sendto(b"\x78\x9c" + b"\xff" * 50, dst)
bomb = gzip.compress(b'{"version":"1.1","host":"b","short_message":"' + b"a" * (20 << 20) + b'"}', 9)
assert len(bomb) < 65000, len(bomb)
s.sendto(bomb, dst)
s.sendto(zlib.compress(msg("after the bad ones")), dst)
# timed_out: the 1024 still incomplete expire 5 s after their first chunk (the example's
# `timeout`); the next datagram lets the reassembler notice. Same socket, so the same
# ingest shard (SO_REUSEPORT hashes on the sender's address) holds the partial messages.
time.sleep(5.3)
s.sendto(msg("after the timeout"), dst)
"#;

#[test]
fn chunk_flood_and_bad_datagrams_are_counted_and_dropped() {
    common::require_python(&["gzip", "zlib"]);
    let (s, port) = start();
    python(FLOOD, &[port.to_string()]);
    let kinds = [
        ("chunking", 3 + 1 + 76 + 1024),
        ("decode", 1),
        ("decompress", 1),
        ("decompress_limit", 1),
    ];
    let total: f64 = kinds.iter().map(|(_, n)| f64::from(*n)).sum();
    s.wait_metric("sluice_sink_events_total{sink=\"json\"}", 3.0, 20);
    s.wait_metric("sluice_sink_events_total{sink=\"errors\"}", total, 20);
    // The same drops as the stages count them. Out of the reassembler: the completed
    // duplicate-chunk message and the five unchunked datagrams; the decompressor inflated
    // two, passed two plain JSON datagrams through and refused the corrupt one and the bomb.
    for (stage, counter, n) in [
        ("gelf-chunking", "invalid_chunks", 3),
        ("gelf-chunking", "duplicate_chunks", 1),
        ("gelf-chunking", "evicted", 76),
        ("gelf-chunking", "timed_out", 1024),
        ("gelf-chunking", "messages", 6),
        ("gelf-chunking", "chunks", 3 + 3 + 1100),
        ("decompress", "frames", 2),
        ("decompress", "passed_through", 2),
        ("decompress", "failed", 1),
        ("decompress", "over_limit", 1),
    ] {
        assert_eq!(
            s.wait_metric(&pre_name("gelf-udp", stage, counter), f64::from(n), 20),
            f64::from(n),
            "{stage} {counter}\n{}",
            s.metrics()
        );
    }
    let m = s.metrics();
    for (kind, n) in kinds {
        assert_eq!(
            metric(
                &m,
                &format!("sluice_source_errors_total{{source=\"gelf-udp\",kind=\"{kind}\"}}")
            ),
            Some(f64::from(n)),
            "{kind}\n{m}"
        );
    }
    // Nothing was lost to a full ring or the kernel: every drop above is deliberate.
    assert_eq!(
        metric(&m, "sluice_source_kernel_drops_total{source=\"gelf-udp\"}").unwrap_or(0.0),
        0.0,
        "{m}"
    );
    let (exit, dir) = s.stop();
    assert!(exit.status.success(), "{}", exit.stderr);
    // The shutdown summary names the error kinds too.
    let summary = exit.stdout.clone() + &exit.stderr;
    assert!(
        summary.contains("1104 chunking") && summary.contains("1 decompress_limit"),
        "{summary}"
    );
    let out = json_lines(&dir.path().join("gelf.jsonl"));
    let shorts: Vec<&str> = out
        .iter()
        .map(|e| e["short_message"].as_str().unwrap())
        .collect();
    assert_eq!(
        shorts,
        [
            "survived a duplicate chunk",
            "after the bad ones",
            "after the timeout"
        ]
    );
    // Every drop is in the err file with its reason.
    let err = json_lines(&dir.path().join("gelf-errors.jsonl"));
    let mut reasons: HashMap<String, u32> = HashMap::new();
    for e in &err {
        assert_eq!(e["error"]["source"], "gelf-udp", "{e}");
        let kind = e["error"]["kind"].as_str().unwrap();
        let message = e["error"]["message"].as_str().unwrap();
        let reason = match kind {
            "chunking" => message
                .strip_prefix("gelf-chunking: ")
                .and_then(|m| m.split(':').next())
                .unwrap_or_else(|| panic!("{message}"))
                .to_string(),
            other => other.to_string(),
        };
        *reasons.entry(reason).or_default() += 1;
    }
    let want: HashMap<String, u32> = [
        ("invalid_chunks", 3),
        ("duplicate_chunks", 1),
        ("evicted", 76),
        ("timed_out", 1024),
        ("decode", 1),
        ("decompress", 1),
        ("decompress_limit", 1),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    assert_eq!(reasons, want);
    // The decode error keeps the datagram's text for the operator.
    assert!(
        err.iter().any(|e| e["raw"] == r#"{"hello": "world"}"#),
        "{err:#?}"
    );
}

#[test]
fn a_partial_message_from_a_source_that_falls_quiet_times_out() {
    let port = free_port();
    let cfg = retarget(
        &example("gelf-to-json.toml"),
        &[
            ("127.0.0.1:12201", format!("127.0.0.1:{port}")),
            ("timeout = \"5s\"", "timeout = \"1s\"".to_string()),
        ],
    );
    let s = Sluice::start(&cfg);
    // Chunk 0 of 2 of message 42, and then nothing: only the passage of time can end it.
    let mut chunk = vec![0x1e, 0x0f];
    chunk.extend_from_slice(&42u64.to_be_bytes());
    chunk.extend_from_slice(&[0, 2]);
    chunk.extend_from_slice(br#"{"version":"1.1","#);
    let sock = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    sock.send_to(&chunk, ("127.0.0.1", port)).unwrap();
    assert_eq!(
        s.wait_metric(&pre_name("gelf-udp", "gelf-chunking", "timed_out"), 1.0, 20),
        1.0,
        "{}",
        s.metrics()
    );
    s.wait_metric("sluice_sink_events_total{sink=\"errors\"}", 1.0, 20);
    let (exit, dir) = s.stop();
    assert!(exit.status.success(), "{}", exit.stderr);
    let errors = json_lines(&dir.path().join("gelf-errors.jsonl"));
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0]["error"]["source"], "gelf-udp");
    assert!(json_lines(&dir.path().join("gelf.jsonl")).is_empty());
}
