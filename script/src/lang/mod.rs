//! The tremor-script compatible language: parser, compiler, interpreter.

mod access;
pub(crate) mod ast;
mod compiler;
pub(crate) mod diagnostic;
mod intern;
mod interp;
mod ir;
pub(crate) mod parser;
mod runner;
pub(crate) mod span;

pub use diagnostic::{codes, Diagnostic, Diagnostics, SourceFile};
pub use runner::{CompileOptions, Outcome, Runner, RuntimeError, Script};
pub use span::Span;
