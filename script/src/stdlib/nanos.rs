//! `std::time::nanos`: converting between nanoseconds and other units.
//!
//! Tremor writes these in tremor-script as `x * NANOS_PER_UNIT` and `x / NANOS_PER_UNIT`;
//! here they are native, with overflow an error instead of a wrap.

use super::args::{arg, int_result, wide_int};
use super::def::{ConstDef, ConstValue};
use super::{Arity, FnCtx, FnDef, FnError};
use crate::Value;

type R<'v> = Result<Value<'v>, FnError>;

const MICRO: i64 = 1_000;
const MILLI: i64 = 1_000_000;
const SECOND: i64 = 1_000_000_000;
const MINUTE: i64 = 60 * SECOND;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;
const WEEK: i64 = 7 * DAY;

/// The module's constants.
pub static CONSTANTS: &[ConstDef] = &[
    ConstDef {
        name: "NANOS_PER_MICROSECOND",
        value: ConstValue::Int(MICRO),
        doc: "Nanoseconds in a microsecond.",
    },
    ConstDef {
        name: "NANOS_PER_MILLISECOND",
        value: ConstValue::Int(MILLI),
        doc: "Nanoseconds in a millisecond.",
    },
    ConstDef {
        name: "NANOS_PER_SECOND",
        value: ConstValue::Int(SECOND),
        doc: "Nanoseconds in a second.",
    },
    ConstDef {
        name: "NANOS_PER_MINUTE",
        value: ConstValue::Int(MINUTE),
        doc: "Nanoseconds in a minute.",
    },
    ConstDef {
        name: "NANOS_PER_HOUR",
        value: ConstValue::Int(HOUR),
        doc: "Nanoseconds in an hour.",
    },
    ConstDef {
        name: "NANOS_PER_DAY",
        value: ConstValue::Int(DAY),
        doc: "Nanoseconds in a day.",
    },
    ConstDef {
        name: "NANOS_PER_WEEK",
        value: ConstValue::Int(WEEK),
        doc: "Nanoseconds in a week.",
    },
];

/// `x * factor` for an integer (checked) or float argument `x`.
#[allow(clippy::cast_precision_loss)]
pub(super) fn scale<'v>(args: &[Value<'v>], factor: i64, what: &str) -> R<'v> {
    match arg(args, 0)? {
        Value::F64(f) => Ok(Value::F64(f * factor as f64)),
        _ => {
            let n = wide_int(args, 0).map_err(|_| FnError::bad_arg(0, "a number", &args[0]))?;
            int_result(n * i128::from(factor), what)
        }
    }
}

/// `x / divisor` for an integer (truncating towards zero) or float argument `x`.
#[allow(clippy::cast_precision_loss)]
fn divide<'v>(args: &[Value<'v>], divisor: i64) -> R<'v> {
    match arg(args, 0)? {
        Value::F64(f) => Ok(Value::F64(f / divisor as f64)),
        _ => {
            let n = wide_int(args, 0).map_err(|_| FnError::bad_arg(0, "a number", &args[0]))?;
            int_result(n / i128::from(divisor), "the conversion")
        }
    }
}

