//! `std::record`.

use super::args::{array_arg, record_arg, str_arg};
use super::{Arity, FnCtx, FnDef, FnError};
use crate::{Record, Value};

type R<'v> = Result<Value<'v>, FnError>;

fn len<'v>(_: &mut FnCtx<'_>, args: &[Value<'v>]) -> R<'v> {
    Ok(Value::from(record_arg(args, 0)?.len()))
}

fn is_empty<'v>(_: &mut FnCtx<'_>, args: &[Value<'v>]) -> R<'v> {
    Ok(Value::Bool(record_arg(args, 0)?.is_empty()))
}

fn contains<'v>(_: &mut FnCtx<'_>, args: &[Value<'v>]) -> R<'v> {
    let r = record_arg(args, 0)?;
    Ok(Value::Bool(r.contains_key(str_arg(args, 1)?)))
}

fn keys<'v>(_: &mut FnCtx<'_>, args: &[Value<'v>]) -> R<'v> {
    let r = record_arg(args, 0)?;
    Ok(Value::Array(
        r.keys().map(|k| Value::String(k.clone())).collect(),
    ))
}

fn values<'v>(_: &mut FnCtx<'_>, args: &[Value<'v>]) -> R<'v> {
    Ok(Value::Array(
        record_arg(args, 0)?.values().cloned().collect(),
    ))
}

fn to_array<'v>(_: &mut FnCtx<'_>, args: &[Value<'v>]) -> R<'v> {
    let r = record_arg(args, 0)?;
    Ok(Value::Array(
        r.iter()
            .map(|(k, v)| Value::Array(vec![Value::String(k.clone()), v.clone()]))
            .collect(),
    ))
}

fn from_array<'v>(_: &mut FnCtx<'_>, args: &[Value<'v>]) -> R<'v> {
    let a = array_arg(args, 0)?;
    let mut out = Record::with_capacity(a.len());
    for (i, pair) in a.iter().enumerate() {
        match pair {
            Value::Array(p) if p.len() == 2 => match &p[0] {
                Value::String(k) => {
                    out.insert(k.clone(), p[1].clone());
                }
                other => {
                    return Err(FnError::new(format!(
                        "the key of pair {i} must be a string, got {}",
                        other.value_type()
                    )))
                }
            },
            _ => {
                return Err(FnError::new(format!(
                    "only arrays of [key, value] pairs can become records, element {i} is not one"
                )))
            }
        }
    }
    Ok(Value::Record(out))
}

fn extract<'v>(_: &mut FnCtx<'_>, args: &[Value<'v>]) -> R<'v> {
    let r = record_arg(args, 0)?;
    let wanted = array_arg(args, 1)?;
    let wants = |k: &str| wanted.iter().any(|w| w.as_str() == Some(k));
    Ok(Value::Record(
        r.iter()
            .filter(|(k, _)| wants(k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
    ))
}

fn combine<'v>(_: &mut FnCtx<'_>, args: &[Value<'v>]) -> R<'v> {
    let (l, r) = (record_arg(args, 0)?, record_arg(args, 1)?);
    let mut out = l.clone();
    for (k, v) in r.iter() {
        out.insert(k.clone(), v.clone());
    }
    Ok(Value::Record(out))
}

fn rename<'v>(_: &mut FnCtx<'_>, args: &[Value<'v>]) -> R<'v> {
    let (target, changes) = (record_arg(args, 0)?, record_arg(args, 1)?);
    let mut out = Record::with_capacity(target.len());
    for (k, v) in target.iter() {
        let key = match changes.get(k) {
            Some(Value::String(new)) => new.clone(),
            _ => k.clone(),
        };
        out.insert(key, v.clone());
    }
    Ok(Value::Record(out))
}

/// The module's functions.
pub static FUNCTIONS: &[FnDef] = &[
    FnDef {
        name: "len",
        params: &["record"],
        arity: Arity::Exact(1),
        pure: true,
        f: len,
        doc: "The number of fields in a record.",
        examples: &[(r#"std::record::len({"a": 1, "b": 2})"#, "2")],
    },
    FnDef {
        name: "is_empty",
        params: &["record"],
        arity: Arity::Exact(1),
        pure: true,
        f: is_empty,
        doc: "Whether a record has no fields.",
        examples: &[("std::record::is_empty({})", "true")],
    },
    FnDef {
        name: "contains",
        params: &["record", "key"],
        arity: Arity::Exact(2),
        pure: true,
        f: contains,
        doc: "Whether the record has a field named `key`.",
        examples: &[(r#"std::record::contains({"a": 1}, "a")"#, "true")],
    },
    FnDef {
        name: "keys",
        params: &["record"],
        arity: Arity::Exact(1),
        pure: true,
        f: keys,
        doc: "The record's field names, in order.",
        examples: &[(r#"std::record::keys({"a": 1, "b": 2})"#, r#"["a","b"]"#)],
    },
    FnDef {
        name: "values",
        params: &["record"],
        arity: Arity::Exact(1),
        pure: true,
        f: values,
        doc: "The record's field values, in order.",
        examples: &[(r#"std::record::values({"a": 1, "b": 2})"#, "[1,2]")],
    },
    FnDef {
        name: "to_array",
        params: &["record"],
        arity: Arity::Exact(1),
        pure: true,
        f: to_array,
        doc: "The record as an array of [key, value] pairs.",
        examples: &[(r#"std::record::to_array({"a": 1, "b": 2})"#, r#"[["a",1],["b",2]]"#)],
    },
    FnDef {
        name: "from_array",
        params: &["array"],
        arity: Arity::Exact(1),
        pure: true,
        f: from_array,
        doc: "A record from an array of [key, value] pairs whose keys are strings (a repeated key keeps the last value).",
        examples: &[(r#"std::record::from_array([["a", 1], ["b", 2]])"#, r#"{"a":1,"b":2}"#)],
    },
    FnDef {
        name: "extract",
        params: &["record", "array"],
        arity: Arity::Exact(2),
        pure: true,
        f: extract,
        doc: "Only the fields whose names are in the array.",
        examples: &[(
            r#"std::record::extract({"a": 1, "b": 2, "c": 3}, ["a", "c"])"#,
            r#"{"a":1,"c":3}"#,
        )],
    },
    FnDef {
        name: "select",
        params: &["record", "array"],
        arity: Arity::Exact(2),
        pure: true,
        f: extract,
        doc: "The name tremor used for `extract` before 0.12: only the fields whose names are in the array.",
        examples: &[(r#"std::record::select({"a": 1, "b": 2}, ["b"])"#, r#"{"b":2}"#)],
    },
    FnDef {
        name: "combine",
        params: &["left", "right"],
        arity: Arity::Exact(2),
        pure: true,
        f: combine,
        doc: "Merges two records; fields of `right` overwrite those of `left`.",
        examples: &[(
            r#"std::record::combine({"a": 1, "b": 2, "c": 4}, {"c": 3, "d": 4})"#,
            r#"{"a":1,"b":2,"c":3,"d":4}"#,
        )],
    },
    FnDef {
        name: "merge",
        params: &["left", "right"],
        arity: Arity::Exact(2),
        pure: true,
        f: combine,
        doc: "The name tremor used for `combine` before 0.12: fields of `right` overwrite those of `left`.",
        examples: &[(r#"std::record::merge({"a": 1}, {"a": 2})"#, r#"{"a":2}"#)],
    },
    FnDef {
        name: "rename",
        params: &["target", "changes"],
        arity: Arity::Exact(2),
        pure: true,
        f: rename,
        doc: "Renames fields: each key of `changes` is a current name, its string value the new one.",
        examples: &[(
            r#"std::record::rename({"a": 1, "b": 2, "c": 4}, {"a": "A", "b": "B"})"#,
            r#"{"A":1,"B":2,"c":4}"#,
        )],
    },
];

#[cfg(test)]
mod tests {
    use super::super::testing::{call_json, check, check_err};

    const M: &str = "std::record";

    #[test]
    fn inspect() {
        check(M, "len", &["{}"], "0");
        check(M, "is_empty", &[r#"{"a": null}"#], "false");
        check(M, "contains", &[r#"{"a": null}"#, r#""b""#], "false");
        check_err(
            M,
            "contains",
            &[r#"{"a": 1}"#, "1"],
            "expected a string for argument 2",
        );
        check_err(
            M,
            "len",
            &["[]"],
            "expected a record for argument 1, got array",
        );
        check(M, "keys", &["{}"], "[]");
        check(M, "values", &[r#"{"x": [1], "y": {}}"#], "[[1],{}]");
    }

    #[test]
    fn keys_keep_insertion_order() {
        assert_eq!(
            call_json(M, "keys", &[r#"{"z": 1, "a": 2, "m": 3}"#]).as_deref(),
            Ok(r#"["z","a","m"]"#)
        );
        assert_eq!(
            call_json(M, "to_array", &[r#"{"z": 1, "a": 2}"#]).as_deref(),
            Ok(r#"[["z",1],["a",2]]"#)
        );
    }

    #[test]
    fn from_array_checks_pairs() {
        check(M, "from_array", &["[]"], "{}");
        check(M, "from_array", &[r#"[["a", 1], ["a", 2]]"#], r#"{"a":2}"#);
        check_err(
            M,
            "from_array",
            &[r#"[[1, 2]]"#],
            "key of pair 0 must be a string, got integer",
        );
        check_err(
            M,
            "from_array",
            &[r#"[["a", 1], ["b"]]"#],
            "element 1 is not one",
        );
        check_err(M, "from_array", &[r#"[["a", 1, 2]]"#], "element 0");
        check_err(M, "from_array", &["{}"], "expected an array");
    }

    #[test]
    fn extract_combine_rename() {
        check(M, "extract", &[r#"{"a": 1}"#, r#"["b", 7, null]"#], "{}");
        assert_eq!(
            call_json(
                M,
                "extract",
                &[r#"{"c": 3, "a": 1, "b": 2}"#, r#"["a", "c"]"#]
            )
            .as_deref(),
            Ok(r#"{"c":3,"a":1}"#),
            "record order, not the order of the wanted keys"
        );
        check_err(
            M,
            "extract",
            &[r#"{"a": 1}"#, r#""a""#],
            "expected an array for argument 2",
        );
        assert_eq!(
            call_json(
                M,
                "combine",
                &[r#"{"b": 1, "a": 2}"#, r#"{"c": 3, "b": 4}"#]
            )
            .as_deref(),
            Ok(r#"{"b":4,"a":2,"c":3}"#),
            "left's order, then right's new fields"
        );
        check_err(M, "combine", &["{}", "[]"], "argument 2");
        check(M, "rename", &[r#"{"a": 1}"#, r#"{"a": 5}"#], r#"{"a":1}"#);
        check(
            M,
            "rename",
            &[r#"{"a": 1, "b": 2}"#, r#"{"a": "b"}"#],
            r#"{"b":2}"#,
        );
        check(M, "rename", &[r#"{"a": 1}"#, r#"{"x": "y"}"#], r#"{"a":1}"#);
    }
}
