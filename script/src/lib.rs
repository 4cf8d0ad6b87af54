//! # sluice-script
//!
//! The event value type every Sluice component shares, and (as it lands) the
//! tremor-script compatible language that transforms events.
//!
//! Principal types:
//! - [`Value`]: null, bool, i64, u64, f64, string, binary, array and insertion-ordered
//!   [`Record`]; strings borrow from the decode buffer where they can.
//! - [`JsonDecoder`]: simd-json based decoding with buffers reused across events.
//!
//! ```
//! use sluice_script::{JsonDecoder, Value};
//!
//! let mut dec = JsonDecoder::new();
//! let mut line = br#"{"level":"warn","n":3}"#.to_vec();
//! let v = dec.decode(&mut line).unwrap();
//! assert_eq!(v.get("level").and_then(Value::as_str), Some("warn"));
//! assert_eq!(v.to_json(), r#"{"level":"warn","n":3}"#);
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod error;
pub mod extractor;
mod lang;
pub mod stdlib;
mod value;

pub use error::Error;
pub use lang::{
    codes, CompileOptions, Diagnostic, Diagnostics, Outcome, Runner, RuntimeError, Script,
    SourceFile, Span,
};
pub use value::{
    write_json, write_json_sorted, write_json_string, JsonDecoder, JsonError, Record, Value,
    ValueType,
};
