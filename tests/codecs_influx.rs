//! `ops/examples/influx-to-json.toml` and `ops/examples/influx-relay.toml` as shipped, fed
//! with line protocol written by PyPI `influxdb-client` (`Point(...).to_line_protocol()`)
//! over UDP and TCP; the JSON they write is turned back into line protocol by Sluice and
//! checked against the client's lines with an independent parser (PyPI
//! `line-protocol-parser`).

mod common;

use std::collections::HashMap;
use std::io::Read;
use std::net::TcpListener;
use std::process::Command;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::{example, free_port, json_lines, metric, now_ns, python, retarget, Sluice};
use serde_json::Value;

/// Builds points with influxdb-client, adds raw lines as Telegraf's influx serializer
/// writes them (sorted tags, `i`/`u` integers, `t`/`F` booleans, escaped spaces and commas,
/// a float without a decimal point) with their content written out by hand from the line
/// protocol reference, sends them over UDP (three single-line datagrams, then the rest
/// batched in one datagram, as Telegraf batches) and over one TCP connection
/// (LF-separated, with a line that is not line protocol in the middle), and prints one
/// JSON line per point sent: `via`, the `line`, and what the point holds (`fields` as
/// `[type, value]`, `time` null when the client wrote none).
const CLIENT: &str = r#"
import json, socket, sys
from influxdb_client import Point, WritePrecision

udp_port, tcp_port = int(sys.argv[1]), int(sys.argv[2])
POINTS = [
    ("h2o_feet", {"location": "coyote creek"},
     {"water_level": 8.12, "level description": 'between 6 and 9 "feet"'}, 1566000000000000000),
    ("cpu,load", {"host": "server=01", "region": "eu west"},
     {"usage": 42, "ok": True, "idle": 0.5, "down": False}, 1566000000123456789),
    ("mem", {}, {"free": 2**62, "used": -3, "ratio": 1.0, "path": "C:\\temp\\x"},
     1700000000000000001),
    ("disk", {"dev": "sda1"}, {"pct": 1e-7, "big": 1.5e300, "neg": -0.25}, 1700000000000000002),
    ("ünïcode", {"tag ü": "wert ✓"}, {"text": "grüße, \"welt\" = 1"}, 1700000000000000003),
    ("notime", {"k": "v"}, {"v": 1}, None),
]

def kind(v):
    return {bool: "bool", int: "int", float: "float", str: "str"}[type(v)]

# Telegraf-style lines, `{via}` filled in per transport (as a global tag would be).
RAW = [
    ("cpu,cpu=cpu-total,host=web01,via={via} usage_idle=98.5,usage_user=1.25,usage_system=0.25 1700000000000000000",
     "cpu", {"cpu": "cpu-total", "host": "web01"},
     {"usage_idle": ["float", 98.5], "usage_user": ["float", 1.25], "usage_system": ["float", 0.25]},
     1700000000000000000),
    ("swap,host=web01,via={via} available=8123456000i,total=16000000000u,used_percent=41.2 1700000000000000010",
     "swap", {"host": "web01"},
     {"available": ["int", 8123456000], "total": ["int", 16000000000], "used_percent": ["float", 41.2]},
     1700000000000000010),
    ("system,host=web01,via={via} load1=1,n_cpus=2i,uptime_format=\"1 day,  2:03\" 1700000000000000020",
     "system", {"host": "web01"},
     {"load1": ["float", 1.0], "n_cpus": ["int", 2], "uptime_format": ["str", "1 day,  2:03"]},
     1700000000000000020),
    ("net,host=web01,interface=eth0,via={via} bytes_recv=123456789i,up=t,promisc=F,err_in=0i 1700000000000000030",
     "net", {"host": "web01", "interface": "eth0"},
     {"bytes_recv": ["int", 123456789], "up": ["bool", True], "promisc": ["bool", False],
      "err_in": ["int", 0]},
     1700000000000000030),
    ("docker\\ container,container_name=my\\ app,engine_host=h\\,1,via={via} exitcode=0i,oom=false 1700000000000000040",
     "docker container", {"container_name": "my app", "engine_host": "h,1"},
     {"exitcode": ["int", 0], "oom": ["bool", False]},
     1700000000000000040),
]

