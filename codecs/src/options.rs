//! Reading a component's options out of the record the config layer hands over.
//!
//! The binary turns `{ name = "separate", separator = "\t" }` into a name and a [`Record`] of
//! the remaining keys; components read typed options from it and every key they do not read
//! is an error, so typos never pass silently.

use sluice_script::{Record, Value};

use crate::quantity::{parse_duration_ns, parse_size};
use crate::Error;

/// Typed access to a component's options that remembers which keys were read.
pub struct Options<'r> {
    component: &'static str,
    record: Option<&'r Record<'static>>,
    used: Vec<&'r str>,
}

impl<'r> Options<'r> {
    /// Options for `component` (its name, for messages) from `record` (None: no options).
    #[must_use]
    pub fn new(component: &'static str, record: Option<&'r Record<'static>>) -> Self {
        Options {
            component,
            record,
            used: Vec::new(),
        }
    }

    fn raw(&mut self, key: &'r str) -> Option<&'r Value<'static>> {
        self.used.push(key);
        self.record.and_then(|r| r.get(key))
    }

    /// An error about `option`.
    #[must_use]
    pub fn error(&self, option: &str, message: impl Into<String>) -> Error {
        Error::BadOption {
            component: self.component,
            option: option.into(),
            message: message.into(),
        }
    }

    /// A string option.
    ///
    /// # Errors
    /// If the option is present but not a string.
    pub fn string(&mut self, key: &'r str) -> Result<Option<&'r str>, Error> {
        match self.raw(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.as_ref())),
            Some(v) => Err(self.error(key, format!("expected a string, got {}", v.value_type()))),
        }
    }

    /// A boolean option.
    ///
    /// # Errors
    /// If the option is present but not a boolean.
    pub fn bool(&mut self, key: &'r str) -> Result<Option<bool>, Error> {
        match self.raw(key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(v) => Err(self.error(
                key,
                format!("expected true or false, got {}", v.value_type()),
            )),
        }
    }

    /// A size: a non-negative integer of bytes, or a string like `"16MiB"`, `"64k"`, `"1 GB"`.
    ///
    /// # Errors
    /// If the option is present but not a size.
    pub fn size(&mut self, key: &'r str) -> Result<Option<usize>, Error> {
        match self.raw(key) {
            None => Ok(None),
            Some(v) => match v {
                Value::String(s) => parse_size(s).map(Some).ok_or_else(|| {
                    self.error(
                        key,
                        format!("`{s}` is not a size (examples: 65536, \"64KiB\", \"16MiB\")"),
                    )
                }),
                other => other
                    .as_u64()
                    .and_then(|u| usize::try_from(u).ok())
                    .map(Some)
                    .ok_or_else(|| {
                        self.error(key, "expected a non-negative integer or a size string")
                    }),
            },
        }
    }

    /// An unsigned integer option.
    ///
    /// # Errors
    /// If the option is present but not a non-negative integer.
    pub fn u64(&mut self, key: &'r str) -> Result<Option<u64>, Error> {
        match self.raw(key) {
            None => Ok(None),
            Some(v) => v
                .as_u64()
                .map(Some)
                .ok_or_else(|| self.error(key, "expected a non-negative integer")),
        }
    }

    /// A signed integer option.
    ///
    /// # Errors
    /// If the option is present but not an integer.
    pub fn i64(&mut self, key: &'r str) -> Result<Option<i64>, Error> {
        match self.raw(key) {
            None => Ok(None),
            Some(v) => v
                .as_i64()
                .map(Some)
                .ok_or_else(|| self.error(key, "expected an integer")),
        }
    }

    /// A duration in nanoseconds: a string with a unit (`"5s"`, `"500ms"`, `"2m"`, `"100us"`)
    /// or an integer number of milliseconds.
    ///
    /// # Errors
    /// If the option is present but not a duration.
    pub fn duration_ns(&mut self, key: &'r str) -> Result<Option<u64>, Error> {
        match self.raw(key) {
            None => Ok(None),
            Some(Value::String(s)) => parse_duration_ns(s).map(Some).ok_or_else(|| {
                self.error(
                    key,
                    format!("`{s}` is not a duration (examples: \"5s\", \"500ms\", 5000)"),
                )
            }),
            Some(v) => v
                .as_u64()
                .and_then(|ms| ms.checked_mul(1_000_000))
                .map(Some)
                .ok_or_else(|| self.error(key, "expected milliseconds or a duration string")),
        }
    }

    /// A list of strings.
    ///
    /// # Errors
    /// If the option is present but not an array of strings.
    pub fn strings(&mut self, key: &'r str) -> Result<Option<Vec<&'r str>>, Error> {
        match self.raw(key) {
            None => Ok(None),
            Some(Value::Array(a)) => a
                .iter()
                .map(|v| v.as_str())
                .collect::<Option<Vec<_>>>()
                .map(Some)
                .ok_or_else(|| self.error(key, "expected an array of strings")),
            Some(v) => Err(self.error(
                key,
                format!("expected an array of strings, got {}", v.value_type()),
            )),
        }
    }

    /// Fails on any key that no accessor asked for.
    ///
    /// # Errors
    /// Names the first unknown key and lists the known ones.
    pub fn finish(self) -> Result<(), Error> {
        let Some(r) = self.record else { return Ok(()) };
        for k in r.keys() {
            if !self.used.iter().any(|u| *u == k.as_ref()) {
                let known = if self.used.is_empty() {
                    "none".to_string()
                } else {
                    self.used.join(", ")
                };
                return Err(self.error(k, format!("unknown option (known: {known})")));
            }
        }
        Ok(())
    }
}

/// ", did you mean `x`?" for the closest of `candidates` to `name`, or "".
#[must_use]
pub fn did_you_mean(name: &str, candidates: &[&str]) -> String {
    let best = candidates
        .iter()
        .map(|c| (edit_distance(name, c), *c))
        .min_by_key(|(d, _)| *d);
    match best {
        Some((d, c)) if d <= 2.max(name.len() / 3) => format!(", did you mean `{c}`?"),
        _ => String::new(),
    }
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions() {
        assert_eq!(
            did_you_mean("jsno", &["json", "string"]),
            ", did you mean `json`?"
        );
        assert_eq!(did_you_mean("xyzzy", &["json", "string"]), "");
    }

    #[test]
    fn unknown_option_is_rejected() {
        let r: Record<'static> = [("max_lenght", Value::I64(5))].into_iter().collect();
        let mut o = Options::new("separate", Some(&r));
        assert_eq!(o.size("max_length"), Ok(None));
        let e = o.finish().unwrap_err();
        assert!(e.to_string().contains("max_lenght"), "{e}");
    }
}
