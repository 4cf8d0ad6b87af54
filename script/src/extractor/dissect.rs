//! `dissect`: split a string on the literal text between `%{...}` fields (tremor's dissect,
//! after Logstash's).
//!
//! | field | meaning |
//! |---|---|
//! | `%{name}` | the text up to the next delimiter becomes `name` |
//! | `%{name:int}` / `%{name:float}` / `%{name:string}` | typed; a value that does not parse fails the match |
//! | `%{+name}` | appends to `name`, joined by the last padding before it (a space when there is none), as tremor does |
//! | `%{?name}` / `%{}` | matched but left out of the result |
//! | `%{&name}` | the value is stored under the key captured by the earlier `%{?name}` |
//! | `%{_}` / `%{_(chars)}` | padding: skips any run of spaces (or of `chars`) |
//! | `%{name->}` | Logstash's right padding: repeats of the following delimiter are skipped |
//!
//! The pattern must consume the whole input. A field runs to the first occurrence of the
//! delimiter that follows it; the last field takes the rest. Paddings between a field and its
//! delimiter are trimmed off the field's end (so `%{date}%{_(-)} %{x}` reads
//! `2019-04-20----- high` as `date: 2019-04-20`, as tremor's docs show); when a padding is
//! followed directly by another field, the first padding ends the field. `\n`, `\t`, `\r` and
//! `\\` are escapes inside delimiters. Compiled once: delimiters get a substring finder.

use std::borrow::Cow;

use memchr::memmem::Finder;

