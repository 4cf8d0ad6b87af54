//! `grok`: Logstash grok patterns, with the standard pattern set built in.
//!
//! `%{SYNTAX}` matches a named pattern, `%{SYNTAX:field}` also captures it as `field`, and
//! `%{SYNTAX:field:int}` / `:float` converts the capture (a capture that does not convert
//! fails the match). Regex named groups `(?<field>...)` capture too. The pattern is searched
//! for anywhere in the input (anchor it with `^`/`$`). Custom definitions come from
//! [`super::ExtractorConfig::grok_patterns`] and replace built-ins of the same name.
//!
//! The result has tremor's shape: a flat record with one entry per field name, including
//! fields captured inside other patterns (`SYSLOGPROG` yields `program` and `pid`). A string
//! field whose group did not take part in the match is `""`, as in tremor; a typed one is
//! `null`. When a name is used more than once (`(?:%{A:ts}|%{B:ts})`) the first group that
//! matched supplies the value. Logstash's nested references (`%{IP:[source][ip]}`, used by
//! the firewall patterns) become nested records.
//!
//! Engine: the pattern is translated once into the regex crate's syntax (see
//! [`translate`](self::translate) for the decisions). Look-arounds, which the regex crate
//! lacks, become empty marker groups checked after the match; the regex crate's
//! leftmost-first match is what a backtracking engine would find whenever those checks pass.
//! Only when a check fails, or a look-around cannot be checked by position, does the match
//! go to fancy-regex (a backtracking engine) compiled from the same translation.

mod oniguruma;
mod patterns;
mod solve;
mod translate;

use std::borrow::Cow;

use std::sync::Arc;

use regex::{Regex, RegexBuilder};
use regex_syntax::hir::{Class, HirKind};

pub use patterns::{parse_grok_patterns, GROK_PATTERN_FILES};
use solve::Solver;
use translate::{translate, user_offset, Conv, FieldDef};

use super::re::regex_error_offset;
use super::ExtractorError;
use crate::{Record, Value};

/// How a look-around marker is checked.
#[derive(Debug, Clone)]
enum Check {
    /// One character (the next one, or the previous one) in these ranges.
    Char(Vec<(char, char)>),
    /// `^(?:body)` on the text after the marker.
    Ahead(Regex),
    /// `(?:body)\z` on the text before the marker.
    Behind(Regex),
}

#[derive(Debug, Clone)]
struct Look {
    ahead: bool,
    negate: bool,
    group: usize,
    pred_group: usize,
    check: Check,
}

/// One output field: its name, conversion, and every group that may supply it.
#[derive(Debug, Clone)]
struct Output {
    name: String,
    /// Logstash's nested field reference `[a][b]`, split into its parts.
    path: Option<Vec<String>>,
    conv: Conv,
    fields: Vec<usize>,
}

/// `[a][b][c]` -> `["a", "b", "c"]`; `None` for a plain name.
fn field_path(name: &str) -> Option<Vec<String>> {
    let inner = name.strip_prefix('[')?.strip_suffix(']')?;
    let parts: Vec<String> = inner.split("][").map(str::to_string).collect();
    parts
        .iter()
        .all(|p| !p.is_empty() && !p.contains(['[', ']']))
        .then_some(parts)
}

/// A compiled `grok` pattern.
#[derive(Debug, Clone)]
pub struct Grok {
    fast: Regex,
    /// The same regex, for forward-only searches (the end of the match).
    half: regex_automata::meta::Regex,
    /// Markers only, no fields: for the predicate form when there are look-arounds.
    pred: Option<Regex>,
    /// `pred` for forward-only searches.
    pred_half: Option<regex_automata::meta::Regex>,
    /// The backtracking engine; present when the pattern has look-arounds.
    full: Option<fancy_regex::Regex>,
    fields: Vec<FieldDef>,
    outputs: Vec<Output>,
    looks: Vec<Look>,
    /// Every look-around can be checked by its marker's position.
    checkable: bool,
    /// Capture positions from DFAs (see [`solve`]); `None` when there are no captures.
    solver: Option<Arc<Solver>>,
    pred_solver: Option<Arc<Solver>>,
}

/// Capture spans by group index.
type Spans = Vec<Option<(usize, usize)>>;

fn build_regex(text: &str) -> Result<Regex, regex::Error> {
    RegexBuilder::new(text)
        .size_limit(64 << 20)
        .dfa_size_limit(16 << 20)
        .build()
}

fn char_ranges(body: &str) -> Option<Vec<(char, char)>> {
    let hir = regex_syntax::parse(body).ok()?;
    match hir.kind() {
        HirKind::Class(Class::Unicode(c)) => {
            Some(c.ranges().iter().map(|r| (r.start(), r.end())).collect())
        }
        HirKind::Literal(l) => {
            let s = std::str::from_utf8(&l.0).ok()?;
            let mut it = s.chars();
            let c = it.next()?;
            it.next().is_none().then(|| vec![(c, c)])
        }
        _ => None,
    }
}

