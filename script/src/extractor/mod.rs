//! Extractors: micro-format recognisers used as `~ name|pattern|` in match patterns.
//!
//! An extractor is compiled once, when the script compiles; a bad pattern is a compile error
//! with the byte offset inside the pattern where the extractor can tell it. At run time it
//! gets the string under test and either fails (the case does not match; not an error) or
//! yields the extracted value, borrowing from the input where it can.

mod glob;
mod re;

use std::borrow::Cow;

use crate::Value;

pub use glob::Glob;
pub use re::Re;

/// Every extractor name the language accepts.
pub const EXTRACTOR_NAMES: &[&str] = &["re", "glob"];

/// Settings extractors may need at compile time (custom grok pattern files, ...).
#[derive(Debug, Clone, Default)]
pub struct ExtractorConfig {
    /// Extra grok pattern definitions, `NAME pattern` per line, as read from the config's files.
    pub grok_patterns: Vec<(String, String)>,
}

/// A compile-time extractor error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{extractor}: {message}")]
pub struct ExtractorError {
    /// The extractor's name.
    pub extractor: &'static str,
    /// What is wrong with the pattern.
    pub message: String,
    /// Byte offset inside the pattern, when known.
    pub offset: Option<usize>,
}

/// A compiled extractor.
#[derive(Debug, Clone)]
pub enum Extractor {
    /// `re|...|`: a regex; named groups become record fields.
    Re(Re),
    /// `glob|...|`: a shell-style pattern; yields `true`.
    Glob(Glob),
}

impl Extractor {
    /// Compiles `pattern` for the extractor called `name`.
    ///
    /// # Errors
    /// An unknown extractor name or a pattern the extractor rejects.
    pub fn compile(
        name: &str,
        pattern: &str,
        config: &ExtractorConfig,
    ) -> Result<Self, ExtractorError> {
        let _ = config;
        match name {
            "re" => Re::compile(pattern).map(Extractor::Re),
            "glob" => Glob::compile(pattern).map(Extractor::Glob),
            _ => Err(ExtractorError {
                extractor: "extractor",
                message: format!(
                    "unknown extractor `{name}` (known: {})",
                    EXTRACTOR_NAMES.join(", ")
                ),
                offset: None,
            }),
        }
    }

    /// The extractor's name.
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            Extractor::Re(_) => "re",
            Extractor::Glob(_) => "glob",
        }
    }

    /// The predicate form (`~`): does `input` match? Cheaper than [`Extractor::extract`].
    #[must_use]
    pub fn is_match(&self, input: &Value<'_>) -> bool {
        let Some(s) = input.as_str() else {
            return false;
        };
        match self {
            Extractor::Re(r) => r.is_match(s),
            Extractor::Glob(g) => g.is_match(s),
        }
    }

    /// The extraction form (`~=`) on a string; `None` when it does not match.
    #[must_use]
    pub fn extract_str<'i>(&self, input: &'i str) -> Option<Value<'i>> {
        match self {
            Extractor::Re(r) => r.extract(input),
            Extractor::Glob(g) => g.is_match(input).then_some(Value::Bool(true)),
        }
    }

    /// The extraction form on any value: non-strings never match. The result borrows from
    /// the input only when the input borrows from something longer-lived.
    #[must_use]
    pub fn extract<'v>(&self, input: &Value<'v>) -> Option<Value<'v>> {
        match input {
            Value::String(Cow::Borrowed(s)) => self.extract_str(s),
            Value::String(Cow::Owned(s)) => self.extract_str(s).map(Value::into_static),
            _ => None,
        }
    }
}
