//! `base64` (postprocessor): replaces the frame with its base64 text (standard alphabet
//! with padding, RFC 4648 section 4; `alphabet = "url_safe"` for section 5).

use base64::Engine as _;
use sluice_script::Record;

use crate::{options::Options, Error};

/// Base64 encoding with a reusable scratch buffer.
#[derive(Debug)]
pub struct Base64Post {
    url_safe: bool,
    scratch: Vec<u8>,
}

impl Base64Post {
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
        Ok(Base64Post {
            url_safe,
            scratch: Vec::new(),
        })
    }

    pub(crate) fn process(&mut self, buf: &mut Vec<u8>, start: usize) {
        self.scratch.clear();
        self.scratch.extend_from_slice(&buf[start..]);
        let n = base64::encoded_len(self.scratch.len(), true).unwrap_or(0);
        buf.truncate(start);
        buf.resize(start + n, 0);
        let engine = if self.url_safe {
            &base64::engine::general_purpose::URL_SAFE
        } else {
            &base64::engine::general_purpose::STANDARD
        };
        let written = engine
            .encode_slice(&self.scratch, &mut buf[start..])
            .unwrap_or(0);
        buf.truncate(start + written);
        if self.scratch.capacity() > 1 << 20 {
            self.scratch = Vec::new();
        }
    }
}
