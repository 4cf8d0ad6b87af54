//! The compiled form the interpreter runs: names resolved to slots, functions and
//! extractors, constants folded, spans absolute.

use std::borrow::Cow;

use super::ast::{BinOp, UnOp};
use super::span::Span;
use crate::extractor::Extractor;
use crate::stdlib::FnDef;
use crate::Value;

/// A string known at compile time (usually interned, see `intern`).
pub(crate) type Str = Cow<'static, str>;

/// Expressions: evaluate to a value, change nothing.
#[derive(Debug, Clone)]
pub(crate) enum Expr {
    Const(Value<'static>),
    /// A local without segments (the common case, kept flat).
    Local(u32, Span),
    Path(Box<Path>),
    Present(Box<Path>),
    Record(Vec<(Expr, Expr)>, Span),
    Array(Vec<Expr>),
    Str(Vec<Expr>),
    Bytes(Vec<BytesSeg>),
    Unary(UnOp, Box<Expr>, Span),
    Binary(BinOp, Box<(Expr, Expr)>, Span),
    Native(&'static FnDef, Vec<Expr>, Span),
    Call(u32, Vec<Expr>, Span),
    Recur(Vec<Expr>),
    Match(Box<Match<Expr>>),
    For(Box<For<Expr>>),
    Patch(Box<Patch>),
    Merge(Box<(Expr, Expr)>, Span),
    /// A name the compiler could not resolve: an error when evaluated.
    Fail(Box<super::diagnostic::Diagnostic>),
}

/// Statements: may assign, emit or drop.
#[derive(Debug, Clone)]
pub(crate) enum Stmt {
    Let(Box<Target>, Box<Stmt>),
    /// `let root.key = expr` with one constant key and an expression value (the common
    /// `let $class = "x"`), run without the general assignment machinery.
    SetKey(TRoot, Str, Expr, Span),
    Emit {
        expr: Option<Expr>,
        port: usize,
    },
    Drop,
    Match(Box<Match<Stmt>>),
    For(Box<For<Stmt>>),
    Expr(Expr),
}

#[derive(Debug, Clone)]
pub(crate) enum Root {
    Event,
    Meta,
    State,
    Args,
    Group,
    Window,
    Local(u32),
    Expr(Expr),
}

#[derive(Debug, Clone)]
pub(crate) enum Seg {
    Key(Str, Span),
    Idx(usize, Span),
    Elem(Expr, Span),
    Range(Expr, Expr, Span),
}

#[derive(Debug, Clone)]
pub(crate) struct Path {
    pub root: Root,
    pub segs: Vec<Seg>,
    pub span: Span,
    /// How the root is called in messages (`event`, `$`, a local's name).
    pub root_name: Str,
}

/// Where a `let` writes.
#[derive(Debug, Clone)]
pub(crate) enum TRoot {
    Event,
    Meta,
    State,
    Local(u32),
}

#[derive(Debug, Clone)]
pub(crate) struct Target {
    pub root: TRoot,
    /// Record keys to walk (creating records as needed); dynamic keys must be strings.
    pub segs: Vec<Expr>,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub(crate) struct BytesSeg {
    pub value: Expr,
    pub bits: Option<u32>,
    pub kind: BytesKind,
    pub signed: bool,
    pub little: bool,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BytesKind {
    Integer,
    Binary,
}

#[derive(Debug, Clone)]
pub(crate) struct Match<B> {
    pub target: Expr,
    pub cases: Vec<Case<B>>,
    pub span: Span,
    /// Record keys the cases' simple tests read; looked up once per run.
    pub keys: Vec<Str>,
    /// Every case is a fast test or `default`, with no guard and no binding: on a record
    /// the case is chosen from the prefetched keys alone.
    pub all_fast: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct Case<B> {
    pub pattern: Pat,
    pub guard: Option<Expr>,
    pub body: Vec<B>,
    /// The pattern as tests on the prefetched keys, when it is that simple.
    pub fast: Option<Vec<FastTest>>,
}

/// A record-pattern field test on a prefetched key (index into `Match::keys`).
#[derive(Debug, Clone)]
pub(crate) enum FastTest {
    /// The literal as a plain box: compared without going through a `Cow`.
    EqStr(usize, Box<str>),
    Eq(usize, Value<'static>),
    Present(usize),
    Absent(usize),
}

/// Most keys a match prefetches.
pub(crate) const MAX_FAST_KEYS: usize = 8;

impl FastTest {
    /// The test on the values prefetched for `Match::keys`.
    #[inline(always)]
    pub(crate) fn check(&self, pre: &[Option<&Value<'_>>; MAX_FAST_KEYS]) -> bool {
        match self {
            FastTest::EqStr(k, c) => {
                matches!(pre[*k], Some(Value::String(x)) if crate::value::short_eq(x.as_bytes(), c.as_bytes()))
            }
            FastTest::Eq(k, c) => pre[*k].is_some_and(|x| x == c),
            FastTest::Present(k) => pre[*k].is_some(),
            FastTest::Absent(k) => pre[*k].is_none(),
        }
    }
}

impl<B> Match<B> {
    /// Fills `keys` and each case's `fast` form where the patterns allow it.
    pub(crate) fn plan(&mut self) {
        let mut keys: Vec<Str> = Vec::new();
        for case in &mut self.cases {
            let Pat::Record(r) = &case.pattern else {
                continue;
            };
            let mut tests = Vec::with_capacity(r.fields.len());
            let mut ok = true;
            for f in &r.fields {
                let (k, make): (&Str, fn(usize, &FieldPat) -> FastTest) = match f {
                    FieldPat::EqConst(k, _) => (k, |i, f| match f {
                        FieldPat::EqConst(_, Value::String(c)) => {
                            FastTest::EqStr(i, c.as_ref().into())
                        }
                        FieldPat::EqConst(_, c) => FastTest::Eq(i, c.clone()),
                        _ => FastTest::Present(i),
                    }),
                    FieldPat::Present(k) => (k, |i, _| FastTest::Present(i)),
                    FieldPat::Absent(k) => (k, |i, _| FastTest::Absent(i)),
                    _ => {
                        ok = false;
                        break;
                    }
                };
                let idx = match keys.iter().position(|x| x == k) {
                    Some(i) => i,
                    None if keys.len() < MAX_FAST_KEYS => {
                        keys.push(k.clone());
                        keys.len() - 1
                    }
                    None => {
                        ok = false;
                        break;
                    }
                };
                tests.push(make(idx, f));
            }
            if ok {
                case.fast = Some(tests);
            }
        }
        self.keys = keys;
        self.all_fast = self
            .cases
            .iter()
            .all(|c| c.guard.is_none() && (c.fast.is_some() || matches!(c.pattern, Pat::Default)));
    }
}

#[derive(Debug, Clone)]
pub(crate) enum Pat {
    Default,
    Expr(Expr),
    Record(RecordPat),
    Array(ArrayPat),
    Tuple(TuplePat),
    Extract(Box<Extractor>),
    /// Bind the pattern's result to a local slot.
    Assign(u32, Box<Pat>),
}

#[derive(Debug, Clone)]
pub(crate) struct RecordPat {
    pub fields: Vec<FieldPat>,
}

#[derive(Debug, Clone)]
pub(crate) enum FieldPat {
    Present(Str),
    Absent(Str),
    Cmp(Str, BinOp, Expr),
    /// `key == <constant>`: the common case, tested without evaluating anything.
    EqConst(Str, Value<'static>),
    /// `key ~ ext|...|`: a match test only.
    Test(Str, Box<Extractor>),
    Extract {
        bind: Str,
        key: Str,
        ext: Box<Extractor>,
    },
    Record(Str, RecordPat),
    Array(Str, ArrayPat),
    Tuple(Str, TuplePat),
}

#[derive(Debug, Clone)]
pub(crate) enum ElemPat {
    Ignore,
    Expr(Expr),
    Record(RecordPat),
    Extract(Box<Extractor>),
}

#[derive(Debug, Clone)]
pub(crate) struct ArrayPat {
    pub elems: Vec<ElemPat>,
}

#[derive(Debug, Clone)]
pub(crate) struct TuplePat {
    pub elems: Vec<ElemPat>,
    pub open: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct For<B> {
    pub target: Expr,
    pub cases: Vec<ForCase<B>>,
    pub init: Expr,
    pub op: BinOp,
}

#[derive(Debug, Clone)]
pub(crate) struct ForCase<B> {
    pub key: u32,
    pub value: u32,
    pub guard: Option<Expr>,
    pub body: Vec<B>,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub(crate) struct Patch {
    pub target: Expr,
    pub ops: Vec<PatchOp>,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub(crate) enum PatchOp {
    Insert(Expr, Expr, Span),
    Upsert(Expr, Expr, Span),
    Update(Expr, Expr, Span),
    Erase(Expr, Span),
    Move(Expr, Expr, Span),
    Copy(Expr, Expr, Span),
    Merge(Option<Expr>, Expr, Span),
    Default(Option<Expr>, Expr, Span),
}

/// A user-defined function.
#[derive(Debug, Clone)]
pub(crate) struct Function {
    pub name: String,
    pub arity: usize,
    pub varargs: bool,
    /// Slots its frame needs (arguments first, then `args` for varargs, then lets).
    pub locals: usize,
    pub body: FnImpl,
}

#[derive(Debug, Clone)]
pub(crate) enum FnImpl {
    /// Not compiled yet (only during compilation).
    Pending,
    Body(Vec<Stmt>),
    /// A match function: the cases test the arguments as a tuple.
    Cases(Box<Match<Stmt>>),
    Native(&'static FnDef),
}

impl Expr {
    pub(crate) fn as_const(&self) -> Option<&Value<'static>> {
        match self {
            Expr::Const(v) => Some(v),
            _ => None,
        }
    }
}
