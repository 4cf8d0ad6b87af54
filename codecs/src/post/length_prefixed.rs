//! `length-prefixed` (postprocessor): puts the frame's length in front of it, big-endian,
//! 8 bytes (`prefix = "u64"`, default, as tremor) or 4 (`prefix = "u32"`).

use sluice_script::Record;

use crate::{options::Options, Error};

/// Writes a binary length prefix.
#[derive(Debug)]
pub struct LengthPrefixedPost {
    width: usize,
}

impl LengthPrefixedPost {
    pub(crate) fn from_options(options: Option<&Record<'static>>) -> Result<Self, Error> {
        let mut o = Options::new("length-prefixed", options);
        let width = match o.string("prefix")? {
            None | Some("u64") => 8,
            Some("u32") => 4,
            Some(other) => {
                return Err(o.error(
                    "prefix",
                    format!("expected \"u32\" or \"u64\", got {other:?}"),
                ))
            }
        };
        o.finish()?;
        Ok(LengthPrefixedPost { width })
    }

    pub(crate) fn process(&self, buf: &mut Vec<u8>, start: usize) -> Result<(), Error> {
        let n = buf.len() - start;
        let prefix = (n as u64).to_be_bytes();
        if self.width == 4 && u32::try_from(n).is_err() {
            return Err(Error::Postprocess {
                component: "length-prefixed",
                message: format!("frame of {n} bytes does not fit a u32 prefix"),
            });
        }
        buf.splice(start..start, prefix[8 - self.width..].iter().copied());
        Ok(())
    }
}
