//! `decompress`: each frame is one compressed payload; hands on its decompressed bytes.
//!
//! `algorithm` is one of `gzip`, `zlib`, `zstd`, `lz4`, `snappy`, `xz` (alias `xz2`) or
//! `autodetect` (default), which recognises the format by its magic bytes and, as tremor
//! does, passes frames with no known magic through unchanged (counted as `passed_through`).
//! Output is capped at `max_size` (default 16 MiB): a frame that would expand past it is
//! dropped as [`Error::DecompressLimit`] having used at most about that much memory.

use sluice_script::Record;

use super::{release, FrameResult};
use crate::{
    compression::{decompress_into, Algorithm, ALGORITHM_NAMES},
    options::{did_you_mean, Options},
    Error,
};

/// Default `max_size`: 16 MiB.
pub const DEFAULT_MAX_SIZE: usize = 16 << 20;

/// Decompression state for one stream (a reusable output buffer).
#[derive(Debug)]
pub struct Decompress {
    algorithm: Option<Algorithm>,
    max_size: usize,
    out: Vec<u8>,
    frames: u64,
    passed_through: u64,
    failed: u64,
    over_limit: u64,
}

impl Decompress {
    /// `algorithm` `None` means autodetect.
    #[must_use]
    pub fn new(algorithm: Option<Algorithm>, max_size: usize) -> Self {
        Decompress {
            algorithm,
            max_size,
            out: Vec::new(),
            frames: 0,
            passed_through: 0,
            failed: 0,
            over_limit: 0,
        }
    }

    pub(crate) fn from_options(options: Option<&Record<'static>>) -> Result<Self, Error> {
        let mut o = Options::new("decompress", options);
        let algorithm = match o.string("algorithm")? {
            None | Some("autodetect") => None,
            Some(name) => match Algorithm::from_name(name) {
                Some(a) => Some(a),
                None => {
                    let mut names = ALGORITHM_NAMES.to_vec();
                    names.push("autodetect");
                    let hint = did_you_mean(name, &names);
                    return Err(o.error(
                        "algorithm",
                        format!(
                            "unknown algorithm `{name}`{hint} (known: {})",
                            names.join(", ")
                        ),
                    ));
                }
            },
        };
        let max_size = o.size("max_size")?.unwrap_or(DEFAULT_MAX_SIZE);
        if max_size == 0 {
            return Err(o.error("max_size", "must be greater than 0"));
        }
        o.finish()?;
        Ok(Decompress::new(algorithm, max_size))
    }

    pub(crate) fn process(&mut self, input: &[u8], emit: &mut dyn FnMut(FrameResult<'_>)) {
        let Some(algorithm) = self.algorithm.or_else(|| Algorithm::detect(input)) else {
            self.passed_through += 1;
            emit(Ok(input));
            return;
        };
        match decompress_into(algorithm, input, self.max_size, &mut self.out) {
            Ok(()) => {
                self.frames += 1;
                emit(Ok(&self.out));
            }
            Err(e) => {
                match e {
                    Error::DecompressLimit { .. } => self.over_limit += 1,
                    _ => self.failed += 1,
                }
                emit(Err(e));
            }
        }
        self.out.clear();
        release(&mut self.out);
    }

    pub(crate) fn counters(&self, f: &mut dyn FnMut(&'static str, u64)) {
        f("frames", self.frames);
        f("passed_through", self.passed_through);
        f("failed", self.failed);
        f("over_limit", self.over_limit);
    }
}
