//! `std::size`: binary size units in bytes (tremor writes these in tremor-script).

use super::nanos::scale;
use super::{Arity, FnCtx, FnDef, FnError};
use crate::Value;

type R<'v> = Result<Value<'v>, FnError>;

macro_rules! units {
    ($($name:ident = $shift:expr;)*) => {
        $(
            #[allow(non_snake_case)]
            fn $name<'v>(_: &mut FnCtx<'_>, args: &[Value<'v>]) -> R<'v> {
                scale(args, 1_i64 << $shift, "the byte count")
            }
        )*
    };
}

units! {
    kiB = 10;
    MiB = 20;
    GiB = 30;
    TiB = 40;
    PiB = 50;
    EiB = 60;
}

/// The module's functions.
pub static FUNCTIONS: &[FnDef] = &[
    FnDef {
        name: "kiB",
        params: &["size"],
        arity: Arity::Exact(1),
        pure: true,
        f: kiB,
        doc: "Bytes in the given number of kibibytes (1024 bytes).",
        examples: &[("std::size::kiB(10)", "10240")],
    },
    FnDef {
        name: "MiB",
        params: &["size"],
        arity: Arity::Exact(1),
        pure: true,
        f: MiB,
        doc: "Bytes in the given number of mebibytes (1024 kiB).",
        examples: &[("std::size::MiB(10)", "10485760")],
    },
    FnDef {
        name: "GiB",
        params: &["size"],
        arity: Arity::Exact(1),
        pure: true,
        f: GiB,
        doc: "Bytes in the given number of gibibytes (1024 MiB).",
        examples: &[("std::size::GiB(10)", "10737418240")],
    },
    FnDef {
        name: "TiB",
        params: &["size"],
        arity: Arity::Exact(1),
        pure: true,
        f: TiB,
        doc: "Bytes in the given number of tebibytes (1024 GiB).",
        examples: &[("std::size::TiB(10)", "10995116277760")],
    },
    FnDef {
        name: "PiB",
        params: &["size"],
        arity: Arity::Exact(1),
        pure: true,
        f: PiB,
        doc: "Bytes in the given number of pebibytes (1024 TiB).",
        examples: &[("std::size::PiB(10)", "11258999068426240")],
    },
    FnDef {
        name: "EiB",
        params: &["size"],
        arity: Arity::Exact(1),
        pure: true,
        f: EiB,
        doc: "Bytes in the given number of exbibytes (1024 PiB); more than 15 EiB overflows.",
        examples: &[("std::size::EiB(10)", "11529215046068469760")],
    },
];

#[cfg(test)]
mod tests {
    use super::super::testing::{check, check_err};

    const M: &str = "std::size";

    #[test]
    fn powers_of_1024() {
        check(M, "kiB", &["1"], "1024");
        check(M, "MiB", &["1"], "1048576");
        check(M, "GiB", &["1"], "1073741824");
        check(M, "TiB", &["1"], "1099511627776");
        check(M, "PiB", &["1"], "1125899906842624");
        check(M, "EiB", &["1"], "1152921504606846976");
        check(M, "kiB", &["0.5"], "512.0");
        check(M, "kiB", &["-2"], "-2048");
    }

    #[test]
    fn overflow_is_an_error() {
        check(M, "EiB", &["15"], "17293822569102704640");
        check_err(M, "EiB", &["16"], "overflows");
        check_err(M, "kiB", &["\"1\""], "expected a number");
    }
}
