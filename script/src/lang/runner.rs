//! The public face of the language: [`Script`] (compiled once, shared) and [`Runner`]
//! (one per shard, owns `state` and scratch space).

use std::borrow::Cow;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use super::diagnostic::{render, Diagnostics, SourceFile};
use super::interp::stmt::{exec_block, Flow, Frame};
use super::interp::{Ctrl, RtErr, Sys};
use super::ir::{Function, Stmt};
use super::span::{line_info, Span};
use crate::extractor::ExtractorConfig;
use crate::stdlib::Env;
use crate::{Record, Value};

/// How to compile a script.
#[derive(Debug, Clone, Default)]
pub struct CompileOptions {
    /// Name shown in diagnostics; its directory is searched for modules.
    pub file_name: String,
    /// Extra directories searched for `use`d modules (`-I`), in order.
    pub include_paths: Vec<PathBuf>,
    /// Settings for extractors (grok pattern files, ...).
    pub extractor_config: ExtractorConfig,
}

impl CompileOptions {
    /// Options for a script called `file_name`.
    #[must_use]
    pub fn new(file_name: impl Into<String>) -> Self {
        CompileOptions {
            file_name: file_name.into(),
            ..CompileOptions::default()
        }
    }

    /// Appends the directories listed in `SLUICE_PATH` (separated like `PATH`).
    #[must_use]
    pub fn with_env_paths(mut self) -> Self {
        if let Some(p) = std::env::var_os("SLUICE_PATH") {
            self.include_paths.extend(std::env::split_paths(&p));
        }
        self
    }
}

/// A compiled script: immutable, `Send + Sync`, shared by every shard through an `Arc`.
#[derive(Debug)]
pub struct Script {
    pub(crate) stmts: Vec<Stmt>,
    pub(crate) fns: Vec<Function>,
    pub(crate) locals: usize,
    pub(crate) ports: Vec<String>,
    pub(crate) files: Vec<SourceFile>,
    pub(crate) warnings: Diagnostics,
}

impl Script {
    /// Compiles `source`.
    ///
    /// # Errors
    /// Every syntax and compile error found, rendered by [`Diagnostics`]'s `Display`.
    pub fn compile(source: &str, opts: &CompileOptions) -> Result<Script, Diagnostics> {
        super::compiler::compile(source, opts)
    }

    /// Warnings: names that could not be resolved, compiled to run-time errors (tremor
    /// reports them only when reached). `Display` renders them.
    #[must_use]
    pub fn warnings(&self) -> &Diagnostics {
        &self.warnings
    }

    /// Ports the script can emit to: `out`, `err`, then the others in order of appearance.
    #[must_use]
    pub fn ports(&self) -> &[String] {
        &self.ports
    }
}

/// What a run decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Emit the value now in `*event` to port `port` (an index into [`Script::ports`]).
    Emit {
        /// Port index.
        port: usize,
        /// `false` means the event is exactly the incoming one, untouched.
        event_changed: bool,
    },
    /// Drop the event.
    Drop,
}

/// A runtime error: where in the script, what, and a stable code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuntimeError {
    /// Stable code (`E02xx`).
    pub code: &'static str,
    /// What went wrong.
    pub message: String,
    /// A suggestion, if any.
    pub hint: Option<String>,
    /// File name.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    span: Span,
    source: Arc<str>,
}

impl RuntimeError {
    fn new(script: &Script, e: RtErr) -> Self {
        let (file, source) = script.files.get(e.span.file as usize).map_or_else(
            || (String::new(), Arc::from("")),
            |f| (f.name.clone(), f.text.clone()),
        );
        let li = line_info(&source, e.span.start as usize);
        RuntimeError {
            code: e.code,
            message: e.msg,
            hint: e.hint,
            file,
            line: li.line,
            column: li.column,
            span: e.span,
            source,
        }
    }

