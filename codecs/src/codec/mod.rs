//! Codecs: bytes of one frame to a [`Value`] and back.

mod binary;
mod csv;
mod elastic_bulk;
mod gelf;
mod influx;
mod json;
mod msgpack;
mod statsd;
mod string;
mod syslog;
mod yaml;
mod yaml_encode;

use sluice_script::{JsonPatch, Record, Value};

use crate::{options::did_you_mean, Error};

pub use binary::BinaryCodec;
pub use csv::CsvCodec;
pub use elastic_bulk::ElasticBulkCodec;
pub use gelf::GelfCodec;
pub use influx::{InfluxCodec, InfluxLines, Precision, Transcoded};
pub use json::JsonCodec;
pub use statsd::StatsdCodec;
pub use string::StringCodec;
pub use syslog::SyslogCodec;

/// Every codec name the config accepts.
pub const CODEC_NAMES: &[&str] = &[
    "json",
    "string",
    "binary",
    "msgpack",
    "yaml",
    "elastic-bulk",
    "influx",
    "syslog",
    "gelf",
    "statsd",
    "dogstatsd",
    "csv",
];

/// A codec instance; one per source or sink per shard (they keep scratch buffers).
#[derive(Debug)]
pub enum Codec {
    /// JSON (simd-json).
    Json(JsonCodec),
    /// UTF-8 text, one string per frame.
    String(StringCodec),
    /// The frame as one binary value.
    Binary(BinaryCodec),
    /// MessagePack.
    Msgpack,
    /// YAML, one document per frame.
    Yaml,
    /// Elasticsearch bulk NDJSON (encode only).
    ElasticBulk(ElasticBulkCodec),
    /// InfluxDB line protocol.
    Influx(InfluxCodec),
    /// Syslog, RFC 5424 and RFC 3164.
    Syslog(SyslogCodec),
    /// GELF 1.1.
    Gelf(GelfCodec),
    /// StatsD, or DogStatsD.
    Statsd(StatsdCodec),
    /// CSV (RFC 4180), one record per frame.
    Csv(CsvCodec),
}

impl Codec {
    /// Builds the codec called `name` with `options`.
    ///
    /// # Errors
    /// Unknown name (with a suggestion) or bad options.
    pub fn from_spec(name: &str, options: Option<&Record<'static>>) -> Result<Self, Error> {
        match name {
            "json" => JsonCodec::from_options(options).map(Codec::Json),
            "string" => StringCodec::from_options(options).map(Codec::String),
            "binary" => BinaryCodec::from_options(options).map(Codec::Binary),
            "msgpack" => crate::Options::new("msgpack", options)
                .finish()
                .map(|()| Codec::Msgpack),
            "yaml" => crate::Options::new("yaml", options)
                .finish()
                .map(|()| Codec::Yaml),
            "elastic-bulk" => ElasticBulkCodec::from_options(options).map(Codec::ElasticBulk),
            "influx" => InfluxCodec::from_options(options).map(Codec::Influx),
            "syslog" => SyslogCodec::from_options(options).map(Codec::Syslog),
            "gelf" => GelfCodec::from_options(options).map(Codec::Gelf),
            "statsd" => StatsdCodec::from_options("statsd", options).map(Codec::Statsd),
            "dogstatsd" => StatsdCodec::from_options("dogstatsd", options).map(Codec::Statsd),
            "csv" => CsvCodec::from_options(options).map(Codec::Csv),
            _ => Err(Error::UnknownName {
                kind: "codec",
                name: name.to_string(),
                hint: did_you_mean(name, CODEC_NAMES),
            }),
        }
    }

