//! Compression algorithms shared by the `decompress` preprocessor and the `compress`
//! postprocessor: names, magic-byte detection, bounded decompression and levelled compression.
//!
//! Backends, chosen on purpose (numbers in `bench/results/compression.md`):
//! - gzip / zlib: flate2 on zlib-rs (pure Rust, faster than miniz_oxide at equal ratio).
//! - zstd: the reference C library through the `zstd` crate.
//! - lz4: lz4_flex (pure Rust, LZ4 frame format); it has no compression levels.
//! - snappy: snap, the framed format (stream identifier `ff 06 00 00 sNaPpY`); no levels.
//! - xz: liblzma (the reference C library).
//!
//! Every decompression is capped at `max_size` bytes of output, so a small bomb costs at most
//! that much memory (plus the decoder's window, which is also capped: zstd's window log and
//! xz's memory limit are derived from `max_size`).

use std::io::{Read, Write};

use crate::Error;

/// A compression format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    /// RFC 1952 gzip (concatenated members are read as one).
    Gzip,
    /// RFC 1950 zlib.
    Zlib,
    /// RFC 8878 Zstandard frames.
    Zstd,
    /// LZ4 frame format.
    Lz4,
    /// Snappy framing format.
    Snappy,
    /// xz (LZMA2) streams.
    Xz,
}

/// Every algorithm name the config accepts (`xz2` is also accepted for tremor configs).
pub const ALGORITHM_NAMES: &[&str] = &["gzip", "zlib", "zstd", "lz4", "snappy", "xz"];

const SNAPPY_MAGIC: &[u8] = b"\xff\x06\x00\x00sNaPpY";

/// Level range and default when a format has levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Levels {
    /// Lowest accepted level.
    pub min: i64,
    /// Highest accepted level.
    pub max: i64,
    /// Level used when none is configured.
    pub default: i64,
}

impl Algorithm {
    /// The algorithm called `name`.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "gzip" => Algorithm::Gzip,
            "zlib" => Algorithm::Zlib,
            "zstd" => Algorithm::Zstd,
            "lz4" => Algorithm::Lz4,
            "snappy" => Algorithm::Snappy,
            "xz" | "xz2" => Algorithm::Xz,
            _ => return None,
        })
    }

    /// The config name.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::Gzip => "gzip",
            Algorithm::Zlib => "zlib",
            Algorithm::Zstd => "zstd",
            Algorithm::Lz4 => "lz4",
            Algorithm::Snappy => "snappy",
            Algorithm::Xz => "xz",
        }
    }

    /// Levels the format accepts; `None` for formats without levels (lz4_flex and snap
    /// have a single speed). gzip/zlib default to 6 as zlib does, zstd to 3 as libzstd
    /// does, xz to 6 as the xz tool does (level 9 needs ~670 MiB per compressor).
    #[must_use]
    pub fn levels(self) -> Option<Levels> {
        match self {
            Algorithm::Gzip | Algorithm::Zlib => Some(Levels {
                min: 0,
                max: 9,
                default: 6,
            }),
            Algorithm::Zstd => Some(Levels {
                min: -7,
                max: 22,
                default: 3,
            }),
            Algorithm::Xz => Some(Levels {
                min: 0,
                max: 9,
                default: 6,
            }),
            Algorithm::Lz4 | Algorithm::Snappy => None,
        }
    }

    /// Recognises a compressed payload by its first bytes.
    ///
    /// zlib has no magic number: its two-byte header is accepted when it declares deflate
    /// with a window of at most 32 KiB, no preset dictionary, and passes the header check
    /// (RFC 1950 section 2.2), which rules out most text.
    #[must_use]
    pub fn detect(data: &[u8]) -> Option<Self> {
        match data {
            [0x1f, 0x8b, ..] => Some(Algorithm::Gzip),
            [0x28, 0xb5, 0x2f, 0xfd, ..] => Some(Algorithm::Zstd),
            [0x04, 0x22, 0x4d, 0x18, ..] => Some(Algorithm::Lz4),
            [0xfd, b'7', b'z', b'X', b'Z', 0x00, ..] => Some(Algorithm::Xz),
            d if d.starts_with(SNAPPY_MAGIC) => Some(Algorithm::Snappy),
            [cmf, flg, ..]
                if cmf & 0x0f == 8
                    && cmf >> 4 <= 7
                    && flg & 0x20 == 0
                    && (u16::from(*cmf) << 8 | u16::from(*flg)) % 31 == 0 =>
            {
                Some(Algorithm::Zlib)
            }
            _ => None,
        }
    }
}

