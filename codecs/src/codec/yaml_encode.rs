//! `yaml` encoding: block style, one document per frame, ending in a newline.
//!
//! Strings are written plain only when that cannot be misread (a conservative character set,
//! and not resolving to a null, boolean or number); otherwise double-quoted with escapes for
//! everything YAML does not allow raw. Binary values are `!!binary` base64, floats use the
//! shortest exact form with `.inf` / `.nan` for the non-finite ones, so decoding what was
//! encoded gives the same value and the same types.

use base64::Engine as _;
use sluice_script::Value;

use super::yaml::resolve_plain;

/// Appends `v` as a YAML document.
pub(crate) fn encode(v: &Value<'_>, out: &mut Vec<u8>) {
    match v {
        Value::Array(a) if !a.is_empty() => seq(a, 0, out),
        Value::Record(r) if !r.is_empty() => map(r, 0, out),
        other => {
            scalar(other, out);
            out.push(b'\n');
        }
    }
}

fn indent(n: usize, out: &mut Vec<u8>) {
    out.extend(std::iter::repeat_n(b' ', n));
}

fn is_block(v: &Value<'_>) -> bool {
    match v {
        Value::Array(a) => !a.is_empty(),
        Value::Record(r) => !r.is_empty(),
        _ => false,
    }
}

fn nested(v: &Value<'_>, ind: usize, out: &mut Vec<u8>) {
    match v {
        Value::Array(a) => seq(a, ind, out),
        Value::Record(r) => map(r, ind, out),
        _ => {}
    }
}

fn seq(a: &[Value<'_>], ind: usize, out: &mut Vec<u8>) {
    for x in a {
        indent(ind, out);
        out.push(b'-');
        if is_block(x) {
            out.push(b'\n');
            nested(x, ind + 2, out);
        } else {
            out.push(b' ');
            scalar(x, out);
            out.push(b'\n');
        }
    }
}

/// YAML limits implicit keys (`key: value`) to 1024 characters; longer keys are written
/// as explicit keys (`? key` then `: value`).
const IMPLICIT_KEY_MAX: usize = 1000;

fn map(r: &sluice_script::Record<'_>, ind: usize, out: &mut Vec<u8>) {
    for (k, x) in r.iter() {
        indent(ind, out);
        let key_start = out.len();
        string(k, out);
        if out.len() - key_start > IMPLICIT_KEY_MAX {
            out.splice(key_start..key_start, *b"? ");
            out.push(b'\n');
            indent(ind, out);
        }
        out.push(b':');
        if is_block(x) {
            out.push(b'\n');
            nested(x, ind + 2, out);
        } else {
            out.push(b' ');
            scalar(x, out);
            out.push(b'\n');
        }
    }
}

fn scalar(v: &Value<'_>, out: &mut Vec<u8>) {
    match v {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Value::I64(i) => out.extend_from_slice(i.to_string().as_bytes()),
        Value::U64(u) => out.extend_from_slice(u.to_string().as_bytes()),
        Value::F64(f) if f.is_nan() => out.extend_from_slice(b".nan"),
        Value::F64(f) if f.is_infinite() => {
            out.extend_from_slice(if *f > 0.0 { b".inf" } else { b"-.inf" });
        }
        Value::F64(f) => out.extend_from_slice(ryu::Buffer::new().format_finite(*f).as_bytes()),
        Value::String(s) => string(s, out),
        Value::Bytes(b) => {
            out.extend_from_slice(b"!!binary \"");
            out.extend_from_slice(
                base64::engine::general_purpose::STANDARD
                    .encode(b)
                    .as_bytes(),
            );
            out.push(b'"');
        }
        Value::Array(_) => out.extend_from_slice(b"[]"),
        Value::Record(_) => out.extend_from_slice(b"{}"),
    }
}

fn plain_ok(s: &str) -> bool {
    let b = s.as_bytes();
    let Some(first) = b.first() else {
        return false;
    };
    (first.is_ascii_alphanumeric() || *first == b'_')
        && !s.ends_with(' ')
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || b"_-./@+ ".contains(c))
        && resolve_plain(s).is_none()
        // YAML 1.1 readers (still common) take these for booleans.
        && !matches!(
            s,
            "y" | "Y" | "yes" | "Yes" | "YES" | "n" | "N" | "no" | "No" | "NO" | "on" | "On"
                | "ON" | "off" | "Off" | "OFF"
        )
}

fn string(s: &str, out: &mut Vec<u8>) {
    if plain_ok(s) {
        out.extend_from_slice(s.as_bytes());
        return;
    }
    out.push(b'"');
    for c in s.chars() {
        match c {
            '"' => out.extend_from_slice(b"\\\""),
            '\\' => out.extend_from_slice(b"\\\\"),
            '\n' => out.extend_from_slice(b"\\n"),
            '\t' => out.extend_from_slice(b"\\t"),
            '\r' => out.extend_from_slice(b"\\r"),
            // Not printable in YAML (or a line break in YAML 1.1 readers): escape.
            '\0'..='\x1f'
            | '\x7f'..='\u{9f}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{feff}'
            | '\u{fffe}'
            | '\u{ffff}' => {
                out.extend_from_slice(format!("\\u{:04x}", u32::from(c)).as_bytes());
            }
            c => {
                let mut b = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut b).as_bytes());
            }
        }
    }
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(v: &Value<'_>) -> String {
        let mut out = Vec::new();
        encode(v, &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn block_style() {
        let mut buf = br#"{"a":1,"b":[true,{"c":"x y","d":[]}],"e":"1","f":"","g":1.0}"#.to_vec();
        let v = sluice_script::JsonDecoder::new().decode(&mut buf).unwrap();
        assert_eq!(
            enc(&v),
            "a: 1\nb:\n  - true\n  -\n    c: x y\n    d: []\ne: \"1\"\nf: \"\"\ng: 1.0\n"
        );
        assert_eq!(enc(&Value::from("true")), "\"true\"\n");
        assert_eq!(enc(&Value::from("yes")), "\"yes\"\n");
        assert_eq!(enc(&Value::from("yes sir")), "yes sir\n");
        assert_eq!(enc(&Value::from("a: b")), "\"a: b\"\n");
        assert_eq!(enc(&Value::from("\u{1}é")), "\"\\u0001é\"\n");
    }

    #[test]
    fn long_keys_are_explicit() {
        // Found by fuzzing: a 1,300-character key is not an implicit key to a YAML parser.
        for key in ["k".repeat(1500), "\u{13}".repeat(400)] {
            let mut r = sluice_script::Record::new();
            r.insert(key.clone(), Value::I64(1));
            let mut inner = sluice_script::Record::new();
            inner.insert("x", Value::Bool(true));
            r.insert(format!("{key}2"), Value::Record(inner));
            let v = Value::Record(r);
            let text = enc(&v);
            assert!(text.starts_with("? "), "{text}");
            let back = super::super::yaml::decode(text.as_bytes()).unwrap();
            assert_eq!(back.to_json(), v.to_json());
        }
    }
}
