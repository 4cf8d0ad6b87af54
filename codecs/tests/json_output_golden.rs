//! The JSON that decoded influx and syslog events become, pinned case by case: every decode
//! case of the InfluxData corpus (`influx-line-protocol/corpus.json`), the influx bench lines
//! (`bench/connectors.sh`), and every RFC 5424 table case (`rfc5424_cases.json`) are decoded
//! and written with the json codec (insertion order, as a file sink writes them), or give
//! their error message. The outputs' digests were recorded from the decoders as they were
//! before the performance work of issue 13 (`json_output_golden.txt`), so a faster decoder
//! must produce byte-identical JSON. `SLUICE_BLESS=1` rewrites the file (only after a
//! deliberate change of output); a missing file fails.

mod common;

use std::fmt::Write as _;

use base64::Engine as _;
use sluice_codecs::Codec;
use sluice_script::Value;

fn input_bytes(text: &Value<'_>) -> Vec<u8> {
    match text {
        Value::String(s) => s.as_bytes().to_vec(),
        other => base64::engine::general_purpose::STANDARD
            .decode(other.get("binary").and_then(Value::as_str).expect("binary"))
            .expect("valid base64"),
    }
}

/// FNV-1a, 64 bits: enough to tell outputs apart, small enough to keep one line per case.
fn fnv(b: &[u8]) -> u64 {
    b.iter().fold(0xcbf2_9ce4_8422_2325, |h, &c| {
        (h ^ u64::from(c)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Every event of `text` as JSON lines, or the error.
fn outputs(codec: &mut Codec, name: &str, text: &[u8], now: u64) -> Vec<u8> {
    let mut json = common::codec("json", "{}");
    let mut out = Vec::new();
    let decoded: Vec<Result<Value<'static>, String>> = match codec {
        Codec::Influx(c) if name == "influx" => c
            .lines(text, now)
            .map(|r| r.map(Value::into_static).map_err(|e| e.to_string()))
            .collect(),
        _ => vec![common::decode(codec, text, now)
            .map(|v| v.unwrap_or(Value::Null))
            .map_err(|e| e.to_string())],
    };
    for r in decoded {
        match r {
            Ok(v) => json
                .encode(&v, &Value::Null, &mut out)
                .expect("json encodes"),
            Err(e) => out.extend_from_slice(format!("error: {e}").as_bytes()),
        }
        out.push(b'\n');
    }
    out
}

fn digests() -> String {
    let mut lines = String::new();
    let corpus = common::json(
        &std::fs::read_to_string(common::data_dir().join("influx-line-protocol/corpus.json"))
            .expect("the influx corpus is part of the repository"),
    );
    let cases = corpus
        .get("decode")
        .and_then(Value::as_record)
        .expect("decode cases");
    for (key, case) in cases.iter() {
        let input = case.get("input").expect("input");
        let prec = match input
            .get("precision")
            .and_then(Value::as_str)
            .expect("precision")
        {
            "1ns" => "ns",
            "1µs" => "us",
            "1ms" => "ms",
            _ => "s",
        };
        let now = input
            .get("defaultTime")
            .and_then(Value::as_u64)
            .unwrap_or(0);
        let mut c = common::codec("influx", &format!(r#"{{"precision":"{prec}"}}"#));
        let out = outputs(
            &mut c,
            "influx",
            &input_bytes(input.get("text").expect("text")),
            now,
        );
        let _ = writeln!(lines, "influx {key} {:016x}", fnv(&out));
    }
    let mut c = common::codec("influx", "{}");
    let mut bench = Vec::new();
    for i in 0..5000u64 {
        bench.extend_from_slice(
            format!(
                "cpu,host=web-{:03},cpu=cpu{},dc=eu-west-1 usage_user={}.25,usage_system=3.125,usage_idle=84.5,n={i}i {}\n",
                i % 100, i % 8, i % 90, 1_700_000_000_000_000_000 + i
            )
            .as_bytes(),
        );
    }
    let _ = writeln!(
        lines,
        "influx bench {:016x}",
        fnv(&outputs(&mut c, "influx", &bench, 0))
    );
    let table = common::json(
        &std::fs::read_to_string(common::data_dir().join("rfc5424_cases.json"))
            .expect("the RFC 5424 table is part of the repository"),
    );
    let mut c = common::codec("syslog", "{}");
    for (i, case) in table.as_array().expect("cases").iter().enumerate() {
        let text = match (case.get("text"), case.get("base64").and_then(Value::as_str)) {
            (Some(t), _) => input_bytes(t),
            (None, Some(b64)) => base64::engine::general_purpose::STANDARD
                .decode(b64)
                .expect("valid base64"),
            (None, None) => panic!("case {i} has no text"),
        };
        let out = outputs(&mut c, "syslog", &text, 1_622_505_600_000_000_000);
        let _ = writeln!(lines, "syslog {i} {:016x}", fnv(&out));
    }
    lines
}

#[test]
fn decoded_json_is_byte_identical_to_the_recorded_outputs() {
    let path = common::data_dir().join("json_output_golden.txt");
    let got = digests();
    if std::env::var_os("SLUICE_BLESS").is_some() {
        std::fs::write(&path, &got).expect("write the golden file");
    }
    let want = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (recorded outputs are part of the repository)",
            path.display()
        )
    });
    let differ: Vec<(&str, &str)> = want
        .lines()
        .zip(got.lines())
        .filter(|(w, g)| w != g)
        .take(10)
        .collect();
    assert!(
        differ.is_empty(),
        "outputs changed (recorded, now): {differ:?}"
    );
    assert_eq!(want.lines().count(), got.lines().count());
    assert!(got.lines().count() > 6800, "every case was checked");
}
