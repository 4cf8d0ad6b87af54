//! `string`: the frame as one UTF-8 string.

use std::borrow::Cow;

use sluice_script::{write_json, Record, Value};

use crate::{options::Options, Error};

/// String codec. Decoding rejects invalid UTF-8; encoding writes strings as they are and
/// any other value as JSON.
#[derive(Debug, Default)]
pub struct StringCodec;

impl StringCodec {
    pub(crate) fn from_options(options: Option<&Record<'static>>) -> Result<Self, Error> {
        Options::new("string", options).finish()?;
        Ok(StringCodec)
    }

    pub(crate) fn decode<'a>(&self, data: &'a [u8]) -> Result<Value<'a>, Error> {
        match std::str::from_utf8(data) {
            Ok(s) => Ok(Value::String(Cow::Borrowed(s))),
            Err(e) => Err(Error::Decode {
                codec: "string",
                message: format!("invalid UTF-8 at byte {}", e.valid_up_to()),
            }),
        }
    }

    pub(crate) fn encode(&self, value: &Value<'_>, out: &mut Vec<u8>) {
        match value {
            Value::String(s) => out.extend_from_slice(s.as_bytes()),
            Value::Bytes(b) => out.extend_from_slice(b),
            other => write_json(other, out),
        }
    }
}
