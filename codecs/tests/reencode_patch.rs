//! The partial re-encode path (decode only the fields a script touches, write the rest as
//! copies of the original bytes: `Codec::decode_patch` / `Codec::encode_patch`) against the
//! reference (decode everything, run, `write_json`), on every JSON corpus in the repository
//! and on generated documents: the same outcome, the same metadata, the same bytes.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use proptest::prelude::*;
use sluice_codecs::Codec;
use sluice_script::stdlib::Env;
use sluice_script::{write_json, CompileOptions, JsonPatch, Outcome, Runner, Script, Value};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Scripts whose event fields the analysis answers for: setting, deleting, reading,
/// writing inside, inserting, conditional changes, dropping, other ports.
const SCRIPTS: &[&str] = &[
    "emit event",
    "let event.class = \"bulk\"; let event.rate = 10; let event = patch event of erase \"pad\" end; emit event",
    "let event.level = event.level; emit event",
    "let event.http.status = 1; emit event",
    "let event.moved = event.http; let event.msg = event.service; emit event",
    "let event = patch event of erase \"@timestamp\"; erase \"level\"; insert \"z\" => [1, 2.5] end; emit event",
    "let event.tags = [\"a\"]; let event.client.country = \"DE\"; emit event",
    "match event of case %{ present a } => let event.b = event.a default => let event.c = {\"x\": 1.5} end; emit event",
    "match event of case %{ a == 1 } => drop case %{ absent b } => emit event => \"other\" default => null end; let event = patch event of erase \"d\"; upsert \"e\" => 2 end; emit event",
    "let event.a.x = \"y\"; let event = patch event of update \"b\" => null end; emit event",
    "let event.aa = event.b + 1; emit event",
];

/// A runner per script, and its patch plan.
fn runners() -> Vec<(Runner, JsonPatch)> {
    let mut all: Vec<String> = SCRIPTS.iter().map(|s| (*s).to_string()).collect();
    for name in [
        "classify_enrich.tremor",
        "classify_enrich_erase.tremor",
        "classify.tremor",
    ] {
        let path = root().join("bench/data").join(name);
        all.push(std::fs::read_to_string(&path).expect("bench script"));
    }
    all.iter()
        .map(|src| {
            let script = Script::compile(src, &CompileOptions::new("t.tremor"))
                .unwrap_or_else(|e| panic!("{src}: {e}"));
            let keys = script
                .event_fields()
                .unwrap_or_else(|| panic!("not answered: {src}"));
            let patch = JsonPatch::new(&keys);
            (
                Runner::new(Arc::new(script), Env::default(), Value::Null),
                patch,
            )
        })
        .collect()
}

#[derive(Default, Debug)]
struct Seen {
    docs: usize,
    /// Runs compared.
    compared: usize,
    /// Of those, decoded partially.
    partial: usize,
    /// Decoded partially, but the script failed (the ingest path then runs it whole).
    rerun: usize,
}

type Run = (Result<Outcome, String>, String, Option<Vec<u8>>);

/// Decodes `doc` the reference way and the patch way, runs the script on both, compares.
fn check(
    codec: &mut Codec,
    doc: &[u8],
    runner: &mut Runner,
    patch: &mut JsonPatch,
    seen: &mut Seen,
) {
    let run = |runner: &mut Runner, v: &mut Value<'_>| -> (Result<Outcome, String>, String) {
        let mut meta = Value::record();
        let r = runner.run(v, &mut meta, 0, None).map_err(|e| e.to_string());
        (r, meta.to_json())
    };
    let mut scratch = doc.to_vec();
    let reference: Option<Run> = match codec.decode(&mut scratch, 0) {
        Ok(Some(mut v)) => {
            let (r, meta) = run(runner, &mut v);
            let mut out = Vec::new();
            write_json(&v, &mut out);
            Some((r, meta, Some(out)))
        }
        Ok(None) => None,
        Err(e) => Some((Err(format!("decode: {e}")), String::new(), None)),
    };
    let mut scratch = doc.to_vec();
    let fast: Option<Run> = match codec.decode_patch(&mut scratch, doc, patch) {
        Ok(Some((mut v, partial))) => {
            let (r, meta) = run(runner, &mut v);
            if r.is_err() && partial {
                // The ingest path runs such an event again, whole; nothing to compare.
                seen.rerun += 1;
                return;
            }
            let mut out = Vec::new();
            if partial {
                seen.partial += 1;
                codec
                    .encode_patch(&v, patch, doc, &mut out)
                    .expect("json writes patches");
            } else {
                write_json(&v, &mut out);
            }
            Some((r, meta, Some(out)))
        }
        Ok(None) => panic!("json decodes patches"),
        Err(e) => Some((Err(format!("decode: {e}")), String::new(), None)),
    };
    seen.compared += 1;
    let show = |r: &Option<Run>| {
        r.as_ref().map(|(o, m, b)| {
            (
                o.clone(),
                m.clone(),
                b.as_ref().map(|b| String::from_utf8_lossy(b).into_owned()),
            )
        })
    };
    assert_eq!(
        show(&fast),
        show(&reference),
        "input: {}",
        String::from_utf8_lossy(doc)
    );
}

