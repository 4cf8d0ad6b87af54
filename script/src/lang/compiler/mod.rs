//! The compiler: AST to IR. Resolves names (locals to slots, constants to values,
//! functions to table entries or standard-library pointers), compiles extractors once,
//! folds constants, loads modules, and reports every error with a span, a code and a hint.

mod expr;
mod fold;
mod scope;
mod stmt;
mod tail;

use std::collections::{HashMap, HashSet};
use std::path::{Path as FsPath, PathBuf};
use std::sync::Arc;

use super::ast;
use super::diagnostic::{codes, Diagnostic, Diagnostics, SourceFile};
use super::ir::{FnImpl, Function, Stmt};
use super::parser::{parse_script, PErr};
use super::runner::{CompileOptions, Script};
use super::span::{RSpan, Span};
use crate::Value;

use scope::FrameScope;

pub(crate) type CResult<T> = Result<T, Diagnostic>;

pub(crate) struct Compiler<'o> {
    opts: &'o CompileOptions,
    files: Vec<SourceFile>,
    errors: Vec<Diagnostic>,
    fns: Vec<Function>,
    fn_map: HashMap<(String, String), u32>,
    consts: HashMap<(String, String), Value<'static>>,
    ports: Vec<String>,
    loaded: HashSet<String>,
    loading: Vec<String>,
    // The file being compiled.
    file: u32,
    len: usize,
    module: String,
    uses: HashMap<String, Vec<String>>,
    frame: FrameScope,
    /// Unknown names compiled to run-time errors (tremor reports them only if reached).
    warnings: Vec<Diagnostic>,
}

/// Compiles a script.
pub(crate) fn compile(source: &str, opts: &CompileOptions) -> Result<Script, Diagnostics> {
    let name = if opts.file_name.is_empty() {
        "<script>".to_string()
    } else {
        opts.file_name.clone()
    };
    let mut c = Compiler {
        opts,
        files: vec![SourceFile {
            name,
            text: Arc::from(source),
        }],
        errors: Vec::new(),
        fns: Vec::new(),
        fn_map: HashMap::new(),
        consts: HashMap::new(),
        ports: vec!["out".to_string(), "err".to_string()],
        loaded: HashSet::new(),
        loading: Vec::new(),
        file: 0,
        len: source.len(),
        module: String::new(),
        uses: HashMap::new(),
        frame: FrameScope::new(false),
        warnings: Vec::new(),
    };
    let stmts = match parse_script(source) {
        Ok(ast) => c.items(&ast.items, true),
        Err(pe) => {
            let d = c.parse_diag(&pe, source);
            c.errors.push(d);
            Vec::new()
        }
    };
    if c.errors.is_empty() && stmts.is_empty() {
        c.errors.push(Diagnostic::new(
            codes::SYNTAX,
            "the script is empty",
            Span::new(0, 0, 0),
        ));
    }
    if !c.errors.is_empty() {
        c.errors.sort_by_key(|d| (d.span.file, d.span.start));
        return Err(Diagnostics {
            files: c.files,
            errors: c.errors,
        });
    }
    Ok(Script {
        stmts,
        fns: c.fns,
        locals: c.frame.slots(),
        ports: c.ports,
        warnings: Diagnostics {
            files: c.files.clone(),
            errors: c.warnings,
        },
        files: c.files,
    })
}

fn describe_next(rest: &str) -> String {
    let t = rest.trim_start();
    match t.chars().next() {
        None => "the end of the script".to_string(),
        Some(c) if super::parser::is_ident_char(c) => {
            let n = t
                .find(|c: char| !super::parser::is_ident_char(c))
                .unwrap_or(t.len());
            format!("`{}`", &t[..n])
        }
        Some(c) => format!("`{c}`"),
    }
}

