//! Script operations on records an event controls cost time linear in its number of keys.
//!
//! An event's keys are the sender's to choose. Each case runs a script on an event with
//! 10,000 keys and on one with 80,000 and bounds the ratio of the times (8 when linear, 64
//! when every key is looked up by a scan); no wall-clock bound.

use std::sync::Arc;
use std::sync::Mutex;
use std::time::Duration;

use sluice_script::stdlib::Env;
use sluice_script::{CompileOptions, JsonDecoder, Outcome, Runner, Script, Value};

const SMALL: usize = 10_000;
const LARGE: usize = 80_000;
/// Linear is 8, quadratic 64; linear measures 11-18 here (the large record outgrows the caches).
const MAX_RATIO: f64 = 32.0;

fn event_text(n: usize) -> String {
    let fields: Vec<String> = (0..n).map(|i| format!("\"k{i}\":{i}")).collect();
    format!(
        "{{\"big\":{{{}}},\"s\":\"{}\"}}",
        fields.join(","),
        kv_text(n)
    )
}

fn kv_text(n: usize) -> String {
    (0..n)
        .map(|i| format!("k{i}=v"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The fastest of a few runs of `script` on an event of `n` keys.
fn time_run(script: &str, n: usize) -> Duration {
    let compiled =
        Script::compile(script, &CompileOptions::new("t.tremor")).unwrap_or_else(|d| panic!("{d}"));
    let mut runner = Runner::new(Arc::new(compiled), Env::default(), Value::record());
    let text = event_text(n);
    let mut best = Duration::MAX;
    for _ in 0..5 {
        let mut buf = text.as_bytes().to_vec();
        let mut event = JsonDecoder::new().decode(&mut buf).expect("valid JSON");
        let mut meta = Value::record();
        let t = thread_cpu();
        let out = runner.run(&mut event, &mut meta, 0, None);
        best = best.min(thread_cpu() - t);
        assert!(matches!(out, Ok(Outcome::Emit { .. })), "{script}: {out:?}");
    }
    best
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

fn assert_linear(script: &str) {
    let _serial = SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let small = time_run(script, SMALL);
    let large = time_run(script, LARGE);
    let ratio = large.as_secs_f64() / small.as_secs_f64().max(1e-9);
    eprintln!("{script}: {small:?} / {large:?}, ratio {ratio:.1}");
    assert!(
        ratio < MAX_RATIO,
        "`{script}`: {LARGE} keys took {ratio:.1}x as long as {SMALL} (linear: 8, bound {MAX_RATIO})"
    );
}

#[test]
fn merge_into_a_new_record() {
    assert_linear("merge {} of event.big end");
}

#[test]
fn patch_merge_into_a_new_record() {
    assert_linear("patch {} of merge => event.big end");
}

#[test]
fn record_equality() {
    assert_linear("let x = merge {} of event.big end; x == event.big");
}

#[test]
fn record_from_array_of_its_pairs() {
    assert_linear("record::from_array(record::to_array(event.big))");
}

#[test]
fn kv_extractor() {
    assert_linear("match event of case %{ s ~= kv|| } => event.s default => null end");
}
