//! `patch` and `merge`.
//!
//! `merge` follows tremor (not JSON merge patch, RFC 7396): fields of the spec replace or
//! recursively merge into the target, a non-record spec replaces the value, and a `null`
//! in the spec is a value like any other (RFC 7396 would remove the field).

use std::borrow::Cow;

use super::{err, eval, eval_str, Sys, View, R};
use crate::lang::diagnostic::codes;
use crate::lang::ir::{Patch, PatchOp};
use crate::lang::span::Span;
use crate::{Record, Value};

/// Merges `spec` into `target` in place.
pub(crate) fn merge_into<'ev>(target: &mut Value<'ev>, spec: &Value<'ev>) {
    match (target, spec) {
        (Value::Record(t), Value::Record(sp)) => {
            for (k, v) in sp.iter() {
                if let Some(existing) = t.get_mut(k) {
                    merge_into(existing, v);
                } else {
                    t.insert(k.clone(), v.clone());
                }
            }
        }
        (t, sp) => *t = sp.clone(),
    }
}

/// `default => record`: missing keys are added, and records present on both sides get
/// their own missing keys, recursively (as tremor's `apply_default`).
fn default_into<'ev>(target: &mut Record<'ev>, defaults: &Record<'ev>) {
    for (k, d) in defaults.iter() {
        match (target.get_mut(k), d) {
            (None, _) => {
                let key: Cow<'ev, str> = k.clone();
                target.insert(key, d.clone());
            }
            (Some(Value::Record(t)), Value::Record(dr)) => default_into(t, dr),
            (Some(_), _) => {}
        }
    }
}

/// The `merge target of spec end` expression: both sides must be records.
pub(crate) fn merge_values<'ev>(
    mut target: Value<'ev>,
    spec: &Value<'ev>,
    span: Span,
) -> R<'ev, Value<'ev>> {
    if !matches!(target, Value::Record(_)) || !matches!(spec, Value::Record(_)) {
        return err(
            codes::TYPE,
            format!(
                "merge needs two records, got {} and {}",
                target.value_type(),
                spec.value_type()
            ),
            span,
        );
    }
    merge_into(&mut target, spec);
    Ok(target)
}

fn rec<'x, 'ev>(t: &'x mut Value<'ev>, span: Span) -> R<'ev, &'x mut Record<'ev>> {
    match t {
        Value::Record(r) => Ok(r),
        other => err(
            codes::TYPE,
            format!("patch needs a record, got {}", other.value_type()),
            span,
        ),
    }
}

/// Applies the operations of `p` to a copy of its target.
pub(crate) fn patch<'a, 'ev>(
    p: &'a Patch,
    v: &View<'a, 'ev>,
    s: &mut Sys<'_>,
) -> R<'ev, Value<'ev>> {
    let mut target = eval(&p.target, v, s)?.into_owned();
    apply(&mut target, &p.ops, v, s, p.span)?;
    Ok(target)
}

/// Applies patch operations to `target` in place.
pub(crate) fn apply<'a, 'ev>(
    target: &mut Value<'ev>,
    ops: &'a [PatchOp],
    v: &View<'a, 'ev>,
    s: &mut Sys<'_>,
    span: Span,
) -> R<'ev, ()> {
    rec(target, span)?;
    for op in ops {
        match op {
            PatchOp::Insert(k, x, sp) => {
                let key = eval_str(k, v, s, *sp)?;
                let val = eval(x, v, s)?.into_owned();
                let r = rec(target, *sp)?;
                if r.contains_key(&key) {
                    return err(
                        codes::PATCH,
                        format!("cannot insert `{key}`: the key already exists"),
                        *sp,
                    );
                }
                r.push_unique(key, val);
            }
            PatchOp::Upsert(k, x, sp) => {
                let key = eval_str(k, v, s, *sp)?;
                let val = eval(x, v, s)?.into_owned();
                rec(target, *sp)?.insert(key, val);
            }
            PatchOp::Update(k, x, sp) => {
                let key = eval_str(k, v, s, *sp)?;
                let val = eval(x, v, s)?.into_owned();
                let r = rec(target, *sp)?;
                match r.get_mut(&key) {
                    Some(slot) => *slot = val,
                    None => {
                        return err(
                            codes::PATCH,
                            format!("cannot update `{key}`: the key does not exist"),
                            *sp,
                        )
                    }
                }
            }
            PatchOp::Erase(k, sp) => {
                let key = eval_str(k, v, s, *sp)?;
                rec(target, *sp)?.remove(&key);
            }
            PatchOp::Move(a, b, sp) | PatchOp::Copy(a, b, sp) => {
                let from = eval_str(a, v, s, *sp)?;
                let to = eval_str(b, v, s, *sp)?;
                let r = rec(target, *sp)?;
                // As tremor: the destination must not exist yet.
                if r.contains_key(&to) {
                    return err(
                        codes::PATCH,
                        format!("the key `{to}` that is written to already exists"),
                        *sp,
                    );
                }
                let moved = if matches!(op, PatchOp::Move(..)) {
                    r.remove(&from)
                } else {
                    r.get(&from).cloned()
                };
                if let Some(val) = moved {
                    r.insert(to, val);
                }
            }
            PatchOp::Merge(k, x, sp) => {
                let spec = eval(x, v, s)?;
                match k {
                    Some(k) => {
                        let key = eval_str(k, v, s, *sp)?;
                        let r = rec(target, *sp)?;
                        match r.get_mut(&key) {
                            Some(existing @ Value::Record(_))
                                if matches!(&*spec, Value::Record(_)) =>
                            {
                                merge_into(existing, &spec);
                            }
                            // As tremor: only a missing key or two records merge.
                            Some(other) => {
                                return err(
                                    codes::PATCH,
                                    format!(
                                        "merge needs the key `{key}` to be missing or a record, but it is {}",
                                        other.value_type()
                                    ),
                                    *sp,
                                );
                            }
                            None => {
                                let mut fresh = Value::Record(Record::new());
                                merge_into(&mut fresh, &spec);
                                r.insert(key, fresh);
                            }
                        }
                    }
                    None => {
                        if !matches!(&*spec, Value::Record(_)) {
                            return err(
                                codes::TYPE,
                                format!("merge needs a record, got {}", spec.value_type()),
                                *sp,
                            );
                        }
                        merge_into(target, &spec);
                    }
                }
            }
            PatchOp::Default(k, x, sp) => match k {
                Some(k) => {
                    let key = eval_str(k, v, s, *sp)?;
                    let r = rec(target, *sp)?;
                    if !r.contains_key(&key) {
                        let val = eval(x, v, s)?.into_owned();
                        rec(target, *sp)?.insert(key, val);
                    }
                }
                None => {
                    let spec = eval(x, v, s)?;
                    let Value::Record(defaults) = &*spec else {
                        return err(
                            codes::TYPE,
                            format!("default needs a record, got {}", spec.value_type()),
                            *sp,
                        );
                    };
                    default_into(rec(target, *sp)?, defaults);
                }
            },
        }
    }
    Ok(())
}
