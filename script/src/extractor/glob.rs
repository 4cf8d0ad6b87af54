//! `glob`: shell-style patterns: `?`, `*`, `[...]`, `[!...]`.
//!
//! Compiled once into an anchored regex, which the regex crate matches in linear time.

use regex::Regex;

use super::ExtractorError;

/// A compiled `glob` extractor.
#[derive(Debug, Clone)]
pub struct Glob {
    regex: Regex,
}

impl Glob {
    pub(crate) fn compile(pattern: &str) -> Result<Self, ExtractorError> {
        let err = |message: &str, offset: usize| ExtractorError {
            extractor: "glob",
            message: message.to_string(),
            offset: Some(offset),
        };
        let mut re = String::with_capacity(pattern.len() * 2 + 8);
        re.push_str("(?s)^");
        let mut chars = pattern.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            match c {
                '*' => re.push_str(".*"),
                '?' => re.push('.'),
                '[' => {
                    re.push('[');
                    if let Some((_, '!')) = chars.peek() {
                        chars.next();
                        re.push('^');
                    }
                    let mut closed = false;
                    let mut first = true;
                    for (_, c) in chars.by_ref() {
                        if c == ']' && !first {
                            closed = true;
                            break;
                        }
                        first = false;
                        match c {
                            '\\' | '[' | ']' | '^' | '&' | '~' => {
                                re.push('\\');
                                re.push(c);
                            }
                            _ => re.push(c),
                        }
                    }
                    if !closed {
                        return Err(err("unclosed `[`", i));
                    }
                    re.push(']');
                }
                _ => re.push_str(&regex::escape(c.encode_utf8(&mut [0; 4]))),
            }
        }
        re.push('$');
        let regex = Regex::new(&re).map_err(|e| err(&e.to_string(), 0))?;
        Ok(Glob { regex })
    }

    pub(crate) fn is_match(&self, s: &str) -> bool {
        self.regex.is_match(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_semantics() {
        let g = Glob::compile("INFO*").unwrap();
        assert!(g.is_match("INFO"));
        assert!(g.is_match("INFO: started"));
        assert!(!g.is_match("xINFO"));
        let g = Glob::compile("file?.[0-9][!a]").unwrap();
        assert!(g.is_match("file1.7b"));
        assert!(!g.is_match("file1.7a"));
        assert!(!g.is_match("file12.7b"));
        let g = Glob::compile("a[*]b").unwrap();
        assert!(g.is_match("a*b"));
        assert!(!g.is_match("axb"));
        assert!(Glob::compile("[abc").is_err());
        let g = Glob::compile("a.b+c").unwrap();
        assert!(g.is_match("a.b+c"));
        assert!(!g.is_match("aXb+c"));
    }
}