use super::ExtractorError;
use crate::{Record, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Conv {
    Str,
    Int,
    Float,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    /// Stored under its name.
    Named,
    /// Appended to an earlier value under the same name.
    Append,
    /// Kept aside in slot `n` for a later `&` lookup (or dropped).
    Skip(Option<usize>),
    /// Stored under the value of skip slot `n`.
    Lookup(usize),
}

// Items live in one Vec per compiled pattern; boxing the finder would add a pointer chase
// per delimiter on the hot path.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
enum Item {
    Delim {
        text: String,
        finder: Finder<'static>,
        /// Skip repeats of this delimiter (the preceding field had `->`).
        repeat: bool,
    },
    Pad(String),
    Field {
        name: String,
        kind: Kind,
        conv: Conv,
        /// Where the field's text ends; filled in once the whole pattern is parsed.
        end: End,
        /// Paddings between this field and what follows; trimmed off the field's end.
        trim: Vec<String>,
    },
}

/// How a field finds its end.
#[derive(Debug, Clone)]
enum End {
    /// It is the last thing in the pattern (paddings aside): it takes the rest.
    Rest,
    /// At the first occurrence of the delimiter item at this index.
    Delim(usize),
    /// At the first occurrence of this one-byte delimiter (the usual case).
    Byte(u8),
    /// Paddings followed by another field: at the first occurrence of this padding.
    Pad(String),
}

/// A compiled `dissect` pattern.
#[derive(Debug, Clone)]
pub struct Dissect {
    items: Vec<Item>,
    /// Per item: a named field whose key nothing else writes.
    unique_names: Vec<bool>,
    slots: usize,
    fields: usize,
}

fn err(offset: usize, msg: impl Into<String>) -> ExtractorError {
    ExtractorError::at("dissect", offset, msg)
}

fn unescape(s: &str, at: usize) -> Result<String, ExtractorError> {
    super::unescape_delimiter("dissect", s, at)
}

impl Dissect {
    pub(crate) fn compile(pattern: &str) -> Result<Self, ExtractorError> {
        let mut items: Vec<Item> = Vec::new();
        // Slot of the latest `%{?name}` per name, for `&name`.
        let mut skips: Vec<(String, usize)> = Vec::new();
        let mut named: Vec<(String, Conv)> = Vec::new();
        let mut slots = 0;
        let mut fields = 0;
        let mut last_was_field = false;
        let mut pending_repeat = false;
        let mut pos = 0;
        while pos < pattern.len() {
            let rest = &pattern[pos..];
            if !rest.starts_with("%{") {
                let end = rest.find("%{").unwrap_or(rest.len());
                let text = unescape(&rest[..end], pos)?;
                if let Some(Item::Pad(p)) = items.last() {
                    if text.starts_with(p.as_str()) {
                        return Err(err(
                            pos,
                            format!("padding `{p}` is followed by a delimiter that begins with it"),
                        ));
                    }
                }
                items.push(Item::Delim {
                    finder: Finder::new(text.as_bytes()).into_owned(),
                    text,
                    repeat: pending_repeat,
                });
                pending_repeat = false;
                last_was_field = false;
                pos += end;
                continue;
            }
            let close = rest
                .find('}')
                .ok_or_else(|| err(pos, "unterminated `%{` field"))?;
            if rest[2..close].contains("%{") {
                return Err(err(pos, "unterminated `%{` field"));
            }
            let body = &rest[2..close];
            if let Some(pad) = body.strip_prefix('_') {
                let pad = if pad.is_empty() {
                    " ".to_string()
                } else if let Some(p) = pad.strip_prefix('(').and_then(|p| p.strip_suffix(')')) {
                    if p.is_empty() {
                        return Err(err(pos, "empty padding `%{_()}`"));
                    }
                    p.to_string()
                } else {
                    return Err(err(
                        pos,
                        format!("invalid padding `%{{{body}}}`: use `%{{_}}` or `%{{_(chars)}}`"),
                    ));
                };
                items.push(Item::Pad(pad));
                last_was_field = false;
                pos += close + 1;
                continue;
            }
            if last_was_field {
                return Err(err(pos, "two fields need a delimiter between them"));
            }
            let (body, repeat) = match body.strip_suffix("->") {
                Some(b) => (b, true),
                None => (body, false),
            };
            let (body, conv) = match body.rfind(':') {
                Some(i) => {
                    let conv = match &body[i + 1..] {
                        "int" => Conv::Int,
                        "float" => Conv::Float,
                        "string" => Conv::Str,
                        other => {
                            return Err(err(
                                pos,
                                format!("unknown type `{other}` (use int, float or string)"),
                            ))
                        }
                    };
                    (&body[..i], conv)
                }
                None => (body, Conv::Str),
            };
            let (kind, name) = match body.chars().next() {
                None => (Kind::Skip(None), ""),
                Some('?') => {
                    let name = &body[1..];
                    if name.is_empty() {
                        return Err(err(pos, "`%{?}` needs a name"));
                    }
                    skips.retain(|(n, _)| n != name);
                    skips.push((name.to_string(), slots));
                    slots += 1;
                    (Kind::Skip(Some(slots - 1)), name)
                }
                Some('+') => {
                    let name = &body[1..];
                    if name.is_empty() {
                        return Err(err(pos, "`%{+}` needs a name"));
                    }
                    if conv != Conv::Str {
                        return Err(err(pos, "append fields cannot be typed"));
                    }
                    if named.iter().any(|(n, c)| n == name && *c != Conv::Str) {
                        return Err(err(
                            pos,
                            format!("cannot append to the typed field `{name}`"),
                        ));
                    }
                    named.push((name.to_string(), Conv::Str));
                    (Kind::Append, name)
                }
                Some('&') => {
                    let name = &body[1..];
                    if name.is_empty() {
                        return Err(err(pos, "`%{&}` needs a name"));
                    }
                    let slot = skips
                        .iter()
                        .find(|(n, _)| n == name)
                        .map(|(_, s)| *s)
                        .ok_or_else(|| {
                            err(
                                pos,
                                format!("`%{{&{name}}}` needs an earlier `%{{?{name}}}`"),
                            )
                        })?;
                    (Kind::Lookup(slot), name)
                }
                Some(_) => {
                    named.push((body.to_string(), conv));
                    (Kind::Named, body)
                }
            };
            if !matches!(kind, Kind::Skip(_)) {
                fields += 1;
            }
            items.push(Item::Field {
                name: name.to_string(),
                kind,
                conv,
                end: End::Rest,
                trim: Vec::new(),
            });
            last_was_field = true;
            pending_repeat = repeat;
            pos += close + 1;
        }
        resolve_ends(&mut items);
        // A named field can be stored without a duplicate check when nothing else in the
        // pattern writes its key (no other field of that name, no `&` lookup).
        let names: Vec<&str> = items
            .iter()
            .filter_map(|i| match i {
                Item::Field {
                    name,
                    kind: Kind::Named | Kind::Append,
                    ..
                } => Some(name.as_str()),
                _ => None,
            })
            .collect();
        let lookups = items.iter().any(|i| {
            matches!(
                i,
                Item::Field {
                    kind: Kind::Lookup(_),
                    ..
                }
            )
        });
        let unique_names: Vec<bool> = items
            .iter()
            .map(|i| match i {
                Item::Field {
                    name,
                    kind: Kind::Named,
                    ..
                } => !lookups && names.iter().filter(|n| **n == name.as_str()).count() == 1,
                _ => false,
            })
            .collect();
        Ok(Dissect {
            unique_names,
            items,
            slots,
            fields,
        })
    }

    pub(crate) fn is_match(&self, s: &str) -> bool {
        self.run(s, None, Cow::Borrowed).is_some()
    }

    pub(crate) fn extract<'p, 'i>(
        &'p self,
        s: &'i str,
        key: impl Fn(&'p str) -> Cow<'i, str>,
    ) -> Option<Value<'i>> {
        let mut r = Record::with_capacity(self.fields);
        self.run(s, Some(&mut r), key)?;
        Some(Value::Record(r))
    }

    /// Walks the pattern over `s`; fills `out` when given. `None` when `s` does not match.
    fn run<'p, 'i>(
        &'p self,
        s: &'i str,
        mut out: Option<&mut Record<'i>>,
        key: impl Fn(&'p str) -> Cow<'i, str>,
    ) -> Option<()> {
        let mut skipped: Vec<&'i str> = if self.slots > 0 {
            vec![""; self.slots]
        } else {
            Vec::new()
        };
        let mut pos = 0;
        let mut sep: &'p str = " ";
        let mut i = 0;
        while let Some(item) = self.items.get(i) {
            match item {
                Item::Delim { text, repeat, .. } => {
                    if !s[pos..].starts_with(text.as_str()) {
                        return None;
                    }
                    pos += text.len();
                    if *repeat && !text.is_empty() {
                        while s[pos..].starts_with(text.as_str()) {
                            pos += text.len();
                        }
                    }
                }
                Item::Pad(p) => {
                    sep = p.as_str();
                    while s[pos..].starts_with(p.as_str()) {
                        pos += p.len();
                    }
                }
                Item::Field {
                    name,
                    kind,
                    conv,
                    end,
                    trim,
                } => {
                    let rest = &s[pos..];
                    let stop = match end {
                        End::Rest => rest.len(),
                        End::Byte(b) => find_byte(*b, rest.as_bytes())?,
                        End::Delim(d) => match self.items.get(*d) {
                            Some(Item::Delim { finder, .. }) => {
                                find_delim(finder, rest.as_bytes())?
                            }
                            _ => return None,
                        },
                        End::Pad(p) => rest.find(p.as_str())?,
                    };
                    // Padding before the delimiter belongs to neither side: trim it off the
                    // value and step over it.
                    let mut end = stop;
                    let mut trimmed = true;
                    while trimmed {
                        trimmed = false;
                        for p in trim {
                            if rest[..end].ends_with(p.as_str()) {
                                end -= p.len();
                                trimmed = true;
                            }
                        }
                    }
                    let v = &rest[..end];
                    let start = pos;
                    pos += stop;
                    match kind {
                        Kind::Skip(Some(slot)) => skipped[*slot] = v,
                        Kind::Skip(None) => {}
                        Kind::Named => {
                            let unique = self.unique_names.get(i).copied().unwrap_or(false);
                            match (out.as_deref_mut(), conv) {
                                // Built in the push itself: a value built apart and then moved
                                // costs a store-forwarding stall per field.
                                (Some(r), Conv::Str) if unique => {
                                    r.push_unique(key(name), Value::String(Cow::Borrowed(v)));
                                }
                                (Some(r), _) => {
                                    let val = convert(v, *conv)?;
                                    if unique {
                                        r.push_unique(key(name), val);
                                    } else {
                                        r.insert(key(name), val);
                                    }
                                }
                                (None, Conv::Str) => {}
                                (None, _) => {
                                    convert(v, *conv)?;
                                }
                            }
                        }
                        Kind::Lookup(slot) => {
                            let k = skipped[*slot];
                            if k.is_empty() {
                                return None;
                            }
                            let val = convert(v, *conv)?;
                            if let Some(r) = out.as_deref_mut() {
                                r.insert(Cow::Borrowed(k), val);
                            }
                        }
                        Kind::Append => {
                            if let Some(r) = out.as_deref_mut() {
                                append(r, key(name), s, (start, end), sep)?;
                            }
                        }
                    }
                }
            }
            i += 1;
        }
        (pos == s.len()).then_some(())
    }
}

/// Decides, for every field, what ends it: the next delimiter (looking past paddings), the
/// first padding when another field follows, or the end of the input.
fn resolve_ends(items: &mut [Item]) {
    for i in 0..items.len() {
        if !matches!(items[i], Item::Field { .. }) {
            continue;
        }
        let mut pads = Vec::new();
        let mut j = i + 1;
        let resolved = loop {
            match items.get(j) {
                None => break End::Rest,
                Some(Item::Pad(p)) => pads.push(p.clone()),
                Some(Item::Delim { text, .. }) => {
                    break match text.as_bytes() {
                        [b] => End::Byte(*b),
                        _ => End::Delim(j),
                    }
                }
                Some(Item::Field { .. }) => {
                    break End::Pad(pads.first().cloned().unwrap_or_default())
                }
            }
            j += 1;
        };
        if let Some(Item::Field { end, trim, .. }) = items.get_mut(i) {
            *end = resolved;
            *trim = pads;
        }
    }
}

fn convert(v: &str, conv: Conv) -> Option<Value<'_>> {
    Some(match conv {
        Conv::Str => Value::String(Cow::Borrowed(v)),
        Conv::Int => Value::I64(v.parse().ok()?),
        Conv::Float => Value::F64(v.parse().ok()?),
    })
}

