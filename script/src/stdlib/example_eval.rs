//! A tiny evaluator for the documentation examples and the `stdlib_*` script cases, so that
//! both run as tests before the language's interpreter exists. It understands exactly what
//! they may contain: literals (null, booleans, numbers, strings, arrays, records), `-` before
//! a number, calls `module::path::name(args...)`, constants `module::path::NAME`, and in
//! scripts `use a::b;` lines, `event.field` / `event["key"]` / `event[0]` paths, `a == b`
//! and `match x of case literal => e ... default => e end`.

use std::borrow::Cow;

use super::testing::test_env;
use super::{constant, lookup, FnCtx};
use crate::{Record, Value};

pub(crate) fn eval(src: &str) -> Result<Value<'static>, String> {
    run_script(src, &Value::Null)
}

/// Runs a script of `use` lines and one expression on `event`.
pub(crate) fn run_script(src: &str, event: &Value<'static>) -> Result<Value<'static>, String> {
    let mut p = Parser {
        s: src.as_bytes(),
        i: 0,
        event,
        aliases: Vec::new(),
        dry: false,
    };
    while p.keyword("use") {
        let start = p.i;
        while p.i < p.s.len() && p.s[p.i] != b';' {
            p.i += 1;
        }
        let path = std::str::from_utf8(&p.s[start..p.i])
            .map_err(|e| e.to_string())?
            .trim()
            .to_string();
        p.eat(b';')?;
        let alias = path.rsplit("::").next().unwrap_or_default().to_string();
        p.aliases.push((alias, path));
    }
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
    event: &'s Value<'static>,
    aliases: Vec<(String, String)>,
    /// Parsing a branch that is not taken: nothing is looked up or called.
    dry: bool,
}

impl Parser<'_> {
    fn ws(&mut self) {
        loop {
            while self.i < self.s.len() && self.s[self.i].is_ascii_whitespace() {
                self.i += 1;
            }
            if self.s.get(self.i) != Some(&b'#') {
                return;
            }
            while self.i < self.s.len() && self.s[self.i] != b'\n' {
                self.i += 1;
            }
        }
    }

    /// Consumes `word` if it comes next as a whole word.
    fn keyword(&mut self, word: &str) -> bool {
        self.ws();
        let end = self.i + word.len();
        let is_word = self.s.get(self.i..end) == Some(word.as_bytes())
            && !self
                .s
                .get(end)
                .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_');
        if is_word {
            self.i = end;
        }
        is_word
    }

    fn match_expr(&mut self) -> Result<Value<'static>, String> {
        let subject = self.expr()?;
        if !self.keyword("of") {
            return Err(format!("expected `of` at {}", self.i));
        }
        let mut chosen = None;
        loop {
            if self.keyword("case") {
                let pattern = self.expr()?;
                self.arrow()?;
                let take = chosen.is_none() && pattern == subject;
                let v = self.branch(take)?;
                if take {
                    chosen = Some(v);
                }
            } else if self.keyword("default") {
                self.arrow()?;
                let take = chosen.is_none();
                let v = self.branch(take)?;
                if take {
                    chosen = Some(v);
                }
            } else if self.keyword("end") {
                return chosen.ok_or_else(|| "no case matched".to_string());
            } else {
                return Err(format!("bad match at {}", self.i));
            }
        }
    }

    fn branch(&mut self, take: bool) -> Result<Value<'static>, String> {
        let outer = self.dry;
        self.dry = outer || !take;
        let v = self.expr();
        self.dry = outer;
        v
    }

    fn arrow(&mut self) -> Result<(), String> {
        self.eat(b'=')?;
        if self.s.get(self.i) == Some(&b'>') {
            self.i += 1;
            Ok(())
        } else {
            Err(format!("expected => at {}", self.i))
        }
    }

    fn event_path(&mut self) -> Result<Value<'static>, String> {
        let mut at = self.event.clone();
        loop {
            match self.s.get(self.i) {
                Some(b'.') => {
                    self.i += 1;
                    let start = self.i;
                    while self.i < self.s.len()
                        && (self.s[self.i].is_ascii_alphanumeric() || self.s[self.i] == b'_')
                    {
                        self.i += 1;
                    }
                    let k =
                        std::str::from_utf8(&self.s[start..self.i]).map_err(|e| e.to_string())?;
                    if !self.dry {
                        at = at
                            .get(k)
                            .cloned()
                            .ok_or(format!("event has no field {k}"))?;
                    }
                }
                Some(b'[') => {
                    self.i += 1;
                    let key = self.expr()?;
                    self.eat(b']')?;
                    if self.dry {
                        continue;
                    }
                    at = match (&at, &key) {
                        (Value::Record(r), Value::String(k)) => r.get(k).cloned(),
                        (Value::Array(a), i) => i
                            .as_u64()
                            .and_then(|i| a.get(usize::try_from(i).ok()?))
                            .cloned(),
                        _ => None,
                    }
                    .ok_or(format!("event has no element {}", key.to_json()))?;
                }
                _ => return Ok(at),
            }
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

    /// A primary expression, optionally compared with `==` to another.
    fn expr(&mut self) -> Result<Value<'static>, String> {
        let lhs = self.primary()?;
        if self.peek() == Some(b'=') && self.s.get(self.i + 1) == Some(&b'=') {
            self.i += 2;
            let rhs = self.primary()?;
            return Ok(Value::Bool(lhs == rhs));
        }
        Ok(lhs)
    }

    fn primary(&mut self) -> Result<Value<'static>, String> {
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
        let src = self.s;
        let path = std::str::from_utf8(&src[start..self.i]).map_err(|e| e.to_string())?;
        match path {
            "null" => return Ok(Value::Null),
            "true" => return Ok(Value::Bool(true)),
            "false" => return Ok(Value::Bool(false)),
            "event" => return self.event_path(),
            "match" => return self.match_expr(),
            _ => {}
        }
        // `string::len` after `use std::string;` is `std::string::len`.
        let first = path.split("::").next().unwrap_or_default();
        let full = match self.aliases.iter().find(|(alias, _)| alias == first) {
            Some((alias, full)) => format!("{full}{}", &path[alias.len()..]),
            None => path.to_string(),
        };
        let path = full.as_str();
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
        if self.dry {
            return Ok(Value::Null);
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

    #[test]
    fn runs_scripts_on_events() {
        let event = super::super::testing::json(r#"{"s": "abc", "a": [1, {"k": 2}]}"#);
        let src =
            "use std::string; # comment\n{\"n\": string::len(event.s), \"k\": event.a[1][\"k\"]}";
        assert_eq!(
            run_script(src, &event).map(|v| v.to_json()),
            Ok(r#"{"n":3,"k":2}"#.to_string())
        );
        let m = "use std::integer;\nmatch event.s of case \"x\" => integer::parse(event.s) default => 1 end";
        assert_eq!(
            run_script(m, &event),
            Ok(Value::I64(1)),
            "the branch not taken is not run"
        );
        assert!(run_script("event.nope", &event).is_err());
        assert!(run_script("match 1 of case 2 => 3 end", &event).is_err());
    }
}
