//! Syslog straight into JSON: what `write_json(decode(frame))` writes, in one pass over the
//! parsed message, without building the record (an 11-entry vector per event), walking it
//! and dropping it again, and without escaping the keys and the fixed names.
//!
//! The message is parsed and checked exactly as [`SyslogCodec::decode`] checks it (the same
//! `parse`, charset handling and RFC 5424 rules); only the last step differs. The field order
//! and the skipped fields are those of `Message::into_value`, which stays the reference:
//! `codecs/tests/syslog_transcode.rs` compares the two byte for byte.

use std::borrow::Cow;

use sluice_script::{write_json, write_json_string, Value};

use super::{charset, check_converted, Message, SyslogCodec, FACILITIES, SEVERITIES};

impl SyslogCodec {
    /// Appends the JSON (unsorted keys, as the `json` codec writes it) of the event that
    /// [`SyslogCodec::decode`] makes of `data`, and returns true; or appends nothing and
    /// returns false when the frame is an error or carries no event (the caller then decodes
    /// it the ordinary way, which reports why).
    pub(crate) fn transcode_json(&self, data: &[u8], ingest_ns: u64, out: &mut Vec<u8>) -> bool {
        let mut end = data.len();
        while end > 0 && matches!(data[end - 1], b'\n' | b'\r' | b'\0') {
            end -= 1;
        }
        if end == 0 {
            return false;
        }
        let data = &data[..end];
        match charset::text(data, self.non_utf8) {
            Ok(Cow::Borrowed(text)) => match self.parse(text, ingest_ns) {
                Ok(m) => m.write_json(self.strip_bom, out),
                Err(_) => return false,
            },
            Ok(Cow::Owned(text)) => match self.parse(&text, ingest_ns) {
                Ok(m) if check_converted(data, &text, &m).is_ok() => {
                    m.write_json(self.strip_bom, out);
                }
                _ => return false,
            },
            Err(_) => return false,
        }
        true
    }
}

impl Message<'_> {
    /// `write_json(&self.into_value(strip_bom))`, field for field.
    fn write_json(self, strip_bom: bool, out: &mut Vec<u8>) {
        // The names come from fixed tables of lowercase letters and digits: nothing to escape.
        out.extend_from_slice(b"{\"severity\":\"");
        out.extend_from_slice(SEVERITIES[usize::from(self.pri & 7)].as_bytes());
        out.extend_from_slice(b"\",\"facility\":\"");
        out.extend_from_slice(FACILITIES[usize::from(self.pri >> 3)].as_bytes());
        out.push(b'"');
        field(out, b",\"hostname\":", self.hostname);
        field(out, b",\"appname\":", self.appname);
        let msg = if strip_bom {
            self.msg.strip_prefix('\u{feff}').unwrap_or(self.msg)
        } else {
            self.msg
        };
        if !msg.is_empty() {
            out.extend_from_slice(b",\"msg\":");
            write_json_string(msg, out);
        }
        field(out, b",\"procid\":", self.procid);
        field(out, b",\"msgid\":", self.msgid);
        match self.version {
            Some(v) => {
                out.extend_from_slice(b",\"protocol\":\"RFC5424\",\"protocol_version\":");
                out.extend_from_slice(itoa::Buffer::new().format(v).as_bytes());
            }
            None => out.extend_from_slice(b",\"protocol\":\"RFC3164\""),
        }
        if let Some(sd) = self.structured_data {
            out.extend_from_slice(b",\"structured_data\":");
            write_json(&Value::Record(sd), out);
        }
        if let Some(t) = self.timestamp {
            out.extend_from_slice(b",\"timestamp\":");
            out.extend_from_slice(itoa::Buffer::new().format(t).as_bytes());
        }
        out.push(b'}');
    }
}

/// `,"key":"value"` when there is a value. Header fields are a few bytes long, where the
/// call into the general writer costs more than a plain look at each byte; the condition
/// is the writer's own (control bytes, `"`, `\`), so the output is the same.
#[inline]
fn field(out: &mut Vec<u8>, key: &[u8], v: Option<&str>) {
    if let Some(v) = v {
        out.extend_from_slice(key);
        let b = v.as_bytes();
        if b.len() <= 64 && b.iter().all(|&c| c >= 0x20 && c != b'"' && c != b'\\') {
            out.reserve(b.len() + 2);
            out.push(b'"');
            out.extend_from_slice(b);
            out.push(b'"');
        } else {
            write_json_string(v, out);
        }
    }
}
