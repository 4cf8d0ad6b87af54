//! Statements: `let`, `emit`, `drop`, statement-level `match` and `for`.

use std::borrow::Cow;

use super::path::{store, target_keys};
use super::pattern::select;
use super::{err, eval, eval_bool, Ctrl, Overlay, Sys, View, R};
use crate::lang::ast::BinOp;
use crate::lang::diagnostic::codes;
use crate::lang::ir::{Expr, For, Match, Patch, PatchOp, Root, Stmt, TRoot, Target};
use crate::lang::span::Span;
use crate::Value;

/// What a statement hands back.
pub(crate) enum Flow<'ev> {
    /// A value (`Null` when nobody needs it).
    Val(Value<'ev>),
    /// The value is the event itself; nothing was copied.
    Event,
    /// `emit` to this port; the value is in the event.
    Emit(usize),
    /// `drop`
    Drop,
}

/// The mutable side of a run.
pub(crate) struct Frame<'f, 'ev> {
    pub event: &'f mut Value<'ev>,
    pub meta: &'f mut Value<'ev>,
    pub state: &'f mut Value<'static>,
    pub locals: &'f mut [Option<Value<'ev>>],
    pub args: &'f Value<'static>,
    /// Set by anything that writes into the event.
    pub changed: bool,
}

impl<'ev> Frame<'_, 'ev> {
    pub(crate) fn view(&self) -> View<'_, 'ev> {
        View {
            event: self.event,
            meta: self.meta,
            state: self.state,
            locals: self.locals,
            args: self.args,
            overlay: None,
        }
    }
}

fn is_event(e: &Expr) -> bool {
    matches!(e, Expr::Path(p) if matches!(p.root, Root::Event) && p.segs.is_empty())
}

/// `let event = patch event of ... end` whose operations all erase or upsert constants:
/// none of them reads the event, and none can fail once the event is known to be a record,
/// so patching the event itself gives what patching a copy and assigning it gives, without
/// the copy (of every field of the event).
fn patch_in_place<'a>(t: &Target, rhs: &'a Stmt) -> Option<&'a Patch> {
    let Stmt::Expr(Expr::Patch(p)) = rhs else {
        return None;
    };
    let key = |k: &Expr| matches!(k, Expr::Const(Value::String(_)));
    let consts = p.ops.iter().all(|op| match op {
        PatchOp::Erase(k, _) => key(k),
        PatchOp::Upsert(k, x, _) => key(k) && matches!(x, Expr::Const(_)),
        _ => false,
    });
    (matches!(t.root, TRoot::Event) && t.segs.is_empty() && is_event(&p.target) && consts)
        .then_some(&**p)
}

/// Runs [`patch_in_place`]'s patch on the event.
fn let_event_patch<'ev>(
    p: &Patch,
    f: &mut Frame<'_, 'ev>,
    s: &mut Sys<'_>,
    need: bool,
) -> R<'ev, Flow<'ev>> {
    let mut ev = std::mem::take(f.event);
    // The operations read no event (constants only); a non-record fails before any change.
    let r = super::patch::apply(&mut ev, &p.ops, &f.view(), s, p.span);
    *f.event = ev;
    r?;
    f.changed = true;
    Ok(Flow::Val(if need { f.event.clone() } else { Value::Null }))
}

/// Runs statements; the last one's value is the block's value.
pub(crate) fn exec_block<'ev>(
    body: &[Stmt],
    f: &mut Frame<'_, 'ev>,
    s: &mut Sys<'_>,
    need: bool,
) -> R<'ev, Flow<'ev>> {
    let n = body.len();
    for (i, st) in body.iter().enumerate() {
        let last = i + 1 == n;
        let need = need && last;
        // `let $key = <literal>` whose value nobody reads, the commonest statement of a
        // classification script: stored without building a result to hand back.
        if !need {
            if let Stmt::SetKey(root, key, Expr::Const(c), span) = st {
                set_const(root, key, c, f, *span)?;
                if last {
                    return Ok(Flow::Val(Value::Null));
                }
                continue;
            }
        }
        if let Stmt::Emit { expr, port } = st {
            if expr.as_ref().is_none_or(is_event) {
                return Ok(Flow::Emit(*port));
            }
        }
        let fl = exec(st, f, s, need)?;
        if last || matches!(fl, Flow::Emit(_) | Flow::Drop) {
            return Ok(fl);
        }
    }
    Ok(Flow::Val(Value::Null))
}

