//! The parser: source text to [`ast::Script`](super::ast::Script).
//!
//! It is a hand-written recursive-descent parser over `&str` that speaks nom's protocol
//! (`IResult`, `nom::Err::Error` to backtrack, `nom::Err::Failure` to commit, a custom
//! [`ParseError`]) but uses none of nom's combinators: the grammar's precedence climbing,
//! spans and "furthest error" bookkeeping are clearer written out. Positions are
//! recorded as "bytes remaining" (see [`RSpan`]); errors keep the furthest position reached
//! so the diagnostic points at the first token that could not be understood. Nesting is
//! bounded ([`MAX_DEPTH`]) so hostile input cannot exhaust the stack.

mod expr;
mod item;
mod literal;
mod pattern;
mod stmt;

use std::borrow::Cow;

use nom::error::{ErrorKind, ParseError};
use nom::IResult;

use super::ast;
use super::diagnostic::codes;
use super::span::RSpan;

pub(crate) use item::parse_script;

/// Deepest nesting of expressions (brackets, operators, nested constructs) accepted.
pub const MAX_DEPTH: u32 = 96;

/// A parse failure: where (as remaining length), what was expected, and its code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PErr {
    /// Remaining input length at the failure.
    pub rest: usize,
    /// What the parser expected or why it failed.
    pub msg: Cow<'static, str>,
    /// Stable code.
    pub code: &'static str,
    /// Length of the offending text, when known.
    pub len: usize,
}

impl PErr {
    pub(crate) fn new(i: &str, msg: impl Into<Cow<'static, str>>) -> Self {
        PErr {
            rest: i.len(),
            msg: msg.into(),
            code: codes::SYNTAX,
            len: 0,
        }
    }
    pub(crate) fn code(mut self, code: &'static str) -> Self {
        self.code = code;
        self
    }
    pub(crate) fn len(mut self, len: usize) -> Self {
        self.len = len;
        self
    }
}

impl<'a> ParseError<&'a str> for PErr {
    fn from_error_kind(input: &'a str, _kind: ErrorKind) -> Self {
        PErr::new(input, "unexpected input")
    }
    fn append(_input: &'a str, _kind: ErrorKind, other: Self) -> Self {
        other
    }
    fn or(self, other: Self) -> Self {
        // The alternative that got further explains the failure better.
        if other.rest < self.rest {
            other
        } else {
            self
        }
    }
}

pub(crate) type PResult<'a, T> = IResult<&'a str, T, PErr>;

