//! Grok pattern expansion and translation from Oniguruma syntax to the regex crate's.
//!
//! One pass over the pattern expands `%{NAME}`, `%{NAME:field}` and `%{NAME:field:type}`
//! recursively and writes three regexes:
//! - `fast`: for the regex crate. Each look-around becomes an empty capture group (a
//!   marker) whose position is checked after the match; named fields are capture groups.
//! - `pred`: the same with the fields non-capturing, for the predicate form.
//! - `full`: look-arounds kept, for the backtracking engine (fancy-regex) that decides when
//!   a marker check fails or a look-around cannot be checked by position.
//!
//! Decisions, so that both engines see the same language:
//! - `\d \w \s \h` and their negations are ASCII, as in Ruby's Oniguruma (Logstash); `\b` is
//!   the ASCII word boundary. This also keeps the regex crate on its fast DFA paths.
//! - Atomic groups `(?>...)` and possessive quantifiers are treated as ordinary groups and
//!   greedy quantifiers. In the Logstash set they only bound backtracking, which neither
//!   engine here needs; a pattern that relies on them to reject input accepts it here.
//! - Unnamed groups do not capture (grok only reports named fields).
//! - Ruby's `(?m)` (dot matches newline) becomes `(?s)`.

use super::oniguruma::{class_escape, quantifier};
use super::patterns::Definitions;
use crate::extractor::ExtractorError;

/// How a field's text is converted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Conv {
    Str,
    Int,
    Float,
}

/// A named field, with its capture group in `fast` (absent inside a look-around) and `full`.
#[derive(Debug, Clone)]
pub(super) struct FieldDef {
    pub name: String,
    pub conv: Conv,
    pub fast: Option<usize>,
    pub full: usize,
}

/// A look-around and, if it can be checked by position, its marker groups.
#[derive(Debug, Clone)]
pub(super) struct LookDef {
    pub ahead: bool,
    pub negate: bool,
    /// The body in regex-crate syntax.
    pub body: String,
    pub fast_group: usize,
    pub pred_group: usize,
    /// False when the marker sits in a repetition, nests, or the body captures: only the
    /// backtracking engine can decide then.
    pub checkable: bool,
}

#[derive(Debug, Default)]
pub(super) struct Translated {
    pub fast: String,
    pub pred: String,
    pub full: String,
    pub fields: Vec<FieldDef>,
    pub looks: Vec<LookDef>,
    /// (offset in `fast`, offset in the user's pattern) at each top-level token.
    pub map: Vec<(usize, usize)>,
}

enum OpenKind {
    Plain,
    Look,
}

struct Open {
    kind: OpenKind,
    /// Looks whose markers are inside this group.
    markers: Vec<usize>,
}

const MAX_DEPTH: usize = 64;

struct Tr<'d> {
    defs: Definitions<'d>,
    out: Translated,
    fast_n: usize,
    pred_n: usize,
    full_n: usize,
    /// The look whose body is being written, if any.
    in_look: Option<usize>,
    stack: Vec<Open>,
    expanding: Vec<String>,
}

fn err(at: usize, msg: impl Into<String>) -> ExtractorError {
    ExtractorError::at("grok", at, msg)
}

