//! Which top-level fields of `event` a compiled script can touch.
//!
//! The re-encode path uses this to decode only those fields of a JSON event and to copy the
//! others from the original bytes ([`Script::event_fields`]). The analysis is conservative:
//! it answers only for scripts whose every use of `event` it understands, namely
//! - reads of `event.k...` (a constant first key), `present event.k...`, record patterns
//!   (`%{ k == ..., present k, ... }`) and `default` cases of `match event of`;
//! - writes `let event.k... = ...` (a constant first key) and
//!   `let event = patch event of insert|upsert|update|erase "k" ... end`;
//! - `emit event` (to any port) and `drop`, with the script's last statement one of them
//!   (a last expression is otherwise what tremor emits in place of the event).
//!
//! Anything else means "no answer" (the full path): `event` as a whole value anywhere else
//! (bound, passed, merged, iterated, compared, emitted as an expression), a dynamic first
//! key or index, `state` (a re-run after an error must not see it changed), calls of user
//! functions and of impure natives (a re-run must compute the same), a key both written
//! and erased (erase-then-set moves a key to the end, which a patch of the original bytes
//! cannot express without knowing the order).

use super::ir::{
    ElemPat, Expr, FieldPat, FnImpl, For, Match, Pat, PatchOp, Path, Root, Seg, Stmt, Str, TRoot,
    Target,
};
use super::runner::Script;
use crate::Value;

#[derive(Default)]
struct Walk {
    /// Every top-level key read, written or erased, in order of first appearance.
    keys: Vec<Str>,
    writes: Vec<Str>,
    erases: Vec<Str>,
    ok: bool,
}

impl Script {
    /// The top-level fields of `event` this script can read, write or erase, when that is
    /// all it does with `event` (see the module notes); `None` when the script uses the
    /// event in any other way. Every other field leaves the script as it came in.
    #[must_use]
    pub fn event_fields(&self) -> Option<Vec<String>> {
        if !self.fns.iter().all(|f| matches!(f.body, FnImpl::Native(_))) {
            return None;
        }
        let last_ok = match self.stmts.last() {
            Some(Stmt::Emit { expr, .. }) => expr.as_ref().is_none_or(is_event),
            Some(Stmt::Drop) => true,
            _ => false,
        };
        if !last_ok {
            return None;
        }
        let mut w = Walk {
            ok: true,
            ..Walk::default()
        };
        for s in &self.stmts {
            w.stmt(s);
        }
        let overlap = w.writes.iter().any(|k| w.erases.contains(k));
        (w.ok && !overlap).then(|| w.keys.iter().map(|k| k.to_string()).collect())
    }
}

fn is_event(e: &Expr) -> bool {
    matches!(e, Expr::Path(p) if matches!(p.root, Root::Event) && p.segs.is_empty())
}

fn const_key(e: &Expr) -> Option<&Str> {
    match e {
        Expr::Const(Value::String(k)) => Some(k),
        _ => None,
    }
}

impl Walk {
    fn key(&mut self, k: &Str) {
        if !self.keys.contains(k) {
            self.keys.push(k.clone());
        }
    }

    fn write(&mut self, k: &Str) {
        self.key(k);
        self.writes.push(k.clone());
    }

    fn stmt(&mut self, s: &Stmt) {
        match s {
            Stmt::SetKey(root, k, e, _) => {
                match root {
                    TRoot::Event => self.write(k),
                    TRoot::Meta | TRoot::Local(_) => {}
                    TRoot::State => self.ok = false,
                }
                self.expr(e);
            }
            Stmt::Let(t, rhs) => self.assign(t, rhs),
            Stmt::Emit { expr, .. } => {
                if !expr.as_ref().is_none_or(is_event) {
                    self.ok = false;
                }
            }
            Stmt::Drop => {}
            Stmt::Match(m) => self.matching(m, Self::stmt),
            Stmt::For(f) => self.comprehension(f, Self::stmt),
            Stmt::Expr(e) => self.expr(e),
        }
    }

