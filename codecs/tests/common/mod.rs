//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::PathBuf;

use sluice_codecs::Codec;
use sluice_script::{JsonDecoder, Record, Value};

/// `codecs/tests/data`: test data and the third-party corpora carried in the repository,
/// each corpus with its `LICENSE` and `SOURCE_COMMIT`.
pub fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data")
}

/// Parses a JSON document into an owned value.
pub fn json(s: &str) -> Value<'static> {
    let mut buf = s.as_bytes().to_vec();
    JsonDecoder::new()
        .decode(&mut buf)
        .expect("valid JSON in test data")
        .into_static()
}

/// A codec built from a name and options given as JSON.
pub fn codec(name: &str, options: &str) -> Codec {
    let opts = json(options);
    let rec: Option<Record<'static>> = opts.as_record().cloned();
    Codec::from_spec(name, rec.as_ref()).expect("valid codec spec")
}

/// Decodes `input` with `codec`, detaching the result from the buffer.
pub fn decode(
    codec: &mut Codec,
    input: &[u8],
    ingest_ns: u64,
) -> Result<Option<Value<'static>>, sluice_codecs::Error> {
    let mut buf = input.to_vec();
    codec
        .decode(&mut buf, ingest_ns)
        .map(|v| v.map(Value::into_static))
}

/// Encodes `value` with `codec` into a fresh buffer.
pub fn encode(codec: &mut Codec, value: &Value<'_>) -> Result<Vec<u8>, sluice_codecs::Error> {
    let mut out = Vec::new();
    codec.encode(value, &Value::Null, &mut out).map(|()| out)
}
