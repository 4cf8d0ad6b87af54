//! Config: TOML text -> validated [`Loaded`] plan, with every error pointing at the file,
//! line, column and key it is about.

mod build;
mod connectors;
mod kafka;
mod raw;
mod script;
mod shaper;
mod sink;
mod values;

use std::net::SocketAddr;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;

use sluice_shards::{Plan, Topology};

/// The config that `sluice run` uses when given none.
pub const DEFAULT_CONFIG: &str = include_str!("../default.toml");

/// A config error with its position.
#[derive(Debug)]
pub struct ConfigError {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub key: String,
    pub message: String,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line == 0 {
            // Not about a place in the file (it could not be read): the message alone.
            write!(f, "{}", self.message)
        } else if self.key.is_empty() {
            write!(
                f,
                "{}:{}:{}: {}",
                self.file, self.line, self.column, self.message
            )
        } else {
            write!(
                f,
                "{}:{}:{}: `{}`: {}",
                self.file, self.line, self.column, self.key, self.message
            )
        }
    }
}

impl std::error::Error for ConfigError {}

/// Every error of a config, in file order.
#[derive(Debug)]
pub struct ConfigErrors(pub Vec<ConfigError>);

impl std::fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}

impl From<ConfigError> for ConfigErrors {
    fn from(e: ConfigError) -> Self {
        ConfigErrors(vec![e])
    }
}

/// A validated config, ready to run.
#[derive(Debug)]
pub struct Loaded {
    pub plan: Plan,
    pub admin: Option<SocketAddr>,
    pub topology: Topology,
    /// Where the file was (None: the embedded default).
    pub path: Option<PathBuf>,
}

/// Turns byte offsets into line/column for messages.
pub(crate) struct Source<'a> {
    pub name: String,
    pub text: &'a str,
}

impl Source<'_> {
    pub(crate) fn error(
        &self,
        span: Range<usize>,
        key: impl Into<String>,
        message: impl Into<String>,
    ) -> ConfigError {
        let (line, column) = line_col(self.text, span.start);
        ConfigError {
            file: self.name.clone(),
            line,
            column,
            key: key.into(),
            message: message.into(),
        }
    }
}

pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before.rfind('\n').map_or(offset, |nl| offset - nl - 1) + 1;
    (line, col)
}

/// Loads `path`, or the embedded default when `None`.
///
/// # Errors
/// Every problem found, positioned, in file order.
pub fn load(path: Option<&Path>) -> Result<Loaded, ConfigErrors> {
    let (name, text) = match path {
        Some(p) => {
            let text = std::fs::read_to_string(p).map_err(|e| ConfigError {
                file: p.display().to_string(),
                line: 0,
                column: 0,
                key: String::new(),
                message: format!("cannot read {}: {}", p.display(), io_reason(&e)),
            })?;
            (p.display().to_string(), text)
        }
        None => ("<default config>".to_string(), DEFAULT_CONFIG.to_string()),
    };
    let src = Source { name, text: &text };
    let raw: raw::Raw = toml::from_str(&text).map_err(|e| {
        let span = e.span().unwrap_or(0..0);
        let msg = e.message().trim().to_string();
        let key = msg
            .split('`')
            .nth(1)
            .filter(|_| msg.starts_with("unknown field"))
            .unwrap_or("")
            .to_string();
        src.error(span, key, msg)
    })?;
    let topology = Topology::detect();
    let (plan, admin) =
        build::build(&src, raw, &topology, path.and_then(Path::parent)).map_err(ConfigErrors)?;
    Ok(Loaded {
        plan,
        admin,
        topology,
        path: path.map(Path::to_path_buf),
    })
}

/// An I/O error as a reader wants it: "No such file or directory", without "(os error 2)".
fn io_reason(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

/// Parses `"2s"`, `"500ms"`, `"1m 30s"` (the same forms as component options).
pub(crate) fn parse_duration(s: &str) -> Result<Duration, String> {
    sluice_codecs::parse_duration_ns(s)
        .map(Duration::from_nanos)
        .ok_or_else(|| format!("`{s}` is not a duration; examples: \"500ms\", \"2s\", \"1m 30s\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based() {
        assert_eq!(line_col("ab\ncd", 0), (1, 1));
        assert_eq!(line_col("ab\ncd", 4), (2, 2));
    }

    #[test]
    fn the_default_config_is_valid() {
        let l = load(None).unwrap_or_else(|e| panic!("{e}"));
        assert!(!l.plan.sources.is_empty());
    }
}