    /// The codec's config name.
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            Codec::Json(_) => "json",
            Codec::String(_) => "string",
            Codec::Binary(_) => "binary",
            Codec::Msgpack => "msgpack",
            Codec::Yaml => "yaml",
            Codec::ElasticBulk(_) => "elastic-bulk",
            Codec::Influx(_) => "influx",
            Codec::Syslog(_) => "syslog",
            Codec::Gelf(_) => "gelf",
            Codec::Statsd(c) if c.is_dog() => "dogstatsd",
            Codec::Statsd(_) => "statsd",
            Codec::Csv(_) => "csv",
        }
    }

    /// Decodes one frame. `data` may be rewritten in place (simd-json unescapes there), and
    /// the value borrows from it. `Ok(None)` means the frame carried no event.
    ///
    /// # Errors
    /// [`Error::Decode`] when the frame is not valid for this codec.
    pub fn decode<'a>(
        &mut self,
        data: &'a mut [u8],
        ingest_ns: u64,
    ) -> Result<Option<Value<'a>>, Error> {
        let _ = ingest_ns;
        match self {
            Codec::Json(c) => c.decode(data).map(Some),
            Codec::String(c) => c.decode(data).map(Some),
            Codec::Binary(c) => Ok(Some(c.decode(data))),
            Codec::Msgpack => msgpack::decode(data).map(Some),
            Codec::Yaml => yaml::decode(data).map(Some),
            Codec::ElasticBulk(_) => Err(ElasticBulkCodec::decode_error()),
            Codec::Influx(c) => c.decode(data, ingest_ns),
            Codec::Syslog(c) => c.decode(data, ingest_ns),
            Codec::Gelf(c) => c.decode(data, ingest_ns).map(Some),
            Codec::Statsd(c) => c.decode(data),
            Codec::Csv(c) => c.decode(data),
        }
    }

    /// For a JSON source whose script touches only `patch`'s top-level fields
    /// ([`sluice_script::Script::event_fields`]): decodes `data`, a copy of `frame`, building
    /// only those fields where the frame allows it (`(value, true)`: encode it with
    /// [`Codec::encode_patch`]), else the whole event (`(value, false)`). `Ok(None)` for other
    /// codecs (decode instead).
    ///
    /// # Errors
    /// The same errors [`Codec::decode`] gives.
    pub fn decode_patch<'a>(
        &mut self,
        data: &'a mut [u8],
        frame: &[u8],
        patch: &mut JsonPatch,
    ) -> Result<Option<(Value<'a>, bool)>, Error> {
        match self {
            Codec::Json(c) => c.decode_patch(data, frame, patch).map(Some),
            _ => Ok(None),
        }
    }

    /// True for a sink codec that writes [`Codec::encode_patch`]: unsorted JSON.
    #[must_use]
    pub fn writes_patches(&self) -> bool {
        matches!(self, Codec::Json(c) if !c.sorted())
    }

    /// Appends what [`Codec::encode`] appends for the whole event, given the partial record
    /// `value` that [`Codec::decode_patch`] made of `frame` (after a script changed it).
    ///
    /// # Errors
    /// [`Error::Encode`] for a codec without [`Codec::writes_patches`].
    pub fn encode_patch(
        &mut self,
        value: &Value<'_>,
        patch: &JsonPatch,
        frame: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), Error> {
        if !self.writes_patches() {
            return Err(Error::Encode {
                codec: self.name(),
                message: "internal: a partial event reached a codec that cannot patch".into(),
            });
        }
        patch.write(value, frame, out);
        Ok(())
    }

    /// Checks that `data` decodes, without building a value. Passthrough pipelines use this
    /// and forward the original bytes. `data` may be clobbered.
    ///
    /// # Errors
    /// The same errors [`Codec::decode`] gives.
    pub fn validate(&mut self, data: &mut [u8]) -> Result<(), Error> {
        match self {
            Codec::Json(c) => c.validate(data),
            Codec::String(c) => c.decode(data).map(|_| ()),
            Codec::Binary(_) => Ok(()),
            Codec::Msgpack => msgpack::decode(data).map(|_| ()),
            Codec::Yaml => yaml::decode(data).map(|_| ()),
            Codec::ElasticBulk(_) => Err(ElasticBulkCodec::decode_error()),
            Codec::Influx(c) => c.decode(data, 0).map(|_| ()),
            Codec::Syslog(c) => c.decode(data, 0).map(|_| ()),
            Codec::Gelf(c) => c.decode(data, 0).map(|_| ()),
            Codec::Statsd(c) => c.decode(data).map(|_| ()),
            Codec::Csv(c) => c.decode(data).map(|_| ()),
        }
    }

    /// Appends the encoding of `value` (with its metadata `meta`) to `out`.
    ///
    /// # Errors
    /// [`Error::Encode`] when the value has no encoding in this format.
    pub fn encode(
        &mut self,
        value: &Value<'_>,
        meta: &Value<'_>,
        out: &mut Vec<u8>,
    ) -> Result<(), Error> {
        match self {
            Codec::Json(c) => {
                c.encode(value, out);
                Ok(())
            }
            Codec::String(c) => {
                c.encode(value, out);
                Ok(())
            }
            Codec::Binary(c) => c.encode(value, out),
            Codec::Msgpack => msgpack::encode(value, out),
            Codec::Yaml => {
                yaml_encode::encode(value, out);
                Ok(())
            }
            Codec::ElasticBulk(c) => c.encode(value, meta, out),
            Codec::Influx(c) => c.encode(value, out),
            Codec::Syslog(c) => c.encode(value, out),
            Codec::Gelf(c) => c.encode(value, out),
            Codec::Statsd(c) => c.encode(value, out),
            Codec::Csv(c) => c.encode(value, out),
        }
    }

    /// False for encode-only codecs (`elastic-bulk`): a source cannot use them.
    #[must_use]
    pub fn decodes(&self) -> bool {
        !matches!(self, Codec::ElasticBulk(_))
    }

    /// True when decoding depends on earlier frames of the same stream (a CSV header row):
    /// the engine then gives every connection its own decoder instead of one per source.
    #[must_use]
    pub fn has_stream_state(&self) -> bool {
        match self {
            Codec::Csv(c) => c.has_stream_state(),
            _ => false,
        }
    }

    /// For a sink: the header its output starts with (CSV `header = true`), which the sink
    /// writes once per file; this encoder then writes rows only. See
    /// [`CsvCodec::detach_header`].
    ///
    /// # Errors
    /// A header that cannot be known before the first event (CSV without `columns`).
    pub fn detach_header(&mut self) -> Result<Option<Vec<u8>>, Error> {
        match self {
            Codec::Csv(c) => c.detach_header(),
            _ => Ok(None),
        }
    }

    /// True when this (source) codec can write `sink`'s encoding of a frame's event
    /// directly with [`Codec::transcode`]: Influx line protocol or syslog into unsorted JSON.
    #[must_use]
    pub fn transcodes_to(&self, sink: &Codec) -> bool {
        matches!((self, sink), (Codec::Influx(_) | Codec::Syslog(_), Codec::Json(o)) if !o.sorted())
    }

    /// Appends to `out` what a sink for which [`Codec::transcodes_to`] holds would encode
    /// for the event [`Codec::decode`] makes of `frame`, byte for byte, and returns true;
    /// or appends nothing and returns false (decode and encode instead: errors, frames
    /// without an event, and shapes the one-pass writer leaves to the decoder).
    pub fn transcode(&mut self, frame: &[u8], ingest_ns: u64, out: &mut Vec<u8>) -> bool {
        match self {
            Codec::Influx(c) => c.transcode_json(frame, ingest_ns, out) == Transcoded::Json,
            Codec::Syslog(c) => c.transcode_json(frame, ingest_ns, out),
            _ => false,
        }
    }

    /// True when re-emitting the bytes this codec decoded from is a faithful encoding of an
    /// unchanged event in `other`'s format, so the engine can skip decode and encode.
    #[must_use]
    pub fn passes_through_to(&self, other: &Codec) -> bool {
        match (self, other) {
            (Codec::Json(_), Codec::Json(o)) => !o.sorted(),
            (Codec::String(_), Codec::String(_)) => true,
            (Codec::Binary(_), Codec::Binary(_)) => true,
            (Codec::Msgpack, Codec::Msgpack) => true,
            (Codec::Yaml, Codec::Yaml) => true,
            (Codec::Influx(a), Codec::Influx(b)) => a.precision() == b.precision(),
            (Codec::Statsd(a), Codec::Statsd(b)) => a.is_dog() == b.is_dog(),
            _ => false,
        }
    }
}
