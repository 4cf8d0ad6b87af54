//! Capture positions from DFAs instead of the regex crate's NFA engines.
//!
//! The regex crate finds a grok match quickly with its lazy DFA, but resolving a dozen
//! capture groups in a pattern the size of `%{COMBINEDAPACHELOG}` falls to its PikeVM
//! (about 100 µs a line). Grok patterns are mostly a sequence of pieces separated by
//! literals, so the positions can be recovered piece by piece: once the match span is known,
//! each piece of a concatenation gets the ends where it can stop (from a small lazy DFA
//! scanning forward), and a depth-first search picks ends in the order a backtracking engine
//! tries them, so the first tiling of the span it finds is the one that engine would find:
//! - a piece that is a single repeated character class tries its ends longest-first
//!   (greedy) or shortest-first (lazy), as a backtracker does;
//! - any other piece must have exactly one end from which the rest tiles the span;
//! - alternatives are tried in order; the first that matches the piece's span exactly wins.
//!
//! Anything else (two workable ends for a piece whose order of ends is unknown, captures
//! inside repetitions, a search over budget) gives up, and the caller uses the regex crate's
//! captures, which are exact but slow. The result is always the leftmost-first one.

use std::panic::{RefUnwindSafe, UnwindSafe};

use regex_automata::hybrid::dfa::{Cache, DFA};
use regex_automata::nfa::thompson;
use regex_automata::util::pool::Pool;
use regex_automata::{Anchored, Input, MatchKind};
use regex_syntax::hir::{Class, Hir, HirKind};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Order {
    /// The piece has one path per end, tried longest first.
    Greedy,
    /// One path per end, tried shortest first.
    Lazy,
    /// Unknown: the end must be the only one that works.
    Unique,
}

#[derive(Debug)]
enum Kind {
    Empty,
    Lit(Box<[u8]>),
    Piece,
    Capture {
        group: usize,
        inner: Box<Node>,
    },
    Concat(Vec<Node>),
    Alt(Vec<Node>),
    /// Captures inside a repetition: not solvable piecewise.
    Opaque,
}

#[derive(Debug)]
struct Node {
    /// Index of this node's DFA; `None` for literals and empty nodes.
    dfa: Option<usize>,
    order: Order,
    kind: Kind,
}

/// Why a piecewise solution was not found.
#[derive(Debug)]
pub(super) struct GiveUp;

/// Per-thread scratch: the DFA caches and the solver's stacks, reused across lines.
#[derive(Debug)]
struct Caches {
    dfa: Vec<Cache>,
    scratch: Vec<usize>,
    choice: Vec<usize>,
}
type CacheFn = Box<dyn Fn() -> Caches + Send + Sync + UnwindSafe + RefUnwindSafe>;

/// The piecewise capture solver for one pattern.
pub(super) struct Solver {
    dfas: Vec<DFA>,
    root: Node,
    caches: Pool<Caches, CacheFn>,
}

impl std::fmt::Debug for Solver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Solver")
            .field("root", &self.root)
            .finish_non_exhaustive()
    }
}

fn has_captures(h: &Hir) -> bool {
    h.properties().explicit_captures_len() > 0
}

fn is_single_char(h: &Hir) -> bool {
    match h.kind() {
        HirKind::Class(Class::Unicode(_) | Class::Bytes(_)) => true,
        HirKind::Literal(l) => std::str::from_utf8(&l.0).is_ok_and(|s| s.chars().count() == 1),
        _ => false,
    }
}

/// The order in which a backtracker tries the ends of `h`, when it is known.
fn order_of(h: &Hir) -> Order {
    match h.kind() {
        HirKind::Repetition(r) if is_single_char(&r.sub) => {
            if r.greedy {
                Order::Greedy
            } else {
                Order::Lazy
            }
        }
        HirKind::Capture(c) => order_of(&c.sub),
        // Zero-width assertions around one repetition do not add paths.
        HirKind::Concat(items) => {
            let mut reps = items
                .iter()
                .filter(|i| !matches!(i.kind(), HirKind::Look(_)));
            match (reps.next(), reps.next()) {
                (Some(only), None) => order_of(only),
                _ => Order::Unique,
            }
        }
        _ => Order::Unique,
    }
}

struct Builder {
    dfas: Vec<DFA>,
}

impl Builder {
    fn dfa(&mut self, h: &Hir) -> Option<usize> {
        let nfa = thompson::Compiler::new()
            .configure(thompson::Config::new().which_captures(thompson::WhichCaptures::Implicit))
            .build_from_hir(h)
            .ok()?;
        let dfa = DFA::builder()
            .configure(
                DFA::config()
                    .match_kind(MatchKind::All)
                    .cache_capacity(1 << 20)
                    .skip_cache_capacity_check(true),
            )
            .build_from_nfa(nfa)
            .ok()?;
        self.dfas.push(dfa);
        Some(self.dfas.len() - 1)
    }

