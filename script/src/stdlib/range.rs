//! `std::range`.

use std::cmp::Ordering;

use super::args::{arg, array_arg, int_arg};
use super::{Arity, FnCtx, FnDef, FnError};
use crate::Value;

type R<'v> = Result<Value<'v>, FnError>;

/// Most elements `range` builds; more is an error rather than an allocation.
const MAX_LEN: i128 = 1_000_000;

fn range<'v>(_: &mut FnCtx<'_>, args: &[Value<'v>]) -> R<'v> {
    let (a, b) = (int_arg(args, 0)?, int_arg(args, 1)?);
    if i128::from(b) - i128::from(a) > MAX_LEN {
        return Err(FnError::new(format!(
            "a range of more than {MAX_LEN} elements"
        )));
    }
    Ok(Value::Array((a..b).map(Value::I64).collect()))
}

fn contains<'v>(_: &mut FnCtx<'_>, args: &[Value<'v>]) -> R<'v> {
    let r = array_arg(args, 0)?;
    let n = arg(args, 1)?;
    // As tremor defines it: between the first and the last element, inclusive.
    let inside = match (r.first(), r.last()) {
        (Some(first), Some(last)) => {
            matches!(first.partial_cmp(n), Some(Ordering::Less | Ordering::Equal))
                && matches!(
                    last.partial_cmp(n),
                    Some(Ordering::Greater | Ordering::Equal)
                )
        }
        _ => false,
    };
    Ok(Value::Bool(inside))
}

/// The module's functions.
pub static FUNCTIONS: &[FnDef] = &[
    FnDef {
        name: "range",
        params: &["a", "b"],
        arity: Arity::Exact(2),
        pure: true,
        f: range,
        doc:
            "The integers from `a` up to, not including, `b` (empty when b <= a; at most 1000000).",
        examples: &[
            ("std::range::range(0, 3)", "[0,1,2]"),
            ("std::range::range(3, 0)", "[]"),
        ],
    },
    FnDef {
        name: "contains",
        params: &["r", "n"],
        arity: Arity::Exact(2),
        pure: true,
        f: contains,
        doc: "Whether `n` lies between the first and the last element of the range, inclusive.",
        examples: &[
            ("std::range::contains(std::range::range(0, 3), 2)", "true"),
            ("std::range::contains(std::range::range(0, 3), 3)", "false"),
        ],
    },
];

#[cfg(test)]
mod tests {
    use super::super::testing::{check, check_err};

    const M: &str = "std::range";

    #[test]
    fn builds_half_open_ranges() {
        check(M, "range", &["-2", "1"], "[-2,-1,0]");
        check(M, "range", &["5", "5"], "[]");
        check(
            M,
            "range",
            &["9223372036854775806", "9223372036854775807"],
            "[9223372036854775806]",
        );
    }

    #[test]
    fn refuses_huge_or_bad_ranges() {
        check_err(M, "range", &["0", "1000001"], "more than 1000000");
        check_err(
            M,
            "range",
            &["-9223372036854775808", "9223372036854775807"],
            "more than",
        );
        check_err(
            M,
            "range",
            &["0", "1.5"],
            "expected an integer for argument 2",
        );
        check_err(M, "range", &["0", "18446744073709551615"], "too large");
    }

    #[test]
    fn contains_checks_the_bounds() {
        check(M, "contains", &["[]", "0"], "false");
        check(M, "contains", &["[0, 1, 2]", "0"], "true");
        check(M, "contains", &["[0, 1, 2]", "1.5"], "true");
        check(M, "contains", &["[0, 1, 2]", "-1"], "false");
        check(M, "contains", &["[0, 1, 2]", "\"1\""], "false");
        check_err(M, "contains", &["{}", "1"], "expected an array");
    }
}
