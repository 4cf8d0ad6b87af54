//! Literals: numbers, strings (with escapes, `#{}` interpolation and heredocs) and binaries.

use super::expr::{expr, primary};
use super::{comma_list, commit, fail, ident, is_ident_char, sym, ws, PErr, PResult};
use crate::lang::ast::{BytesPart, ExprKind, StrPart};
use crate::lang::diagnostic::codes;
use crate::lang::span::RSpan;

fn num_err(i: &str, len: usize, msg: impl Into<std::borrow::Cow<'static, str>>) -> nom::Err<PErr> {
    nom::Err::Failure(PErr::new(i, msg).code(codes::BAD_NUMBER).len(len))
}

/// Integer (decimal or `0x` hex, `_` separators) or float literal.
pub(crate) fn number(t: &str) -> PResult<'_, ExprKind> {
    let digits_end = |s: &str, hex: bool| {
        s.find(|c: char| {
            !(c == '_'
                || if hex {
                    c.is_ascii_hexdigit()
                } else {
                    c.is_ascii_digit()
                })
        })
        .unwrap_or(s.len())
    };
    if let Some(h) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        let n = digits_end(h, true);
        let text: String = h[..n].chars().filter(|&c| c != '_').collect();
        let r = &h[n..];
        if text.is_empty() || r.starts_with(is_ident_char) {
            return Err(num_err(t, t.len() - r.len(), "invalid hex literal"));
        }
        return match u64::from_str_radix(&text, 16) {
            Ok(v) => Ok((r, ExprKind::Int(v))),
            Err(_) => Err(num_err(t, t.len() - r.len(), "integer literal too large")),
        };
    }
    let n = digits_end(t, false);
    let mut end = n;
    let mut is_float = false;
    let rest = &t[n..];
    if let Some(frac) = rest.strip_prefix('.') {
        if frac.starts_with(|c: char| c.is_ascii_digit()) {
            is_float = true;
            end += 1 + digits_end(frac, false);
        }
    }
    let rest = &t[end..];
    if let Some(e) = rest.strip_prefix(['e', 'E']) {
        let e2 = e.strip_prefix(['+', '-']).unwrap_or(e);
        if e2.starts_with(|c: char| c.is_ascii_digit()) {
            is_float = true;
            end += 1 + (e.len() - e2.len()) + digits_end(e2, false);
        }
    }
    let r = &t[end..];
    if r.starts_with(is_ident_char) {
        let bad = r.find(|c: char| !is_ident_char(c)).unwrap_or(r.len());
        return Err(num_err(t, end + bad, "invalid number literal"));
    }
    let text: String = t[..end].chars().filter(|&c| c != '_').collect();
    if is_float {
        match text.parse::<f64>() {
            Ok(f) => Ok((r, ExprKind::Float(f))),
            Err(_) => Err(num_err(t, end, "invalid float literal")),
        }
    } else {
        match text.parse::<u64>() {
            Ok(v) => Ok((r, ExprKind::Int(v))),
            Err(_) => Err(num_err(t, end, "integer literal too large")),
        }
    }
}

fn push_lit(parts: &mut Vec<StrPart>, c: char) {
    if let Some(StrPart::Lit(s)) = parts.last_mut() {
        s.push(c);
    } else {
        parts.push(StrPart::Lit(c.to_string()));
    }
}

fn hex4(s: &str) -> Option<u32> {
    let h = s.get(..4)?;
    if !h.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    u32::from_str_radix(h, 16).ok()
}

