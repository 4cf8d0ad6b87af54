//! The re-encode fast path (copying the bytes of unchanged, canonical entries: see
//! `sluice_script::JsonSpans`) against the reference (serialising the whole value), on every
//! JSON corpus in the repository and on generated documents: the bytes must be identical.
//!
//! Each document is decoded by the json codec, changed by a real script (or by generated
//! mutations through the `Record` API, which is what the interpreter uses), then encoded both
//! ways.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use proptest::prelude::*;
use sluice_codecs::Codec;
use sluice_script::stdlib::Env;
use sluice_script::{write_json, CompileOptions, Outcome, Record, Runner, Script, Value};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Scripts that leave events alone, set fields, delete fields (by patching the whole event),
/// write inside nested records, move values between keys and replace the event.
const SCRIPTS: &[&str] = &[
    "emit event",
    "let event.class = \"bulk\"; let event.rate = 10; let event = patch event of erase \"pad\" end; emit event",
    "let event.level = event.level; emit event",
    "let event.http.status = 1; emit event",
    "let event.moved = event.http; let event.msg = event.service; emit event",
    "let event = merge event of {\"level\": \"x\", \"tags\": null} end; emit event",
    "let event = patch event of erase \"@timestamp\"; erase \"level\"; insert \"z\" => [1, 2.5] end; emit event",
    "let event.tags = [\"a\"]; let event.client.country = \"DE\"; emit event",
    "emit {\"a\": event.level, \"b\": event}",
];

fn runners() -> Vec<Runner> {
    let mut all: Vec<String> = SCRIPTS.iter().map(|s| (*s).to_string()).collect();
    for name in ["classify_enrich.tremor", "classify.tremor"] {
        let path = root().join("bench/data").join(name);
        all.push(std::fs::read_to_string(&path).expect("bench script"));
    }
    all.iter()
        .map(|src| {
            let script = Script::compile(src, &CompileOptions::new("t.tremor"))
                .unwrap_or_else(|e| panic!("{src}: {e}"));
            Runner::new(Arc::new(script), Env::default(), Value::Null)
        })
        .collect()
}

/// Counts of what a corpus exercised, so that a corpus that stops exercising the fast path
/// fails the test instead of passing vacuously.
#[derive(Default, Debug)]
struct Seen {
    docs: usize,
    compared: usize,
    copyable: usize,
}

/// Decodes `doc`, lets `change` alter it, encodes it both ways and compares.
fn check(
    codec: &mut Codec,
    doc: &[u8],
    change: &mut dyn FnMut(&mut Value<'_>) -> bool,
    seen: &mut Seen,
) {
    if let Codec::Json(c) = codec {
        c.keep_spans(true);
    }
    let mut scratch = doc.to_vec();
    let Ok(Some(mut v)) = codec.decode(&mut scratch, 0) else {
        return;
    };
    if !change(&mut v) {
        return;
    }
    let mut reference = Vec::new();
    write_json(&v, &mut reference);
    let mut via_codec = Vec::new();
    codec
        .encode(&v, &Value::Null, &mut via_codec)
        .expect("json encodes");
    assert_eq!(reference, via_codec);
    let Codec::Json(c) = codec else {
        panic!("json codec");
    };
    let mut spans = c.take_spans();
    let mut fast = Vec::new();
    if spans.prepare(doc) {
        seen.copyable += spans.copyable();
    }
    c.encode_reusing(&v, &spans, doc, &mut fast);
    c.put_spans(spans);
    seen.compared += 1;
    assert_eq!(
        String::from_utf8_lossy(&fast),
        String::from_utf8_lossy(&reference),
        "input: {}",
        String::from_utf8_lossy(doc)
    );
}

fn run_corpus(docs: &[Vec<u8>]) -> Seen {
    let mut codec = Codec::from_spec("json", None).expect("json codec");
    let mut runners = runners();
    let mut seen = Seen::default();
    for doc in docs {
        seen.docs += 1;
        for r in &mut runners {
            let mut run = |v: &mut Value<'_>| {
                let mut meta = Value::record();
                matches!(r.run(v, &mut meta, 0, None), Ok(Outcome::Emit { .. }))
            };
            check(&mut codec, doc, &mut run, &mut seen);
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
        let seen = run_corpus(&docs);
        // Machine-written logs are canonical: every line must have entries to copy.
        assert!(seen.compared >= docs.len(), "{}: {seen:?}", path.display());
        assert!(seen.copyable >= docs.len(), "{}: {seen:?}", path.display());
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
    assert!(seen.compared > 100, "{seen:?}");
}

#[test]
fn script_case_inputs() {
    // The interpreter's own test inputs: escapes, unicode, big numbers, nested shapes.
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
    assert!(seen.compared > 100 && seen.copyable > 100, "{seen:?}");
}

#[test]
fn non_canonical_bytes_are_re_encoded() {
    // Each of these decodes to values whose encoding differs from the input text.
    let docs: &[&str] = &[
        r#"{"a": 1, "b":2}"#,
        r#"{"a":1.0e0,"b":1.50,"c":-0,"d":1E2,"e":0.1}"#,
        r#"{"a":"\u00e9","b":"\/","c":"x\ty","d":"\"q\"","e":"\\"}"#,
        r#"{"a":{"x":1,"x":2},"b":[1 ,2],"c":{ }}"#,
        r#"{"a":1,"a":2,"b":"é"}"#,
        r#"{"big":18446744073709551615,"neg":-9223372036854775808,"f":5e-324}"#,
        "{\"a\":\"\u{7f}\",\"b\":\"\u{2028}\"}",
    ];
    let mut codec = Codec::from_spec("json", None).expect("json codec");
    let mut seen = Seen::default();
    for doc in docs {
        check(&mut codec, doc.as_bytes(), &mut |_| true, &mut seen);
        check(
            &mut codec,
            doc.as_bytes(),
            &mut |v| v.insert("new", Value::I64(1)).is_none(),
            &mut seen,
        );
    }
    assert_eq!(seen.compared, docs.len() * 2);
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

/// How the generated document is written out: the writer's own form, or with the liberties
/// JSON allows (spaces, `\u` escapes, other number spellings).
#[derive(Debug, Clone, Copy)]
struct Style {
    space: bool,
    unicode_escapes: bool,
    exp_floats: bool,
}

fn write_styled(v: &Value<'_>, st: Style, out: &mut String) {
    let sp = if st.space { " " } else { "" };
    match v {
        Value::F64(f) if st.exp_floats => out.push_str(&format!("{f:e}")),
        Value::String(s) if st.unicode_escapes => {
            out.push('"');
            for ch in s.chars() {
                match ch {
                    'a'..='z' | '0'..='9' => out.push(ch),
                    c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
                    c => {
                        let mut b = [0u16; 2];
                        for u in c.encode_utf16(&mut b) {
                            out.push_str(&format!("\\u{u:04X}"));
                        }
                    }
                }
            }
            out.push('"');
        }
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                    out.push_str(sp);
                }
                write_styled(x, st, out);
            }
            out.push(']');
        }
        Value::Record(r) => {
            out.push('{');
            out.push_str(sp);
            for (i, (k, x)) in r.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::from(k.as_ref()).to_json());
                out.push(':');
                out.push_str(sp);
                write_styled(x, st, out);
            }
            out.push('}');
        }
        other => out.push_str(&other.to_json()),
    }
}

