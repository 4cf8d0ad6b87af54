//! Operators, with tremor's rules: checked integer arithmetic, `/` always gives a float,
//! `+` concatenates strings and arrays and merges records, comparisons need compatible
//! types, `and`/`or`/`xor` need booleans and short-circuit.

use std::borrow::Cow;

use super::{bool_cow, err, eval, eval_bool, Sys, View, R};
use crate::lang::ast::{BinOp, UnOp};
use crate::lang::diagnostic::codes;
use crate::lang::ir::Expr;
use crate::lang::span::Span;
use crate::Value;

pub(crate) fn eval_binary<'a, 'ev>(
    op: BinOp,
    l: &'a Expr,
    r: &'a Expr,
    span: Span,
    v: &View<'a, 'ev>,
    s: &mut Sys<'_>,
) -> R<'ev, Cow<'a, Value<'ev>>> {
    match op {
        BinOp::And => Ok(bool_cow(
            eval_bool(l, v, s, span)? && eval_bool(r, v, s, span)?,
        )),
        BinOp::Or => Ok(bool_cow(
            eval_bool(l, v, s, span)? || eval_bool(r, v, s, span)?,
        )),
        BinOp::Xor => Ok(bool_cow(
            eval_bool(l, v, s, span)? ^ eval_bool(r, v, s, span)?,
        )),
        BinOp::Eq => {
            let a = eval(l, v, s)?;
            let b = eval(r, v, s)?;
            Ok(bool_cow(*a == *b))
        }
        BinOp::Ne => {
            let a = eval(l, v, s)?;
            let b = eval(r, v, s)?;
            Ok(bool_cow(*a != *b))
        }
        _ => {
            let a = eval(l, v, s)?;
            let b = eval(r, v, s)?;
            binary(op, &a, &b, span).map(Cow::Owned)
        }
    }
}

fn type_err<'ev, T>(op: BinOp, a: &Value<'_>, b: &Value<'_>, span: Span) -> R<'ev, T> {
    err(
        codes::TYPE,
        format!(
            "`{}` is not supported between {} and {}",
            op.symbol(),
            a.value_type(),
            b.value_type()
        ),
        span,
    )
}

fn overflow<'ev, T>(op: BinOp, span: Span) -> R<'ev, T> {
    err(
        codes::OVERFLOW,
        format!("integer overflow in `{}`", op.symbol()),
        span,
    )
}

fn div_zero<'ev, T>(op: BinOp, span: Span) -> R<'ev, T> {
    err(
        codes::DIV_ZERO,
        format!("division by zero in `{}`", op.symbol()),
        span,
    )
}

fn bad_shift<'ev, T>(span: Span) -> R<'ev, T> {
    err(codes::BITS, "shift amount out of range (0 to 63)", span)
}

fn is_num(v: &Value<'_>) -> bool {
    matches!(v, Value::I64(_) | Value::U64(_) | Value::F64(_))
}