/// Appends `s[start..start + len]` to the string under `k`, joined by `sep` (as tremor: the
/// last padding seen before it, a space when there was none).
fn append<'i>(
    r: &mut Record<'i>,
    k: Cow<'i, str>,
    s: &'i str,
    (start, len): (usize, usize),
    sep: &str,
) -> Option<()> {
    let v = &s[start..start + len];
    match r.get_mut(&k) {
        None => {
            r.push_unique(k, Value::String(Cow::Borrowed(v)));
        }
        Some(Value::String(prev)) => {
            // The usual case (`%{+ts} %{+ts}` over `Oct 11`): the earlier part ends one space
            // before this one, so the joined text is a slice of the input; no copy.
            if let (Cow::Borrowed(p), " ") = (&*prev, sep) {
                if let Some(joined) = adjacent(s, p, start, len) {
                    *prev = Cow::Borrowed(joined);
                    return Some(());
                }
            }
            let mut out = String::with_capacity((prev.len() + sep.len() + v.len()).max(32));
            out.push_str(prev);
            out.push_str(sep);
            out.push_str(v);
            *prev = Cow::Owned(out);
        }
        Some(_) => return None,
    }
    Some(())
}

/// `s[p_start..start + len]` when `p` is the slice of `s` that ends one space before `start`.
fn adjacent<'i>(s: &'i str, p: &str, start: usize, len: usize) -> Option<&'i str> {
    // Addresses only compare where `p` lies; no pointer is dereferenced.
    let p_start = (p.as_ptr() as usize).checked_sub(s.as_ptr() as usize)?;
    let p_end = p_start.checked_add(p.len())?;
    (p_end + 1 == start && s.as_bytes().get(p_end) == Some(&b' '))
        .then(|| s.get(p_start..start + len))
        .flatten()
}

