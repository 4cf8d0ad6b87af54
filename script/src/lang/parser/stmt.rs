//! Statements and the block constructs: `let`, `emit`, `drop`, `match`, `for`, `patch`,
//! `merge`, and function declarations (the items around them are in `item`).

use super::expr::{expr, path_only, peek_binop};
use super::literal::string_lit;
use super::pattern::{case_pattern, tuple_pat};
use super::{
    commit, cut_err, depth_check, fail, ident, kw, peek_kw, peek_sym, sym, ws, PErr, PResult,
};
use crate::lang::ast::{
    Case, Expr, ExprKind, FnBody, FnDecl, For, ForCase, Ident, Match, Patch, PatchKind, PatchOp,
    Pattern,
};
use crate::lang::span::RSpan;

fn fn_args(i: &str) -> PResult<'_, (Vec<Ident>, bool)> {
    let (mut r, _) = commit(sym(i, "("))?;
    let mut args = Vec::new();
    let mut varargs = false;
    loop {
        if peek_sym(r, ")") {
            break;
        }
        if let Ok((r2, _)) = sym(r, "...") {
            varargs = true;
            r = r2;
            break;
        }
        let (r2, id) = commit(ident(r))?;
        args.push(id);
        r = r2;
        match sym(r, ",") {
            Ok((r2, _)) => r = r2,
            Err(_) => break,
        }
    }
    let (r, _) = commit(sym(r, ")"))?;
    Ok((r, (args, varargs)))
}

pub(super) fn fn_decl(t: &str) -> PResult<'_, FnDecl> {
    let start = ws(t).len();
    if peek_kw(t, "intrinsic") {
        let (r, _) = kw(t, "intrinsic")?;
        let (r, _) = commit(kw(r, "fn"))?;
        let (r, name) = commit(ident(r))?;
        let (r, (args, varargs)) = fn_args(r)?;
        let (r, _) = commit(kw(r, "as"))?;
        let (mut r, first) = commit(ident(r))?;
        let mut path = vec![first];
        while let Some(r2) = ws(r).strip_prefix("::") {
            let (r3, id) = commit(super::member_ident(r2))?;
            path.push(id);
            r = r3;
        }
        let target = path
            .pop()
            .ok_or_else(|| nom::Err::Failure(PErr::new(r, "expected a function path")))?;
        return Ok((
            r,
            FnDecl {
                name,
                args,
                varargs,
                body: FnBody::Intrinsic {
                    module: path,
                    name: target,
                },
                span: RSpan::new(start, r.len()),
            },
        ));
    }
    let (r, _) = kw(t, "fn")?;
    let (r, name) = commit(ident(r))?;
    let (r, (args, varargs)) = fn_args(r)?;
    if peek_kw(r, "with") {
        let (r, _) = kw(r, "with")?;
        let (r, body) = block(r, 2)?;
        let (r, _) = commit(kw(r, "end"))?;
        return Ok((
            r,
            FnDecl {
                name,
                args,
                varargs,
                body: FnBody::Exprs(body),
                span: RSpan::new(start, r.len()),
            },
        ));
    }
    let (r, _) = commit(kw(r, "of"))?;
    let mut cases = Vec::new();
    let mut r = r;
    loop {
        let t = ws(r);
        let cstart = t.len();
        if peek_kw(t, "case") {
            let (r2, _) = kw(t, "case")?;
            // `case (a, b)` tests the arguments as a tuple; `case _` (or any other
            // pattern, `x = _`) takes them all.
            let (r2, pattern) = if ws(r2).starts_with('(') {
                let (r3, tp) = commit(tuple_pat(r2, 2))?;
                (r3, Pattern::Tuple(tp))
            } else {
                commit(case_pattern(r2, 2))?
            };
            let (r2, guard) = guard(r2)?;
            let (r2, _) = commit(sym(r2, "=>"))?;
            let (r2, body) = block(r2, 2)?;
            cases.push(Case {
                pattern,
                guard,
                body,
                span: RSpan::new(cstart, r2.len()),
            });
            r = r2;
        } else if peek_kw(t, "default") {
            let (r2, _) = kw(t, "default")?;
            let (r2, _) = commit(sym(r2, "=>"))?;
            let (r2, body) = block(r2, 2)?;
            cases.push(Case {
                pattern: Pattern::Default,
                guard: None,
                body,
                span: RSpan::new(cstart, r2.len()),
            });
            r = r2;
        } else {
            break;
        }
    }
    let (r, _) = commit(kw(r, "end"))?;
    Ok((
        r,
        FnDecl {
            name,
            args,
            varargs,
            body: FnBody::Cases(cases),
            span: RSpan::new(start, r.len()),
        },
    ))
}

