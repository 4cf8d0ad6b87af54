//! RFC 5424, strictly: what the ABNF of section 6 rejects is an error.
//!
//! `HEADER SP STRUCTURED-DATA [SP MSG]` with `HEADER = PRI VERSION SP TIMESTAMP SP HOSTNAME
//! SP APP-NAME SP PROCID SP MSGID`; header fields are printable US-ASCII with the RFC's
//! length limits, `-` is the NILVALUE, timestamps are RFC 3339 with at most six fraction
//! digits, PARAM-VALUEs escape `"`, `\` and `]`, MSG is UTF-8 (optionally after a BOM).

use std::borrow::Cow;
use std::cell::Cell;

use sluice_script::{Record, Value};

use super::stamp::{rfc3339_memo, Stamp};
use super::time::Cursor;
use super::{decode_err, Message};
use crate::Error;

/// `text` is what follows `<PRI>`, starting with `VERSION SP` (the caller checked), and is
/// valid UTF-8 as a whole, so every field is a slice of it. `stamp`: the stream's last
/// timestamp (see `stamp.rs`).
pub(crate) fn parse<'a>(pri: u8, text: &'a str, stamp: &Cell<Stamp>) -> Result<Message<'a>, Error> {
    let rest = text.as_bytes();
    let mut c = Cursor::new(rest);
    let mut version = 0u16;
    while let Some(d) = c.peek().filter(u8::is_ascii_digit) {
        version = version * 10 + u16::from(d - b'0');
        c.pos += 1;
    }
    c.pos += 1; // the SP after VERSION
    let timestamp = if c.b.get(c.pos..c.pos + 2) == Some(b"- ") {
        c.pos += 1;
        None
    } else {
        let t = rfc3339_memo(&mut c, 6, stamp).ok_or_else(|| {
            decode_err("expecting an RFC 3339 timestamp (at most 6 fraction digits) or `-`")
        })?;
        Some(t)
    };
    sp(&mut c, "timestamp")?;
    let hostname = header_field(text, &mut c, 255, "hostname")?;
    let appname = header_field(text, &mut c, 48, "app-name")?;
    let procid = header_field(text, &mut c, 128, "procid")?;
    let msgid = header_field(text, &mut c, 32, "msgid")?;
    let structured_data = match c.peek() {
        Some(b'-') => {
            c.pos += 1;
            None
        }
        Some(b'[') => Some(structured_data(text, &mut c)?),
        _ => {
            return Err(decode_err(
                "expecting structured data (`[id param=\"value\"]`) or `-`",
            ))
        }
    };
    let msg = match c.peek() {
        None => "",
        Some(b' ') => text.get(c.pos + 1..).unwrap_or_default(),
        Some(_) => return Err(decode_err("expecting a space after the structured data")),
    };
    Ok(Message {
        pri,
        version: Some(version),
        timestamp,
        hostname,
        appname,
        procid,
        msgid,
        structured_data,
        msg,
    })
}

fn sp(c: &mut Cursor<'_>, after: &str) -> Result<(), Error> {
    if c.eat(b' ') {
        Ok(())
    } else {
        Err(decode_err(format!("expecting a space after the {after}")))
    }
}

/// `NILVALUE / 1*max PRINTUSASCII`, then SP.
fn header_field<'a>(
    text: &'a str,
    c: &mut Cursor<'_>,
    max: usize,
    name: &str,
) -> Result<Option<&'a str>, Error> {
    let start = c.pos;
    let n = c.b[start..]
        .iter()
        .position(|b| !(33..=126).contains(b))
        .unwrap_or(c.b.len() - start);
    c.pos += n;
    if n == 0 || n > max || c.peek() != Some(b' ') {
        return Err(decode_err(format!(
            "expecting a {name} (1 to {max} printable US-ASCII characters) or `-`, then a space"
        )));
    }
    c.pos += 1;
    match text.get(start..start + n) {
        Some("-") => Ok(None),
        token => Ok(token),
    }
}

