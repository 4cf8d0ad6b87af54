//! Binary literals: `<< value[:bits][/type-spec], ... >>`.
//!
//! Integers default to 8 bits, big endian, and must fit their width (signed widths take
//! two's complement); binaries (and strings, as their UTF-8 bytes) are copied whole, or
//! their first `bits / 8` bytes. Segments pack bit by bit; the total must be whole bytes.

use std::borrow::Cow;

use super::{err, eval, Sys, View, R};
use crate::lang::diagnostic::codes;
use crate::lang::ir::{BytesKind, BytesSeg};
use crate::Value;

struct BitWriter {
    out: Vec<u8>,
    acc: u64,
    nbits: u32,
}

impl BitWriter {
    fn push(&mut self, value: u64, bits: u32) {
        // Write most significant bit first, a byte at a time.
        let mut left = bits;
        while left > 0 {
            let take = left.min(8 - self.nbits);
            let shift = left - take;
            let chunk = (value >> shift) & ((1u64 << take) - 1);
            self.acc = (self.acc << take) | chunk;
            self.nbits += take;
            left -= take;
            if self.nbits == 8 {
                #[allow(clippy::cast_possible_truncation)]
                self.out.push(self.acc as u8);
                self.acc = 0;
                self.nbits = 0;
            }
        }
    }
}

pub(crate) fn build<'a, 'ev>(
    segs: &'a [BytesSeg],
    v: &View<'a, 'ev>,
    s: &mut Sys<'_>,
) -> R<'ev, Value<'ev>> {
    let mut w = BitWriter {
        out: Vec::new(),
        acc: 0,
        nbits: 0,
    };
    for seg in segs {
        let val = eval(&seg.value, v, s)?;
        match seg.kind {
            BytesKind::Binary => {
                let bytes: &[u8] = match &*val {
                    Value::Bytes(b) => b,
                    Value::String(st) => st.as_bytes(),
                    other => {
                        return err(
                            codes::TYPE,
                            format!("expected binary or string, got {}", other.value_type()),
                            seg.span,
                        )
                    }
                };
                let take = match seg.bits {
                    None => bytes.len(),
                    Some(b) if b % 8 == 0 && (b / 8) as usize <= bytes.len() => (b / 8) as usize,
                    Some(b) => {
                        return err(
                            codes::BITS,
                            format!("cannot take {b} bits of a {}-byte binary", bytes.len()),
                            seg.span,
                        )
                    }
                };
                for b in &bytes[..take] {
                    w.push(u64::from(*b), 8);
                }
            }
            BytesKind::Integer => {
                let bits = seg.bits.unwrap_or(8);
                let raw: u64 = match (&*val, seg.signed) {
                    (Value::I64(i), true) => {
                        let fits = bits >= 64
                            || (*i >= -(1i64 << (bits - 1)) && *i < (1i64 << (bits - 1)));
                        if !fits {
                            return too_big(bits, seg.span);
                        }
                        #[allow(clippy::cast_sign_loss)]
                        let u = *i as u64;
                        if bits >= 64 {
                            u
                        } else {
                            u & ((1u64 << bits) - 1)
                        }
                    }
                    (x, _) => match x.as_u64() {
                        Some(u) if bits >= 64 || u < (1u64 << bits) => u,
                        Some(_) => return too_big(bits, seg.span),
                        None => {
                            return err(
                                codes::TYPE,
                                format!(
                                    "expected a non-negative integer (or `/signed`), got {}",
                                    x.value_type()
                                ),
                                seg.span,
                            )
                        }
                    },
                };
                if seg.little {
                    for i in 0..bits / 8 {
                        w.push((raw >> (8 * i)) & 0xff, 8);
                    }
                } else {
                    w.push(raw, bits);
                }
            }
        }
    }
    if w.nbits != 0 {
        let span = segs.last().map(|s| s.span).unwrap_or_default();
        return err(codes::BITS, "binary does not end on a byte boundary", span);
    }
    Ok(Value::Bytes(Cow::Owned(w.out)))
}

fn too_big<'ev, T>(bits: u32, span: crate::lang::span::Span) -> R<'ev, T> {
    err(
        codes::BITS,
        format!("value does not fit in {bits} bits"),
        span,
    )
}