fn at_block_end(i: &str) -> bool {
    let t = ws(i);
    t.is_empty()
        || t.starts_with(';')
        || t.starts_with(',')
        || t.starts_with(')')
        || t.starts_with('}')
        || ["end", "case", "default", "into"]
            .iter()
            .any(|w| peek_kw(t, w))
}

/// A statement: `let`, `emit`, `drop` or an expression.
pub(crate) fn stmt(i: &str, d: u32) -> PResult<'_, Expr> {
    depth_check(i, d)?;
    let t = ws(i);
    let start = t.len();
    if peek_kw(t, "let") {
        let (r, _) = kw(t, "let")?;
        let rt = ws(r);
        let word_len = rt
            .find(|c: char| !super::is_ident_char(c))
            .unwrap_or(rt.len());
        let word = &rt[..word_len];
        if super::KEYWORDS.contains(&word)
            && !["event", "state", "args", "group", "window"].contains(&word)
        {
            return Err(nom::Err::Failure(
                PErr::new(
                    rt,
                    format!("`{word}` is a reserved word and cannot be used as a name"),
                )
                .code(crate::lang::diagnostic::codes::RESERVED)
                .len(word_len),
            ));
        }
        let (r, p) = commit(path_only(r, d + 1))?;
        let (r, _) = commit(sym(r, "="))?;
        let (r, e) = commit(stmt(r, d + 1))?;
        return Ok((
            r,
            Expr {
                kind: ExprKind::Let(p, Box::new(e)),
                span: RSpan::new(start, r.len()),
            },
        ));
    }
    if peek_kw(t, "drop") {
        let (r, _) = kw(t, "drop")?;
        return Ok((
            r,
            Expr {
                kind: ExprKind::Drop,
                span: RSpan::new(start, r.len()),
            },
        ));
    }
    if peek_kw(t, "emit") {
        let (mut r, _) = kw(t, "emit")?;
        let mut value = None;
        if !peek_sym(r, "=>") && !at_block_end(r) {
            let (r2, e) = commit(expr(r, d + 1))?;
            value = Some(Box::new(e));
            r = r2;
        }
        let mut port = None;
        if let Ok((r2, _)) = sym(r, "=>") {
            let t2 = ws(r2);
            let pstart = t2.len();
            let (r3, parts) = commit(string_lit(t2, d + 1))?;
            port = Some(Box::new(Expr {
                kind: ExprKind::Str(parts),
                span: RSpan::new(pstart, r3.len()),
            }));
            r = r3;
        }
        return Ok((
            r,
            Expr {
                kind: ExprKind::Emit { expr: value, port },
                span: RSpan::new(start, r.len()),
            },
        ));
    }
    expr(t, d)
}

/// Statements separated by `;` (or `,`), ending before `case`, `default`, `end` or `into`.
fn block(i: &str, d: u32) -> PResult<'_, Vec<Expr>> {
    let (mut r, first) = commit(stmt(i, d + 1))?;
    let mut out = vec![first];
    loop {
        let t = ws(r);
        let Some(after) = t.strip_prefix(';').or_else(|| t.strip_prefix(',')) else {
            break;
        };
        if at_block_end(after) {
            r = after;
            break;
        }
        let (r2, e) = commit(stmt(after, d + 1))?;
        out.push(e);
        r = r2;
    }
    Ok((r, out))
}