/// Bytes of an SD-NAME: printable US-ASCII except `=`, SP, `]` and `"`.
const SD_NAME: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 33;
    while b <= 126 {
        t[b] = !matches!(b as u8, b'=' | b']' | b'"');
        b += 1;
    }
    t
};

/// SD-NAME: 1 to 32 printable US-ASCII characters except `=`, SP, `]` and `"`.
fn sd_name<'a>(text: &'a str, c: &mut Cursor<'_>) -> Option<&'a str> {
    let start = c.pos;
    let n = c.b[start..]
        .iter()
        .position(|&b| !SD_NAME[usize::from(b)])
        .unwrap_or(c.b.len() - start);
    c.pos += n;
    if n == 0 || n > 32 {
        return None;
    }
    text.get(start..c.pos)
}

fn structured_data<'a>(text: &'a str, c: &mut Cursor<'_>) -> Result<Record<'a>, Error> {
    let mut sd = Record::new();
    while c.eat(b'[') {
        let id = sd_name(text, c).ok_or_else(|| {
            decode_err("expecting a structured data element id (1 to 32 printable US-ASCII characters except `=`, space, `]` and `\"`)")
        })?;
        if sd.contains_key(id) {
            return Err(decode_err(format!(
                "duplicate structured data element id `{id}`"
            )));
        }
        let mut params = Vec::new();
        loop {
            if c.eat(b']') {
                break;
            }
            let bad_param =
                || decode_err("expecting a structured data parameter `name=\"value\"` or `]`");
            if !c.eat(b' ') {
                return Err(bad_param());
            }
            let name = sd_name(text, c).ok_or_else(bad_param)?;
            if !c.eat(b'=') || !c.eat(b'"') {
                return Err(bad_param());
            }
            let value = param_value(text, c)?;
            let mut p = Record::with_capacity(1);
            p.push_unique(name, Value::String(value));
            params.push(Value::Record(p));
        }
        sd.push_unique(id, Value::Array(params));
    }
    Ok(sd)
}

/// A PARAM-VALUE after its opening quote, through the closing quote.
fn param_value<'a>(text: &'a str, c: &mut Cursor<'_>) -> Result<Cow<'a, str>, Error> {
    let b = c.b;
    let start = c.pos;
    let mut copy: Option<String> = None;
    let mut seg = start;
    let mut i = start;
    loop {
        // Only these three bytes mean anything inside a value; jump to the next one.
        i = match memchr::memchr3(b'"', b']', b'\\', &b[i..]) {
            None => return Err(decode_err("unterminated structured data parameter value")),
            Some(n) => i + n,
        };
        match b[i] {
            b'"' => break,
            b']' => {
                return Err(decode_err(
                    "`]`, `\"` and `\\` must be escaped within a parameter value",
                ))
            }
            _ if matches!(b.get(i + 1), Some(b'"' | b'\\' | b']')) => {
                let v = copy.get_or_insert_with(String::new);
                v.push_str(text.get(seg..i).unwrap_or_default());
                seg = i + 1;
                i += 2;
            }
            // RFC 5424 6.3.3: any other backslash is an ordinary character.
            _ => i += 1,
        }
    }
    c.pos = i + 1;
    // Cut points sit next to ASCII bytes, so they are character boundaries.
    let tail = text.get(seg..i).unwrap_or_default();
    Ok(match copy {
        None => Cow::Borrowed(tail),
        Some(mut v) => {
            v.push_str(tail);
            Cow::Owned(v)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_in_param_values() {
        let m = parse(
            1,
            r#"1 - - - - - [id@1 a="x\"y\]z\\w\q"] hi"#,
            &Cell::default(),
        )
        .unwrap();
        let sd = Value::Record(m.structured_data.unwrap());
        assert_eq!(sd.to_json(), r#"{"id@1":[{"a":"x\"y]z\\w\\q"}]}"#);
        assert_eq!(m.msg, "hi");
        assert!(parse(1, r#"1 - - - - - [id@1 a="x]"]"#, &Cell::default()).is_err());
        assert!(parse(
            1,
            r#"1 - - - - - [id@1 a="x"][id@1 b="y"]"#,
            &Cell::default()
        )
        .is_err());
    }
}
