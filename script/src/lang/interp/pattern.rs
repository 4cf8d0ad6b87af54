//! Pattern tests for `match` cases and the imutable `match` expression.
//!
//! A test returns `None` when the pattern does not match, else `Some(result)`; the result
//! (the value a `case x = ...` binding receives) is only built when asked for, so plain
//! matching allocates nothing. As in tremor, record patterns yield a record of
//! the `present` fields, extractor results and sub-pattern results (comparisons add
//! nothing), array patterns the `[index, result]` pairs of the matching elements, pattern
//! by pattern, and tuple patterns the positional results.

use std::borrow::Cow;

use super::{err, eval, Overlay, Sys, View, R};
use crate::extractor::Extractor;
use crate::lang::ast::BinOp;
use crate::lang::diagnostic::codes;
use crate::lang::ir::{
    ArrayPat, ElemPat, Expr, FieldPat, Match, Pat, RecordPat, TuplePat, MAX_FAST_KEYS,
};
use crate::{Record, Value};

fn cmp(op: BinOp, a: &Value<'_>, b: &Value<'_>) -> bool {
    use std::cmp::Ordering::{Greater, Less};
    match op {
        BinOp::Eq => a == b,
        BinOp::Ne => a != b,
        _ => match a.partial_cmp(b) {
            // Values of different kinds are unordered: the test fails, it is not an error.
            None => false,
            Some(o) => match op {
                BinOp::Lt => o == Less,
                BinOp::Le => o != Greater,
                BinOp::Gt => o == Greater,
                BinOp::Ge => o != Less,
                _ => false,
            },
        },
    }
}

/// The predicate form: only strings match, tested where they lie, nothing built.
fn is_match(ext: &Extractor, x: &Value<'_>) -> bool {
    matches!(x, Value::String(st) if ext.is_match_str(st))
}

/// The extraction form, for a result that is bound and so outlives the test. A string
/// borrowed from the event gives values borrowing from it (only the pattern's key names
/// are copied). A string the script built is owned by a local or the event; its result is
/// extracted borrowing both it and the pattern, then copied once, instead of copying the
/// keys and then everything again.
fn extract<'ev>(ext: &Extractor, x: &Value<'ev>) -> Option<Value<'ev>> {
    match x {
        Value::String(Cow::Borrowed(st)) => ext.extract_str(st),
        Value::String(Cow::Owned(st)) => ext.extract_borrowed(st).map(Value::into_static),
        _ => None,
    }
}

fn owned_or_null<'ev>(build: bool, x: &Value<'ev>) -> Value<'ev> {
    if build {
        x.clone()
    } else {
        Value::Null
    }
}

/// One field test of a record pattern.
enum Field<'k, 'ev> {
    /// The test failed: the pattern does not match.
    Fail,
    /// The test passed and contributes nothing to the result (`absent`).
    Pass,
    /// The test passed; the result record gets `key: value` (`Null` unless building).
    Hit(&'k Cow<'static, str>, Value<'ev>),
}

fn test_field<'a, 'ev>(
    f: &'a FieldPat,
    rec: &Record<'ev>,
    v: &View<'a, 'ev>,
    s: &mut Sys<'_>,
    build: bool,
) -> R<'ev, Field<'a, 'ev>> {
    use Field::{Fail, Hit, Pass};
    Ok(match f {
        FieldPat::Present(k) => match rec.get(k) {
            Some(x) => Hit(k, owned_or_null(build, x)),
            None => Fail,
        },
        FieldPat::Absent(k) => {
            if rec.contains_key(k) {
                Fail
            } else {
                Pass
            }
        }
        // Comparisons test and bind nothing (tremor's result record holds only the
        // present fields, extractions and sub-pattern results).
        FieldPat::EqConst(k, c) => match rec.get(k) {
            Some(x) if x == c => Pass,
            _ => Fail,
        },
        FieldPat::Cmp(k, op, e) => {
            let Some(x) = rec.get(k) else {
                return Ok(Fail);
            };
            let rhs = eval(e, v, s)?;
            if cmp(*op, x, &rhs) {
                Pass
            } else {
                Fail
            }
        }
        FieldPat::Test(k, ext) => match rec.get(k) {
            Some(x) if is_match(ext, x) => Hit(k, owned_or_null(build, x)),
            _ => Fail,
        },
        FieldPat::Extract { bind, key, ext } => {
            let Some(x) = rec.get(key) else {
                return Ok(Fail);
            };
            if build {
                match extract(ext, x) {
                    Some(r) => Hit(bind, r),
                    None => Fail,
                }
            } else if is_match(ext, x) {
                Hit(bind, Value::Null)
            } else {
                Fail
            }
        }
        FieldPat::Record(k, sub) => match rec.get(k) {
            Some(x) => match test_record(sub, x, v, s, build)? {
                Some(r) => Hit(k, r),
                None => Fail,
            },
            None => Fail,
        },
        FieldPat::Array(k, sub) => match rec.get(k) {
            Some(x) => match test_array(sub, x, v, s, build)? {
                Some(r) => Hit(k, r),
                None => Fail,
            },
            None => Fail,
        },
        FieldPat::Tuple(k, sub) => match rec.get(k) {
            Some(x) => match test_tuple(sub, x, v, s, build)? {
                Some(r) => Hit(k, r),
                None => Fail,
            },
            None => Fail,
        },
    })
}

