//! The tail source: files and globs followed like `tail -F`, on the first ingest shard.
//!
//! Every `poll_interval` the globs are expanded and each file is checked: new data is read
//! through the file's own stream (its preprocessor chain); a path that now names another
//! file (rotation by rename) gets a new reader while the old file is still followed until
//! it has had no new data for `rotate_wait` (the writer keeps appending to it until it
//! reopens its log), then closed; a file that shrank (copytruncate) or whose first bytes
//! changed is read again from its start; a file that was deleted is followed the same way
//! as a renamed one; a path that became a directory is dropped and counted.
//!
//! Checkpoints hold only acknowledged data: after each read and flush, the source takes an
//! [`Ingest::ack_mark`] with the offset of the last whole line read; once every sink has
//! returned the batches of that mark (a sink returns a batch only after writing it), the
//! offset becomes the file's checkpoint, written to the state directory every
//! `checkpoint_interval` and at the end. After a restart or a `kill -9` a file resumes at
//! its checkpoint: nothing is lost, and what is read twice is at most what was not yet
//! acknowledged.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::os::unix::fs::{FileExt as _, MetadataExt as _};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::{Duration, Instant};

use futures_lite::future;
use sluice_script::{Record, Value};

use super::flush;
use super::tail_state::{fingerprint, glob_match, Entry, Identity, Store};
use crate::ingest::{Ingest, Read, StreamId};
use crate::metrics::bump;
use crate::plan::{SourceKind, SourcePlan, TailPlan};
use crate::signal::{now_ns, Signal};

/// How long the tail waits at the end for its last data to be acknowledged.
const FINAL_ACK_WAIT: Duration = Duration::from_secs(5);

struct Tracked {
    path: PathBuf,
    file: std::fs::File,
    id: Identity,
    /// Next byte to read.
    offset: u64,
    /// Offset after the last whole line read.
    line_end: u64,
    /// Acknowledged offset (the checkpoint).
    committed: u64,
    /// (ack mark, line end) not yet acknowledged, oldest first.
    waiting: VecDeque<(Vec<u64>, u64)>,
    stream: Option<StreamId>,
    /// No longer at its path (rotated away or deleted): closed once read to its end and
    /// quiet for `rotate_wait` (its writer may not have reopened its log yet).
    orphan: bool,
    /// When data was last read from it (or when it was opened).
    last_data: Instant,
    meta: Value<'static>,
    origin: Value<'static>,
}

/// Files matching the source's paths, in a stable order.
fn expand(plan: &TailPlan) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for p in &plan.paths {
        let name = p.file_name().map(|n| n.as_encoded_bytes().to_vec());
        let wild = name
            .as_ref()
            .is_some_and(|n| n.iter().any(|c| matches!(c, b'*' | b'?' | b'[')));
        match (wild, p.parent(), name) {
            (true, Some(dir), Some(pat)) => {
                let Ok(rd) = std::fs::read_dir(if dir.as_os_str().is_empty() {
                    Path::new(".")
                } else {
                    dir
                }) else {
                    continue;
                };
                let mut found: Vec<PathBuf> = rd
                    .flatten()
                    .filter(|e| glob_match(&pat, e.file_name().as_encoded_bytes()))
                    .map(|e| e.path())
                    .collect();
                found.sort();
                out.extend(found);
            }
            _ => out.push(p.clone()),
        }
    }
    out.dedup();
    out
}

/// Follows the source's files until `stop`.
pub(crate) async fn tail_source(
    ctx: Rc<RefCell<Ingest>>,
    src: usize,
    plan: Rc<SourcePlan>,
    stop: Rc<Signal>,
    hard: Rc<Signal>,
) {
    let SourceKind::Tail(cfg) = &plan.kind else {
        return;
    };
    let mut store = match Store::load(&cfg.state_dir, &plan.id) {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(source = %plan.id, dir = %cfg.state_dir.display(), error = %e, "cannot read the tail checkpoints; the source does not start");
            bump(
                &mut ctx.borrow_mut().source_counters(src).errors,
                "checkpoint",
                1,
            );
            return;
        }
    };
    let mut files: Vec<Tracked> = Vec::new();
    let mut last_save = Instant::now();
    let mut dirty = false;
    let mut bad_paths: Vec<PathBuf> = Vec::new();
    let mut first = true;
    loop {
        scan(
            &ctx,
            src,
            &plan,
            cfg,
            &store,
            &mut files,
            &mut bad_paths,
            first,
        );
        first = false;
        for f in &mut files {
            read_file(&ctx, src, &plan, f, &hard).await;
            if hard.is_fired() {
                break;
            }
        }
        // Orphans read to their end are done.
        let mut k = 0;
        while k < files.len() {
            if files[k].orphan
                && at_end(&files[k])
                && files[k].last_data.elapsed() >= cfg.rotate_wait
            {
                let mut f = files.remove(k);
                finish(&ctx, src, &plan, &mut f).await;
                if !f.waiting.is_empty() {
                    // Keep it until its last lines are acknowledged.
                    files.insert(k, f);
                    k += 1;
                }
                continue;
            }
            k += 1;
        }
        dirty |= commit_acked(&ctx, &mut files, &hard);
        files.retain(|f| !(f.orphan && f.stream.is_none() && f.waiting.is_empty()));
        if dirty && last_save.elapsed() >= cfg.checkpoint_interval {
            dirty = !save(&ctx, src, &plan, &mut store, &files);
            last_save = Instant::now();
        }
        if stop.is_fired() || hard.is_fired() {
            break;
        }
        future::or(glommio::timer::sleep(cfg.poll_interval), async {
            stop.wait().await;
        })
        .await;
    }
    // The end: whatever was read is handed over, then acknowledged (or not) in time.
    for f in &mut files {
        finish(&ctx, src, &plan, f).await;
    }
    let deadline = Instant::now() + FINAL_ACK_WAIT;
    loop {
        commit_acked(&ctx, &mut files, &hard);
        if files.iter().all(|f| f.waiting.is_empty())
            || Instant::now() > deadline
            || hard.is_fired()
        {
            break;
        }
        glommio::timer::sleep(Duration::from_millis(5)).await;
    }
    save(&ctx, src, &plan, &mut store, &files);
}

