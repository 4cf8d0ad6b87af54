//! The standard library: native functions callable as `module::path::name(args)`, and the
//! constants some modules define (`std::time::nanos::NANOS_PER_SECOND`, ...).
//!
//! Each module is a file exposing a `static FUNCTIONS: &[FnDef]`; [`lookup`] resolves a
//! module path with a plain `match`, so there is no registry to initialise or share. The
//! compiler resolves every call once at compile time (unknown names and wrong arity are
//! compile errors) and the interpreter calls the `FnDef::f` pointer directly.
//!
//! Names, arities and behaviour follow tremor's documented library (0.12/0.13); where tremor
//! would panic, wrap around or allocate without bound, these return an [`FnError`] instead.
//! [`reference_markdown`] renders the reference page `script/STDLIB.md` from the same data.

mod args;
mod consts;
mod def;
mod env;
mod reference;

mod array;
mod base64;
mod binary;
mod chash;
mod datetime;
mod datetime_arg;
mod float;
mod integer;
mod json;
mod math;
mod nanos;
mod origin;
mod path;
mod random;
mod range;
mod re;
mod record;
mod size;
mod string;
mod string_format;
mod system;
mod test_fns;
mod types;
mod url;

pub use consts::{constant, constants, CONST_MODULES};
pub use def::{Arity, ConstDef, ConstValue, FnDef, FnError, NativeFn};
pub use env::{Clock, Env, FnCtx, JsonScratch, RandomState, RegexCache};
pub use origin::origin_from_uri;
pub use reference::reference_markdown;

/// Every module path the library provides functions in.
pub const MODULES: &[&str] = &[
    "std::array",
    "std::base64",
    "std::binary",
    "std::datetime",
    "std::float",
    "std::integer",
    "std::json",
    "std::math",
    "std::path",
    "std::random",
    "std::range",
    "std::re",
    "std::record",
    "std::size",
    "std::string",
    "std::test",
    "std::time::nanos",
    "std::type",
    "std::url",
    "tremor::chash",
    "tremor::origin",
    "tremor::system",
];

/// The functions of module `path` (like `"std::string"`).
#[must_use]
pub fn module(path: &str) -> Option<&'static [FnDef]> {
    match path {
        "std::array" => Some(array::FUNCTIONS),
        "std::base64" => Some(base64::FUNCTIONS),
        "std::binary" => Some(binary::FUNCTIONS),
        "std::datetime" => Some(datetime::FUNCTIONS),
        "std::float" => Some(float::FUNCTIONS),
        "std::integer" => Some(integer::FUNCTIONS),
        "std::json" => Some(json::FUNCTIONS),
        "std::math" => Some(math::FUNCTIONS),
        "std::path" => Some(path::FUNCTIONS),
        "std::random" => Some(random::FUNCTIONS),
        "std::range" => Some(range::FUNCTIONS),
        "std::re" => Some(re::FUNCTIONS),
        "std::record" => Some(record::FUNCTIONS),
        "std::size" => Some(size::FUNCTIONS),
        "std::string" => Some(string::FUNCTIONS),
        "std::test" => Some(test_fns::FUNCTIONS),
        "std::time::nanos" => Some(nanos::FUNCTIONS),
        "std::type" => Some(types::FUNCTIONS),
        "std::url" => Some(url::FUNCTIONS),
        "tremor::chash" => Some(chash::FUNCTIONS),
        "tremor::origin" => Some(origin::FUNCTIONS),
        "tremor::system" => Some(system::FUNCTIONS),
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
    use crate::Value;

    /// The environment every direct test runs in: the clock stands at 1s after the epoch.
    pub(crate) fn test_env() -> Env {
        Env {
            clock: Clock::Fixed(1_000_000_000),
            hostname: "testhost".to_string(),
            instance: "sluice".to_string(),
            ..Env::default()
        }
    }

    /// Calls `module::name` on `args` with a fixed clock, ingest time 42 and no origin.
    pub(crate) fn call<'v>(
        module: &str,
        name: &str,
        args: &[Value<'v>],
    ) -> Result<Value<'v>, FnError> {
        let mut env = test_env();
        call_in(&mut env, 42, None, module, name, args)
    }

    /// Calls `module::name` with the given environment, ingest time and origin.
    pub(crate) fn call_in<'v>(
        env: &mut Env,
        ingest_ns: u64,
        origin: Option<&Value<'static>>,
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
        let mut ctx = FnCtx::new(env, ingest_ns, origin);
        (f.f)(&mut ctx, args)
    }

    /// Parses JSON test data.
    pub(crate) fn json(s: &str) -> Value<'static> {
        let mut d = crate::JsonDecoder::new();
        let mut buf = s.as_bytes().to_vec();
        d.decode(&mut buf)
            .unwrap_or_else(|e| panic!("bad test JSON {s}: {e}"))
            .into_static()
    }

    /// Calls with JSON-written arguments and returns the result as JSON.
    pub(crate) fn call_json(module: &str, name: &str, args: &[&str]) -> Result<String, FnError> {
        let args: Vec<Value<'static>> = args.iter().map(|a| json(a)).collect();
        call(module, name, &args).map(|v| v.to_json())
    }

    /// Asserts that `module::name(args)` gives `expected` (JSON, compared as values).
    #[track_caller]
    pub(crate) fn check(module: &str, name: &str, args: &[&str], expected: &str) {
        let argv: Vec<Value<'static>> = args.iter().map(|a| json(a)).collect();
        match call(module, name, &argv) {
            Ok(got) => assert!(
                got == json(expected) && same_kinds(&got, &json(expected)),
                "{module}::{name}({}) = {}, expected {expected}",
                args.join(", "),
                got.to_json()
            ),
            Err(e) => panic!(
                "{module}::{name}({}) failed: {e}, expected {expected}",
                args.join(", ")
            ),
        }
    }

    /// Asserts that `module::name(args)` is an error whose message contains `needle`.
    #[track_caller]
    pub(crate) fn check_err(module: &str, name: &str, args: &[&str], needle: &str) {
        match call_json(module, name, args) {
            Ok(v) => panic!(
                "{module}::{name}({}) = {v}, expected an error",
                args.join(", ")
            ),
            Err(e) => assert!(
                e.message.contains(needle),
                "{module}::{name}({}) error {:?} lacks {needle:?}",
                args.join(", "),
                e.message
            ),
        }
    }

    /// Equality that also tells integers from floats (`Value`'s `==` says `1 == 1.0`).
    pub(crate) fn same_kinds(a: &Value<'_>, b: &Value<'_>) -> bool {
        match (a, b) {
            (Value::Array(x), Value::Array(y)) => {
                x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same_kinds(a, b))
            }
            (Value::Record(x), Value::Record(y)) => {
                x.len() == y.len()
                    && x.iter()
                        .all(|(k, v)| y.get(k).is_some_and(|w| same_kinds(v, w)))
            }
            _ => a.value_type() == b.value_type(),
        }
    }
}

#[cfg(test)]
mod tests;
