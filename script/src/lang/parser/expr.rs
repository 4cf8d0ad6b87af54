//! Expressions: operators by precedence, unary operators, primaries and paths.

use super::literal::{bytes_lit, number, string_lit};
use super::stmt::{for_expr, match_expr, merge_expr, patch_expr};
use super::{
    comma_list, commit, depth_check, fail, ident, is_ident_char, is_ident_start, kw, peek_kw,
    peek_sym, sym, ws, PResult,
};
use crate::lang::ast::{BinOp, Expr, ExprKind, Ident, Path, Root, Seg, UnOp};
use crate::lang::span::RSpan;

/// Any expression (operators, `match`, `for`, `patch`, `merge` and the rest).
pub(crate) fn expr(i: &str, d: u32) -> PResult<'_, Expr> {
    depth_check(i, d)?;
    binary(i, 0, d)
}

fn prec(op: BinOp) -> u8 {
    match op {
        BinOp::Or => 1,
        BinOp::Xor => 2,
        BinOp::And => 3,
        BinOp::BitOr => 4,
        BinOp::BitXor => 5,
        BinOp::BitAnd => 6,
        BinOp::Eq | BinOp::Ne => 7,
        BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => 8,
        BinOp::Shl | BinOp::Shr | BinOp::Ushr => 9,
        BinOp::Add | BinOp::Sub => 10,
        BinOp::Mul | BinOp::Div | BinOp::Mod => 11,
    }
}

/// The binary operator at the start of `i`, and the input after it.
pub(crate) fn peek_binop(i: &str) -> Option<(BinOp, &str)> {
    let t = ws(i);
    for (word, op) in [("or", BinOp::Or), ("xor", BinOp::Xor), ("and", BinOp::And)] {
        if let Some(r) = t.strip_prefix(word) {
            if !r.starts_with(is_ident_char) {
                return Some((op, r));
            }
        }
    }
    const SYMS: &[(&str, BinOp)] = &[
        (">>>", BinOp::Ushr),
        (">>", BinOp::Shr),
        (">=", BinOp::Ge),
        (">", BinOp::Gt),
        ("<<", BinOp::Shl),
        ("<=", BinOp::Le),
        ("<", BinOp::Lt),
        ("==", BinOp::Eq),
        ("!=", BinOp::Ne),
        ("|", BinOp::BitOr),
        ("^", BinOp::BitXor),
        ("&", BinOp::BitAnd),
        ("+", BinOp::Add),
        ("-", BinOp::Sub),
        ("*", BinOp::Mul),
        ("/", BinOp::Div),
        ("%", BinOp::Mod),
    ];
    for (s, op) in SYMS {
        if let Some(r) = t.strip_prefix(s) {
            return Some((*op, r));
        }
    }
    None
}

fn binary(i: &str, min_prec: u8, d: u32) -> PResult<'_, Expr> {
    let start = ws(i).len();
    let (mut i, mut lhs) = unary(i, d)?;
    let mut chain = 0;
    while let Some((op, r)) = peek_binop(i) {
        let p = prec(op);
        if p < min_prec {
            break;
        }
        // Left-nested chains deepen the tree too; count them against the limit.
        chain += 1;
        depth_check(i, d + chain)?;
        let (r, rhs) = commit(binary(r, p + 1, d + chain))?;
        lhs = Expr {
            kind: ExprKind::Binary(op, Box::new(lhs), Box::new(rhs)),
            span: RSpan::new(start, r.len()),
        };
        i = r;
    }
    Ok((i, lhs))
}

fn unary(i: &str, d: u32) -> PResult<'_, Expr> {
    depth_check(i, d)?;
    let t = ws(i);
    let start = t.len();
    let op = if let Some(r) = t.strip_prefix('-') {
        Some((UnOp::Neg, r))
    } else if let Some(r) = t.strip_prefix('+') {
        Some((UnOp::Plus, r))
    } else if t.starts_with('!') && !t.starts_with("!=") {
        Some((UnOp::BitNot, &t[1..]))
    } else if peek_kw(t, "not") {
        Some((UnOp::Not, &t[3..]))
    } else {
        None
    };
    if let Some((op, r)) = op {
        let (r, e) = commit(unary(r, d + 1))?;
        return Ok((
            r,
            Expr {
                kind: ExprKind::Unary(op, Box::new(e)),
                span: RSpan::new(start, r.len()),
            },
        ));
    }
    for (word, present) in [("present", true), ("absent", false)] {
        if peek_kw(t, word) {
            let (r, _) = kw(t, word)?;
            let (r, p) = commit(path_only(r, d + 1))?;
            let kind = if present {
                ExprKind::Present(p)
            } else {
                ExprKind::Absent(p)
            };
            return Ok((
                r,
                Expr {
                    kind,
                    span: RSpan::new(start, r.len()),
                },
            ));
        }
    }
    primary(t, d + 1)
}