impl Compiler<'_> {
    pub(crate) fn span(&self, r: RSpan) -> Span {
        r.resolve(self.file, self.len)
    }

    fn parse_diag(&self, pe: &PErr, src: &str) -> Diagnostic {
        let at = src.len().saturating_sub(pe.rest);
        let rest = &src[at.min(src.len())..];
        // Point at the next token, not at the whitespace before it.
        let skipped = rest.len() - rest.trim_start().len();
        let start = at + skipped;
        let len = if pe.len > 0 {
            pe.len
        } else {
            let t = rest.trim_start();
            match t.chars().next() {
                Some(c) if super::parser::is_ident_char(c) => t
                    .find(|c: char| !super::parser::is_ident_char(c))
                    .unwrap_or(t.len()),
                Some(c) => c.len_utf8(),
                None => 0,
            }
        };
        let (start, len) = if pe.len > 0 {
            (at, pe.len)
        } else {
            (start, len)
        };
        let msg = if pe.code == codes::SYNTAX {
            format!("{}, found {}", pe.msg, describe_next(rest))
        } else {
            pe.msg.to_string()
        };
        Diagnostic::new(pe.code, msg, Span::new(self.file, start, start + len))
    }

    fn err(&mut self, d: Diagnostic) {
        self.errors.push(d);
    }

    /// Compiles the items of one file. `main` files may contain statements.
    fn items(&mut self, items: &[ast::Item], main: bool) -> Vec<Stmt> {
        for item in items {
            match item {
                ast::Item::Use(u) => {
                    if let Err(d) = self.use_module(u) {
                        self.err(d);
                    }
                }
                ast::Item::Fn(f) => {
                    if let Err(d) = self.register_fn(f) {
                        self.err(d);
                    }
                }
                _ => {}
            }
        }
        let mut stmts = Vec::new();
        for (n, item) in items.iter().enumerate() {
            let r = match item {
                ast::Item::Use(_) => Ok(()),
                ast::Item::Mod(m) => self.inline_module(m),
                // A script that ends with a constant has that constant's value.
                ast::Item::Const(c) if main && n + 1 == items.len() => self.constant(c).map(|()| {
                    let key = (self.module.clone(), c.name.name.clone());
                    if let Some(v) = self.consts.get(&key) {
                        stmts.push(Stmt::Expr(super::ir::Expr::Const(v.clone())));
                    }
                }),
                ast::Item::Const(c) => self.constant(c),
                ast::Item::Fn(f) => self.function(f),
                ast::Item::Expr(e) => {
                    if main {
                        self.stmt(e).map(|s| stmts.push(s))
                    } else {
                        Err(Diagnostic::new(
                            codes::NOT_ALLOWED,
                            "a module may only contain `use`, `const` and `fn`",
                            self.span(e.span),
                        ))
                    }
                }
            };
            if let Err(d) = r {
                self.err(d);
            }
        }
        stmts
    }

    fn constant(&mut self, c: &ast::Const) -> CResult<()> {
        let key = (self.module.clone(), c.name.name.clone());
        if self.consts.contains_key(&key) || self.frame.lookup(&c.name.name).is_some() {
            return Err(Diagnostic::new(
                codes::DUPLICATE,
                format!("`{}` is already defined", c.name.name),
                self.span(c.name.span),
            ));
        }
        // Constants see no locals and no event: compile them in a frame of their own.
        let saved = std::mem::replace(&mut self.frame, FrameScope::new(true));
        let r = self.expr(&c.expr);
        self.frame = saved;
        if r.is_err() {
            // Keep the name known so its uses do not cascade into more errors.
            self.consts.insert(key.clone(), Value::Null);
        }
        let folded = match r? {
            super::ir::Expr::Const(v) => Some(v),
            // Calls of user functions are folded here, where their bodies are compiled.
            other => fold::const_eval_with(&other, &self.fns),
        };
        match folded {
            Some(v) => {
                self.consts.insert(key, fold::intern_value(v));
                Ok(())
            }
            None => {
                self.consts.insert(key, Value::Null);
                Err(Diagnostic::new(
                    codes::NOT_CONSTANT,
                    format!(
                        "the value of constant `{}` is not known at compile time",
                        c.name.name
                    ),
                    self.span(c.expr.span),
                )
                .with_hint("constants may use literals, other constants and pure functions"))
            }
        }
    }

    /// `mod name with ... end`: its items live under `enclosing::name`.
    fn inline_module(&mut self, m: &ast::Module) -> CResult<()> {
        let joined = if self.module.is_empty() {
            m.name.name.clone()
        } else {
            format!("{}::{}", self.module, m.name.name)
        };
        if self.loaded.contains(&joined) {
            return Err(Diagnostic::new(
                codes::DUPLICATE,
                format!("module `{joined}` is already defined"),
                self.span(m.name.span),
            ));
        }
        self.loaded.insert(joined.clone());
        let saved = std::mem::replace(&mut self.module, joined);
        let stray = self.items(&m.items, false);
        debug_assert!(stray.is_empty());
        self.module = saved;
        Ok(())
    }

    fn register_fn(&mut self, f: &ast::FnDecl) -> CResult<()> {
        let key = (self.module.clone(), f.name.name.clone());
        if self.fn_map.contains_key(&key) {
            return Err(Diagnostic::new(
                codes::DUPLICATE,
                format!("function `{}` is already defined", f.name.name),
                self.span(f.name.span),
            ));
        }
        let idx = u32::try_from(self.fns.len()).unwrap_or(u32::MAX);
        self.fns.push(Function {
            name: f.name.name.clone(),
            arity: f.args.len(),
            varargs: f.varargs,
            locals: 0,
            body: FnImpl::Pending,
        });
        self.fn_map.insert(key, idx);
        Ok(())
    }

    /// Directories searched for module files, in order.
    fn module_dirs(&self) -> Vec<PathBuf> {
        let mut dirs = Vec::new();
        if !self.opts.file_name.is_empty() {
            if let Some(parent) = FsPath::new(&self.opts.file_name).parent() {
                dirs.push(if parent.as_os_str().is_empty() {
                    PathBuf::from(".")
                } else {
                    parent.to_path_buf()
                });
            }
        }
        dirs.extend(self.opts.include_paths.iter().cloned());
        dirs
    }

    fn use_module(&mut self, u: &ast::Use) -> CResult<()> {
        let path: Vec<String> = u.path.iter().map(|i| i.name.clone()).collect();
        let alias = u.alias.as_ref().map_or_else(
            || path.last().cloned().unwrap_or_default(),
            |a| a.name.clone(),
        );
        let joined = path.join("::");
        let prefix = format!("{joined}::");
        let library = crate::stdlib::MODULES
            .iter()
            .chain(crate::stdlib::CONST_MODULES)
            .any(|m| *m == joined || m.starts_with(&prefix));
        if library {
            self.uses.insert(alias, path);
            return Ok(());
        }
        if !self.loaded.contains(&joined) {
            self.load_module(&path, &joined, u.span)?;
        }
        self.uses.insert(alias, path);
        Ok(())
    }

    fn load_module(&mut self, path: &[String], joined: &str, span: RSpan) -> CResult<()> {
        let rel: PathBuf = path.iter().collect::<PathBuf>().with_extension("tremor");
        let found = self
            .module_dirs()
            .into_iter()
            .map(|d| d.join(&rel))
            .find(|p| p.is_file());
        let Some(file) = found else {
            let mut known: Vec<&str> = crate::stdlib::MODULES.to_vec();
            known.extend(crate::stdlib::CONST_MODULES);
            known.extend(self.loaded.iter().map(String::as_str));
            let hint = super::diagnostic::did_you_mean(joined, known).map_or_else(
                || {
                    format!(
                        "no file `{}` in the script's directory or the include paths",
                        rel.display()
                    )
                },
                |m| format!("did you mean `{m}`?"),
            );
            return Err(Diagnostic::new(
                codes::UNKNOWN_MODULE,
                format!("module `{joined}` not found"),
                self.span(span),
            )
            .with_hint(hint));
        };
        if self.loading.iter().any(|m| m == joined) {
            return Err(Diagnostic::new(
                codes::UNKNOWN_MODULE,
                format!("module `{joined}` uses itself (a cycle through `use`)"),
                self.span(span),
            ));
        }
        let text = std::fs::read_to_string(&file).map_err(|e| {
            Diagnostic::new(
                codes::MODULE_IO,
                format!("cannot read module `{}`: {e}", file.display()),
                self.span(span),
            )
        })?;
        let idx = u32::try_from(self.files.len()).unwrap_or(u32::MAX);
        self.files.push(SourceFile {
            name: file.display().to_string(),
            text: Arc::from(text.as_str()),
        });
        let saved_file = self.file;
        let saved_len = self.len;
        let saved_module = std::mem::replace(&mut self.module, joined.to_string());
        let saved_uses = std::mem::take(&mut self.uses);
        self.file = idx;
        self.len = text.len();
        self.loading.push(joined.to_string());
        match parse_script(&text) {
            Ok(ast) => {
                let stray = self.items(&ast.items, false);
                debug_assert!(stray.is_empty());
            }
            Err(pe) => {
                let d = self.parse_diag(&pe, &text);
                self.err(d);
            }
        }
        self.loading.pop();
        self.file = saved_file;
        self.len = saved_len;
        self.module = saved_module;
        self.uses = saved_uses;
        self.loaded.insert(joined.to_string());
        Ok(())
    }

    fn function(&mut self, f: &ast::FnDecl) -> CResult<()> {
        let key = (self.module.clone(), f.name.name.clone());
        let Some(&idx) = self.fn_map.get(&key) else {
            return Ok(());
        };
        let saved = std::mem::replace(&mut self.frame, FrameScope::new(true));
        let r = self.function_body(f);
        let frame = std::mem::replace(&mut self.frame, saved);
        let body = r?;
        if let Some(slot) = self.fns.get_mut(idx as usize) {
            slot.body = body;
            slot.locals = frame.slots();
        }
        Ok(())
    }

    fn function_body(&mut self, f: &ast::FnDecl) -> CResult<FnImpl> {
        let mut seen = HashSet::new();
        for a in &f.args {
            if !seen.insert(a.name.as_str()) {
                return Err(Diagnostic::new(
                    codes::DUPLICATE,
                    format!("argument `{}` appears twice", a.name),
                    self.span(a.span),
                ));
            }
            let slot = self.frame.new_slot();
            self.frame.bind(&a.name, slot);
        }
        if f.varargs {
            let slot = self.frame.new_slot();
            self.frame.varargs = Some(slot);
        }
        let misplaced = match &f.body {
            ast::FnBody::Exprs(body) => tail::misplaced_recur(body),
            ast::FnBody::Cases(cases) => cases.iter().find_map(|c| tail::misplaced_recur(&c.body)),
            ast::FnBody::Intrinsic { .. } => None,
        };
        if let Some(at) = misplaced {
            return Err(Diagnostic::new(
                codes::RECUR_OUTSIDE_FN,
                "`recur` can only be the last thing a function does (tail position)",
                self.span(at),
            )
            .with_hint("make `recur(...)` the last expression of the function or of its case"));
        }
        match &f.body {
            ast::FnBody::Exprs(body) => {
                let mut out = Vec::with_capacity(body.len());
                for e in body {
                    out.push(self.stmt(e)?);
                }
                Ok(FnImpl::Body(out))
            }
            ast::FnBody::Cases(cases) => {
                let tuple = self.frame.new_slot();
                let span = self.span(f.span);
                let cases: Vec<ast::Case> = cases.iter().map(|c| rebind_args(c, &f.args)).collect();
                let m = self.cases_match(
                    super::ir::Expr::Local(tuple, span),
                    &cases,
                    span,
                    Self::stmt,
                )?;
                Ok(FnImpl::Cases(Box::new(m)))
            }
            ast::FnBody::Intrinsic { module, name } => {
                let names: Vec<String> = module.iter().map(|i| i.name.clone()).collect();
                let span = self.span(name.span);
                let def = self.native(&names, name, span)?;
                Ok(FnImpl::Native(def))
            }
        }
    }
}

