//! The interpreter: walks the compiled tree over (event, metadata, state, locals).
//!
//! Expressions ([`eval`]) only read, so they return `Cow`s that borrow from the event,
//! metadata, state, locals or the script's constants; a field read or a comparison never
//! copies. Statements ([`stmt::exec`]) take the frame mutably. Values bound while a
//! pattern or comprehension is being evaluated (and the frame is borrowed) live in an
//! [`Overlay`] chain consulted before the local slots.

mod bytes;
mod call;
mod ops;
mod patch;
pub(crate) mod path;
mod pattern;
pub(crate) mod stmt;

use std::borrow::Cow;

use super::diagnostic::codes;
use super::ir::{Expr, Function};
use super::span::Span;
use crate::stdlib::Env;
use crate::{Record, Value};

pub(crate) use ops::{binary, unary};

/// A runtime error before it is placed in its source file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RtErr {
    pub code: &'static str,
    pub msg: String,
    pub span: Span,
    pub hint: Option<String>,
}

/// Non-local control flow: an error, or `recur` unwinding to its function.
#[derive(Debug)]
pub(crate) enum Ctrl<'ev> {
    Err(Box<RtErr>),
    Recur(Vec<Value<'ev>>),
}

pub(crate) type R<'ev, T> = Result<T, Ctrl<'ev>>;

pub(crate) fn err<'ev, T>(code: &'static str, msg: impl Into<String>, span: Span) -> R<'ev, T> {
    Err(Ctrl::Err(Box::new(RtErr {
        code,
        msg: msg.into(),
        span,
        hint: None,
    })))
}

pub(crate) fn err_hint<'ev, T>(
    code: &'static str,
    msg: impl Into<String>,
    span: Span,
    hint: Option<String>,
) -> R<'ev, T> {
    Err(Ctrl::Err(Box::new(RtErr {
        code,
        msg: msg.into(),
        span,
        hint,
    })))
}

pub(crate) static NULL: Value<'static> = Value::Null;
pub(crate) static TRUE: Value<'static> = Value::Bool(true);
pub(crate) static FALSE: Value<'static> = Value::Bool(false);

pub(crate) fn bool_cow<'a, 'ev>(b: bool) -> Cow<'a, Value<'ev>> {
    Cow::Borrowed(if b { &TRUE } else { &FALSE })
}

/// Values bound while the frame is borrowed (pattern bindings, comprehension variables).
pub(crate) struct Overlay<'b, 'ev> {
    pub slot: u32,
    pub value: &'b Value<'ev>,
    pub next: Option<&'b Overlay<'b, 'ev>>,
}

/// What expressions can read.
pub(crate) struct View<'a, 'ev> {
    pub event: &'a Value<'ev>,
    pub meta: &'a Value<'ev>,
    pub state: &'a Value<'static>,
    pub locals: &'a [Option<Value<'ev>>],
    pub args: &'a Value<'static>,
    pub overlay: Option<&'a Overlay<'a, 'ev>>,
}

impl<'a, 'ev> View<'a, 'ev> {
    pub(crate) fn with<'b>(&'b self, overlay: &'b Overlay<'b, 'ev>) -> View<'b, 'ev>
    where
        'a: 'b,
    {
        View {
            event: self.event,
            meta: self.meta,
            state: self.state,
            locals: self.locals,
            args: self.args,
            overlay: Some(overlay),
        }
    }
}

/// Per-run services: the environment for native functions and the function table.
pub(crate) struct Sys<'s> {
    pub env: &'s mut Env,
    pub ingest_ns: u64,
    pub origin: Option<&'s Value<'static>>,
    pub fns: &'s [Function],
    pub depth: u32,
}

/// Deepest nesting of user function calls.
pub(crate) const MAX_CALL_DEPTH: u32 = 64;

pub(crate) fn local<'a, 'ev>(v: &View<'a, 'ev>, slot: u32, span: Span) -> R<'ev, &'a Value<'ev>> {
    let mut o = v.overlay;
    while let Some(ov) = o {
        if ov.slot == slot {
            return Ok(ov.value);
        }
        o = ov.next;
    }
    match v.locals.get(slot as usize) {
        Some(Some(x)) => Ok(x),
        _ => err(codes::UNSET_LOCAL, "this local has no value yet", span),
    }
}

