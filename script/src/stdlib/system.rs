//! `tremor::system`: facts about the running process and the current event.

use super::{Arity, FnCtx, FnDef, FnError};
use crate::Value;

type R<'v> = Result<Value<'v>, FnError>;

fn nanotime<'v>(ctx: &mut FnCtx<'_>, _: &[Value<'v>]) -> R<'v> {
    Ok(Value::from(ctx.env.clock.now_ns()))
}

fn ingest_ns<'v>(ctx: &mut FnCtx<'_>, _: &[Value<'v>]) -> R<'v> {
    Ok(Value::from(ctx.ingest_ns))
}

fn hostname<'v>(ctx: &mut FnCtx<'_>, _: &[Value<'v>]) -> R<'v> {
    Ok(Value::from(ctx.env.hostname.clone()))
}

fn instance<'v>(ctx: &mut FnCtx<'_>, _: &[Value<'v>]) -> R<'v> {
    Ok(Value::from(ctx.env.instance.clone()))
}

fn version<'v>(_: &mut FnCtx<'_>, _: &[Value<'v>]) -> R<'v> {
    Ok(Value::str(env!("CARGO_PKG_VERSION")))
}

/// The module's functions.
pub static FUNCTIONS: &[FnDef] = &[
    FnDef {
        name: "nanotime",
        params: &[],
        arity: Arity::Exact(0),
        pure: false,
        f: nanotime,
        doc: "The current time in nanoseconds since the epoch.",
        examples: &[("std::type::is_integer(tremor::system::nanotime())", "true")],
    },
    FnDef {
        name: "ingest_ns",
        params: &[],
        arity: Arity::Exact(0),
        pure: false,
        f: ingest_ns,
        doc: "When the current event entered Sluice, in nanoseconds since the epoch.",
        examples: &[("std::type::is_integer(tremor::system::ingest_ns())", "true")],
    },
    FnDef {
        name: "hostname",
        params: &[],
        arity: Arity::Exact(0),
        pure: false,
        f: hostname,
        doc: "The name of the host Sluice runs on.",
        examples: &[("std::type::is_string(tremor::system::hostname())", "true")],
    },
    FnDef {
        name: "instance",
        params: &[],
        arity: Arity::Exact(0),
        pure: false,
        f: instance,
        doc: "The name of this Sluice instance (\"sluice\" unless configured).",
        examples: &[("std::type::is_string(tremor::system::instance())", "true")],
    },
    FnDef {
        name: "version",
        params: &[],
        arity: Arity::Exact(0),
        pure: true,
        f: version,
        doc: "Sluice's version as a string.",
        examples: &[("std::type::is_string(tremor::system::version())", "true")],
    },
];

#[cfg(test)]
mod tests {
    use super::super::testing::{call, call_in, test_env};
    use super::super::Clock;
    use crate::Value;

    const M: &str = "tremor::system";

    #[test]
    fn reads_the_environment() {
        assert_eq!(call(M, "nanotime", &[]), Ok(Value::I64(1_000_000_000)));
        assert_eq!(call(M, "ingest_ns", &[]), Ok(Value::I64(42)));
        assert_eq!(call(M, "hostname", &[]), Ok(Value::str("testhost")));
        assert_eq!(call(M, "instance", &[]), Ok(Value::str("sluice")));
        assert_eq!(
            call(M, "version", &[]),
            Ok(Value::str(env!("CARGO_PKG_VERSION")))
        );
        let mut env = test_env();
        env.clock = Clock::Fixed(u64::MAX);
        assert_eq!(
            call_in(&mut env, u64::MAX, None, M, "nanotime", &[]),
            Ok(Value::U64(u64::MAX))
        );
        assert_eq!(
            call_in(&mut env, u64::MAX, None, M, "ingest_ns", &[]),
            Ok(Value::U64(u64::MAX))
        );
    }

    #[test]
    fn the_system_clock_moves_forward() {
        let mut env = test_env();
        env.clock = Clock::System;
        let a = call_in(&mut env, 0, None, M, "nanotime", &[])
            .ok()
            .and_then(|v| v.as_u64());
        let b = call_in(&mut env, 0, None, M, "nanotime", &[])
            .ok()
            .and_then(|v| v.as_u64());
        assert!(a.is_some_and(|a| a > 1_600_000_000_000_000_000));
        assert!(b >= a);
    }
}
