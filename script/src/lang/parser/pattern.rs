//! `case` patterns: `%{}` records, `%[]` arrays, `%()` tuples, extractors, bindings.

use super::expr::expr;
use super::{
    comma_list, commit, depth_check, fail, ident, is_ident_char, kw, peek_kw, sym, ws, PErr,
    PResult,
};
use crate::lang::ast::{
    ArrayPat, BinOp, ElemPat, ExtractPat, FieldPat, Pattern, RecordPat, TuplePat,
};
use crate::lang::diagnostic::codes;
use crate::lang::span::RSpan;

fn is_dont_care(t: &str) -> bool {
    t.strip_prefix('_')
        .is_some_and(|r| !r.starts_with(is_ident_char))
}

/// A `case` pattern.
pub(crate) fn case_pattern(i: &str, d: u32) -> PResult<'_, Pattern> {
    depth_check(i, d)?;
    let t = ws(i);
    if is_dont_care(t) {
        return Ok((&t[1..], Pattern::Default));
    }
    if t.starts_with("%{") {
        let (r, p) = record_pat(t, d + 1)?;
        return Ok((r, Pattern::Record(p)));
    }
    if t.starts_with("%[") {
        let (r, p) = array_pat(t, d + 1)?;
        return Ok((r, Pattern::Array(p)));
    }
    if t.starts_with("%(") {
        let (r, p) = tuple_pat(t, d + 1)?;
        return Ok((r, Pattern::Tuple(p)));
    }
    if let Some(r) = t.strip_prefix('~') {
        if !r.starts_with('=') {
            let (r, e) = commit(extractor(r))?;
            return Ok((r, Pattern::Extract(e)));
        }
    }
    // `name = pattern` binds the matched value.
    if let Ok((r, id)) = ident(t) {
        let r2 = ws(r);
        if r2.starts_with('=') && !r2.starts_with("==") && !r2.starts_with("=>") {
            let (r, p) = commit(case_pattern(&r2[1..], d + 1))?;
            return Ok((r, Pattern::Assign(id, Box::new(p))));
        }
    }
    let (r, e) = expr(t, d + 1)?;
    Ok((r, Pattern::Expr(e)))
}

/// `name|pattern|` after a `~` or `~=` (whitespace may separate the name and the `|`).
///
/// Inside the bars, as in tremor: `\|` is a bar and `\\` a backslash; a backslash at the end
/// of a line continues the pattern on the next line, and the indentation the continued
/// lines share is removed before they are joined. Other backslashes are kept as written
/// (tremor rejects them; the regex engines give them their usual meaning).
pub(crate) fn extractor(i: &str) -> PResult<'_, ExtractPat> {
    let t = ws(i);
    let start = t.len();
    let (r, name) = ident(t)?;
    let Some(body) = ws(r).strip_prefix('|') else {
        return Err(nom::Err::Failure(PErr::new(
            r,
            "expected `|` to start the extractor pattern",
        )));
    };
    let pattern_start = body.len();
    let mut lines: Vec<String> = Vec::new();
    let mut pattern = String::new();
    let mut rest = body;
    loop {
        match rest.chars().next() {
            None | Some('\n') => {
                return Err(nom::Err::Failure(
                    PErr::new(t, "unterminated extractor pattern")
                        .code(codes::UNTERMINATED)
                        .len(name.name.len() + 1),
                ))
            }
            Some('|') => {
                rest = &rest[1..];
                break;
            }
            Some('\\') if rest[1..].starts_with('|') => {
                pattern.push('|');
                rest = &rest[2..];
            }
            Some('\\') if rest[1..].starts_with('\\') => {
                pattern.push('\\');
                rest = &rest[2..];
            }
            Some('\\') if rest[1..].starts_with('\n') || rest[1..].starts_with("\r\n") => {
                lines.push(std::mem::take(&mut pattern));
                rest = rest[1..].strip_prefix('\r').unwrap_or(&rest[1..]);
                rest = &rest[1..];
            }
            Some(c) => {
                pattern.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
    }
    if !lines.is_empty() {
        lines.push(pattern);
        let indent = lines
            .iter()
            .filter(|l| !l.is_empty())
            .map(|l| l.len() - l.trim_start().len())
            .min()
            .unwrap_or(0);
        pattern = lines
            .iter()
            .map(|l| l.get(indent..).unwrap_or(""))
            .collect();
    }
    Ok((
        rest,
        ExtractPat {
            name,
            pattern,
            pattern_start,
            span: RSpan::new(start, rest.len()),
        },
    ))
}

fn record_pat(t: &str, d: u32) -> PResult<'_, RecordPat> {
    depth_check(t, d)?;
    let start = ws(t).len();
    let (r, _) = sym(t, "%{")?;
    let (r, fields) = commit(comma_list(r, "}", |i| field_pat(i, d + 1)))?;
    let (r, _) = commit(sym(r, "}"))?;
    Ok((
        r,
        RecordPat {
            fields,
            span: RSpan::new(start, r.len()),
        },
    ))
}

