//! Decoding cost is linear in the number of keys, for every decoder that builds records.
//!
//! The number of fields is the sender's to choose: an 80,000-field Influx line is about
//! 1 MB. A decoder that scans the record for each key it adds is quadratic and holds an
//! ingest shard for seconds. Each case decodes an input with 10,000 keys and one with
//! 80,000 and bounds the ratio of the times (8 when linear, 64 when quadratic); no
//! wall-clock bound, so a loaded machine slows both sides alike.

mod common;

use std::sync::Mutex;
use std::time::Duration;

use sluice_codecs::Codec;
use sluice_script::{JsonPatch, Record, Value};

const SMALL: usize = 10_000;
const LARGE: usize = 80_000;
/// Linear is 8, quadratic 64. Measured linear ratios are 11-18 on a shared 2-vCPU VM: the
/// large input's key table and entries no longer fit the caches, so each key costs more.
const MAX_RATIO: f64 = 32.0;

/// What is timed: a decode, a validation (passthrough), or a partial decode for a script
/// that touches the top-level field `a` (the re-encode path).
#[derive(Clone, Copy)]
enum Op {
    Decode,
    Validate,
    Patch,
}

/// The fastest of a few runs of `op` on `input` (the minimum is the least noisy estimate).
fn time_decode(codec: &mut Codec, input: &[u8], keys: usize, what: &str, op: Op) -> Duration {
    let mut best = Duration::MAX;
    let mut patch = JsonPatch::new(&["a".to_string()]);
    for _ in 0..5 {
        let mut buf = input.to_vec();
        let t = thread_cpu();
        let v = match op {
            Op::Decode => codec.decode(&mut buf, 0),
            Op::Validate => codec.validate(&mut buf).map(|()| None),
            Op::Patch => codec
                .decode_patch(&mut buf, input, &mut patch)
                .map(|v| v.map(|(v, _)| v)),
        };
        let took = thread_cpu() - t;
        let v = v.unwrap_or_else(|e| panic!("{what}: {e}"));
        match (op, v) {
            (Op::Validate, _) => {}
            (_, Some(v)) => assert!(count_keys(&v) >= keys / 64, "{what}: too few keys decoded"),
            (_, None) => panic!("{what}: no event"),
        }
        best = best.min(took);
    }
    best
}

/// The size of the largest record or array in `v`.
fn count_keys(v: &Value<'_>) -> usize {
    match v {
        Value::Record(r) => r.values().map(count_keys).max().unwrap_or(0).max(r.len()),
        Value::Array(a) => a.iter().map(count_keys).max().unwrap_or(0).max(a.len()),
        _ => 0,
    }
}

/// CPU time of this thread: unlike the wall clock, it does not count the time the thread
/// waits for a core on a loaded machine (which would inflate the longer run more).
fn thread_cpu() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; the call only writes to it.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID)");
    Duration::new(
        u64::try_from(ts.tv_sec).unwrap_or(0),
        u32::try_from(ts.tv_nsec).unwrap_or(0),
    )
}

/// The cases time themselves: run them one at a time, not beside each other.
static SERIAL: Mutex<()> = Mutex::new(());

/// Decodes `make(SMALL)` and `make(LARGE)` with fresh codecs from `spec` and bounds the ratio.
/// `prime` frames (a CSV header) are decoded first, untimed.
fn assert_linear(
    what: &str,
    spec: (&str, &str),
    prime: impl Fn(usize) -> Option<Vec<u8>>,
    make: impl Fn(usize) -> Vec<u8>,
) {
    assert_linear_op(what, spec, prime, make, Op::Decode);
}

/// [`assert_linear`] for `op`.
fn assert_linear_op(
    what: &str,
    spec: (&str, &str),
    prime: impl Fn(usize) -> Option<Vec<u8>>,
    make: impl Fn(usize) -> Vec<u8>,
    op: Op,
) {
    let _serial = SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut times = Vec::new();
    for n in [SMALL, LARGE] {
        let mut codec = common::codec(spec.0, spec.1);
        if let Some(p) = prime(n) {
            let mut buf = p;
            let r = codec.decode(&mut buf, 0);
            assert!(matches!(r, Ok(None)), "{what}: priming frame");
        }
        let input = make(n);
        times.push(time_decode(&mut codec, &input, n, what, op));
    }
    let ratio = times[1].as_secs_f64() / times[0].as_secs_f64().max(1e-9);
    eprintln!(
        "{what}: {SMALL} keys {:?}, {LARGE} keys {:?}, ratio {ratio:.1}",
        times[0], times[1]
    );
    assert!(
        ratio < MAX_RATIO,
        "{what}: decoding {LARGE} keys took {ratio:.1}x as long as {SMALL} (linear: 8, bound {MAX_RATIO})"
    );
}

