//! Shared checks for the extractor fuzz targets: on any input an extractor neither panics
//! nor disagrees with itself (the predicate, the owned and the borrowed extraction).

use sluice_script::extractor::Extractor;

/// Runs every form of `e` on `input` and checks they agree.
pub fn check(e: &Extractor, input: &str) {
    let owned = e.extract_str(input).map(|v| v.to_json());
    let borrowed = e.extract_borrowed(input).map(|v| v.to_json());
    assert_eq!(owned, borrowed, "owned and borrowed extraction differ");
    assert_eq!(
        e.is_match_str(input),
        owned.is_some(),
        "the predicate disagrees with the extraction"
    );
}

/// Splits fuzz data into a pattern (up to the first newline) and an input.
pub fn split(data: &[u8]) -> Option<(&str, &str)> {
    let s = std::str::from_utf8(data).ok()?;
    Some(s.split_once('\n').unwrap_or((s, "")))
}
