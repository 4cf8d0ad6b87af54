//! Top-level items of a script or module file: `use` (grouped, aliased), inline `mod`,
//! `const`, functions, and statements.

use super::expr::expr;
use super::stmt::{fn_decl, stmt};
use super::{commit, ident, kw, peek_kw, peek_sym, sym, ws, PErr, PResult};
use crate::lang::ast::{Const, Ident, Item, Module, Script, Use};
use crate::lang::span::RSpan;

/// Parses a whole script or module file.
pub(crate) fn parse_script(src: &str) -> Result<Script, PErr> {
    let (rest, items) = items(src, false).map_err(unwrap_err)?;
    let t = ws(rest);
    if !t.is_empty() {
        return Err(PErr::new(t, "expected `;` or the end of the script"));
    }
    Ok(Script { items })
}

/// Items separated by `;` up to the end of the input, or (in an inline module) up to
/// its `end`.
fn items(src: &str, in_mod: bool) -> PResult<'_, Vec<Item>> {
    let mut items = Vec::new();
    let mut i = src;
    loop {
        if ws(i).is_empty() || (in_mod && peek_kw(i, "end")) {
            break;
        }
        let (r, more) = item(i)?;
        items.extend(more);
        i = r;
        match sym(i, ";") {
            Ok((r, _)) => i = r,
            Err(_) => break,
        }
    }
    Ok((i, items))
}

fn unwrap_err(e: nom::Err<PErr>) -> PErr {
    match e {
        nom::Err::Error(e) | nom::Err::Failure(e) => e,
        nom::Err::Incomplete(_) => PErr::new("", "unexpected end of input"),
    }
}

/// The targets of one `use`: `a::b [as c]`, or a group `a::{b, c::{d, e as f}}` that
/// stands for one `use` per leaf.
fn use_tree<'a>(i: &'a str, prefix: &[Ident], start: usize, out: &mut Vec<Use>) -> PResult<'a, ()> {
    let (mut r, first) = commit(ident(i))?;
    let mut path = prefix.to_vec();
    path.push(first);
    loop {
        let Some(r2) = ws(r).strip_prefix("::") else {
            break;
        };
        if let Some(r3) = ws(r2).strip_prefix('{') {
            let mut r4 = r3;
            loop {
                r4 = use_tree(r4, &path, start, out)?.0;
                match sym(r4, ",") {
                    Ok((r5, _)) if !peek_sym(r5, "}") => r4 = r5,
                    Ok((r5, _)) => {
                        r4 = r5;
                        break;
                    }
                    Err(_) => break,
                }
            }
            let (r5, _) = commit(sym(r4, "}"))?;
            return Ok((r5, ()));
        }
        let (r3, id) = commit(ident(r2))?;
        path.push(id);
        r = r3;
    }
    let mut alias = None;
    if peek_kw(r, "as") {
        let (r2, _) = kw(r, "as")?;
        let (r3, id) = commit(ident(r2))?;
        alias = Some(id);
        r = r3;
    }
    out.push(Use {
        path,
        alias,
        span: RSpan::new(start, r.len()),
    });
    Ok((r, ()))
}

fn item(i: &str) -> PResult<'_, Vec<Item>> {
    let t = ws(i);
    let start = t.len();
    if peek_kw(t, "use") {
        let (r, _) = kw(t, "use")?;
        let mut uses = Vec::new();
        let (r, ()) = use_tree(r, &[], start, &mut uses)?;
        return Ok((r, uses.into_iter().map(Item::Use).collect()));
    }
    if peek_kw(t, "mod") {
        let (r, _) = kw(t, "mod")?;
        let (r, name) = commit(ident(r))?;
        let (r, _) = commit(kw(r, "with"))?;
        let (r, body) = items(r, true)?;
        let (r, _) = commit(kw(r, "end"))?;
        return Ok((
            r,
            vec![Item::Mod(Module {
                name,
                items: body,
                span: RSpan::new(start, r.len()),
            })],
        ));
    }
    if peek_kw(t, "const") {
        let (r, _) = kw(t, "const")?;
        let (r, name) = commit(ident(r))?;
        let (r, _) = commit(sym(r, "="))?;
        let (r, e) = commit(expr(r, 1))?;
        return Ok((
            r,
            vec![Item::Const(Const {
                name,
                expr: e,
                span: RSpan::new(start, r.len()),
            })],
        ));
    }
    if peek_kw(t, "fn") || peek_kw(t, "intrinsic") {
        let (r, f) = fn_decl(t)?;
        return Ok((r, vec![Item::Fn(f)]));
    }
    let (r, e) = stmt(t, 1)?;
    Ok((r, vec![Item::Expr(e)]))
}