fn run_corpus(docs: &[Vec<u8>]) -> Vec<Seen> {
    let mut codec = Codec::from_spec("json", None).expect("json codec");
    let mut runners = runners();
    let mut seen: Vec<Seen> = runners.iter().map(|_| Seen::default()).collect();
    for doc in docs {
        for ((r, patch), s) in runners.iter_mut().zip(&mut seen) {
            s.docs += 1;
            check(&mut codec, doc, r, patch, s);
        }
    }
    seen
}

fn lines(path: &Path) -> Vec<Vec<u8>> {
    std::fs::read(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .map(<[u8]>::to_vec)
        .collect()
}

#[test]
fn bench_corpora() {
    let dir = root().join("bench/data");
    let mut n = 0;
    for e in std::fs::read_dir(&dir).expect("bench/data") {
        let path = e.expect("entry").path();
        let ext = path.extension().and_then(|x| x.to_str()).unwrap_or("");
        if ext != "jsonl" && ext != "ndjson" {
            continue;
        }
        let docs = lines(&path);
        for s in run_corpus(&docs) {
            assert_eq!(
                s.compared + s.rerun,
                docs.len(),
                "{}: {s:?}",
                path.display()
            );
            // Machine-written logs are canonical: every line takes the partial path.
            assert_eq!(s.partial + s.rerun, docs.len(), "{}: {s:?}", path.display());
        }
        n += 1;
    }
    assert!(n >= 3, "bench corpora missing");
}

#[test]
fn json_test_suite() {
    let dir = root().join("codecs/tests/data/JSONTestSuite/test_parsing");
    let mut docs = Vec::new();
    for e in std::fs::read_dir(&dir).expect("JSONTestSuite") {
        docs.push(std::fs::read(e.expect("entry").path()).expect("read"));
    }
    assert!(docs.len() > 300);
    let seen = run_corpus(&docs);
    assert!(seen.iter().all(|s| s.compared + s.rerun > 300), "{seen:?}");
}

#[test]
fn script_case_inputs() {
    let dir = root().join("script/tests/cases");
    let mut docs = Vec::new();
    for e in std::fs::read_dir(&dir).expect("script cases") {
        let input = e.expect("entry").path().join("in");
        if input.exists() {
            docs.extend(lines(&input));
        }
    }
    assert!(docs.len() > 100);
    let seen = run_corpus(&docs);
    assert!(seen.iter().all(|s| s.partial + s.rerun > 300), "{seen:?}");
}

#[test]
fn non_canonical_frames_take_the_full_path() {
    // Each decodes to an object whose `write_json` differs from its bytes somewhere.
    let docs: &[&str] = &[
        r#"{"a": 1,"b":2}"#,
        r#"{"a":1 ,"b":2}"#,
        r#"{"a":1,"b":2} "#,
        r#" {"a":1,"b":2}"#,
        r#"{"a":1.0e0,"b":1}"#,
        r#"{"a":1.50,"b":1}"#,
        r#"{"a":-0,"b":1}"#,
        r#"{"a":[-0,1.5],"b":1}"#,
        r#"{"a":1E2,"b":1}"#,
        r#"{"a":[1.5 ],"b":1}"#,
        r#"{"a":"\u00e9","b":1}"#,
        r#"{"a":"\/","b":1}"#,
        r#"{"a":{"x":1,"x":2},"b":1}"#,
        r#"{"a":1,"a":2,"b":1}"#,
        r#"{"big":18446744073709551616,"b":1}"#,
        r#"{"a":100000000000000000000000,"b":1}"#,
        "{\"a\":\"x\ty\",\"b\":1}",
        r#"{"a":{ },"b":1}"#,
        r#"{"a":[ ],"b":1}"#,
        // Lengths that cancel out (a longer integer, a shorter float) or match.
        r#"{"a":1e0,"b":1}"#,
        r#"{"a":[-0,1e1],"b":1}"#,
        r#"{"a":"x","b":1e1,"c":-0}"#,
        r#"{"a":["x",1e1],"c":-0}"#,
        r#"{"a":[1e5],"b":""}"#,
        r#"{"a":"","b":1}"#,
        r#"{"a":"x\/","b":1}"#,
        r#"{"a":"q"","b":1.0E0}"#,
    ];
    let mut codec = Codec::from_spec("json", None).expect("json codec");
    let mut runners = runners();
    for doc in docs {
        for (r, patch) in &mut runners {
            let mut seen = Seen::default();
            check(&mut codec, doc.as_bytes(), r, patch, &mut seen);
            assert_eq!(seen.partial, 0, "{doc}");
        }
    }
    // And their canonical forms take the partial path.
    for doc in [
        r#"{"a":1,"b":2}"#,
        r#"{"a":[0,1.5,1e300,-2],"b":{"c":null},"d":1.0}"#,
    ] {
        let mut seen = Seen::default();
        let (r, patch) = &mut runners[1];
        check(&mut codec, doc.as_bytes(), r, patch, &mut seen);
        assert_eq!(seen.partial, 1, "{doc}");
    }
}

// ---- generated documents -------------------------------------------------------------

fn leaf() -> impl Strategy<Value = Value<'static>> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::I64),
        any::<u64>().prop_map(Value::from),
        (-1e6f64..1e6).prop_map(Value::F64),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::F64),
        "[a-z]{0,6}".prop_map(Value::from),
        "\\PC{0,8}".prop_map(Value::from),
        "[\\x00-\\x1f\"\\\\/é\u{2028}a]{0,6}".prop_map(Value::from),
    ]
}