fn at_end(f: &Tracked) -> bool {
    f.file.metadata().map_or(true, |m| f.offset >= m.len())
}

/// Expands the globs and reconciles the tracked files with what the paths name now.
#[allow(clippy::too_many_arguments)]
fn scan(
    ctx: &Rc<RefCell<Ingest>>,
    src: usize,
    plan: &SourcePlan,
    cfg: &TailPlan,
    store: &Store,
    files: &mut Vec<Tracked>,
    bad_paths: &mut Vec<PathBuf>,
    first: bool,
) {
    let paths = expand(cfg);
    // Tracked files whose path is gone or names another file now become orphans.
    for f in files.iter_mut().filter(|f| !f.orphan) {
        let now = std::fs::metadata(&f.path);
        let same = now
            .as_ref()
            .is_ok_and(|m| m.dev() == f.id.dev && m.ino() == f.id.ino);
        if !same {
            tracing::info!(source = %plan.id, path = %f.path.display(), "file rotated or deleted; following the old one until it is quiet");
            f.orphan = true;
        }
    }
    for path in paths {
        let md = match std::fs::metadata(&path) {
            Ok(m) => m,
            Err(_) => continue,
        };
        if !md.is_file() {
            if !bad_paths.contains(&path) {
                tracing::warn!(source = %plan.id, path = %path.display(), "not a regular file; skipped");
                bump(
                    &mut ctx.borrow_mut().source_counters(src).errors,
                    "not_a_file",
                    1,
                );
                bad_paths.push(path);
            }
            continue;
        }
        bad_paths.retain(|p| p != &path);
        if let Some(f) = files
            .iter_mut()
            .find(|f| f.id.dev == md.dev() && f.id.ino == md.ino())
        {
            if f.orphan {
                // Renamed to a name the globs also match: keep following it there.
                f.orphan = false;
                f.path = path;
            }
            check_truncation(ctx, plan, cfg.fingerprint_bytes, f, md.len());
            continue;
        }
        let file = match std::fs::File::open(&path) {
            Ok(f) => f,
            Err(e) => {
                tracing::warn!(source = %plan.id, path = %path.display(), error = %e, "cannot open");
                continue;
            }
        };
        let Ok((fp, fp_len)) = fingerprint(&file, cfg.fingerprint_bytes) else {
            continue;
        };
        let start = match store.find(md.dev(), md.ino(), &file) {
            Some(off) if off <= md.len() => off,
            Some(_) => 0,
            // A file present at start-up without a checkpoint: from its start or its end;
            // one that appears later is new, read whole.
            None if first && !cfg.from_start => md.len(),
            None => 0,
        };
        tracing::info!(source = %plan.id, path = %path.display(), offset = start, "following");
        let text = path.display().to_string();
        let segments: Vec<String> = path
            .iter()
            .skip(1)
            .map(|s| s.to_string_lossy().into_owned())
            .collect();
        let mut fr = Record::with_capacity(1);
        fr.push_unique("path", Value::from(text));
        let mut meta = Record::with_capacity(1);
        meta.push_unique("file", Value::Record(fr));
        files.push(Tracked {
            path,
            file,
            id: Identity {
                dev: md.dev(),
                ino: md.ino(),
                fp,
                fp_len,
            },
            offset: start,
            line_end: start,
            committed: start,
            waiting: VecDeque::new(),
            stream: None,
            orphan: false,
            last_data: Instant::now(),
            meta: Value::Record(meta),
            origin: super::origin("file", "", None, &segments),
        });
    }
}