/// The name a match function's tuple result is bound to (not a name a script can write).
const FN_RESULT: &str = "fn result";

/// A match function case `case (p1, p2) => body` rebinds each argument to what its
/// pattern yields (the extractor's result for `~ json||`) before the body runs, as tremor
/// does: `case x = %(p1, p2) => let a = x[0]; let b = x[1]; body`. The guard still sees
/// the arguments as passed.
fn rebind_args(c: &ast::Case, args: &[ast::Ident]) -> ast::Case {
    let ast::Pattern::Tuple(_) = &c.pattern else {
        return c.clone();
    };
    let at = c.span;
    let local = |name: &str, segs: Vec<ast::Seg>| ast::Path {
        root: ast::Root::Local(ast::Ident {
            name: name.to_string(),
            span: at,
        }),
        segs,
        span: at,
    };
    let mut body: Vec<ast::Expr> = args
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let index = ast::Expr {
                kind: ast::ExprKind::Int(i as u64),
                span: at,
            };
            let value = ast::Expr {
                kind: ast::ExprKind::Path(local(FN_RESULT, vec![ast::Seg::Index(index)])),
                span: at,
            };
            ast::Expr {
                kind: ast::ExprKind::Let(local(&a.name, Vec::new()), Box::new(value)),
                span: at,
            }
        })
        .collect();
    body.extend(c.body.iter().cloned());
    ast::Case {
        pattern: ast::Pattern::Assign(
            ast::Ident {
                name: FN_RESULT.to_string(),
                span: at,
            },
            Box::new(c.pattern.clone()),
        ),
        guard: c.guard.clone(),
        body,
        span: at,
    }
}
