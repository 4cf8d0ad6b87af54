//! `re` and `rerg`: regular expressions (the regex crate's syntax).
//!
//! `re` yields the named groups of the first match that took part in it; `rerg` applies the
//! regex repeatedly and yields every named group as an array of its captures, in order.

use std::borrow::Cow;

use regex::Regex;

use super::ExtractorError;
use crate::{Record, Value};

/// Compiles `pattern`, turning a syntax error into an [`ExtractorError`] that carries the
/// byte offset regex-syntax reports.
pub(crate) fn compile_regex(
    extractor: &'static str,
    pattern: &str,
) -> Result<Regex, ExtractorError> {
    Regex::new(pattern).map_err(|e| ExtractorError {
        extractor,
        message: e
            .to_string()
            .lines()
            .last()
            .unwrap_or("invalid regex")
            .trim()
            .trim_start_matches("error: ")
            .to_string(),
        offset: regex_error_offset(pattern),
    })
}

/// Where regex-syntax says `pattern` goes wrong, if it is a syntax (not a size) error.
pub(crate) fn regex_error_offset(pattern: &str) -> Option<usize> {
    match regex_syntax::ast::parse::Parser::new().parse(pattern) {
        Err(e) => Some(e.span().start.offset),
        Ok(ast) => match regex_syntax::hir::translate::Translator::new().translate(pattern, &ast) {
            Err(e) => Some(e.span().start.offset),
            Ok(_) => None,
        },
    }
}

fn named_groups(regex: &Regex) -> Vec<(usize, String)> {
    regex
        .capture_names()
        .enumerate()
        .filter_map(|(i, n)| n.map(|n| (i, n.to_string())))
        .collect()
}

/// A compiled `re` extractor.
#[derive(Debug, Clone)]
pub struct Re {
    regex: Regex,
    names: Vec<(usize, String)>,
}

impl Re {
    pub(crate) fn compile(pattern: &str) -> Result<Self, ExtractorError> {
        let regex = compile_regex("re", pattern)?;
        let names = named_groups(&regex);
        Ok(Re { regex, names })
    }

    pub(crate) fn is_match(&self, s: &str) -> bool {
        self.regex.is_match(s)
    }

    /// Named groups that took part in the match become string fields.
    pub(crate) fn extract<'p, 'i>(
        &'p self,
        s: &'i str,
        key: impl Fn(&'p str) -> Cow<'i, str>,
    ) -> Option<Value<'i>> {
        let caps = self.regex.captures(s)?;
        let mut r = Record::with_capacity(self.names.len());
        for (i, name) in &self.names {
            if let Some(m) = caps.get(*i) {
                r.insert(key(name), Value::String(Cow::Borrowed(m.as_str())));
            }
        }
        Some(Value::Record(r))
    }
}

/// A compiled `rerg` extractor.
#[derive(Debug, Clone)]
pub struct Rerg {
    regex: Regex,
    names: Vec<(usize, String)>,
}

impl Rerg {
    pub(crate) fn compile(pattern: &str) -> Result<Self, ExtractorError> {
        let regex = compile_regex("rerg", pattern)?;
        let names = named_groups(&regex);
        Ok(Rerg { regex, names })
    }

    pub(crate) fn is_match(&self, s: &str) -> bool {
        self.regex.is_match(s)
    }

    pub(crate) fn extract<'p, 'i>(
        &'p self,
        s: &'i str,
        key: impl Fn(&'p str) -> Cow<'i, str>,
    ) -> Option<Value<'i>> {
        let mut arrays: Vec<Vec<Value<'i>>> = vec![Vec::new(); self.names.len()];
        let mut any = false;
        for caps in self.regex.captures_iter(s) {
            any = true;
            for (slot, (i, _)) in arrays.iter_mut().zip(&self.names) {
                if let Some(m) = caps.get(*i) {
                    slot.push(Value::String(Cow::Borrowed(m.as_str())));
                }
            }
        }
        if !any {
            return None;
        }
        let mut r = Record::with_capacity(self.names.len());
        for (a, (_, name)) in arrays.into_iter().zip(&self.names) {
            if !a.is_empty() {
                r.insert(key(name), Value::Array(a));
            }
        }
        Some(Value::Record(r))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn own(k: &str) -> Cow<'static, str> {
        Cow::Owned(k.to_owned())
    }

    #[test]
    fn named_groups_become_fields() {
        let re = Re::compile(r"^(?P<level>[A-Z]+) (?P<msg>.*)$").unwrap();
        let v = re.extract("WARN disk full", own).unwrap();
        assert_eq!(v.get("level").and_then(Value::as_str), Some("WARN"));
        assert_eq!(v.get("msg").and_then(Value::as_str), Some("disk full"));
        assert!(re.extract("warn lower", own).is_none());
    }

    #[test]
    fn groups_outside_the_match_are_left_out() {
        // tremor's own example: `(snot)?foo(?P<snot>.*)` on "foobar" yields {"snot": "bar"}.
        let re = Re::compile(r"(snot)?foo(?P<snot>.*)").unwrap();
        assert_eq!(
            re.extract("foobar", own).unwrap().to_json(),
            r#"{"snot":"bar"}"#
        );
        let re = Re::compile(r"a(?P<x>b)?c").unwrap();
        assert_eq!(re.extract("ac", own).unwrap().to_json(), "{}");
    }

    #[test]
    fn bad_regex_is_an_error_with_offset() {
        let e = Re::compile("ab(unclosed").unwrap_err();
        assert_eq!(e.extractor, "re");
        assert_eq!(e.offset, Some(2));
        let e = Re::compile("x{2,1}").unwrap_err();
        assert!(e.offset.is_some());
    }

    #[test]
    fn rerg_collects_every_match() {
        // tremor's example: key=value pairs joined by `&`.
        let r = Rerg::compile("(?P<key>[^=]+)=(?P<val>[^&]+)&").unwrap();
        let v = r.extract("foo=bar&baz=bat&", own).unwrap();
        assert_eq!(v.to_json(), r#"{"key":["foo","baz"],"val":["bar","bat"]}"#);
        assert!(r.extract("nothing here", own).is_none());
        assert!(r.is_match("a=b&"));
    }
}
