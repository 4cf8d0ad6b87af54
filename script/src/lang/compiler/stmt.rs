//! Statements, `match`/`for` (both forms), `patch`, patterns and extractors.

use super::fold::const_eval;
use super::{CResult, Compiler};
use crate::extractor::Extractor;
use crate::lang::ast::{self, BinOp};
use crate::lang::diagnostic::{codes, Diagnostic};
use crate::lang::intern::intern;
use crate::lang::ir::{
    ArrayPat, Case, ElemPat, Expr, FieldPat, For, ForCase, Match, Pat, Patch, PatchOp, RecordPat,
    Stmt, TRoot, Target, TuplePat,
};
use crate::lang::span::Span;
use crate::Value;

/// Does this statement (or a case body inside it) assign, emit or drop?
fn effects(e: &ast::Expr) -> bool {
    match &e.kind {
        ast::ExprKind::Let(..) | ast::ExprKind::Emit { .. } | ast::ExprKind::Drop => true,
        ast::ExprKind::Match(m) => m.cases.iter().any(|c| c.body.iter().any(effects)),
        ast::ExprKind::For(f) => f.cases.iter().any(|c| c.body.iter().any(effects)),
        _ => false,
    }
}

impl Compiler<'_> {
    /// Compiles a statement.
    pub(crate) fn stmt(&mut self, e: &ast::Expr) -> CResult<Stmt> {
        let span = self.span(e.span);
        match &e.kind {
            ast::ExprKind::Let(p, rhs) => {
                // The target is compiled even when the value fails, so that later uses of
                // the name do not report a second, misleading error.
                let value = self.stmt(rhs);
                let target = self.target(p)?;
                match (value?, target) {
                    (
                        Stmt::Expr(e),
                        Target {
                            root,
                            segs,
                            span: tspan,
                        },
                    ) if segs.len() == 1
                        && matches!(segs[0], Expr::Const(Value::String(_)))
                        && !matches!(root, TRoot::Local(_)) =>
                    {
                        let Some(Expr::Const(Value::String(k))) = segs.into_iter().next() else {
                            return Err(Diagnostic::new(codes::BAD_ASSIGN, "internal: key", span));
                        };
                        Ok(Stmt::SetKey(root, k, e, tspan))
                    }
                    (value, target) => Ok(Stmt::Let(Box::new(target), Box::new(value))),
                }
            }
            ast::ExprKind::Drop => {
                self.not_in_fn("drop", span)?;
                Ok(Stmt::Drop)
            }
            ast::ExprKind::Emit { expr, port } => {
                self.not_in_fn("emit", span)?;
                let expr = match expr {
                    Some(x) => Some(self.expr(x)?),
                    None => None,
                };
                let port = match port {
                    None => 0,
                    Some(p) => {
                        let pspan = self.span(p.span);
                        match self.expr(p)? {
                            Expr::Const(Value::String(name)) => self.port(&name),
                            _ => {
                                return Err(Diagnostic::new(
                                    codes::NOT_CONSTANT,
                                    "the port of `emit` must be a constant string",
                                    pspan,
                                ))
                            }
                        }
                    }
                };
                Ok(Stmt::Emit { expr, port })
            }
            ast::ExprKind::Match(m) if effects(e) => {
                let target = self.expr(&m.target)?;
                Ok(Stmt::Match(Box::new(self.cases_match(
                    target,
                    &m.cases,
                    span,
                    Self::stmt,
                )?)))
            }
            ast::ExprKind::For(f) if effects(e) => {
                Ok(Stmt::For(Box::new(self.comprehension(f, Self::stmt)?)))
            }
            _ => Ok(Stmt::Expr(self.expr(e)?)),
        }
    }

    fn not_in_fn(&self, what: &str, span: Span) -> CResult<()> {
        if self.frame.in_fn {
            return Err(Diagnostic::new(
                codes::NOT_ALLOWED,
                format!("`{what}` is not allowed inside a function"),
                span,
            ));
        }
        Ok(())
    }

    fn port(&mut self, name: &str) -> usize {
        if let Some(i) = self.ports.iter().position(|p| p == name) {
            return i;
        }
        self.ports.push(name.to_string());
        self.ports.len() - 1
    }

    fn target(&mut self, p: &ast::Path) -> CResult<Target> {
        let span = self.span(p.span);
        let bad = |msg: &str| Err(Diagnostic::new(codes::BAD_ASSIGN, msg.to_string(), span));
        let root = match &p.root {
            ast::Root::Event | ast::Root::State | ast::Root::Meta if self.frame.in_fn => {
                return Err(Diagnostic::new(
                    codes::EVENT_IN_FN,
                    "functions cannot assign to `event`, `$` or `state`",
                    span,
                ))
            }
            ast::Root::Event => TRoot::Event,
            ast::Root::State => TRoot::State,
            ast::Root::Meta => {
                if p.segs.is_empty() {
                    return bad("cannot assign to `$` itself; assign to a field like `$name`");
                }
                TRoot::Meta
            }
            ast::Root::Local(id) => {
                if let Some(slot) = self.frame.lookup(&id.name) {
                    TRoot::Local(slot)
                } else if self
                    .consts
                    .contains_key(&(self.module.clone(), id.name.clone()))
                {
                    return bad(&format!("cannot assign to constant `{}`", id.name));
                } else if !p.segs.is_empty() {
                    return Err(self.unknown_local(&id.name, self.span(id.span)));
                } else {
                    let slot = self.frame.new_slot();
                    self.frame.bind_frame(&id.name, slot);
                    TRoot::Local(slot)
                }
            }
            ast::Root::Args => return bad("cannot assign to `args`"),
            ast::Root::Group | ast::Root::Window => {
                return bad("cannot assign to `group` or `window`")
            }
            ast::Root::Const(..) => return bad("cannot assign to a constant"),
            ast::Root::Expr(_) => {
                return bad("can only assign to `event`, `$`, `state` or a local")
            }
        };
        let mut segs = Vec::with_capacity(p.segs.len());
        for s in &p.segs {
            match s {
                ast::Seg::Field(id) => segs.push(Expr::Const(Value::String(intern(&id.name)))),
                ast::Seg::Index(e) => {
                    let x = self.expr(e)?;
                    if matches!(&x, Expr::Const(v) if !matches!(v, Value::String(_))) {
                        return Err(Diagnostic::new(
                            codes::BAD_ASSIGN,
                            "cannot assign to an array element; only record fields can be assigned",
                            self.span(e.span),
                        ));
                    }
                    segs.push(x);
                }
                ast::Seg::Range(..) => return bad("cannot assign to a range"),
            }
        }
        Ok(Target { root, segs, span })
    }

    fn unknown_local(&self, name: &str, span: Span) -> Diagnostic {
        let d = Diagnostic::new(codes::UNKNOWN_NAME, format!("unknown name `{name}`"), span);
        match crate::lang::diagnostic::did_you_mean(name, self.frame.names()) {
            Some(c) => d.with_hint(format!("did you mean `{c}`?")),
            None => d,
        }
    }

    /// `match` with bodies compiled by `body` (statements or expressions).
    pub(crate) fn cases_match<B>(
        &mut self,
        target: Expr,
        cases: &[ast::Case],
        span: Span,
        body: fn(&mut Self, &ast::Expr) -> CResult<B>,
    ) -> CResult<Match<B>> {
        let mut out = Vec::with_capacity(cases.len());
        for c in cases {
            self.frame.push();
            let r = (|| {
                let pattern = self.pattern(&c.pattern)?;
                let guard = match &c.guard {
                    Some(g) => Some(self.expr(g)?),
                    None => None,
                };
                let mut b = Vec::with_capacity(c.body.len());
                for e in &c.body {
                    b.push(body(self, e)?);
                }
                Ok(Case {
                    pattern,
                    guard,
                    body: b,
                    fast: None,
                })
            })();
            self.frame.pop();
            out.push(r?);
        }
        let mut m = Match {
            target,
            cases: out,
            span,
            keys: Vec::new(),
            all_fast: false,
        };
        m.plan();
        Ok(m)
    }

    pub(crate) fn comprehension<B>(
        &mut self,
        f: &ast::For,
        body: fn(&mut Self, &ast::Expr) -> CResult<B>,
    ) -> CResult<For<B>> {
        let target = self.expr(&f.target)?;
        let (init, op) = match &f.fold {
            None => (Expr::Const(Value::Array(Vec::new())), BinOp::Add),
            Some((init, op)) => {
                let init = self.expr(init)?;
                let op = match op {
                    None => BinOp::Add,
                    Some((o, sp)) => {
                        if matches!(
                            o,
                            BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge
                        ) {
                            return Err(Diagnostic::new(
                                codes::BAD_FOLD,
                                format!("`{}` cannot fold a comprehension", o.symbol()),
                                self.span(*sp),
                            )
                            .with_hint("use an arithmetic, bitwise or logical operator"));
                        }
                        *o
                    }
                };
                (init, op)
            }
        };
        let mut cases = Vec::with_capacity(f.cases.len());
        for c in &f.cases {
            self.frame.push();
            let key = self.frame.new_slot();
            let value = self.frame.new_slot();
            self.frame.bind(&c.key.name, key);
            self.frame.bind(&c.value.name, value);
            let r = (|| {
                let guard = match &c.guard {
                    Some(g) => Some(self.expr(g)?),
                    None => None,
                };
                let mut b = Vec::with_capacity(c.body.len());
                for e in &c.body {
                    b.push(body(self, e)?);
                }
                Ok(ForCase {
                    key,
                    value,
                    guard,
                    body: b,
                    span: self.span(c.span),
                })
            })();
            self.frame.pop();
            cases.push(r?);
        }
        Ok(For {
            target,
            cases,
            init,
            op,
        })
    }

    pub(crate) fn patch(&mut self, p: &ast::Patch, span: Span) -> CResult<Patch> {
        let target = self.expr(&p.target)?;
        let mut ops = Vec::with_capacity(p.ops.len());
        for op in &p.ops {
            let sp = self.span(op.span);
            ops.push(match &op.kind {
                ast::PatchKind::Insert(k, v) => PatchOp::Insert(self.expr(k)?, self.expr(v)?, sp),
                ast::PatchKind::Upsert(k, v) => PatchOp::Upsert(self.expr(k)?, self.expr(v)?, sp),
                ast::PatchKind::Update(k, v) => PatchOp::Update(self.expr(k)?, self.expr(v)?, sp),
                ast::PatchKind::Erase(k) => PatchOp::Erase(self.expr(k)?, sp),
                ast::PatchKind::Move(a, b) => PatchOp::Move(self.expr(a)?, self.expr(b)?, sp),
                ast::PatchKind::Copy(a, b) => PatchOp::Copy(self.expr(a)?, self.expr(b)?, sp),
                ast::PatchKind::Merge(k, v) => {
                    let k = match k {
                        Some(k) => Some(self.expr(k)?),
                        None => None,
                    };
                    PatchOp::Merge(k, self.expr(v)?, sp)
                }
                ast::PatchKind::Default(k, v) => {
                    let k = match k {
                        Some(k) => Some(self.expr(k)?),
                        None => None,
                    };
                    PatchOp::Default(k, self.expr(v)?, sp)
                }
            });
        }
        let all_const = matches!(target, Expr::Const(_))
            && ops.iter().all(|o| match o {
                PatchOp::Insert(a, b, _)
                | PatchOp::Upsert(a, b, _)
                | PatchOp::Update(a, b, _)
                | PatchOp::Move(a, b, _)
                | PatchOp::Copy(a, b, _) => a.as_const().is_some() && b.as_const().is_some(),
                PatchOp::Erase(a, _) => a.as_const().is_some(),
                PatchOp::Merge(a, b, _) | PatchOp::Default(a, b, _) => {
                    a.as_ref().is_none_or(|a| a.as_const().is_some()) && b.as_const().is_some()
                }
            });
        let p = Patch { target, ops, span };
        if all_const {
            if let Some(v) = const_eval(&Expr::Patch(Box::new(p.clone()))) {
                // Callers wrap the result; a folded patch is just its value.
                return Ok(Patch {
                    target: Expr::Const(super::fold::intern_value(v)),
                    ops: Vec::new(),
                    span,
                });
            }
        }
        Ok(p)
    }

    fn extractor(&mut self, e: &ast::ExtractPat) -> CResult<Box<Extractor>> {
        Extractor::compile(&e.name.name, &e.pattern, &self.opts.extractor_config)
            .map(Box::new)
            .map_err(|x| {
                let span = match x.offset {
                    Some(off) => {
                        let start = self.len.saturating_sub(e.pattern_start) + off;
                        Span::new(self.file, start, start + 1)
                    }
                    None => self.span(e.span),
                };
                let known = crate::extractor::EXTRACTOR_NAMES;
                let d = Diagnostic::new(codes::BAD_EXTRACTOR, x.to_string(), span);
                if known.contains(&e.name.name.as_str()) {
                    d
                } else {
                    match crate::lang::diagnostic::did_you_mean(&e.name.name, known.iter().copied())
                    {
                        Some(c) => d.with_hint(format!("did you mean `{c}`?")),
                        None => d,
                    }
                }
            })
    }

    fn pattern(&mut self, p: &ast::Pattern) -> CResult<Pat> {
        Ok(match p {
            ast::Pattern::Default => Pat::Default,
            ast::Pattern::Expr(e) => Pat::Expr(self.expr(e)?),
            ast::Pattern::Record(r) => Pat::Record(self.record_pat(r)?),
            ast::Pattern::Array(a) => Pat::Array(self.array_pat(a)?),
            ast::Pattern::Tuple(t) => Pat::Tuple(self.tuple_pat(t)?),
            ast::Pattern::Extract(x) => Pat::Extract(self.extractor(x)?),
            ast::Pattern::Assign(id, inner) => {
                let slot = self.frame.new_slot();
                self.frame.bind(&id.name, slot);
                let mut inner: &ast::Pattern = inner;
                while let ast::Pattern::Assign(id2, i2) = inner {
                    self.frame.bind(&id2.name, slot);
                    inner = i2;
                }
                Pat::Assign(slot, Box::new(self.pattern(inner)?))
            }
        })
    }

    fn record_pat(&mut self, r: &ast::RecordPat) -> CResult<RecordPat> {
        let mut fields = Vec::with_capacity(r.fields.len());
        for f in &r.fields {
            fields.push(match f {
                ast::FieldPat::Present(k) => FieldPat::Present(intern(&k.name)),
                ast::FieldPat::Absent(k) => FieldPat::Absent(intern(&k.name)),
                ast::FieldPat::Cmp(k, op, e) => match (op, self.expr(e)?) {
                    (BinOp::Eq, Expr::Const(c)) => FieldPat::EqConst(intern(&k.name), c),
                    (_, x) => FieldPat::Cmp(intern(&k.name), *op, x),
                },
                ast::FieldPat::Test(k, ext) => {
                    FieldPat::Test(intern(&k.name), self.extractor(ext)?)
                }
                ast::FieldPat::Extract { bind, key, ext } => FieldPat::Extract {
                    bind: intern(&bind.name),
                    key: intern(&key.name),
                    ext: self.extractor(ext)?,
                },
                ast::FieldPat::Record(k, p) => {
                    FieldPat::Record(intern(&k.name), self.record_pat(p)?)
                }
                ast::FieldPat::Array(k, p) => FieldPat::Array(intern(&k.name), self.array_pat(p)?),
                ast::FieldPat::Tuple(k, p) => FieldPat::Tuple(intern(&k.name), self.tuple_pat(p)?),
            });
        }
        Ok(RecordPat { fields })
    }

    fn elems(&mut self, elems: &[ast::ElemPat]) -> CResult<Vec<ElemPat>> {
        let mut out = Vec::with_capacity(elems.len());
        for e in elems {
            out.push(match e {
                ast::ElemPat::Ignore => ElemPat::Ignore,
                ast::ElemPat::Expr(x) => ElemPat::Expr(self.expr(x)?),
                ast::ElemPat::Record(r) => ElemPat::Record(self.record_pat(r)?),
                ast::ElemPat::Extract(x) => ElemPat::Extract(self.extractor(x)?),
            });
        }
        Ok(out)
    }

    fn array_pat(&mut self, a: &ast::ArrayPat) -> CResult<ArrayPat> {
        Ok(ArrayPat {
            elems: self.elems(&a.elems)?,
        })
    }

    fn tuple_pat(&mut self, t: &ast::TuplePat) -> CResult<TuplePat> {
        Ok(TuplePat {
            elems: self.elems(&t.elems)?,
            open: t.open,
        })
    }
}
