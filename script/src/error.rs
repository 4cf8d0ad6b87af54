//! The crate's one error type.

use crate::value::JsonError;

/// Everything that can go wrong in `sluice-script`.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A JSON document could not be decoded.
    #[error(transparent)]
    Json(#[from] JsonError),
}
