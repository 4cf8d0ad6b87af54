//! The tremor-script compatible language: parser, compiler, interpreter.

pub(crate) mod ast;
pub(crate) mod diagnostic;
pub(crate) mod parser;
pub(crate) mod span;
