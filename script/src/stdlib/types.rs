//! `std::type`.

use super::args::arg;
use super::{Arity, FnCtx, FnDef, FnError};
use crate::Value;

type R<'v> = Result<Value<'v>, FnError>;

fn as_string<'v>(_: &mut FnCtx<'_>, args: &[Value<'v>]) -> R<'v> {
    // Tremor names its binary type "bytes" here (and "binary" in the docs elsewhere).
    let name = match arg(args, 0)? {
        Value::Bytes(_) => "bytes",
        v => v.value_type().name(),
    };
    Ok(Value::str(name))
}

macro_rules! predicate {
    ($name:ident, $pat:pat) => {
        fn $name<'v>(_: &mut FnCtx<'_>, args: &[Value<'v>]) -> R<'v> {
            Ok(Value::Bool(matches!(arg(args, 0)?, $pat)))
        }
    };
}

predicate!(is_null, Value::Null);
predicate!(is_bool, Value::Bool(_));
predicate!(is_integer, Value::I64(_) | Value::U64(_));
predicate!(is_float, Value::F64(_));
predicate!(is_number, Value::I64(_) | Value::U64(_) | Value::F64(_));
predicate!(is_string, Value::String(_));
predicate!(is_array, Value::Array(_));
predicate!(is_record, Value::Record(_));
predicate!(is_binary, Value::Bytes(_));

/// The module's functions.
pub static FUNCTIONS: &[FnDef] = &[
    FnDef {
        name: "as_string",
        params: &["value"],
        arity: Arity::Exact(1),
        pure: true,
        f: as_string,
        doc: "The name of the value's type: null, bool, integer, float, string, bytes, array or record.",
        examples: &[
            ("std::type::as_string([])", r#""array""#),
            ("std::type::as_string(1.0e23)", r#""float""#),
            (r#"std::type::as_string(std::string::into_binary("x"))"#, r#""bytes""#),
        ],
    },
    FnDef {
        name: "is_null",
        params: &["value"],
        arity: Arity::Exact(1),
        pure: true,
        f: is_null,
        doc: "Whether the value is null.",
        examples: &[("std::type::is_null(null)", "true")],
    },
    FnDef {
        name: "is_bool",
        params: &["value"],
        arity: Arity::Exact(1),
        pure: true,
        f: is_bool,
        doc: "Whether the value is a boolean.",
        examples: &[("std::type::is_bool(false)", "true")],
    },
    FnDef {
        name: "is_integer",
        params: &["value"],
        arity: Arity::Exact(1),
        pure: true,
        f: is_integer,
        doc: "Whether the value is an integer.",
        examples: &[("std::type::is_integer(1)", "true"), ("std::type::is_integer(1.1)", "false")],
    },
    FnDef {
        name: "is_float",
        params: &["value"],
        arity: Arity::Exact(1),
        pure: true,
        f: is_float,
        doc: "Whether the value is a float.",
        examples: &[("std::type::is_float(1.0)", "true"), ("std::type::is_float(1)", "false")],
    },
    FnDef {
        name: "is_number",
        params: &["value"],
        arity: Arity::Exact(1),
        pure: true,
        f: is_number,
        doc: "Whether the value is an integer or a float.",
        examples: &[("std::type::is_number(1.5)", "true"), (r#"std::type::is_number("1")"#, "false")],
    },
    FnDef {
        name: "is_string",
        params: &["value"],
        arity: Arity::Exact(1),
        pure: true,
        f: is_string,
        doc: "Whether the value is a string.",
        examples: &[(r#"std::type::is_string("goose")"#, "true")],
    },
    FnDef {
        name: "is_array",
        params: &["value"],
        arity: Arity::Exact(1),
        pure: true,
        f: is_array,
        doc: "Whether the value is an array.",
        examples: &[("std::type::is_array([])", "true"), ("std::type::is_array({})", "false")],
    },
    FnDef {
        name: "is_record",
        params: &["value"],
        arity: Arity::Exact(1),
        pure: true,
        f: is_record,
        doc: "Whether the value is a record.",
        examples: &[("std::type::is_record({})", "true")],
    },
    FnDef {
        name: "is_binary",
        params: &["value"],
        arity: Arity::Exact(1),
        pure: true,
        f: is_binary,
        doc: "Whether the value is a binary.",
        examples: &[
            (r#"std::type::is_binary(std::string::into_binary("x"))"#, "true"),
            ("std::type::is_binary(true)", "false"),
        ],
    },
];

#[cfg(test)]
mod tests {
    use super::super::testing::{call, check};
    use crate::Value;

    const M: &str = "std::type";

    #[test]
    fn names_every_type() {
        for (v, name) in [
            ("null", "null"),
            ("true", "bool"),
            ("-3", "integer"),
            ("18446744073709551615", "integer"),
            ("1.5", "float"),
            (r#""s""#, "string"),
            ("[1]", "array"),
            (r#"{"a":1}"#, "record"),
        ] {
            check(M, "as_string", &[v], &format!("\"{name}\""));
        }
        let b = call(M, "as_string", &[Value::from(vec![1u8])]);
        assert_eq!(b, Ok(Value::str("bytes")));
    }

    #[test]
    fn predicates_partition_the_types() {
        let preds = [
            "is_null",
            "is_bool",
            "is_integer",
            "is_float",
            "is_string",
            "is_array",
            "is_record",
        ];
        let samples = ["null", "false", "7", "7.5", r#""x""#, "[]", "{}"];
        for (i, p) in preds.iter().enumerate() {
            for (j, s) in samples.iter().enumerate() {
                check(M, p, &[s], if i == j { "true" } else { "false" });
            }
        }
        check(M, "is_number", &["18446744073709551615"], "true");
        check(M, "is_number", &["null"], "false");
        check(M, "is_binary", &[r#""aGk=""#], "false");
        assert_eq!(
            call(M, "is_binary", &[Value::from(vec![0u8])]),
            Ok(Value::Bool(true))
        );
    }
}
