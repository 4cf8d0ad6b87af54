//! Compiles arbitrary UTF-8 as a script and renders the diagnostics: neither may panic,
//! overflow the stack or hang.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sluice_script::{CompileOptions, Script};

fuzz_target!(|data: &[u8]| {
    let Ok(src) = std::str::from_utf8(data) else {
        return;
    };
    // No directory: `use` finds no module files, so the run does not depend on the disk.
    let opts = CompileOptions::new("");
    match Script::compile(src, &opts) {
        Ok(s) => {
            let _ = s.ports().len();
        }
        Err(d) => {
            let _ = d.to_string();
        }
    }
});
