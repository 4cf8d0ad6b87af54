//! The HTTP source's request bodies through the pipeline: `$http`/`$influx` metadata, the
//! body's frames into the ingest shard, and the message for a 400 when some did not decode.
//! A child of `http`, for its connection type.

use futures_lite::{AsyncRead, AsyncWrite};
use sluice_script::{Record, Value};

use super::Conn;
use crate::ingest::{Ingest, Read};
use crate::plan::OnFull;
use crate::signal::now_ns;
use crate::source::flush;
use crate::source::http_parse::{influx_chain, json_array_elements, Head};

impl<S: AsyncRead + AsyncWrite + Unpin> Conn<S> {
    /// `$http`, and `$influx` on the Influx paths.
    pub(super) fn meta(&self, head: &Head, influx: Option<Value<'static>>) -> Value<'static> {
        let mut m = Record::with_capacity(2);
        m.push_unique("http", head.meta(&self.peer));
        if let Some(i) = influx {
            m.push_unique("influx", i);
        }
        Value::Record(m)
    }

    /// Runs a body through the pipeline and hands its batches to the rings. Returns the
    /// message for a 400 when some of it did not decode (the rest is delivered).
    pub(super) async fn process(
        &self,
        payload: &[u8],
        dec: usize,
        meta: Value<'static>,
        mark: Option<crate::ack::Mark>,
    ) -> Option<String> {
        let src = self.src;
        let lossless = self.plan.on_full == OnFull::Block;
        let now = now_ns();
        let segments: Vec<String> = Vec::new();
        let origin = crate::source::origin("http", &self.peer, None, &segments);
        let read = Read {
            now_ns: now,
            lossless,
            origin: Some(&origin),
        };
        let errors_before;
        let bad;
        {
            let mut ing = self.ctx.borrow_mut();
            // Every batch that takes an event of this body holds the request's group.
            ing.set_mark(mark);
            errors_before = error_total(&mut ing, src);
            let chain = if dec == 0 {
                self.plan.preprocessor_chain().unwrap_or_default()
            } else {
                influx_chain(self.cfg.max_body)
            };
            let stream = ing.open_stream_with(src, chain, dec, Some(meta));
            let array = (dec == 0 && self.plan.codec.name == "json")
                .then(|| json_array_elements(payload))
                .flatten();
            match array {
                Some(elements) => {
                    for (s, e) in elements {
                        ing.whole_frame(&stream, &payload[s..e], &read);
                    }
                }
                None => ing.chunk(&stream, payload, &read),
            }
            ing.end_of_stream(stream, &read);
            ing.set_mark(None);
            if let Some(m) = mark {
                ing.ledger.seal(m);
            }
            bad = error_total(&mut ing, src) - errors_before;
        }
        flush(&self.ctx, self.plan.on_full, src).await;
        if bad == 0 {
            return None;
        }
        if dec > 0 {
            if let Some(m) = crate::source::http_influx::first_bad_line(payload, dec) {
                return Some(m);
            }
        }
        Some(format!(
            "{bad} event(s) of the body did not decode as `{}`; they went to the pipeline's err port",
            self.plan.codec.name
        ))
    }
}

fn error_total(ing: &mut Ingest, src: usize) -> u64 {
    ing.source_counters(src).errors.iter().map(|(_, n)| n).sum()
}