fn value() -> impl Strategy<Value = Value<'static>> {
    leaf().prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec(("[a-e]{1,2}", inner), 0..4)
                .prop_map(|kv| Value::Record(kv.into_iter().collect())),
        ]
    })
}

/// The document's text: the writer's own, with a change JSON allows spliced in at a
/// random place (a space, a float spelt otherwise, a duplicate key), or raw text.
fn spell(v: &Value<'_>, edit: u8, at: usize) -> String {
    let mut s = v.to_json();
    let at = (0..=at.min(s.len()))
        .rev()
        .find(|i| s.is_char_boundary(*i))
        .unwrap_or(0);
    match edit % 6 {
        0 | 1 => {}
        2 => s.insert(at, ' '),
        3 => s = s.replacen(".0", ".00", 1).replacen("e", "E", 1),
        4 => {
            if let Some(i) = s.find(":") {
                s.insert_str(i + 1, "-0,\"a\":");
            }
        }
        _ => s = s.replacen(':', ": ", 1),
    }
    s
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn generated_records(
        fields in prop::collection::vec(("[a-e]{1,2}", value()), 0..8),
        edit in any::<u8>(),
        at in any::<usize>(),
    ) {
        let doc = Value::Record(fields.into_iter().collect());
        let text = spell(&doc, edit, at % 200);
        let mut codec = Codec::from_spec("json", None).expect("json codec");
        let mut runners = runners();
        for (r, patch) in &mut runners {
            let mut seen = Seen::default();
            check(&mut codec, text.as_bytes(), r, patch, &mut seen);
            prop_assert_eq!(seen.compared + seen.rerun, 1);
        }
    }
}