fn guard(i: &str) -> PResult<'_, Option<Expr>> {
    if peek_kw(i, "when") {
        let (r, _) = kw(i, "when")?;
        let (r, g) = commit(expr(r, 2))?;
        Ok((r, Some(g)))
    } else {
        Ok((i, None))
    }
}

/// `match target of case ... end`
pub(crate) fn match_expr(i: &str, d: u32) -> PResult<'_, Expr> {
    let t = ws(i);
    let start = t.len();
    let (r, _) = kw(t, "match")?;
    let (r, target) = commit(expr(r, d + 1))?;
    let (mut r, _) = commit(kw(r, "of"))?;
    let mut cases = Vec::new();
    loop {
        let t = ws(r);
        let cstart = t.len();
        let (r2, pattern) = if peek_kw(t, "case") {
            let (r2, _) = kw(t, "case")?;
            commit(case_pattern(r2, d + 1))?
        } else if peek_kw(t, "default") {
            let (r2, _) = kw(t, "default")?;
            (r2, Pattern::Default)
        } else if peek_kw(t, "end") {
            break;
        } else {
            return cut_err(t, "expected `case`, `default` or `end`");
        };
        let (r2, g) = guard(r2)?;
        let (r2, _) = commit(sym(r2, "=>"))?;
        let (r2, body) = block(r2, d + 1)?;
        cases.push(Case {
            pattern,
            guard: g,
            body,
            span: RSpan::new(cstart, r2.len()),
        });
        r = r2;
    }
    if cases.is_empty() {
        return cut_err(ws(r), "a match needs at least one `case`");
    }
    let (r, _) = kw(r, "end")?;
    Ok((
        r,
        Expr {
            kind: ExprKind::Match(Box::new(Match { target, cases })),
            span: RSpan::new(start, r.len()),
        },
    ))
}

/// `for target of case (k, v) ... [into init [use op]] end`
pub(crate) fn for_expr(i: &str, d: u32) -> PResult<'_, Expr> {
    let t = ws(i);
    let start = t.len();
    let (r, _) = kw(t, "for")?;
    let (r, target) = commit(expr(r, d + 1))?;
    let (mut r, _) = commit(kw(r, "of"))?;
    let mut cases = Vec::new();
    while peek_kw(r, "case") {
        let t = ws(r);
        let cstart = t.len();
        let (r2, _) = kw(t, "case")?;
        let (r2, _) = commit(sym(r2, "("))?;
        let (r2, key) = commit(ident(r2))?;
        let (r2, _) = commit(sym(r2, ","))?;
        let (r2, value) = commit(ident(r2))?;
        let (r2, _) = commit(sym(r2, ")"))?;
        let (r2, g) = guard(r2)?;
        let (r2, _) = commit(sym(r2, "=>"))?;
        let (r2, body) = block(r2, d + 1)?;
        cases.push(ForCase {
            key,
            value,
            guard: g,
            body,
            span: RSpan::new(cstart, r2.len()),
        });
        r = r2;
    }
    if cases.is_empty() {
        return cut_err(ws(r), "expected `case (key, value) =>`");
    }
    let mut fold = None;
    if peek_kw(r, "into") {
        let (r2, _) = kw(r, "into")?;
        let (r2, init) = commit(expr(r2, d + 1))?;
        let mut op = None;
        let mut r2 = r2;
        if peek_kw(r2, "use") {
            let (r3, _) = kw(r2, "use")?;
            let t3 = ws(r3);
            let Some((o, r4)) = peek_binop(t3) else {
                return cut_err(t3, "expected an operator after `use`");
            };
            op = Some((o, RSpan::new(t3.len(), r4.len())));
            r2 = r4;
        }
        fold = Some((init, op));
        r = r2;
    }
    let (r, _) = commit(kw(r, "end"))?;
    Ok((
        r,
        Expr {
            kind: ExprKind::For(Box::new(For {
                target,
                cases,
                fold,
            })),
            span: RSpan::new(start, r.len()),
        },
    ))
}

