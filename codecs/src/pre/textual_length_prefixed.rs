//! `textual-length-prefixed`: octet counting as in RFC 6587 section 3.4.1 and RFC 5425
//! section 4.3: `MSG-LEN SP MSG`, where `MSG-LEN` is a decimal number without leading zeros.
//!
//! A header that is not `digits SP` means the sender is not octet counting (or the stream
//! is corrupt). Like rsyslog's mixed framing, the bad header is reported once as
//! [`Error::Framing`] and the stream resynchronises at the next line feed, after which
//! octet counting resumes. A length above `max_length` (default 1 MiB) is reported as
//! [`Error::FrameTooLong`] and its bytes are skipped unbuffered.

use sluice_script::Record;

use super::{release, FrameResult};
use crate::{options::Options, Error};

/// Default `max_length`: 1 MiB, as for `separate`; syslog messages are far smaller.
pub const DEFAULT_MAX_LENGTH: usize = 1 << 20;

/// More digits than this cannot be a length we accept (u64 has 20).
const MAX_DIGITS: u8 = 19;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Reading `MSG-LEN`: the value so far and how many digits.
    Header { value: u64, digits: u8 },
    /// Reading a body of this length (the part so far is in `carry`).
    Body(usize),
    /// Skipping the rest of an oversized frame.
    Skip(u64),
    /// Skipping to the next line feed after a bad header.
    Resync,
}

/// Octet-counting state for one stream.
#[derive(Debug)]
pub struct TextualLengthPrefixed {
    max_length: usize,
    state: State,
    carry: Vec<u8>,
    frames: u64,
    too_long: u64,
    bad_headers: u64,
    skipped_bytes: u64,
    truncated: u64,
}

const START: State = State::Header {
    value: 0,
    digits: 0,
};

impl TextualLengthPrefixed {
    /// A preprocessor with the given limit.
    #[must_use]
    pub fn new(max_length: usize) -> Self {
        TextualLengthPrefixed {
            max_length,
            state: START,
            carry: Vec::new(),
            frames: 0,
            too_long: 0,
            bad_headers: 0,
            skipped_bytes: 0,
            truncated: 0,
        }
    }

    pub(crate) fn from_options(options: Option<&Record<'static>>) -> Result<Self, Error> {
        let mut o = Options::new("textual-length-prefixed", options);
        let max_length = o.size("max_length")?.unwrap_or(DEFAULT_MAX_LENGTH);
        if max_length == 0 {
            return Err(o.error("max_length", "must be greater than 0"));
        }
        o.finish()?;
        Ok(TextualLengthPrefixed::new(max_length))
    }

