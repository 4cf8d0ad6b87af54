//! The crate's one error type.

/// Everything that can go wrong in a preprocessor, codec or postprocessor.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// A name in the config that no codec or processor answers to.
    #[error("unknown {kind} `{name}`{hint}")]
    UnknownName {
        /// "codec", "preprocessor" or "postprocessor".
        kind: &'static str,
        /// The name given.
        name: String,
        /// ", did you mean `...`?" or empty.
        hint: String,
    },
    /// An option that is not recognised or has the wrong type or value.
    #[error("{component}: option `{option}`: {message}")]
    BadOption {
        /// The codec or processor.
        component: &'static str,
        /// The option key.
        option: String,
        /// What is wrong with it.
        message: String,
    },
    /// A frame grew past the configured maximum; `head` holds its first bytes.
    #[error("frame longer than {max} bytes (saw {seen} bytes before giving up)")]
    FrameTooLong {
        /// The configured limit.
        max: usize,
        /// How many bytes of the frame had arrived.
        seen: usize,
        /// The start of the frame, for the error event.
        head: Vec<u8>,
    },
    /// A frame could not be decoded by the codec.
    #[error("{codec}: {message}")]
    Decode {
        /// The codec.
        codec: &'static str,
        /// What was wrong.
        message: String,
    },
    /// A frame header (length prefix, chunk header, encoding) that does not parse. For a
    /// stream this means the framing is lost; the processor says how it resynchronises.
    #[error("{component}: {message}")]
    Framing {
        /// The preprocessor.
        component: &'static str,
        /// What was wrong.
        message: String,
    },
    /// Data dropped by a reassembly bound (GELF chunks: count, size, messages in flight,
    /// timeout, duplicates). `reason` is also the name of the counter that counted it.
    #[error("gelf-chunking: {reason}: {message}")]
    Chunking {
        /// Short stable reason, e.g. `timed_out`.
        reason: &'static str,
        /// Details (message id, sizes).
        message: String,
    },
    /// Compressed data that does not decompress.
    #[error("decompress ({algorithm}): {message}")]
    Decompress {
        /// The algorithm tried.
        algorithm: &'static str,
        /// What the decompressor said.
        message: String,
    },
    /// Decompressed data grew past `max_size` (a decompression bomb or a misconfigured limit);
    /// decompression stopped there.
    #[error("decompress ({algorithm}): output exceeds max_size of {max} bytes")]
    DecompressLimit {
        /// The algorithm.
        algorithm: &'static str,
        /// The configured limit.
        max: usize,
    },
    /// A frame could not be compressed or framed on the way out.
    #[error("{component}: {message}")]
    Postprocess {
        /// The postprocessor.
        component: &'static str,
        /// What was wrong.
        message: String,
    },
    /// A config error in a list of processors, with its position in the list.
    #[error("{list}[{index}]: {error}")]
    InChain {
        /// "preprocessors" or "postprocessors".
        list: &'static str,
        /// Zero-based position in the list.
        index: usize,
        /// The error of that entry.
        error: Box<Error>,
    },
    /// A preprocessor error together with the bytes of the frame it was working on (the
    /// outermost whole frame: the line, the datagram, the length-prefixed frame), so the
    /// error event can carry them intact.
    #[error("{error}")]
    WithRaw {
        /// The error itself.
        error: Box<Error>,
        /// The frame's bytes as they arrived.
        raw: Vec<u8>,
    },
    /// A value could not be encoded by the codec.
    #[error("{codec}: cannot encode: {message}")]
    Encode {
        /// The codec.
        codec: &'static str,
        /// What was wrong.
        message: String,
    },
}

impl Error {
    /// A short, stable name for the kind of error, used as a metrics label and in error events.
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            Error::UnknownName { .. } | Error::BadOption { .. } | Error::InChain { .. } => "config",
            Error::FrameTooLong { .. } => "frame_too_long",
            Error::Decode { .. } => "decode",
            Error::Encode { .. } => "encode",
            Error::Framing { .. } => "framing",
            Error::Chunking { .. } => "chunking",
            Error::Decompress { .. } => "decompress",
            Error::DecompressLimit { .. } => "decompress_limit",
            Error::Postprocess { .. } => "postprocess",
            Error::WithRaw { error, .. } => error.kind(),
        }
    }

    /// The error itself, without the bytes a [`Error::WithRaw`] carries.
    #[must_use]
    pub fn cause(&self) -> &Error {
        match self {
            Error::WithRaw { error, .. } => error.cause(),
            e => e,
        }
    }

    /// The bytes an error event should carry: the frame of a [`Error::WithRaw`], the head
    /// of a [`Error::FrameTooLong`], else none.
    #[must_use]
    pub fn raw(&self) -> Option<&[u8]> {
        match self {
            Error::WithRaw { raw, .. } => Some(raw),
            Error::FrameTooLong { head, .. } => Some(head),
            _ => None,
        }
    }

    /// Attaches `raw` (when there is one) unless the error already carries bytes.
    #[must_use]
    pub fn with_raw(self, raw: Option<&[u8]>) -> Error {
        match (raw, self.raw()) {
            (Some(raw), None) => Error::WithRaw {
                error: Box::new(self),
                raw: raw.to_vec(),
            },
            _ => self,
        }
    }
}
