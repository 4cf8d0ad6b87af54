//! A pipeline's stage: passthrough, or its script, run on every event by this shard's own
//! `Runner` (the compiled script is shared; the runner and its `state` are per shard).

use std::sync::Arc;

use sluice_script::stdlib::Env;
use sluice_script::{JsonPatch, Outcome, Record, Runner, Value};

use super::{Ingest, Read};
use crate::plan::{PipelinePlan, ScriptPlan};
use crate::shaper::{ShedAction, Verdict};

/// What a pipeline does to each event.
pub(crate) enum Stage {
    /// Every event leaves on `out` unchanged.
    Passthrough,
    /// A script decides: emit (to which port, changed or not), drop, or fail.
    Script {
        runner: Box<Runner>,
        /// Script port -> pipeline port.
        ports: Vec<usize>,
    },
}

impl Stage {
    pub(crate) fn new(plan: Option<&ScriptPlan>) -> Stage {
        match plan {
            None => Stage::Passthrough,
            Some(sp) => Stage::Script {
                runner: Box::new(Runner::new(
                    Arc::clone(&sp.script),
                    Env::default(),
                    sp.args.clone(),
                )),
                ports: sp.ports.clone(),
            },
        }
    }

    pub(crate) fn is_passthrough(&self) -> bool {
        matches!(self, Stage::Passthrough)
    }
}

impl Ingest {
    /// Runs pipeline `p`'s stage on a decoded event and routes the outcome. A script that
    /// fails sends `{"error": {...}, "event": <the event>}` to `err`, with the error also in
    /// the metadata as `$error`. With `patch`, `value` holds only the fields the script
    /// touches (see `Decoder::patch`); a script error then routes and counts nothing and
    /// returns `false`, for the caller to run the whole event instead. Otherwise `true`.
    pub(super) fn run_stage(
        &mut self,
        src: usize,
        p: usize,
        mut value: Value<'_>,
        bytes: &[u8],
        read: &Read<'_>,
        patch: Option<&JsonPatch>,
    ) -> bool {
        // Metadata a source set for the unit being read (a Kafka message's `$kafka`) is the
        // event's own. A script may change the stream's metadata (`$http`, ...), so it gets
        // its own copy; a passthrough only lets the encoders read it.
        let mut meta = match (&self.pipelines[p].stage, &self.meta, &self.cur.meta) {
            (_, Some(m), _) => m.clone(),
            (Stage::Script { .. }, None, Some(m)) => m.clone(),
            _ => Value::record(),
        };
        let passthrough = self.pipelines[p].stage.is_passthrough();
        let outcome = match &mut self.pipelines[p].stage {
            Stage::Passthrough => Ok(Some((PipelinePlan::OUT, false))),
            Stage::Script { runner, ports } => runner
                .run(&mut value, &mut meta, read.now_ns, read.origin)
                .map(|o| match o {
                    Outcome::Emit {
                        port,
                        event_changed,
                    } => Some((
                        ports.get(port).copied().unwrap_or(PipelinePlan::OUT),
                        event_changed,
                    )),
                    Outcome::Drop => None,
                }),
        };
        match outcome {
            Ok(Some((mut port, changed))) => {
                // The shaper sees what leaves on `out`, before anything is encoded for it.
                if port == PipelinePlan::OUT {
                    if let Some(sh) = self.pipelines[p].shaper.as_mut() {
                        match sh.decide(&meta, read.lossless, read.now_ns) {
                            Verdict::Pass => {
                                if sh.sample_latency() {
                                    let ns = crate::signal::now_ns().saturating_sub(read.now_ns);
                                    sh.record_latency(ns);
                                }
                            }
                            Verdict::Overflow | Verdict::Shed(ShedAction::Overflow) => {
                                port = sh.overflow_port();
                            }
                            // Counted by the shaper as shed.
                            Verdict::Shed(ShedAction::Drop) => return true,
                            Verdict::Invalid(message) => {
                                self.shaper_error(src, p, value, meta, &message, read);
                                return true;
                            }
                        }
                    }
                }
                let raw = (!changed).then_some(bytes);
                let patch = patch.map(|pt| (pt, bytes));
                match self.cur.meta.take() {
                    Some(m) if passthrough => {
                        self.route_value(src, p, port, &value, &m, raw, patch, read);
                        self.cur.meta = Some(m);
                    }
                    other => {
                        self.cur.meta = other;
                        self.route_value(src, p, port, &value, &meta, raw, patch, read);
                    }
                }
            }
            Ok(None) => self.counters.pipelines[p].dropped += 1,
            Err(_) if patch.is_some() => return false,
            Err(e) => {
                self.counters.pipelines[p].errors += 1;
                let mut err = e.to_value();
                err.insert("source", Value::from(self.sources[src].id.clone()));
                err.insert("pipeline", Value::from(self.pipelines[p].id.clone()));
                meta.insert("error", err.clone());
                let mut ev = Record::with_capacity(2);
                ev.push_unique("error", err);
                ev.push_unique("event", value);
                self.route_value(
                    src,
                    p,
                    PipelinePlan::ERR,
                    &Value::Record(ev),
                    &meta,
                    None,
                    None,
                    read,
                );
            }
        }
        true
    }
}

impl Ingest {
    /// An event whose shaping metadata is unusable goes to `err` as
    /// `{"error": {"kind": "shaper", "message", "source", "pipeline"}, "event": <the event>}`.
    fn shaper_error(
        &mut self,
        src: usize,
        p: usize,
        value: Value<'_>,
        mut meta: Value<'_>,
        message: &str,
        read: &Read<'_>,
    ) {
        let mut err = Record::with_capacity(4);
        err.push_unique("kind", Value::from("shaper"));
        err.push_unique("message", Value::from(message.to_string()));
        err.push_unique("source", Value::from(self.sources[src].id.clone()));
        err.push_unique("pipeline", Value::from(self.pipelines[p].id.clone()));
        let err = Value::Record(err);
        meta.insert("error", err.clone());
        let mut ev = Record::with_capacity(2);
        ev.push_unique("error", err);
        ev.push_unique("event", value);
        self.route_value(
            src,
            p,
            PipelinePlan::ERR,
            &Value::Record(ev),
            &meta,
            None,
            None,
            read,
        );
    }
}
