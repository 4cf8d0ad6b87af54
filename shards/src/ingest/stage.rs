//! A pipeline's stage: passthrough, or its script, run on every event by this shard's own
//! `Runner` (the compiled script is shared; the runner and its `state` are per shard).

use std::sync::Arc;

use sluice_script::stdlib::Env;
use sluice_script::{Outcome, Record, Runner, Value};

use super::{Ingest, Read};
use crate::plan::{PipelinePlan, ScriptPlan};

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
    /// the metadata as `$error`.
    pub(super) fn run_stage(
        &mut self,
        src: usize,
        p: usize,
        mut value: Value<'_>,
        bytes: &[u8],
        read: &Read<'_>,
    ) {
        let mut meta = self.meta.clone().unwrap_or_else(Value::record);
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
            Ok(Some((port, changed))) => {
                let raw = (!changed).then_some(bytes);
                self.route_value(src, p, port, &value, &meta, raw, read);
            }
            Ok(None) => self.counters.pipelines[p].dropped += 1,
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
                    read,
                );
            }
        }
    }
}
