//! Preprocessors: a byte stream (or datagram) in, frames out.
//!
//! Each instance belongs to one stream (a TCP connection, a UDP socket, a file) and keeps
//! whatever it carries between reads. Frames are handed to a callback as slices, borrowed
//! from the input whenever a frame lies wholly inside one read, so the common case copies
//! nothing.

mod base64;
mod decompress;
mod gelf_chunking;
mod length_prefixed;
mod remove_empty;
mod separate;
mod textual_length_prefixed;

use sluice_script::{Record, Value};

use crate::{options::did_you_mean, Error};

pub use self::base64::Base64Pre;
pub use decompress::Decompress;
pub use gelf_chunking::{chunk_header as gelf_chunk_header, GelfChunking};
pub use length_prefixed::LengthPrefixed;
pub use remove_empty::RemoveEmpty;
pub use separate::Separate;
pub use textual_length_prefixed::TextualLengthPrefixed;

/// Every preprocessor name the config accepts.
pub const PREPROCESSOR_NAMES: &[&str] = &[
    "separate",
    "length-prefixed",
    "textual-length-prefixed",
    "gelf-chunking",
    "decompress",
    "base64",
    "remove-empty",
];

/// Scratch buffers above this capacity are shrunk after use, so one huge frame does not pin
/// its memory for the life of the stream.
const KEEP_CAPACITY: usize = 1 << 20;

pub(crate) fn release(buf: &mut Vec<u8>) {
    if buf.capacity() > KEEP_CAPACITY {
        buf.shrink_to(KEEP_CAPACITY / 16);
    }
}

/// What a preprocessor hands on: a frame, or an error about part of the stream (counted and
/// routed to `err` by the engine; the stream carries on).
pub type FrameResult<'a> = Result<&'a [u8], Error>;

/// A preprocessor instance.
#[derive(Debug)]
pub enum Preprocessor {
    /// Split on a separator byte.
    Separate(Separate),
    /// Binary big-endian length prefixes.
    LengthPrefixed(LengthPrefixed),
    /// Decimal octet counting (RFC 6587).
    TextualLengthPrefixed(TextualLengthPrefixed),
    /// GELF UDP chunk reassembly.
    GelfChunking(GelfChunking),
    /// Decompression with a size cap.
    Decompress(Decompress),
    /// Base64 decoding.
    Base64(Base64Pre),
    /// Dropping empty frames.
    RemoveEmpty(RemoveEmpty),
}

impl Preprocessor {
    /// True for stages that take one whole frame (or datagram) at a time; false for the
    /// stream splitters, whose input is whatever a read returned.
    fn is_frame_wise(&self) -> bool {
        !matches!(
            self,
            Preprocessor::Separate(_)
                | Preprocessor::LengthPrefixed(_)
                | Preprocessor::TextualLengthPrefixed(_)
        )
    }

    /// Builds the preprocessor called `name` with `options`.
    ///
    /// # Errors
    /// Unknown name (with a suggestion) or bad options.
    pub fn from_spec(name: &str, options: Option<&Record<'static>>) -> Result<Self, Error> {
        match name {
            "separate" => Separate::from_options(options).map(Preprocessor::Separate),
            "length-prefixed" => {
                LengthPrefixed::from_options(options).map(Preprocessor::LengthPrefixed)
            }
            "textual-length-prefixed" => TextualLengthPrefixed::from_options(options)
                .map(Preprocessor::TextualLengthPrefixed),
            "gelf-chunking" => GelfChunking::from_options(options).map(Preprocessor::GelfChunking),
            "decompress" => Decompress::from_options(options).map(Preprocessor::Decompress),
            "base64" => Base64Pre::from_options(options).map(Preprocessor::Base64),
            "remove-empty" => RemoveEmpty::from_options(options).map(Preprocessor::RemoveEmpty),
            _ => Err(Error::UnknownName {
                kind: "preprocessor",
                name: name.to_string(),
                hint: did_you_mean(name, PREPROCESSOR_NAMES),
            }),
        }
    }