    /// The error as a record `{kind, code, message, line, column}` for the error event's
    /// metadata.
    #[must_use]
    pub fn to_value(&self) -> Value<'static> {
        let mut r = Record::with_capacity(6);
        r.push_unique("kind", Value::str("runtime"));
        r.push_unique("code", Value::str(self.code));
        r.push_unique("message", Value::String(Cow::Owned(self.message.clone())));
        r.push_unique("file", Value::String(Cow::Owned(self.file.clone())));
        r.push_unique("line", Value::from(self.line));
        r.push_unique("column", Value::from(self.column));
        Value::Record(r)
    }
}

impl fmt::Display for RuntimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        render(
            f,
            "runtime error",
            self.code,
            &self.message,
            &self.file,
            &self.source,
            self.span,
            self.hint.as_deref(),
        )
    }
}

impl std::error::Error for RuntimeError {}

/// Runs a script on events. One per shard; owns the script's `state`.
#[derive(Debug)]
pub struct Runner {
    script: Arc<Script>,
    env: Env,
    args: Value<'static>,
    state: Value<'static>,
    // Local slots, kept empty between runs so their allocation is reused.
    slots: Vec<Option<Value<'static>>>,
}

impl Runner {
    /// A runner with `state` = `null`.
    #[must_use]
    pub fn new(script: Arc<Script>, env: Env, args: Value<'static>) -> Runner {
        let slots = Vec::with_capacity(script.locals);
        Runner {
            script,
            env,
            args,
            state: Value::Null,
            slots,
        }
    }

    /// Runs the script on one event. On emit the emitted value is left in `*event`.
    ///
    /// # Errors
    /// A [`RuntimeError`]; `event` and `meta` may have been partly modified.
    // Errors are rare and carry a rendered location; boxing them would not pay.
    #[allow(clippy::result_large_err)]
    pub fn run<'ev>(
        &mut self,
        event: &mut Value<'ev>,
        meta: &mut Value<'ev>,
        ingest_ns: u64,
        origin: Option<&Value<'static>>,
    ) -> Result<Outcome, RuntimeError> {
        let script = &*self.script;
        // Re-type the empty scratch vector for this event's lifetime; the allocation is
        // reused (in-place collect of an empty vector).
        let mut slots: Vec<Option<Value<'ev>>> = if script.locals == 0 {
            Vec::new()
        } else {
            let mut v: Vec<Option<Value<'ev>>> = std::mem::take(&mut self.slots)
                .into_iter()
                .map(|_| None)
                .collect();
            v.resize_with(script.locals, || None);
            v
        };
        let (result, changed) = {
            let mut frame = Frame {
                event: &mut *event,
                meta,
                state: &mut self.state,
                locals: &mut slots,
                args: &self.args,
                changed: false,
            };
            let mut sys = Sys {
                env: &mut self.env,
                ingest_ns,
                origin,
                fns: &script.fns,
                depth: 0,
            };
            let r = exec_block(&script.stmts, &mut frame, &mut sys, true);
            (r, frame.changed)
        };
        if script.locals != 0 {
            slots.clear();
            self.slots = slots.into_iter().map(|_| None).collect();
        } else {
            // `Vec::new()` owns no allocation; forgetting it skips the generic drop glue
            // that would walk its (zero) elements on every event.
            std::mem::forget(slots);
        }
        match result {
            Ok(Flow::Event) => Ok(Outcome::Emit {
                port: 0,
                event_changed: changed,
            }),
            Ok(Flow::Val(v)) => {
                *event = v;
                Ok(Outcome::Emit {
                    port: 0,
                    event_changed: true,
                })
            }
            Ok(Flow::Emit(port)) => Ok(Outcome::Emit {
                port,
                event_changed: changed,
            }),
            Ok(Flow::Drop) => Ok(Outcome::Drop),
            Err(Ctrl::Err(e)) => Err(RuntimeError::new(script, *e)),
            Err(Ctrl::Recur(_)) => Err(RuntimeError::new(
                script,
                RtErr {
                    code: super::diagnostic::codes::RECURSION,
                    msg: "`recur` outside a function".into(),
                    span: Span::default(),
                    hint: None,
                },
            )),
        }
    }

    /// The script's state as it is now.
    #[must_use]
    pub fn state(&self) -> &Value<'static> {
        &self.state
    }

    /// The compiled script.
    #[must_use]
    pub fn script(&self) -> &Arc<Script> {
        &self.script
    }
}