fn local_opt<'a, 'ev>(v: &View<'a, 'ev>, slot: u32) -> Option<&'a Value<'ev>> {
    let mut o = v.overlay;
    while let Some(ov) = o {
        if ov.slot == slot {
            return Some(ov.value);
        }
        o = ov.next;
    }
    v.locals.get(slot as usize).and_then(Option::as_ref)
}

/// Evaluates an expression.
pub(crate) fn eval<'a, 'ev>(
    e: &'a Expr,
    v: &View<'a, 'ev>,
    s: &mut Sys<'_>,
) -> R<'ev, Cow<'a, Value<'ev>>> {
    match e {
        Expr::Const(c) => Ok(Cow::Borrowed(c)),
        Expr::Local(slot, span) => local(v, *slot, *span).map(Cow::Borrowed),
        Expr::Path(p) => path::resolve(p, v, s),
        Expr::Present(p) => Ok(bool_cow(path::present(p, v, s)?)),
        Expr::Record(fields, span) => {
            let mut r = Record::with_capacity(fields.len());
            for (k, x) in fields {
                let key = eval_str(k, v, s, *span)?;
                let val = eval(x, v, s)?.into_owned();
                r.insert(key, val);
            }
            Ok(Cow::Owned(Value::Record(r)))
        }
        Expr::Array(items) => {
            let mut a = Vec::with_capacity(items.len());
            for x in items {
                a.push(eval(x, v, s)?.into_owned());
            }
            Ok(Cow::Owned(Value::Array(a)))
        }
        Expr::Str(parts) => {
            let mut out = String::new();
            for p in parts {
                let x = eval(p, v, s)?;
                match &*x {
                    Value::String(st) => out.push_str(st),
                    other => out.push_str(&other.to_json()),
                }
            }
            Ok(Cow::Owned(Value::String(Cow::Owned(out))))
        }
        Expr::Bytes(segs) => bytes::build(segs, v, s).map(Cow::Owned),
        Expr::Unary(op, x, span) => {
            let x = eval(x, v, s)?;
            unary(*op, &x, *span).map(Cow::Owned)
        }
        Expr::Binary(op, lr, span) => ops::eval_binary(*op, &lr.0, &lr.1, *span, v, s),
        Expr::Native(def, args, span) => call::native(def, args, *span, v, s).map(Cow::Owned),
        Expr::Call(idx, args, span) => call::user(*idx, args, *span, v, s).map(Cow::Owned),
        Expr::Recur(args) => {
            let mut vals = Vec::with_capacity(args.len());
            for a in args {
                vals.push(eval(a, v, s)?.into_owned());
            }
            Err(Ctrl::Recur(vals))
        }
        Expr::Match(m) => pattern::eval_match(m, v, s),
        Expr::For(f) => stmt::eval_for(f, v, s).map(Cow::Owned),
        Expr::Patch(p) => patch::patch(p, v, s).map(Cow::Owned),
        Expr::Merge(tm, span) => {
            let target = eval(&tm.0, v, s)?.into_owned();
            let spec = eval(&tm.1, v, s)?;
            patch::merge_values(target, &spec, *span).map(Cow::Owned)
        }
        Expr::Fail(d) => err_hint(d.code, d.message.clone(), d.span, d.hint.clone()),
    }
}

/// Evaluates to a string (record keys, patch keys, ports).
pub(crate) fn eval_str<'a, 'ev>(
    e: &'a Expr,
    v: &View<'a, 'ev>,
    s: &mut Sys<'_>,
    span: Span,
) -> R<'ev, Cow<'ev, str>> {
    match eval(e, v, s)? {
        Cow::Borrowed(Value::String(st)) => Ok(st.clone()),
        Cow::Owned(Value::String(st)) => Ok(st),
        other => err(
            codes::TYPE,
            format!("expected a string, got {}", other.value_type()),
            span,
        ),
    }
}

/// Evaluates to a boolean (guards, `and`/`or` operands).
pub(crate) fn eval_bool<'a, 'ev>(
    e: &'a Expr,
    v: &View<'a, 'ev>,
    s: &mut Sys<'_>,
    span: Span,
) -> R<'ev, bool> {
    match &*eval(e, v, s)? {
        Value::Bool(b) => Ok(*b),
        other => err(
            codes::TYPE,
            format!("expected a bool, got {}", other.value_type()),
            span,
        ),
    }
}
