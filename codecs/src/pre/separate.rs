//! `separate`: split a stream on a separator byte (newline by default).
//!
//! A frame longer than `max_length` is reported once as [`Error::FrameTooLong`] with its
//! first bytes, the rest of it is skipped, and framing resumes after the next separator.

use sluice_script::Record;

use super::FrameResult;
use crate::{options::Options, Error};

/// Bytes of an oversized frame kept for the error event.
const HEAD_KEEP: usize = 1024;

/// Default `max_length`: 1 MiB.
pub const DEFAULT_MAX_LENGTH: usize = 1 << 20;

/// Separator preprocessor state for one stream.
#[derive(Debug)]
pub struct Separate {
    separator: u8,
    max_length: usize,
    skip_empty: bool,
    /// The start of a frame that continues in the next read.
    carry: Vec<u8>,
    /// Bytes of an oversized frame skipped so far; `Some` while skipping.
    skipping: Option<usize>,
    /// Oversized frames dropped.
    too_long: u64,
}

impl Separate {
    /// The byte frames are cut at.
    #[must_use]
    pub fn separator(&self) -> u8 {
        self.separator
    }

    /// A newline separator with the given limit.
    #[must_use]
    pub fn new(separator: u8, max_length: usize) -> Self {
        Separate {
            separator,
            max_length,
            skip_empty: true,
            carry: Vec::new(),
            skipping: None,
            too_long: 0,
        }
    }

    pub(crate) fn from_options(options: Option<&Record<'static>>) -> Result<Self, Error> {
        let mut o = Options::new("separate", options);
        let separator = match o.string("separator")? {
            None => b'\n',
            Some(s) if s.len() == 1 => s.as_bytes()[0],
            Some(s) => {
                return Err(o.error("separator", format!("must be a single byte, got {s:?}")))
            }
        };
        let max_length = o.size("max_length")?.unwrap_or(DEFAULT_MAX_LENGTH);
        if max_length == 0 {
            return Err(o.error("max_length", "must be greater than 0"));
        }
        let skip_empty = o.bool("skip_empty")?.unwrap_or(true);
        o.finish()?;
        Ok(Separate {
            skip_empty,
            ..Separate::new(separator, max_length)
        })
    }

    fn too_long(&mut self, seen: usize, head: &[u8]) -> Error {
        self.too_long += 1;
        Error::FrameTooLong {
            max: self.max_length,
            seen,
            head: head[..head.len().min(HEAD_KEEP)].to_vec(),
        }
    }

    fn frame<'a>(&mut self, f: &'a [u8], emit: &mut dyn FnMut(FrameResult<'_>)) {
        if f.len() > self.max_length {
            emit(Err(self.too_long(f.len(), f)));
        } else if !(f.is_empty() && self.skip_empty) {
            emit(Ok(f));
        }
    }

    pub(crate) fn process(&mut self, input: &[u8], emit: &mut dyn FnMut(FrameResult<'_>)) {
        let mut rest = input;
        // Finish a frame carried from an earlier read, or the oversized one being skipped.
        if self.skipping.is_some() || !self.carry.is_empty() {
            match memchr::memchr(self.separator, rest) {
                Some(i) => {
                    if self.skipping.take().is_none() {
                        self.carry.extend_from_slice(&rest[..i]);
                        let carry = std::mem::take(&mut self.carry);
                        self.frame(&carry, emit);
                        self.carry = carry;
                        self.carry.clear();
                    }
                    rest = &rest[i + 1..];
                }
                None => {
                    match &mut self.skipping {
                        Some(n) => *n += rest.len(),
                        None => self.carry_more(rest, emit),
                    }
                    return;
                }
            }
        }
        let mut start = 0;
        for i in memchr::memchr_iter(self.separator, rest) {
            self.frame(&rest[start..i], emit);
            start = i + 1;
        }
        if start < rest.len() {
            self.carry_more(&rest[start..], emit);
        }
    }

    fn carry_more(&mut self, part: &[u8], emit: &mut dyn FnMut(FrameResult<'_>)) {
        if self.carry.len() + part.len() > self.max_length {
            let seen = self.carry.len() + part.len();
            let mut head = std::mem::take(&mut self.carry);
            head.extend_from_slice(&part[..part.len().min(HEAD_KEEP)]);
            emit(Err(self.too_long(seen, &head)));
            self.skipping = Some(seen);
        } else {
            self.carry.extend_from_slice(part);
        }
    }

    pub(crate) fn counters(&self, f: &mut dyn FnMut(&'static str, u64)) {
        f("too_long", self.too_long);
    }

    pub(crate) fn finish(&mut self, emit: &mut dyn FnMut(FrameResult<'_>)) {
        self.skipping = None;
        if !self.carry.is_empty() {
            let carry = std::mem::take(&mut self.carry);
            self.frame(&carry, emit);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(sep: &mut Separate, chunks: &[&[u8]]) -> Vec<Result<Vec<u8>, usize>> {
        let mut out = Vec::new();
        for c in chunks {
            sep.process(c, &mut |f| {
                out.push(f.map(<[u8]>::to_vec).map_err(|e| match e {
                    Error::FrameTooLong { seen, .. } => seen,
                    _ => usize::MAX,
                }))
            });
        }
        sep.finish(&mut |f| out.push(f.map(<[u8]>::to_vec).map_err(|_| 0)));
        out
    }

    #[test]
    fn splits_across_reads() {
        let mut s = Separate::new(b'\n', 100);
        let out = run(&mut s, &[b"ab\ncd", b"ef\n\ngh", b"\nij"]);
        let want: Vec<Result<Vec<u8>, usize>> = vec![
            Ok(b"ab".to_vec()),
            Ok(b"cdef".to_vec()),
            Ok(b"gh".to_vec()),
            Ok(b"ij".to_vec()),
        ];
        assert_eq!(out, want);
    }

    #[test]
    fn oversized_frame_is_reported_once_and_stream_resyncs() {
        let mut s = Separate::new(b'\n', 4);
        let out = run(&mut s, &[b"ok\n12345", b"6789", b"0\nfine\n"]);
        assert_eq!(out, vec![Ok(b"ok".to_vec()), Err(5), Ok(b"fine".to_vec())]);
        let mut s = Separate::new(b'\n', 4);
        let out = run(&mut s, &[b"toolong\nabc\n"]);
        assert_eq!(out, vec![Err(7), Ok(b"abc".to_vec())]);
    }

    #[test]
    fn options_are_checked() {
        let r: Record<'static> = [("separator", sluice_script::Value::from("ab".to_string()))]
            .into_iter()
            .collect();
        assert!(Separate::from_options(Some(&r)).is_err());
        let r: Record<'static> = [("separator", sluice_script::Value::from("\t".to_string()))]
            .into_iter()
            .collect();
        let mut s = Separate::from_options(Some(&r)).unwrap();
        let out = run(&mut s, &[b"a\tb"]);
        assert_eq!(out, vec![Ok(b"a".to_vec()), Ok(b"b".to_vec())]);
    }
}
