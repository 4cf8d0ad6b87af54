//! The ingest path with a script that touches known fields (partial decode, patch encode)
//! against the reference (decode, run, `write_json`), over the in-memory event path: the
//! same bytes reach the sink, and an event the script fails on goes to `err` whole.

use std::sync::Arc;

use sluice_script::stdlib::Env;
use sluice_script::{write_json, CompileOptions, JsonDecoder, Runner, Script, Value};
use sluice_shards::{mesh, Ingest, OnFull, Plan, Read, ScriptPlan};

fn root() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Every frame of `lines` through an ingest shard running `src` into a JSON sink: the bytes
/// the sink receives.
fn through_ingest(src: &str, lines: &[&[u8]]) -> Vec<u8> {
    let script = Script::compile(src, &CompileOptions::new("t.tremor")).expect("compiles");
    assert!(script.event_fields().is_some(), "takes the partial path");
    let mut plan = Plan::stdin_to_blackhole("json");
    plan.pipelines[0].script = Some(ScriptPlan {
        script: Arc::new(script),
        args: Value::record(),
        ports: vec![0, 1],
    });
    let (mut ing_links, mut sink_links) = mesh(1, 1, 64).expect("mesh");
    let mut ing = Ingest::new(&plan, ing_links.remove(0)).expect("ingest");
    let (mut links, _parking) = sink_links.remove(0);
    let stream = ing.open_stream(0);
    let mut chunk = Vec::new();
    for l in lines {
        chunk.extend_from_slice(l);
        chunk.push(b'\n');
    }
    let read = Read {
        now_ns: 1,
        lossless: true,
        origin: None,
    };
    let mut out = Vec::new();
    for part in chunk.chunks(16 * 1024) {
        ing.chunk(&stream, part, &read);
        while ing.try_flush(OnFull::Block, 0) {
            drain(&mut links, &mut out);
        }
        drain(&mut links, &mut out);
    }
    while ing.try_flush_all() {
        drain(&mut links, &mut out);
    }
    drain(&mut links, &mut out);
    out
}

fn drain(links: &mut [sluice_shards::SinkLink], out: &mut Vec<u8>) {
    while let Ok(mut b) = links[0].rx.pop() {
        out.extend_from_slice(&b.data);
        b.clear();
        let _ = links[0].recycle.push(b);
    }
}

/// The reference: decode whole, run, `write_json`, newline (what the JSON sink frames).
fn reference(src: &str, lines: &[&[u8]]) -> Vec<u8> {
    let script = Script::compile(src, &CompileOptions::new("t.tremor")).expect("compiles");
    let mut runner = Runner::new(Arc::new(script), Env::default(), Value::Null);
    let mut dec = JsonDecoder::new();
    let mut out = Vec::new();
    for l in lines {
        let mut buf = l.to_vec();
        let mut v = dec.decode(&mut buf).expect("valid");
        let r = runner.run(&mut v, &mut Value::record(), 1, None);
        if let Ok(sluice_script::Outcome::Emit { .. }) = r {
            write_json(&v, &mut out);
            out.push(b'\n');
        }
    }
    out
}

#[test]
fn bench_corpus_through_the_ingest_path_is_byte_identical() {
    let text = std::fs::read(root().join("bench/data/json600.jsonl")).expect("corpus");
    let lines: Vec<&[u8]> = text
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .collect();
    for name in ["classify_enrich.tremor", "classify_enrich_erase.tremor"] {
        let src = std::fs::read_to_string(root().join("bench/data").join(name)).expect("script");
        let got = through_ingest(&src, &lines);
        let want = reference(&src, &lines);
        assert_eq!(got.len(), want.len(), "{name}");
        assert!(got == want, "{name}: outputs differ");
    }
}

#[test]
fn an_event_the_script_fails_on_reaches_err_whole() {
    // `n + 1` fails on a string: the partial event (only `n` and `m`) must not be what the
    // error event carries.
    let src = "let event.m = event.n + 1; emit event";
    let ok = br#"{"a":"keep","n":1,"z":[1,2.5]}"#;
    let bad = br#"{"a":"keep","n":"x","z":[1,2.5]}"#;
    let out = through_ingest(src, &[ok, bad, ok]);
    let text = String::from_utf8(out).expect("utf-8");
    let got: Vec<&str> = text.lines().collect();
    assert_eq!(got.len(), 3, "{text}");
    assert_eq!(got[0], r#"{"a":"keep","n":1,"z":[1,2.5],"m":2}"#);
    assert!(
        got[1].starts_with(r#"{"error":{"kind":"runtime""#),
        "{}",
        got[1]
    );
    assert!(
        got[1].ends_with(r#""event":{"a":"keep","n":"x","z":[1,2.5]}}"#),
        "{}",
        got[1]
    );
    assert_eq!(got[2], got[0]);
}

#[test]
fn non_canonical_frames_are_encoded_whole() {
    let src = "let event.c = 1; emit event";
    let lines: [&[u8]; 3] = [
        br#"{"a": 1.50, "b":"\u00e9"}"#,
        br#"{"a":1,"a":2}"#,
        br#"{"q":"say \"hi\"","t":"\t"}"#,
    ];
    assert_eq!(through_ingest(src, &lines), reference(src, &lines));
}
