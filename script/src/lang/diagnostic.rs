//! Diagnostics: what went wrong, where, with a stable code and a hint.
//!
//! Codes are stable: tools and tests match on them. `E00xx` are syntax errors, `E01xx`
//! compile errors, `E02xx` runtime errors.

use std::fmt;
use std::sync::Arc;

use super::span::{line_info, Span};

/// Stable error codes.
pub mod codes {
    /// Unexpected input.
    pub const SYNTAX: &str = "E0001";
    /// A string, heredoc or comment that never ends.
    pub const UNTERMINATED: &str = "E0002";
    /// An unknown escape sequence in a string.
    pub const BAD_ESCAPE: &str = "E0003";
    /// A number literal out of range or malformed.
    pub const BAD_NUMBER: &str = "E0004";
    /// A reserved word used as a name.
    pub const RESERVED: &str = "E0005";
    /// Nesting deeper than the parser allows.
    pub const TOO_DEEP: &str = "E0006";
    /// A name that is not a local, constant or argument in scope.
    pub const UNKNOWN_NAME: &str = "E0101";
    /// A function that does not exist.
    pub const UNKNOWN_FUNCTION: &str = "E0102";
    /// A function called with the wrong number of arguments.
    pub const ARITY: &str = "E0103";
    /// A module that does not exist.
    pub const UNKNOWN_MODULE: &str = "E0104";
    /// An extractor pattern the extractor rejects.
    pub const BAD_EXTRACTOR: &str = "E0105";
    /// A statement (`let`, `emit`, `drop`) where only an expression is allowed.
    pub const NOT_ALLOWED: &str = "E0106";
    /// A constant whose value is not known at compile time.
    pub const NOT_CONSTANT: &str = "E0107";
    /// Assignment to something that cannot be assigned.
    pub const BAD_ASSIGN: &str = "E0108";
    /// `recur` outside a function.
    pub const RECUR_OUTSIDE_FN: &str = "E0109";
    /// A name defined twice.
    pub const DUPLICATE: &str = "E0110";
    /// A module file that cannot be read.
    pub const MODULE_IO: &str = "E0111";
    /// Bad binary (`<< >>`) segment syntax.
    pub const BAD_BITS: &str = "E0112";
    /// `event`, `$` or `state` used inside a function.
    pub const EVENT_IN_FN: &str = "E0113";
    /// A constant expression that fails when evaluated at compile time.
    pub const CONST_EVAL: &str = "E0114";
    /// A bad fold operator in `for ... into ... use`.
    pub const BAD_FOLD: &str = "E0115";
    /// Access to a key that is not there.
    pub const BAD_KEY: &str = "E0201";
    /// An array index out of bounds or a bad range.
    pub const BAD_INDEX: &str = "E0202";
    /// An operation on values of the wrong type.
    pub const TYPE: &str = "E0203";
    /// Integer overflow.
    pub const OVERFLOW: &str = "E0204";
    /// Division or remainder by zero.
    pub const DIV_ZERO: &str = "E0205";
    /// No `case` of a `match` matched.
    pub const NO_CLAUSE: &str = "E0206";
    /// A standard-library function failed.
    pub const FUNCTION: &str = "E0207";
    /// Recursion deeper than allowed.
    pub const RECURSION: &str = "E0208";
    /// A patch operation that does not apply (insert over an existing key, ...).
    pub const PATCH: &str = "E0209";
    /// A local read before it was assigned.
    pub const UNSET_LOCAL: &str = "E0210";
    /// A bad bit shift or binary segment at run time.
    pub const BITS: &str = "E0211";
    /// An extractor gave up at its step bound (pathological backtracking).
    pub const EXTRACTOR_LIMIT: &str = "E0212";
}

/// A source file a span can point into.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// File name as shown to the user.
    pub name: String,
    /// The text.
    pub text: Arc<str>,
}

/// One compile error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Stable code (`E0101`, ...).
    pub code: &'static str,
    /// What is wrong.
    pub message: String,
    /// Where.
    pub span: Span,
    /// A suggestion ("did you mean `event`?").
    pub hint: Option<String>,
}

impl Diagnostic {
    /// A diagnostic without hint.
    pub fn new(code: &'static str, message: impl Into<String>, span: Span) -> Self {
        Diagnostic {
            code,
            message: message.into(),
            span,
            hint: None,
        }
    }