/// A binary operator on two values (`and`/`or`/`xor` included, without short-circuit).
pub(crate) fn binary<'ev>(
    op: BinOp,
    a: &Value<'ev>,
    b: &Value<'ev>,
    span: Span,
) -> R<'ev, Value<'ev>> {
    use BinOp::{Add, And, BitAnd, BitOr, BitXor, Eq, Ge, Gt, Le, Lt, Ne, Or, Xor};
    match (op, a, b) {
        (Eq, _, _) => return Ok(Value::Bool(a == b)),
        (Ne, _, _) => return Ok(Value::Bool(a != b)),
        (And | BitAnd, Value::Bool(x), Value::Bool(y)) => return Ok(Value::Bool(*x && *y)),
        (Or | BitOr, Value::Bool(x), Value::Bool(y)) => return Ok(Value::Bool(*x || *y)),
        (Xor | BitXor, Value::Bool(x), Value::Bool(y)) => return Ok(Value::Bool(*x ^ *y)),
        (And | Or | Xor, _, _) => return type_err(op, a, b, span),
        (Add, Value::String(x), Value::String(y)) => {
            let mut s = String::with_capacity(x.len() + y.len());
            s.push_str(x);
            s.push_str(y);
            return Ok(Value::String(Cow::Owned(s)));
        }
        (Add, Value::Array(x), Value::Array(y)) => {
            let mut r = Vec::with_capacity(x.len() + y.len());
            r.extend(x.iter().cloned());
            r.extend(y.iter().cloned());
            return Ok(Value::Array(r));
        }
        (Add, Value::Record(x), Value::Record(y)) => {
            // Right-hand fields win, left-hand order first.
            let mut r = x.clone();
            for (k, val) in y.iter() {
                r.insert(k.clone(), val.clone());
            }
            return Ok(Value::Record(r));
        }
        (Lt | Le | Gt | Ge, Value::String(x), Value::String(y)) => {
            return Ok(Value::Bool(cmp_res(op, x.as_ref().cmp(y.as_ref()))))
        }
        (Lt | Le | Gt | Ge, Value::Bytes(x), Value::Bytes(y)) => {
            return Ok(Value::Bool(cmp_res(op, x.as_ref().cmp(y.as_ref()))))
        }
        // Tremor orders a binary and a string by their bytes.
        (Lt | Le | Gt | Ge, Value::Bytes(x), Value::String(y)) => {
            return Ok(Value::Bool(cmp_res(op, x.as_ref().cmp(y.as_bytes()))))
        }
        (Lt | Le | Gt | Ge, Value::String(x), Value::Bytes(y)) => {
            return Ok(Value::Bool(cmp_res(op, x.as_bytes().cmp(y.as_ref()))))
        }
        _ => {}
    }
    if !is_num(a) || !is_num(b) {
        return type_err(op, a, b, span);
    }
    numeric(op, a, b, span)
}

fn cmp_res(op: BinOp, o: std::cmp::Ordering) -> bool {
    use std::cmp::Ordering::{Equal, Greater, Less};
    match op {
        BinOp::Lt => o == Less,
        BinOp::Le => o != Greater,
        BinOp::Gt => o == Greater,
        BinOp::Ge => o != Less,
        _ => o == Equal,
    }
}

