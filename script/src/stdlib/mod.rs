//! The standard library: native functions callable as `module::path::name(args)`.
//!
//! Each module is a file exposing a `static FUNCTIONS: &[FnDef]`; [`lookup`] resolves a
//! module path with a plain `match`, so there is no registry to initialise or share. The
//! compiler resolves every call once at compile time (unknown names and wrong arity are
//! compile errors) and the interpreter calls the `FnDef::f` pointer directly.

mod string;
mod types;

use crate::Value;

/// Per-shard environment the functions may read: clock, host identity, randomness.
/// One per shard (it is `!Sync` by intent); tests build one with a fixed clock.
#[derive(Debug, Clone)]
pub struct Env {
    /// Where "now" comes from.
    pub clock: Clock,
    /// `tremor::system::hostname()`.
    pub hostname: String,
    /// `tremor::system::instance()`.
    pub instance: String,
}

/// A clock that tests can drive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clock {
    /// The system's real-time clock.
    System,
    /// Always this many nanoseconds since the epoch.
    Fixed(u64),
}

impl Clock {
    /// Nanoseconds since the Unix epoch.
    #[must_use]
    pub fn now_ns(self) -> u64 {
        match self {
            Clock::System => std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
                .unwrap_or(0),
            Clock::Fixed(n) => n,
        }
    }
}

impl Default for Env {
    fn default() -> Self {
        Env {
            clock: Clock::System,
            hostname: String::new(),
            instance: "sluice".to_string(),
        }
    }
}

/// What a function sees besides its arguments.
pub struct FnCtx<'c> {
    /// The shard's environment.
    pub env: &'c mut Env,
    /// The current event's ingest timestamp (ns since the epoch).
    pub ingest_ns: u64,
    /// The current event's origin as a record `{scheme, host, port, path}`, if known.
    pub origin: Option<&'c Value<'static>>,
}

/// A function's failure at run time (bad argument type, out of range, ...). The interpreter
/// wraps it with the call's span.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct FnError {
    /// What went wrong.
    pub message: String,
}

impl FnError {
    /// An error with `message`.
    pub fn new(message: impl Into<String>) -> Self {
        FnError {
            message: message.into(),
        }
    }

    /// "expected <what> for argument N, got <type>".
    #[must_use]
    pub fn bad_arg(index: usize, what: &str, got: &Value<'_>) -> Self {
        FnError {
            message: format!(
                "expected {what} for argument {}, got {}",
                index + 1,
                got.value_type()
            ),
        }
    }
}

/// A native function.
pub type NativeFn = for<'v> fn(&mut FnCtx<'_>, &[Value<'v>]) -> Result<Value<'v>, FnError>;

/// How many arguments a function takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arity {
    /// Exactly this many.
    Exact(usize),
    /// At least `min`, at most `max`.
    Range(usize, usize),
    /// At least this many (varargs).
    AtLeast(usize),
}

impl Arity {
    /// Does `n` arguments fit?
    #[must_use]
    pub fn accepts(self, n: usize) -> bool {
        match self {
            Arity::Exact(a) => n == a,
            Arity::Range(lo, hi) => (lo..=hi).contains(&n),
            Arity::AtLeast(lo) => n >= lo,
        }
    }
}

impl std::fmt::Display for Arity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Arity::Exact(n) => write!(f, "{n}"),
            Arity::Range(lo, hi) => write!(f, "{lo} to {hi}"),
            Arity::AtLeast(n) => write!(f, "at least {n}"),
        }
    }
}

/// One standard-library function.
#[derive(Debug)]
pub struct FnDef {
    /// Its name within the module.
    pub name: &'static str,
    /// Number of arguments.
    pub arity: Arity,
    /// Same arguments always give the same result and nothing else is read: the compiler
    /// may fold calls with constant arguments.
    pub pure: bool,
    /// The implementation.
    pub f: NativeFn,
    /// One line saying what it does.
    pub doc: &'static str,
    /// Examples: a tremor expression and the JSON it evaluates to. They run as tests.
    pub examples: &'static [(&'static str, &'static str)],
}

/// Every module path the library provides.
pub const MODULES: &[&str] = &["std::string", "std::type"];

/// The functions of module `path` (like `"std::string"`).
#[must_use]
pub fn module(path: &str) -> Option<&'static [FnDef]> {
    match path {
        "std::string" => Some(string::FUNCTIONS),
        "std::type" => Some(types::FUNCTIONS),
        _ => None,
    }
}

/// Resolves `module::name`.
#[must_use]
pub fn lookup(module_path: &str, name: &str) -> Option<&'static FnDef> {
    module(module_path)?.iter().find(|f| f.name == name)
}

#[cfg(test)]
pub(crate) mod testing {
    use super::*;

    /// Calls `module::name` on `args` with a fixed clock.
    pub(crate) fn call<'v>(
        module: &str,
        name: &str,
        args: &[Value<'v>],
    ) -> Result<Value<'v>, FnError> {
        let f = lookup(module, name).unwrap_or_else(|| panic!("{module}::{name} exists"));
        assert!(
            f.arity.accepts(args.len()),
            "{module}::{name} takes {} args",
            f.arity
        );
        let mut env = Env {
            clock: Clock::Fixed(1_000_000_000),
            ..Env::default()
        };
        let mut ctx = FnCtx {
            env: &mut env,
            ingest_ns: 42,
            origin: None,
        };
        (f.f)(&mut ctx, args)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_module_resolves_and_documents_its_functions() {
        for m in MODULES {
            let fns = module(m).unwrap_or_else(|| panic!("{m} resolves"));
            for f in fns {
                assert!(!f.doc.is_empty(), "{m}::{} has a doc line", f.name);
                assert!(!f.examples.is_empty(), "{m}::{} has an example", f.name);
                assert!(lookup(m, f.name).is_some());
            }
        }
        assert!(lookup("std::string", "no_such_fn").is_none());
        assert!(module("std::nope").is_none());
    }
}
