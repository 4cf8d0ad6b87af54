//! `csv`: one RFC 4180 record per frame.
//!
//! By default a record decodes to an array of strings, as in tremor. With `columns` (a list
//! of names) or `header = true` (the first frame this codec instance sees names the columns
//! and yields no event) it decodes to a record keyed by column name, and a row with a
//! different number of fields is an error. Fields borrow from the frame unless they contain
//! doubled quotes.
//!
//! Quoted fields may hold separators, quotes (doubled) and line breaks; a quote inside an
//! unquoted field is kept as text (real files have `5" screen`), but text after a closing
//! quote is an error. A frame holding more than one record is an error: split lines with a
//! preprocessor first (which cannot split records whose quoted fields hold line breaks).
//!
//! Encoding writes an array, or a record's values (in `columns` order when configured), as
//! one row without a line end, quoting fields that need it. Numbers and booleans are written
//! as text, null as an empty field, arrays and records as JSON. With `header = true` the
//! first row written is preceded by a header line, unless the header was taken out with
//! [`CsvCodec::detach_header`]: the engine does that for sinks, where several ingest
//! shards encode rows for one file and the sink writes the header once.
//!
//! Decoding with `header = true` keeps state (the header row seen): the engine gives every
//! stream (connection) its own decoder, see [`crate::Codec::has_stream_state`].
//!
//! Options: `separator` (one ASCII character, default `","`), `columns`, `header`.

use std::borrow::Cow;

use sluice_script::{Record, Value};

use crate::{options::Options, Error};

/// The CSV codec.
#[derive(Debug)]
pub struct CsvCodec {
    sep: u8,
    columns: Option<Vec<String>>,
    header: bool,
    /// Whether the header row has been read (decoding) or written (encoding).
    header_seen: bool,
    header_written: bool,
}

fn decode_err(message: impl Into<String>) -> Error {
    Error::Decode {
        codec: "csv",
        message: message.into(),
    }
}

fn encode_err(message: impl Into<String>) -> Error {
    Error::Encode {
        codec: "csv",
        message: message.into(),
    }
}

/// Splits one record into its fields.
fn fields(s: &str, sep: u8) -> Result<Vec<Cow<'_, str>>, Error> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(8);
    let mut i = 0;
    loop {
        if b.get(i) == Some(&b'"') {
            let start = i + 1;
            let mut j = start;
            let mut copy: Option<String> = None;
            let mut seg = start;
            loop {
                match b.get(j) {
                    None => return Err(decode_err("unterminated quoted field")),
                    Some(b'"') if b.get(j + 1) == Some(&b'"') => {
                        let c = copy.get_or_insert_with(String::new);
                        c.push_str(&s[seg..=j]);
                        j += 2;
                        seg = j;
                    }
                    Some(b'"') => break,
                    Some(_) => j += 1,
                }
            }
            out.push(match copy {
                None => Cow::Borrowed(&s[start..j]),
                Some(mut c) => {
                    c.push_str(&s[seg..j]);
                    Cow::Owned(c)
                }
            });
            i = j + 1;
            match b.get(i) {
                None => return Ok(out),
                Some(c) if *c == sep => i += 1,
                Some(b'\n' | b'\r') => return Err(more_than_one()),
                Some(c) => {
                    return Err(decode_err(format!(
                        "unexpected {:?} after a closing quote",
                        char::from(*c)
                    )))
                }
            }
        } else {
            let start = i;
            while let Some(&c) = b.get(i) {
                if c == sep {
                    break;
                }
                if c == b'\n' || c == b'\r' {
                    return Err(more_than_one());
                }
                i += 1;
            }
            out.push(Cow::Borrowed(&s[start..i]));
            if i >= b.len() {
                return Ok(out);
            }
            i += 1;
        }
    }
}

fn more_than_one() -> Error {
    decode_err("frame holds more than one record; split lines with a preprocessor")
}

fn needs_quotes(s: &str, sep: u8) -> bool {
    s.bytes()
        .any(|b| b == sep || matches!(b, b'"' | b'\r' | b'\n'))
}

fn write_field(s: &str, sep: u8, out: &mut Vec<u8>) {
    if !needs_quotes(s, sep) {
        out.extend_from_slice(s.as_bytes());
        return;
    }
    out.push(b'"');
    for b in s.bytes() {
        if b == b'"' {
            out.push(b'"');
        }
        out.push(b);
    }
    out.push(b'"');
}

fn write_value(v: &Value<'_>, sep: u8, out: &mut Vec<u8>) {
    match v {
        Value::Null => {}
        Value::String(s) => write_field(s, sep, out),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::I64(i) => out.extend_from_slice(itoa::Buffer::new().format(*i).as_bytes()),
        Value::U64(u) => out.extend_from_slice(itoa::Buffer::new().format(*u).as_bytes()),
        Value::F64(f) if f.is_finite() => {
            out.extend_from_slice(ryu::Buffer::new().format_finite(*f).as_bytes());
        }
        other => write_field(&other.to_json(), sep, out),
    }
}

