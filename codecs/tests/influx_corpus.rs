//! InfluxData's line protocol conformance corpus, carried in the repository at
//! `codecs/tests/data/influx-line-protocol/corpus.json` (MIT, see its `LICENSE`; commit in
//! `SOURCE_COMMIT`): every decode case (expected points or an error) and every encode case
//! (expected line or an error). A missing corpus fails the test.

mod common;

use base64::Engine as _;
use sluice_codecs::Codec;
use sluice_script::Value;

/// Encode cases where we deliberately differ from the reference encoder, with the reason.
const ENCODE_DIVERGENCES: &[(&str, &str)] = &[(
    // {"tags":[{"key":"something","value":""}]}: the reference encoder rejects the point.
    // We drop the empty tag and keep the point: InfluxDB treats an absent tag and an empty
    // one alike, and losing a metric because a script left a tag empty helps nobody.
    "invalid tag value something=\"\"",
    "empty tag values are skipped, not rejected",
)];

fn precision(p: &str) -> &'static str {
    match p {
        "1ns" => "ns",
        "1µs" => "us",
        "1ms" => "ms",
        "1s" => "s",
        other => panic!("unknown corpus precision {other}"),
    }
}

fn input_bytes(text: &Value<'_>) -> Vec<u8> {
    match text {
        Value::String(s) => s.as_bytes().to_vec(),
        other => {
            let b64 = other
                .get("binary")
                .and_then(Value::as_str)
                .expect("binary text");
            base64::engine::general_purpose::STANDARD
                .decode(b64)
                .expect("valid base64")
        }
    }
}

