//! Expressions: paths, calls, literals, operators (folded by `fold` when constant).

use std::borrow::Cow;

use super::fold::{fold, intern_value};
use super::{CResult, Compiler};
use crate::lang::ast::{self, UnOp};
use crate::lang::diagnostic::{codes, did_you_mean, Diagnostic};
use crate::lang::intern::intern;
use crate::lang::ir::{BytesKind, BytesSeg, Expr, Path, Root, Seg};
use crate::lang::span::Span;
use crate::stdlib::{self, FnDef};
use crate::Value;

/// Where a library path written as `path` may live: as written, or under `std::` or
/// `tremor::` (`string::len` is `std::string::len`).
fn stdlib_paths(path: &str) -> [String; 3] {
    [
        path.to_string(),
        format!("std::{path}"),
        format!("tremor::{path}"),
    ]
}

fn is_const(e: &Expr) -> bool {
    matches!(e, Expr::Const(_))
}

impl Compiler<'_> {
    /// Compiles an expression (statements are rejected here).
    pub(crate) fn expr(&mut self, e: &ast::Expr) -> CResult<Expr> {
        let span = self.span(e.span);
        Ok(match &e.kind {
            ast::ExprKind::Null => Expr::Const(Value::Null),
            ast::ExprKind::Bool(b) => Expr::Const(Value::Bool(*b)),
            ast::ExprKind::Int(u) => Expr::Const(Value::from(*u)),
            ast::ExprKind::Float(f) => Expr::Const(Value::F64(*f)),
            ast::ExprKind::Str(parts) => self.string(parts)?,
            ast::ExprKind::Bytes(parts) => self.bytes(parts)?,
            ast::ExprKind::Record(fields) => {
                let mut out = Vec::with_capacity(fields.len());
                for (k, v) in fields {
                    out.push((self.expr(k)?, self.expr(v)?));
                }
                let c = out.iter().all(|(k, v)| is_const(k) && is_const(v));
                fold(Expr::Record(out, span), c)?
            }
            ast::ExprKind::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                for x in items {
                    out.push(self.expr(x)?);
                }
                let c = out.iter().all(is_const);
                fold(Expr::Array(out), c)?
            }
            ast::ExprKind::Path(p) => self.path_expr(p)?,
            // `present name` of a name that is not defined is false, as in tremor.
            ast::ExprKind::Present(p) if self.undefined_root(p) => Expr::Const(Value::Bool(false)),
            ast::ExprKind::Absent(p) if self.undefined_root(p) => Expr::Const(Value::Bool(true)),
            ast::ExprKind::Present(p) => Expr::Present(Box::new(self.path(p)?)),
            ast::ExprKind::Absent(p) => Expr::Unary(
                UnOp::Not,
                Box::new(Expr::Present(Box::new(self.path(p)?))),
                span,
            ),
            ast::ExprKind::Unary(op, x) => {
                let x = self.expr(x)?;
                let c = is_const(&x);
                fold(Expr::Unary(*op, Box::new(x), span), c)?
            }
            ast::ExprKind::Binary(op, l, r) => {
                let l = self.expr(l)?;
                let r = self.expr(r)?;
                let c = is_const(&l) && is_const(&r);
                fold(Expr::Binary(*op, Box::new((l, r)), span), c)?
            }
            ast::ExprKind::Call { module, name, args } => self.call(module, name, args, span)?,
            ast::ExprKind::Recur(args) => {
                if !self.frame.in_fn {
                    return Err(Diagnostic::new(
                        codes::RECUR_OUTSIDE_FN,
                        "`recur` can only be used inside a function",
                        span,
                    ));
                }
                let mut out = Vec::with_capacity(args.len());
                for a in args {
                    out.push(self.expr(a)?);
                }
                Expr::Recur(out)
            }
            ast::ExprKind::Match(m) => {
                let target = self.expr(&m.target)?;
                Expr::Match(Box::new(self.cases_match(
                    target,
                    &m.cases,
                    span,
                    Self::expr,
                )?))
            }
            ast::ExprKind::For(f) => Expr::For(Box::new(self.comprehension(f, Self::expr)?)),
            ast::ExprKind::Patch(p) => {
                let p = self.patch(p, span)?;
                Expr::Patch(Box::new(p))
            }
            ast::ExprKind::Merge(t, s) => {
                let t = self.expr(t)?;
                let s = self.expr(s)?;
                let c = is_const(&t) && is_const(&s);
                fold(Expr::Merge(Box::new((t, s)), span), c)?
            }
            ast::ExprKind::Let(..) | ast::ExprKind::Emit { .. } | ast::ExprKind::Drop => {
                let what = match &e.kind {
                    ast::ExprKind::Let(..) => "let",
                    ast::ExprKind::Emit { .. } => "emit",
                    _ => "drop",
                };
                return Err(Diagnostic::new(
                    codes::NOT_ALLOWED,
                    format!("`{what}` is not allowed inside an expression"),
                    span,
                )
                .with_hint("use it as a statement, or in a `match` or `for` case body"));
            }
        })
    }

    fn string(&mut self, parts: &[ast::StrPart]) -> CResult<Expr> {
        let mut out = Vec::with_capacity(parts.len());
        for p in parts {
            out.push(match p {
                ast::StrPart::Lit(s) => Expr::Const(Value::String(intern(s))),
                ast::StrPart::Expr(e) => self.expr(e)?,
            });
        }
        if out.len() == 1 {
            if let Some(Expr::Const(Value::String(_))) = out.first() {
                return Ok(out.remove(0));
            }
        }
        let c = out.iter().all(is_const);
        fold(Expr::Str(out), c)
    }

    fn bytes(&mut self, parts: &[ast::BytesPart]) -> CResult<Expr> {
        let mut segs = Vec::with_capacity(parts.len());
        for p in parts {
            let pspan = self.span(p.span);
            let mut kind = BytesKind::Integer;
            let mut signed = false;
            let mut little = false;
            // Tremor writes one type as words joined by `_` (`little_signed_integer`);
            // the Erlang-style `-` separated list is accepted too.
            let words = p
                .types
                .iter()
                .flat_map(|t| t.name.split('_').map(move |w| (w, t)));
            for (w, t) in words {
                match w {
                    "binary" | "bytes" => kind = BytesKind::Binary,
                    "integer" => kind = BytesKind::Integer,
                    "signed" => signed = true,
                    "unsigned" => signed = false,
                    "big" => little = false,
                    "little" => little = true,
                    other => {
                        return Err(Diagnostic::new(
                            codes::BAD_BITS,
                            format!("unknown binary type `{other}`"),
                            self.span(t.span),
                        )
                        .with_hint("use binary, integer, signed, unsigned, big or little"))
                    }
                }
            }
            let bits =
                match p.bits {
                    None => None,
                    Some(b) if kind == BytesKind::Integer && (b == 0 || b > 64) => {
                        return Err(Diagnostic::new(
                            codes::BAD_BITS,
                            format!("integer width must be 1 to 64 bits, not {b}"),
                            pspan,
                        ))
                    }
                    Some(b) => Some(u32::try_from(b).map_err(|_| {
                        Diagnostic::new(codes::BAD_BITS, "bit size too large", pspan)
                    })?),
                };
            if little && bits.unwrap_or(8) % 8 != 0 {
                return Err(Diagnostic::new(
                    codes::BAD_BITS,
                    "little endian needs a width that is a multiple of 8",
                    pspan,
                ));
            }
            segs.push(BytesSeg {
                value: self.expr(&p.value)?,
                bits,
                kind,
                signed,
                little,
                span: pspan,
            });
        }
        let c = segs.iter().all(|s| is_const(&s.value));
        fold(Expr::Bytes(segs), c)
    }

    fn path_expr(&mut self, p: &ast::Path) -> CResult<Expr> {
        let path = self.path(p)?;
        Ok(match path.root {
            Root::Local(slot) if path.segs.is_empty() => Expr::Local(slot, path.span),
            Root::Expr(Expr::Const(v)) if path.segs.is_empty() => Expr::Const(v),
            _ => {
                let c = matches!(path.root, Root::Expr(Expr::Const(_)))
                    && path.segs.iter().all(|s| match s {
                        Seg::Key(..) | Seg::Idx(..) => true,
                        Seg::Range(a, b, _) => is_const(a) && is_const(b),
                        Seg::Elem(..) => false,
                    });
                fold(Expr::Path(Box::new(path)), c)?
            }
        })
    }

    fn unknown_name(&self, name: &str, span: Span) -> Diagnostic {
        let mut cands: Vec<&str> = self.frame.names().collect();
        let consts: Vec<&str> = self
            .consts
            .keys()
            .filter(|(m, _)| *m == self.module)
            .map(|(_, n)| n.as_str())
            .collect();
        cands.extend(consts);
        if !self.frame.in_fn {
            cands.extend(["event", "state", "args"]);
        }
        let d = Diagnostic::new(codes::UNKNOWN_NAME, format!("unknown name `{name}`"), span);
        match did_you_mean(name, cands) {
            Some(c) => d.with_hint(format!("did you mean `{c}`?")),
            None => d,
        }
    }

    /// A path whose root is a bare name that is neither a local nor a constant.
    fn undefined_root(&self, p: &ast::Path) -> bool {
        match &p.root {
            ast::Root::Local(id) => {
                self.frame.lookup(&id.name).is_none()
                    && !self
                        .consts
                        .contains_key(&(self.module.clone(), id.name.clone()))
            }
            _ => false,
        }
    }

    fn no_event_in_fn(&self, what: &str, span: Span) -> CResult<()> {
        if self.frame.in_fn {
            return Err(Diagnostic::new(
                codes::EVENT_IN_FN,
                format!("`{what}` is not available inside functions and constants"),
                span,
            )
            .with_hint("pass the value as an argument"));
        }
        Ok(())
    }

    /// Resolves a module path through `use` aliases.
    /// A path that names a module nested in the current one (`b::f` inside `mod a`) is
    /// taken relative to it first, as tremor does.
    pub(crate) fn module_path(&self, m: &[ast::Ident]) -> String {
        let names: Vec<&str> = m.iter().map(|i| i.name.as_str()).collect();
        if !self.module.is_empty() && !names.is_empty() {
            let mut scope = self.module.as_str();
            loop {
                let rel = format!("{scope}::{}", names.join("::"));
                if self.loaded.contains(&rel) {
                    return rel;
                }
                match scope.rfind("::") {
                    Some(i) => scope = &scope[..i],
                    None => break,
                }
            }
        }
        match names.first().and_then(|f| self.uses.get(*f)) {
            Some(full) => {
                let mut p: Vec<&str> = full.iter().map(String::as_str).collect();
                p.extend(&names[1..]);
                p.join("::")
            }
            None => names.join("::"),
        }
    }

    pub(crate) fn path(&mut self, p: &ast::Path) -> CResult<Path> {
        let span = self.span(p.span);
        let (root, root_name): (Root, Cow<'static, str>) = match &p.root {
            ast::Root::Event => {
                self.no_event_in_fn("event", span)?;
                (Root::Event, Cow::Borrowed("event"))
            }
            ast::Root::Meta => {
                self.no_event_in_fn("$", span)?;
                (Root::Meta, Cow::Borrowed("metadata"))
            }
            ast::Root::State => {
                self.no_event_in_fn("state", span)?;
                (Root::State, Cow::Borrowed("state"))
            }
            ast::Root::Args => match (self.frame.in_fn, self.frame.varargs) {
                (true, Some(slot)) => (Root::Local(slot), Cow::Borrowed("args")),
                (true, None) => {
                    return Err(Diagnostic::new(
                        codes::UNKNOWN_NAME,
                        "`args` inside a function needs `...` in its parameter list",
                        span,
                    ))
                }
                _ => (Root::Args, Cow::Borrowed("args")),
            },
            ast::Root::Group => (Root::Group, Cow::Borrowed("group")),
            ast::Root::Window => (Root::Window, Cow::Borrowed("window")),
            ast::Root::Local(id) => {
                if let Some(slot) = self.frame.lookup(&id.name) {
                    (Root::Local(slot), intern(&id.name))
                } else if let Some(v) = self.consts.get(&(self.module.clone(), id.name.clone())) {
                    (Root::Expr(Expr::Const(v.clone())), intern(&id.name))
                } else {
                    // Tremor reports an unknown name only when it is evaluated: it is a
                    // warning here and a run-time error if reached.
                    let d = self.unknown_name(&id.name, self.span(id.span));
                    let e = Expr::Fail(Box::new(d.clone()));
                    self.warnings.push(d);
                    (Root::Expr(e), intern(&id.name))
                }
            }
            ast::Root::Const(m, id) => {
                let module = self.module_path(m);
                match self.module_constant(&module, &id.name) {
                    Some(v) => (Root::Expr(Expr::Const(v)), intern(&id.name)),
                    None => return Err(self.unknown_constant(&module, &id.name, span)),
                }
            }
            ast::Root::Expr(e) => (Root::Expr(self.expr(e)?), Cow::Borrowed("value")),
        };
        let mut segs = Vec::with_capacity(p.segs.len());
        for s in &p.segs {
            segs.push(match s {
                ast::Seg::Field(id) => Seg::Key(intern(&id.name), self.span(id.span)),
                ast::Seg::Index(e) => {
                    let sp = self.span(e.span);
                    match self.expr(e)? {
                        Expr::Const(Value::String(k)) => Seg::Key(k, sp),
                        Expr::Const(v) if v.as_u64().is_some() => Seg::Idx(
                            usize::try_from(v.as_u64().unwrap_or(0)).unwrap_or(usize::MAX),
                            sp,
                        ),
                        other => Seg::Elem(other, sp),
                    }
                }
                ast::Seg::Range(a, b, sp) => {
                    Seg::Range(self.expr(a)?, self.expr(b)?, self.span(*sp))
                }
            });
        }
        Ok(Path {
            root,
            segs,
            span,
            root_name,
        })
    }

    /// The value of constant `module::name`: a user module's `const`, else a standard
    /// library module constant (`std::time::nanos::NANOS_PER_SECOND`), found under the same
    /// paths as library functions.
    fn module_constant(&self, module: &str, name: &str) -> Option<Value<'static>> {
        if let Some(v) = self.consts.get(&(module.to_string(), name.to_string())) {
            return Some(v.clone());
        }
        stdlib_paths(module)
            .into_iter()
            .find_map(|m| stdlib::constant(&m, name))
            .map(intern_value)
    }

    /// Why `module::name` is not a constant, with the closest constant or function of that
    /// module as a hint.
    fn unknown_constant(&self, module: &str, name: &str, span: Span) -> Diagnostic {
        let (path, consts, fns): (String, Vec<&str>, Vec<&str>) = if self.loaded.contains(module) {
            let consts = self
                .consts
                .keys()
                .filter(|(m, _)| m == module)
                .map(|(_, n)| n.as_str())
                .collect();
            let fns = self
                .fn_map
                .keys()
                .filter(|(m, _)| m == module)
                .map(|(_, n)| n.as_str())
                .collect();
            (module.to_string(), consts, fns)
        } else {
            let Some(found) = stdlib_paths(module)
                .into_iter()
                .find(|m| stdlib::constants(m).is_some() || stdlib::module(m).is_some())
            else {
                return self.unknown_module(module, span);
            };
            let consts = stdlib::constants(&found)
                .unwrap_or_default()
                .iter()
                .map(|c| c.name)
                .collect();
            let fns = stdlib::module(&found)
                .unwrap_or_default()
                .iter()
                .map(|f| f.name)
                .collect();
            (found, consts, fns)
        };
        let d = Diagnostic::new(
            codes::UNKNOWN_NAME,
            format!("unknown constant `{path}::{name}`"),
            span,
        );
        if fns.contains(&name) {
            return d.with_hint(format!(
                "`{path}::{name}` is a function: call it with `(...)`"
            ));
        }
        match did_you_mean(name, consts.iter().chain(&fns).copied()) {
            Some(c) => d.with_hint(format!("did you mean `{path}::{c}`?")),
            None => d,
        }
    }

    /// `module` is neither a library module nor a loaded one.
    fn unknown_module(&self, path: &str, span: Span) -> Diagnostic {
        let mut known: Vec<&str> = stdlib::MODULES.to_vec();
        known.extend(stdlib::CONST_MODULES);
        known.extend(self.loaded.iter().map(String::as_str));
        let d = Diagnostic::new(
            codes::UNKNOWN_MODULE,
            format!("unknown module `{path}`"),
            span,
        );
        let with_std = format!("std::{path}");
        match did_you_mean(path, known.iter().copied())
            .or_else(|| did_you_mean(&with_std, known.iter().copied()))
        {
            Some(c) => d.with_hint(format!("did you mean `{c}`?")),
            None => d,
        }
    }

    /// Resolves a standard-library function (`module` as written, aliases applied).
    pub(crate) fn native(
        &mut self,
        module: &[String],
        name: &ast::Ident,
        span: Span,
    ) -> CResult<&'static FnDef> {
        let idents: Vec<ast::Ident> = module
            .iter()
            .map(|m| ast::Ident {
                name: m.clone(),
                span: name.span,
            })
            .collect();
        let path = self.module_path(&idents);
        for cand in stdlib_paths(&path) {
            if let Some(def) = stdlib::lookup(&cand, &name.name) {
                return Ok(def);
            }
        }
        for cand in stdlib_paths(&path) {
            if let Some(fns) = stdlib::module(&cand) {
                let d = Diagnostic::new(
                    codes::UNKNOWN_FUNCTION,
                    format!("unknown function `{cand}::{}`", name.name),
                    span,
                );
                return Err(match did_you_mean(&name.name, fns.iter().map(|f| f.name)) {
                    Some(c) => d.with_hint(format!("did you mean `{cand}::{c}`?")),
                    None => d,
                });
            }
        }
        Err(self.unknown_module(&path, span))
    }

    fn call(
        &mut self,
        module: &[ast::Ident],
        name: &ast::Ident,
        args: &[ast::Expr],
        span: Span,
    ) -> CResult<Expr> {
        let mut cargs = Vec::with_capacity(args.len());
        for a in args {
            cargs.push(self.expr(a)?);
        }
        let path = if module.is_empty() {
            self.module.clone()
        } else {
            self.module_path(module)
        };
        if let Some(&idx) = self.fn_map.get(&(path.clone(), name.name.clone())) {
            let f = &self.fns[idx as usize];
            if cargs.len() < f.arity || (!f.varargs && cargs.len() != f.arity) {
                return Err(Diagnostic::new(
                    codes::ARITY,
                    format!(
                        "`{}` takes {}{} argument{}, got {}",
                        f.name,
                        if f.varargs { "at least " } else { "" },
                        f.arity,
                        if f.arity == 1 { "" } else { "s" },
                        cargs.len()
                    ),
                    span,
                ));
            }
            return Ok(Expr::Call(idx, cargs, span));
        }
        if module.is_empty() {
            let names: Vec<&str> = self
                .fn_map
                .keys()
                .filter(|(m, _)| *m == self.module)
                .map(|(_, n)| n.as_str())
                .collect();
            let d = Diagnostic::new(
                codes::UNKNOWN_FUNCTION,
                format!("unknown function `{}`", name.name),
                self.span(name.span),
            );
            return Err(match did_you_mean(&name.name, names) {
                Some(c) => d.with_hint(format!("did you mean `{c}`?")),
                None => d,
            });
        }
        if self.loaded.contains(&path) {
            let names: Vec<&str> = self
                .fn_map
                .keys()
                .filter(|(m, _)| *m == path)
                .map(|(_, n)| n.as_str())
                .collect();
            let d = Diagnostic::new(
                codes::UNKNOWN_FUNCTION,
                format!("unknown function `{path}::{}`", name.name),
                span,
            );
            return Err(match did_you_mean(&name.name, names) {
                Some(c) => d.with_hint(format!("did you mean `{c}`?")),
                None => d,
            });
        }
        let names: Vec<String> = module.iter().map(|m| m.name.clone()).collect();
        let def = self.native(&names, name, span)?;
        if !def.arity.accepts(cargs.len()) {
            return Err(Diagnostic::new(
                codes::ARITY,
                format!(
                    "`{}` takes {} argument{}, got {}",
                    def.name,
                    def.arity,
                    if def.arity == crate::stdlib::Arity::Exact(1) {
                        ""
                    } else {
                        "s"
                    },
                    cargs.len()
                ),
                span,
            ));
        }
        let c = def.pure && cargs.iter().all(is_const);
        fold(Expr::Native(def, cargs, span), c)
    }
}
