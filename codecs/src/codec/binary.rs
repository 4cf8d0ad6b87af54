//! `binary`: the frame as one binary value, untouched.

use std::borrow::Cow;

use sluice_script::{Record, Value};

use crate::{options::Options, Error};

/// Binary codec. Decoding never fails; encoding writes binary and string values as their
/// bytes and refuses anything else (there is no byte form of a number or record to pick).
#[derive(Debug, Default)]
pub struct BinaryCodec;

impl BinaryCodec {
    pub(crate) fn from_options(options: Option<&Record<'static>>) -> Result<Self, Error> {
        Options::new("binary", options).finish()?;
        Ok(BinaryCodec)
    }

    pub(crate) fn decode<'a>(&self, data: &'a [u8]) -> Value<'a> {
        Value::Bytes(Cow::Borrowed(data))
    }

    pub(crate) fn encode(&self, value: &Value<'_>, out: &mut Vec<u8>) -> Result<(), Error> {
        match value {
            Value::Bytes(b) => out.extend_from_slice(b),
            Value::String(s) => out.extend_from_slice(s.as_bytes()),
            other => {
                return Err(Error::Encode {
                    codec: "binary",
                    message: format!("expected binary or string, got {}", other.value_type()),
                })
            }
        }
        Ok(())
    }
}