/// A path (for `present`/`absent` and `let`).
pub(crate) fn path_only(i: &str, d: u32) -> PResult<'_, Path> {
    let t = ws(i);
    let (r, e) = primary(t, d)?;
    match e.kind {
        ExprKind::Path(p) => Ok((r, p)),
        _ => Err(nom::Err::Failure(super::PErr::new(t, "expected a path"))),
    }
}

fn with_segments(i: &str, start: usize, root: Root, d: u32) -> PResult<'_, Expr> {
    let (r, segs) = segments(i, d)?;
    Ok((
        r,
        Expr {
            span: RSpan::new(start, r.len()),
            kind: ExprKind::Path(Path {
                root,
                segs,
                span: RSpan::new(start, r.len()),
            }),
        },
    ))
}

/// `.name`, `[expr]` and `[a:b]` after a path root.
fn segments(mut i: &str, d: u32) -> PResult<'_, Vec<Seg>> {
    let mut segs = Vec::new();
    loop {
        let t = ws(i);
        if let Some(r) = t.strip_prefix('.') {
            let r2 = ws(r);
            if r2.starts_with(is_ident_start) || r2.starts_with('`') {
                let (r, id) = commit(ident(r))?;
                segs.push(Seg::Field(id));
                i = r;
                continue;
            }
            return Ok((i, segs));
        }
        if let Some(r) = t.strip_prefix('[') {
            let seg_start = t.len();
            let (r, a) = commit(expr(r, d + 1))?;
            if let Ok((r, _)) = sym(r, ":") {
                let (r, b) = commit(expr(r, d + 1))?;
                let (r, _) = commit(sym(r, "]"))?;
                segs.push(Seg::Range(a, b, RSpan::new(seg_start, r.len())));
                i = r;
            } else {
                let (r, _) = commit(sym(r, "]"))?;
                segs.push(Seg::Index(a));
                i = r;
            }
            continue;
        }
        return Ok((i, segs));
    }
}

fn lit(kind: ExprKind, start: usize, r: &str) -> Expr {
    Expr {
        kind,
        span: RSpan::new(start, r.len()),
    }
}

/// Literals, paths, calls, records, arrays, parenthesised expressions and the keyword
/// constructs.
pub(crate) fn primary(i: &str, d: u32) -> PResult<'_, Expr> {
    depth_check(i, d)?;
    let t = ws(i);
    let start = t.len();
    let Some(c) = t.chars().next() else {
        return fail(t, "expected an expression");
    };
    match c {
        '(' => {
            let (r, e) = commit(expr(&t[1..], d + 1))?;
            let (r, _) = commit(sym(r, ")"))?;
            if starts_segment(r) {
                return with_segments(r, start, Root::Expr(Box::new(e)), d);
            }
            Ok((r, e))
        }
        '{' => {
            let (r, fields) = commit(comma_list(&t[1..], "}", |i| record_field(i, d + 1)))?;
            let (r, _) = commit(sym(r, "}"))?;
            let e = lit(ExprKind::Record(fields), start, r);
            if starts_segment(r) {
                return with_segments(r, start, Root::Expr(Box::new(e)), d);
            }
            Ok((r, e))
        }
        '[' => {
            let (r, items) = commit(comma_list(&t[1..], "]", |i| expr(i, d + 1)))?;
            let (r, _) = commit(sym(r, "]"))?;
            let e = lit(ExprKind::Array(items), start, r);
            if starts_segment(r) {
                return with_segments(r, start, Root::Expr(Box::new(e)), d);
            }
            Ok((r, e))
        }
        '"' => {
            let (r, parts) = string_lit(t, d + 1)?;
            Ok((r, lit(ExprKind::Str(parts), start, r)))
        }
        '<' if t.starts_with("<<") => {
            let (r, parts) = bytes_lit(t, d + 1)?;
            Ok((r, lit(ExprKind::Bytes(parts), start, r)))
        }
        '0'..='9' => {
            let (r, k) = number(t)?;
            Ok((r, lit(k, start, r)))
        }
        '$' => {
            let r = &t[1..];
            // `$name` is the metadata field `name`; a bare `$` is the whole record.
            if r.starts_with(is_ident_start) || r.starts_with('`') {
                if let Ok((r2, id)) = ident(r) {
                    let (r3, mut segs) = segments(r2, d)?;
                    segs.insert(0, Seg::Field(id));
                    return Ok((
                        r3,
                        Expr {
                            span: RSpan::new(start, r3.len()),
                            kind: ExprKind::Path(Path {
                                root: Root::Meta,
                                segs,
                                span: RSpan::new(start, r3.len()),
                            }),
                        },
                    ));
                }
            }
            with_segments(r, start, Root::Meta, d)
        }
        _ => keyword_or_name(t, start, d),
    }
}

