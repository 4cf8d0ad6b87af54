//! Runs the extractor case directories (`tests/cases/extractor_*`) directly against the
//! extractors, before the language runner exists to run them as scripts.
//!
//! The cases use one script shape, which this file reads with a regex:
//! `match event of case [r =] %{ msg ~[=] NAME|PATTERN| } => OUTPUT ... default => "lit" end`
//! where OUTPUT is `r.msg`, `[r.msg.a, r.msg.b, ...]` or a string literal. The full language
//! runner executes the same directories once it lands.

use std::path::Path;

use regex::Regex;
use sluice_script::extractor::{Extractor, ExtractorConfig};
use sluice_script::{JsonDecoder, Value};

struct Case {
    extractor: Extractor,
    extract: bool,
    output: String,
}

fn parse_json(line: &str) -> Value<'static> {
    let mut buf = line.as_bytes().to_vec();
    JsonDecoder::new()
        .decode(&mut buf)
        .unwrap_or_else(|e| panic!("{line}: {e}"))
        .into_static()
}

fn output(expr: &str, extracted: &Value<'_>) -> Value<'static> {
    let expr = expr.trim();
    if let Some(lit) = expr.strip_prefix('"').and_then(|e| e.strip_suffix('"')) {
        return Value::from(lit.to_string());
    }
    if expr == "r.msg" {
        return extracted.clone_static();
    }
    let list = expr
        .strip_prefix('[')
        .and_then(|e| e.strip_suffix(']'))
        .unwrap_or_else(|| panic!("unsupported output expression {expr}"));
    Value::Array(
        list.split(',')
            .map(|item| {
                let path = item
                    .trim()
                    .strip_prefix("r.msg.")
                    .unwrap_or_else(|| panic!("{item}"));
                extracted
                    .get(path)
                    .cloned()
                    .unwrap_or(Value::Null)
                    .into_static()
            })
            .collect(),
    )
}

fn run_dir(dir: &Path) {
    let script = std::fs::read_to_string(dir.join("script.tremor")).unwrap();
    let case_re =
        Regex::new(r#"case (?:\w+ = )?%\{ msg (~=?) (\w+)\|((?:[^|\\]|\\.)*)\| \} => (.*)"#)
            .unwrap();
    let default_re = Regex::new(r#"default => (".*")"#).unwrap();
    let cases: Vec<Case> = case_re
        .captures_iter(&script)
        .map(|c| Case {
            extractor: Extractor::compile(
                &c[2],
                &c[3].replace("\\|", "|"),
                &ExtractorConfig::default(),
            )
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display())),
            extract: &c[1] == "~=",
            output: c[4].to_string(),
        })
        .collect();
    assert!(!cases.is_empty(), "{}: no case understood", dir.display());
    let default = default_re
        .captures(&script)
        .map(|c| c[1].to_string())
        .unwrap_or_default();
    let inputs = std::fs::read_to_string(dir.join("in")).unwrap();
    let outputs = std::fs::read_to_string(dir.join("out")).unwrap();
    let outputs: Vec<&str> = outputs.lines().filter(|l| !l.is_empty()).collect();
    let inputs: Vec<&str> = inputs.lines().filter(|l| !l.is_empty()).collect();
    assert_eq!(
        inputs.len(),
        outputs.len(),
        "{}: in/out line counts",
        dir.display()
    );
    for (input, want) in inputs.iter().zip(&outputs) {
        let event = parse_json(input);
        let msg = event.get("msg").cloned().unwrap_or(Value::Null);
        let got = cases
            .iter()
            .find_map(|c| {
                if c.extract {
                    c.extractor.extract(&msg).map(|v| output(&c.output, &v))
                } else {
                    c.extractor
                        .is_match(&msg)
                        .then(|| output(&c.output, &Value::Null))
                }
            })
            .unwrap_or_else(|| output(&default, &Value::Null));
        assert_eq!(got, parse_json(want), "{}: {input}", dir.display());
    }
}

#[test]
fn extractor_case_directories() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases");
    let mut dirs: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("extractor_"))
        })
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 11, "every extractor has a case directory");
    for dir in dirs {
        run_dir(&dir);
    }
}
