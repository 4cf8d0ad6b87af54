//! `std::array`.

use std::cmp::Ordering;

use super::args::{arg, array_arg, push_display, str_arg};
use super::{Arity, FnCtx, FnDef, FnError};
use crate::Value;

type R<'v> = Result<Value<'v>, FnError>;

fn len<'v>(_: &mut FnCtx<'_>, args: &[Value<'v>]) -> R<'v> {
    Ok(Value::from(array_arg(args, 0)?.len()))
}

fn is_empty<'v>(_: &mut FnCtx<'_>, args: &[Value<'v>]) -> R<'v> {
    Ok(Value::Bool(array_arg(args, 0)?.is_empty()))
}

fn contains<'v>(_: &mut FnCtx<'_>, args: &[Value<'v>]) -> R<'v> {
    let needle = arg(args, 1)?;
    Ok(Value::Bool(array_arg(args, 0)?.contains(needle)))
}

fn push<'v>(_: &mut FnCtx<'_>, args: &[Value<'v>]) -> R<'v> {
    let a = array_arg(args, 0)?;
    let mut out = Vec::with_capacity(a.len() + 1);
    out.extend_from_slice(a);
    out.push(arg(args, 1)?.clone());
    Ok(Value::Array(out))
}

fn zip<'v>(_: &mut FnCtx<'_>, args: &[Value<'v>]) -> R<'v> {
    let (l, r) = (array_arg(args, 0)?, array_arg(args, 1)?);
    if l.len() != r.len() {
        return Err(FnError::new(format!(
            "zipping needs arrays of the same length, got {} and {} elements",
            l.len(),
            r.len()
        )));
    }
    Ok(Value::Array(
        l.iter()
            .zip(r)
            .map(|(a, b)| Value::Array(vec![a.clone(), b.clone()]))
            .collect(),
    ))
}

fn unzip<'v>(_: &mut FnCtx<'_>, args: &[Value<'v>]) -> R<'v> {
    let a = array_arg(args, 0)?;
    let (mut left, mut right) = (Vec::with_capacity(a.len()), Vec::with_capacity(a.len()));
    for (i, pair) in a.iter().enumerate() {
        match pair {
            Value::Array(p) if p.len() == 2 => {
                left.push(p[0].clone());
                right.push(p[1].clone());
            }
            other => {
                return Err(FnError::new(format!(
                    "only arrays of pairs (two-element arrays) can be unzipped, element {i} is {}",
                    describe(other)
                )))
            }
        }
    }
    Ok(Value::Array(vec![Value::Array(left), Value::Array(right)]))
}

fn describe(v: &Value<'_>) -> String {
    match v {
        Value::Array(a) => format!("an array of {} elements", a.len()),
        other => {
            let name = other.value_type().name();
            let article = if name.starts_with(['a', 'e', 'i', 'o', 'u']) {
                "an"
            } else {
                "a"
            };
            format!("{article} {name}")
        }
    }
}

fn flatten<'v>(_: &mut FnCtx<'_>, args: &[Value<'v>]) -> R<'v> {
    let a = array_arg(args, 0)?;
    let mut out = Vec::with_capacity(a.len());
    // An explicit stack: nesting depth is the data's choice, the call stack's is not.
    let mut stack = vec![a.iter()];
    while let Some(top) = stack.last_mut() {
        match top.next() {
            Some(Value::Array(inner)) => stack.push(inner.iter()),
            Some(v) => out.push(v.clone()),
            None => {
                stack.pop();
            }
        }
    }
    Ok(Value::Array(out))
}

fn coalesce<'v>(_: &mut FnCtx<'_>, args: &[Value<'v>]) -> R<'v> {
    let a = array_arg(args, 0)?;
    Ok(Value::Array(
        a.iter().filter(|v| !v.is_null()).cloned().collect(),
    ))
}

fn join<'v>(_: &mut FnCtx<'_>, args: &[Value<'v>]) -> R<'v> {
    let (a, sep) = (array_arg(args, 0)?, str_arg(args, 1)?);
    let mut out = String::new();
    for (i, v) in a.iter().enumerate() {
        if i > 0 {
            out.push_str(sep);
        }
        push_display(&mut out, v);
    }
    Ok(Value::from(out))
}

fn concatenate<'v>(_: &mut FnCtx<'_>, args: &[Value<'v>]) -> R<'v> {
    let (l, r) = (array_arg(args, 0)?, array_arg(args, 1)?);
    let mut out = Vec::with_capacity(l.len() + r.len());
    out.extend_from_slice(l);
    out.extend_from_slice(r);
    Ok(Value::Array(out))
}

fn sort<'v>(_: &mut FnCtx<'_>, args: &[Value<'v>]) -> R<'v> {
    let mut out = array_arg(args, 0)?.clone();
    out.sort_by(total_cmp);
    Ok(Value::Array(out))
}

fn reverse<'v>(_: &mut FnCtx<'_>, args: &[Value<'v>]) -> R<'v> {
    let mut out = array_arg(args, 0)?.clone();
    out.reverse();
    Ok(Value::Array(out))
}

fn rank(v: &Value<'_>) -> u8 {
    match v {
        Value::Null => 0,
        Value::Bool(_) => 1,
        Value::I64(_) | Value::U64(_) | Value::F64(_) => 2,
        Value::String(_) => 3,
        Value::Bytes(_) => 4,
        Value::Array(_) => 5,
        Value::Record(_) => 6,
    }
}

/// A total order for sorting mixed arrays: null < bools < numbers < strings < binaries <
/// arrays < records; numbers by value (NaN last), arrays element-wise, records by their
/// sorted fields.
pub(super) fn total_cmp(a: &Value<'_>, b: &Value<'_>) -> Ordering {
    match (a, b) {
        (Value::Array(x), Value::Array(y)) => x
            .iter()
            .zip(y)
            .map(|(p, q)| total_cmp(p, q))
            .find(|o| o.is_ne())
            .unwrap_or_else(|| x.len().cmp(&y.len())),
        (Value::Record(x), Value::Record(y)) => {
            let mut xs: Vec<_> = x.iter().collect();
            let mut ys: Vec<_> = y.iter().collect();
            xs.sort_by(|p, q| p.0.cmp(q.0));
            ys.sort_by(|p, q| p.0.cmp(q.0));
            xs.iter()
                .zip(&ys)
                .map(|(p, q)| p.0.cmp(q.0).then_with(|| total_cmp(p.1, q.1)))
                .find(|o| o.is_ne())
                .unwrap_or_else(|| xs.len().cmp(&ys.len()))
        }
        _ => rank(a).cmp(&rank(b)).then_with(|| {
            a.partial_cmp(b).unwrap_or_else(|| {
                // Only NaN against a number is unordered here.
                let (x, y) = (a.as_f64().unwrap_or(0.0), b.as_f64().unwrap_or(0.0));
                x.is_nan().cmp(&y.is_nan())
            })
        }),
    }
}

/// The module's functions.
pub static FUNCTIONS: &[FnDef] = &[
    FnDef {
        name: "len",
        params: &["array"],
        arity: Arity::Exact(1),
        pure: true,
        f: len,
        doc: "The number of elements in an array.",
        examples: &[("std::array::len([1, 2, 3])", "3")],
    },
    FnDef {
        name: "is_empty",
        params: &["array"],
        arity: Arity::Exact(1),
        pure: true,
        f: is_empty,
        doc: "Whether an array has no elements.",
        examples: &[("std::array::is_empty([])", "true")],
    },
    FnDef {
        name: "contains",
        params: &["array", "element"],
        arity: Arity::Exact(2),
        pure: true,
        f: contains,
        doc: "Whether the array has an element equal to `element` (numbers compare by value).",
        examples: &[(r#"std::array::contains(["this", "is", "a", "test"], "is")"#, "true")],
    },
    FnDef {
        name: "push",
        params: &["array", "element"],
        arity: Arity::Exact(2),
        pure: true,
        f: push,
        doc: "A copy of the array with `element` added at the end.",
        examples: &[("std::array::push([1, 2], 3)", "[1,2,3]")],
    },
    FnDef {
        name: "zip",
        params: &["left", "right"],
        arity: Arity::Exact(2),
        pure: true,
        f: zip,
        doc: "Pairs up the elements of two arrays of the same length.",
        examples: &[(
            r#"std::array::zip([1, 2, 3], ["a", "b", "c"])"#,
            r#"[[1,"a"],[2,"b"],[3,"c"]]"#,
        )],
    },
    FnDef {
        name: "unzip",
        params: &["array"],
        arity: Arity::Exact(1),
        pure: true,
        f: unzip,
        doc: "Splits an array of pairs into an array of the first and an array of the second elements.",
        examples: &[(
            r#"std::array::unzip([[1, "a"], [2, "b"], [3, "c"]])"#,
            r#"[[1,2,3],["a","b","c"]]"#,
        )],
    },
    FnDef {
        name: "flatten",
        params: &["array"],
        arity: Arity::Exact(1),
        pure: true,
        f: flatten,
        doc: "Flattens nested arrays recursively into one array.",
        examples: &[(
            r#"std::array::flatten([[1, 2, 3], ["a", ["b", "c"]]])"#,
            r#"[1,2,3,"a","b","c"]"#,
        )],
    },
    FnDef {
        name: "coalesce",
        params: &["array"],
        arity: Arity::Exact(1),
        pure: true,
        f: coalesce,
        doc: "The array with its null elements removed.",
        examples: &[("std::array::coalesce([1, null, 2, null, 3])", "[1,2,3]")],
    },
    FnDef {
        name: "join",
        params: &["array", "string"],
        arity: Arity::Exact(2),
        pure: true,
        f: join,
        doc: "Joins the elements (strings as they are, other values as JSON) with a separator.",
        examples: &[
            (r#"std::array::join(["this", "is", "a", "cake"], " ")"#, r#""this is a cake""#),
            (r#"std::array::join([1, "b", null], "-")"#, r#""1-b-null""#),
        ],
    },
    FnDef {
        name: "concatenate",
        params: &["left", "right"],
        arity: Arity::Exact(2),
        pure: true,
        f: concatenate,
        doc: "The elements of the first array followed by those of the second (duplicates kept).",
        examples: &[("std::array::concatenate([1, 2, 3], [3, 4])", "[1,2,3,3,4]")],
    },
    FnDef {
        name: "sort",
        params: &["array"],
        arity: Arity::Exact(1),
        pure: true,
        f: sort,
        doc: "The array sorted ascending; mixed types order null, bool, number, string, binary, array, record.",
        examples: &[
            ("std::array::sort([3, 2, 3, 1, 4])", "[1,2,3,3,4]"),
            (r#"std::array::sort(["b", 1, null, "a"])"#, r#"[null,1,"a","b"]"#),
        ],
    },
    FnDef {
        name: "reverse",
        params: &["array"],
        arity: Arity::Exact(1),
        pure: true,
        f: reverse,
        doc: "The array with its elements in reverse order.",
        examples: &[("std::array::reverse([1, 2, 3])", "[3,2,1]")],
    },
];

#[cfg(test)]
mod tests {
    use super::super::testing::{call, check, check_err};
    use crate::Value;

    const M: &str = "std::array";

    #[test]
    fn basics() {
        check(M, "len", &["[]"], "0");
        check(M, "is_empty", &["[null]"], "false");
        check(M, "contains", &["[1, 2]", "2.0"], "true");
        check(M, "contains", &["[[1], {\"a\": 1}]", "{\"a\": 1}"], "true");
        check(M, "contains", &["[\"1\"]", "1"], "false");
        check(M, "push", &["[]", "[]"], "[[]]");
        check_err(
            M,
            "len",
            &["{}"],
            "expected an array for argument 1, got record",
        );
        check_err(M, "push", &["\"a\"", "1"], "expected an array");
    }

    #[test]
    fn zip_and_unzip() {
        check(M, "zip", &["[]", "[]"], "[]");
        check_err(M, "zip", &["[1]", "[]"], "same length, got 1 and 0");
        check(M, "unzip", &["[]"], "[[],[]]");
        check_err(
            M,
            "unzip",
            &["[[1, 2], [3]]"],
            "element 1 is an array of 1 elements",
        );
        check_err(M, "unzip", &["[7]"], "element 0 is an integer");
    }

    #[test]
    fn flatten_is_recursive_and_deep_safe() {
        check(
            M,
            "flatten",
            &["[[], [[[]]], 1, [2, [3, [4]]]]"],
            "[1,2,3,4]",
        );
        check_err(M, "flatten", &["1"], "expected an array");
        // Deeper than values decoded from JSON can be; flatten must not care.
        let mut v = Value::Array(vec![Value::I64(1)]);
        for _ in 0..5_000 {
            v = Value::Array(vec![v]);
        }
        let r = call(M, "flatten", &[v]);
        assert_eq!(r, Ok(Value::Array(vec![Value::I64(1)])));
    }

    #[test]
    fn join_coalesce_concatenate() {
        check(M, "join", &["[]", "\",\""], "\"\"");
        check(
            M,
            "join",
            &["[{\"a\": [1]}, 1.5]", "\";\""],
            "\"{\\\"a\\\":[1]};1.5\"",
        );
        check_err(M, "join", &["[1]", "1"], "argument 2");
        check(M, "coalesce", &["[null]"], "[]");
        check(M, "concatenate", &["[]", "[]"], "[]");
        check(M, "concatenate", &["[1]", "[[2]]"], "[1,[2]]");
    }

    #[test]
    fn sort_is_total_and_stable() {
        check(
            M,
            "sort",
            &["[\"this\", \"is\", \"a\", \"test\"]"],
            "[\"a\",\"is\",\"test\",\"this\"]",
        );
        check(
            M,
            "sort",
            &["[{\"b\": 1}, [2], [1, 5], true, 2.5, -1, 18446744073709551615, {\"a\": 9}]"],
            "[true,-1,2.5,18446744073709551615,[1,5],[2],{\"a\":9},{\"b\":1}]",
        );
        let r = call(
            M,
            "sort",
            &[Value::Array(vec![
                Value::F64(f64::NAN),
                Value::I64(1),
                Value::F64(0.5),
            ])],
        );
        let got = r.map(|v| v.to_json());
        assert_eq!(got.as_deref(), Ok("[0.5,1,null]"));
        check(M, "reverse", &["[]"], "[]");
        check(M, "reverse", &["[1, [2, 3]]"], "[[2,3],1]");
    }
}
