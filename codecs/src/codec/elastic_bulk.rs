//! `elastic-bulk` (encode only): each event becomes the lines of an Elasticsearch `_bulk`
//! request body (NDJSON): an action line, then the document line, each ending in `\n`.
//!
//! As in tremor's elastic connector, per-event settings come from the metadata record
//! `$elastic`: `action` (`index`, the default, `create`, `update` or `delete`), `_index`,
//! `_id`, `_type` (deprecated in ES 7), `pipeline`, `routing`, `if_seq_no`,
//! `if_primary_term`, `version`, `version_type`, `retry_on_conflict`, and `raw_payload`.
//! `update` wraps the event as `{"doc": event}` unless `raw_payload` is true (then the
//! event is the update body as is: `script`, `upsert`, ...); `delete` has no document line.
//! The codec options `index` and `action` give defaults for events whose metadata has none.
//! Without any index the action line names none: the sink then posts to `/<index>/_bulk`.

use sluice_script::{write_json, write_json_string, Record, Value};

use crate::{options::Options, Error};

const ACTIONS: &[&str] = &["index", "create", "update", "delete"];

/// Action-line fields copied from `$elastic`, in the order they are written.
const FIELDS: &[&str] = &[
    "_index",
    "_id",
    "_type",
    "pipeline",
    "routing",
    "if_seq_no",
    "if_primary_term",
    "version",
    "version_type",
    "retry_on_conflict",
];

fn err(message: impl Into<String>) -> Error {
    Error::Encode {
        codec: "elastic-bulk",
        message: message.into(),
    }
}

/// Elastic bulk encoder.
#[derive(Debug, Default)]
pub struct ElasticBulkCodec {
    index: Option<String>,
    action: &'static str,
}

impl ElasticBulkCodec {
    pub(crate) fn from_options(options: Option<&Record<'static>>) -> Result<Self, Error> {
        let mut o = Options::new("elastic-bulk", options);
        let index = o.string("index")?.map(str::to_string);
        let action = match o.string("action")? {
            None => "index",
            Some(a) => ACTIONS.iter().find(|x| **x == a).copied().ok_or_else(|| {
                o.error(
                    "action",
                    format!("expected one of {}, got {a:?}", ACTIONS.join(", ")),
                )
            })?,
        };
        o.finish()?;
        Ok(ElasticBulkCodec { index, action })
    }

    pub(crate) fn decode_error() -> Error {
        Error::Decode {
            codec: "elastic-bulk",
            message: "elastic-bulk only encodes; decode bulk responses with `json`".into(),
        }
    }

    pub(crate) fn encode(
        &self,
        value: &Value<'_>,
        meta: &Value<'_>,
        out: &mut Vec<u8>,
    ) -> Result<(), Error> {
        let es = meta.get("elastic");
        let action = match es.and_then(|m| m.get("action")) {
            None => self.action,
            Some(Value::String(a)) => ACTIONS
                .iter()
                .find(|x| **x == a.as_ref())
                .copied()
                .ok_or_else(|| {
                    err(format!(
                        "$elastic.action {a:?} is not one of {}",
                        ACTIONS.join(", ")
                    ))
                })?,
            Some(other) => {
                return Err(err(format!(
                    "$elastic.action must be a string, got {}",
                    other.value_type()
                )))
            }
        };
        let raw = match es.and_then(|m| m.get("raw_payload")) {
            None => false,
            Some(Value::Bool(b)) => *b,
            Some(other) => {
                return Err(err(format!(
                    "$elastic.raw_payload must be a boolean, got {}",
                    other.value_type()
                )))
            }
        };
        if action != "delete" && !matches!(value, Value::Record(_)) {
            return Err(err(format!(
                "a document must be a record, got {}",
                value.value_type()
            )));
        }
        let start = out.len();
        out.extend_from_slice(b"{\"");
        out.extend_from_slice(action.as_bytes());
        out.extend_from_slice(b"\":{");
        let default_index = self.index.as_deref().map(Value::from);
        let mut first = true;
        for field in FIELDS {
            let v = match (es.and_then(|m| m.get(field)), *field, &default_index) {
                (Some(v), _, _) => v,
                (None, "_index", Some(ix)) => ix,
                (None, _, _) => continue,
            };
            if !matches!(v, Value::String(_) | Value::I64(_) | Value::U64(_)) {
                out.truncate(start);
                return Err(err(format!(
                    "$elastic.{field} must be a string or integer, got {}",
                    v.value_type()
                )));
            }
            if !first {
                out.push(b',');
            }
            first = false;
            write_json_string(field, out);
            out.push(b':');
            write_json(v, out);
        }
        out.extend_from_slice(b"}}\n");
        match action {
            "delete" => {}
            "update" if !raw => {
                out.extend_from_slice(b"{\"doc\":");
                write_json(value, out);
                out.extend_from_slice(b"}\n");
            }
            _ => {
                write_json(value, out);
                out.push(b'\n');
            }
        }
        Ok(())
    }
}
