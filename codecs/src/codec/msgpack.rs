//! `msgpack`: one MessagePack value per frame.
//!
//! Decoding reads the wire format directly into a [`Value`] that borrows strings and binaries
//! from the frame (rmp supplies the marker table). Integers become `i64` where they fit and
//! `u64` above; `float 32` widens to `f64`; map keys that are integers, booleans or nil keep
//! their text form, other key types are errors; extension types are errors. Every declared
//! length is checked against the bytes left before anything is allocated, nesting is capped
//! at 512, and bytes after the value are an error.
//!
//! Encoding uses rmp's writers with the smallest representation for integers and `float 64`
//! for floats, so a decoded frame re-encodes to a value of the same types.

use std::borrow::Cow;

use rmp::Marker;
use sluice_script::{Record, Value};

use crate::Error;

/// Deepest nesting accepted.
pub const MAX_DEPTH: usize = 512;

fn err(message: impl Into<String>) -> Error {
    Error::Decode {
        codec: "msgpack",
        message: message.into(),
    }
}

struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], Error> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|e| *e <= self.data.len())
            .ok_or_else(|| {
                err(format!(
                    "truncated: {n} bytes needed at byte {}, {} left",
                    self.pos,
                    self.data.len() - self.pos
                ))
            })?;
        let s = &self.data[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    fn be<const N: usize>(&mut self) -> Result<[u8; N], Error> {
        let s = self.take(N)?;
        let mut a = [0u8; N];
        a.copy_from_slice(s);
        Ok(a)
    }

    fn len8(&mut self) -> Result<usize, Error> {
        Ok(usize::from(self.be::<1>()?[0]))
    }
    fn len16(&mut self) -> Result<usize, Error> {
        Ok(usize::from(u16::from_be_bytes(self.be()?)))
    }
    fn len32(&mut self) -> Result<usize, Error> {
        usize::try_from(u32::from_be_bytes(self.be()?)).map_err(|_| err("length overflows"))
    }

    /// A count of items each at least `min` bytes long must fit in what is left.
    fn check_count(&self, n: usize, min: usize) -> Result<(), Error> {
        if n.saturating_mul(min) > self.data.len() - self.pos {
            return Err(err(format!(
                "declared {n} items at byte {} but only {} bytes left",
                self.pos,
                self.data.len() - self.pos
            )));
        }
        Ok(())
    }

    fn str(&mut self, n: usize) -> Result<Cow<'a, str>, Error> {
        let at = self.pos;
        let b = self.take(n)?;
        std::str::from_utf8(b).map(Cow::Borrowed).map_err(|e| {
            err(format!(
                "invalid UTF-8 in string at byte {}",
                at + e.valid_up_to()
            ))
        })
    }

    fn value(&mut self, depth: usize) -> Result<Value<'a>, Error> {
        if depth > MAX_DEPTH {
            return Err(err(format!("nested deeper than {MAX_DEPTH} levels")));
        }
        let at = self.pos;
        let m = Marker::from_u8(self.be::<1>()?[0]);
        Ok(match m {
            Marker::Null => Value::Null,
            Marker::True => Value::Bool(true),
            Marker::False => Value::Bool(false),
            Marker::FixPos(n) => Value::I64(i64::from(n)),
            Marker::FixNeg(n) => Value::I64(i64::from(n)),
            Marker::U8 => Value::I64(i64::from(self.be::<1>()?[0])),
            Marker::U16 => Value::I64(i64::from(u16::from_be_bytes(self.be()?))),
            Marker::U32 => Value::I64(i64::from(u32::from_be_bytes(self.be()?))),
            Marker::U64 => Value::from(u64::from_be_bytes(self.be()?)),
            Marker::I8 => Value::I64(i64::from(i8::from_be_bytes(self.be()?))),
            Marker::I16 => Value::I64(i64::from(i16::from_be_bytes(self.be()?))),
            Marker::I32 => Value::I64(i64::from(i32::from_be_bytes(self.be()?))),
            Marker::I64 => Value::I64(i64::from_be_bytes(self.be()?)),
            Marker::F32 => Value::F64(f64::from(f32::from_be_bytes(self.be()?))),
            Marker::F64 => Value::F64(f64::from_be_bytes(self.be()?)),
            Marker::FixStr(n) => Value::String(self.str(usize::from(n))?),
            Marker::Str8 => {
                let n = self.len8()?;
                Value::String(self.str(n)?)
            }
            Marker::Str16 => {
                let n = self.len16()?;
                Value::String(self.str(n)?)
            }
            Marker::Str32 => {
                let n = self.len32()?;
                Value::String(self.str(n)?)
            }
            Marker::Bin8 | Marker::Bin16 | Marker::Bin32 => {
                let n = match m {
                    Marker::Bin8 => self.len8()?,
                    Marker::Bin16 => self.len16()?,
                    _ => self.len32()?,
                };
                Value::Bytes(Cow::Borrowed(self.take(n)?))
            }
            Marker::FixArray(n) => self.array(usize::from(n), depth)?,
            Marker::Array16 => {
                let n = self.len16()?;
                self.array(n, depth)?
            }
            Marker::Array32 => {
                let n = self.len32()?;
                self.array(n, depth)?
            }
            Marker::FixMap(n) => self.map(usize::from(n), depth)?,
            Marker::Map16 => {
                let n = self.len16()?;
                self.map(n, depth)?
            }
            Marker::Map32 => {
                let n = self.len32()?;
                self.map(n, depth)?
            }
            Marker::FixExt1
            | Marker::FixExt2
            | Marker::FixExt4
            | Marker::FixExt8
            | Marker::FixExt16
            | Marker::Ext8
            | Marker::Ext16
            | Marker::Ext32 => {
                return Err(err(format!(
                    "extension types are not supported (byte {at})"
                )))
            }
            Marker::Reserved => return Err(err(format!("reserved marker 0xc1 at byte {at}"))),
        })
    }

    fn array(&mut self, n: usize, depth: usize) -> Result<Value<'a>, Error> {
        self.check_count(n, 1)?;
        let mut a = Vec::with_capacity(n);
        for _ in 0..n {
            a.push(self.value(depth + 1)?);
        }
        Ok(Value::Array(a))
    }

    fn map(&mut self, n: usize, depth: usize) -> Result<Value<'a>, Error> {
        self.check_count(n, 2)?;
        let mut r = Record::with_capacity(n);
        for _ in 0..n {
            let at = self.pos;
            let key: Cow<'a, str> = match self.value(depth + 1)? {
                Value::String(s) => s,
                Value::I64(i) => Cow::Owned(i.to_string()),
                Value::U64(u) => Cow::Owned(u.to_string()),
                Value::Bool(b) => Cow::Owned(b.to_string()),
                Value::Null => Cow::Borrowed("null"),
                other => {
                    return Err(err(format!(
                        "{} as a map key is not supported (byte {at})",
                        other.value_type()
                    )))
                }
            };
            let v = self.value(depth + 1)?;
            // Duplicate keys: the last one wins, as for JSON.
            r.insert(key, v);
        }
        Ok(Value::Record(r))
    }
}

