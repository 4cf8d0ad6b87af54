//! `json`: one JSON document per frame.

use sluice_script::{write_json, write_json_sorted, JsonDecoder, JsonPatch, Record, Value};

use crate::{options::Options, Error};

/// simd-json stops reading a top-level number or literal at a NUL byte and ignores the rest
/// (`123\0abc` decodes as 123; JSONTestSuite `n_multidigit_number_then_00`). A raw NUL is
/// never valid JSON, so scalar documents containing one are rejected here. Arrays, objects and
/// strings are rejected by simd-json itself, so only scalar documents pay for the scan.
fn reject_scalar_with_nul(data: &[u8]) -> Result<(), Error> {
    match data
        .iter()
        .find(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
    {
        Some(b'{' | b'[' | b'"') | None => Ok(()),
        Some(_) => match memchr::memchr(0, data) {
            None => Ok(()),
            Some(at) => Err(Error::Decode {
                codec: "json",
                message: format!("invalid JSON at byte {at}: NUL byte"),
            }),
        },
    }
}

/// JSON codec; `sorted = true` writes record keys in sorted order.
#[derive(Debug, Default)]
pub struct JsonCodec {
    decoder: JsonDecoder,
    sorted: bool,
}

impl JsonCodec {
    pub(crate) fn from_options(options: Option<&Record<'static>>) -> Result<Self, Error> {
        let mut o = Options::new("json", options);
        let sorted = o.bool("sorted")?.unwrap_or(false);
        o.finish()?;
        Ok(JsonCodec {
            decoder: JsonDecoder::new(),
            sorted,
        })
    }

    pub(crate) fn sorted(&self) -> bool {
        self.sorted
    }

    pub(crate) fn decode<'a>(&mut self, data: &'a mut [u8]) -> Result<Value<'a>, Error> {
        reject_scalar_with_nul(data)?;
        self.decoder.decode(data).map_err(|e| Error::Decode {
            codec: "json",
            message: e.to_string(),
        })
    }

    /// [`JsonCodec::decode`] for a script that touches only `patch`'s top-level fields
    /// (see [`JsonDecoder::decode_patch`]): the same validation, the same errors; `true`
    /// with a record of those fields only, to be encoded with [`JsonPatch::write`].
    pub(crate) fn decode_patch<'a>(
        &mut self,
        data: &'a mut [u8],
        frame: &[u8],
        patch: &mut JsonPatch,
    ) -> Result<(Value<'a>, bool), Error> {
        reject_scalar_with_nul(data)?;
        self.decoder
            .decode_patch(data, frame, patch)
            .map_err(|e| Error::Decode {
                codec: "json",
                message: e.to_string(),
            })
    }

    pub(crate) fn validate(&mut self, data: &mut [u8]) -> Result<(), Error> {
        reject_scalar_with_nul(data)?;
        self.decoder.validate(data).map_err(|e| Error::Decode {
            codec: "json",
            message: e.to_string(),
        })
    }

    pub(crate) fn encode(&self, value: &Value<'_>, out: &mut Vec<u8>) {
        if self.sorted {
            write_json_sorted(value, out);
        } else {
            write_json(value, out);
        }
    }
}
