//! Tests over the whole library: every name resolves, every function is documented, and the
//! reference page is current. The examples run through the interpreter in
//! `tests/stdlib_examples.rs`, the `stdlib_*` script cases in `tests/cases.rs`.

use super::testing::json;
use super::*;

#[test]
fn every_module_resolves_and_documents_its_functions() {
    for m in MODULES {
        let fns = module(m).unwrap_or_else(|| panic!("{m} resolves"));
        assert!(!fns.is_empty(), "{m} has functions");
        for f in fns {
            assert!(!f.doc.is_empty(), "{m}::{} has a doc line", f.doc);
            assert!(
                !f.doc.contains('\n'),
                "{m}::{}: the doc is one line",
                f.name
            );
            assert!(!f.examples.is_empty(), "{m}::{} has an example", f.name);
            assert!(
                std::ptr::eq(lookup(m, f.name).expect("resolves"), f),
                "{m}::{} is defined once",
                f.name
            );
        }
    }
    assert!(lookup("std::string", "no_such_fn").is_none());
    assert!(module("std::nope").is_none());
    assert!(lookup("string", "len").is_none(), "paths are full paths");
}

#[test]
fn module_list_is_sorted_and_unique() {
    let mut sorted = MODULES.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(sorted, MODULES, "MODULES is sorted and has no duplicates");
}

#[test]
fn params_agree_with_arity() {
    for m in MODULES {
        for f in module(m).unwrap_or_default() {
            let named = f.params.iter().filter(|p| **p != "...").count();
            let varargs = f.params.last() == Some(&"...");
            let ok = match f.arity {
                Arity::Exact(n) => named == n && !varargs,
                Arity::Range(_, hi) => named == hi && !varargs,
                Arity::AtLeast(n) => named == n && varargs,
            };
            assert!(
                ok,
                "{m}::{}: params {:?} vs arity {:?}",
                f.name, f.params, f.arity
            );
        }
    }
}

#[test]
fn arities_match_tremor() {
    // Spot checks against tremor's documented signatures; a wrong arity turns a valid
    // tremor script into a compile error.
    let expect = [
        ("std::string", "format", Arity::AtLeast(1)),
        ("std::string", "replace", Arity::Exact(3)),
        ("std::string", "substr", Arity::Exact(3)),
        ("std::array", "zip", Arity::Exact(2)),
        ("std::record", "rename", Arity::Exact(2)),
        ("std::re", "replace_all", Arity::Exact(3)),
        ("std::re", "split", Arity::Exact(2)),
        ("std::random", "integer", Arity::Range(0, 2)),
        ("std::random", "float", Arity::Range(0, 2)),
        ("std::random", "bool", Arity::Exact(0)),
        ("std::path", "try_default", Arity::Exact(3)),
        ("std::test", "assert", Arity::Exact(3)),
        ("std::datetime", "with_timezone", Arity::Exact(2)),
        ("std::datetime", "format", Arity::Exact(2)),
        ("tremor::chash", "jump_with_keys", Arity::Exact(4)),
        ("tremor::system", "nanotime", Arity::Exact(0)),
        ("tremor::origin", "as_uri_string", Arity::Exact(0)),
    ];
    for (m, n, a) in expect {
        assert_eq!(lookup(m, n).map(|f| f.arity), Some(a), "{m}::{n}");
    }
}

#[test]
fn example_results_are_valid_json() {
    let mut dec = crate::JsonDecoder::new();
    for m in MODULES {
        for f in module(m).unwrap_or_default() {
            for (expr, expected) in f.examples {
                let mut buf = expected.as_bytes().to_vec();
                assert!(
                    dec.decode(&mut buf).is_ok(),
                    "{m}::{}: expected result of `{expr}` is not JSON: {expected}",
                    f.name
                );
                assert!(
                    expr.contains(&format!("{m}::{}(", f.name)),
                    "{m}::{}: example `{expr}` calls the function it documents",
                    f.name
                );
            }
        }
    }
}

#[test]
fn stdlib_reference() {
    let page = reference_markdown();
    for m in MODULES {
        assert!(page.contains(&format!("## {m}\n")), "{m} has a section");
        for f in module(m).unwrap_or_default() {
            assert!(page.contains(&format!("### {m}::{}(", f.name)));
        }
    }
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("STDLIB.md");
    if std::env::var_os("SLUICE_BLESS").is_some() {
        std::fs::write(&path, &page).expect("write STDLIB.md");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == page,
        "script/STDLIB.md is out of date; regenerate it with \
         `SLUICE_BLESS=1 cargo test -p sluice-script stdlib_reference`"
    );
}

#[test]
fn no_function_panics_on_any_argument_types() {
    // Every function, every argument count up to its arity (plus one for varargs), every
    // combination of these values: errors are fine, panics are not.
    let samples: Vec<crate::Value<'static>> = vec![
        crate::Value::Null,
        crate::Value::Bool(true),
        crate::Value::I64(-1),
        crate::Value::I64(3),
        crate::Value::U64(u64::MAX),
        crate::Value::F64(1.5),
        crate::Value::F64(f64::NAN),
        crate::Value::str(""),
        crate::Value::str("a,b"),
        crate::Value::from(vec![1u8, 2]),
        json(r#"[1, "x", [2]]"#),
        json(r#"{"a": 1, "timestamp": 5, "tz": "UTC"}"#),
    ];
    let mut env = super::testing::test_env();
    let mut calls = 0_usize;
    for m in MODULES {
        for f in module(m).unwrap_or_default() {
            let max = match f.arity {
                Arity::Exact(n) | Arity::Range(_, n) => n,
                Arity::AtLeast(n) => n + 1,
            };
            for n in 0..=max {
                let mut idx = vec![0_usize; n];
                loop {
                    let args: Vec<_> = idx.iter().map(|&i| samples[i].clone()).collect();
                    let origin = json(r#"{"scheme": "x", "host": "h", "port": 1, "path": ["p"]}"#);
                    let mut ctx = FnCtx::new(&mut env, 7, Some(&origin));
                    // Counts the compiler would refuse are included: they must not panic either.
                    let _ = (f.f)(&mut ctx, &args);
                    calls += 1;
                    // Next combination, odometer style.
                    let mut pos = 0;
                    while pos < n {
                        idx[pos] += 1;
                        if idx[pos] < samples.len() {
                            break;
                        }
                        idx[pos] = 0;
                        pos += 1;
                    }
                    if pos == n {
                        break;
                    }
                }
            }
        }
    }
    assert!(calls > 10_000, "{calls} calls");
}