fn none(_: usize) -> Option<Vec<u8>> {
    None
}

fn joined(n: usize, f: impl Fn(usize) -> String, sep: &str) -> String {
    (0..n).map(f).collect::<Vec<_>>().join(sep)
}

#[test]
fn json_object_keys() {
    assert_linear("json", ("json", "{}"), none, |n| {
        format!("{{{}}}", joined(n, |i| format!("\"k{i}\":{i}"), ",")).into_bytes()
    });
}

#[test]
fn json_object_with_every_key_repeated() {
    // The second half repeats the first: every repeat replaces a value (last one wins).
    assert_linear("json duplicates", ("json", "{}"), none, |n| {
        let half = n / 2;
        format!(
            "{{{}}}",
            joined(n, |i| format!("\"k{}\":{i}", i % half), ",")
        )
        .into_bytes()
    });
}

/// Objects of at most 32 distinct keys in an array under `a`: compact and canonical, so
/// the direct scan reads all of it (`tail` after the object makes it give up only at the
/// end, and the tape start again).
fn nested_objects(n: usize, tail: &str) -> Vec<u8> {
    let objects = joined(
        n / 32,
        |o| format!("{{{}}}", joined(32, |k| format!("\"k{k}\":\"v{o}\""), ",")),
        ",",
    );
    format!("{{\"a\":[{objects}],\"b\":1}}{tail}").into_bytes()
}

#[test]
fn json_validate_nested_objects() {
    assert_linear_op(
        "json validate",
        ("json", "{}"),
        none,
        |n| nested_objects(n, ""),
        Op::Validate,
    );
}

#[test]
fn json_validate_nested_objects_declined_at_the_end() {
    let make = |n| nested_objects(n, " ");
    assert_linear_op(
        "json validate, then the tape",
        ("json", "{}"),
        none,
        make,
        Op::Validate,
    );
}

#[test]
fn json_partial_decode_of_a_large_member() {
    let make = |n| nested_objects(n, "");
    assert_linear_op("json patch", ("json", "{}"), none, make, Op::Patch);
}

#[test]
fn gelf_additional_fields() {
    assert_linear("gelf", ("gelf", "{}"), none, |n| {
        format!(
            "{{\"version\":\"1.1\",\"host\":\"h\",\"short_message\":\"m\",{}}}",
            joined(n, |i| format!("\"_f{i}\":{i}"), ",")
        )
        .into_bytes()
    });
}

#[test]
fn influx_fields() {
    assert_linear("influx fields", ("influx", "{}"), none, |n| {
        format!("m {} 1", joined(n, |i| format!("f{i}={i}i"), ",")).into_bytes()
    });
}

#[test]
fn influx_tags() {
    assert_linear("influx tags", ("influx", "{}"), none, |n| {
        format!("m,{} f=1i 1", joined(n, |i| format!("t{i}=v"), ",")).into_bytes()
    });
}

#[test]
fn msgpack_map() {
    assert_linear("msgpack", ("msgpack", "{}"), none, |n| {
        let r = Record::from_unique(
            (0..n)
                .map(|i| (format!("k{i}").into(), Value::I64(i as i64)))
                .collect(),
        );
        let mut c = common::codec("msgpack", "{}");
        common::encode(&mut c, &Value::Record(r)).expect("msgpack encodes")
    });
}

#[test]
fn yaml_mapping() {
    assert_linear("yaml", ("yaml", "{}"), none, |n| {
        joined(n, |i| format!("k{i}: {i}"), "\n").into_bytes()
    });
}

#[test]
fn csv_columns() {
    assert_linear(
        "csv",
        ("csv", r#"{"header":true}"#),
        |n| Some(joined(n, |i| format!("c{i}"), ",").into_bytes()),
        |n| joined(n, |i| format!("{i}"), ",").into_bytes(),
    );
}

#[test]
fn dogstatsd_tags() {
    assert_linear("dogstatsd", ("dogstatsd", "{}"), none, |n| {
        format!("m:1|c|#{}", joined(n, |i| format!("t{i}:v"), ",")).into_bytes()
    });
}

#[test]
fn syslog_structured_data_params() {
    assert_linear("syslog", ("syslog", "{}"), none, |n| {
        format!(
            "<14>1 2024-01-01T00:00:00Z h a - - [id {}] m",
            joined(n, |i| format!("p{i}=\"v\""), " ")
        )
        .into_bytes()
    });
}

#[test]
fn syslog_structured_data_elements() {
    assert_linear("syslog elements", ("syslog", "{}"), none, |n| {
        format!(
            "<14>1 2024-01-01T00:00:00Z h a - - {} m",
            joined(n, |i| format!("[e{i} p=\"v\"]"), "")
        )
        .into_bytes()
    });
}