fn key_expr(i: &str, d: u32) -> PResult<'_, Expr> {
    let t = ws(i);
    let start = t.len();
    let (r, parts) = string_lit(t, d)?;
    Ok((
        r,
        Expr {
            kind: ExprKind::Str(parts),
            span: RSpan::new(start, r.len()),
        },
    ))
}

fn patch_op(i: &str, d: u32) -> PResult<'_, PatchOp> {
    let t = ws(i);
    let start = t.len();
    let word = [
        "insert", "upsert", "update", "erase", "move", "copy", "merge", "default",
    ]
    .into_iter()
    .find(|w| peek_kw(t, w));
    let Some(word) = word else {
        return fail(
            t,
            "expected a patch operation (insert, upsert, update, erase, move, copy, merge, default)",
        );
    };
    let (r, _) = kw(t, word)?;
    let (r, kind) = match word {
        "erase" => {
            let (r, k) = commit(key_expr(r, d))?;
            (r, PatchKind::Erase(k))
        }
        "move" | "copy" => {
            let (r, a) = commit(key_expr(r, d))?;
            let (r, _) = commit(sym(r, "=>"))?;
            let (r, b) = commit(key_expr(r, d))?;
            (
                r,
                if word == "move" {
                    PatchKind::Move(a, b)
                } else {
                    PatchKind::Copy(a, b)
                },
            )
        }
        "merge" | "default" => {
            let (r, key) = if peek_sym(r, "=>") {
                (r, None)
            } else {
                let (r, k) = commit(key_expr(r, d))?;
                (r, Some(k))
            };
            let (r, _) = commit(sym(r, "=>"))?;
            let (r, v) = commit(expr(r, d))?;
            (
                r,
                if word == "merge" {
                    PatchKind::Merge(key, v)
                } else {
                    PatchKind::Default(key, v)
                },
            )
        }
        _ => {
            let (r, k) = commit(key_expr(r, d))?;
            let (r, _) = commit(sym(r, "=>"))?;
            let (r, v) = commit(expr(r, d))?;
            let kind = match word {
                "insert" => PatchKind::Insert(k, v),
                "upsert" => PatchKind::Upsert(k, v),
                _ => PatchKind::Update(k, v),
            };
            (r, kind)
        }
    };
    Ok((
        r,
        PatchOp {
            kind,
            span: RSpan::new(start, r.len()),
        },
    ))
}

/// `patch target of op; op end`
pub(crate) fn patch_expr(i: &str, d: u32) -> PResult<'_, Expr> {
    let t = ws(i);
    let start = t.len();
    let (r, _) = kw(t, "patch")?;
    let (r, target) = commit(expr(r, d + 1))?;
    let (mut r, _) = commit(kw(r, "of"))?;
    let mut ops = Vec::new();
    loop {
        if peek_kw(r, "end") {
            break;
        }
        let (r2, op) = commit(patch_op(r, d + 1))?;
        ops.push(op);
        r = r2;
        match sym(r, ";") {
            Ok((r2, _)) => r = r2,
            Err(_) => break,
        }
    }
    let (r, _) = commit(kw(r, "end"))?;
    Ok((
        r,
        Expr {
            kind: ExprKind::Patch(Box::new(Patch { target, ops })),
            span: RSpan::new(start, r.len()),
        },
    ))
}

/// `merge target of spec end`
pub(crate) fn merge_expr(i: &str, d: u32) -> PResult<'_, Expr> {
    let t = ws(i);
    let start = t.len();
    let (r, _) = kw(t, "merge")?;
    let (r, target) = commit(expr(r, d + 1))?;
    let (r, _) = commit(kw(r, "of"))?;
    let (r, spec) = commit(expr(r, d + 1))?;
    let (r, _) = commit(kw(r, "end"))?;
    Ok((
        r,
        Expr {
            kind: ExprKind::Merge(Box::new(target), Box::new(spec)),
            span: RSpan::new(start, r.len()),
        },
    ))
}
