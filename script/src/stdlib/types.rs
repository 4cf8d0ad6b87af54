//! `std::type`.

use std::borrow::Cow;

use super::{Arity, FnCtx, FnDef, FnError};
use crate::Value;

fn as_string<'v>(_: &mut FnCtx<'_>, args: &[Value<'v>]) -> Result<Value<'v>, FnError> {
    let v = args
        .first()
        .ok_or_else(|| FnError::new("missing argument 1"))?;
    Ok(Value::String(Cow::Borrowed(v.value_type().name())))
}

/// The module's functions.
pub static FUNCTIONS: &[FnDef] = &[FnDef {
    name: "as_string",
    arity: Arity::Exact(1),
    pure: true,
    f: as_string,
    doc:
        "The name of the value's type: null, bool, integer, float, string, binary, array or record.",
    examples: &[("std::type::as_string([])", r#""array""#)],
}];