def lines(via):
    out = []
    for line, m, tags, fields, t in RAW:
        line = line.replace("{via}", via)
        out.append(line)
        print(json.dumps({"via": via, "line": line, "measurement": m, "tags": dict(tags, via=via),
                          "fields": fields, "time": t}))
    for m, tags, fields, t in POINTS:
        p = Point(m).tag("via", via)
        for k, v in tags.items():
            p = p.tag(k, v)
        for k, v in fields.items():
            p = p.field(k, v)
        if t is not None:
            p = p.time(t, WritePrecision.NS)
        line = p.to_line_protocol()
        out.append(line)
        print(json.dumps({"via": via, "line": line, "measurement": m,
                          "tags": dict(tags, via=via),
                          "fields": {k: [kind(v), v] for k, v in fields.items()},
                          "time": t}))
    return out

u = lines("udp")
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for l in u[:3]:
    s.sendto(l.encode(), ("127.0.0.1", udp_port))
s.sendto("\n".join(u[3:]).encode(), ("127.0.0.1", udp_port))

t = lines("tcp")
body = "\n".join(t[:2] + ["this is not line protocol"] + t[2:]) + "\n"
c = socket.create_connection(("127.0.0.1", tcp_port))
c.sendall(body.encode())
c.shutdown(socket.SHUT_WR)
c.recv(1)
c.close()
"#;

/// Reads line protocol from files given as arguments and prints each line's parse by
/// `line-protocol-parser` as canonical JSON (tags sorted, fields with their types).
const CANON: &str = r#"
import json, sys
from line_protocol_parser import parse_line
for path in sys.argv[1:]:
    out = []
    for line in open(path, encoding="utf-8").read().splitlines():
        if not line:
            continue
        p = parse_line(line)
        out.append([p["measurement"], sorted(p["tags"].items()),
                    sorted([k, type(v).__name__, v] for k, v in p["fields"].items()), p["time"]])
    print(json.dumps(sorted(out, key=json.dumps)))
"#;

/// Points sent over each transport: 5 Telegraf-style lines and 6 influxdb-client points.
const PER_TRANSPORT: usize = 11;

struct Sent {
    points: Vec<Value>,
    before: i64,
    after: i64,
}

fn send(udp: u16, tcp: u16) -> Sent {
    let before = now_ns();
    let points = python(CLIENT, &[udp.to_string(), tcp.to_string()])
        .lines()
        .map(|l| serde_json::from_str(l).expect("manifest line"))
        .collect::<Vec<Value>>();
    assert_eq!(points.len(), PER_TRANSPORT * 2);
    Sent {
        points,
        before,
        after: now_ns(),
    }
}

/// Every point the client sent appears once in `events`, with its measurement, tags, field
/// values and field types (integers stay integers, floats stay floats in the JSON text).
fn assert_points(sent: &Sent, events: &[Value]) {
    assert_eq!(events.len(), sent.points.len(), "{events:#?}");
    for want in &sent.points {
        let via = &want["via"];
        let m = &want["measurement"];
        let hits: Vec<&Value> = events
            .iter()
            .filter(|e| &e["measurement"] == m && &e["tags"]["via"] == via)
            .collect();
        assert_eq!(hits.len(), 1, "{m} via {via}: {events:#?}");
        let e = hits[0];
        assert_eq!(e["tags"], want["tags"], "{m}");
        let fields = e["fields"].as_object().expect("fields");
        let want_fields = want["fields"].as_object().unwrap();
        assert_eq!(fields.len(), want_fields.len(), "{m}: {e}");
        for (k, tv) in want_fields {
            let (t, v) = (tv[0].as_str().unwrap(), &tv[1]);
            let got = &fields[k];
            match t {
                "int" => assert!(
                    got.is_i64() || got.is_u64(),
                    "{m}.{k}: {got} is not an integer"
                ),
                "float" => assert!(got.is_f64(), "{m}.{k}: {got} is not written as a float"),
                "bool" => assert!(got.is_boolean(), "{m}.{k}: {got}"),
                _ => assert!(got.is_string(), "{m}.{k}: {got}"),
            }
            if t == "float" {
                assert_eq!(got.as_f64(), v.as_f64(), "{m}.{k}");
            } else {
                assert_eq!(got, v, "{m}.{k}");
            }
        }
        match want["time"].as_i64() {
            Some(t) => assert_eq!(e["timestamp"].as_i64(), Some(t), "{m}"),
            // No timestamp on the wire: the time Sluice received the line.
            None => {
                let t = e["timestamp"].as_i64().expect("timestamp");
                assert!(t >= sent.before && t <= sent.after, "{m}: {t}");
            }
        }
    }
}

