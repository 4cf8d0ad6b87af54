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

// ---- the direct scan ------------------------------------------------------------------

/// Random documents from a fixed seed, so a failure repeats.
struct Gen(fastrand::Rng);

impl Gen {
    fn next(&mut self) -> u64 {
        self.0.u64(..)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.0.u64(..n)
    }

    fn pick<'t, T>(&mut self, from: &'t [T]) -> &'t T {
        &from[self.0.usize(..from.len())]
    }

    /// Canonical JSON text of a random value (as `write_json` writes it).
    fn value(&mut self, depth: u32, out: &mut String) {
        let kind = if depth > 3 {
            self.below(6)
        } else {
            self.below(9)
        };
        match kind {
            0 => {
                let word: &&str = self.pick(&["null", "true", "false"]);
                out.push_str(word);
            }
            1 => {
                let i = match self.below(4) {
                    0 => i64::MIN,
                    1 => i64::MAX,
                    2 => i64::try_from(self.below(1000)).unwrap_or(0) - 500,
                    _ => self.next() as i64 >> self.below(60),
                };
                out.push_str(&i.to_string());
            }
            2 => out.push_str(&u64::MAX.to_string()),
            3 | 4 => {
                let f = match self.below(3) {
                    0 => (self.below(2_000_000) as f64 - 1e6) / 1000.0,
                    1 => f64::from_bits(self.next()),
                    _ => self.below(100) as f64 * 1e-7,
                };
                let f = if f.is_finite() { f } else { 0.5 };
                out.push_str(&Value::F64(f).to_json());
            }
            5 => out.push_str(&Value::from(self.string()).to_json()),
            6 => {
                out.push('[');
                for i in 0..self.below(4) {
                    if i > 0 {
                        out.push(',');
                    }
                    self.value(depth + 1, out);
                }
                out.push(']');
            }
            _ => self.object(depth + 1, out),
        }
    }

    fn string(&mut self) -> String {
        const BITS: [&str; 10] = ["a", "é", "\"", "\\", "\n", "\t", "\u{1}", "/", "0", "key"];
        (0..self.below(5)).map(|_| *self.pick(&BITS)).collect()
    }

    /// An object; keys drawn from a few, so some repeat.
    fn object(&mut self, depth: u32, out: &mut String) {
        const KEYS: [&str; 6] = ["a", "b", "c", "d", "a\"b", "é"];
        out.push('{');
        for i in 0..self.below(5) {
            if i > 0 {
                out.push(',');
            }
            out.push_str(&Value::from(*self.pick(&KEYS)).to_json());
            out.push(':');
            self.value(depth, out);
        }
        out.push('}');
    }

    /// `text` with a few bytes changed, dropped or added.
    fn mutate(&mut self, text: &str) -> Vec<u8> {
        const BYTES: &[u8] = b"\"\\,:{}[]0-.eE tfn1a\x00\x1f\x7f\x80\xc3\xa9\xff";
        let mut b = text.as_bytes().to_vec();
        for _ in 0..self.below(3) {
            if b.is_empty() {
                break;
            }
            let at = usize::try_from(self.below(b.len() as u64)).unwrap_or(0);
            match self.below(3) {
                0 => b[at] = *self.pick(BYTES),
                1 => {
                    b.remove(at);
                }
                _ => b.insert(at, *self.pick(BYTES)),
            }
        }
        b
    }
}

