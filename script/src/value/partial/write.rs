//! [`JsonPatch::write`]: the frame again, with the script's changes, as `write_json` would
//! write the whole event (see the parent module's notes).

use super::{write_json, JsonPatch, Value};
use crate::value::json::ESCAPE;
use crate::value::write_json_string;

impl JsonPatch {
    /// Appends what [`write_json`] appends for the full event, where `v` is the record that
    /// [`JsonDecoder::decode_patch`] made of `frame` (with this patch's fields only), after
    /// a script that touched only those fields ran on it.
    pub fn write(&self, v: &Value<'_>, frame: &[u8], out: &mut Vec<u8>) {
        let Value::Record(rec) = v else {
            // The analysis never lets a script replace the event; be correct regardless.
            write_json(v, out);
            return;
        };
        out.reserve(frame.len() + 64);
        out.push(b'{');
        let mut o = Out {
            frame,
            out,
            run: None,
            first: true,
        };
        // The first byte of the frame after the members passed so far.
        let mut pos = 1;
        for m in &self.members {
            let (start, end) = (m.start as usize, m.end as usize);
            if start > pos {
                // Untouched members up to the comma before this one.
                o.copy(pos, start - 1);
            }
            pos = end + 1;
            let key = &self.keys[usize::from(m.key)];
            let Some(x) = rec.get(key) else {
                continue; // erased
            };
            if self.origs[usize::from(m.key)].same(x) {
                // Read, not changed: copied like the untouched ones.
                o.copy(start, end);
                continue;
            }
            o.sep();
            // The key's bytes are canonical (the frame is): `"key":`.
            o.out.extend_from_slice(&frame[start..m.value as usize]);
            write_value(x, o.out);
        }
        if pos + 1 < frame.len() {
            o.copy(pos, frame.len() - 1);
        }
        let Out { out, first, .. } = o.flush();
        let mut first = first;
        let sep = |out: &mut Vec<u8>, first: &mut bool| {
            if !*first {
                out.push(b',');
            }
            *first = false;
        };
        // Fields the frame did not have, in the order the script added them.
        for (k, x) in rec.iter() {
            // A key whose text lies in the decode buffer is one of the frame's members
            // (the script's own keys are its constants), written above.
            if (k.as_ptr() as usize).wrapping_sub(self.buf.0) < self.buf.1 {
                continue;
            }
            let ki = usize::from(self.key_index(k));
            let known = self.key_json.get(ki);
            if known.is_some() && self.in_frame[ki] {
                continue;
            }
            sep(out, &mut first);
            match known {
                Some(j) => out.extend_from_slice(j),
                None => {
                    write_json_string(k, out);
                    out.push(b':');
                }
            }
            write_value(x, out);
        }
        out.push(b'}');
    }
}

/// [`write_json`] of `v`, with short strings that need no escape (the usual constants
/// a script sets) written directly (`write_json_string` would copy them as they are), and
/// integers.
#[inline]
fn write_value(v: &Value<'_>, out: &mut Vec<u8>) {
    match v {
        Value::String(s) => {
            let b = s.as_bytes();
            if b.len() <= 32 && b.iter().all(|&c| ESCAPE[usize::from(c)] == 0) {
                out.reserve(b.len() + 2);
                out.push(b'"');
                out.extend_from_slice(b);
                out.push(b'"');
                return;
            }
        }
        // As `write_json` writes an integer.
        Value::I64(i) => {
            out.extend_from_slice(itoa::Buffer::new().format(*i).as_bytes());
            return;
        }
        _ => {}
    }
    write_json(v, out);
}

/// The output of [`JsonPatch::write`] while it walks the members: spans of the frame to
/// copy are joined while they follow each other (one comma apart) and written as one.
struct Out<'f, 'o> {
    frame: &'f [u8],
    out: &'o mut Vec<u8>,
    /// Members to copy, `frame[s..e]`, not yet written.
    run: Option<(usize, usize)>,
    /// No member written yet (no comma before the next).
    first: bool,
}

impl<'o> Out<'_, 'o> {
    /// A comma unless this is the first member.
    #[inline]
    fn sep(&mut self) {
        if let Some((s, e)) = self.run.take() {
            self.write_run(s, e);
        }
        if !self.first {
            self.out.push(b',');
        }
        self.first = false;
    }

    fn write_run(&mut self, s: usize, e: usize) {
        if !self.first {
            self.out.push(b',');
        }
        self.first = false;
        self.out.extend_from_slice(&self.frame[s..e]);
    }

    /// Copies the members at `frame[s..e]`.
    #[inline]
    fn copy(&mut self, s: usize, e: usize) {
        match self.run {
            Some((s0, e0)) if s == e0 + 1 => self.run = Some((s0, e)),
            Some((s0, e0)) => {
                self.write_run(s0, e0);
                self.run = Some((s, e));
            }
            None => self.run = Some((s, e)),
        }
    }

    /// Writes what is left to copy.
    fn flush(mut self) -> Self {
        if let Some((s, e)) = self.run.take() {
            self.write_run(s, e);
        }
        self
    }
}
