//! The syntax tree the parser builds. Names are still names; the compiler resolves them.

use super::span::RSpan;

/// A name with its position.
#[derive(Debug, Clone, PartialEq)]
pub struct Ident {
    /// The name.
    pub name: String,
    /// Where.
    pub span: RSpan,
}

/// A parsed script or module file.
#[derive(Debug, Clone, PartialEq)]
pub struct Script {
    /// Top-level items in order.
    pub items: Vec<Item>,
}

/// A top-level item.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// `use a::b [as c]`
    Use(Use),
    /// `const name = expr`
    Const(Const),
    /// `fn ...` or `intrinsic fn ...`
    Fn(FnDecl),
    /// Any other statement.
    Expr(Expr),
    /// `mod name with items end`
    Mod(Module),
}

/// An inline module: `mod name with use/const/fn/mod items end`.
#[derive(Debug, Clone, PartialEq)]
pub struct Module {
    /// Its name (a path segment under the enclosing module).
    pub name: Ident,
    /// Its items.
    pub items: Vec<Item>,
    /// Where.
    pub span: RSpan,
}

/// `use a::b [as c]`
#[derive(Debug, Clone, PartialEq)]
pub struct Use {
    /// Module path segments.
    pub path: Vec<Ident>,
    /// `as` alias.
    pub alias: Option<Ident>,
    /// Where.
    pub span: RSpan,
}

/// `const name = expr`
#[derive(Debug, Clone, PartialEq)]
pub struct Const {
    /// Name.
    pub name: Ident,
    /// Value expression (must be constant).
    pub expr: Expr,
    /// Where.
    pub span: RSpan,
}

/// A function declaration.
#[derive(Debug, Clone, PartialEq)]
pub struct FnDecl {
    /// Name.
    pub name: Ident,
    /// Named parameters.
    pub args: Vec<Ident>,
    /// Takes extra arguments (`...`), visible as `args`.
    pub varargs: bool,
    /// The body.
    pub body: FnBody,
    /// Where.
    pub span: RSpan,
}

/// What a function does.
#[derive(Debug, Clone, PartialEq)]
pub enum FnBody {
    /// `with e1; e2 end`
    Exprs(Vec<Expr>),
    /// `of case (a, b) => ... default => ... end`
    Cases(Vec<Case>),
    /// `intrinsic fn f(a) as module::name`
    Intrinsic {
        /// Module path of the native function.
        module: Vec<Ident>,
        /// Its name.
        name: Ident,
    },
}

/// An expression or statement with its span.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    /// What it is.
    pub kind: ExprKind,
    /// Where.
    pub span: RSpan,
}

/// Unary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnOp {
    /// `not`
    Not,
    /// `!` (bitwise not on integers, not on booleans)
    BitNot,
    /// unary `-`
    Neg,
    /// unary `+`
    Plus,
}

/// Binary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    /// `or`
    Or,
    /// `xor`
    Xor,
    /// `and`
    And,
    /// `|`
    BitOr,
    /// `^`
    BitXor,
    /// `&`
    BitAnd,
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `<<`
    Shl,
    /// `>>`
    Shr,
    /// `>>>`
    Ushr,
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
    /// `%`
    Mod,
}

impl BinOp {
    /// The operator as written.
    #[must_use]
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Or => "or",
            BinOp::Xor => "xor",
            BinOp::And => "and",
            BinOp::BitOr => "|",
            BinOp::BitXor => "^",
            BinOp::BitAnd => "&",
            BinOp::Eq => "==",
            BinOp::Ne => "!=",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::Shl => "<<",
            BinOp::Shr => ">>",
            BinOp::Ushr => ">>>",
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Mod => "%",
        }
    }
}

/// Part of a string literal.
#[derive(Debug, Clone, PartialEq)]
pub enum StrPart {
    /// Literal text (escapes already applied).
    Lit(String),
    /// `#{expr}`
    Expr(Expr),
}

/// One segment of a binary literal: `value[:bits][/type-unit-...]`.
#[derive(Debug, Clone, PartialEq)]
pub struct BytesPart {
    /// The value.
    pub value: Expr,
    /// Bit width, if given.
    pub bits: Option<u64>,
    /// Type specifiers (`binary`, `integer`, `signed`, `unsigned`, `big`, `little`).
    pub types: Vec<Ident>,
    /// Where.
    pub span: RSpan,
}

