//! `std::path`.

use super::args::{arg, array_arg};
use super::{Arity, FnCtx, FnDef, FnError};
use crate::Value;

/// Follows `segments` (strings into records, integers into arrays) from `base`; the value
/// found, or `otherwise` as soon as a step leads nowhere.
fn try_default<'v>(_: &mut FnCtx<'_>, args: &[Value<'v>]) -> Result<Value<'v>, FnError> {
    let base = arg(args, 0)?;
    let otherwise = arg(args, 2)?;
    match base {
        Value::Null => return Ok(otherwise.clone()),
        Value::Record(_) | Value::Array(_) => {}
        other => return Err(FnError::bad_arg(0, "a record, an array or null", other)),
    }
    let segments = array_arg(args, 1)?;
    let mut at = base;
    for seg in segments {
        let next = match (at, seg) {
            (Value::Record(r), Value::String(k)) => r.get(k),
            (Value::Array(a), i) => i
                .as_u64()
                .and_then(|i| usize::try_from(i).ok())
                .and_then(|i| a.get(i)),
            _ => None,
        };
        match next {
            Some(v) => at = v,
            None => return Ok(otherwise.clone()),
        }
    }
    Ok(at.clone())
}

/// The module's functions.
pub static FUNCTIONS: &[FnDef] = &[FnDef {
    name: "try_default",
    params: &["base", "segments", "otherwise"],
    arity: Arity::Exact(3),
    pure: true,
    f: try_default,
    doc: "The value at a path of keys and indices inside `base`, or `otherwise` when the path leads nowhere.",
    examples: &[
        (r#"std::path::try_default([{"snot": "badger"}, ["fleek", "flook"]], [0, "snot"], "test")"#, r#""badger""#),
        (r#"std::path::try_default([{"snot": "badger"}, ["fleek", "flook"]], [1, 2], "test")"#, r#""test""#),
        (r#"std::path::try_default({"snot": "badger"}, [], "test")"#, r#"{"snot":"badger"}"#),
    ],
}];

#[cfg(test)]
mod tests {
    use super::super::testing::{check, check_err};

    const M: &str = "std::path";
    const BASE: &str = r#"[{"snot": "badger"}, ["fleek", "flook"]]"#;

    #[test]
    fn tremor_documented_cases() {
        check(
            M,
            "try_default",
            &[BASE, "[1, 1]", r#""test""#],
            r#""flook""#,
        );
        check(
            M,
            "try_default",
            &[BASE, "[1, 0]", r#""test""#],
            r#""fleek""#,
        );
        check(
            M,
            "try_default",
            &[
                r#"{"snot": {"snot": "badger"}}"#,
                r#"["snot", "snot"]"#,
                "0",
            ],
            r#""badger""#,
        );
    }

    #[test]
    fn misses_give_the_default() {
        check(M, "try_default", &["null", "[]", r#""pass""#], r#""pass""#);
        check(
            M,
            "try_default",
            &[
                r#"{"snot": "badger"}"#,
                r#"["snot", "badger"]"#,
                r#""pass""#,
            ],
            r#""pass""#,
        );
        check(
            M,
            "try_default",
            &[r#"["snot", "badger"]"#, r#"["snot"]"#, r#""pass""#],
            r#""pass""#,
        );
        check(M, "try_default", &[BASE, "[-1]", r#""pass""#], r#""pass""#);
        check(
            M,
            "try_default",
            &[BASE, "[0, 0]", r#""pass""#],
            r#""pass""#,
        );
        check(
            M,
            "try_default",
            &[r#"{"a": null}"#, r#"["a"]"#, r#""pass""#],
            "null",
        );
    }

    #[test]
    fn bad_arguments_are_errors() {
        check_err(
            M,
            "try_default",
            &["1", "[]", r#""error""#],
            "expected a record, an array or null",
        );
        check_err(
            M,
            "try_default",
            &["{}", "1", r#""error""#],
            "expected an array for argument 2",
        );
        check_err(
            M,
            "try_default",
            &["[]", r#""a""#, r#""error""#],
            "argument 2",
        );
    }
}
