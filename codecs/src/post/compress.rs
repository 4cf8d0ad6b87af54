//! `compress`: replaces the frame with its compressed form.
//!
//! `algorithm` (required): `gzip`, `zlib`, `zstd`, `lz4`, `snappy`, `xz` (alias `xz2`);
//! `level` where the format has levels (gzip/zlib 0..=9, default 6; zstd -7..=22, default
//! 3; xz 0..=9, default 6). A `level` for lz4 or snappy is a config error: the backends
//! have a single speed.

use sluice_script::Record;

use crate::{
    compression::{Algorithm, Compressor, ALGORITHM_NAMES},
    options::{did_you_mean, Options},
    Error,
};

/// Compression state: the compressor and a scratch buffer reused across frames.
#[derive(Debug)]
pub struct Compress {
    compressor: Compressor,
    scratch: Vec<u8>,
}

impl Compress {
    /// A compressor for `algorithm` at `level` (its default if `None`).
    #[must_use]
    pub fn new(algorithm: Algorithm, level: Option<i64>) -> Self {
        Compress {
            compressor: Compressor::new(algorithm, level),
            scratch: Vec::new(),
        }
    }

    pub(crate) fn from_options(options: Option<&Record<'static>>) -> Result<Self, Error> {
        let mut o = Options::new("compress", options);
        let algorithm = match o.string("algorithm")? {
            None => {
                return Err(o.error(
                    "algorithm",
                    format!("required (one of {})", ALGORITHM_NAMES.join(", ")),
                ))
            }
            Some(name) => Algorithm::from_name(name).ok_or_else(|| {
                o.error(
                    "algorithm",
                    format!(
                        "unknown algorithm `{name}`{} (known: {})",
                        did_you_mean(name, ALGORITHM_NAMES),
                        ALGORITHM_NAMES.join(", ")
                    ),
                )
            })?,
        };
        let level = o.i64("level")?;
        if let Some(l) = level {
            match algorithm.levels() {
                None => {
                    return Err(o.error(
                        "level",
                        format!("{} has no compression levels", algorithm.name()),
                    ))
                }
                Some(r) if l < r.min || l > r.max => {
                    return Err(o.error(
                        "level",
                        format!(
                            "{} levels are {}..={}, got {l}",
                            algorithm.name(),
                            r.min,
                            r.max
                        ),
                    ))
                }
                Some(_) => {}
            }
        }
        o.finish()?;
        Ok(Compress::new(algorithm, level))
    }

    pub(crate) fn process(&mut self, buf: &mut Vec<u8>, start: usize) -> Result<(), Error> {
        self.scratch.clear();
        self.compressor
            .compress_into(&buf[start..], &mut self.scratch)?;
        buf.truncate(start);
        buf.extend_from_slice(&self.scratch);
        if self.scratch.capacity() > 1 << 20 {
            self.scratch = Vec::new();
        }
        Ok(())
    }
}
