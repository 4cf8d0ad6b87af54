//! The json codec against the JSON parsing test suite (nst/JSONTestSuite, `test_parsing/`):
//! `y_*` must decode, `n_*` must be rejected, `i_*` may go either way but must not panic.
//!
//! The corpus is third-party data carried in the repository at
//! `codecs/tests/data/JSONTestSuite/` (MIT, see its `LICENSE`; commit in `SOURCE_COMMIT`).
//! A missing corpus fails the test.

use std::path::PathBuf;

use sluice_codecs::Codec;

/// `n_*` files the json codec accepts, each with the reason we keep that behaviour.
/// Empty: every must-reject file is rejected (checked below, so a regression fails here).
const KNOWN_DIVERGENCES: &[(&str, &str)] = &[];

fn corpus() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/JSONTestSuite/test_parsing")
}

#[test]
fn json_test_suite() {
    let dir = corpus();
    let mut codec = Codec::from_spec("json", None).unwrap();
    let (mut y, mut n, mut i_ok, mut i_err) = (0, 0, 0, 0);
    let mut failures = Vec::new();
    let mut accepted_n = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let bytes = std::fs::read(&path).unwrap();
        let mut data = bytes.clone();
        let decoded = codec.decode(&mut data, 0).map(|v| v.is_some());
        let mut data = bytes;
        let validated = codec.validate(&mut data);
        // decode and validate must agree on every file.
        if decoded.is_ok() != validated.is_ok() {
            failures.push(format!(
                "{name}: decode {decoded:?} but validate {validated:?}"
            ));
        }
        match name.as_bytes()[0] {
            b'y' => {
                y += 1;
                if decoded.is_err() {
                    failures.push(format!("{name}: must decode, got {decoded:?}"));
                }
            }
            b'n' => {
                n += 1;
                if decoded.is_ok() {
                    accepted_n.push(name);
                }
            }
            b'i' => {
                if decoded.is_ok() {
                    i_ok += 1;
                } else {
                    i_err += 1;
                }
            }
            _ => {}
        }
    }
    eprintln!(
        "JSONTestSuite: {y} y_* decoded, {n} n_* checked ({} accepted), i_*: {i_ok} accepted, {i_err} rejected",
        accepted_n.len()
    );
    let unexplained: Vec<_> = accepted_n
        .iter()
        .filter(|n| !KNOWN_DIVERGENCES.iter().any(|(k, _)| k == n))
        .collect();
    assert!(failures.is_empty(), "{failures:#?}");
    assert!(
        unexplained.is_empty(),
        "n_* files accepted: {unexplained:#?}"
    );
    assert!(y > 90 && n > 180, "corpus looks incomplete: {y} y, {n} n");
}

#[test]
fn scalar_documents_with_a_nul_byte_are_rejected() {
    let mut codec = Codec::from_spec("json", None).unwrap();
    for bad in [
        &b"123\0"[..],
        b"123\0abc",
        b"true\0",
        b" null\0x",
        b"-1.5e3\0",
    ] {
        let mut d = bad.to_vec();
        assert!(codec.decode(&mut d, 0).is_err(), "{bad:?}");
        let mut d = bad.to_vec();
        assert!(codec.validate(&mut d).is_err(), "{bad:?}");
    }
    let mut d = b" 123 ".to_vec();
    assert_eq!(
        codec.decode(&mut d, 0).unwrap().and_then(|v| v.as_i64()),
        Some(123)
    );
}
