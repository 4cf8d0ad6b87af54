//! Extractors: micro-format recognisers used as `~ name|pattern|` in match patterns.
//!
//! An extractor is compiled once, when the script compiles; a bad pattern is a compile error
//! with the byte offset inside the pattern where the extractor can tell it. At run time it
//! gets the string under test and either fails (the case does not match; not an error) or
//! yields the extracted value, borrowing from the input where it can.
//!
//! | name | yields |
//! |---|---|
//! | `re` | record of the named groups that took part in the match |
//! | `rerg` | record of named groups, each an array of every match's capture |
//! | `glob` | `true` |
//! | `dissect` | record of the pattern's fields |
//! | `grok` | record of the named fields (`%{IP:client}`), typed with `:int` / `:float` |
//! | `kv` | record of the key/value pairs (string values) |
//! | `json` | the decoded JSON value |
//! | `base64` | the decoded text |
//! | `cidr` | `{"prefix": [..], "mask": [..]}` of the address |
//! | `influx` | `{"measurement", "tags", "fields", "timestamp"}` |
//! | `datetime` | nanoseconds since the epoch (UTC) |

mod base64;
mod cidr;
mod datetime;
mod dissect;
mod glob;
mod grok;
mod influx;
mod json;
mod kv;
mod re;

use std::borrow::Cow;

use crate::Value;

pub use self::base64::Base64;
pub use cidr::Cidr;
pub use datetime::Datetime;
pub use dissect::Dissect;
pub use glob::Glob;
pub use grok::{parse_grok_patterns, Grok, GROK_PATTERN_FILES};
pub use influx::Influx;
pub use json::Json;
pub use kv::Kv;
pub use re::{Re, Rerg};

/// Every extractor name the language accepts.
pub const EXTRACTOR_NAMES: &[&str] = &[
    "re", "rerg", "glob", "dissect", "grok", "kv", "json", "base64", "cidr", "influx", "datetime",
];

/// Settings extractors may need at compile time (custom grok pattern files, ...).
#[derive(Debug, Clone, Default)]
pub struct ExtractorConfig {
    /// Extra grok pattern definitions, `NAME pattern` per line, as read from the config's files.
    /// They are added to the built-in Logstash set; a name defined here replaces the built-in.
    pub grok_patterns: Vec<(String, String)>,
}

impl ExtractorConfig {
    /// Reads a grok pattern file (`NAME pattern` per line, `#` comments, blank lines) and
    /// appends its definitions.
    ///
    /// # Errors
    /// The file cannot be read, or a line is not `NAME pattern` (the message names the line).
    pub fn load_grok_file(
        &mut self,
        path: impl AsRef<std::path::Path>,
    ) -> Result<(), ExtractorError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| ExtractorError {
            extractor: "grok",
            message: format!("cannot read pattern file {}: {e}", path.display()),
            offset: None,
        })?;
        let defs = parse_grok_patterns(&text).map_err(|mut e| {
            e.message = format!("{}: {}", path.display(), e.message);
            e
        })?;
        self.grok_patterns.extend(defs);
        Ok(())
    }
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

impl ExtractorError {
    pub(crate) fn at(extractor: &'static str, offset: usize, message: impl Into<String>) -> Self {
        ExtractorError {
            extractor,
            message: message.into(),
            offset: Some(offset),
        }
    }
}

thread_local! {
    /// Set when a match gave up at its step bound (the backtracking engine's limit).
    static OVER_BUDGET: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Records that a match gave up at its step bound: the caller turns it into a runtime
/// error for the event instead of a silent "no match". Thread-local because the compiled
/// extractor is shared, immutable, between shards; each shard's thread reads its own flag.
pub(crate) fn note_over_budget() {
    OVER_BUDGET.with(|c| c.set(true));
}

/// Whether a match on this thread gave up at its step bound since the last call (clears it).
pub(crate) fn take_over_budget() -> bool {
    OVER_BUDGET.with(|c| c.replace(false))
}

/// Reads the escapes a delimiter in a dissect or kv pattern may use (`\\ \n \t \r`); `at` is
/// the delimiter's offset in the pattern, for the error.
pub(crate) fn unescape_delimiter(
    extractor: &'static str,
    s: &str,
    at: usize,
) -> Result<String, ExtractorError> {
    let mut out = String::with_capacity(s.len());
    let mut it = s.char_indices();
    while let Some((i, c)) = it.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let bad = |msg: String| ExtractorError::at(extractor, at + i, msg);
        match it.next() {
            Some((_, '\\')) => out.push('\\'),
            Some((_, 'n')) => out.push('\n'),
            Some((_, 't')) => out.push('\t'),
            Some((_, 'r')) => out.push('\r'),
            Some((_, o)) => return Err(bad(format!("invalid escape `\\{o}`"))),
            None => return Err(bad("unterminated escape at the end of a delimiter".into())),
        }
    }
    Ok(out)
}