impl Grok {
    pub(crate) fn compile(
        pattern: &str,
        custom: &[(String, String)],
    ) -> Result<Self, ExtractorError> {
        let t = translate(pattern, custom)?;
        let regex_err = |text: &str, e: &dyn std::fmt::Display| {
            let offset = regex_error_offset(text).and_then(|o| user_offset(&t.map, o));
            let msg = e.to_string();
            let msg = msg
                .lines()
                .last()
                .unwrap_or("invalid regex")
                .trim()
                .trim_start_matches("error: ");
            ExtractorError {
                extractor: "grok",
                message: format!("invalid regex: {msg}"),
                offset: offset.or(Some(0)),
            }
        };
        let fast = build_regex(&t.fast).map_err(|e| regex_err(&t.fast, &e))?;
        let build_half = |text: &str| {
            regex_automata::meta::Regex::builder()
                .configure(
                    regex_automata::meta::Config::new()
                        .nfa_size_limit(Some(64 << 20))
                        .hybrid_cache_capacity(16 << 20),
                )
                .build(text)
                .map_err(|e| regex_err(text, &e))
        };
        let half = build_half(&t.fast)?;
        let mut looks = Vec::new();
        let mut checkable = true;
        for l in &t.looks {
            if !l.checkable {
                checkable = false;
                continue;
            }
            let check = match char_ranges(&l.body) {
                Some(r) => Check::Char(r),
                None if l.ahead => Check::Ahead(
                    build_regex(&format!("^(?:{})", l.body)).map_err(|e| regex_err(&l.body, &e))?,
                ),
                None => Check::Behind(
                    build_regex(&format!("(?:{})\\z", l.body))
                        .map_err(|e| regex_err(&l.body, &e))?,
                ),
            };
            looks.push(Look {
                ahead: l.ahead,
                negate: l.negate,
                group: l.fast_group,
                pred_group: l.pred_group,
                check,
            });
        }
        let (pred, full) = if t.looks.is_empty() {
            (None, None)
        } else {
            let pred = build_regex(&t.pred).map_err(|e| regex_err(&t.pred, &e))?;
            let full = fancy_regex::RegexBuilder::new(&t.full)
                .backtrack_limit(1_000_000)
                .build()
                .map_err(|e| ExtractorError {
                    extractor: "grok",
                    message: format!("invalid pattern: {e}"),
                    offset: Some(0),
                })?;
            (Some(pred), Some(full))
        };
        let mut outputs: Vec<Output> = Vec::new();
        for (i, f) in t.fields.iter().enumerate() {
            match outputs.iter_mut().find(|o| o.name == f.name) {
                Some(o) => o.fields.push(i),
                None => outputs.push(Output {
                    name: f.name.clone(),
                    path: field_path(&f.name),
                    conv: f.conv,
                    fields: vec![i],
                }),
            }
        }
        let solver = Solver::new(&t.fast).map(Arc::new);
        let (pred_solver, pred_half) = if pred.is_some() && checkable {
            (
                Solver::new(&t.pred).map(Arc::new),
                Some(build_half(&t.pred)?),
            )
        } else {
            (None, None)
        };
        Ok(Grok {
            fast,
            half,
            pred,
            pred_half,
            full,
            fields: t.fields,
            outputs,
            looks,
            checkable,
            solver,
            pred_solver,
        })
    }

    /// Do the look-arounds hold at their markers' positions?
    fn verify(&self, s: &str, spans: &Spans, pred: bool) -> bool {
        self.looks.iter().all(|l| {
            let group = if pred { l.pred_group } else { l.group };
            let Some((pos, _)) = spans.get(group).copied().flatten() else {
                // The look-around was in a branch that did not take part.
                return true;
            };
            let holds = match &l.check {
                Check::Char(ranges) => {
                    let c = if l.ahead {
                        s[pos..].chars().next()
                    } else {
                        s[..pos].chars().next_back()
                    };
                    c.is_some_and(|c| ranges.iter().any(|(a, b)| (*a..=*b).contains(&c)))
                }
                Check::Ahead(r) => r.is_match(&s[pos..]),
                Check::Behind(r) => r.is_match(&s[..pos]),
            };
            holds != l.negate
        })
    }

