//! What a library function is: its arity, its implementation and its documentation.

use super::FnCtx;
use crate::Value;

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

    /// "argument N <why>" for a value of the right type that is out of range or malformed.
    #[must_use]
    pub fn bad_value(index: usize, why: impl std::fmt::Display) -> Self {
        FnError {
            message: format!("argument {} {why}", index + 1),
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
    /// Its parameters' names as tremor documents them; `"..."` stands for any further ones.
    pub params: &'static [&'static str],
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

/// The value of a module constant.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ConstValue {
    /// A signed integer.
    Int(i64),
    /// An unsigned integer (above `i64::MAX`).
    Uint(u64),
    /// A string.
    Str(&'static str),
}

impl ConstValue {
    /// The constant as a script value.
    #[must_use]
    pub fn to_value(self) -> Value<'static> {
        match self {
            ConstValue::Int(i) => Value::I64(i),
            ConstValue::Uint(u) => Value::from(u),
            ConstValue::Str(s) => Value::str(s),
        }
    }
}

/// One module constant, like `std::time::nanos::NANOS_PER_SECOND`.
#[derive(Debug)]
pub struct ConstDef {
    /// Its name within the module.
    pub name: &'static str,
    /// Its value.
    pub value: ConstValue,
    /// One line saying what it is.
    pub doc: &'static str,
}