/// Decompresses `input` into `out` (cleared first), stopping with
/// [`Error::DecompressLimit`] as soon as the output would exceed `max_size` bytes.
///
/// # Errors
/// [`Error::Decompress`] for corrupt or truncated input, [`Error::DecompressLimit`] past
/// `max_size`.
pub fn decompress_into(
    algorithm: Algorithm,
    input: &[u8],
    max_size: usize,
    out: &mut Vec<u8>,
) -> Result<(), Error> {
    out.clear();
    let fail = |e: std::io::Error| Error::Decompress {
        algorithm: algorithm.name(),
        message: e.to_string(),
    };
    match algorithm {
        Algorithm::Gzip => read_bounded(flate2::bufread::MultiGzDecoder::new(input), max_size, out),
        Algorithm::Zlib => read_bounded(flate2::bufread::ZlibDecoder::new(input), max_size, out),
        Algorithm::Zstd => {
            let mut d = zstd::stream::read::Decoder::with_buffer(input).map_err(fail)?;
            // The frame header declares the window the decoder must allocate; refuse
            // windows larger than the output may be (at least 1 MiB, at most 128 MiB).
            d.window_log_max(window_log(max_size)).map_err(fail)?;
            read_bounded(d, max_size, out)
        }
        Algorithm::Lz4 => read_bounded(lz4_flex::frame::FrameDecoder::new(input), max_size, out),
        Algorithm::Snappy => read_bounded(snap::read::FrameDecoder::new(input), max_size, out),
        Algorithm::Xz => {
            let stream = liblzma::stream::Stream::new_stream_decoder(
                xz_memlimit(max_size),
                liblzma::stream::CONCATENATED,
            )
            .map_err(|e| fail(e.into()))?;
            read_bounded(
                liblzma::bufread::XzDecoder::new_stream(input, stream),
                max_size,
                out,
            )
        }
    }
    .map_err(|e| match e {
        ReadError::Io(e) => fail(e),
        ReadError::Limit => Error::DecompressLimit {
            algorithm: algorithm.name(),
            max: max_size,
        },
    })
}

fn window_log(max_size: usize) -> u32 {
    let bits = usize::BITS - max_size.saturating_sub(1).leading_zeros();
    bits.clamp(20, 27)
}

/// xz's decoder needs about the dictionary size; a level-9 stream declares 64 MiB.
fn xz_memlimit(max_size: usize) -> u64 {
    (max_size as u64).saturating_mul(2).clamp(80 << 20, 1 << 30)
}

enum ReadError {
    Io(std::io::Error),
    Limit,
}

fn read_bounded(r: impl Read, max_size: usize, out: &mut Vec<u8>) -> Result<(), ReadError> {
    let limit = u64::try_from(max_size)
        .unwrap_or(u64::MAX)
        .saturating_add(1);
    r.take(limit).read_to_end(out).map_err(ReadError::Io)?;
    if out.len() > max_size {
        out.clear();
        return Err(ReadError::Limit);
    }
    Ok(())
}

/// A compressor for one algorithm and level; keeps the zstd context between frames.
pub struct Compressor {
    algorithm: Algorithm,
    level: i64,
    zstd: Option<zstd::bulk::Compressor<'static>>,
    zbuf: Vec<u8>,
}

impl std::fmt::Debug for Compressor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Compressor")
            .field("algorithm", &self.algorithm)
            .field("level", &self.level)
            .finish_non_exhaustive()
    }
}

impl Compressor {
    /// A compressor; `level` must lie in [`Algorithm::levels`] (checked by the caller that
    /// reads the config, clamped here).
    #[must_use]
    pub fn new(algorithm: Algorithm, level: Option<i64>) -> Self {
        let level = match algorithm.levels() {
            Some(l) => level.unwrap_or(l.default).clamp(l.min, l.max),
            None => 0,
        };
        Compressor {
            algorithm,
            level,
            zstd: None,
            zbuf: Vec::new(),
        }
    }