/// The corpus's typed value `{"float": 1}` etc. as our value.
fn typed(v: &Value<'_>) -> Value<'static> {
    let (kind, x) = v
        .as_record()
        .and_then(|r| r.iter().next())
        .expect("typed value");
    match kind.as_ref() {
        "float" => Value::F64(x.as_f64().expect("float")),
        "int" => Value::I64(x.as_i64().expect("int")),
        "uint" => Value::U64(x.as_u64().expect("uint")),
        "string" => Value::from(x.as_str().expect("string").to_string()),
        "bool" => Value::Bool(x.as_bool().expect("bool")),
        other => panic!("unknown corpus value kind {other}"),
    }
}

fn same_typed(expected: &Value<'_>, got: &Value<'_>) -> bool {
    match (expected, got) {
        (Value::F64(a), Value::F64(b)) => a.to_bits() == b.to_bits() || a == b,
        (Value::I64(a), Value::I64(b)) => a == b,
        (Value::U64(a), Value::U64(b)) => a == b,
        (Value::String(a), Value::String(b)) => a == b,
        (Value::Bool(a), Value::Bool(b)) => a == b,
        _ => false,
    }
}

/// Compares a corpus point with a decoded record; `Err` says what differs.
fn compare(point: &Value<'_>, got: &Value<'_>) -> Result<(), String> {
    let name = point
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if got.get("measurement").and_then(Value::as_str) != Some(name) {
        return Err(format!(
            "measurement {:?} != {name:?}",
            got.get("measurement")
        ));
    }
    let time = point
        .get("time")
        .and_then(Value::as_i64)
        .unwrap_or_default();
    if got.get("timestamp").and_then(Value::as_i64) != Some(time) {
        return Err(format!("timestamp {:?} != {time}", got.get("timestamp")));
    }
    let want_tags = point
        .get("tags")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let got_tags = got
        .get("tags")
        .and_then(Value::as_record)
        .expect("tags record");
    if want_tags.len() != got_tags.len() {
        return Err(format!("{} tags != {}", got_tags.len(), want_tags.len()));
    }
    for t in &want_tags {
        let k = t.get("key").and_then(Value::as_str).unwrap_or_default();
        let v = t.get("value").and_then(Value::as_str);
        if got_tags.get(k).and_then(Value::as_str) != v {
            return Err(format!("tag {k:?}: {:?} != {v:?}", got_tags.get(k)));
        }
    }
    let want_fields = point
        .get("fields")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let got_fields = got
        .get("fields")
        .and_then(Value::as_record)
        .expect("fields record");
    if want_fields.len() != got_fields.len() {
        return Err(format!(
            "{} fields != {}",
            got_fields.len(),
            want_fields.len()
        ));
    }
    for (f, (gk, gv)) in want_fields.iter().zip(got_fields.iter()) {
        let k = f.get("key").and_then(Value::as_str).unwrap_or_default();
        let want = typed(f.get("value").expect("field value"));
        if gk.as_ref() != k || !same_typed(&want, gv) {
            return Err(format!("field {gk:?}={gv:?} != {k:?}={want:?}"));
        }
    }
    Ok(())
}

fn codec_for(p: &str) -> Codec {
    common::codec("influx", &format!(r#"{{"precision":"{}"}}"#, precision(p)))
}

#[test]
fn influx_conformance_corpus() {
    let path = common::data_dir().join("influx-line-protocol/corpus.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (the corpus is part of the repository)",
            path.display()
        )
    });
    let corpus = common::json(&text);

    let decode = corpus
        .get("decode")
        .and_then(Value::as_record)
        .expect("decode cases");
    let mut failures = Vec::new();
    let mut passed = 0;
    for (key, case) in decode.iter() {
        let input = case.get("input").expect("input");
        let text = input_bytes(input.get("text").expect("text"));
        let default_time = input
            .get("defaultTime")
            .and_then(Value::as_u64)
            .unwrap_or(0);
        let prec = input
            .get("precision")
            .and_then(Value::as_str)
            .expect("precision");
        let Codec::Influx(codec) = codec_for(prec) else {
            unreachable!("influx spec builds the influx codec")
        };
        let got: Result<Vec<Value<'_>>, _> = codec.lines(&text, default_time).collect();
        let output = case.get("output").expect("output");
        let outcome = match (output.get("error"), output.get("result"), got) {
            (Some(_), _, Err(_)) => Ok(()),
            (Some(e), _, Ok(points)) => Err(format!(
                "expected error {e}, decoded {} points",
                points.len()
            )),
            (None, want, Err(e)) => Err(format!(
                "expected {:?} points, got error {e}",
                want.and_then(Value::as_array).map(Vec::len)
            )),
            (None, want, Ok(points)) => {
                let want = want.and_then(Value::as_array).cloned().unwrap_or_default();
                if want.len() == points.len() {
                    want.iter()
                        .zip(&points)
                        .try_for_each(|(w, g)| compare(w, g))
                } else {
                    Err(format!("{} points != {}", points.len(), want.len()))
                }
            }
        };
        match outcome {
            Ok(()) => passed += 1,
            Err(why) => failures.push(format!("{key} {:?}: {why}", String::from_utf8_lossy(&text))),
        }
    }
    eprintln!("influx corpus: {passed}/{} decode cases pass", decode.len());
    assert!(
        failures.is_empty(),
        "{} decode failures:\n{}",
        failures.len(),
        failures.join("\n")
    );

    let encode = corpus
        .get("encode")
        .and_then(Value::as_record)
        .expect("encode cases");
    let mut passed = 0;
    let mut diverged = 0;
    for (key, case) in encode.iter() {
        let input = case.get("input").expect("input");
        let point = input.get("point").expect("point");
        let mut value = Value::record();
        value.insert(
            "measurement",
            point.get("name").cloned().unwrap_or_default(),
        );
        let mut tags = Value::record();
        for t in point
            .get("tags")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let k = t
                .get("key")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            tags.insert(k, t.get("value").cloned().unwrap_or_default());
        }
        value.insert("tags", tags);
        let mut fields = Value::record();
        for f in point
            .get("fields")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let k = f
                .get("key")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            fields.insert(k, typed(f.get("value").expect("value")));
        }
        value.insert("fields", fields);
        value.insert("timestamp", point.get("time").cloned().unwrap_or_default());
        let prec = input
            .get("precision")
            .and_then(Value::as_str)
            .expect("precision");
        let mut codec = codec_for(prec);
        let got = common::encode(&mut codec, &value);
        let output = case.get("output").expect("output");
        match (output.get("error").and_then(Value::as_str), got) {
            (Some(_), Err(_)) => passed += 1,
            (Some(e), Ok(line)) => {
                if ENCODE_DIVERGENCES.iter().any(|(msg, _)| *msg == e) {
                    diverged += 1;
                } else {
                    failures.push(format!(
                        "{key}: expected error {e}, wrote {:?}",
                        String::from_utf8_lossy(&line)
                    ));
                }
            }
            (None, Err(e)) => failures.push(format!("{key}: unexpected error {e}")),
            (None, Ok(line)) => {
                let want = output
                    .get("result")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                if line == want.as_bytes() {
                    passed += 1;
                    // Whatever we write must read back as the same point.
                    let Codec::Influx(c) = &codec else {
                        unreachable!()
                    };
                    let back: Vec<_> = c.lines(&line, 0).collect();
                    match back.as_slice() {
                        [Ok(v)] => {
                            if let Err(why) = compare(point, v) {
                                failures.push(format!("{key}: read back differs: {why}"));
                            }
                        }
                        other => failures.push(format!("{key}: read back {other:?}")),
                    }
                } else {
                    failures.push(format!(
                        "{key}: wrote {:?}, expected {want:?}",
                        String::from_utf8_lossy(&line)
                    ));
                }
            }
        }
    }
    eprintln!(
        "influx corpus: {passed}/{} encode cases pass, {diverged} deliberate divergence(s)",
        encode.len()
    );
    assert!(
        failures.is_empty(),
        "{} encode failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(passed + diverged, encode.len());
}
