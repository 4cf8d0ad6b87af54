//! `csv`: decoding never panics (errors are values), and encoding what decoded never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sluice_codecs::Codec;
use sluice_script::Value;

fuzz_target!(|data: &[u8]| {
    let Ok(mut codec) = Codec::from_spec("csv", None) else {
        return;
    };
    let mut buf = data.to_vec();
    let Ok(Some(v)) = codec.decode(&mut buf, 1_700_000_000_000_000_000) else {
        return;
    };
    let v = v.into_static();
    let mut out = Vec::new();
    if codec.encode(&v, &Value::Null, &mut out).is_ok() {
        let _ = codec.decode(&mut out, 1_700_000_000_000_000_000);
    }
});