    fn node(&mut self, h: &Hir) -> Option<Node> {
        let order = order_of(h);
        let kind = match h.kind() {
            HirKind::Empty => {
                return Some(Node {
                    dfa: None,
                    order,
                    kind: Kind::Empty,
                })
            }
            HirKind::Literal(l) => {
                return Some(Node {
                    dfa: None,
                    order,
                    kind: Kind::Lit(l.0.clone()),
                })
            }
            _ if !has_captures(h) => Kind::Piece,
            HirKind::Capture(c) => Kind::Capture {
                group: c.index as usize,
                inner: Box::new(self.node(&c.sub)?),
            },
            HirKind::Concat(items) => {
                // Runs of capture-free items become one piece: fewer, longer scans.
                let mut parts: Vec<Hir> = Vec::new();
                let mut run: Vec<Hir> = Vec::new();
                for item in items {
                    if has_captures(item) {
                        if !run.is_empty() {
                            parts.push(Hir::concat(std::mem::take(&mut run)));
                        }
                        parts.push(item.clone());
                    } else {
                        run.push(item.clone());
                    }
                }
                if !run.is_empty() {
                    parts.push(Hir::concat(run));
                }
                Kind::Concat(
                    parts
                        .iter()
                        .map(|h| self.node(h))
                        .collect::<Option<Vec<_>>>()?,
                )
            }
            HirKind::Alternation(branches) => Kind::Alt(
                branches
                    .iter()
                    .map(|b| self.node(b))
                    .collect::<Option<_>>()?,
            ),
            // `x?` is the alternation of `x` and nothing, in the quantifier's order.
            HirKind::Repetition(r) if r.max == Some(1) => {
                let sub = self.node(&r.sub)?;
                let empty = Node {
                    dfa: None,
                    order: Order::Unique,
                    kind: Kind::Empty,
                };
                if r.min == 1 {
                    return Some(sub);
                }
                Kind::Alt(if r.greedy {
                    vec![sub, empty]
                } else {
                    vec![empty, sub]
                })
            }
            _ => Kind::Opaque,
        };
        Some(Node {
            dfa: Some(self.dfa(h)?),
            order,
            kind,
        })
    }
}

struct Run<'a, 'h> {
    solver: &'a Solver,
    caches: &'a mut Vec<Cache>,
    hay: &'h [u8],
    caps: &'a mut [Option<(usize, usize)>],
    scratch: &'a mut Vec<usize>,
    /// The ends chosen for the items of the concatenations being solved.
    choice: &'a mut Vec<usize>,
    budget: usize,
}

impl Run<'_, '_> {
    /// Appends to `scratch`, ascending, every end `<= limit` at which `node` can stop when it
    /// starts at `p`.
    fn ends(&mut self, node: &Node, p: usize, limit: usize) -> Result<(), GiveUp> {
        self.budget = self.budget.checked_sub(1).ok_or(GiveUp)?;
        let kind = match &node.kind {
            // Markers and captured literals need no scan.
            Kind::Capture { inner, .. } if matches!(inner.kind, Kind::Empty | Kind::Lit(_)) => {
                &inner.kind
            }
            k => k,
        };
        match kind {
            Kind::Empty => self.scratch.push(p),
            Kind::Lit(l) => {
                let end = p + l.len();
                if end <= limit
                    && self
                        .hay
                        .get(p..end)
                        .is_some_and(|h| h.iter().zip(l.iter()).all(|(a, b)| a == b))
                {
                    self.scratch.push(end);
                }
            }
            _ => {
                let id = node.dfa.ok_or(GiveUp)?;
                let dfa = &self.solver.dfas[id];
                let cache = &mut self.caches[id];
                let input = Input::new(self.hay).range(p..).anchored(Anchored::Yes);
                let mut sid = dfa.start_state_forward(cache, &input).map_err(|_| GiveUp)?;
                let mut i = p;
                while i < self.hay.len() {
                    sid = dfa
                        .next_state(cache, sid, self.hay[i])
                        .map_err(|_| GiveUp)?;
                    if sid.is_match() {
                        // Matches are reported one byte late: this one ended at `i`.
                        self.scratch.push(i);
                    }
                    if sid.is_dead() || i >= limit {
                        return Ok(());
                    }
                    if sid.is_quit() {
                        return Err(GiveUp);
                    }
                    i += 1;
                }
                sid = dfa.next_eoi_state(cache, sid).map_err(|_| GiveUp)?;
                if sid.is_match() && self.hay.len() <= limit {
                    self.scratch.push(self.hay.len());
                }
            }
        }
        Ok(())
    }