/// A file that shrank, or whose first bytes changed, is read again from its start.
fn check_truncation(
    ctx: &Rc<RefCell<Ingest>>,
    plan: &SourcePlan,
    fp_bytes: usize,
    f: &mut Tracked,
    len: u64,
) {
    let rewritten = usize::try_from(f.id.fp_len)
        .ok()
        .and_then(|n| fingerprint(&f.file, n).ok())
        .is_some_and(|(fp, got)| got == f.id.fp_len && fp != f.id.fp);
    if len < f.offset || rewritten {
        tracing::info!(source = %plan.id, path = %f.path.display(), "file truncated (copytruncate); reading it from its start");
        f.offset = 0;
        f.line_end = 0;
        f.committed = 0;
        f.waiting.clear();
        if let Some(stream) = f.stream.take() {
            // A partial last line of the old content is still an event of it.
            let read = Read {
                now_ns: now_ns(),
                lossless: true,
                origin: Some(&f.origin),
            };
            ctx.borrow_mut().end_of_stream(stream, &read);
        }
        if let Ok((fp, got)) = fingerprint(&f.file, fp_bytes) {
            f.id.fp = fp;
            f.id.fp_len = got;
        }
    }
    if (f.id.fp_len as usize) < fp_bytes {
        // A young file: its fingerprint grows with it until it has enough bytes.
        if let Ok((fp, got)) = fingerprint(&f.file, fp_bytes) {
            f.id.fp = fp;
            f.id.fp_len = got;
        }
    }
}

/// Reads what is new in `f`, a bounded amount per call so other files get their turn.
async fn read_file(
    ctx: &Rc<RefCell<Ingest>>,
    src: usize,
    plan: &SourcePlan,
    f: &mut Tracked,
    hard: &Signal,
) {
    let mut buf = vec![0u8; plan.read_buffer];
    let mut budget = 64usize;
    while budget > 0 && !hard.is_fired() {
        budget -= 1;
        let n = match f.file.read_at(&mut buf, f.offset) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) => {
                tracing::warn!(source = %plan.id, path = %f.path.display(), error = %e, "read failed");
                bump(&mut ctx.borrow_mut().source_counters(src).errors, "read", 1);
                break;
            }
        };
        let data = &buf[..n];
        {
            let mut ing = ctx.borrow_mut();
            if f.stream.is_none() {
                let chain = plan.preprocessor_chain().unwrap_or_default();
                f.stream = Some(ing.open_stream_with(src, chain, 0, Some(f.meta.clone())));
            }
            let read = Read {
                now_ns: now_ns(),
                lossless: true,
                origin: Some(&f.origin),
            };
            if let Some(s) = &f.stream {
                ing.chunk(s, data, &read);
            }
        }
        if let Some(i) = memchr::memrchr(b'\n', data) {
            f.line_end = f.offset + i as u64 + 1;
        }
        f.offset += n as u64;
        f.last_data = Instant::now();
        flush(ctx, crate::plan::OnFull::Block, src).await;
        let mark = ctx.borrow().ack_mark();
        f.waiting.push_back((mark, f.line_end));
        glommio::yield_if_needed().await;
    }
}

/// Ends a file's stream (its last partial line becomes an event) and hands it over.
async fn finish(ctx: &Rc<RefCell<Ingest>>, src: usize, plan: &SourcePlan, f: &mut Tracked) {
    let Some(stream) = f.stream.take() else {
        return;
    };
    let _ = plan;
    {
        let read = Read {
            now_ns: now_ns(),
            lossless: true,
            origin: Some(&f.origin),
        };
        ctx.borrow_mut().end_of_stream(stream, &read);
    }
    flush(ctx, crate::plan::OnFull::Block, src).await;
    if f.orphan {
        let mark = ctx.borrow().ack_mark();
        f.line_end = f.offset;
        f.waiting.push_back((mark, f.offset));
    }
}

/// Moves acknowledged offsets into the checkpoints; true if any moved. Nothing moves after
/// the hard stop: batches returned then may have been given up on, not written.
fn commit_acked(ctx: &Rc<RefCell<Ingest>>, files: &mut [Tracked], hard: &Signal) -> bool {
    if hard.is_fired() {
        return false;
    }
    let mut ing = ctx.borrow_mut();
    let mut moved = false;
    for f in files.iter_mut() {
        while let Some((mark, off)) = f.waiting.front() {
            if !ing.acked(mark) {
                break;
            }
            if *off != f.committed {
                f.committed = *off;
                moved = true;
            }
            f.waiting.pop_front();
        }
    }
    moved
}

/// Writes the checkpoints; false (and counted) if the disk refused.
fn save(
    ctx: &Rc<RefCell<Ingest>>,
    src: usize,
    plan: &SourcePlan,
    store: &mut Store,
    files: &[Tracked],
) -> bool {
    let entries = files
        .iter()
        .map(|f| Entry {
            path: f.path.display().to_string(),
            id: f.id,
            offset: f.committed,
        })
        .collect();
    match store.save(entries) {
        Ok(()) => true,
        Err(e) => {
            tracing::error!(source = %plan.id, error = %e, "cannot write the tail checkpoints (full disk?); they stay where they were");
            bump(
                &mut ctx.borrow_mut().source_counters(src).errors,
                "checkpoint",
                1,
            );
            false
        }
    }
}
