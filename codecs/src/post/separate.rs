//! `separate` (postprocessor): append a separator byte to every frame.

use sluice_script::Record;

use crate::{options::Options, Error};

/// Appends `separator` (newline by default).
#[derive(Debug)]
pub struct SeparatePost {
    separator: u8,
}

impl SeparatePost {
    pub(crate) fn from_options(options: Option<&Record<'static>>) -> Result<Self, Error> {
        let mut o = Options::new("separate", options);
        let separator = match o.string("separator")? {
            None => b'\n',
            Some(s) if s.len() == 1 => s.as_bytes()[0],
            Some(s) => {
                return Err(o.error("separator", format!("must be a single byte, got {s:?}")))
            }
        };
        o.finish()?;
        Ok(SeparatePost { separator })
    }

    /// The byte appended.
    #[must_use]
    pub fn separator(&self) -> u8 {
        self.separator
    }

    pub(crate) fn process(&self, buf: &mut Vec<u8>) {
        buf.push(self.separator);
    }
}
