//! `textual-length-prefixed` (postprocessor): octet counting, `LEN SP FRAME` (RFC 6587
//! section 3.4.1), as syslog over TCP/TLS senders write it.

use sluice_script::Record;

use crate::{options::Options, Error};

/// Writes a decimal length and a space in front of the frame.
#[derive(Debug)]
pub struct TextualLengthPrefixedPost;

impl TextualLengthPrefixedPost {
    pub(crate) fn from_options(options: Option<&Record<'static>>) -> Result<Self, Error> {
        Options::new("textual-length-prefixed", options).finish()?;
        Ok(TextualLengthPrefixedPost)
    }

    pub(crate) fn process(&self, buf: &mut Vec<u8>, start: usize) -> Result<(), Error> {
        let n = buf.len() - start;
        if n == 0 {
            // MSG-LEN starts with a non-zero digit: an empty frame has no octet-counted form.
            return Err(Error::Postprocess {
                component: "textual-length-prefixed",
                message: "an empty frame cannot be octet counted".into(),
            });
        }
        let mut num = itoa_buf(n);
        num.push(b' ');
        buf.splice(start..start, num);
        Ok(())
    }
}

fn itoa_buf(mut n: usize) -> Vec<u8> {
    let mut digits = Vec::with_capacity(21);
    loop {
        // n % 10 < 10, so the cast cannot truncate.
        #[allow(clippy::cast_possible_truncation)]
        digits.push(b'0' + (n % 10) as u8);
        n /= 10;
        if n == 0 {
            break;
        }
    }
    digits.reverse();
    digits
}
