//! `std::float`.

use super::args::{num_arg, str_arg};
use super::{Arity, FnCtx, FnDef, FnError};
use crate::Value;

type R<'v> = Result<Value<'v>, FnError>;

fn parse<'v>(_: &mut FnCtx<'_>, args: &[Value<'v>]) -> R<'v> {
    let s = str_arg(args, 0)?;
    s.parse::<f64>()
        .map(Value::F64)
        .map_err(|e| FnError::new(format!("cannot parse {s:?} as a float: {e}")))
}

fn is_finite<'v>(_: &mut FnCtx<'_>, args: &[Value<'v>]) -> R<'v> {
    Ok(Value::Bool(num_arg(args, 0)?.is_finite()))
}

fn is_nan<'v>(_: &mut FnCtx<'_>, args: &[Value<'v>]) -> R<'v> {
    Ok(Value::Bool(num_arg(args, 0)?.is_nan()))
}

fn is_infinite<'v>(_: &mut FnCtx<'_>, args: &[Value<'v>]) -> R<'v> {
    Ok(Value::Bool(num_arg(args, 0)?.is_infinite()))
}

/// The module's functions.
pub static FUNCTIONS: &[FnDef] = &[
    FnDef {
        name: "parse",
        params: &["string"],
        arity: Arity::Exact(1),
        pure: true,
        f: parse,
        doc: "Parses a decimal float (`1.5`, `-2e3`, `inf`, `NaN`); anything else is an error.",
        examples: &[
            (r#"std::float::parse("42.314")"#, "42.314"),
            (r#"std::float::parse("2")"#, "2.0"),
        ],
    },
    FnDef {
        name: "is_finite",
        params: &["number"],
        arity: Arity::Exact(1),
        pure: true,
        f: is_finite,
        doc: "Whether a number is neither NaN nor infinite (always true for integers).",
        examples: &[("std::float::is_finite(4.2)", "true")],
    },
    FnDef {
        name: "is_nan",
        params: &["number"],
        arity: Arity::Exact(1),
        pure: true,
        f: is_nan,
        doc: "Whether a number is NaN (always false for integers).",
        examples: &[(r#"std::float::is_nan(std::float::parse("NaN"))"#, "true")],
    },
    FnDef {
        name: "is_infinite",
        params: &["number"],
        arity: Arity::Exact(1),
        pure: true,
        f: is_infinite,
        doc: "Whether a number is positive or negative infinity (always false for integers).",
        examples: &[(
            r#"std::float::is_infinite(std::float::parse("-inf"))"#,
            "true",
        )],
    },
];

#[cfg(test)]
mod tests {
    use super::super::testing::{call, check, check_err};
    use crate::Value;

    const M: &str = "std::float";

    #[test]
    fn parses_floats() {
        check(M, "parse", &[r#""-2e3""#], "-2000.0");
        check(M, "parse", &[r#"".5""#], "0.5");
        let big = call(M, "parse", &[Value::str("1e400")]);
        assert_eq!(big, Ok(Value::F64(f64::INFINITY)));
        for bad in [r#""""#, r#""1,5""#, r#"" 1""#, r#""one""#] {
            check_err(M, "parse", &[bad], "cannot parse");
        }
        check_err(M, "parse", &["1.5"], "expected a string");
    }

    #[test]
    fn classifies() {
        for (v, finite, nan, inf) in [
            (Value::F64(f64::NAN), false, true, false),
            (Value::F64(f64::INFINITY), false, false, true),
            (Value::I64(7), true, false, false),
            (Value::U64(u64::MAX), true, false, false),
            (Value::F64(4.2), true, false, false),
        ] {
            assert_eq!(
                call(M, "is_finite", std::slice::from_ref(&v)),
                Ok(Value::Bool(finite))
            );
            assert_eq!(
                call(M, "is_nan", std::slice::from_ref(&v)),
                Ok(Value::Bool(nan))
            );
            assert_eq!(call(M, "is_infinite", &[v]), Ok(Value::Bool(inf)));
        }
        check_err(M, "is_nan", &["\"NaN\""], "expected a number");
        check_err(M, "is_finite", &["null"], "expected a number");
    }
}
