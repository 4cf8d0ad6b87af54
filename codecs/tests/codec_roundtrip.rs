//! Round trips for the binary, msgpack and yaml codecs over generated values, and the
//! elastic-bulk output read back as NDJSON.

use std::borrow::Cow;

use proptest::prelude::*;
use sluice_codecs::Codec;
use sluice_script::{JsonDecoder, Record, Value};

/// Same value and same types (unlike `==`, which equates `1` and `1.0`).
fn same(a: &Value<'_>, b: &Value<'_>) -> bool {
    match (a, b) {
        (Value::Null, Value::Null) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::I64(x), Value::I64(y)) => x == y,
        (Value::U64(x), Value::U64(y)) => x == y,
        (Value::F64(x), Value::F64(y)) => x.to_bits() == y.to_bits() || (x == y),
        (Value::String(x), Value::String(y)) => x == y,
        (Value::Bytes(x), Value::Bytes(y)) => x == y,
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b))
        }
        (Value::Record(x), Value::Record(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y.iter())
                    .all(|((ka, va), (kb, vb))| ka == kb && same(va, vb))
        }
        _ => false,
    }
}

/// Values every format can carry: no NaN (it never equals itself), unique keys, and
/// `U64` only above `i64::MAX` (the type invariant decoders keep).
fn value(bytes: bool) -> impl Strategy<Value = Value<'static>> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::I64),
        ((i64::MAX as u64 + 1)..=u64::MAX).prop_map(Value::U64),
        any::<f64>()
            .prop_filter("not NaN", |f| !f.is_nan())
            .prop_map(Value::F64),
        ".*".prop_map(|s: String| Value::String(Cow::Owned(s))),
        prop::collection::vec(any::<u8>(), 0..20).prop_map(move |b| if bytes {
            Value::Bytes(Cow::Owned(b))
        } else {
            Value::Null
        }),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((".{0,8}", inner), 0..6).prop_map(|kv| {
                let r: Record<'static> = kv.into_iter().collect();
                Value::Record(r)
            }),
        ]
    })
}

fn round_trip(name: &str, v: &Value<'static>) -> Result<(Vec<u8>, Value<'static>), String> {
    let mut codec = Codec::from_spec(name, None).unwrap();
    let mut out = Vec::new();
    codec
        .encode(v, &Value::Null, &mut out)
        .map_err(|e| e.to_string())?;
    let mut buf = out.clone();
    let back = codec
        .decode(&mut buf, 0)
        .map_err(|e| format!("{e}: {}", String::from_utf8_lossy(&out)))?
        .ok_or("no value")?
        .into_static();
    let mut again = out.clone();
    codec.validate(&mut again).map_err(|e| e.to_string())?;
    Ok((out, back))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn msgpack_round_trips(v in value(true)) {
        let (wire, back) = round_trip("msgpack", &v).unwrap();
        prop_assert!(same(&v, &back), "{:?} -> {:?} -> {:?}", v, wire, back);
    }

    #[test]
    fn yaml_round_trips(v in value(true)) {
        let (wire, back) = round_trip("yaml", &v).unwrap();
        prop_assert!(same(&v, &back), "{:?}\n{}\n{:?}", v, String::from_utf8_lossy(&wire), back);
    }

    #[test]
    fn binary_round_trips(b in prop::collection::vec(any::<u8>(), 0..200)) {
        let v = Value::Bytes(Cow::Owned(b));
        let (wire, back) = round_trip("binary", &v).unwrap();
        prop_assert_eq!(&wire, v.as_bytes().unwrap());
        prop_assert!(same(&v, &back));
    }

    #[test]
    fn elastic_bulk_is_ndjson(
        docs in prop::collection::vec(value(false).prop_map(|v| {
            let mut r = Record::new();
            r.insert("v", v);
            Value::Record(r)
        }), 1..5),
        id in prop::option::of("[a-z0-9]{1,8}"),
        action in prop::sample::select(vec!["index", "create", "update", "delete"]),
    ) {
        let mut codec = Codec::from_spec("elastic-bulk", None).unwrap();
        let mut meta = Record::new();
        let mut es = Record::new();
        es.insert("_index", Value::from("logs"));
        es.insert("action", Value::from(action));
        if let Some(id) = &id {
            es.insert("_id", Value::from(id.clone()));
        }
        meta.insert("elastic", Value::Record(es));
        let meta = Value::Record(meta);
        let mut out = Vec::new();
        for d in &docs {
            codec.encode(d, &meta, &mut out).unwrap();
        }
        prop_assert_eq!(out.last(), Some(&b'\n'));
        let mut lines = out[..out.len() - 1].split(|b| *b == b'\n');
        let mut dec = JsonDecoder::new();
        for d in &docs {
            let mut line = lines.next().unwrap().to_vec();
            let act = dec.decode(&mut line).unwrap().into_static();
            let body = act.get(action).unwrap();
            prop_assert_eq!(body.get("_index").and_then(Value::as_str), Some("logs"));
            prop_assert_eq!(body.get("_id").and_then(Value::as_str), id.as_deref());
            if action == "delete" {
                continue;
            }
            let mut line = lines.next().unwrap().to_vec();
            let doc = dec.decode(&mut line).unwrap().into_static();
            let doc = if action == "update" { doc.get("doc").unwrap().clone() } else { doc };
            // JSON has no binary or non-finite floats; compare through JSON on both sides.
            let mut want = d.to_json().into_bytes();
            let want = dec.decode(&mut want).unwrap().into_static();
            prop_assert!(same(&want, &doc), "{:?} vs {:?}", want, doc);
        }
        prop_assert!(lines.next().is_none());
    }
}