impl CsvCodec {
    pub(crate) fn from_options(options: Option<&Record<'static>>) -> Result<Self, Error> {
        let mut o = Options::new("csv", options);
        let sep = match o.string("separator")? {
            None => b',',
            Some(s)
                if s.len() == 1
                    && !matches!(s.as_bytes()[0], b'"' | b'\r' | b'\n')
                    && s.is_ascii() =>
            {
                s.as_bytes()[0]
            }
            Some(s) => {
                return Err(o.error(
                    "separator",
                    format!("`{s}` is not one ASCII character other than a quote or line end"),
                ))
            }
        };
        let columns: Option<Vec<String>> = o
            .strings("columns")?
            .map(|c| c.into_iter().map(str::to_string).collect());
        if columns.as_ref().is_some_and(Vec::is_empty) {
            return Err(o.error("columns", "needs at least one name"));
        }
        let header = o.bool("header")?.unwrap_or(false);
        o.finish()?;
        Ok(CsvCodec {
            sep,
            columns,
            header,
            header_seen: false,
            header_written: false,
        })
    }

    pub(crate) fn decode<'a>(&mut self, data: &'a [u8]) -> Result<Option<Value<'a>>, Error> {
        let s = std::str::from_utf8(data)
            .map_err(|e| decode_err(format!("invalid UTF-8 at byte {}", e.valid_up_to())))?;
        let s = s
            .strip_suffix('\n')
            .map_or(s, |s| s.strip_suffix('\r').unwrap_or(s));
        if s.is_empty() {
            return Ok(None);
        }
        let row = fields(s, self.sep)?;
        if self.header && !self.header_seen {
            self.header_seen = true;
            if self.columns.is_none() {
                self.columns = Some(row.into_iter().map(Cow::into_owned).collect());
            }
            return Ok(None);
        }
        let Some(cols) = &self.columns else {
            return Ok(Some(Value::Array(
                row.into_iter().map(Value::String).collect(),
            )));
        };
        if row.len() != cols.len() {
            // The column list is the sender's (a header row): name only the first few, so
            // that the cost of a bad row does not grow with the header.
            let mut names = cols.iter().take(8).cloned().collect::<Vec<_>>().join(",");
            if cols.len() > 8 {
                names.push_str(",...");
            }
            return Err(decode_err(format!(
                "row has {} fields, expected {} ({names})",
                row.len(),
                cols.len(),
            )));
        }
        let mut r = Record::with_capacity(cols.len());
        for (k, v) in cols.iter().zip(row) {
            r.insert(k.clone(), Value::String(v));
        }
        Ok(Some(Value::Record(r)))
    }

    /// With `header = true`: the header row (without a line end), and from now on `encode`
    /// writes rows only. `Ok(None)` without a header; an error when the columns are not
    /// configured (they would come from the first record each encoder sees, and the
    /// encoders of different shards could disagree).
    ///
    /// # Errors
    /// [`Error::Encode`] for `header = true` without `columns`.
    pub fn detach_header(&mut self) -> Result<Option<Vec<u8>>, Error> {
        if !self.header {
            return Ok(None);
        }
        let Some(cols) = &self.columns else {
            return Err(encode_err(
                "`header = true` on a sink needs `columns` (the sink writes the header once, before any row)",
            ));
        };
        let mut out = Vec::new();
        for (i, n) in cols.iter().enumerate() {
            if i > 0 {
                out.push(self.sep);
            }
            write_field(n, self.sep, &mut out);
        }
        self.header_written = true;
        Ok(Some(out))
    }

    /// Decoding keeps per-stream state (the header row).
    pub(crate) fn has_stream_state(&self) -> bool {
        self.header
    }

    pub(crate) fn encode(&mut self, value: &Value<'_>, out: &mut Vec<u8>) -> Result<(), Error> {
        if self.header && !self.header_written {
            let names: Vec<String> = match (&self.columns, value) {
                (Some(c), _) => c.clone(),
                (None, Value::Record(r)) => r.keys().map(|k| k.to_string()).collect(),
                (None, _) => {
                    return Err(encode_err(
                        "`header = true` needs `columns` or record events",
                    ))
                }
            };
            for (i, n) in names.iter().enumerate() {
                if i > 0 {
                    out.push(self.sep);
                }
                write_field(n, self.sep, out);
            }
            out.push(b'\n');
            self.header_written = true;
            if self.columns.is_none() {
                self.columns = Some(names);
            }
        }
        let sep = self.sep;
        match (value, &self.columns) {
            (Value::Array(a), _) => {
                for (i, v) in a.iter().enumerate() {
                    if i > 0 {
                        out.push(sep);
                    }
                    write_value(v, sep, out);
                }
            }
            (Value::Record(r), Some(cols)) => {
                for (i, c) in cols.iter().enumerate() {
                    if i > 0 {
                        out.push(sep);
                    }
                    write_value(r.get(c).unwrap_or(&Value::Null), sep, out);
                }
            }
            (Value::Record(r), None) => {
                for (i, v) in r.values().enumerate() {
                    if i > 0 {
                        out.push(sep);
                    }
                    write_value(v, sep, out);
                }
            }
            (other, _) => {
                return Err(encode_err(format!(
                    "expected an array or a record, got a {}",
                    other.value_type()
                )))
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc4180_fields() {
        let f = fields(r#"a,"b,c","d""e",,"""#, b',').unwrap();
        assert_eq!(f, ["a", "b,c", "d\"e", "", ""]);
        assert!(matches!(f[0], Cow::Borrowed(_)) && matches!(f[2], Cow::Owned(_)));
        assert_eq!(fields("5\" screen,x", b',').unwrap(), ["5\" screen", "x"]);
        assert_eq!(
            fields("\"multi\nline\",y", b',').unwrap(),
            ["multi\nline", "y"]
        );
        assert!(fields("\"open", b',').is_err());
        assert!(fields("\"a\"b", b',').is_err());
        assert!(fields("a\nb", b',').is_err());
    }
}
