//! Syslog (RFC 5424 with octet counting, RFC 3164) into JSON files end to end, the one-pass
//! path against the reference path in one Sluice: a passthrough pipeline (each message's
//! JSON is written in one pass) and a pipeline with the identity script `event` (messages
//! are decoded into records, run and encoded) receive the same frames over TCP. The two
//! JSON files must be byte-identical, and every bad frame must reach `err` on both paths.

mod common;

use std::io::Write;
use std::net::TcpStream;

use common::{free_port, Sluice};

fn config(fast: u16, reference: u16) -> String {
    let mut c = format!(
        r#"
[shards]
ingest = [0]
sink = [{sink}]

[[pipeline]]
id = "ref"
script = "event"
out = ["ref"]
err = ["ref_err"]

[[pipeline]]
id = "fast"
out = ["fast"]
err = ["fast_err"]
"#,
        sink = if common::cpus() > 1 { 1 } else { 0 }
    );
    for (id, port) in [("fast", fast), ("ref", reference)] {
        c.push_str(&format!(
            "\n[[source]]\nid = \"{id}\"\ntype = \"tcp\"\nlisten = \"127.0.0.1:{port}\"\npreprocessors = [\"textual-length-prefixed\"]\ncodec = \"syslog\"\npipeline = \"{id}\"\n"
        ));
    }
    for s in ["fast", "ref", "fast_err", "ref_err"] {
        c.push_str(&format!(
            "\n[[sink]]\nid = \"{s}\"\ntype = \"file\"\npath = \"{{dir}}/{s}.jsonl\"\ncodec = \"json\"\npostprocessors = [\"separate\"]\n"
        ));
    }
    c
}

/// The bench's messages (loggen's shape), then messages with escapes, control bytes,
/// Latin-1, structured data, BOMs and NILVALUEs, RFC 3164, and bad ones (the last four).
fn messages() -> Vec<Vec<u8>> {
    let mut v: Vec<Vec<u8>> = (0..5_000u32)
        .map(|i| {
            let mut m = format!(
                "<38>1 2026-12-03T06:48:{:02}+00:00 localhost prg00000 1234 - - \u{feff}seq: {i:010}, thread: 0000, runid: 1796280482, stamp: 2026-12-03T06:48:02 ",
                i / 100 % 60
            )
            .into_bytes();
            while m.len() < 299 {
                m.extend_from_slice(b"PADD");
            }
            m.truncate(299);
            m.push(b'\n');
            m
        })
        .collect();
    for extra in [
        &b"<34>1 2003-10-11T22:14:15.003Z h\"o\\st su - ID47 - 'su root' \"failed\" \\ tab\there\x01\x1f"[..],
        br#"<165>1 2003-10-11T22:14:15.003Z host app 1 ID [exampleSDID@32473 iut="3" eventSource="Appl\"ic\]at\\ion"][examplePriority@32473 class="high"] with SD"#,
        b"<13>1 2003-10-11T22:14:15Z host app - - - caf\xe9 cr\xe8me \xc3\xa9",
        b"<13>1 - - - - - - \xef\xbb\xbf",
        b"<0>1 - - - - - -",
        b"<13>1 2024-02-29T23:59:59.999999+14:00 host app - - - leap",
        b"<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick",
        b"<13>1 2003-10-11T22:14:15Z h\xffst app - - - bad byte in a header",
        b"<13>1 2003-10-11T22:14:15Z host app - - [id a=\"x]\"] unescaped",
        b"<13>1 2023-02-29T00:00:00Z host app - - - no such day",
        b"<192>1 - - - - - - priority too high",
    ] {
        v.push(extra.to_vec());
    }
    // One huge message (~900 KB, under the 1 MiB frame limit) full of bytes JSON escapes,
    // among the good ones (the last four stay the bad ones).
    let mut huge = b"<13>1 2003-10-11T22:14:15Z host app - - - ".to_vec();
    while huge.len() < 900_000 {
        huge.extend_from_slice(b"a \"quoted\" \\ path\tand text ");
    }
    v.insert(v.len() - 4, huge);
    v
}

fn send(port: u16, frames: &[Vec<u8>]) {
    let mut body = Vec::new();
    for f in frames {
        body.extend_from_slice(format!("{} ", f.len()).as_bytes());
        body.extend_from_slice(f);
    }
    let mut c = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    c.write_all(&body).expect("send");
}

#[test]
fn one_pass_json_is_byte_identical_to_decode_and_encode() {
    let (fast, reference) = (free_port(), free_port());
    let s = Sluice::start(&config(fast, reference));
    let sent = messages();
    send(fast, &sent);
    send(reference, &sent);
    let good = sent.len() - 4;
    for sink in ["fast", "ref"] {
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
    let (f, r) = (read("fast.jsonl"), read("ref.jsonl"));
    assert_eq!(r.iter().filter(|&&b| b == b'\n').count(), good);
    let first_diff = f.iter().zip(&r).position(|(x, y)| x != y);
    assert!(
        f == r,
        "one-pass and reference differ at byte {first_diff:?}"
    );
    let text = String::from_utf8(r).expect("utf-8");
    // The BOM is stripped, Latin-1 read as such, structured data unescaped then re-escaped.
    assert!(
        text.contains(r#""msg":"seq: 0000000000, thread: 0000"#),
        "{}",
        &text[..400]
    );
    assert!(text.contains(r#""msg":"café crème é""#));
    assert!(text.contains(r#""eventSource":"Appl\"ic]at\\ion""#));
    for sink in ["fast_err", "ref_err"] {
        assert_eq!(
            common::complete_lines(&dir.path().join(format!("{sink}.jsonl"))),
            4,
            "{sink}"
        );
    }
}