    /// A cheap first test of an end `c`: when the next item is a literal, it must be there.
    fn lit_fits(&self, rest: &[Node], c: usize) -> bool {
        match rest.first().map(|n| &n.kind) {
            // Literals here are a few bytes: a plain loop beats a call to `memcmp`.
            Some(Kind::Lit(l)) => self
                .hay
                .get(c..c + l.len())
                .is_some_and(|h| h.iter().zip(l.iter()).all(|(a, b)| a == b)),
            _ => true,
        }
    }

    /// Does `node` match exactly `[p, q]`?
    fn exact(&mut self, node: &Node, p: usize, q: usize) -> Result<bool, GiveUp> {
        let mark = self.scratch.len();
        self.ends(node, p, q)?;
        let exact = self.scratch.last() == Some(&q) && self.scratch.len() > mark;
        self.scratch.truncate(mark);
        Ok(exact)
    }

    /// Fills the captures of `node`, which matches exactly `[p, q]`.
    fn node(&mut self, node: &Node, p: usize, q: usize) -> Result<(), GiveUp> {
        match &node.kind {
            Kind::Empty | Kind::Lit(_) | Kind::Piece => Ok(()),
            Kind::Capture { group, inner } => {
                if let Some(c) = self.caps.get_mut(*group) {
                    *c = Some((p, q));
                }
                self.node(inner, p, q)
            }
            Kind::Alt(branches) => {
                for b in branches {
                    // A concatenation is tiled directly: a tiling exists exactly when the
                    // branch matches the span, and it is needed for the captures anyway,
                    // so the branch is not scanned twice.
                    if let Kind::Concat(items) = &b.kind {
                        if self.try_concat(items, p, q, false)? {
                            return Ok(());
                        }
                        continue;
                    }
                    if self.exact(b, p, q)? {
                        return self.node(b, p, q);
                    }
                }
                Err(GiveUp)
            }
            Kind::Concat(items) => self.concat(items, p, q, true),
            Kind::Opaque => Err(GiveUp),
        }
    }

    /// Fills the captures of a concatenation that matches exactly `[p, q]`.
    fn concat(&mut self, items: &[Node], p: usize, q: usize, trusted: bool) -> Result<(), GiveUp> {
        if self.try_concat(items, p, q, trusted)? {
            Ok(())
        } else {
            Err(GiveUp)
        }
    }

    /// As [`Run::concat`]; `Ok(false)` when `items` cannot match exactly `[p, q]`.
    fn try_concat(
        &mut self,
        items: &[Node],
        p: usize,
        q: usize,
        trusted: bool,
    ) -> Result<bool, GiveUp> {
        let base = self.choice.len();
        if !self.tile(items, p, q, trusted)? {
            self.choice.truncate(base);
            return Ok(false);
        }
        let mut pos = p;
        for (k, item) in items.iter().enumerate() {
            let c = self.choice[base + k];
            self.node(item, pos, c)?;
            pos = c;
        }
        self.choice.truncate(base);
        Ok(true)
    }

    /// Chooses each item's end as a backtracker would, depth first in the order it tries
    /// them, and pushes the ends onto `choice`. `Ok(false)`: `items` cannot tile `[pos, q]`.
    ///
    /// `forced`: the concatenation is known to match its span and every earlier item had a
    /// single possible end, so the last item must match what is left: no need to scan it.
    fn tile(&mut self, items: &[Node], pos: usize, q: usize, forced: bool) -> Result<bool, GiveUp> {
        let Some((item, rest)) = items.split_first() else {
            return Ok(pos == q);
        };
        if rest.is_empty() {
            let exact = forced || self.exact(item, pos, q)?;
            if exact {
                self.choice.push(q);
            }
            return Ok(exact);
        }
        if item.order == Order::Unique {
            // A one-byte literal (usually a space) occurs too often to be worth counting.
            if let Some(Kind::Lit(l)) = rest
                .first()
                .map(|n| &n.kind)
                .filter(|k| matches!(k, Kind::Lit(l) if l.len() >= 2))
            {
                let mut cands = [0; MAX_CANDIDATES];
                if let Some(n) = self.literal_positions(l, pos, q, &mut cands) {
                    return self.tile_at(item, rest, pos, q, &cands[..n]);
                }
            }
        }
        let mark = self.scratch.len();
        self.ends(item, pos, q)?;
        let n = self.scratch.len() - mark;
        let mut found = false;
        for k in 0..n {
            let idx = if item.order == Order::Greedy {
                mark + n - 1 - k
            } else {
                mark + k
            };
            let c = self.scratch[idx];
            if !self.lit_fits(rest, c) {
                continue;
            }
            let cmark = self.choice.len();
            self.choice.push(c);
            if self.tile(rest, c, q, forced && n == 1)? {
                self.choice.truncate(cmark + 1 + rest.len());
                if item.order == Order::Unique {
                    // The order of this item's ends is unknown: another end that also leads
                    // to a match makes the backtracker's choice unknowable here.
                    for k2 in k + 1..n {
                        let c2 = self.scratch[mark + k2];
                        if !self.lit_fits(rest, c2) {
                            continue;
                        }
                        let m2 = self.choice.len();
                        let other = self.tile(rest, c2, q, false)?;
                        self.choice.truncate(m2);
                        if other {
                            self.scratch.truncate(mark);
                            return Err(GiveUp);
                        }
                    }
                }
                found = true;
                break;
            }
            self.choice.truncate(cmark);
        }
        self.scratch.truncate(mark);
        Ok(found)
    }
}