impl Tr<'_> {
    fn emit3(&mut self, fast: &str, pred: &str, full: &str) {
        self.out.full.push_str(full);
        match self.in_look {
            Some(id) => self.out.looks[id].body.push_str(fast),
            None => {
                self.out.fast.push_str(fast);
                self.out.pred.push_str(pred);
            }
        }
    }

    fn emit(&mut self, s: &str) {
        self.emit3(s, s, s);
    }

    /// Opens a capture group for a field named `name`.
    fn open_field(&mut self, name: &str, conv: Conv) {
        self.full_n += 1;
        let fast = if let Some(id) = self.in_look {
            // Only the backtracking engine sees captures inside a look-around.
            self.out.looks[id].checkable = false;
            None
        } else {
            self.fast_n += 1;
            Some(self.fast_n)
        };
        self.out.fields.push(FieldDef {
            name: name.to_string(),
            conv,
            fast,
            full: self.full_n,
        });
        self.emit3("(", "(?:", "(");
        self.stack.push(Open {
            kind: OpenKind::Plain,
            markers: Vec::new(),
        });
    }

    fn open_plain(&mut self, text: &str) {
        self.emit(text);
        self.stack.push(Open {
            kind: OpenKind::Plain,
            markers: Vec::new(),
        });
    }

    fn open_look(&mut self, ahead: bool, negate: bool) {
        let id = self.out.looks.len();
        let nested = self.in_look.is_some();
        if let Some(outer) = self.in_look {
            self.out.looks[outer].checkable = false;
        }
        if !nested {
            self.fast_n += 1;
            self.pred_n += 1;
        }
        self.out.looks.push(LookDef {
            ahead,
            negate,
            body: String::new(),
            fast_group: self.fast_n,
            pred_group: self.pred_n,
            checkable: !nested,
        });
        if !nested {
            self.out.fast.push_str("()");
            self.out.pred.push_str("()");
            if let Some(top) = self.stack.last_mut() {
                top.markers.push(id);
            }
        }
        self.out.full.push_str(match (ahead, negate) {
            (true, false) => "(?=",
            (true, true) => "(?!",
            (false, false) => "(?<=",
            (false, true) => "(?<!",
        });
        self.stack.push(Open {
            kind: OpenKind::Look,
            markers: vec![id],
        });
        if !nested {
            self.in_look = Some(id);
        }
    }

    /// Closes the innermost group; `repeated` says whether a quantifier lets it match more
    /// than once, which makes its markers uncheckable (only the last repeat is captured).
    fn close(&mut self, at: usize, repeated: bool) -> Result<(), ExtractorError> {
        let open = self.stack.pop().ok_or_else(|| err(at, "unbalanced `)`"))?;
        match open.kind {
            OpenKind::Look => {
                self.out.full.push(')');
                let id = open.markers[0];
                if self.in_look == Some(id) {
                    self.in_look = None;
                } else if let Some(outer) = self.in_look {
                    self.out.looks[outer].body.push(')');
                }
                if repeated {
                    self.out.looks[id].checkable = false;
                }
            }
            OpenKind::Plain => {
                self.emit(")");
                if repeated {
                    for id in &open.markers {
                        self.out.looks[*id].checkable = false;
                    }
                }
                if let Some(top) = self.stack.last_mut() {
                    top.markers.extend(open.markers);
                }
            }
        }
        Ok(())
    }

    /// `%{NAME}`, `%{NAME:field}`, `%{NAME:field:type}` (body without `%{` `}`).
    fn reference(&mut self, body: &str, at: usize) -> Result<(), ExtractorError> {
        let mut parts = body.splitn(3, ':');
        let name = parts.next().unwrap_or_default();
        let field = parts.next();
        let conv = match parts.next() {
            None | Some("string") => Conv::Str,
            Some("int") => Conv::Int,
            Some("float") => Conv::Float,
            Some(other) => {
                return Err(err(
                    at,
                    format!("unknown type `{other}` in `%{{{body}}}` (use int or float)"),
                ))
            }
        };
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            return Err(err(at, format!("`%{{{body}}}` does not name a pattern")));
        }
        let def = self
            .defs
            .get(name)
            .ok_or_else(|| err(at, format!("unknown grok pattern `{name}`")))?;
        if self.expanding.iter().any(|n| n == name) {
            return Err(err(at, format!("grok pattern `{name}` refers to itself")));
        }
        if self.expanding.len() >= MAX_DEPTH {
            return Err(err(at, "grok patterns nest too deeply"));
        }
        match field {
            Some(f) if !f.is_empty() => self.open_field(f, conv),
            _ => self.open_plain("(?:"),
        }
        self.expanding.push(name.to_string());
        self.text(def, Some(at)).map_err(|mut e| {
            if !e.message.contains(" in pattern `") {
                e.message = format!("{} in pattern `{name}`", e.message);
            }
            e
        })?;
        self.expanding.pop();
        Ok(())
    }

    /// Translates `src`; `origin` is the offset to blame for errors inside a definition.
    fn text(&mut self, src: &str, origin: Option<usize>) -> Result<(), ExtractorError> {
        let depth = self.stack.len();
        let b = src.as_bytes();
        let mut i = 0;
        while i < b.len() {
            let at = origin.unwrap_or(i);
            if origin.is_none() {
                self.out.map.push((self.out.fast.len(), i));
            }
            match b[i] {
                b'%' if b.get(i + 1) == Some(&b'{') => {
                    let close = src[i..]
                        .find('}')
                        .ok_or_else(|| err(at, "unterminated `%{`"))?;
                    self.reference(&src[i + 2..i + close], at)?;
                    i += close + 1;
                    let repeated = quantifier(src, i).is_some_and(|q| q.2);
                    self.close(at, repeated)?;
                }
                b'\\' => i = self.escape(src, i, at)?,
                b'[' => i = self.class(src, i, at)?,
                b'(' => i = self.group(src, i, at)?,
                b')' => {
                    if self.stack.len() <= depth {
                        return Err(err(at, "unbalanced `)`"));
                    }
                    i += 1;
                    let repeated = quantifier(src, i).is_some_and(|q| q.2);
                    self.close(at, repeated)?;
                }
                b'*' | b'+' | b'?' | b'{' => match quantifier(src, i) {
                    Some((len, text, _)) => {
                        self.emit(&text);
                        i += len;
                    }
                    None => {
                        self.emit("\\{");
                        i += 1;
                    }
                },
                b'}' => {
                    self.emit("\\}");
                    i += 1;
                }
                b']' => {
                    self.emit("\\]");
                    i += 1;
                }
                _ => {
                    let c = src[i..].chars().next().unwrap_or_default();
                    let mut buf = [0; 4];
                    self.emit(c.encode_utf8(&mut buf));
                    i += c.len_utf8();
                }
            }
        }
        if self.stack.len() != depth {
            return Err(err(origin.unwrap_or(src.len()), "unclosed `(`"));
        }
        Ok(())
    }

    fn escape(&mut self, src: &str, i: usize, at: usize) -> Result<usize, ExtractorError> {
        let b = src.as_bytes();
        let Some(&c) = b.get(i + 1) else {
            return Err(err(at, "`\\` at the end of the pattern"));
        };
        if let Some(class) = class_escape(c) {
            self.emit(&format!("[{class}]"));
            return Ok(i + 2);
        }
        // fancy-regex cannot switch Unicode mode inline, so its ASCII word boundary is
        // spelled out with look-arounds.
        const W: &str = "[0-9A-Za-z_]";
        if c == b'b' {
            let full = format!("(?:(?<={W})(?!{W})|(?<!{W})(?={W}))");
            self.emit3("(?-u:\\b)", "(?-u:\\b)", &full);
            return Ok(i + 2);
        }
        if c == b'B' {
            let full = format!("(?:(?<={W})(?={W})|(?<!{W})(?!{W}))");
            self.emit3("(?-u:\\B)", "(?-u:\\B)", &full);
            return Ok(i + 2);
        }
        let simple = match c {
            b'Z' => Some("\\z"),
            b'e' => Some("\\x1B"),
            b'0' => Some("\\x00"),
            b'1'..=b'9' | b'k' | b'g' => {
                return Err(err(
                    at,
                    "backreferences and subroutine calls are not supported",
                ))
            }
            b'G' | b'K' | b'R' | b'X' | b'c' | b'C' | b'M' => {
                return Err(err(at, format!("`\\{}` is not supported", c as char)))
            }
            _ => None,
        };
        if let Some(s) = simple {
            self.emit(s);
            return Ok(i + 2);
        }
        // Escapes with a braced or fixed-length argument are copied whole.
        let arg_end = match c {
            b'p' | b'P' | b'x' | b'u' | b'U' if b.get(i + 2) == Some(&b'{') => {
                src[i..].find('}').map(|e| i + e + 1)
            }
            b'x' => Some((i + 4).min(b.len())),
            b'u' => Some((i + 6).min(b.len())),
            b'p' | b'P' => Some((i + 3).min(b.len())),
            _ => None,
        };
        if let Some(end) = arg_end {
            if !src.is_char_boundary(end) {
                return Err(err(at, "malformed escape"));
            }
            self.emit(&src[i..end]);
            return Ok(end);
        }
        let ch = src[i + 1..].chars().next().unwrap_or_default();
        if ch.is_ascii() {
            self.emit(&src[i..i + 2]);
        } else {
            // The regex crate rejects escaped non-ASCII characters; they are literals anyway.
            let mut buf = [0; 4];
            self.emit(ch.encode_utf8(&mut buf));
        }
        Ok(i + 1 + ch.len_utf8())
    }

    /// Copies a bracketed class, translating `\d`-style escapes inside it.
    fn class(&mut self, src: &str, start: usize, at: usize) -> Result<usize, ExtractorError> {
        let b = src.as_bytes();
        let mut out = String::from("[");
        let mut i = start + 1;
        let mut depth = 1;
        let mut first = true;
        while depth > 0 {
            let Some(&c) = b.get(i) else {
                return Err(err(at, "unclosed `[`"));
            };
            if first && c == b'^' {
                out.push('^');
                i += 1;
                continue;
            }
            match c {
                b']' if first => {
                    out.push_str("\\]");
                    i += 1;
                }
                b']' => {
                    out.push(']');
                    depth -= 1;
                    i += 1;
                }
                b'[' if src[i..].starts_with("[:") => {
                    let end = src[i..]
                        .find(":]")
                        .ok_or_else(|| err(at, "unclosed `[:`"))?;
                    out.push_str(&src[i..i + end + 2]);
                    i += end + 2;
                }
                b'[' => {
                    out.push('[');
                    depth += 1;
                    i += 1;
                    first = true;
                    continue;
                }
                b'\\' => {
                    let Some(&e) = b.get(i + 1) else {
                        return Err(err(at, "unclosed `[`"));
                    };
                    if let Some(class) = class_escape(e) {
                        out.push_str(class);
                        i += 2;
                    } else {
                        let ch = src[i + 1..].chars().next().unwrap_or_default();
                        if ch.is_ascii() {
                            out.push_str(&src[i..i + 2]);
                        } else {
                            out.push(ch);
                        }
                        i += 1 + ch.len_utf8();
                    }
                }
                _ => {
                    let ch = src[i..].chars().next().unwrap_or_default();
                    out.push(ch);
                    i += ch.len_utf8();
                }
            }
            first = false;
        }
        self.emit(&out);
        Ok(i)
    }

    fn group(&mut self, src: &str, i: usize, at: usize) -> Result<usize, ExtractorError> {
        let rest = &src[i..];
        let named = |prefix: &str, close: char| -> Option<(String, usize)> {
            let body = rest.strip_prefix(prefix)?;
            let end = body.find(close)?;
            Some((body[..end].to_string(), prefix.len() + end + 1))
        };
        if rest.starts_with("(?=") {
            self.open_look(true, false);
            return Ok(i + 3);
        }
        if rest.starts_with("(?!") {
            self.open_look(true, true);
            return Ok(i + 3);
        }
        if rest.starts_with("(?<=") {
            self.open_look(false, false);
            return Ok(i + 4);
        }
        if rest.starts_with("(?<!") {
            self.open_look(false, true);
            return Ok(i + 4);
        }
        if let Some((name, len)) = named("(?P<", '>')
            .or_else(|| named("(?<", '>'))
            .or_else(|| named("(?'", '\''))
        {
            if name.is_empty() {
                return Err(err(at, "empty group name"));
            }
            self.open_field(&name, Conv::Str);
            return Ok(i + len);
        }
        if rest.starts_with("(?>") || rest.starts_with("(?:") {
            self.open_plain("(?:");
            return Ok(i + 3);
        }
        if rest.starts_with("(?#") {
            let end = rest.find(')').ok_or_else(|| err(at, "unclosed comment"))?;
            return Ok(i + end + 1);
        }
        if let Some(flags) = rest.strip_prefix("(?") {
            let end = flags
                .find([')', ':'])
                .ok_or_else(|| err(at, "unclosed group"))?;
            let f = &flags[..end];
            if f.is_empty() || !f.bytes().all(|c| b"imxsU-".contains(&c)) {
                return Err(err(
                    at,
                    format!("unsupported group `(?{}`", &flags[..end.min(4)]),
                ));
            }
            // Ruby's `m` is the regex crate's `s`.
            let mapped: String = f.chars().map(|c| if c == 'm' { 's' } else { c }).collect();
            if flags.as_bytes()[end] == b')' {
                self.emit(&format!("(?{mapped})"));
            } else {
                self.open_plain(&format!("(?{mapped}:"));
            }
            return Ok(i + 2 + end + 1);
        }
        self.open_plain("(?:");
        Ok(i + 1)
    }
}

/// Expands and translates `pattern`.
pub(super) fn translate(
    pattern: &str,
    custom: &[(String, String)],
) -> Result<Translated, ExtractorError> {
    let mut tr = Tr {
        defs: Definitions::new(custom),
        out: Translated::default(),
        fast_n: 0,
        pred_n: 0,
        full_n: 0,
        in_look: None,
        stack: Vec::new(),
        expanding: Vec::new(),
    };
    tr.text(pattern, None)?;
    Ok(tr.out)
}

/// The user-pattern offset for an offset in the `fast` regex.
pub(super) fn user_offset(map: &[(usize, usize)], fast_offset: usize) -> Option<usize> {
    map.iter()
        .take_while(|(f, _)| *f <= fast_offset)
        .last()
        .map(|(_, u)| *u)
}