pub(crate) fn test_record<'a, 'ev>(
    p: &'a RecordPat,
    target: &Value<'ev>,
    v: &View<'a, 'ev>,
    s: &mut Sys<'_>,
    build: bool,
) -> R<'ev, Option<Value<'ev>>> {
    let Value::Record(rec) = target else {
        return Ok(None);
    };
    let mut out = if build {
        Some(Record::with_capacity(p.fields.len()))
    } else {
        None
    };
    for f in &p.fields {
        match test_field(f, rec, v, s, build)? {
            Field::Fail => return Ok(None),
            Field::Pass => {}
            Field::Hit(key, val) => {
                if let Some(o) = &mut out {
                    let key: Cow<'ev, str> = key.clone();
                    o.insert(key, val);
                }
            }
        }
    }
    Ok(Some(out.map_or(Value::Null, Value::Record)))
}

fn test_elem<'a, 'ev>(
    p: &'a ElemPat,
    x: &Value<'ev>,
    v: &View<'a, 'ev>,
    s: &mut Sys<'_>,
    build: bool,
) -> R<'ev, Option<Value<'ev>>> {
    match p {
        ElemPat::Ignore => Ok(Some(owned_or_null(build, x))),
        ElemPat::Expr(e) => {
            let want = eval(e, v, s)?;
            Ok((*want == *x).then(|| owned_or_null(build, x)))
        }
        ElemPat::Record(r) => test_record(r, x, v, s, build),
        ElemPat::Extract(ext) => {
            if build {
                Ok(extract(ext, x))
            } else {
                Ok(is_match(ext, x).then_some(Value::Null))
            }
        }
    }
}

/// Every element test must be met by some element; an empty pattern matches any array.
pub(crate) fn test_array<'a, 'ev>(
    p: &'a ArrayPat,
    target: &Value<'ev>,
    v: &View<'a, 'ev>,
    s: &mut Sys<'_>,
    build: bool,
) -> R<'ev, Option<Value<'ev>>> {
    let Value::Array(items) = target else {
        return Ok(None);
    };
    let mut out = Vec::new();
    for ep in &p.elems {
        // `_` needs some element and binds nothing.
        if matches!(ep, ElemPat::Ignore) {
            if items.is_empty() {
                return Ok(None);
            }
            continue;
        }
        let mut found = false;
        for (i, x) in items.iter().enumerate() {
            if let Some(r) = test_elem(ep, x, v, s, build)? {
                found = true;
                if build {
                    // Each matching element as `[index, result]`, pattern by pattern.
                    out.push(Value::Array(vec![Value::from(i), r]));
                } else {
                    break;
                }
            }
        }
        if !found {
            return Ok(None);
        }
    }
    Ok(Some(if build {
        Value::Array(out)
    } else {
        Value::Null
    }))
}

