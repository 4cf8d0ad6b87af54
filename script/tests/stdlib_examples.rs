//! Every example of every standard-library function runs through the language: the
//! expression is compiled as a script and its value must equal the documented JSON. New
//! functions are covered as soon as they are added to `stdlib::MODULES`.

use std::sync::Arc;

use sluice_script::stdlib::{module, Clock, Env, MODULES};
use sluice_script::{CompileOptions, JsonDecoder, Outcome, Runner, Script, Value};

fn normalise(json: &str) -> Result<String, String> {
    let mut buf = json.as_bytes().to_vec();
    JsonDecoder::new()
        .decode(&mut buf)
        .map(|v| v.to_json())
        .map_err(|e| format!("expected value {json:?} is not JSON: {e}"))
}

#[test]
fn every_stdlib_example_evaluates_to_its_documented_value() {
    let mut failures = Vec::new();
    let mut count = 0;
    for m in MODULES {
        let Some(fns) = module(m) else {
            failures.push(format!("module {m} does not resolve"));
            continue;
        };
        for f in fns {
            for (expr, want) in f.examples {
                count += 1;
                let script = match Script::compile(expr, &CompileOptions::new("example")) {
                    Ok(s) => s,
                    Err(d) => {
                        failures.push(format!("{m}::{}: `{expr}` does not compile:\n{d}", f.name));
                        continue;
                    }
                };
                let env = Env {
                    clock: Clock::Fixed(1_000_000_000),
                    ..Env::default()
                };
                let mut runner = Runner::new(Arc::new(script), env, Value::record());
                let mut event = Value::record();
                let mut meta = Value::record();
                let got = match runner.run(&mut event, &mut meta, 42, None) {
                    Ok(Outcome::Emit { .. }) => event.to_json(),
                    Ok(Outcome::Drop) => "<drop>".to_string(),
                    Err(e) => format!("<error {e}>"),
                };
                match normalise(want) {
                    Ok(w) if w == got => {}
                    Ok(w) => failures.push(format!(
                        "{m}::{}: `{expr}` gave {got}, documented {w}",
                        f.name
                    )),
                    Err(e) => failures.push(format!("{m}::{}: {e}", f.name)),
                }
            }
        }
    }
    assert!(count > 0, "no examples found");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