    /// Capture spans of `regex`'s leftmost-first match: from the DFA solver when it can
    /// decide, else from the regex crate's capture engines.
    fn regex_spans(
        regex: &Regex,
        half: Option<&regex_automata::meta::Regex>,
        solver: Option<&Solver>,
        s: &str,
    ) -> Option<Spans> {
        let mut spans = vec![None; regex.captures_len()];
        if let (Some(half), Some(solver)) = (half, solver) {
            // Most lines match from their first byte. A match anchored there is the
            // leftmost one, so the anchored forward search's end is exact: the solver can
            // trust it, and neither the unanchored search (whose DFA states carry a restart
            // at every byte) nor the reverse search for the start is needed.
            let anchored = regex_automata::Input::new(s).anchored(regex_automata::Anchored::Yes);
            if let Some(end) = half.search_half(&anchored).map(|m| m.offset()) {
                if solver.solve(s, 0, end, &mut spans, true).is_ok() {
                    spans[0] = Some((0, end));
                    return Some(spans);
                }
                spans.iter_mut().for_each(|g| *g = None);
            }
        }
        let m = regex.find(s)?;
        spans[0] = Some((m.start(), m.end()));
        if let Some(solver) = solver {
            if solver
                .solve(s, m.start(), m.end(), &mut spans, true)
                .is_ok()
            {
                return Some(spans);
            }
        }
        let mut locs = regex.capture_locations();
        regex.captures_read(&mut locs, s)?;
        Some((0..spans.len()).map(|g| locs.get(g)).collect())
    }

    pub(crate) fn is_match(&self, s: &str) -> bool {
        if self.outputs.iter().any(|o| o.conv != Conv::Str) {
            // A capture that does not convert fails the match, so the captures are needed.
            return self.extract(s, Cow::Borrowed).is_some();
        }
        let (Some(pred), Some(full)) = (&self.pred, &self.full) else {
            return self.fast.is_match(s);
        };
        if self.checkable {
            let Some(spans) = Self::regex_spans(
                pred,
                self.pred_half.as_ref(),
                self.pred_solver.as_deref(),
                s,
            ) else {
                return false;
            };
            if self.verify(s, &spans, true) {
                return true;
            }
        } else if !self.fast.is_match(s) {
            // The translation without look-arounds accepts a superset.
            return false;
        }
        full.is_match(s).unwrap_or_else(|_| {
            super::note_over_budget();
            false
        })
    }

    /// Positions of every field's capture, or `None` when `s` does not match.
    fn spans(&self, s: &str) -> Option<Spans> {
        if self.full.is_some() && !self.checkable && !self.fast.is_match(s) {
            return None;
        }
        if self.full.is_none() || self.checkable {
            let spans = Self::regex_spans(&self.fast, Some(&self.half), self.solver.as_deref(), s)?;
            if self.full.is_none() || self.verify(s, &spans, false) {
                return Some(
                    self.fields
                        .iter()
                        .map(|f| f.fast.and_then(|g| spans.get(g).copied().flatten()))
                        .collect(),
                );
            }
        }
        let caps = match self.full.as_ref()?.captures(s) {
            Ok(c) => c?,
            Err(_) => {
                super::note_over_budget();
                return None;
            }
        };
        Some(
            self.fields
                .iter()
                .map(|f| caps.get(f.full).map(|m| (m.start(), m.end())))
                .collect(),
        )
    }

    pub(crate) fn extract<'p, 'i>(
        &'p self,
        s: &'i str,
        key: impl Fn(&'p str) -> Cow<'i, str>,
    ) -> Option<Value<'i>> {
        let spans = self.spans(s)?;
        let mut r = Record::with_capacity(self.outputs.len());
        for o in &self.outputs {
            let text = o
                .fields
                .iter()
                .find_map(|i| spans.get(*i).copied().flatten())
                .map(|(a, b)| &s[a..b]);
            let v = match (text, o.conv) {
                (Some(t), Conv::Str) => Value::String(Cow::Borrowed(t)),
                (None, Conv::Str) => Value::String(Cow::Borrowed("")),
                (None, _) => Value::Null,
                (Some(t), Conv::Int) => Value::I64(to_int(t)?),
                (Some(t), Conv::Float) => {
                    Value::F64(t.trim().parse::<f64>().ok().filter(|f| f.is_finite())?)
                }
            };
            match &o.path {
                None => r.push_unique(key(&o.name), v),
                Some(path) => insert_path(&mut r, path, v, &key),
            }
        }
        Some(Value::Record(r))
    }
}

/// Stores `v` under a nested path, creating records on the way; a non-record in the way
/// is replaced (the later field wins, as in Logstash).
fn insert_path<'p, 'i>(
    r: &mut Record<'i>,
    path: &'p [String],
    v: Value<'i>,
    key: &impl Fn(&'p str) -> Cow<'i, str>,
) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut cur = r;
    for p in parents {
        let slot = cur.entry_or_insert_with(key(p), Value::record);
        if !matches!(slot, Value::Record(_)) {
            *slot = Value::record();
        }
        let Value::Record(next) = slot else {
            return;
        };
        cur = next;
    }
    cur.insert(key(last), v);
}

/// Logstash's `int` conversion: an integer, or a number truncated towards zero.
#[allow(clippy::cast_possible_truncation)]
fn to_int(t: &str) -> Option<i64> {
    let t = t.trim();
    t.parse::<i64>().ok().or_else(|| {
        t.parse::<f64>()
            .ok()
            .filter(|f| f.is_finite() && f.abs() < 9.2e18)
            .map(|f| f.trunc() as i64)
    })
}

#[cfg(test)]
mod families;
#[cfg(test)]
mod samples;
#[cfg(test)]
mod tests;