/// Every kind of expression and statement.
#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    /// `null`
    Null,
    /// `true` / `false`
    Bool(bool),
    /// An integer literal (unsigned as written; `-` is an operator).
    Int(u64),
    /// A float literal.
    Float(f64),
    /// A string, possibly interpolated.
    Str(Vec<StrPart>),
    /// `<< ... >>`
    Bytes(Vec<BytesPart>),
    /// `{ "k": v, ... }`
    Record(Vec<(Expr, Expr)>),
    /// `[a, b]`
    Array(Vec<Expr>),
    /// A path read.
    Path(Path),
    /// `present path`
    Present(Path),
    /// `absent path`
    Absent(Path),
    /// Unary operator.
    Unary(UnOp, Box<Expr>),
    /// Binary operator.
    Binary(BinOp, Box<Expr>, Box<Expr>),
    /// `a::b::f(args)` or `f(args)`
    Call {
        /// Module path (empty for local functions).
        module: Vec<Ident>,
        /// Function name.
        name: Ident,
        /// Arguments.
        args: Vec<Expr>,
    },
    /// `recur(args)`
    Recur(Vec<Expr>),
    /// `match ... of ... end`
    Match(Box<Match>),
    /// `for ... of ... end`
    For(Box<For>),
    /// `patch ... of ... end`
    Patch(Box<Patch>),
    /// `merge target of spec end`
    Merge(Box<Expr>, Box<Expr>),
    /// `let path = expr`
    Let(Path, Box<Expr>),
    /// `emit [expr] [=> port]`
    Emit {
        /// What to emit (the event when absent).
        expr: Option<Box<Expr>>,
        /// Port name expression.
        port: Option<Box<Expr>>,
    },
    /// `drop`
    Drop,
}

/// A path: a root and segments.
#[derive(Debug, Clone, PartialEq)]
pub struct Path {
    /// Where it starts.
    pub root: Root,
    /// `.a`, `[e]`, `[a:b]`
    pub segs: Vec<Seg>,
    /// Where.
    pub span: RSpan,
}

/// Path roots.
#[derive(Debug, Clone, PartialEq)]
pub enum Root {
    /// `event`
    Event,
    /// `$`
    Meta,
    /// `state`
    State,
    /// `args`
    Args,
    /// `group`
    Group,
    /// `window`
    Window,
    /// A local or constant name.
    Local(Ident),
    /// `module::name` (a constant in a module).
    Const(Vec<Ident>, Ident),
    /// `(expr)`, a call, a record or array literal followed by segments.
    Expr(Box<Expr>),
}

/// A path segment.
#[derive(Debug, Clone, PartialEq)]
pub enum Seg {
    /// `.name`
    Field(Ident),
    /// `[expr]`
    Index(Expr),
    /// `[start:end]`
    Range(Expr, Expr, RSpan),
}

/// `match target of cases end`
#[derive(Debug, Clone, PartialEq)]
pub struct Match {
    /// The value matched.
    pub target: Expr,
    /// The cases in order.
    pub cases: Vec<Case>,
}

/// `case pattern [when guard] => body`
#[derive(Debug, Clone, PartialEq)]
pub struct Case {
    /// The pattern.
    pub pattern: Pattern,
    /// Optional guard.
    pub guard: Option<Expr>,
    /// The body (the last value is the case's value).
    pub body: Vec<Expr>,
    /// Where.
    pub span: RSpan,
}

/// Case patterns.
#[derive(Debug, Clone, PartialEq)]
pub enum Pattern {
    /// `default` or `case _`
    Default,
    /// Equality with an expression.
    Expr(Expr),
    /// `%{ ... }`
    Record(RecordPat),
    /// `%[ ... ]`
    Array(ArrayPat),
    /// `%( ... )`
    Tuple(TuplePat),
    /// `~ name|...|`
    Extract(ExtractPat),
    /// `x = pattern`
    Assign(Ident, Box<Pattern>),
}