#[allow(clippy::cast_precision_loss)]
fn numeric<'ev>(op: BinOp, a: &Value<'ev>, b: &Value<'ev>, span: Span) -> R<'ev, Value<'ev>> {
    use BinOp::{Add, BitAnd, BitOr, BitXor, Div, Ge, Gt, Le, Lt, Mod, Mul, Shl, Shr, Sub, Ushr};
    if let (Some(l), Some(r)) = (a.as_u64(), b.as_u64()) {
        let shift = || u32::try_from(r).ok().filter(|s| *s < 64);
        return match op {
            BitAnd => Ok(Value::from(l & r)),
            BitOr => Ok(Value::from(l | r)),
            BitXor => Ok(Value::from(l ^ r)),
            Lt | Le | Gt | Ge => Ok(Value::Bool(cmp_res(op, l.cmp(&r)))),
            Add => l
                .checked_add(r)
                .map_or_else(|| overflow(op, span), |n| Ok(Value::from(n))),
            Sub if l >= r => Ok(Value::from(l - r)),
            Sub => i64::try_from(r - l)
                .ok()
                .and_then(i64::checked_neg)
                .map_or_else(|| overflow(op, span), |n| Ok(Value::I64(n))),
            Mul => l
                .checked_mul(r)
                .map_or_else(|| overflow(op, span), |n| Ok(Value::from(n))),
            Div if r > 0 => Ok(Value::F64(l as f64 / r as f64)),
            Mod if r > 0 => Ok(Value::from(l % r)),
            Div | Mod => div_zero(op, span),
            Shr | Ushr => shift().map_or_else(|| bad_shift(span), |s| Ok(Value::from(l >> s))),
            Shl => shift().map_or_else(|| bad_shift(span), |s| Ok(Value::from(l << s))),
            _ => type_err(op, a, b, span),
        };
    }
    if let (Some(l), Some(r)) = (a.as_i64(), b.as_i64()) {
        let shift = || u32::try_from(r).ok().filter(|s| *s < 64);
        return match op {
            BitAnd => Ok(Value::I64(l & r)),
            BitOr => Ok(Value::I64(l | r)),
            BitXor => Ok(Value::I64(l ^ r)),
            Lt | Le | Gt | Ge => Ok(Value::Bool(cmp_res(op, l.cmp(&r)))),
            Add => l
                .checked_add(r)
                .map_or_else(|| overflow(op, span), |n| Ok(Value::I64(n))),
            Sub => l
                .checked_sub(r)
                .map_or_else(|| overflow(op, span), |n| Ok(Value::I64(n))),
            Mul => l
                .checked_mul(r)
                .map_or_else(|| overflow(op, span), |n| Ok(Value::I64(n))),
            Div if r != 0 => Ok(Value::F64(l as f64 / r as f64)),
            Mod if r != 0 => l
                .checked_rem(r)
                .map_or_else(|| overflow(op, span), |n| Ok(Value::I64(n))),
            Div | Mod => div_zero(op, span),
            Shr => shift().map_or_else(|| bad_shift(span), |s| Ok(Value::I64(l >> s))),
            #[allow(clippy::cast_sign_loss, clippy::cast_possible_wrap)]
            Ushr => shift().map_or_else(
                || bad_shift(span),
                |s| Ok(Value::I64(((l as u64) >> s) as i64)),
            ),
            Shl => shift().map_or_else(|| bad_shift(span), |s| Ok(Value::I64(l << s))),
            _ => type_err(op, a, b, span),
        };
    }
    // Mixed signed/unsigned beyond i64, or floats: compute in f64.
    if let (Value::U64(_) | Value::I64(_), Value::U64(_) | Value::I64(_)) = (a, b) {
        if matches!(op, Lt | Le | Gt | Ge) {
            let o = a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal);
            return Ok(Value::Bool(cmp_res(op, o)));
        }
        if !matches!(op, Div) {
            return overflow(op, span);
        }
    }
    let (Some(l), Some(r)) = (a.as_f64(), b.as_f64()) else {
        return type_err(op, a, b, span);
    };
    match op {
        Lt => Ok(Value::Bool(l < r)),
        Le => Ok(Value::Bool(l <= r)),
        Gt => Ok(Value::Bool(l > r)),
        Ge => Ok(Value::Bool(l >= r)),
        Add => Ok(Value::F64(l + r)),
        Sub => Ok(Value::F64(l - r)),
        Mul => Ok(Value::F64(l * r)),
        Div => Ok(Value::F64(l / r)),
        _ => type_err(op, a, b, span),
    }
}

/// A unary operator.
pub(crate) fn unary<'ev>(op: UnOp, x: &Value<'ev>, span: Span) -> R<'ev, Value<'ev>> {
    let bad = || {
        let sym = match op {
            UnOp::Not => "not",
            UnOp::BitNot => "!",
            UnOp::Neg => "-",
            UnOp::Plus => "+",
        };
        err(
            codes::TYPE,
            format!("`{sym}` is not supported on {}", x.value_type()),
            span,
        )
    };
    match (op, x) {
        (UnOp::Not | UnOp::BitNot, Value::Bool(b)) => Ok(Value::Bool(!b)),
        (UnOp::Neg, Value::F64(f)) => Ok(Value::F64(-f)),
        (UnOp::Plus, Value::F64(_) | Value::I64(_) | Value::U64(_)) => Ok(x.clone()),
        (UnOp::Neg, Value::I64(i)) => i
            .checked_neg()
            .map_or_else(|| overflow(BinOp::Sub, span), |n| Ok(Value::I64(n))),
        (UnOp::Neg, Value::U64(u)) => {
            if *u == 1 << 63 {
                Ok(Value::I64(i64::MIN))
            } else {
                overflow(BinOp::Sub, span)
            }
        }
        (UnOp::BitNot, Value::I64(i)) if *i >= 0 => Ok(Value::from(!(*i as u64))),
        (UnOp::BitNot, Value::I64(i)) => Ok(Value::I64(!i)),
        (UnOp::BitNot, Value::U64(u)) => Ok(Value::from(!u)),
        _ => bad(),
    }
}
