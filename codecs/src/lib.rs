//! # sluice-codecs
//!
//! Pure, I/O-free formats. Every component is picked by name from the config with a plain
//! `match` and gets its options as a record:
//! - [`Preprocessor`] / [`PreprocessorChain`]: bytes of a stream to frames (`separate`, ...).
//! - [`Codec`]: a frame to a [`sluice_script::Value`] and back (`json`, `string`, ...).
//! - [`Postprocessor`]: an encoded frame to the bytes that go on the wire (`separate`, ...).
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
mod error;
mod options;
mod post;
mod pre;

pub use codec::{Codec, JsonCodec, StringCodec, CODEC_NAMES};
pub use codec::{CsvCodec, GelfCodec, StatsdCodec, SyslogCodec};
pub use codec::{InfluxCodec, InfluxLines, Precision};
pub use error::Error;
pub use options::{did_you_mean, parse_size, Options};
pub use post::{Postprocessor, SeparatePost, POSTPROCESSOR_NAMES};
pub use pre::{FrameResult, Preprocessor, PreprocessorChain, Separate, PREPROCESSOR_NAMES};

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
        for n in POSTPROCESSOR_NAMES {
            assert!(Postprocessor::from_spec(n, None).is_ok(), "{n}");
        }
        assert!(matches!(
            Codec::from_spec("jsno", None),
            Err(Error::UnknownName { ref hint, .. }) if hint.contains("json")
        ));
    }
}