    /// The algorithm.
    #[must_use]
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// Appends the compressed form of `input` to `out`.
    ///
    /// # Errors
    /// [`Error::Postprocess`] if the backend fails (it does not for in-memory buffers in
    /// practice; out-of-memory in the C libraries is reported here).
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    pub fn compress_into(&mut self, input: &[u8], out: &mut Vec<u8>) -> Result<(), Error> {
        let fail = |e: std::io::Error| Error::Postprocess {
            component: "compress",
            message: format!("{}: {e}", self.algorithm.name()),
        };
        // Levels are clamped to small ranges above, so the casts cannot truncate.
        let level = self.level;
        match self.algorithm {
            Algorithm::Gzip => {
                let mut e =
                    flate2::write::GzEncoder::new(out, flate2::Compression::new(level as u32));
                e.write_all(input)
                    .and_then(|()| e.try_finish())
                    .map_err(fail)
            }
            Algorithm::Zlib => {
                let mut e =
                    flate2::write::ZlibEncoder::new(out, flate2::Compression::new(level as u32));
                e.write_all(input)
                    .and_then(|()| e.try_finish())
                    .map_err(fail)
            }
            Algorithm::Zstd => {
                let c = match &mut self.zstd {
                    Some(c) => c,
                    None => self
                        .zstd
                        .insert(zstd::bulk::Compressor::new(level as i32).map_err(fail)?),
                };
                // The bulk API writes from the start of the buffer it gets, so compress into
                // scratch and append.
                self.zbuf.clear();
                self.zbuf
                    .reserve(zstd::zstd_safe::compress_bound(input.len()));
                c.compress_to_buffer(input, &mut self.zbuf).map_err(fail)?;
                out.extend_from_slice(&self.zbuf);
                Ok(())
            }
            Algorithm::Lz4 => {
                let mut e = lz4_flex::frame::FrameEncoder::new(out);
                e.write_all(input).map_err(fail)?;
                e.finish()
                    .map(|_| ())
                    .map_err(|e| fail(std::io::Error::other(e)))
            }
            Algorithm::Snappy => {
                let mut e = snap::write::FrameEncoder::new(out);
                e.write_all(input).and_then(|()| e.flush()).map_err(fail)
            }
            Algorithm::Xz => {
                let mut e = liblzma::write::XzEncoder::new(out, level as u32);
                e.write_all(input)
                    .and_then(|()| e.try_finish())
                    .map_err(fail)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &[u8] = b"{\"level\":\"info\",\"msg\":\"hello hello hello hello\"}\n";

    #[test]
    fn every_algorithm_round_trips_and_is_detected() {
        for name in ALGORITHM_NAMES {
            let alg = Algorithm::from_name(name).unwrap();
            let mut c = Compressor::new(alg, None);
            let mut z = Vec::new();
            c.compress_into(TEXT, &mut z).unwrap();
            assert_eq!(Algorithm::detect(&z), Some(alg), "{name}");
            let mut out = Vec::new();
            decompress_into(alg, &z, 1 << 20, &mut out).unwrap();
            assert_eq!(out, TEXT, "{name}");
        }
    }

    #[test]
    fn text_is_not_detected() {
        for t in [&b"{\"a\":1}"[..], b"<13>1 2024", b"hello", b"x", b""] {
            assert_eq!(Algorithm::detect(t), None, "{t:?}");
        }
        // Real zlib headers from zlib's levels: 78 01, 78 5e, 78 9c, 78 da.
        for h in [[0x78, 0x01], [0x78, 0x5e], [0x78, 0x9c], [0x78, 0xda]] {
            assert_eq!(Algorithm::detect(&h), Some(Algorithm::Zlib));
        }
    }

    #[test]
    fn limit_is_enforced() {
        let big = vec![b'a'; 100_000];
        for name in ALGORITHM_NAMES {
            let alg = Algorithm::from_name(name).unwrap();
            let mut z = Vec::new();
            Compressor::new(alg, None)
                .compress_into(&big, &mut z)
                .unwrap();
            let mut out = Vec::new();
            assert_eq!(
                decompress_into(alg, &z, 99_999, &mut out),
                Err(Error::DecompressLimit {
                    algorithm: alg.name(),
                    max: 99_999
                }),
                "{name}"
            );
            decompress_into(alg, &z, 100_000, &mut out).unwrap();
            assert_eq!(out.len(), 100_000);
        }
    }

    #[test]
    fn window_log_bounds() {
        assert_eq!(window_log(1), 20);
        assert_eq!(window_log(16 << 20), 24);
        assert_eq!(window_log((16 << 20) + 1), 25);
        assert_eq!(window_log(usize::MAX), 27);
    }
}
