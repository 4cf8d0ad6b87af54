//! The built-in Logstash pattern set and the `NAME pattern` file format.
//!
//! The files under `patterns/` (Logstash's legacy set, every file, plus `zeek` and the
//! netfilter `IPTABLES` definitions; see `patterns/NOTICE.md`) are compiled into the binary,
//! so `%{COMBINEDAPACHELOG}`, `%{SYSLOGLINE}`, `%{IP}` and the rest work without any file on
//! disk.

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::extractor::ExtractorError;

macro_rules! pattern_files {
    ($($name:literal),* $(,)?) => {
        /// The built-in pattern files: (file name, contents).
        pub const GROK_PATTERN_FILES: &[(&str, &str)] = &[
            $(($name, include_str!(concat!("patterns/", $name)))),*
        ];
    };
}

pattern_files!(
    "grok-patterns",
    "aws",
    "bacula",
    "bind",
    "bro",
    "exim",
    "firewalls",
    "haproxy",
    "httpd",
    "iptables",
    "java",
    "junos",
    "linux-syslog",
    "maven",
    "mcollective",
    "mcollective-patterns",
    "mongodb",
    "nagios",
    "postgresql",
    "rails",
    "redis",
    "ruby",
    "squid",
    "zeek",
);

/// Parses a grok pattern file: one `NAME pattern` definition per line (the name, then
/// whitespace, then the regex to the end of the line); blank lines and lines starting with
/// `#` are skipped.
///
/// # Errors
/// A line with a name but no pattern, or a name that is not `[A-Za-z0-9_]+`; the message
/// names the line and `offset` is the byte offset of that line in `text`.
pub fn parse_grok_patterns(text: &str) -> Result<Vec<(String, String)>, ExtractorError> {
    let mut out = Vec::new();
    let mut offset = 0;
    for (n, raw) in text.split('\n').enumerate() {
        let line_start = offset;
        offset += raw.len() + 1;
        let line = raw.trim_end_matches('\r');
        let body = line.trim_start();
        if body.is_empty() || body.starts_with('#') {
            continue;
        }
        let err = |m: &str| ExtractorError::at("grok", line_start, format!("line {}: {m}", n + 1));
        let (name, pattern) = body
            .split_once(|c: char| c.is_ascii_whitespace())
            .ok_or_else(|| err("expected `NAME pattern`"))?;
        if !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            return Err(err(&format!(
                "`{name}` is not a pattern name ([A-Za-z0-9_]+)"
            )));
        }
        let pattern = pattern.trim_start();
        if pattern.is_empty() {
            return Err(err(&format!("`{name}` has no pattern")));
        }
        out.push((name.to_string(), pattern.to_string()));
    }
    Ok(out)
}

/// The built-in definitions by name, parsed once per process (the table is immutable).
pub(super) fn builtin() -> &'static HashMap<&'static str, &'static str> {
    static TABLE: OnceLock<HashMap<&'static str, &'static str>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut m = HashMap::new();
        for (_, text) in GROK_PATTERN_FILES {
            for line in text.lines() {
                let body = line.trim();
                if body.is_empty() || body.starts_with('#') {
                    continue;
                }
                if let Some((name, pattern)) = body.split_once(|c: char| c.is_ascii_whitespace()) {
                    m.insert(name, pattern.trim_start());
                }
            }
        }
        m
    })
}

/// Custom definitions first, then the built-in set.
pub(super) struct Definitions<'a> {
    custom: &'a [(String, String)],
}

impl<'a> Definitions<'a> {
    pub(super) fn new(custom: &'a [(String, String)]) -> Self {
        Definitions { custom }
    }

    pub(super) fn get(&self, name: &str) -> Option<&'a str> {
        // The last custom definition of a name wins, as a later file line would.
        self.custom
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, p)| p.as_str())
            .or_else(|| builtin().get(name).copied())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_format() {
        let text =
            "# comment\n\nMYNUM [0-9]+\r\nGREETING   hello %{WORD:who}\n  # indented comment\n";
        let defs = parse_grok_patterns(text).unwrap();
        assert_eq!(
            defs,
            vec![
                ("MYNUM".to_string(), "[0-9]+".to_string()),
                ("GREETING".to_string(), "hello %{WORD:who}".to_string()),
            ]
        );
        let e = parse_grok_patterns("OK a\nLONELY\n").unwrap_err();
        assert_eq!(e.offset, Some(5));
        assert!(e.message.contains("line 2"), "{}", e.message);
        assert!(parse_grok_patterns("BAD-NAME x").is_err());
    }

    #[test]
    fn builtin_set_is_complete() {
        let b = builtin();
        for name in [
            "COMBINEDAPACHELOG",
            "SYSLOGLINE",
            "IP",
            "IPV6",
            "NUMBER",
            "CISCOFW106023",
            "HAPROXYHTTP",
            "JAVASTACKTRACEPART",
        ] {
            assert!(b.contains_key(name), "{name}");
        }
        // Every built-in file parses with the public parser too.
        for (file, text) in GROK_PATTERN_FILES {
            parse_grok_patterns(text).unwrap_or_else(|e| panic!("{file}: {e}"));
        }
    }

    #[test]
    fn custom_definitions_override_builtins() {
        let custom = vec![("NUMBER".to_string(), "[0-9]".to_string())];
        let d = Definitions::new(&custom);
        assert_eq!(d.get("NUMBER"), Some("[0-9]"));
        assert_eq!(d.get("WORD"), Some(r"\b\w+\b"));
        assert_eq!(d.get("NOPE"), None);
    }
}
