//! `length-prefixed`: frames preceded by their length as a big-endian unsigned integer.
//!
//! `prefix = "u64"` (default, as tremor) or `"u32"`. A declared length above `max_length`
//! (default 16 MiB) is reported once as [`Error::FrameTooLong`]; its bytes are then skipped
//! as they arrive, without being buffered, and framing resumes after them. A stream that ends
//! inside a frame is reported as [`Error::Framing`].

use sluice_script::Record;

use super::{release, FrameResult};
use crate::{options::Options, Error};

/// Default `max_length`: 16 MiB, the same bound as `decompress`'s `max_size`, since
/// length-prefixed streams often carry compressed batches.
pub const DEFAULT_MAX_LENGTH: usize = 16 << 20;

/// Length-prefixed framing state for one stream.
#[derive(Debug)]
pub struct LengthPrefixed {
    width: usize,
    max_length: usize,
    header: [u8; 8],
    header_len: usize,
    /// The body length once its prefix has been read.
    need: Option<usize>,
    /// The start of a body that continues in the next read.
    carry: Vec<u8>,
    /// Bytes of an oversized frame still to skip.
    skipping: u64,
    frames: u64,
    too_long: u64,
    skipped_bytes: u64,
    truncated: u64,
}

impl LengthPrefixed {
    /// A preprocessor with a `width`-byte prefix (4 or 8) and the given limit.
    #[must_use]
    pub fn new(width: usize, max_length: usize) -> Self {
        LengthPrefixed {
            width: if width == 4 { 4 } else { 8 },
            max_length,
            header: [0; 8],
            header_len: 0,
            need: None,
            carry: Vec::new(),
            skipping: 0,
            frames: 0,
            too_long: 0,
            skipped_bytes: 0,
            truncated: 0,
        }
    }

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
        let max_length = o.size("max_length")?.unwrap_or(DEFAULT_MAX_LENGTH);
        if max_length == 0 {
            return Err(o.error("max_length", "must be greater than 0"));
        }
        o.finish()?;
        Ok(LengthPrefixed::new(width, max_length))
    }

    fn prefix_value(&self, bytes: &[u8]) -> u64 {
        bytes
            .iter()
            .take(self.width)
            .fold(0u64, |acc, b| acc << 8 | u64::from(*b))
    }

    /// Sets up the frame whose prefix was just read.
    fn start_frame(&mut self, len: u64, emit: &mut dyn FnMut(FrameResult<'_>)) {
        match usize::try_from(len) {
            Ok(n) if n <= self.max_length => self.need = Some(n),
            _ => {
                self.too_long += 1;
                emit(Err(Error::FrameTooLong {
                    max: self.max_length,
                    seen: usize::try_from(len).unwrap_or(usize::MAX),
                    head: Vec::new(),
                }));
                self.skipping = len;
            }
        }
    }

    pub(crate) fn process(&mut self, input: &[u8], emit: &mut dyn FnMut(FrameResult<'_>)) {
        let mut rest = input;
        loop {
            if self.skipping > 0 {
                let n = usize::try_from(self.skipping)
                    .unwrap_or(usize::MAX)
                    .min(rest.len());
                self.skipping -= n as u64;
                self.skipped_bytes += n as u64;
                rest = &rest[n..];
                if self.skipping > 0 {
                    return;
                }
            }
            match self.need {
                None => {
                    if rest.is_empty() {
                        return;
                    }
                    if self.header_len == 0 && rest.len() >= self.width {
                        let len = self.prefix_value(rest);
                        rest = &rest[self.width..];
                        self.start_frame(len, emit);
                    } else {
                        let n = (self.width - self.header_len).min(rest.len());
                        self.header[self.header_len..self.header_len + n]
                            .copy_from_slice(&rest[..n]);
                        self.header_len += n;
                        rest = &rest[n..];
                        if self.header_len < self.width {
                            return;
                        }
                        self.header_len = 0;
                        let len = self.prefix_value(&self.header);
                        self.start_frame(len, emit);
                    }
                }
                Some(len) => {
                    if self.carry.is_empty() && rest.len() >= len {
                        // The whole body is in this read: hand it on without copying.
                        emit(Ok(&rest[..len]));
                        rest = &rest[len..];
                    } else {
                        let n = (len - self.carry.len()).min(rest.len());
                        self.carry.extend_from_slice(&rest[..n]);
                        rest = &rest[n..];
                        if self.carry.len() < len {
                            return;
                        }
                        emit(Ok(&self.carry));
                        self.carry.clear();
                        release(&mut self.carry);
                    }
                    self.frames += 1;
                    self.need = None;
                }
            }
        }
    }

    pub(crate) fn finish(&mut self, emit: &mut dyn FnMut(FrameResult<'_>)) {
        let partial = match self.need {
            Some(len) => Some(format!(
                "stream ended inside a frame: {} of {len} bytes",
                self.carry.len()
            )),
            None if self.header_len > 0 => Some(format!(
                "stream ended inside a length prefix: {} of {} bytes",
                self.header_len, self.width
            )),
            None => None,
        };
        if let Some(message) = partial {
            self.truncated += 1;
            emit(Err(Error::Framing {
                component: "length-prefixed",
                message,
            }));
        }
        self.need = None;
        self.header_len = 0;
        self.skipping = 0;
        self.carry.clear();
    }

    pub(crate) fn counters(&self, f: &mut dyn FnMut(&'static str, u64)) {
        f("frames", self.frames);
        f("too_long", self.too_long);
        f("skipped_bytes", self.skipped_bytes);
        f("truncated", self.truncated);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(p: &mut LengthPrefixed, reads: &[&[u8]]) -> Vec<Result<Vec<u8>, &'static str>> {
        let mut out = Vec::new();
        let mut push = |f: FrameResult<'_>| out.push(f.map(<[u8]>::to_vec).map_err(|e| e.kind()));
        for r in reads {
            p.process(r, &mut push);
        }
        p.finish(&mut push);
        out
    }

    #[test]
    fn u32_frames_split_anywhere() {
        let wire = b"\0\0\0\x03abc\0\0\0\0\0\0\0\x02hi";
        for cut in 0..wire.len() {
            let mut p = LengthPrefixed::new(4, 100);
            let (a, b) = wire.split_at(cut);
            let out = run(&mut p, &[a, b]);
            assert_eq!(
                out,
                vec![Ok(b"abc".to_vec()), Ok(vec![]), Ok(b"hi".to_vec())],
                "cut at {cut}"
            );
        }
    }

    #[test]
    fn oversized_is_skipped_and_counted() {
        let mut p = LengthPrefixed::new(8, 4);
        let out = run(
            &mut p,
            &[b"\0\0\0\0\0\0\0\x06abc", b"def\0\0\0\0\0\0\0\x02ok"],
        );
        assert_eq!(out, vec![Err("frame_too_long"), Ok(b"ok".to_vec())]);
        let mut c = Vec::new();
        p.counters(&mut |n, v| c.push((n, v)));
        assert!(c.contains(&("too_long", 1)) && c.contains(&("skipped_bytes", 6)));
    }

    #[test]
    fn truncated_stream_is_an_error() {
        let mut p = LengthPrefixed::new(8, 100);
        assert_eq!(run(&mut p, &[b"\0\0\0"]), vec![Err("framing")]);
        let mut p = LengthPrefixed::new(8, 100);
        assert_eq!(
            run(&mut p, &[b"\0\0\0\0\0\0\0\x09abc"]),
            vec![Err("framing")]
        );
    }
}