    fn assign(&mut self, t: &Target, rhs: &Stmt) {
        match (&t.root, t.segs.first()) {
            (TRoot::Event, None) => match rhs {
                // `let event = patch event of ... end`: constant keys only.
                Stmt::Expr(Expr::Patch(p)) if is_event(&p.target) => {
                    for op in &p.ops {
                        match op {
                            PatchOp::Insert(k, x, _)
                            | PatchOp::Upsert(k, x, _)
                            | PatchOp::Update(k, x, _) => match const_key(k) {
                                Some(k) => {
                                    self.write(k);
                                    self.expr(x);
                                }
                                None => self.ok = false,
                            },
                            PatchOp::Erase(k, _) => match const_key(k) {
                                Some(k) => {
                                    self.key(k);
                                    self.erases.push(k.clone());
                                }
                                None => self.ok = false,
                            },
                            _ => self.ok = false,
                        }
                    }
                    return;
                }
                _ => self.ok = false,
            },
            (TRoot::Event, Some(first)) => match const_key(first) {
                Some(k) => self.write(k),
                None => self.ok = false,
            },
            (TRoot::State, _) => self.ok = false,
            (TRoot::Meta | TRoot::Local(_), _) => {}
        }
        for e in &t.segs {
            self.expr(e);
        }
        self.stmt(rhs);
    }

    fn matching<B>(&mut self, m: &Match<B>, body: fn(&mut Self, &B)) {
        let on_event = is_event(&m.target);
        if !on_event {
            self.expr(&m.target);
        }
        for c in &m.cases {
            match (&c.pattern, on_event) {
                (Pat::Default, _) => {}
                (Pat::Record(r), true) => self.record_pat(r, true),
                (_, true) => self.ok = false,
                (p, false) => self.pat(p),
            }
            if let Some(g) = &c.guard {
                self.expr(g);
            }
            for b in &c.body {
                body(self, b);
            }
        }
    }

    fn comprehension<B>(&mut self, f: &For<B>, body: fn(&mut Self, &B)) {
        self.expr(&f.target);
        self.expr(&f.init);
        for c in &f.cases {
            if let Some(g) = &c.guard {
                self.expr(g);
            }
            for b in &c.body {
                body(self, b);
            }
        }
    }

    /// A record pattern; `top` when it tests the event itself (its keys are event keys).
    fn record_pat(&mut self, r: &super::ir::RecordPat, top: bool) {
        for f in &r.fields {
            let k = match f {
                FieldPat::Present(k)
                | FieldPat::Absent(k)
                | FieldPat::EqConst(k, _)
                | FieldPat::Test(k, _) => k,
                FieldPat::Cmp(k, _, e) => {
                    self.expr(e);
                    k
                }
                FieldPat::Extract { key, .. } => key,
                FieldPat::Record(k, sub) => {
                    self.record_pat(sub, false);
                    k
                }
                FieldPat::Array(k, a) => {
                    self.elems(&a.elems);
                    k
                }
                FieldPat::Tuple(k, t) => {
                    self.elems(&t.elems);
                    k
                }
            };
            if top {
                self.key(k);
            }
        }
    }

    fn elems(&mut self, elems: &[ElemPat]) {
        for e in elems {
            match e {
                ElemPat::Ignore | ElemPat::Extract(_) => {}
                ElemPat::Expr(x) => self.expr(x),
                ElemPat::Record(r) => self.record_pat(r, false),
            }
        }
    }

    fn pat(&mut self, p: &Pat) {
        match p {
            Pat::Default | Pat::Extract(_) => {}
            Pat::Expr(e) => self.expr(e),
            Pat::Record(r) => self.record_pat(r, false),
            Pat::Array(a) => self.elems(&a.elems),
            Pat::Tuple(t) => self.elems(&t.elems),
            Pat::Assign(_, inner) => self.pat(inner),
        }
    }

