//! Unit tests of the partial decode and the patch writer.

use super::*;

fn both(doc: &str) -> (Result<String, JsonError>, Result<String, JsonError>) {
    let mut d = JsonDecoder::new();
    let mut buf = doc.as_bytes().to_vec();
    let full = d.decode(&mut buf).map(|v| v.to_json());
    let mut patch = JsonPatch::new(&["a".to_string()]);
    let mut buf = doc.as_bytes().to_vec();
    let part = d
        .decode_patch(&mut buf, doc.as_bytes(), &mut patch)
        .map(|(v, partial)| {
            let mut out = Vec::new();
            if partial {
                patch.write(&v, doc.as_bytes(), &mut out);
            } else {
                write_json(&v, &mut out);
            }
            String::from_utf8(out).unwrap_or_default()
        });
    (full, part)
}

#[test]
fn dec_len_counts_digits() {
    let mut edges = vec![0u64, 1, 9, u64::MAX];
    let mut p = 1u64;
    while let Some(q) = p.checked_mul(10) {
        edges.extend([p - 1, p, p + 1, q - 1]);
        p = q;
    }
    edges.extend([p - 1, p, p + 1]);
    for u in edges {
        assert_eq!(dec_len(u), u.to_string().len(), "{u}");
    }
}

#[test]
fn simd_json_rejects_raw_control_characters() {
    // `scan_frame` relies on it: a raw control byte in a string would be copied where
    // the encoder escapes it.
    let mut d = JsonDecoder::new();
    for b in 0u8..0x20 {
        for doc in [
            format!("{{\"a\":\"x{}y\"}}", char::from(b)),
            format!("{{\"a{}\":1}}", char::from(b)),
        ] {
            let mut buf = doc.clone().into_bytes();
            assert!(d.decode(&mut buf).is_err(), "{doc:?}");
        }
    }
}

#[test]
fn nesting_limit_is_the_decoders() {
    for depth in [MAX_DEPTH - 1, MAX_DEPTH, MAX_DEPTH + 1, MAX_DEPTH + 5] {
        for (open, close) in [("[", "]"), ("{\"k\":", "}")] {
            let doc = format!(
                "{{\"a\":1,\"b\":{}0{}}}",
                open.repeat(depth),
                close.repeat(depth)
            );
            let (full, part) = both(&doc);
            assert_eq!(full, part, "depth {depth} {open}");
        }
    }
}

/// Read-only, erased, changed and appended fields in every arrangement of a small
/// object: the patch is what decoding the whole event and writing it gives.
#[test]
fn kept_erased_changed_and_added_members_write_as_the_full_path() {
    let doc = r#"{"a":"x","b":1,"c":{"d":[true,null]},"e":"y\"z","f":2.5,"g":false}"#;
    let keys: Vec<String> = ["a", "b", "c", "e", "f", "g", "n"]
        .map(String::from)
        .to_vec();
    // Per key: 0 keep, 1 erase, 2 change (the last key is absent: 1 and 2 add it).
    for plan in 0..3u32.pow(7) {
        let mut d = JsonDecoder::new();
        let mut patch = JsonPatch::new(&keys);
        let mut buf = doc.as_bytes().to_vec();
        let (mut part, partial) = d
            .decode_patch(&mut buf, doc.as_bytes(), &mut patch)
            .expect("valid");
        assert!(partial);
        let mut buf2 = doc.as_bytes().to_vec();
        let mut full = d.decode(&mut buf2).expect("valid");
        let mut p = plan;
        for k in &keys {
            let op = p % 3;
            p /= 3;
            for v in [&mut part, &mut full] {
                let Value::Record(r) = v else { unreachable!() };
                match op {
                    1 if k != "n" => {
                        r.remove(k);
                    }
                    1 | 2 => {
                        r.insert(k.clone(), Value::from(format!("{k}!")));
                    }
                    _ => {}
                }
            }
        }
        let mut out = Vec::new();
        patch.write(&part, doc.as_bytes(), &mut out);
        assert_eq!(
            String::from_utf8(out).expect("utf-8"),
            full.to_json(),
            "plan {plan}"
        );
    }
}

#[test]
fn canonical_object_copies_and_patches() {
    let doc = r#"{"x":{"y":[1,-2,3.5,"q\"\\\n"],"z":{}},"a":"old","w":[]}"#;
    let mut d = JsonDecoder::new();
    let mut patch = JsonPatch::new(&["a".to_string(), "n".to_string()]);
    let mut buf = doc.as_bytes().to_vec();
    let (mut v, partial) = d
        .decode_patch(&mut buf, doc.as_bytes(), &mut patch)
        .expect("valid");
    assert!(partial);
    assert_eq!(v.to_json(), r#"{"a":"old"}"#);
    v.insert("a", Value::from("new"));
    v.insert("n", Value::I64(1));
    let mut out = Vec::new();
    patch.write(&v, doc.as_bytes(), &mut out);
    assert_eq!(
        String::from_utf8(out).expect("utf-8"),
        r#"{"x":{"y":[1,-2,3.5,"q\"\\\n"],"z":{}},"a":"new","w":[],"n":1}"#
    );
}