fn cmp_op(t: &str) -> Option<(BinOp, &str)> {
    for (s, op) in [
        ("==", BinOp::Eq),
        ("!=", BinOp::Ne),
        (">=", BinOp::Ge),
        ("<=", BinOp::Le),
        (">", BinOp::Gt),
        ("<", BinOp::Lt),
    ] {
        if let Some(r) = t.strip_prefix(s) {
            return Some((op, r));
        }
    }
    None
}

fn field_pat(i: &str, d: u32) -> PResult<'_, FieldPat> {
    let t = ws(i);
    if peek_kw(t, "present") {
        let (r, _) = kw(t, "present")?;
        let (r, id) = commit(ident(r))?;
        return Ok((r, FieldPat::Present(id)));
    }
    if peek_kw(t, "absent") {
        let (r, _) = kw(t, "absent")?;
        let (r, id) = commit(ident(r))?;
        return Ok((r, FieldPat::Absent(id)));
    }
    let (r, key) = ident(t)?;
    let r = ws(r);
    if let Some(r2) = r.strip_prefix("~=") {
        let r2 = ws(r2);
        if r2.starts_with("%{") {
            let (r3, p) = record_pat(r2, d + 1)?;
            return Ok((r3, FieldPat::Record(key, p)));
        }
        if r2.starts_with("%[") {
            let (r3, p) = array_pat(r2, d + 1)?;
            return Ok((r3, FieldPat::Array(key, p)));
        }
        if r2.starts_with("%(") {
            let (r3, p) = tuple_pat(r2, d + 1)?;
            return Ok((r3, FieldPat::Tuple(key, p)));
        }
        let (r3, ext) = commit(extractor(r2))?;
        return Ok((
            r3,
            FieldPat::Extract {
                bind: key.clone(),
                key,
                ext,
            },
        ));
    }
    // `key ~ name|...|`: tremor's reference documents this predicate form for record
    // patterns (its grammar only has `~=`); it tests without extracting.
    if let Some(r2) = r.strip_prefix('~') {
        let (r3, ext) = commit(extractor(r2))?;
        return Ok((r3, FieldPat::Test(key, ext)));
    }
    if let Some((op, r2)) = cmp_op(r) {
        let (r3, e) = commit(expr(r2, d + 1))?;
        return Ok((r3, FieldPat::Cmp(key, op, e)));
    }
    if let Some(r2) = r.strip_prefix('=') {
        // `bind = key ~= ext|...|`
        let (r3, field) = commit(ident(r2))?;
        let (r3, _) = commit(sym(r3, "~="))?;
        let (r3, ext) = commit(extractor(r3))?;
        return Ok((
            r3,
            FieldPat::Extract {
                bind: key,
                key: field,
                ext,
            },
        ));
    }
    fail(r, "expected a field test (`==`, `~=`, `present`, ...)")
}

fn elem_pat(i: &str, d: u32) -> PResult<'_, ElemPat> {
    let t = ws(i);
    if is_dont_care(t) {
        return Ok((&t[1..], ElemPat::Ignore));
    }
    if t.starts_with("%{") {
        let (r, p) = record_pat(t, d + 1)?;
        return Ok((r, ElemPat::Record(p)));
    }
    if let Some(r) = t.strip_prefix('~') {
        let (r, e) = commit(extractor(r))?;
        return Ok((r, ElemPat::Extract(e)));
    }
    let (r, e) = expr(t, d + 1)?;
    Ok((r, ElemPat::Expr(e)))
}

fn array_pat(t: &str, d: u32) -> PResult<'_, ArrayPat> {
    depth_check(t, d)?;
    let start = ws(t).len();
    let (r, _) = sym(t, "%[")?;
    let (r, elems) = commit(comma_list(r, "]", |i| elem_pat(i, d + 1)))?;
    let (r, _) = commit(sym(r, "]"))?;
    Ok((
        r,
        ArrayPat {
            elems,
            span: RSpan::new(start, r.len()),
        },
    ))
}

/// `%( p1, p2 [, ...] )` (also the argument list of match functions).
pub(crate) fn tuple_pat(t: &str, d: u32) -> PResult<'_, TuplePat> {
    depth_check(t, d)?;
    let start = ws(t).len();
    let (r, _) = if ws(t).starts_with("%(") {
        sym(t, "%(")?
    } else {
        sym(t, "(")?
    };
    let mut elems = Vec::new();
    let mut open = false;
    let mut r = r;
    loop {
        if ws(r).starts_with(')') {
            break;
        }
        if let Ok((r2, _)) = sym(r, "...") {
            open = true;
            r = r2;
            break;
        }
        let (r2, e) = commit(elem_pat(r, d + 1))?;
        elems.push(e);
        r = r2;
        match sym(r, ",") {
            Ok((r2, _)) => r = r2,
            Err(_) => break,
        }
    }
    let (r, _) = commit(sym(r, ")"))?;
    Ok((
        r,
        TuplePat {
            elems,
            open,
            span: RSpan::new(start, r.len()),
        },
    ))
}
