//! `dissect`: an arbitrary pattern (first line) over an arbitrary input (the rest). A bad
//! pattern is a compile error; a compiled one never panics and its forms agree.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sluice_script::extractor::{Extractor, ExtractorConfig};

#[path = "extract_common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let Some((pattern, input)) = common::split(data) else {
        return;
    };
    if let Ok(e) = Extractor::compile("dissect", pattern, &ExtractorConfig::default()) {
        common::check(&e, input);
    }
});
