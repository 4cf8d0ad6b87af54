//! The event value: what every codec decodes into and every script works on.
//!
//! Strings, binaries and record keys are `Cow`s so that a decoded event borrows from the
//! shard's receive buffer instead of allocating; [`Value::into_static`] detaches a value
//! from its buffer when it must outlive it (script `state`, values crossing a batch).

mod cmp;
mod index;
mod json;
mod partial;
mod record;

use std::borrow::Cow;

pub use json::{write_json, write_json_sorted, write_json_string, JsonDecoder, JsonError};
pub use partial::JsonPatch;
pub(crate) use record::short_eq;
pub use record::Record;

/// A JSON-like value with integers kept apart from floats, and binary data.
#[derive(Debug, Clone, Default)]
pub enum Value<'a> {
    /// `null`
    #[default]
    Null,
    /// `true` / `false`
    Bool(bool),
    /// A signed integer; JSON integers that fit are decoded here.
    I64(i64),
    /// An unsigned integer above `i64::MAX`.
    U64(u64),
    /// A 64-bit float.
    F64(f64),
    /// A UTF-8 string, borrowed from the input where possible.
    String(Cow<'a, str>),
    /// Raw bytes (tremor's binary type).
    Bytes(Cow<'a, [u8]>),
    /// An array.
    Array(Vec<Value<'a>>),
    /// A record whose keys keep their insertion order.
    Record(Record<'a>),
}

/// The name of a value's type, as `std::type::as_string` reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ValueType {
    /// null
    Null,
    /// bool
    Bool,
    /// integer (signed or unsigned)
    Integer,
    /// float
    Float,
    /// string
    String,
    /// binary
    Bytes,
    /// array
    Array,
    /// record
    Record,
}

impl ValueType {
    /// The tremor name of the type (`"integer"`, `"record"`, ...).
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            ValueType::Null => "null",
            ValueType::Bool => "bool",
            ValueType::Integer => "integer",
            ValueType::Float => "float",
            ValueType::String => "string",
            ValueType::Bytes => "binary",
            ValueType::Array => "array",
            ValueType::Record => "record",
        }
    }
}

impl std::fmt::Display for ValueType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl<'a> Value<'a> {
    /// An empty record.
    #[must_use]
    pub fn record() -> Self {
        Value::Record(Record::new())
    }

    /// An empty array.
    #[must_use]
    pub fn array() -> Self {
        Value::Array(Vec::new())
    }

    /// A borrowed string value.
    #[must_use]
    pub fn str(s: &'a str) -> Self {
        Value::String(Cow::Borrowed(s))
    }

    /// The value's type.
    #[must_use]
    pub fn value_type(&self) -> ValueType {
        match self {
            Value::Null => ValueType::Null,
            Value::Bool(_) => ValueType::Bool,
            Value::I64(_) | Value::U64(_) => ValueType::Integer,
            Value::F64(_) => ValueType::Float,
            Value::String(_) => ValueType::String,
            Value::Bytes(_) => ValueType::Bytes,
            Value::Array(_) => ValueType::Array,
            Value::Record(_) => ValueType::Record,
        }
    }

