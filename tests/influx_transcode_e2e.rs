//! Influx line protocol into JSON files end to end, the transcoding path against the
//! reference path in one Sluice: a passthrough pipeline (lines are transcoded in one pass)
//! and a pipeline with the identity script `event` (lines are decoded, run and encoded)
//! receive the same lines over TCP, and an HTTP `/write` source feeds a third passthrough
//! pipeline. The three JSON files must be byte-identical, and every bad line must reach
//! `err` on each path.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use common::{free_port, Sluice};

fn config(fast: u16, reference: u16, http: u16) -> String {
    let mut c = format!(
        r#"
[shards]
ingest = [0]
sink = [{sink}]

[[source]]
id = "fast"
type = "tcp"
listen = "127.0.0.1:{fast}"
preprocessors = ["separate"]
codec = "influx"
pipeline = "fast"

[[source]]
id = "ref"
type = "tcp"
listen = "127.0.0.1:{reference}"
preprocessors = ["separate"]
codec = "influx"
pipeline = "ref"

[[source]]
id = "web"
type = "http"
listen = "127.0.0.1:{http}"
pipeline = "web"

[[pipeline]]
id = "ref"
script = "event"
out = ["ref"]
err = ["ref_err"]
"#,
        sink = if common::cpus() > 1 { 1 } else { 0 }
    );
    for p in ["fast", "web"] {
        c.push_str(&format!(
            "\n[[pipeline]]\nid = \"{p}\"\nout = [\"{p}\"]\nerr = [\"{p}_err\"]\n"
        ));
    }
    for s in ["fast", "ref", "web", "fast_err", "ref_err", "web_err"] {
        c.push_str(&format!(
            "\n[[sink]]\nid = \"{s}\"\ntype = \"file\"\npath = \"{{dir}}/{s}.jsonl\"\ncodec = \"json\"\npostprocessors = [\"separate\"]\n"
        ));
    }
    c
}

/// The bench's lines, then lines that the transcoder writes itself (escapes, unicode, every
/// value type, extreme floats) and lines it leaves to the decoder (repeated keys, errors,
/// many keys).
fn lines() -> Vec<String> {
    let mut v: Vec<String> = (0..20_000u64)
        .map(|i| {
            format!(
                "cpu,host=web-{:03},cpu=cpu{},dc=eu-west-1 usage_user={}.25,usage_system=3.125,usage_idle=84.5,n={}i {}",
                i % 100, i % 8, i % 90, i, 1_700_000_000_000_000_000 + i
            )
        })
        .collect();
    for extra in [
        r"my\ m\,x,t\=k=v\,1\ \=2 f\ k=1 1",
        r#"m s="a\"b\\c\nd\te\rf\x",u="ü 😀 日本" 2"#,
        "m a=1i,b=-1i,c=0u,d=18446744073709551615u,e=t,f=FALSE,z=-0 3",
        "m a=1e300,b=1e-300,c=0.1,d=123456789.123456789,e=9007199254740993,f=2.5e-7 4",
        "m,t=1 a=1,b=2,a=3 5",
        "m,t=1,t=2 a=1 6",
        "m a=1e400 7",
        "not line protocol",
        "m a=\"open 8",
        "m a=1 9\r",
    ] {
        v.push(extra.to_string());
    }
    // One huge input (80,000 fields, ~0.8 MB, under the 1 MiB frame limit) and a line just past the transcoder's key bound:
    // both take the decoder's way, which must stay linear and give the same bytes.
    let fields = |n: usize| {
        (0..n)
            .map(|i| format!("f{i}={}i", i % 10))
            .collect::<Vec<_>>()
            .join(",")
    };
    v.push(format!("huge,t=1 {} 10", fields(80_000)));
    v.push(format!("wide {} 11", fields(40)));
    v
}

fn post(port: u16, body: &[u8]) -> String {
    let mut c = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    c.set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    write!(
        c,
        "POST /write?db=bench HTTP/1.1\r\nHost: localhost\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .expect("head");
    c.write_all(body).expect("body");
    let mut resp = String::new();
    c.read_to_string(&mut resp).expect("response");
    resp
}

#[test]
fn transcoded_json_is_byte_identical_to_decode_and_encode() {
    let (fast, reference, http) = (free_port(), free_port(), free_port());
    let s = Sluice::start(&config(fast, reference, http));
    let sent = lines();
    common::send_tcp(fast, &sent, 1);
    common::send_tcp(reference, &sent, 1);
    let mut body = sent.join("\n").into_bytes();
    body.push(b'\n');
    let resp = post(http, &body);
    // Some lines are bad: InfluxDB answers 400 naming the first, and writes the rest.
    assert!(resp.starts_with("HTTP/1.1 400"), "{resp}");
    assert!(resp.contains("unable to parse 'm,t=1,t=2 a=1 6'"), "{resp}");
    let good = sent.len() - 4;
    for sink in ["fast", "ref", "web"] {
        let got = s.wait_metric(
            &format!("sluice_sink_events_total{{sink=\"{sink}\"}}"),
            good as f64,
            60,
        );
        assert_eq!(got, good as f64, "{sink}");
        let got = s.wait_metric(
            &format!("sluice_sink_events_total{{sink=\"{sink}_err\"}}"),
            4.0,
            60,
        );
        assert_eq!(got, 4.0, "{sink}_err");
    }
    let (exit, dir) = s.stop();
    assert!(exit.status.success(), "{}", exit.stderr);
    let read = |name: &str| std::fs::read(dir.path().join(name)).expect("output file");
    let (f, r, w) = (read("fast.jsonl"), read("ref.jsonl"), read("web.jsonl"));
    assert_eq!(r.iter().filter(|&&b| b == b'\n').count(), good);
    let first_diff = |a: &[u8], b: &[u8]| a.iter().zip(b).position(|(x, y)| x != y);
    assert!(
        f == r,
        "tcp: transcoded and reference differ at byte {:?}",
        first_diff(&f, &r)
    );
    assert!(
        w == r,
        "http: transcoded and reference differ at byte {:?}",
        first_diff(&w, &r)
    );
    // The repeated field key took the decoder's way: first place, last value.
    let text = String::from_utf8(r).expect("utf-8");
    assert!(
        text.contains(
            r#"{"measurement":"m","tags":{"t":"1"},"fields":{"a":3.0,"b":2.0},"timestamp":5}"#
        ),
        "{}",
        &text[text.len().saturating_sub(2000)..]
    );
    for sink in ["fast_err", "ref_err", "web_err"] {
        assert_eq!(
            common::complete_lines(&dir.path().join(format!("{sink}.jsonl"))),
            4,
            "{sink}"
        );
    }
}