/// Positional tests; without `...` the length must match exactly.
pub(crate) fn test_tuple<'a, 'ev>(
    p: &'a TuplePat,
    target: &Value<'ev>,
    v: &View<'a, 'ev>,
    s: &mut Sys<'_>,
    build: bool,
) -> R<'ev, Option<Value<'ev>>> {
    let Value::Array(items) = target else {
        return Ok(None);
    };
    if items.len() < p.elems.len() || (!p.open && items.len() != p.elems.len()) {
        return Ok(None);
    }
    let mut out = Vec::new();
    for (ep, x) in p.elems.iter().zip(items) {
        match test_elem(ep, x, v, s, build)? {
            Some(r) => {
                if build {
                    out.push(r);
                }
            }
            None => return Ok(None),
        }
    }
    Ok(Some(if build {
        Value::Array(out)
    } else {
        Value::Null
    }))
}

/// Does `pat` match? (No binding is built.)
pub(crate) fn matches<'a, 'ev>(
    pat: &'a Pat,
    target: &Value<'ev>,
    v: &View<'a, 'ev>,
    s: &mut Sys<'_>,
) -> R<'ev, bool> {
    match pat {
        Pat::Default => Ok(true),
        Pat::Record(r) => record_matches(r, target, v, s),
        Pat::Expr(Expr::Const(c)) => Ok(c == target),
        Pat::Extract(ext) => Ok(is_match(ext, target)),
        other => Ok(test(other, target, v, s)?.is_some()),
    }
}

/// [`test_record`] without building a result.
pub(crate) fn record_matches<'a, 'ev>(
    p: &'a RecordPat,
    target: &Value<'ev>,
    v: &View<'a, 'ev>,
    s: &mut Sys<'_>,
) -> R<'ev, bool> {
    let Value::Record(rec) = target else {
        return Ok(false);
    };
    for f in &p.fields {
        let ok = match f {
            FieldPat::EqConst(k, c) => rec.get(k).is_some_and(|x| x == c),
            FieldPat::Present(k) => rec.contains_key(k),
            FieldPat::Absent(k) => !rec.contains_key(k),
            FieldPat::Extract { key: k, ext, .. } | FieldPat::Test(k, ext) => {
                rec.get(k).is_some_and(|x| is_match(ext, x))
            }
            FieldPat::Record(k, sub) => match rec.get(k) {
                Some(x) => record_matches(sub, x, v, s)?,
                None => false,
            },
            // The less common tests share the result-building code, building nothing.
            other => !matches!(test_field(other, rec, v, s, false)?, Field::Fail),
        };
        if !ok {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Tests `pat`; on a match returns the binding (slot and value) if the pattern binds.
pub(crate) fn test<'a, 'ev>(
    pat: &'a Pat,
    target: &Value<'ev>,
    v: &View<'a, 'ev>,
    s: &mut Sys<'_>,
) -> R<'ev, Option<Option<(u32, Value<'ev>)>>> {
    match pat {
        Pat::Default => Ok(Some(None)),
        Pat::Assign(slot, inner) => {
            let r = match &**inner {
                Pat::Default => Some(target.clone()),
                Pat::Expr(e) => {
                    let want = eval(e, v, s)?;
                    (*want == *target).then(|| target.clone())
                }
                Pat::Record(r) => test_record(r, target, v, s, true)?,
                Pat::Array(a) => test_array(a, target, v, s, true)?,
                Pat::Tuple(t) => test_tuple(t, target, v, s, true)?,
                Pat::Extract(ext) => extract(ext, target),
                Pat::Assign(..) => {
                    return match test(inner, target, v, s)? {
                        Some(Some((_, val))) => Ok(Some(Some((*slot, val)))),
                        Some(None) => Ok(Some(Some((*slot, target.clone())))),
                        None => Ok(None),
                    }
                }
            };
            Ok(r.map(|val| Some((*slot, val))))
        }
        Pat::Expr(e) => {
            let want = eval(e, v, s)?;
            Ok((*want == *target).then_some(None))
        }
        Pat::Record(r) => Ok(test_record(r, target, v, s, false)?.map(|_| None)),
        Pat::Array(a) => Ok(test_array(a, target, v, s, false)?.map(|_| None)),
        Pat::Tuple(t) => Ok(test_tuple(t, target, v, s, false)?.map(|_| None)),
        Pat::Extract(ext) => Ok(is_match(ext, target).then_some(None)),
    }
}

/// The index of the case that matched, and its binding (slot and value) if it binds.
pub(crate) type Selected<'ev> = (usize, Option<(u32, Value<'ev>)>);

