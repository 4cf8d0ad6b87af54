//! Calls: native standard-library functions and user functions (with `recur`).

use super::stmt::{exec_block, exec_match, Flow, Frame};
use super::{err, eval, Ctrl, RtErr, Sys, View, MAX_CALL_DEPTH, NULL, R};
use crate::lang::diagnostic::codes;
use crate::lang::ir::{Expr, FnImpl, Function};
use crate::lang::span::Span;
use crate::stdlib::{FnCtx, FnDef};
use crate::Value;

/// How many times `recur` may restart one call.
pub(crate) const MAX_RECUR: u32 = 1024;

pub(crate) fn call_native<'ev>(
    def: &FnDef,
    args: &[Value<'ev>],
    span: Span,
    s: &mut Sys<'_>,
) -> R<'ev, Value<'ev>> {
    let mut ctx = FnCtx {
        env: &mut *s.env,
        ingest_ns: s.ingest_ns,
        origin: s.origin,
    };
    (def.f)(&mut ctx, args).map_err(|e| {
        Ctrl::Err(Box::new(RtErr {
            code: codes::FUNCTION,
            msg: format!("{}: {}", def.name, e.message),
            span,
            hint: None,
        }))
    })
}

pub(crate) fn native<'a, 'ev>(
    def: &FnDef,
    args: &'a [Expr],
    span: Span,
    v: &View<'a, 'ev>,
    s: &mut Sys<'_>,
) -> R<'ev, Value<'ev>> {
    // Up to four arguments live on the stack: calls allocate nothing themselves.
    if args.len() <= 4 {
        let mut buf: [Value<'ev>; 4] = Default::default();
        for (slot, a) in buf.iter_mut().zip(args) {
            *slot = eval(a, v, s)?.into_owned();
        }
        return call_native(def, &buf[..args.len()], span, s);
    }
    let mut vals = Vec::with_capacity(args.len());
    for a in args {
        vals.push(eval(a, v, s)?.into_owned());
    }
    call_native(def, &vals, span, s)
}

pub(crate) fn user<'a, 'ev>(
    idx: u32,
    args: &'a [Expr],
    span: Span,
    v: &View<'a, 'ev>,
    s: &mut Sys<'_>,
) -> R<'ev, Value<'ev>> {
    let mut vals = Vec::with_capacity(args.len());
    for a in args {
        vals.push(eval(a, v, s)?.into_owned());
    }
    let fns = s.fns;
    let Some(f) = fns.get(idx as usize) else {
        return err(codes::UNKNOWN_FUNCTION, "function not found", span);
    };
    call_function(f, vals, span, s)
}

pub(crate) fn call_function<'ev>(
    f: &Function,
    mut vals: Vec<Value<'ev>>,
    span: Span,
    s: &mut Sys<'_>,
) -> R<'ev, Value<'ev>> {
    if let FnImpl::Native(def) = &f.body {
        return call_native(def, &vals, span, s);
    }
    if s.depth >= MAX_CALL_DEPTH {
        return err(
            codes::RECURSION,
            format!(
                "calls nested deeper than {MAX_CALL_DEPTH} (in `{}`)",
                f.name
            ),
            span,
        );
    }
    let mut rounds = 0;
    loop {
        if vals.len() < f.arity || (!f.varargs && vals.len() != f.arity) {
            return err(
                codes::ARITY,
                format!(
                    "`{}` takes {} arguments, got {}",
                    f.name,
                    f.arity,
                    vals.len()
                ),
                span,
            );
        }
        let mut locals: Vec<Option<Value<'ev>>> = Vec::with_capacity(f.locals);
        locals.resize_with(f.locals, || None);
        let rest: Vec<Value<'ev>> = vals.split_off(f.arity);
        let mut next = f.arity;
        let tuple = matches!(f.body, FnImpl::Cases(_)).then(|| {
            let mut all = vals.clone();
            all.extend(rest.iter().cloned());
            Value::Array(all)
        });
        for (slot, v) in locals.iter_mut().zip(vals.drain(..)) {
            *slot = Some(v);
        }
        if f.varargs {
            if let Some(slot) = locals.get_mut(next) {
                *slot = Some(Value::Array(rest));
            }
            next += 1;
        }
        if let (Some(t), Some(slot)) = (tuple, locals.get_mut(next)) {
            *slot = Some(t);
        }
        let mut event = Value::Null;
        let mut meta = Value::Null;
        let mut state = Value::Null;
        let mut frame = Frame {
            event: &mut event,
            meta: &mut meta,
            state: &mut state,
            locals: &mut locals,
            args: &NULL,
            changed: false,
        };
        s.depth += 1;
        let r = match &f.body {
            FnImpl::Body(stmts) => exec_block(stmts, &mut frame, s, true),
            FnImpl::Cases(m) => exec_match(m, &mut frame, s, true),
            FnImpl::Native(_) | FnImpl::Pending => Ok(Flow::Val(Value::Null)),
        };
        s.depth -= 1;
        match r {
            Ok(Flow::Val(v)) => return Ok(v),
            Ok(_) => return Ok(Value::Null),
            Err(Ctrl::Recur(new)) => {
                rounds += 1;
                if rounds > MAX_RECUR {
                    return err(
                        codes::RECURSION,
                        format!("`recur` ran more than {MAX_RECUR} times in `{}`", f.name),
                        span,
                    );
                }
                vals = new;
            }
            Err(e) => return Err(e),
        }
    }
}
