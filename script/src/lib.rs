//! # sluice-script
//!
//! The event value type every Sluice component shares, and the tremor-script compatible
//! language that transforms events.
//!
//! Principal types:
//! - [`Value`]: null, bool, i64, u64, f64, string, binary, array and insertion-ordered
//!   [`Record`]; strings borrow from the decode buffer where they can.
//! - [`JsonDecoder`]: simd-json based decoding with buffers reused across events.
//! - [`Script`]: a compiled script (compile once, share through an `Arc`);
//!   [`Diagnostics`] explain why a script does not compile.
//! - [`Runner`]: runs a script on (event, metadata, state), one per shard; returns an
//!   [`Outcome`] (emit to a port, or drop) or a [`RuntimeError`].
//!
//! ```
//! use std::sync::Arc;
//! use sluice_script::{CompileOptions, JsonDecoder, Outcome, Runner, Script, Value};
//! use sluice_script::stdlib::Env;
//!
//! let src = r#"
//!   match event of
//!     case %{ level == "error" } => let $class = "alert"
//!     default => let $class = "bulk"
//!   end;
//!   emit event
//! "#;
//! let script = Script::compile(src, &CompileOptions::new("classify.tremor")).unwrap();
//! let mut runner = Runner::new(Arc::new(script), Env::default(), Value::Null);
//!
//! let mut dec = JsonDecoder::new();
//! let mut line = br#"{"level":"error","n":3}"#.to_vec();
//! let mut event = dec.decode(&mut line).unwrap();
//! let mut meta = Value::record();
//! let out = runner.run(&mut event, &mut meta, 0, None).unwrap();
//! assert_eq!(out, Outcome::Emit { port: 0, event_changed: false });
//! assert_eq!(meta.get("class").and_then(Value::as_str), Some("alert"));
//! assert_eq!(event.to_json(), r#"{"level":"error","n":3}"#);
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
    write_json, write_json_sorted, write_json_string, JsonDecoder, JsonError, JsonPatch, Record,
    Value, ValueType,
};