/// At most this many places for a literal make [`Run::tile_at`] worth it.
const MAX_CANDIDATES: usize = 4;

impl Run<'_, '_> {
    /// Where `l` occurs in `[pos, q]` (whole), when it occurs at most [`MAX_CANDIDATES`]
    /// times; `None` when it occurs more often.
    fn literal_positions(
        &self,
        l: &[u8],
        pos: usize,
        q: usize,
        out: &mut [usize; MAX_CANDIDATES],
    ) -> Option<usize> {
        let (&first, tail) = l.split_first()?;
        let hay = self.hay.get(..q)?;
        let mut n = 0;
        let mut at = pos;
        while at < hay.len() {
            let Some(i) = memchr::memchr(first, &hay[at..]).map(|i| i + at) else {
                break;
            };
            let end = i + l.len();
            if end <= q && hay.get(i + 1..end).is_some_and(|h| h == tail) {
                *out.get_mut(n)? = i;
                n += 1;
            }
            at = i + 1;
        }
        Some(n)
    }

    /// [`Run::tile`] for an item of unknown order followed by a literal that occurs only
    /// at `cands`. The ends the item's scan would list are the candidates it can stop at,
    /// so trying the candidates in order, the rest first (it usually fails at once) and the
    /// item's own scan only up to the candidate, finds the same end as scanning the item to
    /// its last end, which for an item like `.*?` is the rest of the line.
    fn tile_at(
        &mut self,
        item: &Node,
        rest: &[Node],
        pos: usize,
        q: usize,
        cands: &[usize],
    ) -> Result<bool, GiveUp> {
        let base = self.choice.len();
        let mut kept = None;
        for &c in cands {
            let keep = kept.unwrap_or(base);
            self.choice.truncate(keep);
            self.choice.push(c);
            let tiles = match self.tile(rest, c, q, false) {
                Ok(t) => t,
                // Undecided from here: it matters only if the item can end here.
                Err(GiveUp) => {
                    self.choice.truncate(keep);
                    if self.exact(item, pos, c)? {
                        return Err(GiveUp);
                    }
                    continue;
                }
            };
            if !tiles || !self.exact(item, pos, c)? {
                continue;
            }
            if kept.is_some() {
                // Two ends work: which one a backtracker takes is unknown here.
                return Err(GiveUp);
            }
            kept = Some(base + 1 + rest.len());
        }
        self.choice.truncate(kept.unwrap_or(base));
        Ok(kept.is_some())
    }
}

impl Solver {
    /// A solver for the regex `text` (in regex-crate syntax), or `None` if it has no
    /// captures or a piece's DFA cannot be built.
    pub(super) fn new(text: &str) -> Option<Solver> {
        let hir = regex_syntax::parse(text).ok()?;
        if !has_captures(&hir) {
            return None;
        }
        let mut b = Builder { dfas: Vec::new() };
        let root = b.node(&hir)?;
        let dfas = b.dfas;
        let for_caches = dfas.clone();
        let create: CacheFn = Box::new(move || Caches {
            dfa: for_caches.iter().map(Cache::new).collect(),
            scratch: Vec::with_capacity(64),
            choice: Vec::with_capacity(64),
        });
        Some(Solver {
            dfas,
            root,
            caches: Pool::new(create),
        })
    }

    /// Fills `caps` (indexed by group) for the match that spans exactly `[start, end]`.
    /// Unless `trusted`, the span is only a guess and is checked on the way.
    pub(super) fn solve(
        &self,
        hay: &str,
        start: usize,
        end: usize,
        caps: &mut [Option<(usize, usize)>],
        trusted: bool,
    ) -> Result<(), GiveUp> {
        let mut guard = self.caches.get();
        let Caches {
            dfa,
            scratch,
            choice,
        } = &mut *guard;
        scratch.clear();
        choice.clear();
        let mut run = Run {
            solver: self,
            caches: dfa,
            hay: hay.as_bytes(),
            caps,
            scratch,
            choice,
            budget: 10_000,
        };
        match &self.root.kind {
            Kind::Concat(items) => run.concat(items, start, end, trusted),
            _ if trusted || run.exact(&self.root, start, end)? => run.node(&self.root, start, end),
            _ => Err(GiveUp),
        }
    }
}
