//! Fuzzes the `separate` preprocessor: the first byte picks the read size, so frames straddle
//! reads; nothing may panic and every frame must respect the configured maximum.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sluice_codecs::PreprocessorChain;
use sluice_script::{Record, Value};

fuzz_target!(|data: &[u8]| {
    let Some((&step, data)) = data.split_first() else { return };
    let mut opts: Record<'static> = Record::new();
    opts.insert("name", Value::from("separate"));
    opts.insert("max_length", Value::I64(256));
    let mut chain = PreprocessorChain::from_specs(&[Value::Record(opts)]).unwrap();
    let step = usize::from(step % 64) + 1;
    let mut check = |f: Result<&[u8], sluice_codecs::Error>| {
        if let Ok(f) = f {
            assert!(f.len() <= 256, "frame of {} bytes", f.len());
        }
    };
    for (i, part) in data.chunks(step).enumerate() {
        chain.process(i as u64 * 1_000_000, part, &mut check);
    }
    chain.finish(u64::MAX, &mut check);
});