#[test]
fn influxdb_client_lines_over_udp_and_tcp_to_json() {
    common::require_python(&["influxdb_client"]);
    let (udp, tcp) = (free_port(), free_port());
    let cfg = retarget(
        &example("influx-to-json.toml"),
        &[
            ("127.0.0.1:8089", format!("127.0.0.1:{udp}")),
            ("127.0.0.1:8094", format!("127.0.0.1:{tcp}")),
        ],
    );
    let s = Sluice::start(&cfg);
    let sent = send(udp, tcp);
    let n = (PER_TRANSPORT * 2) as f64;
    s.wait_metric("sluice_sink_events_total{sink=\"json\"}", n, 20);
    s.wait_metric("sluice_sink_events_total{sink=\"errors\"}", 1.0, 20);
    // Ingest counters are reported apart from the sinks': wait for every read.
    s.wait_metric(
        "sluice_source_events_total{source=\"influx-tcp\"}",
        n / 2.0 + 1.0,
        20,
    );
    s.wait_metric(
        "sluice_source_events_total{source=\"influx-udp\"}",
        n / 2.0,
        20,
    );
    let m = s.metrics();
    let (exit, dir) = s.stop();
    assert!(exit.status.success(), "{}", exit.stderr);
    let out = json_lines(&dir.path().join("influx.jsonl"));
    assert_points(&sent, &out);
    let err = json_lines(&dir.path().join("influx-errors.jsonl"));
    assert_eq!(err.len(), 1, "{err:#?}");
    assert_eq!(err[0]["raw"], "this is not line protocol");
    assert_eq!(err[0]["error"]["kind"], "decode");
    assert_eq!(err[0]["error"]["source"], "influx-tcp");
    // TCP also counts the bad line as an event read.
    let per = PER_TRANSPORT as f64;
    for (src, n) in [("influx-udp", per), ("influx-tcp", per + 1.0)] {
        assert_eq!(
            metric(
                &m,
                &format!("sluice_source_events_total{{source=\"{src}\"}}")
            ),
            Some(n),
            "{m}"
        );
    }
}

/// A line protocol server: collects what arrives on any connection until `n` lines are in.
fn upstream() -> (u16, mpsc::Receiver<Vec<u8>>) {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind upstream");
    let port = l.local_addr().expect("addr").port();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for c in l.incoming() {
            let Ok(mut c) = c else { return };
            let tx = tx.clone();
            std::thread::spawn(move || {
                let mut buf = [0u8; 65536];
                loop {
                    match c.read(&mut buf) {
                        Ok(0) | Err(_) => return,
                        Ok(n) => {
                            if tx.send(buf[..n].to_vec()).is_err() {
                                return;
                            }
                        }
                    }
                }
            });
        }
    });
    (port, rx)
}

fn collect_lines(rx: &mpsc::Receiver<Vec<u8>>, n: usize, secs: u64) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(secs);
    let mut bytes = Vec::new();
    while bytes.iter().filter(|b| **b == b'\n').count() < n && Instant::now() < deadline {
        if let Ok(b) = rx.recv_timeout(Duration::from_millis(100)) {
            bytes.extend_from_slice(&b);
        }
    }
    let text = String::from_utf8(bytes).expect("upstream got UTF-8");
    assert!(text.ends_with('\n'), "every line ends in LF: {text:?}");
    text.lines().map(str::to_string).collect()
}

