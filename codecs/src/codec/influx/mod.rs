//! `influx`: InfluxDB line protocol, one entry per frame, as
//! `{measurement, tags, fields, timestamp}` (tremor's shape).
//!
//! - Field types survive a round trip: `1i` is an integer, `1u` an unsigned integer (kept as
//!   `U64` even when small), `1` and `1.0` floats, `t`/`true`/... booleans, `"..."` strings.
//! - `timestamp` is nanoseconds since the epoch; an entry without one gets the ingest time
//!   (truncated to the precision), as tremor does.
//! - Blank lines and `#` comments decode to no event; a frame with more than one entry is an
//!   error (put a line splitting preprocessor in front). [`InfluxCodec::lines`] walks a whole
//!   batch (an HTTP `/write` body) instead.
//!
//! Options: `precision` (`"ns"` default, `"us"`, `"ms"`, `"s"`): the unit of timestamps on
//! the wire, for decoding and encoding. `sort_tags` (default `true`): write tags in key
//! order, which InfluxDB stores fastest and its reference encoder requires.

mod decode;
mod encode;
mod json_float;
mod transcode;
mod value;

use sluice_script::{Record, Value};

use crate::{options::Options, Error};

use decode::Parser;
pub use transcode::Transcoded;
pub use value::Precision;

/// The influx codec.
#[derive(Debug)]
pub struct InfluxCodec {
    precision: Precision,
    sort_tags: bool,
    order: Vec<usize>,
    /// Scratch of [`InfluxCodec::transcode_json`]: where the keys written so far are.
    keys: Vec<transcode::KeySpan>,
}

impl InfluxCodec {
    pub(crate) fn from_options(options: Option<&Record<'static>>) -> Result<Self, Error> {
        let mut o = Options::new("influx", options);
        let precision = match o.string("precision")? {
            None => Precision::Nanoseconds,
            Some(p) => Precision::parse(p).ok_or_else(|| {
                o.error(
                    "precision",
                    format!("`{p}` is not a precision (one of \"ns\", \"us\", \"ms\", \"s\")"),
                )
            })?,
        };
        let sort_tags = o.bool("sort_tags")?.unwrap_or(true);
        o.finish()?;
        Ok(InfluxCodec {
            precision,
            sort_tags,
            order: Vec::new(),
            keys: Vec::with_capacity(16),
        })
    }

    /// The configured timestamp precision.
    #[must_use]
    pub fn precision(&self) -> Precision {
        self.precision
    }

    /// Iterates over every entry in `data` (many lines); entries without a timestamp get
    /// `ingest_ns`. A bad line yields an error and the walk carries on with the next line.
    #[must_use]
    pub fn lines<'a>(&self, data: &'a [u8], ingest_ns: u64) -> InfluxLines<'a> {
        InfluxLines {
            parser: Parser::new(data, self.precision, clock(ingest_ns)),
        }
    }

    pub(crate) fn decode<'a>(
        &self,
        data: &'a [u8],
        ingest_ns: u64,
    ) -> Result<Option<Value<'a>>, Error> {
        let mut p = Parser::new(data, self.precision, clock(ingest_ns));
        match p.next_entry() {
            None => Ok(None),
            Some(Err(e)) => Err(e),
            Some(Ok(v)) if p.at_end() => Ok(Some(v)),
            Some(Ok(_)) => Err(Error::Decode {
                codec: "influx",
                message: "frame holds more than one line; split lines with a preprocessor".into(),
            }),
        }
    }

    /// Appends to `out` exactly what the `json` codec (unsorted) appends for the event that
    /// [`Codec::decode`](crate::Codec::decode) makes of `frame`, without building it; or
    /// appends nothing and says to decode (errors, frames without an entry, repeated field
    /// keys, lines with many keys). See `transcode.rs`.
    pub fn transcode_json(
        &mut self,
        frame: &[u8],
        ingest_ns: u64,
        out: &mut Vec<u8>,
    ) -> Transcoded {
        transcode::transcode(frame, self.precision, clock(ingest_ns), &mut self.keys, out)
    }

    pub(crate) fn encode(&mut self, value: &Value<'_>, out: &mut Vec<u8>) -> Result<(), Error> {
        encode::encode(
            value,
            self.precision.factor(),
            self.sort_tags,
            &mut self.order,
            out,
        )
    }
}

fn clock(ingest_ns: u64) -> i64 {
    i64::try_from(ingest_ns).unwrap_or(i64::MAX)
}

/// The entries of a batch of line protocol; see [`InfluxCodec::lines`].
pub struct InfluxLines<'a> {
    parser: Parser<'a>,
}

impl<'a> Iterator for InfluxLines<'a> {
    type Item = Result<Value<'a>, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        self.parser.next_entry()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codec() -> InfluxCodec {
        InfluxCodec::from_options(None).unwrap()
    }

    #[test]
    fn one_entry_per_frame() {
        let c = codec();
        assert!(c.decode(b"# just a comment\n\n", 0).unwrap().is_none());
        assert!(c.decode(b"cpu v=1\n", 0).unwrap().is_some());
        assert!(c.decode(b"cpu v=1\ncpu v=2\n", 0).is_err());
        let all: Vec<_> = c.lines(b"cpu v=1\nbad\ncpu v=2\n", 5).collect();
        assert_eq!(all.len(), 3);
        assert!(all[0].is_ok() && all[1].is_err() && all[2].is_ok());
    }

    #[test]
    fn options_are_checked() {
        let r: Record<'static> = [("precision", Value::from("fortnights"))]
            .into_iter()
            .collect();
        assert!(InfluxCodec::from_options(Some(&r)).is_err());
        let r: Record<'static> = [("precison", Value::from("s"))].into_iter().collect();
        assert!(InfluxCodec::from_options(Some(&r)).is_err());
        let r: Record<'static> = [("precision", Value::from("s"))].into_iter().collect();
        let mut c = InfluxCodec::from_options(Some(&r)).unwrap();
        let src = b"m,b=2,a=1 f=1.5 1700000000".to_vec();
        let v = c.decode(&src, 0).unwrap().unwrap();
        let mut buf = Vec::new();
        c.encode(&v, &mut buf).unwrap();
        assert_eq!(buf, b"m,a=1,b=2 f=1.5 1700000000");
    }
}
