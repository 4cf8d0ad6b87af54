//! The crate's one error type.

use crate::lang::{Diagnostics, RuntimeError};
use crate::value::JsonError;

/// Everything that can go wrong in `sluice-script`.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A JSON document could not be decoded.
    #[error(transparent)]
    Json(#[from] JsonError),
    /// A script did not compile.
    #[error("{0}")]
    Compile(#[from] Diagnostics),
    /// A script failed on an event.
    #[error("{0}")]
    Runtime(#[from] RuntimeError),
}
