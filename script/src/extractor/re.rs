//! `re`: regular expressions (the regex crate's syntax).

use std::borrow::Cow;

use regex::Regex;

use super::ExtractorError;
use crate::{Record, Value};

/// A compiled `re` extractor.
#[derive(Debug, Clone)]
pub struct Re {
    regex: Regex,
    names: Vec<(usize, String)>,
}

impl Re {
    pub(crate) fn compile(pattern: &str) -> Result<Self, ExtractorError> {
        let regex = Regex::new(pattern).map_err(|e| ExtractorError {
            extractor: "re",
            message: e
                .to_string()
                .lines()
                .last()
                .unwrap_or("invalid regex")
                .trim()
                .to_string(),
            offset: None,
        })?;
        let names = regex
            .capture_names()
            .enumerate()
            .filter_map(|(i, n)| n.map(|n| (i, n.to_string())))
            .collect();
        Ok(Re { regex, names })
    }

    pub(crate) fn is_match(&self, s: &str) -> bool {
        self.regex.is_match(s)
    }

    /// Named groups that took part in the match become string fields.
    pub(crate) fn extract<'i>(&self, s: &'i str) -> Option<Value<'i>> {
        let caps = self.regex.captures(s)?;
        let mut r = Record::with_capacity(self.names.len());
        for (i, name) in &self.names {
            if let Some(m) = caps.get(*i) {
                r.push_unique(name.clone(), Value::String(Cow::Borrowed(m.as_str())));
            }
        }
        Some(Value::Record(r))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_groups_become_fields() {
        let re = Re::compile(r"^(?P<level>[A-Z]+) (?P<msg>.*)$").unwrap();
        let v = re.extract("WARN disk full").unwrap();
        assert_eq!(v.get("level").and_then(Value::as_str), Some("WARN"));
        assert_eq!(v.get("msg").and_then(Value::as_str), Some("disk full"));
        assert!(re.extract("warn lower").is_none());
    }

    #[test]
    fn bad_regex_is_an_error() {
        assert!(Re::compile("(unclosed").is_err());
    }
}
