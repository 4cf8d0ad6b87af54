//! Pieces of Oniguruma (Ruby, Logstash) regex syntax and their regex-crate spelling.

/// Parses a quantifier at `i`: (bytes consumed, regex-crate text, may repeat more than once).
pub(super) fn quantifier(src: &str, i: usize) -> Option<(usize, String, bool)> {
    let b = src.as_bytes();
    let (mut len, mut text, many) = match *b.get(i)? {
        b'*' | b'+' => (1, (b[i] as char).to_string(), true),
        b'?' => (1, "?".to_string(), false),
        b'{' => {
            let close = src[i..].find('}')?;
            let inner = &src[i + 1..i + close];
            let (lo, hi) = match inner.split_once(',') {
                Some((lo, hi)) => (lo, Some(hi)),
                None => (inner, None),
            };
            let num =
                |s: &str| !s.is_empty() && s.len() <= 4 && s.bytes().all(|c| c.is_ascii_digit());
            let lo_ok = num(lo) || (lo.is_empty() && hi.is_some_and(num));
            if !lo_ok || hi.is_some_and(|h| !h.is_empty() && !num(h)) {
                return None;
            }
            let lo_v: u32 = lo.parse().unwrap_or(0);
            let many = match hi {
                None => lo_v > 1,
                Some("") => true,
                Some(h) => h.parse::<u32>().unwrap_or(0) > 1,
            };
            let lo = if lo.is_empty() { "0" } else { lo };
            let text = match hi {
                None => format!("{{{lo}}}"),
                Some(h) => format!("{{{lo},{h}}}"),
            };
            (close + 1, text, many)
        }
        _ => return None,
    };
    match b.get(i + len) {
        Some(b'?') => {
            text.push('?');
            len += 1;
        }
        // Possessive: treated as greedy (see the module docs).
        Some(b'+') => len += 1,
        _ => {}
    }
    // A repeat of a repeat (`.?*` in Logstash's SHOREWALL) is legal in Oniguruma and means
    // `(?:.?)*`; for the greedy one-character-or-more forms that is the same as `.*`.
    while b.get(i + len) == Some(&b'*') && matches!(text.as_str(), "?" | "*" | "+") {
        text = "*".to_string();
        len += 1;
    }
    let many = many || text == "*";
    Some((len, text, many))
}

/// The regex-crate class for an Oniguruma shorthand escape (`\d`, `\w`, `\s`, `\h` and their
/// negations), ASCII as in Ruby.
pub(super) fn class_escape(c: u8) -> Option<&'static str> {
    Some(match c {
        b'd' => "[:digit:]",
        b'D' => "[:^digit:]",
        b'w' => "[:word:]",
        b'W' => "[:^word:]",
        b's' => "[:space:]",
        b'S' => "[:^space:]",
        b'h' => "[:xdigit:]",
        b'H' => "[:^xdigit:]",
        _ => return None,
    })
}