    /// The config name.
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            Preprocessor::Separate(_) => "separate",
            Preprocessor::LengthPrefixed(_) => "length-prefixed",
            Preprocessor::TextualLengthPrefixed(_) => "textual-length-prefixed",
            Preprocessor::GelfChunking(_) => "gelf-chunking",
            Preprocessor::Decompress(_) => "decompress",
            Preprocessor::Base64(_) => "base64",
            Preprocessor::RemoveEmpty(_) => "remove-empty",
        }
    }

    /// Feeds `input`; calls `emit` for every frame (or error) it completes. For datagram
    /// sources each datagram is one call.
    pub fn process(&mut self, now_ns: u64, input: &[u8], emit: &mut dyn FnMut(FrameResult<'_>)) {
        match self {
            Preprocessor::Separate(s) => s.process(input, emit),
            Preprocessor::LengthPrefixed(p) => p.process(input, emit),
            Preprocessor::TextualLengthPrefixed(p) => p.process(input, emit),
            Preprocessor::GelfChunking(p) => p.process(now_ns, input, emit),
            Preprocessor::Decompress(p) => p.process(input, emit),
            Preprocessor::Base64(p) => p.process(input, emit),
            Preprocessor::RemoveEmpty(p) => p.process(input, emit),
        }
    }

    /// End of stream: hands on whatever is still buffered, and reports what is lost.
    pub fn finish(&mut self, now_ns: u64, emit: &mut dyn FnMut(FrameResult<'_>)) {
        let _ = now_ns;
        match self {
            Preprocessor::Separate(s) => s.finish(emit),
            Preprocessor::LengthPrefixed(p) => p.finish(emit),
            Preprocessor::TextualLengthPrefixed(p) => p.finish(emit),
            Preprocessor::GelfChunking(p) => p.finish(emit),
            Preprocessor::Decompress(_)
            | Preprocessor::Base64(_)
            | Preprocessor::RemoveEmpty(_) => {}
        }
    }

    /// The passage of time with no input: stages that hold partial data for a limited time
    /// (GELF reassembly) give up on what has expired, so a source that falls quiet does not
    /// keep it forever.
    pub fn tick(&mut self, now_ns: u64, emit: &mut dyn FnMut(FrameResult<'_>)) {
        match self {
            Preprocessor::GelfChunking(p) => p.expire(now_ns, emit),
            Preprocessor::Separate(_)
            | Preprocessor::LengthPrefixed(_)
            | Preprocessor::TextualLengthPrefixed(_)
            | Preprocessor::Decompress(_)
            | Preprocessor::Base64(_)
            | Preprocessor::RemoveEmpty(_) => {}
        }
    }

    /// End of a datagram: stages that split a stream treat the datagram's end as a frame's
    /// end (a syslog datagram carries no trailing newline); stages that reassemble across
    /// datagrams (chunking) keep their state.
    pub fn end_of_datagram(&mut self, now_ns: u64, emit: &mut dyn FnMut(FrameResult<'_>)) {
        let _ = now_ns;
        match self {
            Preprocessor::Separate(s) => s.finish(emit),
            Preprocessor::LengthPrefixed(_)
            | Preprocessor::TextualLengthPrefixed(_)
            | Preprocessor::GelfChunking(_)
            | Preprocessor::Decompress(_)
            | Preprocessor::Base64(_)
            | Preprocessor::RemoveEmpty(_) => {}
        }
    }

    /// Reports this stage's counters as `(name, value)`, always the same names in the same
    /// order for a given preprocessor (zeros included), so metrics exist from the start.
    /// Values are totals since the instance was built.
    pub fn counters(&self, f: &mut dyn FnMut(&'static str, u64)) {
        match self {
            Preprocessor::Separate(s) => s.counters(f),
            Preprocessor::LengthPrefixed(p) => p.counters(f),
            Preprocessor::TextualLengthPrefixed(p) => p.counters(f),
            Preprocessor::GelfChunking(p) => p.counters(f),
            Preprocessor::Decompress(p) => p.counters(f),
            Preprocessor::Base64(p) => p.counters(f),
            Preprocessor::RemoveEmpty(p) => p.counters(f),
        }
    }
}

/// Builds one entry of a processor list, wrapping config errors with their position.
pub(crate) fn at_position<T>(
    list: &'static str,
    index: usize,
    r: Result<T, Error>,
) -> Result<T, Error> {
    r.map_err(|error| Error::InChain {
        list,
        index,
        error: Box::new(error),
    })
}

/// Splits one config entry, `"name"` or `{ name = "...", option = ... }`, into the name and
/// the remaining options.
pub(crate) fn split_spec<'v>(
    list: &'static str,
    index: usize,
    spec: &'v Value<'static>,
) -> Result<(&'v str, Option<Record<'static>>), Error> {
    match spec {
        Value::String(name) => Ok((name, None)),
        Value::Record(r) => match r.get("name") {
            Some(Value::String(name)) => {
                let mut opts = r.clone();
                opts.remove("name");
                Ok((name, Some(opts)))
            }
            _ => at_position(
                list,
                index,
                Err(Error::BadOption {
                    component: list,
                    option: "name".into(),
                    message: "every entry needs a string `name`".into(),
                }),
            ),
        },
        other => at_position(
            list,
            index,
            Err(Error::BadOption {
                component: list,
                option: "name".into(),
                message: format!("expected a name or a record, got {}", other.value_type()),
            }),
        ),
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

    /// Builds a chain from config entries: each a name (`"remove-empty"`) or a record with a
    /// `name` and options (`{ name = "decompress", max_size = "16MiB" }`).
    ///
    /// # Errors
    /// [`Error::InChain`] naming the position of the first bad entry.
    pub fn from_specs(specs: &[Value<'static>]) -> Result<Self, Error> {
        let mut stages = Vec::with_capacity(specs.len());
        for (i, spec) in specs.iter().enumerate() {
            let (name, opts) = split_spec("preprocessors", i, spec)?;
            stages.push(at_position(
                "preprocessors",
                i,
                Preprocessor::from_spec(name, opts.as_ref()),
            )?);
        }
        Ok(PreprocessorChain::new(stages))
    }

    /// The stages, in order.
    #[must_use]
    pub fn stages(&self) -> &[Preprocessor] {
        &self.stages
    }

    /// Reports every stage's counters as `(stage name, counter name, value)`, stage by stage
    /// in chain order. A chain with the same preprocessor twice reports it twice.
    pub fn counters(&self, f: &mut dyn FnMut(&'static str, &'static str, u64)) {
        for s in &self.stages {
            let stage = s.name();
            s.counters(&mut |name, v| f(stage, name, v));
        }
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

    /// Time passes with no input: every stage expires what has timed out (see
    /// [`Preprocessor::tick`]); anything a stage hands on passes through the rest.
    pub fn tick(&mut self, now_ns: u64, emit: &mut dyn FnMut(FrameResult<'_>)) {
        for i in 0..self.stages.len() {
            let (head, rest) = self.stages[i..].split_at_mut(1);
            head[0].tick(now_ns, &mut |f| run(rest, now_ns, f, emit));
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

    /// A byte no frame of this chain can contain: the separator when the last stage is
    /// `separate` (it cuts frames there). The engine then knows that such frames fit a sink
    /// separated by the same byte without looking at them.
    #[must_use]
    pub fn excluded_byte(&self) -> Option<u8> {
        match self.stages.last() {
            Some(Preprocessor::Separate(s)) => Some(s.separator()),
            _ => None,
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
    run_in(stages, now_ns, input, None, emit);
}

/// Runs `input` through `stages`. `outer` is the outermost whole frame `input` came from
/// (what the first stage that works frame by frame saw): an error of a later stage carries
/// those bytes, so the error event holds the line or datagram as it arrived.
fn run_in(
    stages: &mut [Preprocessor],
    now_ns: u64,
    input: FrameResult<'_>,
    outer: Option<&[u8]>,
    emit: &mut dyn FnMut(FrameResult<'_>),
) {
    match (stages.split_first_mut(), input) {
        (_, Err(e)) => emit(Err(e.with_raw(outer))),
        (None, Ok(frame)) => emit(Ok(frame)),
        (Some((first, rest)), Ok(data)) => {
            // A stream splitter's input is a read, not a frame: its own errors carry no
            // bytes (except a too-long frame's head), its frames are the outermost ones.
            let whole = outer.or_else(|| first.is_frame_wise().then_some(data));
            first.process(now_ns, data, &mut |f| match f {
                Err(e) => emit(Err(e.with_raw(whole))),
                Ok(frame) => run_in(rest, now_ns, Ok(frame), whole.or(Some(frame)), emit),
            });
        }
    }
}