fn starts_segment(i: &str) -> bool {
    let t = ws(i);
    t.starts_with('[')
        || t.strip_prefix('.')
            .is_some_and(|r| ws(r).starts_with(is_ident_start) || ws(r).starts_with('`'))
}

fn keyword_or_name(t: &str, start: usize, d: u32) -> PResult<'_, Expr> {
    let simple = [
        ("null", ExprKind::Null),
        ("true", ExprKind::Bool(true)),
        ("false", ExprKind::Bool(false)),
    ];
    for (w, k) in simple {
        if peek_kw(t, w) {
            let (r, _) = kw(t, w)?;
            return Ok((r, lit(k, start, r)));
        }
    }
    let roots = [
        ("event", Root::Event),
        ("state", Root::State),
        ("args", Root::Args),
        ("group", Root::Group),
        ("window", Root::Window),
    ];
    for (w, root) in roots {
        if peek_kw(t, w) {
            let (r, _) = kw(t, w)?;
            return with_segments(r, start, root, d);
        }
    }
    if peek_kw(t, "match") {
        return match_expr(t, d + 1);
    }
    if peek_kw(t, "for") {
        return for_expr(t, d + 1);
    }
    if peek_kw(t, "patch") {
        return patch_expr(t, d + 1);
    }
    if peek_kw(t, "merge") {
        return merge_expr(t, d + 1);
    }
    if peek_kw(t, "recur") {
        let (r, _) = kw(t, "recur")?;
        let (r, _) = commit(sym(r, "("))?;
        let (r, args) = commit(comma_list(r, ")", |i| expr(i, d + 1)))?;
        let (r, _) = commit(sym(r, ")"))?;
        return Ok((r, lit(ExprKind::Recur(args), start, r)));
    }
    for w in ["let", "emit", "drop"] {
        if peek_kw(t, w) {
            return Err(nom::Err::Failure(
                super::PErr::new(t, format!("`{w}` is not allowed inside an expression"))
                    .code(crate::lang::diagnostic::codes::NOT_ALLOWED)
                    .len(w.len()),
            ));
        }
    }
    if !t.starts_with(is_ident_start) && !t.starts_with('`') {
        return fail(t, "expected an expression");
    }
    let (mut r, first) = ident(t)?;
    let mut names: Vec<Ident> = vec![first];
    while let Some(r2) = ws(r).strip_prefix("::") {
        let (r3, id) = commit(super::member_ident(r2))?;
        names.push(id);
        r = r3;
    }
    if peek_sym(r, "(") {
        let (r, _) = sym(r, "(")?;
        let (r, args) = commit(comma_list(r, ")", |i| expr(i, d + 1)))?;
        let (r, _) = commit(sym(r, ")"))?;
        let name = names.pop().unwrap_or_else(|| Ident {
            name: String::new(),
            span: RSpan::default(),
        });
        let call = lit(
            ExprKind::Call {
                module: names,
                name,
                args,
            },
            start,
            r,
        );
        if starts_segment(r) {
            return with_segments(r, start, Root::Expr(Box::new(call)), d);
        }
        return Ok((r, call));
    }
    let root = if names.len() == 1 {
        Root::Local(names.remove(0))
    } else {
        let last = names.pop().unwrap_or_else(|| Ident {
            name: String::new(),
            span: RSpan::default(),
        });
        Root::Const(names, last)
    };
    with_segments(r, start, root, d)
}

/// `"key": value` in a record literal.
fn record_field(i: &str, d: u32) -> PResult<'_, (Expr, Expr)> {
    let t = ws(i);
    let start = t.len();
    if !t.starts_with('"') {
        return fail(t, "expected a string key");
    }
    let (r, parts) = string_lit(t, d)?;
    let key = lit(ExprKind::Str(parts), start, r);
    let (r, _) = commit(sym(r, ":"))?;
    let (r, v) = commit(expr(r, d))?;
    Ok((r, (key, v)))
}
