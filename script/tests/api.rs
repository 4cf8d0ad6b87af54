//! The engine-facing API: outcomes, the exact `event_changed` flag, ports, state, errors.

use std::sync::Arc;

use sluice_script::stdlib::Env;
use sluice_script::{CompileOptions, JsonDecoder, Outcome, Runner, Script, Value};

fn runner(src: &str) -> Runner {
    let script =
        Script::compile(src, &CompileOptions::new("t.tremor")).unwrap_or_else(|d| panic!("{d}"));
    Runner::new(Arc::new(script), Env::default(), Value::record())
}

fn run(src: &str, input: &str) -> (Result<Outcome, sluice_script::RuntimeError>, String, String) {
    let mut r = runner(src);
    let mut buf = input.as_bytes().to_vec();
    let mut dec = JsonDecoder::new();
    let mut event = dec.decode(&mut buf).unwrap();
    let mut meta = Value::record();
    let out = r.run(&mut event, &mut meta, 0, None);
    (out, event.to_json(), meta.to_json())
}

fn changed(src: &str) -> bool {
    match run(src, r#"{"a":1,"b":{"c":"x"}}"#).0 {
        Ok(Outcome::Emit { event_changed, .. }) => event_changed,
        other => panic!("{src}: {other:?}"),
    }
}

#[test]
fn event_changed_is_exact_for_reads_and_metadata() {
    for src in [
        "event",
        "emit",
        "emit event",
        "emit event => \"other\"",
        "let $class = \"x\"; let $rate = 10; event",
        "let x = event.a + 1; event",
        "match event of case %{ a == 1 } => let $m = 1 default => null end; event",
        "match event of case %{ a == 1 } => event default => drop end",
        "let state = event.a; event",
        "for event.b of case (k, v) => v end; event",
    ] {
        assert!(!changed(src), "{src} must leave the event unchanged");
    }
}

#[test]
fn event_changed_is_set_by_writes_and_new_values() {
    for src in [
        "let event.x = 1; event",
        "let event.b.c = \"y\"; event",
        "let event = patch event of upsert \"z\" => 1 end; event",
        "let event = merge event of {\"z\": 1} end; event",
        "emit {\"a\": 1}",
        "event.a",
        "let x = event; x",
        "match event of case %{ a == 1 } => let event.y = 2 default => null end; event",
    ] {
        assert!(changed(src), "{src} must report a changed event");
    }
}

#[test]
fn emitted_values_and_ports() {
    let (o, ev, meta) = run(
        "let $class = \"warn\"; emit {\"wrapped\": event} => \"alerts\"",
        r#"{"a":1}"#,
    );
    assert_eq!(
        o,
        Ok(Outcome::Emit {
            port: 2,
            event_changed: true
        })
    );
    assert_eq!(ev, r#"{"wrapped":{"a":1}}"#);
    assert_eq!(meta, r#"{"class":"warn"}"#);
    let s = Script::compile(
        "match event.a of case 1 => emit => \"one\" case 2 => emit => \"err\" default => emit => \"two\" end",
        &CompileOptions::new("t"),
    )
    .unwrap();
    assert_eq!(s.ports(), ["out", "err", "one", "two"]);
    let (o, _, _) = run("drop", "{}");
    assert_eq!(o, Ok(Outcome::Drop));
}

#[test]
fn state_persists_across_events() {
    let mut r = runner("let state = match state of case null => 1 default => state + 1 end; state");
    for want in 1..=3 {
        let mut event = Value::record();
        let mut meta = Value::record();
        r.run(&mut event, &mut meta, 0, None).unwrap();
        assert_eq!(event.as_i64(), Some(want));
    }
    assert_eq!(r.state().as_i64(), Some(3));
}

#[test]
fn runtime_errors_carry_span_code_and_render() {
    let (o, _, _) = run("let a = 1;\nevent.missing + a", r#"{"present":1}"#);
    let e = o.unwrap_err();
    assert_eq!(e.code, "E0201");
    assert_eq!((e.line, e.column), (2, 7));
    assert_eq!(e.file, "t.tremor");
    let text = e.to_string();
    assert!(
        text.starts_with("runtime error[E0201]: no key `missing` in event\n"),
        "{text}"
    );
    assert!(
        text.contains("2 | event.missing + a\n  |       ^^^^^^^"),
        "{text}"
    );
    let v = e.to_value();
    assert_eq!(
        v.to_json(),
        r#"{"kind":"runtime","code":"E0201","message":"no key `missing` in event","file":"t.tremor","line":2,"column":7}"#
    );
}

#[test]
fn bad_key_hint_suggests_existing_keys() {
    let (o, _, _) = run("event.levle", r#"{"level":"x"}"#);
    assert_eq!(
        o.unwrap_err().hint.as_deref(),
        Some("did you mean `level`?")
    );
}

#[test]
fn script_is_send_and_sync_and_runs_on_many_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Script>();
    let script = Arc::new(
        Script::compile(
            "let state = match state of case null => 0 default => state + event end; state",
            &CompileOptions::new("t"),
        )
        .unwrap(),
    );
    let handles: Vec<_> = (0..4)
        .map(|t| {
            let s = script.clone();
            std::thread::spawn(move || {
                let mut r = Runner::new(s, Env::default(), Value::Null);
                let mut last = 0;
                for i in 0..100 {
                    let mut e = Value::I64(t * 1000 + i);
                    let mut m = Value::record();
                    r.run(&mut e, &mut m, 0, None).unwrap();
                    last = e.as_i64().unwrap();
                }
                last
            })
        })
        .collect();
    for (t, h) in handles.into_iter().enumerate() {
        let t = t as i64;
        // state starts at 0 and adds every event but the first.
        let want: i64 = (1..100).map(|i| t * 1000 + i).sum();
        assert_eq!(h.join().unwrap(), want);
    }
}

#[test]
fn args_are_visible() {
    let script = Script::compile("args.limit + 1", &CompileOptions::new("t")).unwrap();
    let mut args = Value::record();
    args.insert("limit", Value::I64(9));
    let mut r = Runner::new(Arc::new(script), Env::default(), args);
    let mut e = Value::Null;
    let mut m = Value::record();
    r.run(&mut e, &mut m, 0, None).unwrap();
    assert_eq!(e.as_i64(), Some(10));
}