/// `%{ field-patterns }`
#[derive(Debug, Clone, PartialEq)]
pub struct RecordPat {
    /// Field tests, all must hold.
    pub fields: Vec<FieldPat>,
    /// Where.
    pub span: RSpan,
}

/// One field test in a record pattern.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldPat {
    /// `present key`
    Present(Ident),
    /// `absent key`
    Absent(Ident),
    /// `key == expr`, `key > expr`, ...
    Cmp(Ident, BinOp, Expr),
    /// `key ~ name|...|`: the predicate form, nothing extracted.
    Test(Ident, ExtractPat),
    /// `[bind =] key ~= name|...|`
    Extract {
        /// Name the result is bound to in the pattern's output record.
        bind: Ident,
        /// The field tested.
        key: Ident,
        /// The extractor.
        ext: ExtractPat,
    },
    /// `key ~= %{ ... }`
    Record(Ident, RecordPat),
    /// `key ~= %[ ... ]`
    Array(Ident, ArrayPat),
    /// `key ~= %( ... )`
    Tuple(Ident, TuplePat),
}

/// An element test in array and tuple patterns.
#[derive(Debug, Clone, PartialEq)]
pub enum ElemPat {
    /// `_`
    Ignore,
    /// Equality with an expression.
    Expr(Expr),
    /// `%{ ... }`
    Record(RecordPat),
    /// `~ name|...|`
    Extract(ExtractPat),
}

/// `%[ ... ]`: some element matches each test.
#[derive(Debug, Clone, PartialEq)]
pub struct ArrayPat {
    /// Element tests.
    pub elems: Vec<ElemPat>,
    /// Where.
    pub span: RSpan,
}

/// `%( ... )`: positional tests; `open` allows extra elements.
#[derive(Debug, Clone, PartialEq)]
pub struct TuplePat {
    /// Positional tests.
    pub elems: Vec<ElemPat>,
    /// Ends with `...`.
    pub open: bool,
    /// Where.
    pub span: RSpan,
}

/// `name|pattern|`
#[derive(Debug, Clone, PartialEq)]
pub struct ExtractPat {
    /// Extractor name.
    pub name: Ident,
    /// Pattern text between the bars (escapes `\|` resolved).
    pub pattern: String,
    /// Where the pattern text starts (remaining length); offsets map into it.
    pub pattern_start: usize,
    /// Where.
    pub span: RSpan,
}

/// `for target of cases [into init [use op]] end`
#[derive(Debug, Clone, PartialEq)]
pub struct For {
    /// What is iterated.
    pub target: Expr,
    /// Cases.
    pub cases: Vec<ForCase>,
    /// Fold: initial value and operator (default `[]` and `+`).
    pub fold: Option<(Expr, Option<(BinOp, RSpan)>)>,
}

/// `case (k, v) [when guard] => body`
#[derive(Debug, Clone, PartialEq)]
pub struct ForCase {
    /// Key (or index) name.
    pub key: Ident,
    /// Value name.
    pub value: Ident,
    /// Guard.
    pub guard: Option<Expr>,
    /// Body.
    pub body: Vec<Expr>,
    /// Where.
    pub span: RSpan,
}

/// `patch target of ops end`
#[derive(Debug, Clone, PartialEq)]
pub struct Patch {
    /// Value patched.
    pub target: Expr,
    /// Operations in order.
    pub ops: Vec<PatchOp>,
}

/// A patch operation.
#[derive(Debug, Clone, PartialEq)]
pub struct PatchOp {
    /// Which operation.
    pub kind: PatchKind,
    /// Where.
    pub span: RSpan,
}

/// Patch operation kinds; keys are string expressions.
#[derive(Debug, Clone, PartialEq)]
pub enum PatchKind {
    /// `insert "k" => v` (error if present)
    Insert(Expr, Expr),
    /// `upsert "k" => v`
    Upsert(Expr, Expr),
    /// `update "k" => v` (error if absent)
    Update(Expr, Expr),
    /// `erase "k"`
    Erase(Expr),
    /// `move "a" => "b"`
    Move(Expr, Expr),
    /// `copy "a" => "b"`
    Copy(Expr, Expr),
    /// `merge ["k"] => v`
    Merge(Option<Expr>, Expr),
    /// `default ["k"] => v`
    Default(Option<Expr>, Expr),
}
