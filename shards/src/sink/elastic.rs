//! The `elasticsearch` sink's reading of `_bulk` responses, item by item, as the bulk API
//! reference defines them: `{"took":..,"errors":bool,"items":[{"<action>":{"status":N,
//! "error":{"type":..,"reason":..},..}},..]}`, one item per action, in request order.
//! Items without an `error` are delivered; 429 and 5xx items are sent again (up to `max_retries`
//! times); any other failure, or an item past its retries, goes to the dead-letter file
//! with its status and error, and is counted as dropped (`rejected`).

use std::cell::RefCell;
use std::io::Write as _;
use std::path::Path;

use serde_json::Value as Json;

use super::http_batcher::{Req, Verdict};
use super::http_client::Response;
use super::Tally;
use crate::metrics::bump;

/// Where refused items go: JSON lines appended to a file, or only the log and counters.
pub(crate) struct DeadLetter {
    file: Option<RefCell<std::fs::File>>,
    path: String,
}

impl DeadLetter {
    pub(crate) fn open(path: Option<&Path>) -> std::io::Result<Self> {
        let file = match path {
            Some(p) => Some(RefCell::new(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(p)
                    .map_err(|e| std::io::Error::other(format!("{}: {e}", p.display())))?,
            )),
            None => None,
        };
        Ok(DeadLetter {
            file,
            path: path.map(|p| p.display().to_string()).unwrap_or_default(),
        })
    }

    /// Records one refused event: `{"error":{kind,status,type,reason,sink},"raw":"<action
    /// and document lines>"}`. The write is a small blocking append: refusals are rare and
    /// must not be lost in a buffer when the process dies.
    fn put(&self, sink: &str, status: u16, error: Option<&Json>, raw: &[u8], t: &mut Tally) {
        bump(&mut t.dropped, "rejected", 1);
        let (ty, reason) = describe(error);
        tracing::warn!(sink, status, error_type = %ty, reason = %reason, "item refused by Elasticsearch");
        let Some(f) = &self.file else { return };
        let line = serde_json::json!({
            "error": {
                "kind": "elasticsearch",
                "status": status,
                "type": ty,
                "reason": reason,
                "sink": sink,
            },
            "raw": String::from_utf8_lossy(raw),
        });
        let mut text = line.to_string();
        text.push('\n');
        if let Err(e) = f.borrow_mut().write_all(text.as_bytes()) {
            t.errors += 1;
            tracing::error!(sink, path = %self.path, error = %e, "cannot write to the dead-letter file");
        }
    }
}

/// An error's `type` and `reason` (`error` may be an object or, in old versions, a string).
fn describe(error: Option<&Json>) -> (String, String) {
    match error {
        Some(Json::Object(o)) => (
            o.get("type")
                .and_then(Json::as_str)
                .unwrap_or("")
                .to_string(),
            o.get("reason")
                .and_then(Json::as_str)
                .unwrap_or("")
                .to_string(),
        ),
        Some(Json::String(s)) => (String::new(), s.clone()),
        _ => (String::new(), String::new()),
    }
}

/// What a response to `req` means.
pub(crate) fn judge(
    sink: &str,
    dead: &DeadLetter,
    max_retries: u32,
    req: &mut Req,
    resp: &Response,
    t: &mut Tally,
) -> Verdict {
    let n = req.ends.len();
    if !(200..300).contains(&resp.status) {
        // The whole request was refused (400 malformed, 401/403, 404, a single item over
        // the size limit, ...): every event goes to the dead-letter file with its reason.
        t.errors += 1;
        let parsed: Option<Json> = serde_json::from_slice(&resp.body).ok();
        let error = parsed.as_ref().and_then(|j| j.get("error"));
        for i in 0..n {
            dead.put(sink, resp.status, error, req.event(i), t);
        }
        return Verdict::Done;
    }
    // Fast path: the reference puts `took` and `errors` first; `"errors":false` means every
    // item succeeded.
    let head = &resp.body[..resp.body.len().min(96)];
    if memchr::memmem::find(head, b"\"errors\":false").is_some() {
        t.events += n as u64;
        t.bytes += req.body.len() as u64;
        return Verdict::Done;
    }
    let parsed: Json = match serde_json::from_slice(&resp.body) {
        Ok(j) => j,
        Err(e) => {
            t.errors += 1;
            tracing::warn!(sink, error = %e, "bulk response is not JSON; will retry");
            return Verdict::RetryAll(None);
        }
    };
    let items = parsed.get("items").and_then(Json::as_array);
    if parsed.get("errors").and_then(Json::as_bool) == Some(false) {
        t.events += n as u64;
        t.bytes += req.body.len() as u64;
        return Verdict::Done;
    }
    let Some(items) = items else {
        t.errors += 1;
        tracing::warn!(sink, "bulk response has no `items`; will retry");
        return Verdict::RetryAll(None);
    };
    if items.len() != n {
        tracing::error!(
            sink,
            sent = n,
            items = items.len(),
            "bulk response item count differs from the request"
        );
    }
    let mut retry = Req {
        attempt: req.attempt + 1,
        ..Req::default()
    };
    for i in 0..n {
        let item = items
            .get(i)
            .and_then(Json::as_object)
            .and_then(|o| o.values().next());
        let Some(item) = item else {
            dead.put(
                sink,
                0,
                Some(&Json::String(
                    "no item for this action in the response".into(),
                )),
                req.event(i),
                t,
            );
            continue;
        };
        let status = item
            .get("status")
            .and_then(Json::as_u64)
            .and_then(|s| u16::try_from(s).ok())
            .unwrap_or(0);
        // Success is the absence of `error` (a `delete` of a missing id is 404 `not_found`
        // without one, and is no failure).
        if item.get("error").is_none() && status != 0 {
            t.events += 1;
            t.bytes += req.event(i).len() as u64;
        } else if (status == 429 || status >= 500) && req.attempt < max_retries {
            retry.push(req.event(i));
        } else {
            dead.put(sink, status, item.get("error"), req.event(i), t);
        }
    }
    if retry.ends.is_empty() {
        Verdict::Done
    } else {
        t.errors += 1;
        Verdict::Retry(retry)
    }
}