    /// Adds a hint.
    #[must_use]
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

/// All errors of one compilation, with the sources they point into.
#[derive(Debug, Clone)]
pub struct Diagnostics {
    /// The files involved (index 0 = the script).
    pub files: Vec<SourceFile>,
    /// The errors, in source order.
    pub errors: Vec<Diagnostic>,
}

impl Diagnostics {
    /// The first error (there is always at least one).
    #[must_use]
    pub fn first(&self) -> Option<&Diagnostic> {
        self.errors.first()
    }
}

impl Diagnostics {
    /// The messages rendered as warnings (`warning[E0101]: ...`).
    #[must_use]
    pub fn render_warnings(&self) -> String {
        let mut out = String::new();
        let _ = self.write(&mut out, "warning");
        out
    }

    fn write(&self, f: &mut impl fmt::Write, level: &str) -> fmt::Result {
        for (i, d) in self.errors.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            let file = self.files.get(d.span.file as usize);
            render(
                f,
                level,
                d.code,
                &d.message,
                file.map_or("<unknown>", |s| s.name.as_str()),
                file.map_or("", |s| &s.text),
                d.span,
                d.hint.as_deref(),
            )?;
        }
        Ok(())
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write(f, "error")
    }
}

impl std::error::Error for Diagnostics {}

/// Renders one message in the house format:
///
/// ```text
/// error[E0101]: unknown name `evnt`
///   --> script.tremor:1:9
///    |
///  1 | let x = evnt.a;
///    |         ^^^^
///    = hint: did you mean `event`?
/// ```
#[allow(clippy::too_many_arguments)]
pub(crate) fn render(
    f: &mut impl fmt::Write,
    level: &str,
    code: &str,
    message: &str,
    file: &str,
    src: &str,
    span: Span,
    hint: Option<&str>,
) -> fmt::Result {
    let li = line_info(src, span.start as usize);
    writeln!(f, "{level}[{code}]: {message}")?;
    let num = li.line.to_string();
    let pad = " ".repeat(num.len());
    writeln!(f, "{pad}--> {file}:{}:{}", li.line, li.column)?;
    writeln!(f, "{pad} |")?;
    writeln!(f, "{num} | {}", li.text)?;
    // The caret covers the span on this line (at least one column).
    let start = span.start as usize;
    let line_end = li.line_start + li.text.len();
    let end = (span.end as usize).min(line_end).max(start);
    let width = src
        .get(start.min(src.len())..end.min(src.len()))
        .map_or(1, |s| s.chars().count())
        .max(1);
    writeln!(
        f,
        "{pad} | {}{}",
        " ".repeat(li.column - 1),
        "^".repeat(width)
    )?;
    if let Some(h) = hint {
        writeln!(f, "{pad} = hint: {h}")?;
    }
    Ok(())
}

/// The candidate closest to `name` by edit distance, if it is close enough to be a typo.
pub(crate) fn did_you_mean<'c>(
    name: &str,
    candidates: impl IntoIterator<Item = &'c str>,
) -> Option<&'c str> {
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        let d = edit_distance(name, c);
        let limit = (name.chars().count().max(c.chars().count()) / 3).max(1);
        if d <= limit && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

/// Edit distance counting a swap of two neighbouring characters as one edit (typos).
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let w = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * w];
    for i in 0..=a.len() {
        d[i * w] = i;
    }
    for (j, cell) in d.iter_mut().enumerate().take(w) {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[(i - 1) * w + j] + 1)
                .min(d[i * w + j - 1] + 1)
                .min(d[(i - 1) * w + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[(i - 2) * w + j - 2] + 1);
            }
            d[i * w + j] = v;
        }
    }
    d[a.len() * w + b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_caret_under_span() {
        let mut s = String::new();
        let src = "let a = 1;\nlet x = evnt.a;\n";
        render(
            &mut s,
            "error",
            "E0101",
            "unknown name `evnt`",
            "t.tremor",
            src,
            Span::new(0, 19, 23),
            Some("did you mean `event`?"),
        )
        .unwrap();
        assert_eq!(
            s,
            "error[E0101]: unknown name `evnt`\n --> t.tremor:2:9\n  |\n2 | let x = evnt.a;\n  |         ^^^^\n  = hint: did you mean `event`?\n"
        );
    }

    #[test]
    fn suggestions() {
        assert_eq!(did_you_mean("evnt", ["event", "state"]), Some("event"));
        assert_eq!(did_you_mean("zzz", ["event", "state"]), None);
        assert_eq!(did_you_mean("lenght", ["len", "length"]), Some("length"));
        assert_eq!(did_you_mean("levle", ["level", "msg"]), Some("level"));
    }
}
