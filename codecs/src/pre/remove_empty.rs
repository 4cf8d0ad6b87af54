//! `remove-empty`: drops empty frames (counted as `removed`), passes the rest unchanged.

use sluice_script::Record;

use super::FrameResult;
use crate::{options::Options, Error};

/// Counts the empty frames it drops.
#[derive(Debug, Default)]
pub struct RemoveEmpty {
    removed: u64,
}

impl RemoveEmpty {
    pub(crate) fn from_options(options: Option<&Record<'static>>) -> Result<Self, Error> {
        Options::new("remove-empty", options).finish()?;
        Ok(RemoveEmpty::default())
    }

    pub(crate) fn process(&mut self, input: &[u8], emit: &mut dyn FnMut(FrameResult<'_>)) {
        if input.is_empty() {
            self.removed += 1;
        } else {
            emit(Ok(input));
        }
    }

    pub(crate) fn counters(&self, f: &mut dyn FnMut(&'static str, u64)) {
        f("removed", self.removed);
    }
}
