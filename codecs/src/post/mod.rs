//! Postprocessors: an encoded event's bytes in, framed bytes out.
//!
//! The engine encodes an event straight into the outgoing batch buffer and then lets each
//! postprocessor rewrite the tail `buf[start..]` in place, so the common chain (`separate`)
//! only appends a byte.

mod base64;
mod compress;
mod gelf_chunking;
mod length_prefixed;
mod separate;
mod textual_length_prefixed;

use sluice_script::{Record, Value};

use crate::{
    options::did_you_mean,
    pre::{at_position, split_spec},
    Error,
};

pub use self::base64::Base64Post;
pub use compress::Compress;
pub use gelf_chunking::GelfChunkingPost;
pub use length_prefixed::LengthPrefixedPost;
pub use separate::SeparatePost;
pub use textual_length_prefixed::TextualLengthPrefixedPost;

/// Every postprocessor name the config accepts.
pub const POSTPROCESSOR_NAMES: &[&str] = &[
    "separate",
    "length-prefixed",
    "textual-length-prefixed",
    "gelf-chunking",
    "compress",
    "base64",
];

/// A postprocessor instance.
#[derive(Debug)]
pub enum Postprocessor {
    /// Append a separator byte.
    Separate(SeparatePost),
    /// Binary big-endian length prefix.
    LengthPrefixed(LengthPrefixedPost),
    /// Decimal octet counting (RFC 6587).
    TextualLengthPrefixed(TextualLengthPrefixedPost),
    /// GELF UDP chunks; must be last in a chain.
    GelfChunking(GelfChunkingPost),
    /// Compression.
    Compress(Compress),
    /// Base64 encoding.
    Base64(Base64Post),
}

impl Postprocessor {
    /// Builds the postprocessor called `name` with `options`.
    ///
    /// # Errors
    /// Unknown name (with a suggestion) or bad options.
    pub fn from_spec(name: &str, options: Option<&Record<'static>>) -> Result<Self, Error> {
        match name {
            "separate" => SeparatePost::from_options(options).map(Postprocessor::Separate),
            "length-prefixed" => {
                LengthPrefixedPost::from_options(options).map(Postprocessor::LengthPrefixed)
            }
            "textual-length-prefixed" => TextualLengthPrefixedPost::from_options(options)
                .map(Postprocessor::TextualLengthPrefixed),
            "gelf-chunking" => {
                GelfChunkingPost::from_options(options).map(Postprocessor::GelfChunking)
            }
            "compress" => Compress::from_options(options).map(Postprocessor::Compress),
            "base64" => Base64Post::from_options(options).map(Postprocessor::Base64),
            _ => Err(Error::UnknownName {
                kind: "postprocessor",
                name: name.to_string(),
                hint: did_you_mean(name, POSTPROCESSOR_NAMES),
            }),
        }
    }

    /// The config name.
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            Postprocessor::Separate(_) => "separate",
            Postprocessor::LengthPrefixed(_) => "length-prefixed",
            Postprocessor::TextualLengthPrefixed(_) => "textual-length-prefixed",
            Postprocessor::GelfChunking(_) => "gelf-chunking",
            Postprocessor::Compress(_) => "compress",
            Postprocessor::Base64(_) => "base64",
        }
    }

    /// Rewrites the frame `buf[start..]` in place. Postprocessors that cut one event into
    /// several frames (datagram chunking) push the end offset of every frame but the last
    /// onto `splits`.
    ///
    /// # Errors
    /// When the frame cannot be processed (it is then dropped and counted by the engine).
    pub fn process(
        &mut self,
        buf: &mut Vec<u8>,
        start: usize,
        splits: &mut Vec<usize>,
    ) -> Result<(), Error> {
        match self {
            Postprocessor::Separate(s) => {
                s.process(buf);
                Ok(())
            }
            Postprocessor::LengthPrefixed(p) => p.process(buf, start),
            Postprocessor::TextualLengthPrefixed(p) => p.process(buf, start),
            Postprocessor::GelfChunking(p) => p.process(buf, start, splits),
            Postprocessor::Compress(p) => p.process(buf, start),
            Postprocessor::Base64(p) => {
                p.process(buf, start);
                Ok(())
            }
        }
    }
}

/// A sink's postprocessors, applied in order to each encoded frame.
#[derive(Debug, Default)]
pub struct PostprocessorChain {
    stages: Vec<Postprocessor>,
}

impl PostprocessorChain {
    /// A chain of already-built stages.
    ///
    /// # Errors
    /// [`Error::InChain`] if anything follows `gelf-chunking`: the datagram boundaries it
    /// reports would no longer match the bytes.
    pub fn new(stages: Vec<Postprocessor>) -> Result<Self, Error> {
        if let Some(i) = stages
            .iter()
            .position(|s| matches!(s, Postprocessor::GelfChunking(_)))
        {
            if i + 1 < stages.len() {
                return Err(Error::InChain {
                    list: "postprocessors",
                    index: i + 1,
                    error: Box::new(Error::BadOption {
                        component: "postprocessors",
                        option: stages[i + 1].name().into(),
                        message: "nothing may follow `gelf-chunking`".into(),
                    }),
                });
            }
        }
        Ok(PostprocessorChain { stages })
    }

    /// Builds a chain from config entries (see [`crate::PreprocessorChain::from_specs`]).
    ///
    /// # Errors
    /// [`Error::InChain`] naming the position of the first bad entry.
    pub fn from_specs(specs: &[Value<'static>]) -> Result<Self, Error> {
        let mut stages = Vec::with_capacity(specs.len());
        for (i, spec) in specs.iter().enumerate() {
            let (name, opts) = split_spec("postprocessors", i, spec)?;
            stages.push(at_position(
                "postprocessors",
                i,
                Postprocessor::from_spec(name, opts.as_ref()),
            )?);
        }
        PostprocessorChain::new(stages)
    }

    /// The stages, in order.
    #[must_use]
    pub fn stages(&self) -> &[Postprocessor] {
        &self.stages
    }

    /// The byte an encoded event must not contain for its frame to stay one frame: the
    /// separator when the chain starts with `separate` (an event holding it, or ending
    /// with it, would come out as several frames or with an empty one). `None` when any
    /// bytes frame safely (length prefixes, datagrams, no postprocessor).
    #[must_use]
    pub fn forbidden_byte(&self) -> Option<u8> {
        match self.stages.first() {
            Some(Postprocessor::Separate(s)) => Some(s.separator()),
            _ => None,
        }
    }

    /// Runs every stage over the frame `buf[start..]`. Frame boundaries for datagram sinks
    /// (absolute offsets into `buf`, every frame's end but the last) are pushed to `splits`.
    ///
    /// # Errors
    /// The first stage's error; `buf` is then truncated back to `start` (the frame is gone)
    /// and `splits` back to its length on entry.
    pub fn process(
        &mut self,
        buf: &mut Vec<u8>,
        start: usize,
        splits: &mut Vec<usize>,
    ) -> Result<(), Error> {
        let splits_len = splits.len();
        for s in &mut self.stages {
            if let Err(e) = s.process(buf, start, splits) {
                buf.truncate(start);
                splits.truncate(splits_len);
                return Err(e);
            }
        }
        Ok(())
    }
}
