//! Fuzzes `gelf-chunking`: the input is a sequence of `[len, time step, datagram...]`
//! records, fed as datagrams with a clock that moves forward. Tight limits exercise
//! eviction and timeouts; nothing may panic and the held bytes must stay under the budget.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sluice_codecs::{GelfChunking, Preprocessor};
use sluice_script::{Record, Value};

fuzz_target!(|data: &[u8]| {
    let opts: Record<'static> = [
        ("max_in_flight", Value::I64(8)),
        ("max_buffered", Value::I64(4096)),
        ("max_message_size", Value::I64(2048)),
        ("timeout", Value::I64(50)),
    ]
    .into_iter()
    .collect();
    let mut pre = Preprocessor::from_spec("gelf-chunking", Some(&opts)).unwrap();
    let mut rest = data;
    let mut now = 0u64;
    while let [len, dt, tail @ ..] = rest {
        let n = usize::from(*len).min(tail.len());
        now += u64::from(*dt) * 1_000_000;
        pre.process(now, &tail[..n], &mut |f| {
            if let Ok(f) = f {
                assert!(f.len() <= 2048.max(255));
            }
        });
        if let Preprocessor::GelfChunking(g) = &pre {
            let (msgs, bytes) = GelfChunking::in_flight(g);
            assert!(msgs <= 8 && bytes <= 4096, "{msgs} messages, {bytes} bytes held");
        }
        rest = &tail[n..];
    }
    pre.finish(now, &mut |_| {});
});
