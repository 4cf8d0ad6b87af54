//! Influx line protocol: decoding never panics, and whatever decodes encodes to a line that
//! decodes to the same point.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sluice_codecs::Codec;
use sluice_script::{write_json_sorted, Value};

fuzz_target!(|data: &[u8]| {
    let Ok(mut codec) = Codec::from_spec("influx", None) else {
        return;
    };
    if let Codec::Influx(c) = &codec {
        for entry in c.lines(data, 1_700_000_000_000_000_000) {
            let _ = entry;
        }
    }
    let mut buf = data.to_vec();
    let Ok(Some(v)) = codec.decode(&mut buf, 1_700_000_000_000_000_000) else {
        return;
    };
    let v = v.into_static();
    let mut out = Vec::new();
    codec
        .encode(&v, &Value::Null, &mut out)
        .expect("a decoded point encodes");
    let back = codec
        .decode(&mut out, 0)
        .expect("an encoded point decodes")
        .expect("an encoded point is an event");
    // Tags are written in key order, so compare with keys sorted; JSON text keeps integers
    // and floats apart.
    let (mut a, mut b) = (Vec::new(), Vec::new());
    write_json_sorted(&back, &mut a);
    write_json_sorted(&v, &mut b);
    assert_eq!(String::from_utf8_lossy(&a), String::from_utf8_lossy(&b));
});
