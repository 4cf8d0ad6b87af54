//! Scripts that only read fields, match, set metadata from literals and emit must not
//! allocate per event. A counting global allocator measures it.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use sluice_script::stdlib::Env;
use sluice_script::{CompileOptions, JsonDecoder, Outcome, Runner, Script, Value};

struct Counting;

static COUNTING: AtomicBool = AtomicBool::new(false);
static ALLOCS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: defers every operation to the system allocator; it only counts calls.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            ALLOCS.fetch_add(1, Ordering::Relaxed);
        }
        // SAFETY: same contract as our caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as our caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            ALLOCS.fetch_add(1, Ordering::Relaxed);
        }
        // SAFETY: same contract as our caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const CLASSIFY: &str = r#"
match event of
  case %{ level == "error", service == "api" } => let $class = "critical"; let $rate = 1000
  case %{ level == "warn" } => let $class = "warning"; let $rate = 100
  case %{ present user, user ~= glob|adm*| } => let $class = "admin"; let $rate = 50
  default => let $class = "default"; let $rate = 10
end;
let tag = event.tags[0];
match tag of case "x" => let $t = true default => null end;
emit event
"#;

#[test]
fn classification_allocates_nothing_per_event() {
    let script = Script::compile(CLASSIFY, &CompileOptions::new("classify")).unwrap();
    let mut runner = Runner::new(Arc::new(script), Env::default(), Value::Null);
    let lines = [
        r#"{"level":"error","service":"api","tags":["x"]}"#,
        r#"{"level":"warn","service":"db","tags":["y"]}"#,
        r#"{"level":"info","user":"admin","tags":["x","z"]}"#,
        r#"{"level":"debug","tags":["q"]}"#,
    ];
    let mut bufs: Vec<Vec<u8>> = lines.iter().map(|l| l.as_bytes().to_vec()).collect();
    let mut dec = JsonDecoder::new();
    let mut events: Vec<Value<'_>> = bufs.iter_mut().map(|b| dec.decode(b).unwrap()).collect();
    let mut meta = Value::record();
    if let Some(r) = meta.as_record_mut() {
        r.insert("reserve", Value::Null);
        r.insert("room", Value::Null);
        r.insert("for", Value::Null);
        r.clear();
    }
    // Warm up: the first runs size the runner's scratch space.
    for e in &mut events {
        runner.run(e, &mut meta, 0, None).unwrap();
        meta.as_record_mut().unwrap().clear();
    }
    ALLOCS.store(0, Ordering::SeqCst);
    COUNTING.store(true, Ordering::SeqCst);
    let mut emitted = 0;
    for _ in 0..250 {
        for e in &mut events {
            if let Ok(Outcome::Emit {
                event_changed: false,
                ..
            }) = runner.run(e, &mut meta, 0, None)
            {
                emitted += 1;
            }
            meta.as_record_mut().unwrap().clear();
        }
    }
    COUNTING.store(false, Ordering::SeqCst);
    assert_eq!(emitted, 1000);
    assert_eq!(ALLOCS.load(Ordering::SeqCst), 0, "allocations in 1000 runs");
}