    fn bad_header(&mut self, what: String, emit: &mut dyn FnMut(FrameResult<'_>)) {
        self.bad_headers += 1;
        emit(Err(Error::Framing {
            component: "textual-length-prefixed",
            message: format!("{what}; skipping to the next line feed"),
        }));
        self.state = State::Resync;
    }

    pub(crate) fn process(&mut self, input: &[u8], emit: &mut dyn FnMut(FrameResult<'_>)) {
        let mut i = 0;
        while i < input.len() {
            match self.state {
                State::Header { value, digits } => {
                    let b = input[i];
                    i += 1;
                    match b {
                        b'0'..=b'9' if digits == 0 && b == b'0' => {
                            self.bad_header("length with a leading zero".into(), emit);
                        }
                        b'0'..=b'9' if digits >= MAX_DIGITS => {
                            self.bad_header(
                                format!("length longer than {MAX_DIGITS} digits"),
                                emit,
                            );
                        }
                        b'0'..=b'9' => {
                            self.state = State::Header {
                                value: value * 10 + u64::from(b - b'0'),
                                digits: digits + 1,
                            };
                        }
                        b' ' if digits > 0 => match usize::try_from(value) {
                            Ok(n) if n <= self.max_length => self.state = State::Body(n),
                            _ => {
                                self.too_long += 1;
                                emit(Err(Error::FrameTooLong {
                                    max: self.max_length,
                                    seen: usize::try_from(value).unwrap_or(usize::MAX),
                                    head: Vec::new(),
                                }));
                                self.state = State::Skip(value);
                            }
                        },
                        // Blank lines between frames come from senders that end every
                        // counted frame with a newline as well; tolerate them.
                        b'\n' | b'\r' if digits == 0 => {}
                        other => {
                            let shown = char::from(other).escape_default().to_string();
                            self.bad_header(
                                format!("expected a length, found `{shown}` after {digits} digits"),
                                emit,
                            );
                        }
                    }
                }
                State::Body(len) => {
                    let rest = &input[i..];
                    if self.carry.is_empty() && rest.len() >= len {
                        emit(Ok(&rest[..len]));
                        i += len;
                    } else {
                        let n = (len - self.carry.len()).min(rest.len());
                        self.carry.extend_from_slice(&rest[..n]);
                        i += n;
                        if self.carry.len() < len {
                            return;
                        }
                        emit(Ok(&self.carry));
                        self.carry.clear();
                        release(&mut self.carry);
                    }
                    self.frames += 1;
                    self.state = START;
                }
                State::Skip(left) => {
                    let n = usize::try_from(left)
                        .unwrap_or(usize::MAX)
                        .min(input.len() - i);
                    i += n;
                    self.skipped_bytes += n as u64;
                    self.state = match left - n as u64 {
                        0 => START,
                        more => State::Skip(more),
                    };
                }
                State::Resync => match memchr::memchr(b'\n', &input[i..]) {
                    Some(p) => {
                        self.skipped_bytes += p as u64 + 1;
                        i += p + 1;
                        self.state = START;
                    }
                    None => {
                        self.skipped_bytes += (input.len() - i) as u64;
                        return;
                    }
                },
            }
        }
    }

    pub(crate) fn finish(&mut self, emit: &mut dyn FnMut(FrameResult<'_>)) {
        let message = match self.state {
            State::Header { digits, .. } if digits > 0 => {
                Some("stream ended inside a length".to_string())
            }
            State::Body(len) => Some(format!(
                "stream ended inside a frame: {} of {len} bytes",
                self.carry.len()
            )),
            _ => None,
        };
        if let Some(message) = message {
            self.truncated += 1;
            emit(Err(Error::Framing {
                component: "textual-length-prefixed",
                message,
            }));
        }
        self.state = START;
        self.carry.clear();
    }

    pub(crate) fn counters(&self, f: &mut dyn FnMut(&'static str, u64)) {
        f("frames", self.frames);
        f("too_long", self.too_long);
        f("bad_headers", self.bad_headers);
        f("skipped_bytes", self.skipped_bytes);
        f("truncated", self.truncated);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(p: &mut TextualLengthPrefixed, reads: &[&[u8]]) -> Vec<Result<String, &'static str>> {
        let mut out = Vec::new();
        let mut push = |f: FrameResult<'_>| {
            out.push(
                f.map(|b| String::from_utf8_lossy(b).into_owned())
                    .map_err(|e| e.kind()),
            )
        };
        for r in reads {
            p.process(r, &mut push);
        }
        p.finish(&mut push);
        out
    }

    #[test]
    fn rfc6587_example_split_anywhere() {
        // Two RFC 5424 messages with octet counts, as a syslog sender writes them.
        let m1 =
            "<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - 'su root' failed";
        let m2 = "<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - %% It's time";
        let wire = format!("{} {m1}{} {m2}", m1.len(), m2.len());
        for cut in 0..wire.len() {
            let (a, b) = wire.as_bytes().split_at(cut);
            let out = run(&mut TextualLengthPrefixed::new(1000), &[a, b]);
            assert_eq!(
                out,
                vec![Ok(m1.to_string()), Ok(m2.to_string())],
                "cut {cut}"
            );
        }
    }

    #[test]
    fn bad_header_resyncs_at_newline() {
        let out = run(
            &mut TextualLengthPrefixed::new(100),
            &[b"<13>plain line\n5 hello3 abc"],
        );
        assert_eq!(
            out,
            vec![Err("framing"), Ok("hello".into()), Ok("abc".into())]
        );
        let out = run(&mut TextualLengthPrefixed::new(100), &[b"05 hello"]);
        assert_eq!(out, vec![Err("framing")]);
    }

    #[test]
    fn absurd_lengths() {
        let out = run(
            &mut TextualLengthPrefixed::new(4),
            &[b"10 0123456789", b"2 ok"],
        );
        assert_eq!(out, vec![Err("frame_too_long"), Ok("ok".into())]);
        let out = run(
            &mut TextualLengthPrefixed::new(4),
            &[b"99999999999999999999999 x\n2 ok"],
        );
        assert_eq!(out, vec![Err("framing"), Ok("ok".into())]);
        let out = run(&mut TextualLengthPrefixed::new(4), &[b"3 ab"]);
        assert_eq!(out, vec![Err("framing")]);
    }
}
