//! Reading paths (`event.a[0]["b"][1:3]`) and writing `let` targets.

use std::borrow::Cow;

use super::{err, err_hint, eval, local, local_opt, Sys, View, NULL, R};
use crate::lang::diagnostic::{codes, did_you_mean};
use crate::lang::ir::{Path, Root, Seg, Target};
use crate::lang::span::Span;
use crate::{Record, Value};

enum Step {
    Key(Cow<'static, str>),
    DynKey(String),
    Idx(usize),
    Range(usize, usize),
}

fn step<'a, 'ev>(seg: &'a Seg, v: &View<'a, 'ev>, s: &mut Sys<'_>) -> R<'ev, (Step, Span)> {
    Ok(match seg {
        Seg::Key(k, sp) => (Step::Key(k.clone()), *sp),
        Seg::Idx(i, sp) => (Step::Idx(*i), *sp),
        Seg::Elem(e, sp) => match &*eval(e, v, s)? {
            Value::String(k) => (Step::DynKey(k.to_string()), *sp),
            Value::I64(i) if *i >= 0 => (Step::Idx(usize::try_from(*i).unwrap_or(usize::MAX)), *sp),
            Value::U64(u) => (Step::Idx(usize::try_from(*u).unwrap_or(usize::MAX)), *sp),
            Value::I64(i) => return err(codes::BAD_INDEX, format!("negative index {i}"), *sp),
            other => {
                return err(
                    codes::TYPE,
                    format!(
                        "expected a string or an integer, got {}",
                        other.value_type()
                    ),
                    *sp,
                )
            }
        },
        Seg::Range(a, b, sp) => {
            let idx = |x: &Value<'_>| x.as_u64().and_then(|u| usize::try_from(u).ok());
            let start = eval(a, v, s)?;
            let end = eval(b, v, s)?;
            match (idx(&start), idx(&end)) {
                (Some(x), Some(y)) => (Step::Range(x, y), *sp),
                _ => {
                    return err(
                        codes::BAD_INDEX,
                        "range bounds must be non-negative integers",
                        *sp,
                    )
                }
            }
        }
    })
}

fn apply<'x, 'ev>(
    cur: &'x Value<'ev>,
    st: &Step,
    sp: Span,
    p: &Path,
) -> R<'ev, Cow<'x, Value<'ev>>> {
    match st {
        Step::Key(_) | Step::DynKey(_) => {
            let key: &str = match st {
                Step::Key(k) => k,
                Step::DynKey(k) => k,
                _ => "",
            };
            match cur {
                Value::Record(r) => match r.get(key) {
                    Some(x) => Ok(Cow::Borrowed(x)),
                    None => {
                        let hint = did_you_mean(key, r.keys().map(AsRef::as_ref))
                            .map(|c| format!("did you mean `{c}`?"));
                        err_hint(
                            codes::BAD_KEY,
                            format!("no key `{key}` in {}", p.root_name),
                            sp,
                            hint,
                        )
                    }
                },
                other => err(
                    codes::TYPE,
                    format!(
                        "cannot look up `{key}` in a value of type {}",
                        other.value_type()
                    ),
                    sp,
                ),
            }
        }
        Step::Idx(i) => match cur {
            Value::Array(a) => match a.get(*i) {
                Some(x) => Ok(Cow::Borrowed(x)),
                None => err(
                    codes::BAD_INDEX,
                    format!("index {i} out of bounds for an array of length {}", a.len()),
                    sp,
                ),
            },
            other => err(
                codes::TYPE,
                format!("cannot index a value of type {}", other.value_type()),
                sp,
            ),
        },
        Step::Range(a, b) => match cur {
            Value::Array(arr) => {
                if a > b || *b > arr.len() {
                    return err(
                        codes::BAD_INDEX,
                        format!(
                            "range {a}:{b} out of bounds for an array of length {}",
                            arr.len()
                        ),
                        sp,
                    );
                }
                Ok(Cow::Owned(Value::Array(arr[*a..*b].to_vec())))
            }
            other => err(
                codes::TYPE,
                format!(
                    "cannot take a range of a value of type {}",
                    other.value_type()
                ),
                sp,
            ),
        },
    }
}

fn walk<'x, 'ev>(
    mut cur: Cow<'x, Value<'ev>>,
    p: &'x Path,
    v: &View<'x, 'ev>,
    s: &mut Sys<'_>,
) -> R<'ev, Cow<'x, Value<'ev>>> {
    for seg in &p.segs {
        let (st, sp) = step(seg, v, s)?;
        cur = match cur {
            Cow::Borrowed(c) => apply(c, &st, sp, p)?,
            Cow::Owned(o) => Cow::Owned(apply(&o, &st, sp, p)?.into_owned()),
        };
    }
    Ok(cur)
}

