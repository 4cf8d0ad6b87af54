//! A tiny evaluator for the documentation examples, so that they run as tests before the
//! language's interpreter exists. It understands exactly what examples may contain: literals
//! (null, booleans, numbers, strings, arrays, records), `-` before a number, calls
//! `module::path::name(args...)` and constants `module::path::NAME`.

use std::borrow::Cow;

use super::testing::test_env;
use super::{constant, lookup, FnCtx};
use crate::{Record, Value};

pub(crate) fn eval(src: &str) -> Result<Value<'static>, String> {
    let mut p = Parser {
        s: src.as_bytes(),
        i: 0,
    };
    let v = p.expr()?;
    p.ws();
    if p.i != p.s.len() {
        return Err(format!("trailing input at {}", p.i));
    }
    Ok(v)
}

struct Parser<'s> {
    s: &'s [u8],
    i: usize,
}

impl Parser<'_> {
    fn ws(&mut self) {
        while self.i < self.s.len() && self.s[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }

    fn peek(&mut self) -> Option<u8> {
        self.ws();
        self.s.get(self.i).copied()
    }

    fn eat(&mut self, c: u8) -> Result<(), String> {
        if self.peek() == Some(c) {
            self.i += 1;
            Ok(())
        } else {
            Err(format!("expected {:?} at {}", c as char, self.i))
        }
    }

    fn expr(&mut self) -> Result<Value<'static>, String> {
        match self.peek() {
            Some(b'"') => self.string().map(Value::from),
            Some(b'[') => {
                self.i += 1;
                let items = self.list(b']')?;
                Ok(Value::Array(items))
            }
            Some(b'{') => {
                self.i += 1;
                let mut r = Record::new();
                if self.peek() == Some(b'}') {
                    self.i += 1;
                    return Ok(Value::Record(r));
                }
                loop {
                    let k = self.string()?;
                    self.eat(b':')?;
                    let v = self.expr()?;
                    r.insert(k, v);
                    match self.peek() {
                        Some(b',') => self.i += 1,
                        Some(b'}') => {
                            self.i += 1;
                            return Ok(Value::Record(r));
                        }
                        _ => return Err(format!("bad record at {}", self.i)),
                    }
                }
            }
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(c) if c.is_ascii_alphabetic() => self.path_expr(),
            _ => Err(format!("unexpected input at {}", self.i)),
        }
    }

    fn list(&mut self, close: u8) -> Result<Vec<Value<'static>>, String> {
        let mut items = Vec::new();
        if self.peek() == Some(close) {
            self.i += 1;
            return Ok(items);
        }
        loop {
            items.push(self.expr()?);
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(c) if c == close => {
                    self.i += 1;
                    return Ok(items);
                }
                _ => return Err(format!("bad list at {}", self.i)),
            }
        }
    }

    fn number(&mut self) -> Result<Value<'static>, String> {
        let start = self.i;
        if self.s[self.i] == b'-' {
            self.i += 1;
        }
        while self.i < self.s.len()
            && (self.s[self.i].is_ascii_alphanumeric() || b"._+-".contains(&self.s[self.i]))
        {
            // A sign belongs to the number only right after an exponent marker.
            if matches!(self.s[self.i], b'+' | b'-') && !matches!(self.s[self.i - 1], b'e' | b'E') {
                break;
            }
            self.i += 1;
        }
        let text: String = std::str::from_utf8(&self.s[start..self.i])
            .map_err(|e| e.to_string())?
            .replace('_', "");
        if text.contains(['.', 'e', 'E']) {
            text.parse::<f64>()
                .map(Value::F64)
                .map_err(|e| format!("{text}: {e}"))
        } else if let Ok(i) = text.parse::<i64>() {
            Ok(Value::I64(i))
        } else {
            text.parse::<u64>()
                .map(Value::U64)
                .map_err(|e| format!("{text}: {e}"))
        }
    }

    fn string(&mut self) -> Result<String, String> {
        self.eat(b'"')?;
        let mut out = Vec::new();
        loop {
            let c = *self.s.get(self.i).ok_or("unterminated string")?;
            self.i += 1;
            match c {
                b'"' => break,
                b'\\' => {
                    let e = *self.s.get(self.i).ok_or("bad escape")?;
                    self.i += 1;
                    match e {
                        b'n' => out.push(b'\n'),
                        b't' => out.push(b'\t'),
                        b'r' => out.push(b'\r'),
                        b'"' | b'\\' | b'/' => out.push(e),
                        b'u' => {
                            let hex = self.s.get(self.i..self.i + 4).ok_or("bad \\u")?;
                            self.i += 4;
                            let n = u32::from_str_radix(
                                std::str::from_utf8(hex).map_err(|e| e.to_string())?,
                                16,
                            )
                            .map_err(|e| e.to_string())?;
                            let ch = char::from_u32(n).ok_or("bad code point")?;
                            out.extend_from_slice(ch.to_string().as_bytes());
                        }
                        _ => return Err(format!("unknown escape \\{}", e as char)),
                    }
                }
                b'#' if self.s.get(self.i) == Some(&b'{') => {
                    return Err("interpolation is not for examples".into())
                }
                c => out.push(c),
            }
        }
        String::from_utf8(out).map_err(|e| e.to_string())
    }

    fn path_expr(&mut self) -> Result<Value<'static>, String> {
        let start = self.i;
        while self.i < self.s.len()
            && (self.s[self.i].is_ascii_alphanumeric()
                || self.s[self.i] == b'_'
                || self.s[self.i] == b':')
        {
            self.i += 1;
        }
        let path = std::str::from_utf8(&self.s[start..self.i]).map_err(|e| e.to_string())?;
        match path {
            "null" => return Ok(Value::Null),
            "true" => return Ok(Value::Bool(true)),
            "false" => return Ok(Value::Bool(false)),
            _ => {}
        }
        let (module, name) = path.rsplit_once("::").ok_or(format!("bare name {path}"))?;
        if self.peek() != Some(b'(') {
            return constant(module, name).ok_or(format!("unknown constant {path}"));
        }
        self.i += 1;
        let args = self.list(b')')?;
        let f = lookup(module, name).ok_or(format!("unknown function {path}"))?;
        if !f.arity.accepts(args.len()) {
            return Err(format!(
                "{path} takes {} arguments, got {}",
                f.arity,
                args.len()
            ));
        }
        let mut env = test_env();
        let mut ctx = FnCtx::new(&mut env, 1_600_000_000_000_000_000, None);
        (f.f)(&mut ctx, &args)
            .map(Value::into_static)
            .map_err(|e| format!("{path}: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evaluates_literals_and_calls() {
        assert_eq!(
            eval("[1, -2.5, \"a\\u00e9\", {\"k\": null}]").map(|v| v.to_json()),
            Ok("[1,-2.5,\"aé\",{\"k\":null}]".to_string())
        );
        assert_eq!(eval("std::string::len(\"abc\")"), Ok(Value::I64(3)));
        assert_eq!(eval("1_000"), Ok(Value::I64(1000)));
        assert!(eval("std::string::len(1, 2)").is_err());
        assert!(eval("std::nope::x()").is_err());
        assert!(eval("\"#{x}\"").is_err());
        assert!(matches!(eval("\"x\""), Ok(Value::String(Cow::Owned(_)))));
    }
}
