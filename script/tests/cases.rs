//! Script behaviour as data: every directory under `tests/cases/` holds `script.tremor`,
//! `in` (one JSON event per line) and `out` (what the script produces, one line per
//! input event that produces something):
//!
//! - a JSON value emitted to `out`;
//! - `@port <json>` for a value emitted to another port;
//! - `~drop` when the event is dropped;
//! - `!E0201` (the error code) when the event fails at run time.
//!
//! Each event gets a fresh metadata record; `state` persists across the events of a case.
//! Every directory under `tests/errors/` holds `script.tremor` and `error.txt`, the exact
//! rendered compile diagnostic (or the rendered warnings of a script that compiles with
//! warnings).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use sluice_script::stdlib::{Clock, Env};
use sluice_script::{CompileOptions, JsonDecoder, Outcome, Runner, Script, Value};

fn dirs(root: &str) -> Vec<PathBuf> {
    let base = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join(root);
    let mut out: Vec<PathBuf> = std::fs::read_dir(&base)
        .unwrap_or_else(|e| panic!("{}: {e}", base.display()))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    out.sort();
    out
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// An expected line in the form the runner prints: JSON values re-encoded, so that cases
/// may write `"\u00e9"` or `1e3` as any JSON encoder would.
fn normalise(line: &str, dec: &mut JsonDecoder) -> String {
    let mut json = |text: &str| {
        let mut buf = text.as_bytes().to_vec();
        dec.decode(&mut buf)
            .map_or_else(|_| text.to_string(), |v| v.to_json())
    };
    if line.starts_with('~') || line.starts_with('!') {
        line.to_string()
    } else if let Some((port, value)) = line.strip_prefix('@').and_then(|l| l.split_once(' ')) {
        format!("@{port} {}", json(value))
    } else {
        json(line)
    }
}

fn run_case(dir: &Path) -> Result<(), String> {
    let src = read(&dir.join("script.tremor"));
    let opts = CompileOptions::new(dir.join("script.tremor").display().to_string());
    let script = Script::compile(&src, &opts).map_err(|d| format!("compile failed:\n{d}"))?;
    let ports = script.ports().to_vec();
    let env = Env {
        clock: Clock::Fixed(1_000_000_000),
        ..Env::default()
    };
    let mut runner = Runner::new(Arc::new(script), env, Value::record());
    let mut dec = JsonDecoder::new();
    let mut got = Vec::new();
    for line in read(&dir.join("in")).lines() {
        if line.trim().is_empty() {
            continue;
        }
        let mut buf = line.as_bytes().to_vec();
        let mut event = dec
            .decode(&mut buf)
            .map_err(|e| format!("bad input line {line:?}: {e}"))?;
        let mut meta = Value::record();
        match runner.run(&mut event, &mut meta, 0, None) {
            Ok(Outcome::Emit { port: 0, .. }) => got.push(event.to_json()),
            Ok(Outcome::Emit { port, .. }) => {
                got.push(format!("@{} {}", ports[port], event.to_json()))
            }
            Ok(Outcome::Drop) => got.push("~drop".to_string()),
            Err(e) => got.push(format!("!{}", e.code)),
        }
    }
    let want: Vec<String> = read(&dir.join("out"))
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| normalise(l, &mut dec))
        .collect();
    if got != want {
        return Err(format!(
            "want:\n{}\ngot:\n{}",
            want.join("\n"),
            got.join("\n")
        ));
    }
    Ok(())
}

#[test]
fn script_cases() {
    let all = dirs("cases");
    let mut failed = Vec::new();
    for d in &all {
        if let Err(e) = run_case(d) {
            failed.push(format!("--- {}\n{e}", d.display()));
        }
    }
    assert!(
        all.len() >= 120,
        "expected at least 120 cases, found {}",
        all.len()
    );
    assert!(
        failed.is_empty(),
        "{} of {} cases failed:\n{}",
        failed.len(),
        all.len(),
        failed.join("\n")
    );
}

#[test]
fn error_cases() {
    let all = dirs("errors");
    let mut failed = Vec::new();
    for d in &all {
        let src = read(&d.join("script.tremor"));
        let opts = CompileOptions::new("script.tremor");
        let got = match Script::compile(&src, &opts) {
            // Unknown names are warnings (they fail when reached, as in tremor).
            Ok(s) if !s.warnings().errors.is_empty() => s.warnings().render_warnings(),
            Ok(_) => "compiled without error\n".to_string(),
            Err(diags) => diags.to_string(),
        };
        let path = d.join("error.txt");
        if std::env::var_os("BLESS").is_some() && !path.exists() {
            std::fs::write(&path, &got).expect("write error.txt");
            continue;
        }
        let want = read(&path);
        if got != want {
            failed.push(format!("--- {}\nwant:\n{want}\ngot:\n{got}", d.display()));
        }
    }
    assert!(
        all.len() >= 40,
        "expected at least 40 error cases, found {}",
        all.len()
    );
    assert!(
        failed.is_empty(),
        "{} of {} error cases failed:\n{}",
        failed.len(),
        all.len(),
        failed.join("\n")
    );
}

#[test]
fn every_stdlib_module_has_a_case() {
    // A `stdlib_*` case uses each module through `use`, as scripts do.
    let scripts: Vec<String> = dirs("cases")
        .iter()
        .filter(|d| {
            d.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("stdlib_"))
        })
        .map(|d| read(&d.join("script.tremor")))
        .collect();
    let missing: Vec<&str> = sluice_script::stdlib::MODULES
        .iter()
        .copied()
        .filter(|m| {
            let short = m.rsplit("::").next().unwrap_or_default();
            !scripts
                .iter()
                .any(|s| s.contains(&format!("use {m};")) && s.contains(&format!("{short}::")))
        })
        .collect();
    assert!(missing.is_empty(), "modules without a case: {missing:?}");
}
