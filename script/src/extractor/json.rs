//! `json`: a string holding one JSON document (RFC 8259) yields the decoded value.
//!
//! Duplicate keys: the last one wins, as in the JSON codec. The predicate form validates
//! without building a value.

use super::ExtractorError;
use crate::{JsonDecoder, Value};

/// The `json` extractor (it takes no pattern).
#[derive(Debug, Clone, Default)]
pub struct Json;

/// Rejects a pattern for extractors that take none.
pub(crate) fn no_pattern(extractor: &'static str, pattern: &str) -> Result<(), ExtractorError> {
    match pattern.find(|c: char| !c.is_whitespace()) {
        None => Ok(()),
        Some(i) => Err(ExtractorError::at(
            extractor,
            i,
            format!("`{extractor}` takes no pattern: write `{extractor}||`"),
        )),
    }
}

/// A raw NUL is never valid JSON (control characters must be escaped), but simd-json stops
/// reading at one, so `123\0` would pass.
fn has_nul(s: &str) -> bool {
    memchr::memchr(0, s.as_bytes()).is_some()
}

impl Json {
    pub(crate) fn compile(pattern: &str) -> Result<Self, ExtractorError> {
        no_pattern("json", pattern)?;
        Ok(Json)
    }

    pub(crate) fn is_match(&self, s: &str) -> bool {
        if has_nul(s) {
            return false;
        }
        // simd-json rewrites its input while unescaping, so it works on a copy.
        let mut buf = s.as_bytes().to_vec();
        JsonDecoder::new().validate(&mut buf).is_ok()
    }

    /// The decoded document; it owns its strings (simd-json decodes a private copy).
    pub(crate) fn extract<'i>(&self, s: &'i str) -> Option<Value<'i>> {
        if has_nul(s) {
            return None;
        }
        let mut buf = s.as_bytes().to_vec();
        let v = JsonDecoder::new().decode(&mut buf).ok()?;
        Some(v.into_static())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_decode() {
        let j = Json::compile("").unwrap();
        let cases = [
            (r#"{"a":"b", "c":"d"}"#, r#"{"a":"b","c":"d"}"#),
            (r#"{"a":1,"a":2}"#, r#"{"a":2}"#),
            ("[1, 2.5, true, null]", "[1,2.5,true,null]"),
            ("2", "2"),
            (r#""sn\"ot""#, r#""sn\"ot""#),
            (
                r#"{"nested":{"x":[{"y":"\u00e9"}]}}"#,
                r#"{"nested":{"x":[{"y":"é"}]}}"#,
            ),
        ];
        for (input, want) in cases {
            assert_eq!(
                j.extract(input).map(|v| v.to_json()).as_deref(),
                Some(want),
                "{input}"
            );
            assert!(j.is_match(input));
        }
    }

    #[test]
    fn malformed_input_does_not_match() {
        let j = Json::compile("  ").unwrap();
        let deep = "[".repeat(10_000) + &"]".repeat(10_000);
        for input in [
            "",
            "{badger snot",
            "\"sn!ot",
            "{\"a\":}",
            "[1,]",
            "1 2",
            "nul",
            deep.as_str(),
        ] {
            assert!(j.extract(input).is_none(), "{input}");
            assert!(!j.is_match(input), "{input}");
        }
    }

    #[test]
    fn a_pattern_is_an_error() {
        let e = Json::compile(" x").unwrap_err();
        assert_eq!(e.offset, Some(1));
    }
}

#[cfg(test)]
mod suite {
    use super::*;

    /// nst/JSONTestSuite: every `y_` document matches, every `n_` document does not.
    #[test]
    fn json_test_suite() {
        // The corpus is carried in the repository (codecs' test data, with its licence); a
        // missing corpus fails the test.
        let dir = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../codecs/tests/data/JSONTestSuite/test_parsing"
        );
        let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{dir}: {e}"));
        let j = Json::compile("").unwrap();
        let mut checked = 0;
        for e in entries.filter_map(Result::ok) {
            let name = e.file_name().to_string_lossy().into_owned();
            // The extractor sees strings: files that are not UTF-8 cannot reach it.
            let Ok(text) = std::fs::read_to_string(e.path()) else {
                continue;
            };
            if name.starts_with("y_") {
                assert!(j.extract(&text).is_some(), "{name} must match");
                assert!(j.is_match(&text), "{name}");
                checked += 1;
            } else if name.starts_with("n_") {
                assert!(j.extract(&text).is_none(), "{name} must not match");
                assert!(!j.is_match(&text), "{name}");
                checked += 1;
            }
        }
        assert!(checked > 200, "only {checked} files checked");
    }
}
