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
            Error::UnknownName { .. } | Error::BadOption { .. } => "config",
            Error::FrameTooLong { .. } => "frame_too_long",
            Error::Decode { .. } => "decode",
            Error::Encode { .. } => "encode",
        }
    }
}