    /// `true` for `null`.
    #[must_use]
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// The boolean, if this is one.
    #[must_use]
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The integer as `i64`, if it is an integer that fits.
    #[must_use]
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::I64(i) => Some(*i),
            Value::U64(u) => i64::try_from(*u).ok(),
            _ => None,
        }
    }

    /// The integer as `u64`, if it is a non-negative integer.
    #[must_use]
    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Value::I64(i) => u64::try_from(*i).ok(),
            Value::U64(u) => Some(*u),
            _ => None,
        }
    }

    /// Any number as `f64` (integers are converted).
    #[must_use]
    #[allow(clippy::cast_precision_loss)]
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::I64(i) => Some(*i as f64),
            Value::U64(u) => Some(*u as f64),
            Value::F64(f) => Some(*f),
            _ => None,
        }
    }

    /// The string, if this is one.
    #[must_use]
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The bytes of a binary value.
    #[must_use]
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            Value::Bytes(b) => Some(b),
            _ => None,
        }
    }

    /// The array, if this is one.
    #[must_use]
    pub fn as_array(&self) -> Option<&Vec<Value<'a>>> {
        match self {
            Value::Array(a) => Some(a),
            _ => None,
        }
    }

    /// The array, mutably.
    pub fn as_array_mut(&mut self) -> Option<&mut Vec<Value<'a>>> {
        match self {
            Value::Array(a) => Some(a),
            _ => None,
        }
    }

    /// The record, if this is one.
    #[must_use]
    pub fn as_record(&self) -> Option<&Record<'a>> {
        match self {
            Value::Record(r) => Some(r),
            _ => None,
        }
    }

    /// The record, mutably.
    pub fn as_record_mut(&mut self) -> Option<&mut Record<'a>> {
        match self {
            Value::Record(r) => Some(r),
            _ => None,
        }
    }

    /// Looks up `key` if this is a record.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<&Value<'a>> {
        self.as_record().and_then(|r| r.get(key))
    }

    /// Looks up `idx` if this is an array.
    #[must_use]
    pub fn get_idx(&self, idx: usize) -> Option<&Value<'a>> {
        self.as_array().and_then(|a| a.get(idx))
    }

    /// Inserts `key` into a record value; returns the previous value.
    /// Does nothing (returns `None`) if this is not a record.
    pub fn insert(&mut self, key: impl Into<Cow<'a, str>>, value: Value<'a>) -> Option<Value<'a>> {
        self.as_record_mut().and_then(|r| r.insert(key, value))
    }

    /// Detaches the value from any borrowed buffer.
    #[must_use]
    pub fn into_static(self) -> Value<'static> {
        match self {
            Value::Null => Value::Null,
            Value::Bool(b) => Value::Bool(b),
            Value::I64(i) => Value::I64(i),
            Value::U64(u) => Value::U64(u),
            Value::F64(f) => Value::F64(f),
            Value::String(s) => Value::String(Cow::Owned(s.into_owned())),
            Value::Bytes(b) => Value::Bytes(Cow::Owned(b.into_owned())),
            Value::Array(a) => Value::Array(a.into_iter().map(Value::into_static).collect()),
            Value::Record(r) => Value::Record(r.into_static()),
        }
    }

    /// A detached deep copy.
    #[must_use]
    pub fn clone_static(&self) -> Value<'static> {
        self.clone().into_static()
    }

    /// Serialises the value as compact JSON (keys in insertion order).
    #[must_use]
    pub fn to_json(&self) -> String {
        let mut out = Vec::with_capacity(64);
        write_json(self, &mut out);
        // The writer only emits valid UTF-8: strings are copied whole and everything else is ASCII.
        String::from_utf8(out).unwrap_or_default()
    }
}

impl From<bool> for Value<'_> {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}
impl From<i64> for Value<'_> {
    fn from(i: i64) -> Self {
        Value::I64(i)
    }
}
impl From<i32> for Value<'_> {
    fn from(i: i32) -> Self {
        Value::I64(i64::from(i))
    }
}
impl From<u64> for Value<'_> {
    fn from(u: u64) -> Self {
        match i64::try_from(u) {
            Ok(i) => Value::I64(i),
            Err(_) => Value::U64(u),
        }
    }
}
impl From<usize> for Value<'_> {
    fn from(u: usize) -> Self {
        Value::from(u as u64)
    }
}
impl From<f64> for Value<'_> {
    fn from(f: f64) -> Self {
        Value::F64(f)
    }
}
impl<'a> From<&'a str> for Value<'a> {
    fn from(s: &'a str) -> Self {
        Value::String(Cow::Borrowed(s))
    }
}
impl From<String> for Value<'_> {
    fn from(s: String) -> Self {
        Value::String(Cow::Owned(s))
    }
}
impl<'a> From<Cow<'a, str>> for Value<'a> {
    fn from(s: Cow<'a, str>) -> Self {
        Value::String(s)
    }
}
impl<'a> From<Vec<Value<'a>>> for Value<'a> {
    fn from(a: Vec<Value<'a>>) -> Self {
        Value::Array(a)
    }
}
impl<'a> From<Record<'a>> for Value<'a> {
    fn from(r: Record<'a>) -> Self {
        Value::Record(r)
    }
}
impl<'a> From<Vec<u8>> for Value<'a> {
    fn from(b: Vec<u8>) -> Self {
        Value::Bytes(Cow::Owned(b))
    }
}

impl std::fmt::Display for Value<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_json())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_is_small() {
        // Values are copied around on every event; keep them at four words.
        assert_eq!(std::mem::size_of::<Value<'_>>(), 32);
    }

    #[test]
    fn from_u64_prefers_signed() {
        assert!(matches!(Value::from(5u64), Value::I64(5)));
        assert!(matches!(Value::from(u64::MAX), Value::U64(u64::MAX)));
    }

    #[test]
    fn into_static_detaches() {
        let buf = String::from("hello");
        let v = Value::str(&buf);
        let s: Value<'static> = v.into_static();
        drop(buf);
        assert_eq!(s.as_str(), Some("hello"));
    }
}