/// The case a match whose cases are all fast tests (see `Match::all_fast`) picks for the
/// record `rec`: the keys are looked up once and each case compares prefetched values.
#[inline]
pub(crate) fn select_fast<B>(m: &Match<B>, rec: &Record<'_>) -> Option<usize> {
    let mut pre: [Option<&Value<'_>>; MAX_FAST_KEYS] = [None; MAX_FAST_KEYS];
    for (slot, k) in pre.iter_mut().zip(&m.keys) {
        *slot = rec.get(k);
    }
    m.cases.iter().position(|case| {
        case.fast
            .as_ref()
            .is_none_or(|tests| tests.iter().all(|t| t.check(&pre)))
    })
}

/// Finds the first case that matches (pattern and guard), with its binding.
pub(crate) fn select<'a, 'ev, B>(
    m: &'a Match<B>,
    target: &Value<'ev>,
    v: &View<'a, 'ev>,
    s: &mut Sys<'_>,
) -> R<'ev, Option<Selected<'ev>>> {
    // Only a bound hit while testing these cases counts (not one left by a direct caller).
    crate::extractor::take_over_budget();
    // Look up the keys the simple cases test once, instead of once per case.
    let mut pre: [Option<&Value<'ev>>; MAX_FAST_KEYS] = [None; MAX_FAST_KEYS];
    let rec = match target {
        Value::Record(r) if !m.keys.is_empty() => {
            for (slot, k) in pre.iter_mut().zip(&m.keys) {
                *slot = r.get(k);
            }
            true
        }
        _ => false,
    };
    for (i, case) in m.cases.iter().enumerate() {
        let bind = match (&case.fast, &case.pattern) {
            (Some(tests), _) if rec => {
                let ok = tests.iter().all(|t| t.check(&pre));
                if !ok {
                    continue;
                }
                None
            }
            (_, Pat::Assign(..)) => match test(&case.pattern, target, v, s)? {
                Some(b) => b,
                None => continue,
            },
            (_, p) => {
                if !matches(p, target, v, s)? {
                    continue;
                }
                None
            }
        };
        if let Some(g) = &case.guard {
            let ok = match &bind {
                None => super::eval_bool(g, v, s, m.span)?,
                Some((slot, val)) => {
                    let ov = Overlay {
                        slot: *slot,
                        value: val,
                        next: v.overlay,
                    };
                    super::eval_bool(g, &v.with(&ov), s, m.span)?
                }
            };
            if !ok {
                continue;
            }
        }
        return budget(m.span).map(|()| Some((i, bind)));
    }
    budget(m.span).map(|()| None)
}

/// A pattern whose extractor gave up at its step bound (pathological backtracking) fails
/// the event with an error rather than counting as "no match".
fn budget<'ev>(span: crate::lang::span::Span) -> R<'ev, ()> {
    if crate::extractor::take_over_budget() {
        return err(
            codes::EXTRACTOR_LIMIT,
            "an extractor gave up: matching needed more than its step bound (1,000,000 backtracking steps)",
            span,
        );
    }
    Ok(())
}

/// The expression form of `match`: case bodies are expressions, the last one's value is
/// the result.
pub(crate) fn eval_match<'a, 'ev>(
    m: &'a Match<crate::lang::ir::Expr>,
    v: &View<'a, 'ev>,
    s: &mut Sys<'_>,
) -> R<'ev, Cow<'a, Value<'ev>>> {
    let target = eval(&m.target, v, s)?;
    let Some((i, bind)) = select(m, &target, v, s)? else {
        return err(
            codes::NO_CLAUSE,
            "no case matched and there is no default",
            m.span,
        );
    };
    let case = &m.cases[i];
    match bind {
        None => {
            let mut last = Cow::Borrowed(&super::NULL);
            for e in &case.body {
                last = eval(e, v, s)?;
            }
            Ok(last)
        }
        Some((slot, val)) => {
            let ov = Overlay {
                slot,
                value: &val,
                next: v.overlay,
            };
            let v2 = v.with(&ov);
            let mut last = Value::Null;
            for e in &case.body {
                last = eval(e, &v2, s)?.into_owned();
            }
            Ok(Cow::Owned(last))
        }
    }
}
