use super::parse_script;
use crate::lang::ast::{BinOp, ExprKind, Item};

fn first(src: &str) -> ExprKind {
    let s = parse_script(src).unwrap_or_else(|e| panic!("{src}: {e:?}"));
    match s.items.into_iter().next() {
        Some(Item::Expr(e)) => e.kind,
        other => panic!("{other:?}"),
    }
}

#[test]
fn precedence() {
    // 1 + 2 * 3 parses as 1 + (2 * 3)
    match first("1 + 2 * 3") {
        ExprKind::Binary(BinOp::Add, _, r) => {
            assert!(matches!(r.kind, ExprKind::Binary(BinOp::Mul, _, _)))
        }
        k => panic!("{k:?}"),
    }
    // a or b and c parses as a or (b and c)
    match first("true or false and true") {
        ExprKind::Binary(BinOp::Or, _, r) => {
            assert!(matches!(r.kind, ExprKind::Binary(BinOp::And, _, _)))
        }
        k => panic!("{k:?}"),
    }
    // left associative: 1 - 2 - 3 = (1 - 2) - 3
    match first("1 - 2 - 3") {
        ExprKind::Binary(BinOp::Sub, l, _) => {
            assert!(matches!(l.kind, ExprKind::Binary(BinOp::Sub, _, _)))
        }
        k => panic!("{k:?}"),
    }
}

#[test]
fn statements_and_comments() {
    let s = parse_script("# c\nlet a = 1; ## doc\nemit a => \"x\"; drop;").unwrap();
    assert_eq!(s.items.len(), 3);
}

#[test]
fn errors_point_at_the_problem() {
    let src = "let a = ;";
    let e = parse_script(src).unwrap_err();
    assert_eq!(src.len() - e.rest, 8);
    let e = parse_script("\"abc").unwrap_err();
    assert_eq!(e.code, "E0002");
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let src = format!("{}1{}", "(".repeat(5000), ")".repeat(5000));
    let e = parse_script(&src).unwrap_err();
    assert_eq!(e.code, "E0006");
    let src = format!("1{}", " + 1".repeat(5000));
    assert_eq!(parse_script(&src).unwrap_err().code, "E0006");
}

#[test]
fn trailing_backslash_is_an_error_not_a_hang() {
    // Found by the fuzzer: a string ending in `\` looped forever.
    for src in ["\"\\uD43D\\", "\"\\", "\"abc\\"] {
        assert_eq!(parse_script(src).unwrap_err().code, "E0002", "{src:?}");
    }
}
