//! Every case script, run on arbitrary JSON values, returns an outcome or an error value;
//! it never panics (bad input is an error value, never a crash).

use std::path::Path;
use std::sync::Arc;

use proptest::prelude::*;
use sluice_script::stdlib::Env;
use sluice_script::{CompileOptions, Record, Runner, Script, Value};

fn value() -> impl Strategy<Value = Value<'static>> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::I64),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::F64),
        prop_oneof![
            Just("error".to_string()),
            Just("api".to_string()),
            Just("warn".to_string()),
            "[a-z/ .0-9]{0,12}",
        ]
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec(
                (
                    prop_oneof![
                        Just("a".to_string()),
                        Just("level".to_string()),
                        Just("n".to_string()),
                        Just("x".to_string()),
                        "[a-z]{1,6}",
                    ],
                    inner
                ),
                0..6
            )
            .prop_map(|kv| Value::Record(kv.into_iter().collect::<Record<'static>>())),
        ]
    })
}

fn scripts() -> Vec<Arc<Script>> {
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases");
    let mut out = Vec::new();
    let mut dirs: Vec<_> = std::fs::read_dir(&base)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    dirs.sort();
    for d in dirs {
        let Ok(src) = std::fs::read_to_string(d.join("script.tremor")) else {
            continue;
        };
        let opts = CompileOptions::new(d.join("script.tremor").display().to_string());
        if let Ok(s) = Script::compile(&src, &opts) {
            out.push(Arc::new(s));
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]
    #[test]
    fn scripts_never_panic_on_any_event(events in prop::collection::vec(value(), 1..4)) {
        for s in scripts() {
            let mut r = Runner::new(s, Env::default(), Value::record());
            for e in &events {
                let mut ev = e.clone();
                let mut meta = Value::record();
                let _ = r.run(&mut ev, &mut meta, 0, None);
                let _ = ev.to_json();
            }
        }
    }
}