macro_rules! conversions {
    ($($from:ident, $to:ident, $unit:expr;)*) => {
        $(
            fn $from<'v>(_: &mut FnCtx<'_>, args: &[Value<'v>]) -> R<'v> {
                scale(args, $unit, "the nanosecond count")
            }
            fn $to<'v>(_: &mut FnCtx<'_>, args: &[Value<'v>]) -> R<'v> {
                divide(args, $unit)
            }
        )*
    };
}

conversions! {
    from_micros, to_micros, MICRO;
    from_millis, to_millis, MILLI;
    from_seconds, to_seconds, SECOND;
    from_minutes, to_minutes, MINUTE;
    from_hours, to_hours, HOUR;
    from_days, to_days, DAY;
    from_weeks, to_weeks, WEEK;
}

/// The module's functions.
pub static FUNCTIONS: &[FnDef] = &[
    FnDef {
        name: "from_micros",
        params: &["micros"],
        arity: Arity::Exact(1),
        pure: true,
        f: from_micros,
        doc: "Microseconds in nanoseconds.",
        examples: &[("std::time::nanos::from_micros(1)", "1000")],
    },
    FnDef {
        name: "from_millis",
        params: &["millis"],
        arity: Arity::Exact(1),
        pure: true,
        f: from_millis,
        doc: "Milliseconds in nanoseconds.",
        examples: &[("std::time::nanos::from_millis(1)", "1000000")],
    },
    FnDef {
        name: "from_seconds",
        params: &["secs"],
        arity: Arity::Exact(1),
        pure: true,
        f: from_seconds,
        doc: "Seconds in nanoseconds (a float stays a float).",
        examples: &[
            ("std::time::nanos::from_seconds(1)", "1000000000"),
            ("std::time::nanos::from_seconds(1.5)", "1500000000.0"),
        ],
    },
    FnDef {
        name: "from_minutes",
        params: &["minutes"],
        arity: Arity::Exact(1),
        pure: true,
        f: from_minutes,
        doc: "Minutes in nanoseconds.",
        examples: &[("std::time::nanos::from_minutes(1)", "60000000000")],
    },
    FnDef {
        name: "from_hours",
        params: &["hours"],
        arity: Arity::Exact(1),
        pure: true,
        f: from_hours,
        doc: "Hours in nanoseconds.",
        examples: &[("std::time::nanos::from_hours(1)", "3600000000000")],
    },
    FnDef {
        name: "from_days",
        params: &["days"],
        arity: Arity::Exact(1),
        pure: true,
        f: from_days,
        doc: "Days in nanoseconds.",
        examples: &[("std::time::nanos::from_days(1)", "86400000000000")],
    },
    FnDef {
        name: "from_weeks",
        params: &["weeks"],
        arity: Arity::Exact(1),
        pure: true,
        f: from_weeks,
        doc: "Weeks in nanoseconds.",
        examples: &[("std::time::nanos::from_weeks(1)", "604800000000000")],
    },
    FnDef {
        name: "to_micros",
        params: &["nanos"],
        arity: Arity::Exact(1),
        pure: true,
        f: to_micros,
        doc: "Nanoseconds in whole microseconds (an integer divides, truncating).",
        examples: &[("std::time::nanos::to_micros(1999)", "1")],
    },
    FnDef {
        name: "to_millis",
        params: &["nanos"],
        arity: Arity::Exact(1),
        pure: true,
        f: to_millis,
        doc: "Nanoseconds in whole milliseconds.",
        examples: &[("std::time::nanos::to_millis(2000000)", "2")],
    },
    FnDef {
        name: "to_seconds",
        params: &["nanos"],
        arity: Arity::Exact(1),
        pure: true,
        f: to_seconds,
        doc: "Nanoseconds in whole seconds (a float stays a float).",
        examples: &[
            ("std::time::nanos::to_seconds(1500000000)", "1"),
            ("std::time::nanos::to_seconds(1500000000.0)", "1.5"),
        ],
    },
    FnDef {
        name: "to_minutes",
        params: &["nanos"],
        arity: Arity::Exact(1),
        pure: true,
        f: to_minutes,
        doc: "Nanoseconds in whole minutes.",
        examples: &[("std::time::nanos::to_minutes(120000000000)", "2")],
    },
    FnDef {
        name: "to_hours",
        params: &["nanos"],
        arity: Arity::Exact(1),
        pure: true,
        f: to_hours,
        doc: "Nanoseconds in whole hours.",
        examples: &[("std::time::nanos::to_hours(7200000000000)", "2")],
    },
    FnDef {
        name: "to_days",
        params: &["nanos"],
        arity: Arity::Exact(1),
        pure: true,
        f: to_days,
        doc: "Nanoseconds in whole days.",
        examples: &[("std::time::nanos::to_days(172800000000000)", "2")],
    },
    FnDef {
        name: "to_weeks",
        params: &["nanos"],
        arity: Arity::Exact(1),
        pure: true,
        f: to_weeks,
        doc: "Nanoseconds in whole weeks.",
        examples: &[("std::time::nanos::to_weeks(1209600000000000)", "2")],
    },
];

#[cfg(test)]
mod tests {
    use super::super::testing::{check, check_err};

    const M: &str = "std::time::nanos";

    #[test]
    fn round_trips() {
        for (from, to) in [
            ("from_micros", "to_micros"),
            ("from_millis", "to_millis"),
            ("from_seconds", "to_seconds"),
            ("from_minutes", "to_minutes"),
            ("from_hours", "to_hours"),
            ("from_days", "to_days"),
            ("from_weeks", "to_weeks"),
        ] {
            check(M, from, &["0"], "0");
            check(M, to, &["0"], "0");
            let v = super::super::testing::call_json(M, from, &["-3"]).expect("scales");
            check(M, to, &[&v], "-3");
        }
    }

    #[test]
    fn truncates_and_keeps_floats() {
        check(M, "to_seconds", &["-1500000000"], "-1");
        check(M, "to_millis", &["999999"], "0");
        check(M, "from_millis", &["0.5"], "500000.0");
        check(M, "to_weeks", &["18446744073709551615"], "30500");
    }

    #[test]
    fn overflow_and_bad_types_are_errors() {
        check_err(M, "from_weeks", &["100000000"], "overflows");
        check(M, "from_seconds", &["18446744073"], "18446744073000000000");
        check_err(M, "from_seconds", &["18446744074"], "overflows");
        check_err(
            M,
            "from_seconds",
            &["\"1\""],
            "expected a number for argument 1, got string",
        );
        check_err(M, "to_days", &["null"], "expected a number");
    }
}