/// Line protocol files as canonical parses (see [`CANON`]), one list per file.
fn canonical(files: &[&std::path::Path]) -> Vec<Value> {
    let args: Vec<String> = files.iter().map(|p| p.display().to_string()).collect();
    python(CANON, &args)
        .lines()
        .map(|l| serde_json::from_str(l).expect("canonical json"))
        .collect()
}

#[test]
fn influx_relay_forwards_the_lines_and_json_turns_back_into_equivalent_lines() {
    common::require_python(&["influxdb_client", "line_protocol_parser"]);
    let (up, rx) = upstream();
    let (udp, tcp) = (free_port(), free_port());
    let cfg = retarget(
        &example("influx-relay.toml"),
        &[
            ("127.0.0.1:8089", format!("127.0.0.1:{udp}")),
            ("127.0.0.1:8094", format!("127.0.0.1:{tcp}")),
            ("127.0.0.1:18094", format!("127.0.0.1:{up}")),
        ],
    );
    let s = Sluice::start(&cfg);
    let sent = send(udp, tcp);
    let got = collect_lines(&rx, PER_TRANSPORT * 2, 20);
    s.wait_metric(
        "sluice_sink_events_total{sink=\"archive\"}",
        (PER_TRANSPORT * 2) as f64,
        20,
    );
    s.wait_metric("sluice_sink_events_total{sink=\"errors\"}", 1.0, 20);
    let (exit, dir) = s.stop();
    assert!(exit.status.success(), "{}", exit.stderr);

    // The upstream gets exactly the client's lines (the bad one held back), each once.
    let mut want: Vec<String> = sent
        .points
        .iter()
        .map(|p| p["line"].as_str().unwrap().to_string())
        .collect();
    let mut got_sorted = got.clone();
    want.sort();
    got_sorted.sort();
    assert_eq!(got_sorted, want);
    let err = json_lines(&dir.path().join("influx-errors.jsonl"));
    assert_eq!(err.len(), 1, "{err:#?}");
    assert_eq!(err[0]["raw"], "this is not line protocol");

    // The JSON copy holds every point with its types.
    let archive = dir.path().join("influx-archive.jsonl");
    assert_points(&sent, &json_lines(&archive));

    // And back: JSON -> line protocol with Sluice's influx encoder, as a filter over the
    // archive. Timestamps are all there (the archive has the ingest time for `notime`).
    let back = dir.path().join("back.lp");
    let filter = dir.path().join("json-to-influx.toml");
    std::fs::write(
        &filter,
        format!(
            r#"
[[source]]
id = "archive"
type = "file"
path = "{}"
preprocessors = ["separate"]
codec = "json"
pipeline = "main"

[[pipeline]]
id = "main"
out = ["lp"]
err = ["lp-errors"]

[[sink]]
id = "lp"
type = "file"
path = "{}"
codec = "influx"
postprocessors = ["separate"]

[[sink]]
id = "lp-errors"
type = "stderr"
codec = "json"
postprocessors = ["separate"]
"#,
            archive.display(),
            back.display()
        ),
    )
    .unwrap();
    let out = Command::new(common::bin())
        .arg("run")
        .arg(&filter)
        .output()
        .expect("sluice run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The client's lines, with the ingest time Sluice gave the point that had none.
    let archived: HashMap<String, i64> = json_lines(&archive)
        .iter()
        .map(|e| {
            (
                format!("{}/{}", e["measurement"], e["tags"]["via"]),
                e["timestamp"].as_i64().unwrap(),
            )
        })
        .collect();
    let client = dir.path().join("client.lp");
    let client_lines: Vec<String> = sent
        .points
        .iter()
        .map(|p| {
            let line = p["line"].as_str().unwrap().to_string();
            if p["time"].is_null() {
                let key = format!("{}/{}", p["measurement"], p["via"]);
                format!("{line} {}", archived[&key])
            } else {
                line
            }
        })
        .collect();
    std::fs::write(&client, client_lines.join("\n") + "\n").unwrap();
    let c = canonical(&[&client, &back]);
    assert_eq!(
        c[0],
        c[1],
        "line protocol after influx -> JSON -> influx differs:\n{}",
        std::fs::read_to_string(&back).unwrap_or_default()
    );
}
