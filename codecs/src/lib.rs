//! # sluice-codecs
//!
//! Pure, I/O-free formats. Every component is picked by name from the config with a plain
//! `match` and gets its options as a record:
//! - [`Preprocessor`] / [`PreprocessorChain`]: bytes of a stream to frames: `separate`,
//!   `length-prefixed`, `textual-length-prefixed`, `gelf-chunking`, `decompress`, `base64`,
//!   `remove-empty`.
//! - [`Codec`]: a frame to a [`sluice_script::Value`] and back: `json`, `string`, `binary`,
//!   `msgpack`, `yaml`, `elastic-bulk` (encode only), ...
//! - [`Postprocessor`] / [`PostprocessorChain`]: an encoded frame to the bytes that go on the
//!   wire: `separate`, `length-prefixed`, `textual-length-prefixed`, `gelf-chunking`,
//!   `compress`, `base64`.
//!
//! Chains are built from config entries, a name or `{ name = ..., options... }`; a bad entry
//! is a config error naming its position ([`Error::InChain`]). Preprocessors that drop data
//! report it as an error frame (counted by the engine by [`Error::kind`]) and in counters
//! ([`PreprocessorChain::counters`]).
//!
//! Limits (all configurable, production defaults):
//!
//! | processor | option | default |
//! |---|---|---|
//! | `separate` | `max_length` | 1 MiB |
//! | `length-prefixed` | `max_length` | 16 MiB |
//! | `textual-length-prefixed` | `max_length` | 1 MiB |
//! | `decompress` | `max_size` (output) | 16 MiB |
//! | `gelf-chunking` | `max_message_size` / `max_in_flight` / `max_buffered` / `timeout` | 2 MiB / 1024 / 64 MiB / 5 s |
//! | `gelf-chunking` (post) | `chunk_size` | 1420 bytes |
//! | `msgpack`, `yaml`, `json` | nesting depth | 512 |
//!
//! ```
//! use sluice_codecs::{Codec, Preprocessor, PreprocessorChain};
//!
//! let mut pre = PreprocessorChain::new(vec![Preprocessor::from_spec("separate", None).unwrap()]);
//! let mut codec = Codec::from_spec("json", None).unwrap();
//! let mut frames = Vec::new();
//! pre.process(0, b"{\"a\":1}\n{\"a\":2}\n", &mut |f| frames.push(f.unwrap().to_vec()));
//! let mut out = Vec::new();
//! for mut f in frames {
//!     let v = codec.decode(&mut f, 0).unwrap().unwrap();
//!     codec.encode(&v, &sluice_script::Value::Null, &mut out).unwrap();
//! }
//! assert_eq!(out, b"{\"a\":1}{\"a\":2}");
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod codec;
mod compression;
mod error;
mod options;
mod post;
mod pre;
mod quantity;

pub use codec::{BinaryCodec, ElasticBulkCodec};
pub use codec::{Codec, JsonCodec, StringCodec, CODEC_NAMES};
pub use codec::{CsvCodec, GelfCodec, StatsdCodec, SyslogCodec};
pub use codec::{InfluxCodec, InfluxLines, Precision, Transcoded};
pub use compression::{decompress_into, Algorithm, Compressor, Levels, ALGORITHM_NAMES};
pub use error::Error;
pub use options::{did_you_mean, Options};
pub use post::{
    Base64Post, Compress, GelfChunkingPost, LengthPrefixedPost, PostprocessorChain,
    TextualLengthPrefixedPost,
};
pub use post::{Postprocessor, SeparatePost, POSTPROCESSOR_NAMES};
pub use pre::{
    gelf_chunk_header, Base64Pre, Decompress, GelfChunking, LengthPrefixed, RemoveEmpty,
    TextualLengthPrefixed,
};
pub use pre::{FrameResult, Preprocessor, PreprocessorChain, Separate, PREPROCESSOR_NAMES};
pub use quantity::{parse_duration_ns, parse_size};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_documented_name_resolves() {
        for n in CODEC_NAMES {
            assert!(Codec::from_spec(n, None).is_ok(), "{n}");
        }
        for n in PREPROCESSOR_NAMES {
            assert!(Preprocessor::from_spec(n, None).is_ok(), "{n}");
        }
        // `compress` has no default algorithm (as in tremor): it needs one option.
        let gzip: sluice_script::Record<'static> =
            [("algorithm", sluice_script::Value::from("gzip"))]
                .into_iter()
                .collect();
        for n in POSTPROCESSOR_NAMES {
            let opts = (*n == "compress").then_some(&gzip);
            assert!(Postprocessor::from_spec(n, opts).is_ok(), "{n}");
        }
        assert!(matches!(
            Postprocessor::from_spec("compress", None),
            Err(Error::BadOption { .. })
        ));
        assert!(matches!(
            Codec::from_spec("jsno", None),
            Err(Error::UnknownName { ref hint, .. }) if hint.contains("json")
        ));
    }
}
