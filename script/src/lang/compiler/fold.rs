//! Constant folding: expressions whose inputs are all constants are evaluated once, at
//! compile time, by the interpreter itself (so folding and running agree).

use super::CResult;
use crate::lang::diagnostic::{codes, Diagnostic};
use crate::lang::intern::intern;
use crate::lang::interp::{self, Sys, View, NULL};
use crate::lang::ir::Expr;
use crate::stdlib::Env;
use crate::{Record, Value};

/// Evaluates an expression that reads nothing from an event (all its inputs are
/// constants). `None` when evaluation fails: the error then happens at run time.
pub(crate) fn const_eval(e: &Expr) -> Option<Value<'static>> {
    const_eval_with(e, &[])
}

/// [`const_eval`] with the user functions compiled so far callable.
pub(crate) fn const_eval_with(
    e: &Expr,
    fns: &[crate::lang::ir::Function],
) -> Option<Value<'static>> {
    const_eval_result(e, fns).ok().flatten()
}

/// Evaluates a constant expression: `Ok(None)` when it cannot be evaluated here (it
/// `recur`s), `Err` with the error it would raise at run time.
fn const_eval_result(
    e: &Expr,
    fns: &[crate::lang::ir::Function],
) -> Result<Option<Value<'static>>, Box<crate::lang::interp::RtErr>> {
    let mut env = Env::default();
    let mut sys = Sys {
        env: &mut env,
        ingest_ns: 0,
        origin: None,
        fns,
        depth: 0,
    };
    let view = View {
        event: &NULL,
        meta: &NULL,
        state: &NULL,
        locals: &[],
        args: &NULL,
        overlay: None,
    };
    match interp::eval(e, &view, &mut sys) {
        Ok(v) => Ok(Some(v.into_owned().into_static())),
        Err(interp::Ctrl::Err(e)) => Err(e),
        Err(interp::Ctrl::Recur(_)) => Ok(None),
    }
}

/// Folds an expression whose inputs are all constants into its value. An expression that
/// fails is a compile error, as in tremor (it would fail on every event).
pub(crate) fn fold(e: Expr, all_const: bool) -> CResult<Expr> {
    if all_const {
        match const_eval_result(&e, &[]) {
            Ok(Some(v)) => return Ok(Expr::Const(intern_value(v))),
            Ok(None) => {}
            Err(rt) => {
                let d = Diagnostic::new(codes::CONST_EVAL, rt.msg, rt.span);
                return Err(match rt.hint {
                    Some(h) => d.with_hint(h),
                    None => d,
                });
            }
        }
    }
    Ok(e)
}

/// Re-homes the strings of a folded constant in the intern table.
pub(crate) fn intern_value(v: Value<'static>) -> Value<'static> {
    match v {
        Value::String(s) => Value::String(intern(&s)),
        Value::Array(a) => Value::Array(a.into_iter().map(intern_value).collect()),
        Value::Record(r) => Value::Record(
            r.into_iter()
                .map(|(k, x)| (intern(&k), intern_value(x)))
                .collect::<Record<'static>>(),
        ),
        other => other,
    }
}
