//! `base64`: standard-alphabet base64 (RFC 4648, padding optional) decodes to its text.
//!
//! Decoded bytes that are not UTF-8 yield a binary value rather than failing, so the
//! extractor never turns a match into a run-time error.

use std::borrow::Cow;

use base64::engine::{general_purpose::GeneralPurpose, DecodePaddingMode, GeneralPurposeConfig};
use base64::{alphabet, Engine as _};

use super::json::no_pattern;
use super::ExtractorError;
use crate::Value;

const ENGINE: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// The `base64` extractor (it takes no pattern).
#[derive(Debug, Clone, Default)]
pub struct Base64;

impl Base64 {
    pub(crate) fn compile(pattern: &str) -> Result<Self, ExtractorError> {
        no_pattern("base64", pattern)?;
        Ok(Base64)
    }

    pub(crate) fn is_match(&self, s: &str) -> bool {
        // Validates into a reusable-size buffer without keeping it.
        ENGINE.decode(s).is_ok()
    }

    pub(crate) fn extract<'i>(&self, s: &'i str) -> Option<Value<'i>> {
        let bytes = ENGINE.decode(s).ok()?;
        Some(match String::from_utf8(bytes) {
            Ok(text) => Value::String(Cow::Owned(text)),
            Err(e) => Value::Bytes(Cow::Owned(e.into_bytes())),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_text() {
        let b = Base64::compile("").unwrap();
        let cases = [
            // tremor's examples.
            ("8J+agHNuZWFreSByb2NrZXQh", "\u{1f680}sneaky rocket!"),
            ("8J+MiiBzbm90IGJhZGdlcg==", "\u{1f30a} snot badger"),
            // RFC 4648 test vectors.
            ("", ""),
            ("Zg==", "f"),
            ("Zm8=", "fo"),
            ("Zm9v", "foo"),
            ("Zm9vYg==", "foob"),
            ("Zm9vYmE=", "fooba"),
            ("Zm9vYmFy", "foobar"),
            // Padding is optional.
            ("Zm9vYg", "foob"),
        ];
        for (input, want) in cases {
            assert_eq!(
                b.extract(input).as_ref().and_then(Value::as_str),
                Some(want),
                "{input}"
            );
            assert!(b.is_match(input));
        }
    }

    #[test]
    fn binary_content_is_bytes() {
        let b = Base64::compile("").unwrap();
        let v = b.extract("/wD+").unwrap();
        assert_eq!(v.as_bytes(), Some(&[0xff, 0x00, 0xfe][..]));
    }

    #[test]
    fn malformed_input_does_not_match() {
        let b = Base64::compile("").unwrap();
        for input in ["sn!ot", "badger snot", "Zm9v=Yg", "Z", "Zm9vY===", "Zg=\n"] {
            assert!(b.extract(input).is_none(), "{input}");
            assert!(!b.is_match(input), "{input}");
        }
    }
}