/// A string literal: `"..."` or a `"""` heredoc. Returns the parts; an empty string is
/// one empty literal part.
pub(crate) fn string_lit(i: &str, d: u32) -> PResult<'_, Vec<StrPart>> {
    let t = ws(i);
    let (mut r, heredoc) = if let Some(r) = t.strip_prefix("\"\"\"") {
        // The heredoc body starts on the next line.
        let line_end = r.find('\n');
        match line_end {
            Some(n) if r[..n].trim().is_empty() => (&r[n + 1..], true),
            _ => {
                return Err(nom::Err::Failure(PErr::new(
                    r,
                    "a heredoc `\"\"\"` must be followed by a new line",
                )))
            }
        }
    } else if let Some(r) = t.strip_prefix('"') {
        (r, false)
    } else {
        return fail(t, "expected a string");
    };
    let mut parts: Vec<StrPart> = Vec::new();
    loop {
        let Some(c) = r.chars().next() else {
            return Err(nom::Err::Failure(
                PErr::new(t, "unterminated string")
                    .code(codes::UNTERMINATED)
                    .len(1),
            ));
        };
        if heredoc {
            if let Some(after) = r.strip_prefix("\"\"\"") {
                r = after;
                break;
            }
        } else if c == '"' {
            r = &r[1..];
            break;
        }
        if c == '\\' {
            let esc = &r[1..];
            let Some(e) = esc.chars().next() else {
                // A backslash at the very end: the string never closes.
                return Err(nom::Err::Failure(
                    PErr::new(t, "unterminated string")
                        .code(codes::UNTERMINATED)
                        .len(1),
                ));
            };
            let (ch, used) = match e {
                'n' => ('\n', 1),
                'r' => ('\r', 1),
                't' => ('\t', 1),
                'b' => ('\u{8}', 1),
                'f' => ('\u{c}', 1),
                '\\' => ('\\', 1),
                '"' => ('"', 1),
                '/' => ('/', 1),
                '#' => ('#', 1),
                '{' => ('{', 1),
                '}' => ('}', 1),
                'u' => {
                    let Some(hi) = hex4(&esc[1..]) else {
                        return Err(nom::Err::Failure(
                            PErr::new(r, "a `\\u` escape needs four hex digits")
                                .code(codes::BAD_ESCAPE)
                                .len(2),
                        ));
                    };
                    if (0xD800..0xDC00).contains(&hi) {
                        // A surrogate pair: `\uD83D\uDE00`.
                        let lo = esc[5..].strip_prefix("\\u").and_then(hex4);
                        match lo {
                            Some(lo) if (0xDC00..0xE000).contains(&lo) => {
                                let cp = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                                match char::from_u32(cp) {
                                    Some(ch) => (ch, 11),
                                    None => return Err(bad_escape(r, 12)),
                                }
                            }
                            _ => return Err(bad_escape(r, 6)),
                        }
                    } else {
                        match char::from_u32(hi) {
                            Some(ch) => (ch, 5),
                            None => return Err(bad_escape(r, 6)),
                        }
                    }
                }
                _ => return Err(bad_escape(r, 1 + e.len_utf8())),
            };
            push_lit(&mut parts, ch);
            r = &esc[used..];
            continue;
        }
        if c == '#' && r[1..].starts_with('{') {
            let (r2, e) = commit(expr(&r[2..], d + 1))?;
            let (r2, _) = commit(sym(r2, "}"))?;
            parts.push(StrPart::Expr(e));
            r = r2;
            continue;
        }
        push_lit(&mut parts, c);
        r = &r[c.len_utf8()..];
    }
    if parts.is_empty() {
        parts.push(StrPart::Lit(String::new()));
    }
    Ok((r, parts))
}

fn bad_escape(at: &str, len: usize) -> nom::Err<PErr> {
    nom::Err::Failure(
        PErr::new(at, "unknown escape sequence")
            .code(codes::BAD_ESCAPE)
            .len(len),
    )
}

/// `<< part, ... >>` with `value[:bits][/type-spec]` parts.
pub(crate) fn bytes_lit(i: &str, d: u32) -> PResult<'_, Vec<BytesPart>> {
    let (r, _) = sym(i, "<<")?;
    let (r, parts) = commit(comma_list(r, ">>", |i| bytes_part(i, d)))?;
    let (r, _) = commit(sym(r, ">>"))?;
    Ok((r, parts))
}

fn bytes_part(i: &str, d: u32) -> PResult<'_, BytesPart> {
    let start = ws(i).len();
    let (mut r, value) = primary(i, d + 1)?;
    let mut bits = None;
    if let Ok((r2, _)) = sym(r, ":") {
        let t = ws(r2);
        let (r3, k) = commit(number(t))?;
        match k {
            ExprKind::Int(n) => bits = Some(n),
            _ => {
                return Err(nom::Err::Failure(
                    PErr::new(t, "bit size must be an integer").code(codes::BAD_BITS),
                ))
            }
        }
        r = r3;
    }
    let mut types = Vec::new();
    if let Ok((r2, _)) = sym(r, "/") {
        let (r3, id) = commit(ident(r2))?;
        types.push(id);
        r = r3;
        while let Some(r2) = ws(r).strip_prefix('-') {
            let (r3, id) = commit(ident(r2))?;
            types.push(id);
            r = r3;
        }
    }
    Ok((
        r,
        BytesPart {
            value,
            bits,
            types,
            span: RSpan::new(start, r.len()),
        },
    ))
}