    fn path(&mut self, p: &Path) {
        match &p.root {
            Root::Event => match p.segs.first() {
                Some(Seg::Key(k, _)) => self.key(k),
                _ => self.ok = false,
            },
            Root::State => self.ok = false,
            Root::Expr(e) => self.expr(e),
            Root::Meta | Root::Args | Root::Group | Root::Window | Root::Local(_) => {}
        }
        for s in &p.segs {
            match s {
                Seg::Key(..) | Seg::Idx(..) => {}
                Seg::Elem(e, _) => self.expr(e),
                Seg::Range(a, b, _) => {
                    self.expr(a);
                    self.expr(b);
                }
            }
        }
    }

    fn expr(&mut self, e: &Expr) {
        match e {
            Expr::Const(_) | Expr::Local(..) | Expr::Fail(_) => {}
            Expr::Path(p) | Expr::Present(p) => self.path(p),
            Expr::Record(fields, _) => {
                for (k, v) in fields {
                    self.expr(k);
                    self.expr(v);
                }
            }
            Expr::Array(xs) | Expr::Str(xs) => xs.iter().for_each(|x| self.expr(x)),
            Expr::Bytes(segs) => segs.iter().for_each(|s| self.expr(&s.value)),
            Expr::Unary(_, x, _) => self.expr(x),
            Expr::Binary(_, xy, _) => {
                self.expr(&xy.0);
                self.expr(&xy.1);
            }
            Expr::Native(def, args, _) => {
                if !def.pure {
                    self.ok = false;
                }
                args.iter().for_each(|x| self.expr(x));
            }
            // User functions and `patch`/`merge` as values: not looked into.
            Expr::Call(..) | Expr::Recur(_) | Expr::Patch(_) | Expr::Merge(..) => self.ok = false,
            Expr::Match(m) => self.matching(m, Self::expr),
            Expr::For(f) => self.comprehension(f, Self::expr),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::{CompileOptions, Script};

    fn fields(src: &str) -> Option<Vec<String>> {
        Script::compile(src, &CompileOptions::new("t.tremor"))
            .expect("compiles")
            .event_fields()
    }

    #[test]
    fn classify_enrich_reads_two_writes_two() {
        let src = include_str!("../../../bench/data/classify_enrich.tremor");
        assert_eq!(
            fields(src),
            Some(vec![
                "level".into(),
                "service".into(),
                "class".into(),
                "rate".into()
            ])
        );
    }

    #[test]
    fn understood_forms() {
        let src = r#"
            let x = event.a.b;
            let $m = event.c;
            let event.d = x;
            let event.e.f = present event.g;
            match event of
              case %{ absent h, i ~= glob|x*| } => let event.j = 1
              default => null
            end;
            let event = patch event of erase "k"; upsert "l" => 2 end;
            emit event => "other"
        "#;
        assert_eq!(
            fields(src),
            Some(
                ["a", "c", "d", "e", "g", "h", "i", "j", "k", "l"]
                    .map(String::from)
                    .to_vec()
            )
        );
        assert_eq!(fields("drop"), Some(vec![]));
        assert_eq!(fields("emit event"), Some(vec![]));
    }

    #[test]
    fn other_uses_of_event_are_not_answered() {
        for src in [
            "let x = event; emit event",
            "let event.a = 1",
            "event",
            "emit {\"a\": event.a}",
            "let event[$k] = 1; emit event",
            "let x = event[$k]; emit event",
            "let x = event[0]; emit event",
            "match event of case %{} => let y = 1 case e => let z = e default => null end; emit event",
            "match event of case \"x\" => null default => null end; emit event",
            "let state = 1; emit event",
            "let x = state; emit event",
            "let event = merge event of {\"a\": 1} end; emit event",
            "let event = patch event of erase \"a\"; insert \"a\" => 1 end; emit event",
            "let event.a = 1; let event = patch event of erase \"a\" end; emit event",
            "let x = random::integer(0, 10); emit event",
            "fn f(x) with x end; let event.a = f(1); emit event",
            "for event of case (k, v) => k end; emit event",
            "let x = string::len(event); emit event",
        ] {
            assert_eq!(fields(src), None, "{src}");
        }
    }
}
