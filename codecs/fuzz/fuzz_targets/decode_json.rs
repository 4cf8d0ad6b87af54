//! Fuzzes the `json` decoder: decode and validate must agree and never panic; a decoded
//! value must encode again.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sluice_codecs::Codec;

fuzz_target!(|data: &[u8]| {
    let mut codec = Codec::from_spec("json", None).unwrap();
    let mut a = data.to_vec();
    let mut b = data.to_vec();
    let valid = codec.validate(&mut b).is_ok();
    match codec.decode(&mut a, 0) {
        Ok(v) => {
            assert!(valid, "decoded but did not validate");
            if let Some(v) = v {
                let v = v.into_static();
                let mut out = Vec::new();
                codec.encode(&v, &sluice_script::Value::Null, &mut out).unwrap();
            }
        }
        Err(e) => {
            assert!(!valid, "validated but did not decode: {e}");
            assert_eq!(e.kind(), "decode");
        }
    }
});