/// A change a script could make, applied through the `Record` API.
#[derive(Debug, Clone)]
enum Change {
    Set(String, Value<'static>),
    Remove(String),
    /// Set inside the record under the key (if it is one).
    SetNested(String, String, Value<'static>),
    /// Append to the array under the key (if it is one).
    Push(String, Value<'static>),
    /// Replace the event by a copy of itself (what `patch` and `merge` do).
    Copy,
    /// Set the key to an equal value held in new memory.
    Reown(String),
}

fn change() -> impl Strategy<Value = Change> {
    let key = "[a-e]{1,2}";
    prop_oneof![
        (key, leaf()).prop_map(|(k, v)| Change::Set(k, v)),
        key.prop_map(Change::Remove),
        (key, key, leaf()).prop_map(|(k, n, v)| Change::SetNested(k, n, v)),
        (key, leaf()).prop_map(|(k, v)| Change::Push(k, v)),
        Just(Change::Copy),
        key.prop_map(Change::Reown),
    ]
}

fn apply(v: &mut Value<'_>, c: &Change) {
    let Some(r) = v.as_record_mut() else {
        return;
    };
    match c {
        Change::Set(k, x) => {
            r.insert(k.clone(), x.clone());
        }
        Change::Remove(k) => {
            r.remove(k);
        }
        Change::SetNested(k, n, x) => {
            if let Some(Value::Record(inner)) = r.get_mut(k) {
                inner.insert(n.clone(), x.clone());
            }
        }
        Change::Push(k, x) => {
            if let Some(Value::Array(a)) = r.get_mut(k) {
                a.push(x.clone());
            }
        }
        Change::Copy => {
            let copy: Record<'_> = r.iter().map(|(k, x)| (k.clone(), x.clone())).collect();
            *r = copy;
        }
        Change::Reown(k) => {
            if let Some(x) = r.get_mut(k) {
                *x = x.clone().into_static();
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn generated_records_with_mutations(
        fields in prop::collection::vec(("[a-e]{1,2}", value()), 0..8),
        space in any::<bool>(),
        unicode_escapes in any::<bool>(),
        exp_floats in any::<bool>(),
        changes in prop::collection::vec(change(), 0..5),
    ) {
        let doc = Value::Record(fields.into_iter().collect());
        let mut text = String::new();
        write_styled(&doc, Style { space, unicode_escapes, exp_floats }, &mut text);
        let mut codec = Codec::from_spec("json", None).expect("json codec");
        let mut seen = Seen::default();
        check(&mut codec, text.as_bytes(), &mut |v| {
            for c in &changes {
                apply(v, c);
            }
            true
        }, &mut seen);
        prop_assert_eq!(seen.compared, 1, "did not decode: {}", text);
    }
}
