//! `recur` must be in tail position (tremor refuses it elsewhere at compile time): the last
//! expression of a function body, or of a `match` case that is itself in tail position.

use crate::lang::ast::{Expr, ExprKind, Path, Root, Seg, StrPart};
use crate::lang::span::RSpan;

/// The first `recur` of a function body that is not in tail position.
pub(super) fn misplaced_recur(body: &[Expr]) -> Option<RSpan> {
    block(body, true)
}

fn block(body: &[Expr], tail: bool) -> Option<RSpan> {
    let last = body.len().saturating_sub(1);
    body.iter()
        .enumerate()
        .find_map(|(i, e)| expr(e, tail && i == last))
}

fn all<'a>(es: impl IntoIterator<Item = &'a Expr>) -> Option<RSpan> {
    es.into_iter().find_map(|e| expr(e, false))
}

fn path(p: &Path) -> Option<RSpan> {
    let root = match &p.root {
        Root::Expr(e) => expr(e, false),
        _ => None,
    };
    root.or_else(|| {
        p.segs.iter().find_map(|s| match s {
            Seg::Field(_) => None,
            Seg::Index(e) => expr(e, false),
            Seg::Range(a, b, _) => expr(a, false).or_else(|| expr(b, false)),
        })
    })
}

fn expr(e: &Expr, tail: bool) -> Option<RSpan> {
    match &e.kind {
        ExprKind::Recur(args) => {
            if tail {
                all(args)
            } else {
                Some(e.span)
            }
        }
        ExprKind::Null
        | ExprKind::Bool(_)
        | ExprKind::Int(_)
        | ExprKind::Float(_)
        | ExprKind::Drop => None,
        ExprKind::Str(parts) => parts.iter().find_map(|p| match p {
            StrPart::Lit(_) => None,
            StrPart::Expr(x) => expr(x, false),
        }),
        ExprKind::Bytes(parts) => all(parts.iter().map(|p| &p.value)),
        ExprKind::Record(fields) => fields
            .iter()
            .find_map(|(k, v)| expr(k, false).or_else(|| expr(v, false))),
        ExprKind::Array(items) => all(items),
        ExprKind::Path(p) | ExprKind::Present(p) | ExprKind::Absent(p) => path(p),
        ExprKind::Unary(_, x) => expr(x, false),
        ExprKind::Binary(_, l, r) => expr(l, false).or_else(|| expr(r, false)),
        ExprKind::Call { args, .. } => all(args),
        ExprKind::Match(m) => expr(&m.target, false).or_else(|| {
            m.cases.iter().find_map(|c| {
                c.guard
                    .as_ref()
                    .and_then(|g| expr(g, false))
                    .or_else(|| block(&c.body, tail))
            })
        }),
        ExprKind::For(f) => expr(&f.target, false)
            .or_else(|| {
                f.cases.iter().find_map(|c| {
                    c.guard
                        .as_ref()
                        .and_then(|g| expr(g, false))
                        .or_else(|| block(&c.body, false))
                })
            })
            .or_else(|| f.fold.as_ref().and_then(|(init, _)| expr(init, false))),
        ExprKind::Patch(p) => expr(&p.target, false),
        ExprKind::Merge(t, s) => expr(t, false).or_else(|| expr(s, false)),
        ExprKind::Let(p, x) => path(p).or_else(|| expr(x, false)),
        ExprKind::Emit { expr: x, port } => x
            .as_deref()
            .and_then(|x| expr(x, false))
            .or_else(|| port.as_deref().and_then(|p| expr(p, false))),
    }
}