fn flow_value<'ev>(fl: Flow<'ev>, f: &Frame<'_, 'ev>) -> Result<Value<'ev>, Flow<'ev>> {
    match fl {
        Flow::Val(v) => Ok(v),
        Flow::Event => Ok(f.event.clone()),
        other => Err(other),
    }
}

/// Runs one statement. Not inlined into [`exec_block`]: its many arms would make every
/// block pay for their stack frame. With `need == false` the value is not computed (immutable
/// expressions whose value nobody uses are skipped, as in tremor).
#[inline(never)]
pub(crate) fn exec<'ev>(
    st: &Stmt,
    f: &mut Frame<'_, 'ev>,
    s: &mut Sys<'_>,
    need: bool,
) -> R<'ev, Flow<'ev>> {
    match st {
        Stmt::Expr(e) => {
            if !need {
                return Ok(Flow::Val(Value::Null));
            }
            if is_event(e) {
                return Ok(Flow::Event);
            }
            let v = f.view();
            Ok(Flow::Val(eval(e, &v, s)?.into_owned()))
        }
        Stmt::Drop => Ok(Flow::Drop),
        Stmt::Emit { expr, port } => {
            if let Some(e) = expr.as_ref().filter(|e| !is_event(e)) {
                let val = eval(e, &f.view(), s)?.into_owned();
                *f.event = val;
                f.changed = true;
            }
            Ok(Flow::Emit(*port))
        }
        Stmt::Let(t, rhs) => {
            if let Some(p) = patch_in_place(t, rhs) {
                return let_event_patch(p, f, s, need);
            }
            let fl = exec(rhs, f, s, true)?;
            let val = match flow_value(fl, f) {
                Ok(v) => v,
                Err(other) => return Ok(other),
            };
            let ret = if need { val.clone() } else { Value::Null };
            assign(t, val, f, s)?;
            Ok(Flow::Val(ret))
        }
        Stmt::SetKey(root, key, e, span) => {
            let val = match e {
                Expr::Const(c) => c.clone(),
                _ => eval(e, &f.view(), s)?.into_owned(),
            };
            let ret = if need { val.clone() } else { Value::Null };
            match root {
                TRoot::Event => {
                    f.changed = true;
                    set_key(f.event, key.clone(), val, *span)?;
                }
                TRoot::Meta => set_key(f.meta, key.clone(), val, *span)?,
                TRoot::State => set_key(f.state, key.clone(), val.into_static(), *span)?,
                TRoot::Local(_) => {
                    return err(codes::BAD_ASSIGN, "internal: local key target", *span)
                }
            }
            Ok(Flow::Val(ret))
        }
        Stmt::Match(m) => exec_match(m, f, s, need),
        Stmt::For(fo) => exec_for(fo, f, s),
    }
}

/// A script constant as a value of the event's lifetime. Literal strings are interned
/// `'static` strings, so the usual cases copy a pointer, not the general clone's dispatch.
#[inline]
fn const_value<'ev>(c: &Value<'static>) -> Value<'ev> {
    match c {
        Value::String(Cow::Borrowed(st)) => Value::String(Cow::Borrowed(st)),
        Value::I64(i) => Value::I64(*i),
        Value::Bool(b) => Value::Bool(*b),
        other => other.clone(),
    }
}

/// `let root.key = <constant>`.
// The key stays a `Cow`: a borrowed one is an interned `'static` literal, which the event
// can hold without a copy; a `&str` would lose that.
#[allow(clippy::ptr_arg)]
#[inline]
fn set_const<'ev>(
    root: &TRoot,
    key: &Cow<'static, str>,
    c: &Value<'static>,
    f: &mut Frame<'_, 'ev>,
    span: Span,
) -> R<'ev, ()> {
    let key: Cow<'ev, str> = match key {
        Cow::Borrowed(k) => Cow::Borrowed(k),
        Cow::Owned(k) => Cow::Owned(k.clone()),
    };
    match root {
        TRoot::Event => {
            f.changed = true;
            set_key(f.event, key, const_value(c), span)
        }
        TRoot::Meta => set_key(f.meta, key, const_value(c), span),
        TRoot::State => set_key(f.state, Cow::Owned(key.into_owned()), c.clone(), span),
        TRoot::Local(_) => err(codes::BAD_ASSIGN, "internal: local key target", span),
    }
}