/// A compiled extractor.
// Compiled once per script and matched by reference: the size of the largest variant costs
// nothing per event.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum Extractor {
    /// `re|...|`: a regex; named groups become record fields.
    Re(Re),
    /// `rerg|...|`: a regex applied repeatedly; named groups become arrays.
    Rerg(Rerg),
    /// `glob|...|`: a shell-style pattern; yields `true`.
    Glob(Glob),
    /// `dissect|...|`: delimiter-based field splitting.
    Dissect(Dissect),
    /// `grok|...|`: Logstash grok patterns.
    Grok(Grok),
    /// `kv|...|`: key/value pairs.
    Kv(Kv),
    /// `json||`: a JSON document.
    Json(Json),
    /// `base64||`: base64 encoded text.
    Base64(Base64),
    /// `cidr|...|`: an IP address, optionally inside given ranges.
    Cidr(Cidr),
    /// `influx||`: one line of the Influx line protocol.
    Influx(Influx),
    /// `datetime|...|`: a timestamp in a strftime-style format.
    Datetime(Datetime),
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
        match name {
            "re" => Re::compile(pattern).map(Extractor::Re),
            "rerg" => Rerg::compile(pattern).map(Extractor::Rerg),
            "glob" => Glob::compile(pattern).map(Extractor::Glob),
            "dissect" => Dissect::compile(pattern).map(Extractor::Dissect),
            "grok" => Grok::compile(pattern, &config.grok_patterns).map(Extractor::Grok),
            "kv" => Kv::compile(pattern).map(Extractor::Kv),
            "json" => Json::compile(pattern).map(Extractor::Json),
            "base64" => Base64::compile(pattern).map(Extractor::Base64),
            "cidr" => Cidr::compile(pattern).map(Extractor::Cidr),
            "influx" => Influx::compile(pattern).map(Extractor::Influx),
            "datetime" => Datetime::compile(pattern).map(Extractor::Datetime),
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
            Extractor::Rerg(_) => "rerg",
            Extractor::Glob(_) => "glob",
            Extractor::Dissect(_) => "dissect",
            Extractor::Grok(_) => "grok",
            Extractor::Kv(_) => "kv",
            Extractor::Json(_) => "json",
            Extractor::Base64(_) => "base64",
            Extractor::Cidr(_) => "cidr",
            Extractor::Influx(_) => "influx",
            Extractor::Datetime(_) => "datetime",
        }
    }

    /// The predicate form (`~`): does `input` match? Cheaper than [`Extractor::extract`]:
    /// it builds no value.
    #[must_use]
    pub fn is_match(&self, input: &Value<'_>) -> bool {
        let Some(s) = input.as_str() else {
            return false;
        };
        self.is_match_str(s)
    }

    /// The predicate form on a string.
    #[must_use]
    pub fn is_match_str(&self, s: &str) -> bool {
        match self {
            Extractor::Re(r) => r.is_match(s),
            Extractor::Rerg(r) => r.is_match(s),
            Extractor::Glob(g) => g.is_match(s),
            Extractor::Dissect(d) => d.is_match(s),
            Extractor::Grok(g) => g.is_match(s),
            Extractor::Kv(k) => k.is_match(s),
            Extractor::Json(j) => j.is_match(s),
            Extractor::Base64(b) => b.is_match(s),
            Extractor::Cidr(c) => c.is_match(s),
            Extractor::Influx(i) => i.is_match(s),
            Extractor::Datetime(d) => d.is_match(s),
        }
    }

    /// The extraction form (`~=`) on a string; `None` when it does not match.
    ///
    /// Values borrow from `input`; record keys the pattern names are copied, since the
    /// result may outlive the extractor. [`Extractor::extract_borrowed`] avoids that copy.
    #[must_use]
    pub fn extract_str<'i>(&self, input: &'i str) -> Option<Value<'i>> {
        self.run(input, |k| Cow::Owned(k.to_owned()))
    }

    /// The extraction form where the result may borrow from both the input and the
    /// extractor: record keys named in the pattern are not copied. This is the form to use
    /// when the compiled script outlives the events it processes (it always does).
    #[must_use]
    pub fn extract_borrowed<'a>(&'a self, input: &'a str) -> Option<Value<'a>> {
        self.run(input, Cow::Borrowed)
    }

    fn run<'p, 'i>(
        &'p self,
        input: &'i str,
        key: impl Fn(&'p str) -> Cow<'i, str> + Copy,
    ) -> Option<Value<'i>> {
        match self {
            Extractor::Re(r) => r.extract(input, key),
            Extractor::Rerg(r) => r.extract(input, key),
            Extractor::Glob(g) => g.is_match(input).then_some(Value::Bool(true)),
            Extractor::Dissect(d) => d.extract(input, key),
            Extractor::Grok(g) => g.extract(input, key),
            Extractor::Kv(k) => k.extract(input),
            Extractor::Json(j) => j.extract(input),
            Extractor::Base64(b) => b.extract(input),
            Extractor::Cidr(c) => c.extract(input),
            Extractor::Influx(i) => i.extract(input),
            Extractor::Datetime(d) => d.extract(input),
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

#[cfg(test)]
mod tests;
