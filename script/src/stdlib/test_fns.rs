//! `std::test`: assertions for tremor's test framework.

use super::args::{arg, push_display};
use super::{Arity, FnCtx, FnDef, FnError};
use crate::Value;

type R<'v> = Result<Value<'v>, FnError>;

fn assert<'v>(_: &mut FnCtx<'_>, args: &[Value<'v>]) -> R<'v> {
    let (name, expected, got) = (arg(args, 0)?, arg(args, 1)?, arg(args, 2)?);
    if expected == got {
        return Ok(Value::Bool(true));
    }
    let mut label = String::new();
    push_display(&mut label, name);
    Err(FnError::new(format!(
        "assertion {label:?} failed: expected {}, got {}",
        expected.to_json(),
        got.to_json()
    )))
}

fn entry_point<'v>(_: &mut FnCtx<'_>, _: &[Value<'v>]) -> R<'v> {
    Ok(Value::Null)
}

/// The module's functions.
pub static FUNCTIONS: &[FnDef] = &[
    FnDef {
        name: "assert",
        params: &["name", "expected", "got"],
        arity: Arity::Exact(3),
        pure: false,
        f: assert,
        doc: "True when `expected` equals `got`, else an error naming the assertion; not for production scripts.",
        examples: &[(r#"std::test::assert("one equals one", 1, 1)"#, "true")],
    },
    FnDef {
        name: "suite",
        params: &["..."],
        arity: Arity::AtLeast(0),
        pure: true,
        f: entry_point,
        doc: "Marks a test suite for tremor's test runner; evaluates to null.",
        examples: &[(r#"std::test::suite({"name": "s"})"#, "null")],
    },
    FnDef {
        name: "test",
        params: &["..."],
        arity: Arity::AtLeast(0),
        pure: true,
        f: entry_point,
        doc: "Marks a test for tremor's test runner; evaluates to null.",
        examples: &[(r#"std::test::test({"name": "t"})"#, "null")],
    },
];

#[cfg(test)]
mod tests {
    use super::super::testing::{check, check_err};

    const M: &str = "std::test";

    #[test]
    fn assert_compares_values() {
        check(
            M,
            "assert",
            &[r#""n""#, r#"{"a": [1, 2]}"#, r#"{"a": [1, 2.0]}"#],
            "true",
        );
        check_err(
            M,
            "assert",
            &[r#""one equals one""#, "1", "2"],
            r#"assertion "one equals one" failed: expected 1, got 2"#,
        );
        check_err(
            M,
            "assert",
            &["7", "null", "false"],
            "assertion \"7\" failed",
        );
    }

    #[test]
    fn entry_points_are_null() {
        check(M, "suite", &[], "null");
        check(M, "test", &["1", "2", "3"], "null");
    }
}