/// Whenever the direct scan answers for a frame, simd-json accepts the frame, the frame is
/// what `write_json` writes for its value, and the touched members built from the bytes
/// are the tape's values; and `validate` says what a full decode says: over generated
/// documents, valid and mutated.
#[test]
fn direct_scan_agrees_with_the_tape() {
    let keys: Vec<String> = ["a", "c", "é", "a\"b", "z"].map(String::from).to_vec();
    let mut g = Gen(fastrand::Rng::with_seed(0x9E37_79B9_7F4A_7C15));
    let (mut answered, mut passed, mut changed) = (0, 0, 0);
    for case in 0..60_000 {
        let mut text = String::new();
        g.object(0, &mut text);
        let frame = if case % 2 == 0 {
            text.clone().into_bytes()
        } else {
            g.mutate(&text)
        };
        // `validate` (which asks the direct scan first) agrees with a full decode.
        let (mut v, mut w) = (frame.clone(), frame.clone());
        assert_eq!(
            JsonDecoder::new().validate(&mut v).is_ok(),
            JsonDecoder::new().decode(&mut w).is_ok(),
            "{}",
            String::from_utf8_lossy(&frame)
        );
        let mut patch = JsonPatch::new(&keys);
        let Some(ascii) = patch.direct(&frame) else {
            continue;
        };
        answered += 1;
        changed += usize::from(frame != text.as_bytes());
        assert!(!ascii || frame.is_ascii(), "{frame:?}");
        if std::str::from_utf8(&frame).is_err() {
            continue;
        }
        passed += 1;
        let mut d = JsonDecoder::new();
        let mut copy = frame.clone();
        let full = d
            .decode(&mut copy)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&frame)));
        assert_eq!(full.to_json().as_bytes(), frame, "not canonical");
        let part = patch.direct_record(&frame).expect("builds");
        for k in &keys {
            assert_eq!(
                part.get(k).map(Value::to_json),
                full.get(k).map(Value::to_json),
                "{k} of {}",
                String::from_utf8_lossy(&frame)
            );
        }
    }
    // Both kinds of frame are exercised: valid ones (those with no `\u` escape, repeated
    // key or long number) and mutated ones that are still canonical JSON.
    assert!(
        answered > 10_000 && passed > 10_000 && changed > 300,
        "{answered} {passed} {changed}"
    );
}

/// The frames of the re-encode bench take the direct scan, including those with escaped
/// quotes in an untouched member.
#[test]
fn direct_scan_takes_the_bench_corpus() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../bench/data/json600.jsonl");
    let corpus = std::fs::read_to_string(path).expect("bench corpus");
    let keys: Vec<String> = ["level", "service", "class", "rate", "span_id"]
        .map(String::from)
        .to_vec();
    let mut patch = JsonPatch::new(&keys);
    let (mut lines, mut escaped) = (0, 0);
    for line in corpus.lines() {
        lines += 1;
        escaped += usize::from(line.contains('\\'));
        assert_eq!(patch.direct(line.as_bytes()), Some(true), "{line}");
        assert_eq!(patch.members.len(), 3, "{line}");
    }
    assert!(lines == 1000 && escaped > 100, "{lines} {escaped}");
}

/// What the direct scan leaves to the tape: each of these is valid JSON but not a form it
/// answers for, or not valid at all.
#[test]
fn direct_scan_declines() {
    let keys = vec!["a".to_string()];
    for doc in [
        r#"{"a":"x\"y"}"#,
        r#"{"a\"":1}"#,
        r#"{"b":"\u0001"}"#,
        r#"{"b":"\/"}"#,
        r#"{"b":1,"b":2}"#,
        r#"{"b":{"c":1,"c":1}}"#,
        r#"{"b":1e5}"#,
        r#"{"b":1.50}"#,
        r#"{"b":-0}"#,
        r#"{"b":01}"#,
        r#"{"b":1234567890123456789}"#,
        r#"{"b": 1}"#,
        r#"{"b":1} "#,
        r#"[1]"#,
        r#"{"b":tru}"#,
        r#"{"b":[1,]}"#,
        r#"{"b":{"c":1,}}"#,
        r#"{"b":1,}"#,
        r#"{"b":"x"#,
        "{\"b\":\"a\tb\"}",
    ] {
        assert_eq!(JsonPatch::new(&keys).direct(doc.as_bytes()), None, "{doc}");
    }
    let deep = format!("{{\"b\":{}1{}}}", "[".repeat(40), "]".repeat(40));
    assert_eq!(JsonPatch::new(&keys).direct(deep.as_bytes()), None);
    let wide: Vec<String> = (0..=MAX_KEYS).map(|i| format!("\"k{i}\":{i}")).collect();
    let wide = format!("{{\"b\":{{{}}}}}", wide.join(","));
    assert_eq!(JsonPatch::new(&keys).direct(wide.as_bytes()), None);
    // And what it takes: escapes outside the touched members, nested containers.
    for doc in [
        r#"{"a":"x","b":"q\"\\\n\t\r\b\f","c":[{"d":[]},{}],"e":-1.5}"#,
        r#"{"b":{"a":"x\"y"},"a":[1,true,null]}"#,
    ] {
        assert_eq!(
            JsonPatch::new(&keys).direct(doc.as_bytes()),
            Some(true),
            "{doc}"
        );
    }
}