#[inline]
fn set_key<'x, 'ev>(
    root: &mut Value<'x>,
    key: Cow<'x, str>,
    val: Value<'x>,
    span: Span,
) -> R<'ev, ()> {
    match root {
        Value::Record(r) => {
            // Not `insert`: nobody wants the old value back, and the metadata record is
            // usually fresh, so the append is the common path.
            match r.get_mut(&key) {
                Some(old) => *old = val,
                None => r.push_unique(key, val),
            }
            Ok(())
        }
        other => err(
            codes::TYPE,
            format!(
                "cannot assign to key `{key}` in a value of type {}",
                other.value_type()
            ),
            span,
        ),
    }
}

fn const_keys<'t, 'x>(t: &'t Target) -> impl Iterator<Item = Cow<'x, str>> + 't {
    t.segs.iter().map(|e| match e {
        Expr::Const(Value::String(k)) => {
            let c: Cow<'x, str> = k.clone();
            c
        }
        _ => Cow::Borrowed(""),
    })
}

fn assign<'ev>(t: &Target, val: Value<'ev>, f: &mut Frame<'_, 'ev>, s: &mut Sys<'_>) -> R<'ev, ()> {
    let all_const = t
        .segs
        .iter()
        .all(|e| matches!(e, Expr::Const(Value::String(_))));
    let mut dynamic: Vec<Cow<'ev, str>> = Vec::new();
    if !all_const {
        dynamic.reserve(t.segs.len());
        target_keys(t, &f.view(), s, &mut dynamic)?;
    }
    let r = match &t.root {
        TRoot::Event => {
            f.changed = true;
            if all_const {
                store(f.event, const_keys(t), val, t.span)
            } else {
                store(f.event, dynamic, val, t.span)
            }
        }
        TRoot::Meta => {
            if all_const {
                store(f.meta, const_keys(t), val, t.span)
            } else {
                store(f.meta, dynamic, val, t.span)
            }
        }
        TRoot::State => {
            let val = val.into_static();
            if all_const {
                store(f.state, const_keys(t), val, t.span)
            } else {
                let keys = dynamic.into_iter().map(|k| Cow::Owned(k.into_owned()));
                store(f.state, keys, val, t.span)
            }
        }
        TRoot::Local(slot) => {
            let Some(cell) = f.locals.get_mut(*slot as usize) else {
                return err(codes::UNSET_LOCAL, "local slot out of range", t.span);
            };
            if t.segs.is_empty() {
                *cell = Some(val);
                return Ok(());
            }
            let Some(cur) = cell.as_mut() else {
                return err(codes::UNSET_LOCAL, "this local has no value yet", t.span);
            };
            if all_const {
                store(cur, const_keys(t), val, t.span)
            } else {
                store(cur, dynamic, val, t.span)
            }
        }
    };
    r.map_err(Ctrl::Err)
}

/// Statement-level `match`: finds the case while the frame is borrowed, then binds and
/// runs the body with the frame writable.
pub(crate) fn exec_match<'ev>(
    m: &Match<Stmt>,
    f: &mut Frame<'_, 'ev>,
    s: &mut Sys<'_>,
    need: bool,
) -> R<'ev, Flow<'ev>> {
    if m.all_fast {
        if let Value::Record(rec) = &*f.event {
            if is_event(&m.target) {
                return match super::pattern::select_fast(m, rec) {
                    Some(i) => exec_block(&m.cases[i].body, f, s, need),
                    None => err(
                        codes::NO_CLAUSE,
                        "no case matched and there is no default",
                        m.span,
                    ),
                };
            }
        }
    }
    let found = {
        let v = f.view();
        // Matching on the event itself is the common case: no expression to evaluate.
        let target = if is_event(&m.target) {
            Cow::Borrowed(v.event)
        } else {
            eval(&m.target, &v, s)?
        };
        select(m, &target, &v, s)?
    };
    let Some((i, bind)) = found else {
        return err(
            codes::NO_CLAUSE,
            "no case matched and there is no default",
            m.span,
        );
    };
    if let Some((slot, val)) = bind {
        if let Some(cell) = f.locals.get_mut(slot as usize) {
            *cell = Some(val);
        }
    }
    exec_block(&m.cases[i].body, f, s, need)
}