/// Reads a path; missing keys and out-of-range indexes are errors.
pub(crate) fn resolve<'a, 'ev>(
    p: &'a Path,
    v: &View<'a, 'ev>,
    s: &mut Sys<'_>,
) -> R<'ev, Cow<'a, Value<'ev>>> {
    let base: Cow<'a, Value<'ev>> = match &p.root {
        Root::Event => Cow::Borrowed(v.event),
        Root::Meta => Cow::Borrowed(v.meta),
        Root::State => Cow::Borrowed(v.state),
        Root::Args => Cow::Borrowed(v.args),
        Root::Group | Root::Window => Cow::Borrowed(&NULL),
        Root::Local(slot) => Cow::Borrowed(local(v, *slot, p.span)?),
        Root::Expr(e) => eval(e, v, s)?,
    };
    walk(base, p, v, s)
}

/// `present path`: like [`resolve`] but answers false where that would fail on a
/// missing key, index or type.
pub(crate) fn present<'a, 'ev>(p: &'a Path, v: &View<'a, 'ev>, s: &mut Sys<'_>) -> R<'ev, bool> {
    let base: Cow<'a, Value<'ev>> = match &p.root {
        Root::Event => Cow::Borrowed(v.event),
        Root::Meta => Cow::Borrowed(v.meta),
        Root::State => Cow::Borrowed(v.state),
        Root::Args => Cow::Borrowed(v.args),
        Root::Group | Root::Window => return Ok(false),
        Root::Local(slot) => match local_opt(v, *slot) {
            Some(x) => Cow::Borrowed(x),
            None => return Ok(false),
        },
        Root::Expr(e) => eval(e, v, s)?,
    };
    // After a range the walk continues on the sub-slice (`a[0:2][1]`).
    let mut cur: &[Value<'ev>] = std::slice::from_ref(&*base);
    let mut sliced = false;
    for seg in &p.segs {
        let (st, _) = step(seg, v, s)?;
        let arr: Option<&[Value<'ev>]> = match (sliced, cur) {
            (true, a) => Some(a),
            (false, [Value::Array(a)]) => Some(a.as_slice()),
            _ => None,
        };
        let one = if sliced { None } else { cur.first() };
        let next: Option<(&[Value<'ev>], bool)> = match (&st, one, arr) {
            (Step::Key(k), Some(Value::Record(r)), _) => {
                r.get(k).map(|x| (std::slice::from_ref(x), false))
            }
            (Step::DynKey(k), Some(Value::Record(r)), _) => {
                r.get(k).map(|x| (std::slice::from_ref(x), false))
            }
            (Step::Idx(i), _, Some(a)) => a.get(*i).map(|x| (std::slice::from_ref(x), false)),
            (Step::Range(lo, hi), _, Some(a)) if lo <= hi && *hi <= a.len() => {
                Some((&a[*lo..*hi], true))
            }
            _ => None,
        };
        match next {
            Some((n, sl)) => {
                cur = n;
                sliced = sl;
            }
            None => return Ok(false),
        }
    }
    Ok(true)
}

/// Walks record keys from `root`, creating records where keys are missing, and stores `val`.
pub(crate) fn store<'x>(
    root: &mut Value<'x>,
    keys: impl IntoIterator<Item = Cow<'x, str>>,
    val: Value<'x>,
    span: Span,
) -> Result<(), Box<super::RtErr>> {
    let mut cur = root;
    for k in keys {
        let Value::Record(r) = cur else {
            return Err(Box::new(super::RtErr {
                code: codes::TYPE,
                msg: format!(
                    "cannot assign to key `{k}` in a value of type {}",
                    cur.value_type()
                ),
                span,
                hint: None,
            }));
        };
        cur = r.entry_or_insert_with(k, || Value::Record(Record::new()));
    }
    *cur = val;
    Ok(())
}

/// Evaluates a target's key segments.
pub(crate) fn target_keys<'a, 'ev>(
    t: &'a Target,
    v: &View<'a, 'ev>,
    s: &mut Sys<'_>,
    out: &mut Vec<Cow<'ev, str>>,
) -> R<'ev, ()> {
    for k in &t.segs {
        out.push(super::eval_str(k, v, s, t.span)?);
    }
    Ok(())
}