/// Decodes one MessagePack value, borrowing from `data`.
pub(crate) fn decode(data: &[u8]) -> Result<Value<'_>, Error> {
    let mut r = Reader { data, pos: 0 };
    let v = r.value(0)?;
    if r.pos != data.len() {
        return Err(err(format!(
            "{} bytes after the value at byte {}",
            data.len() - r.pos,
            r.pos
        )));
    }
    Ok(v)
}

/// Appends `v` as MessagePack.
pub(crate) fn encode(v: &Value<'_>, out: &mut Vec<u8>) -> Result<(), Error> {
    let fail = |e: String| Error::Encode {
        codec: "msgpack",
        message: e,
    };
    let len =
        |n: usize| u32::try_from(n).map_err(|_| fail(format!("{n} items or bytes exceed 2^32")));
    match v {
        Value::Null => rmp::encode::write_nil(out).map_err(|e| fail(e.to_string()))?,
        Value::Bool(b) => rmp::encode::write_bool(out, *b).map_err(|e| fail(e.to_string()))?,
        Value::I64(i) => {
            rmp::encode::write_sint(out, *i).map_err(|e| fail(e.to_string()))?;
        }
        Value::U64(u) => {
            rmp::encode::write_uint(out, *u).map_err(|e| fail(e.to_string()))?;
        }
        Value::F64(f) => rmp::encode::write_f64(out, *f).map_err(|e| fail(e.to_string()))?,
        Value::String(s) => {
            len(s.len())?;
            rmp::encode::write_str(out, s).map_err(|e| fail(e.to_string()))?;
        }
        Value::Bytes(b) => {
            len(b.len())?;
            rmp::encode::write_bin(out, b).map_err(|e| fail(e.to_string()))?;
        }
        Value::Array(a) => {
            rmp::encode::write_array_len(out, len(a.len())?).map_err(|e| fail(e.to_string()))?;
            for x in a {
                encode(x, out)?;
            }
        }
        Value::Record(r) => {
            rmp::encode::write_map_len(out, len(r.len())?).map_err(|e| fail(e.to_string()))?;
            for (k, x) in r.iter() {
                len(k.len())?;
                rmp::encode::write_str(out, k).map_err(|e| fail(e.to_string()))?;
                encode(x, out)?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_examples() {
        // {"compact": true, "schema": 0} from msgpack.org's front page.
        let wire = b"\x82\xa7compact\xc3\xa6schema\x00";
        assert_eq!(
            decode(wire).unwrap().to_json(),
            r#"{"compact":true,"schema":0}"#
        );
        let mut out = Vec::new();
        encode(&decode(wire).unwrap(), &mut out).unwrap();
        assert_eq!(out, wire);
        assert!(matches!(
            decode(b"\xcf\xff\xff\xff\xff\xff\xff\xff\xff"),
            Ok(Value::U64(u64::MAX))
        ));
        assert!(matches!(decode(b"\xd0\x80"), Ok(Value::I64(-128))));
        assert!(matches!(decode(b"\xca\x3f\xc0\x00\x00"), Ok(Value::F64(f)) if f == 1.5));
    }

    #[test]
    fn malformed() {
        for (bad, what) in [
            (&b""[..], "truncated"),
            (b"\xdd\xff\xff\xff\xff", "declared"),
            (b"\xdf\xff\xff\xff\xff", "declared"),
            (b"\xdb\xff\xff\xff\xffabc", "truncated"),
            (b"\xa2\xff\xfe", "UTF-8"),
            (b"\xc1", "reserved"),
            (b"\xd4\x01\x02", "extension"),
            (b"\x81\x90\x01", "map key"),
            (b"\x01\x02", "after the value"),
        ] {
            let e = decode(bad).unwrap_err().to_string();
            assert!(e.contains(what), "{bad:?}: {e}");
        }
        let deep = [vec![0x91u8; 600], vec![0xc0]].concat();
        assert!(decode(&deep).unwrap_err().to_string().contains("deeper"));
    }
}
