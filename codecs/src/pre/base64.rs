//! `base64` (preprocessor): each frame is base64 text; hands on the decoded bytes.
//!
//! The standard alphabet with padding (RFC 4648 section 4), as tremor; `alphabet =
//! "url_safe"` selects section 5. Surrounding ASCII whitespace (a trailing `\r` from a
//! CRLF stream) is ignored. Invalid input is dropped as [`Error::Framing`] and counted.

use base64::Engine as _;
use sluice_script::Record;

use super::{release, FrameResult};
use crate::{options::Options, Error};

/// Base64 decoding state (a reusable output buffer).
#[derive(Debug)]
pub struct Base64Pre {
    url_safe: bool,
    out: Vec<u8>,
    invalid: u64,
}

impl Base64Pre {
    pub(crate) fn from_options(options: Option<&Record<'static>>) -> Result<Self, Error> {
        let mut o = Options::new("base64", options);
        let url_safe = match o.string("alphabet")? {
            None | Some("standard") => false,
            Some("url_safe") => true,
            Some(other) => {
                return Err(o.error(
                    "alphabet",
                    format!("expected \"standard\" or \"url_safe\", got {other:?}"),
                ))
            }
        };
        o.finish()?;
        Ok(Base64Pre {
            url_safe,
            out: Vec::new(),
            invalid: 0,
        })
    }

    pub(crate) fn process(&mut self, input: &[u8], emit: &mut dyn FnMut(FrameResult<'_>)) {
        let text = input.trim_ascii();
        self.out.clear();
        let r = if self.url_safe {
            base64::engine::general_purpose::URL_SAFE.decode_vec(text, &mut self.out)
        } else {
            base64::engine::general_purpose::STANDARD.decode_vec(text, &mut self.out)
        };
        match r {
            Ok(()) => emit(Ok(&self.out)),
            Err(e) => {
                self.invalid += 1;
                emit(Err(Error::Framing {
                    component: "base64",
                    message: e.to_string(),
                }));
            }
        }
        self.out.clear();
        release(&mut self.out);
    }

    pub(crate) fn counters(&self, f: &mut dyn FnMut(&'static str, u64)) {
        f("invalid", self.invalid);
    }
}
