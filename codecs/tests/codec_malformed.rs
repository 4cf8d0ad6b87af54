//! Malformed input per decoder: truncated, invalid UTF-8, wrong types, absurd lengths and
//! nesting. Each case must give a `decode` error (the engine counts errors by `kind()`),
//! from both `decode` and `validate`, and leave the codec usable.

use sluice_codecs::Codec;

const CASES: &[(&str, &[u8], &str)] = &[
    // msgpack
    ("msgpack", b"", "truncated"),
    ("msgpack", b"\x92\x01", "declared"),
    ("msgpack", b"\xa5abc", "truncated"),
    ("msgpack", b"\xa2\xc3\x28", "UTF-8"),
    ("msgpack", b"\xdd\x7f\xff\xff\xff\x00", "declared"),
    ("msgpack", b"\xdf\xff\xff\xff\xff\x00", "declared"),
    ("msgpack", b"\xc6\xff\xff\xff\xff", "truncated"),
    ("msgpack", b"\xdb\xff\xff\xff\xff", "truncated"),
    ("msgpack", b"\x81\x92\x01\x02\x03", "map key"),
    ("msgpack", b"\xc7\x01\x05\x00", "extension"),
    ("msgpack", b"\xc1", "reserved"),
    ("msgpack", b"\xc0\xc0", "after the value"),
    // yaml
    ("yaml", b"a: [1, 2", ""),
    ("yaml", b"a: \"unterminated", ""),
    ("yaml", b"\xff\xfe", "UTF-8"),
    ("yaml", b"a: b\n\xc3\x28", "UTF-8"),
    ("yaml", b"--- 1\n--- 2\n", "second document"),
    ("yaml", b"a: *nope", "anchor"),
    ("yaml", b"!!int twelve", "!!int"),
    ("yaml", b"!!binary '***'", "!!binary"),
    ("yaml", b"? [a]\n: b", "mapping key"),
    ("yaml", b"a: b: c", ""),
    // json
    ("json", b"{\"a\":", ""),
    ("json", b"\"\xc3\x28\"", ""),
    ("json", b"[1,2,]", ""),
    ("json", b"123\x00", "NUL"),
    // string
    ("string", b"ok \xc3\x28", "UTF-8"),
    // elastic-bulk only encodes
    ("elastic-bulk", b"{}", "only encodes"),
];

#[test]
fn malformed_table() {
    for (name, input, needle) in CASES {
        let mut codec = Codec::from_spec(name, None).unwrap();
        let mut d = input.to_vec();
        let r = codec.decode(&mut d, 0).map(|v| v.map(|v| v.to_json()));
        let e = r.expect_err(&format!("{name} {:?}", String::from_utf8_lossy(input)));
        assert_eq!(e.kind(), "decode", "{name} {input:?}");
        assert!(e.to_string().contains(needle), "{name} {input:?}: {e}");
        let mut d = input.to_vec();
        assert!(codec.validate(&mut d).is_err(), "{name} {input:?}");
    }
}

#[test]
fn absurd_nesting_is_an_error_not_a_stack_overflow() {
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("msgpack", [vec![0x91; 100_000], vec![0xc0]].concat()),
        ("yaml", "[".repeat(100_000).into_bytes()),
        ("yaml", "- ".repeat(5_000).into_bytes()),
        ("json", "[".repeat(100_000).into_bytes()),
    ];
    for (name, input) in cases {
        let mut codec = Codec::from_spec(name, None).unwrap();
        let mut d = input.clone();
        let e = codec.decode(&mut d, 0).map(|_| ()).unwrap_err();
        assert_eq!(e.kind(), "decode", "{name}");
    }
}

#[test]
fn wrong_types_for_encoders() {
    use sluice_script::{Record, Value};
    let mut bin = Codec::from_spec("binary", None).unwrap();
    let mut out = Vec::new();
    let e = bin
        .encode(&Value::I64(1), &Value::Null, &mut out)
        .unwrap_err();
    assert_eq!(e.kind(), "encode");
    let mut es = Codec::from_spec("elastic-bulk", None).unwrap();
    assert_eq!(
        es.encode(&Value::I64(1), &Value::Null, &mut out)
            .unwrap_err()
            .kind(),
        "encode"
    );
    let mut meta = Record::new();
    let mut m = Record::new();
    m.insert("action", Value::from("upsert"));
    meta.insert("elastic", Value::Record(m));
    let e = es
        .encode(&Value::record(), &Value::Record(meta), &mut out)
        .unwrap_err();
    assert!(e.to_string().contains("upsert"), "{e}");
    let mut meta = Record::new();
    let mut m = Record::new();
    m.insert("_id", Value::array());
    meta.insert("elastic", Value::Record(m));
    assert!(es
        .encode(&Value::record(), &Value::Record(meta), &mut out)
        .is_err());
    assert!(
        out.is_empty(),
        "failed encodes leave nothing behind: {out:?}"
    );
}