#[test]
fn elastic_bulk_matches_the_bulk_api_examples() {
    // The shapes of Elasticsearch's `_bulk` documentation example.
    let mut codec = Codec::from_spec("elastic-bulk", None).unwrap();
    let mut out = Vec::new();
    let meta = |action: &str, id: &str| {
        let mut es = Record::new();
        es.insert("action", Value::from(action.to_string()));
        es.insert("_index", Value::from("test"));
        es.insert("_id", Value::from(id.to_string()));
        let mut m = Record::new();
        m.insert("elastic", Value::Record(es));
        Value::Record(m)
    };
    let doc = |k: &str, v: &str| {
        let mut r = Record::new();
        r.insert(k.to_string(), Value::from(v.to_string()));
        Value::Record(r)
    };
    codec
        .encode(&doc("field1", "value1"), &meta("index", "1"), &mut out)
        .unwrap();
    codec
        .encode(&Value::Null, &meta("delete", "2"), &mut out)
        .unwrap();
    codec
        .encode(&doc("field1", "value3"), &meta("create", "3"), &mut out)
        .unwrap();
    codec
        .encode(&doc("field2", "value2"), &meta("update", "1"), &mut out)
        .unwrap();
    assert_eq!(
        String::from_utf8(out).unwrap(),
        concat!(
            "{\"index\":{\"_index\":\"test\",\"_id\":\"1\"}}\n{\"field1\":\"value1\"}\n",
            "{\"delete\":{\"_index\":\"test\",\"_id\":\"2\"}}\n",
            "{\"create\":{\"_index\":\"test\",\"_id\":\"3\"}}\n{\"field1\":\"value3\"}\n",
            "{\"update\":{\"_index\":\"test\",\"_id\":\"1\"}}\n{\"doc\":{\"field2\":\"value2\"}}\n",
        )
    );
    // Defaults from the codec options; no metadata at all.
    let opts: Record<'static> = [("index", Value::from("fallback"))].into_iter().collect();
    let mut codec = Codec::from_spec("elastic-bulk", Some(&opts)).unwrap();
    let mut out = Vec::new();
    codec
        .encode(&doc("a", "b"), &Value::Null, &mut out)
        .unwrap();
    assert_eq!(
        out,
        b"{\"index\":{\"_index\":\"fallback\"}}\n{\"a\":\"b\"}\n"
    );
}