/// Adds one case result to the comprehension's accumulator.
fn fold<'ev>(acc: &mut Value<'ev>, val: Value<'ev>, op: BinOp, span: Span) -> R<'ev, ()> {
    match (&mut *acc, op) {
        (Value::Array(a), BinOp::Add) => {
            a.push(val);
            Ok(())
        }
        (Value::Record(r), BinOp::Add) => match val {
            Value::Record(add) => {
                for (k, x) in add {
                    r.insert(k, x);
                }
                Ok(())
            }
            other => err(
                codes::TYPE,
                format!(
                    "a comprehension into a record needs records, got {}",
                    other.value_type()
                ),
                span,
            ),
        },
        _ => {
            let next = super::binary(op, acc, &val, span)?;
            *acc = next;
            Ok(())
        }
    }
}

/// A fold with `and` that reached `false` (or `or` that reached `true`) stops, as tremor's
/// does: the remaining elements are not evaluated, so values of other types after it are
/// never combined.
fn settled(acc: &Value<'_>, op: BinOp) -> bool {
    matches!(
        (op, acc),
        (BinOp::And, Value::Bool(false)) | (BinOp::Or, Value::Bool(true))
    )
}

fn items<'x, 'ev>(
    target: &'x Value<'ev>,
) -> Box<dyn Iterator<Item = (Value<'ev>, &'x Value<'ev>)> + 'x> {
    match target {
        Value::Array(a) => Box::new(a.iter().enumerate().map(|(i, x)| (Value::from(i), x))),
        Value::Record(r) => Box::new(r.iter().map(|(k, x)| (Value::String(k.clone()), x))),
        _ => Box::new(std::iter::empty()),
    }
}

/// The expression form of `for`.
pub(crate) fn eval_for<'a, 'ev>(
    fo: &'a For<Expr>,
    v: &View<'a, 'ev>,
    s: &mut Sys<'_>,
) -> R<'ev, Value<'ev>> {
    let target = eval(&fo.target, v, s)?;
    let mut acc = eval(&fo.init, v, s)?.into_owned();
    for (k, x) in items(&target) {
        for case in &fo.cases {
            let ov1 = Overlay {
                slot: case.key,
                value: &k,
                next: v.overlay,
            };
            let ov2 = Overlay {
                slot: case.value,
                value: x,
                next: Some(&ov1),
            };
            let v2 = v.with(&ov2);
            if let Some(g) = &case.guard {
                if !eval_bool(g, &v2, s, case.span)? {
                    continue;
                }
            }
            let mut last = Value::Null;
            for e in &case.body {
                last = eval(e, &v2, s)?.into_owned();
            }
            fold(&mut acc, last, fo.op, case.span)?;
            if settled(&acc, fo.op) {
                return Ok(acc);
            }
            break;
        }
    }
    Ok(acc)
}

/// Statement-level `for`: iterates over a copy of the target so bodies may write.
fn exec_for<'ev>(fo: &For<Stmt>, f: &mut Frame<'_, 'ev>, s: &mut Sys<'_>) -> R<'ev, Flow<'ev>> {
    let (target, mut acc) = {
        let v = f.view();
        let t = eval(&fo.target, &v, s)?.into_owned();
        let a = eval(&fo.init, &v, s)?.into_owned();
        (t, a)
    };
    let pairs: Vec<(Value<'ev>, Value<'ev>)> = match target {
        Value::Array(a) => a
            .into_iter()
            .enumerate()
            .map(|(i, x)| (Value::from(i), x))
            .collect(),
        Value::Record(r) => r.into_iter().map(|(k, x)| (Value::String(k), x)).collect(),
        _ => Vec::new(),
    };
    for (k, x) in pairs {
        for case in &fo.cases {
            if let Some(c) = f.locals.get_mut(case.key as usize) {
                *c = Some(k.clone());
            }
            if let Some(c) = f.locals.get_mut(case.value as usize) {
                *c = Some(x.clone());
            }
            if let Some(g) = &case.guard {
                if !eval_bool(g, &f.view(), s, case.span)? {
                    continue;
                }
            }
            let fl = exec_block(&case.body, f, s, true)?;
            let val = match flow_value(fl, f) {
                Ok(v) => v,
                Err(other) => return Ok(other),
            };
            fold(&mut acc, val, fo.op, case.span)?;
            if settled(&acc, fo.op) {
                return Ok(Flow::Val(acc));
            }
            break;
        }
    }
    Ok(Flow::Val(acc))
}