/// Fields are short: a plain loop over the first bytes finds most delimiters before a
/// vectorised search would have set up.
fn find_byte(b: u8, hay: &[u8]) -> Option<usize> {
    const SHORT: usize = 16;
    let head = &hay[..hay.len().min(SHORT)];
    if let Some(i) = head.iter().position(|&c| c == b) {
        return Some(i);
    }
    if hay.len() <= SHORT {
        return None;
    }
    memchr::memchr(b, &hay[SHORT..]).map(|i| i + SHORT)
}

/// A multi-byte delimiter: its first byte by [`find_byte`], checked for the rest, while the
/// text is short; the substring searcher beyond.
fn find_delim(finder: &Finder<'_>, hay: &[u8]) -> Option<usize> {
    const SHORT: usize = 32;
    let needle = finder.needle();
    let Some((&first, tail)) = needle.split_first() else {
        return Some(0);
    };
    let mut at = 0;
    while at < hay.len().min(SHORT) {
        let i = at + find_byte(first, &hay[at..])?;
        if hay[i + 1..].starts_with(tail) {
            return Some(i);
        }
        at = i + 1;
        if at >= SHORT {
            break;
        }
    }
    finder.find(&hay[at..]).map(|i| i + at)
}

#[cfg(test)]
#[path = "dissect_tests.rs"]
mod tests;
