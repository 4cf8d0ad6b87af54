//! `std::random`: values drawn from a generator seeded by the event's ingest time, so that
//! replaying the same events gives the same values (see [`RandomState`](super::RandomState)).

use super::args::{int_arg, num_arg, uint_arg, usize_arg};
use super::{Arity, FnCtx, FnDef, FnError};
use crate::Value;

type R<'v> = Result<Value<'v>, FnError>;

/// Longest string `random::string` makes.
const MAX_STRING: usize = 1 << 20;

fn bool<'v>(ctx: &mut FnCtx<'_>, _: &[Value<'v>]) -> R<'v> {
    Ok(Value::Bool(ctx.env.random.next_rng(ctx.ingest_ns).bool()))
}

fn string<'v>(ctx: &mut FnCtx<'_>, args: &[Value<'v>]) -> R<'v> {
    let n = usize_arg(args, 0)?;
    if n > MAX_STRING {
        return Err(FnError::bad_value(
            0,
            format!("must be at most {MAX_STRING}"),
        ));
    }
    let mut rng = ctx.env.random.next_rng(ctx.ingest_ns);
    Ok(Value::from(
        (0..n).map(|_| rng.alphanumeric()).collect::<String>(),
    ))
}

fn integer<'v>(ctx: &mut FnCtx<'_>, args: &[Value<'v>]) -> R<'v> {
    match args.len() {
        0 => Ok(Value::I64(ctx.env.random.next_rng(ctx.ingest_ns).i64(..))),
        1 => {
            let hi = uint_arg(args, 0)?;
            if hi == 0 {
                return Err(FnError::bad_value(0, "must be greater than 0"));
            }
            Ok(Value::from(
                ctx.env.random.next_rng(ctx.ingest_ns).u64(0..hi),
            ))
        }
        _ => {
            let (lo, hi) = (int_arg(args, 0)?, int_arg(args, 1)?);
            if lo >= hi {
                return Err(FnError::new(
                    "the first argument must be lower than the second",
                ));
            }
            Ok(Value::I64(
                ctx.env.random.next_rng(ctx.ingest_ns).i64(lo..hi),
            ))
        }
    }
}

fn float<'v>(ctx: &mut FnCtx<'_>, args: &[Value<'v>]) -> R<'v> {
    let (lo, hi) = match args.len() {
        0 => (0.0, 1.0),
        1 => {
            let hi = num_arg(args, 0)?;
            if hi.is_nan() || hi <= 0.0 {
                return Err(FnError::bad_value(0, "must be greater than 0"));
            }
            (0.0, hi)
        }
        _ => {
            let (lo, hi) = (num_arg(args, 0)?, num_arg(args, 1)?);
            if lo.is_nan() || hi.is_nan() || lo >= hi {
                return Err(FnError::new(
                    "the first argument must be lower than the second",
                ));
            }
            (lo, hi)
        }
    };
    let width = hi - lo;
    if !width.is_finite() {
        return Err(FnError::new("the range is too wide"));
    }
    let x = lo + width * ctx.env.random.next_rng(ctx.ingest_ns).f64();
    // Rounding can land exactly on `hi`, which the range excludes.
    Ok(Value::F64(if x < hi { x } else { lo }))
}

/// The module's functions.
pub static FUNCTIONS: &[FnDef] = &[
    FnDef {
        name: "bool",
        params: &[],
        arity: Arity::Exact(0),
        pure: false,
        f: bool,
        doc: "A random boolean.",
        examples: &[("std::type::is_bool(std::random::bool())", "true")],
    },
    FnDef {
        name: "string",
        params: &["length"],
        arity: Arity::Exact(1),
        pure: false,
        f: string,
        doc: "A random string of `length` ASCII letters and digits (at most 1048576).",
        examples: &[
            ("std::string::len(std::random::string(16))", "16"),
            ("std::random::string(0)", r#""""#),
        ],
    },
    FnDef {
        name: "integer",
        params: &["low", "high"],
        arity: Arity::Range(0, 2),
        pure: false,
        f: integer,
        doc: "A random integer: any with no argument, in [0, high) with one, in [low, high) with two.",
        examples: &[
            ("std::random::integer(42, 43)", "42"),
            ("std::random::integer(-42, -41)", "-42"),
            ("std::random::integer(1)", "0"),
        ],
    },
    FnDef {
        name: "float",
        params: &["low", "high"],
        arity: Arity::Range(0, 2),
        pure: false,
        f: float,
        doc: "A random float: in [0, 1) with no argument, in [0, high) with one, in [low, high) with two.",
        examples: &[("std::math::floor(std::random::float(3.0, 3.5))", "3")],
    },
];

#[cfg(test)]
mod tests {
    use super::super::testing::{call, call_in, check, check_err, test_env};
    use crate::Value;

    const M: &str = "std::random";

    #[test]
    fn ranges_are_respected() {
        let mut env = test_env();
        for ingest in 0..500_u64 {
            let v = call_in(
                &mut env,
                ingest,
                None,
                M,
                "integer",
                &[Value::I64(-1), Value::I64(1)],
            );
            assert!(matches!(v, Ok(Value::I64(-1 | 0))), "{v:?}");
            let v = call_in(&mut env, ingest, None, M, "integer", &[Value::I64(100)]);
            assert!(matches!(v, Ok(Value::I64(0..=99))), "{v:?}");
            let v = call_in(
                &mut env,
                ingest,
                None,
                M,
                "float",
                &[Value::F64(-3.0), Value::F64(-2.0)],
            );
            assert!(
                v.as_ref()
                    .is_ok_and(|f| f.as_f64().is_some_and(|f| (-3.0..-2.0).contains(&f))),
                "{v:?}"
            );
            let v = call_in(&mut env, ingest, None, M, "float", &[Value::I64(100)]);
            assert!(
                v.as_ref()
                    .is_ok_and(|f| f.as_f64().is_some_and(|f| (0.0..100.0).contains(&f))),
                "{v:?}"
            );
            let v = call_in(&mut env, ingest, None, M, "float", &[]);
            assert!(
                v.as_ref()
                    .is_ok_and(|f| f.as_f64().is_some_and(|f| (0.0..1.0).contains(&f))),
                "{v:?}"
            );
        }
        let s = call(M, "string", &[Value::I64(64)]).expect("string");
        assert!(s
            .as_str()
            .is_some_and(|s| s.len() == 64 && s.bytes().all(|b| b.is_ascii_alphanumeric())));
        assert!(matches!(call(M, "bool", &[]), Ok(Value::Bool(_))));
        assert!(matches!(call(M, "integer", &[]), Ok(Value::I64(_))));
    }

    #[test]
    fn values_are_spread() {
        let mut env = test_env();
        let mut seen = [0_u32; 10];
        for ingest in 0..2000_u64 {
            if let Ok(Value::I64(i)) = call_in(
                &mut env,
                ingest * 1_000_003,
                None,
                M,
                "integer",
                &[Value::I64(10)],
            ) {
                seen[usize::try_from(i).unwrap_or(0)] += 1;
            }
        }
        assert!(seen.iter().all(|&n| (120..=280).contains(&n)), "{seen:?}");
        let trues = (0..2000_u64)
            .filter(|i| {
                matches!(
                    call_in(&mut env, *i, None, M, "bool", &[]),
                    Ok(Value::Bool(true))
                )
            })
            .count();
        assert!((850..=1150).contains(&trues), "{trues}");
    }

    #[test]
    fn same_event_replays_the_same_values() {
        let draw = || {
            let mut env = test_env();
            (0..3)
                .map(|_| call_in(&mut env, 77, None, M, "integer", &[]).map(|v| v.to_json()))
                .collect::<Vec<_>>()
        };
        let (a, b) = (draw(), draw());
        assert_eq!(a, b);
        assert_ne!(a[0], a[1], "calls within one event differ");
    }

    #[test]
    fn bad_arguments_are_errors() {
        check_err(M, "integer", &["0"], "greater than 0");
        check_err(M, "integer", &["-5"], "must not be negative");
        check_err(M, "integer", &["5", "5"], "lower than the second");
        check_err(M, "integer", &["1.5", "5"], "expected an integer");
        check_err(M, "float", &["0.0"], "greater than 0");
        check_err(M, "float", &["2", "1"], "lower than the second");
        check_err(
            M,
            "float",
            &["-1.7976931348623157e308", "1.7976931348623157e308"],
            "too wide",
        );
        check_err(M, "string", &["-1"], "must not be negative");
        check_err(M, "string", &["1048577"], "at most");
        check_err(M, "string", &["\"5\""], "expected an integer");
        check(M, "integer", &["42", "43"], "42");
    }
}
