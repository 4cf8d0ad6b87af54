//! `string`: decoding accepts exactly the valid UTF-8 frames, and what decodes encodes back
//! to the same bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sluice_codecs::Codec;
use sluice_script::Value;

fuzz_target!(|data: &[u8]| {
    let Ok(mut codec) = Codec::from_spec("string", None) else {
        return;
    };
    let mut buf = data.to_vec();
    let decoded = codec.decode(&mut buf, 0);
    assert_eq!(decoded.is_ok(), std::str::from_utf8(data).is_ok());
    let Ok(Some(v)) = decoded else {
        return;
    };
    let v = v.into_static();
    let mut out = Vec::new();
    codec
        .encode(&v, &Value::Null, &mut out)
        .expect("a string encodes");
    assert_eq!(out, data);
});
