//! `json`: one JSON document per frame.

use sluice_script::{write_json, write_json_sorted, JsonDecoder, Record, Value};

use crate::{options::Options, Error};

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
        self.decoder.decode(data).map_err(|e| Error::Decode {
            codec: "json",
            message: e.to_string(),
        })
    }

    pub(crate) fn validate(&mut self, data: &mut [u8]) -> Result<(), Error> {
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