/// A recoverable failure (another alternative may match).
pub(crate) fn fail<T>(i: &str, msg: impl Into<Cow<'static, str>>) -> PResult<'_, T> {
    Err(nom::Err::Error(PErr::new(i, msg)))
}

/// A committed failure (stop and report).
pub(crate) fn cut_err<T>(i: &str, msg: impl Into<Cow<'static, str>>) -> PResult<'_, T> {
    Err(nom::Err::Failure(PErr::new(i, msg)))
}

/// Turns a recoverable error into a committed one.
pub(crate) fn commit<T>(r: PResult<'_, T>) -> PResult<'_, T> {
    r.map_err(|e| match e {
        nom::Err::Error(e) => nom::Err::Failure(e),
        other => other,
    })
}

pub(crate) fn depth_check(i: &str, d: u32) -> PResult<'_, ()> {
    if d > MAX_DEPTH {
        Err(nom::Err::Failure(
            PErr::new(i, format!("nesting deeper than {MAX_DEPTH} levels")).code(codes::TOO_DEEP),
        ))
    } else {
        Ok((i, ()))
    }
}

/// Skips whitespace and `#` comments (including `##` doc and `###` module comments).
pub(crate) fn ws(mut i: &str) -> &str {
    loop {
        let t = i.trim_start();
        if let Some(rest) = t.strip_prefix('#') {
            i = rest.find('\n').map_or("", |n| &rest[n..]);
        } else {
            return t;
        }
    }
}

pub(crate) fn is_ident_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

pub(crate) fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Words that cannot be used as names.
pub(crate) const KEYWORDS: &[&str] = &[
    "let",
    "const",
    "match",
    "of",
    "end",
    "case",
    "when",
    "for",
    "null",
    "true",
    "false",
    "and",
    "or",
    "xor",
    "not",
    "drop",
    "emit",
    "default",
    "patch",
    "insert",
    "upsert",
    "update",
    "erase",
    "move",
    "copy",
    "merge",
    "event",
    "state",
    "present",
    "absent",
    "fn",
    "intrinsic",
    "mod",
    "use",
    "as",
    "with",
    "args",
    "group",
    "window",
    "recur",
    "into",
    "from",
    "select",
    "where",
    "having",
    "create",
    "define",
    "script",
    "operator",
    "stream",
    "by",
    "set",
    "each",
    "pipeline",
    "connector",
    "flow",
    "connect",
    "to",
    "deploy",
    "tumbling",
    "sliding",
];

/// Is the next word `word` (as a whole word)?
pub(crate) fn peek_kw(i: &str, word: &str) -> bool {
    let i = ws(i);
    i.strip_prefix(word)
        .is_some_and(|r| !r.starts_with(is_ident_char))
}

/// Consumes the keyword `word`.
pub(crate) fn kw<'a>(i: &'a str, word: &'static str) -> PResult<'a, RSpan> {
    let t = ws(i);
    match t.strip_prefix(word) {
        Some(r) if !r.starts_with(is_ident_char) => Ok((r, RSpan::new(t.len(), r.len()))),
        _ => fail(t, format!("expected `{word}`")),
    }
}

/// Consumes the symbol `s` (exactly; callers disambiguate longer operators).
pub(crate) fn sym<'a>(i: &'a str, s: &'static str) -> PResult<'a, RSpan> {
    let t = ws(i);
    match t.strip_prefix(s) {
        Some(r) => Ok((r, RSpan::new(t.len(), r.len()))),
        None => fail(t, format!("expected `{s}`")),
    }
}

pub(crate) fn peek_sym(i: &str, s: &str) -> bool {
    ws(i).starts_with(s)
}

/// A name: `[A-Za-z_][A-Za-z0-9_]*` that is not a keyword, or any text in backticks.
pub(crate) fn ident(i: &str) -> PResult<'_, ast::Ident> {
    name(i, false)
}

/// A name after `::`, where keywords are names too: tremor's library defines
/// `std::record::select` and `std::record::merge`.
pub(crate) fn member_ident(i: &str) -> PResult<'_, ast::Ident> {
    name(i, true)
}

fn name(i: &str, keywords_allowed: bool) -> PResult<'_, ast::Ident> {
    let t = ws(i);
    if let Some(r) = t.strip_prefix('`') {
        let Some(end) = r.find('`') else {
            return Err(nom::Err::Failure(
                PErr::new(t, "unterminated quoted name").code(codes::UNTERMINATED),
            ));
        };
        let rest = &r[end + 1..];
        return Ok((
            rest,
            ast::Ident {
                name: r[..end].to_string(),
                span: RSpan::new(t.len(), rest.len()),
            },
        ));
    }
    if !t.starts_with(is_ident_start) {
        return fail(t, "expected a name");
    }
    let n = t.find(|c: char| !is_ident_char(c)).unwrap_or(t.len());
    let word = &t[..n];
    if word == "_" {
        return fail(t, "expected a name");
    }
    if !keywords_allowed && KEYWORDS.contains(&word) {
        return Err(nom::Err::Error(
            PErr::new(
                t,
                format!("`{word}` is a reserved word and cannot be used as a name"),
            )
            .code(codes::RESERVED)
            .len(n),
        ));
    }
    let rest = &t[n..];
    Ok((
        rest,
        ast::Ident {
            name: word.to_string(),
            span: RSpan::new(t.len(), rest.len()),
        },
    ))
}

/// Comma separated items up to (not including) `close`; a trailing comma is allowed.
pub(crate) fn comma_list<'a, T>(
    mut i: &'a str,
    close: &'static str,
    mut item: impl FnMut(&'a str) -> PResult<'a, T>,
) -> PResult<'a, Vec<T>> {
    let mut out = Vec::new();
    loop {
        if peek_sym(i, close) {
            return Ok((i, out));
        }
        let (r, v) = item(i)?;
        out.push(v);
        i = r;
        match sym(i, ",") {
            Ok((r, _)) => i = r,
            Err(_) => return Ok((i, out)),
        }
    }
}

#[cfg(test)]
mod tests;
