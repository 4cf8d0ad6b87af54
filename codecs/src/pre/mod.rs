//! Preprocessors: a byte stream (or datagram) in, frames out.
//!
//! Each instance belongs to one stream (a TCP connection, a UDP socket, a file) and keeps
//! whatever it carries between reads. Frames are handed to a callback as slices, borrowed
//! from the input whenever a frame lies wholly inside one read, so the common case copies
//! nothing.

mod separate;

use sluice_script::Record;

use crate::{options::did_you_mean, Error};

pub use separate::Separate;

/// Every preprocessor name the config accepts.
pub const PREPROCESSOR_NAMES: &[&str] = &["separate"];

/// What a preprocessor hands on: a frame, or an error about part of the stream (counted and
/// routed to `err` by the engine; the stream carries on).
pub type FrameResult<'a> = Result<&'a [u8], Error>;

/// A preprocessor instance.
#[derive(Debug)]
pub enum Preprocessor {
    /// Split on a separator byte.
    Separate(Separate),
}

impl Preprocessor {
    /// Builds the preprocessor called `name` with `options`.
    ///
    /// # Errors
    /// Unknown name (with a suggestion) or bad options.
    pub fn from_spec(name: &str, options: Option<&Record<'static>>) -> Result<Self, Error> {
        match name {
            "separate" => Separate::from_options(options).map(Preprocessor::Separate),
            _ => Err(Error::UnknownName {
                kind: "preprocessor",
                name: name.to_string(),
                hint: did_you_mean(name, PREPROCESSOR_NAMES),
            }),
        }
    }

    /// Feeds `input`; calls `emit` for every frame (or error) it completes.
    pub fn process(&mut self, now_ns: u64, input: &[u8], emit: &mut dyn FnMut(FrameResult<'_>)) {
        let _ = now_ns;
        match self {
            Preprocessor::Separate(s) => s.process(input, emit),
        }
    }

    /// End of stream: hands on whatever is still buffered.
    pub fn finish(&mut self, now_ns: u64, emit: &mut dyn FnMut(FrameResult<'_>)) {
        let _ = now_ns;
        match self {
            Preprocessor::Separate(s) => s.finish(emit),
        }
    }

    /// End of a datagram: stages that split a stream treat the datagram's end as a frame's
    /// end (a syslog datagram carries no trailing newline); stages that reassemble across
    /// datagrams (chunking) keep their state.
    #[allow(clippy::match_single_binding)]
    pub fn end_of_datagram(&mut self, now_ns: u64, emit: &mut dyn FnMut(FrameResult<'_>)) {
        match self {
            Preprocessor::Separate(s) => s.finish(emit),
            #[allow(unreachable_patterns)]
            _ => {
                let _ = (now_ns, emit);
            }
        }
    }
}

/// A stream's preprocessors, applied in order.
#[derive(Debug, Default)]
pub struct PreprocessorChain {
    stages: Vec<Preprocessor>,
}

impl PreprocessorChain {
    /// A chain of already-built stages.
    #[must_use]
    pub fn new(stages: Vec<Preprocessor>) -> Self {
        PreprocessorChain { stages }
    }

    /// Feeds `input` through every stage; frames that leave the last stage go to `emit`.
    pub fn process(&mut self, now_ns: u64, input: &[u8], emit: &mut dyn FnMut(FrameResult<'_>)) {
        run(&mut self.stages, now_ns, Ok(input), emit);
    }

    /// End of stream: flushes every stage in order, each flush passing through the rest.
    pub fn finish(&mut self, now_ns: u64, emit: &mut dyn FnMut(FrameResult<'_>)) {
        for i in 0..self.stages.len() {
            let (head, rest) = self.stages[i..].split_at_mut(1);
            head[0].finish(now_ns, &mut |f| run(rest, now_ns, f, emit));
        }
    }

    /// One whole datagram: like [`PreprocessorChain::process`] followed by the end of the
    /// datagram at every stage.
    pub fn process_datagram(
        &mut self,
        now_ns: u64,
        input: &[u8],
        emit: &mut dyn FnMut(FrameResult<'_>),
    ) {
        self.process(now_ns, input, emit);
        for i in 0..self.stages.len() {
            let (head, rest) = self.stages[i..].split_at_mut(1);
            head[0].end_of_datagram(now_ns, &mut |f| run(rest, now_ns, f, emit));
        }
    }

    /// True when the chain has no stages (every read is one frame).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.stages.is_empty()
    }
}

fn run(
    stages: &mut [Preprocessor],
    now_ns: u64,
    input: FrameResult<'_>,
    emit: &mut dyn FnMut(FrameResult<'_>),
) {
    match (stages.split_first_mut(), input) {
        (_, Err(e)) => emit(Err(e)),
        (None, Ok(frame)) => emit(Ok(frame)),
        (Some((first, rest)), Ok(data)) => {
            first.process(now_ns, data, &mut |f| run(rest, now_ns, f, emit))
        }
    }
}
