//! Fuzzes `decompress`: the first byte picks the algorithm (or autodetect); the output cap
//! must hold for every input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sluice_codecs::PreprocessorChain;
use sluice_script::{Record, Value};

const ALGS: &[&str] = &["autodetect", "gzip", "zlib", "zstd", "lz4", "snappy", "xz"];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, data)) = data.split_first() else { return };
    let mut opts: Record<'static> = Record::new();
    opts.insert("name", Value::from("decompress"));
    opts.insert("algorithm", Value::from(ALGS[usize::from(pick) % ALGS.len()]));
    opts.insert("max_size", Value::I64(1 << 20));
    let mut chain = PreprocessorChain::from_specs(&[Value::Record(opts)]).unwrap();
    chain.process(0, data, &mut |f| {
        if let Ok(f) = f {
            assert!(f.len() <= (1 << 20).max(data.len()));
        }
    });
});
