//! Postprocessors: an encoded event's bytes in, framed bytes out.
//!
//! The engine encodes an event straight into the outgoing batch buffer and then lets each
//! postprocessor rewrite the tail `buf[start..]` in place, so the common chain (`separate`)
//! only appends a byte.

mod separate;

use sluice_script::Record;

use crate::{options::did_you_mean, Error};

pub use separate::SeparatePost;

/// Every postprocessor name the config accepts.
pub const POSTPROCESSOR_NAMES: &[&str] = &["separate"];

/// A postprocessor instance.
#[derive(Debug)]
pub enum Postprocessor {
    /// Append a separator byte.
    Separate(SeparatePost),
}

impl Postprocessor {
    /// Builds the postprocessor called `name` with `options`.
    ///
    /// # Errors
    /// Unknown name (with a suggestion) or bad options.
    pub fn from_spec(name: &str, options: Option<&Record<'static>>) -> Result<Self, Error> {
        match name {
            "separate" => SeparatePost::from_options(options).map(Postprocessor::Separate),
            _ => Err(Error::UnknownName {
                kind: "postprocessor",
                name: name.to_string(),
                hint: did_you_mean(name, POSTPROCESSOR_NAMES),
            }),
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
        let _ = (start, splits);
        match self {
            Postprocessor::Separate(s) => {
                s.process(buf);
                Ok(())
            }
        }
    }
}
