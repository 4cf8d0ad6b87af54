//! `std::math`.

use super::args::{arg, int_result, wide_int};
use super::{Arity, FnCtx, FnDef, FnError};
use crate::Value;

type R<'v> = Result<Value<'v>, FnError>;

/// A whole float as an integer value, or an error when it has none (NaN, infinite, too big).
#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
fn whole_to_int<'v>(f: f64) -> R<'v> {
    // 2^63 and 2^64 are exact in f64; the casts below are in range after these checks.
    const I64_END: f64 = 9_223_372_036_854_775_808.0;
    const U64_END: f64 = 18_446_744_073_709_551_616.0;
    if f.is_nan() {
        Err(FnError::new("NaN has no integer value"))
    } else if (-I64_END..I64_END).contains(&f) {
        Ok(Value::I64(f as i64))
    } else if (0.0..U64_END).contains(&f) {
        Ok(Value::U64(f as u64))
    } else {
        Err(FnError::new(format!("{f} is outside the integer range")))
    }
}

fn rounding<'v>(args: &[Value<'v>], op: fn(f64) -> f64) -> R<'v> {
    match arg(args, 0)? {
        v @ (Value::I64(_) | Value::U64(_)) => Ok(v.clone()),
        Value::F64(f) => whole_to_int(op(*f)),
        other => Err(FnError::bad_arg(0, "a number", other)),
    }
}

fn floor<'v>(_: &mut FnCtx<'_>, args: &[Value<'v>]) -> R<'v> {
    rounding(args, f64::floor)
}

fn ceil<'v>(_: &mut FnCtx<'_>, args: &[Value<'v>]) -> R<'v> {
    rounding(args, f64::ceil)
}

fn round<'v>(_: &mut FnCtx<'_>, args: &[Value<'v>]) -> R<'v> {
    rounding(args, f64::round)
}

fn trunc<'v>(_: &mut FnCtx<'_>, args: &[Value<'v>]) -> R<'v> {
    rounding(args, f64::trunc)
}

/// Two integers compare exactly; once a float is involved both are floats, as in tremor.
fn pick<'v>(args: &[Value<'v>], first_wins: fn(f64, f64) -> bool, larger: bool) -> R<'v> {
    let (a, b) = (arg(args, 0)?, arg(args, 1)?);
    for (i, v) in [a, b].into_iter().enumerate() {
        if v.as_f64().is_none() {
            return Err(FnError::bad_arg(i, "a number", v));
        }
    }
    if let (Ok(x), Ok(y)) = (wide_int(args, 0), wide_int(args, 1)) {
        return int_result(if larger { x.max(y) } else { x.min(y) }, "the result");
    }
    let (x, y) = (
        a.as_f64().unwrap_or(f64::NAN),
        b.as_f64().unwrap_or(f64::NAN),
    );
    Ok(Value::F64(if first_wins(x, y) { x } else { y }))
}

fn max<'v>(_: &mut FnCtx<'_>, args: &[Value<'v>]) -> R<'v> {
    pick(args, |x, y| x >= y, true)
}

fn min<'v>(_: &mut FnCtx<'_>, args: &[Value<'v>]) -> R<'v> {
    pick(args, |x, y| x <= y, false)
}

/// The module's functions.
pub static FUNCTIONS: &[FnDef] = &[
    FnDef {
        name: "floor",
        params: &["n"],
        arity: Arity::Exact(1),
        pure: true,
        f: floor,
        doc: "The largest integer less than or equal to `n`.",
        examples: &[
            ("std::math::floor(42.9)", "42"),
            ("std::math::floor(-1.5)", "-2"),
        ],
    },
    FnDef {
        name: "ceil",
        params: &["n"],
        arity: Arity::Exact(1),
        pure: true,
        f: ceil,
        doc: "The smallest integer greater than or equal to `n`.",
        examples: &[("std::math::ceil(41.1)", "42")],
    },
    FnDef {
        name: "round",
        params: &["n"],
        arity: Arity::Exact(1),
        pure: true,
        f: round,
        doc: "The integer nearest to `n`; halves round away from zero.",
        examples: &[
            ("std::math::round(41.4)", "41"),
            ("std::math::round(41.5)", "42"),
        ],
    },
    FnDef {
        name: "trunc",
        params: &["n"],
        arity: Arity::Exact(1),
        pure: true,
        f: trunc,
        doc: "The integer part of `n` (rounds towards zero).",
        examples: &[
            ("std::math::trunc(41.5)", "41"),
            ("std::math::trunc(-41.5)", "-41"),
        ],
    },
    FnDef {
        name: "max",
        params: &["n1", "n2"],
        arity: Arity::Exact(2),
        pure: true,
        f: max,
        doc: "The larger of two numbers; an integer when both are integers, else a float.",
        examples: &[
            ("std::math::max(41, 42)", "42"),
            ("std::math::max(41.5, 42)", "42.0"),
        ],
    },
    FnDef {
        name: "min",
        params: &["n1", "n2"],
        arity: Arity::Exact(2),
        pure: true,
        f: min,
        doc: "The smaller of two numbers; an integer when both are integers, else a float.",
        examples: &[
            ("std::math::min(41, 42)", "41"),
            ("std::math::min(42, 42.5)", "42.0"),
        ],
    },
];

#[cfg(test)]
mod tests {
    use super::super::testing::{call, check, check_err};
    use crate::Value;

    const M: &str = "std::math";

    #[test]
    fn integers_pass_through() {
        for f in ["floor", "ceil", "round", "trunc"] {
            check(M, f, &["42"], "42");
            check(M, f, &["-7"], "-7");
            check(M, f, &["18446744073709551615"], "18446744073709551615");
            check_err(
                M,
                f,
                &["\"1\""],
                "expected a number for argument 1, got string",
            );
        }
    }

    #[test]
    fn rounding_floats() {
        check(M, "floor", &["-0.5"], "-1");
        check(M, "ceil", &["-0.5"], "0");
        check(M, "round", &["-41.5"], "-42");
        check(M, "round", &["0.49999999999999994"], "0");
        check(M, "trunc", &["1e18"], "1000000000000000000");
        check(M, "floor", &["1.5e19"], "15000000000000000000");
    }

    #[test]
    fn unrepresentable_results_are_errors() {
        check_err(M, "floor", &["1e300"], "outside the integer range");
        check_err(M, "ceil", &["-1e19"], "outside the integer range");
        for v in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            assert!(call(M, "round", &[Value::F64(v)]).is_err(), "{v}");
        }
    }

    #[test]
    fn max_and_min() {
        check(
            M,
            "max",
            &["-1", "18446744073709551615"],
            "18446744073709551615",
        );
        check(M, "min", &["-1", "18446744073709551615"], "-1");
        check(M, "max", &["1.5", "1.25"], "1.5");
        check(M, "min", &["2", "1.5"], "1.5");
        check(M, "max", &["3", "3.0"], "3.0");
        check_err(M, "max", &["1", "null"], "argument 2");
        check_err(M, "min", &["[]", "1"], "argument 1");
    }
}
