//! The tail source's checkpoints: per file its identity (device, inode, and a hash of its
//! first bytes) and the offset up to which its lines are acknowledged. Kept in
//! `<state_dir>/tail-<source id>.json`, replaced atomically (write a temporary file, fsync,
//! rename), so a crash leaves either the old or the new checkpoint, never a torn one.

use std::hash::Hasher as _;
use std::io::Write as _;
use std::os::unix::fs::FileExt as _;
use std::path::{Path, PathBuf};

use serde_json::{json, Value as Json};

/// Who a file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Identity {
    pub(crate) dev: u64,
    pub(crate) ino: u64,
    /// Hash of the first `fp_len` bytes.
    pub(crate) fp: u64,
    pub(crate) fp_len: u64,
}

/// Hash of the first `len` bytes of `f` (fewer if the file is shorter: then `fp_len` says
/// how many were hashed).
pub(crate) fn fingerprint(f: &std::fs::File, len: usize) -> std::io::Result<(u64, u64)> {
    let mut buf = vec![0u8; len];
    let mut got = 0;
    while got < len {
        let n = f.read_at(&mut buf[got..], got as u64)?;
        if n == 0 {
            break;
        }
        got += n;
    }
    let mut h = std::collections::hash_map::DefaultHasher::new();
    h.write(&buf[..got]);
    Ok((h.finish(), got as u64))
}

/// One file's checkpoint.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub(crate) path: String,
    pub(crate) id: Identity,
    pub(crate) offset: u64,
}

/// The checkpoint file.
pub(crate) struct Store {
    path: PathBuf,
    pub(crate) entries: Vec<Entry>,
}

impl Store {
    /// Loads the checkpoints (none if the file does not exist yet).
    ///
    /// # Errors
    /// The state directory cannot be created, or the file exists but does not parse.
    pub(crate) fn load(dir: &Path, source: &str) -> std::io::Result<Store> {
        std::fs::create_dir_all(dir)?;
        let path = dir.join(format!("tail-{source}.json"));
        let entries = match std::fs::read(&path) {
            Ok(b) => parse(&b).ok_or_else(|| {
                std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!("{}: not a tail checkpoint file", path.display()),
                )
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(e),
        };
        Ok(Store { path, entries })
    }

    /// The checkpoint of the file with this identity, if any. The fingerprint is compared
    /// over the bytes the checkpoint hashed, so a file that grew is still the same file.
    pub(crate) fn find(&self, dev: u64, ino: u64, f: &std::fs::File) -> Option<u64> {
        self.entries
            .iter()
            .filter(|e| e.id.dev == dev && e.id.ino == ino)
            .find(|e| {
                usize::try_from(e.id.fp_len)
                    .ok()
                    .and_then(|len| fingerprint(f, len).ok())
                    .is_some_and(|(fp, got)| fp == e.id.fp && got == e.id.fp_len)
            })
            .map(|e| e.offset)
    }

    /// Replaces the checkpoints with `entries` and writes them out.
    ///
    /// # Errors
    /// Writing, syncing or renaming failed (a full disk): the previous checkpoint stays.
    pub(crate) fn save(&mut self, entries: Vec<Entry>) -> std::io::Result<()> {
        self.entries = entries;
        let files: Vec<Json> = self
            .entries
            .iter()
            .map(|e| {
                json!({
                    "path": e.path, "dev": e.id.dev, "ino": e.id.ino,
                    "fingerprint": e.id.fp, "fingerprint_len": e.id.fp_len,
                    "offset": e.offset,
                })
            })
            .collect();
        let text = json!({ "version": 1, "files": files }).to_string();
        let tmp = self.path.with_extension("json.tmp");
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        drop(f);
        std::fs::rename(&tmp, &self.path)
    }
}

fn parse(b: &[u8]) -> Option<Vec<Entry>> {
    let j: Json = serde_json::from_slice(b).ok()?;
    let files = j.get("files")?.as_array()?;
    files
        .iter()
        .map(|f| {
            Some(Entry {
                path: f.get("path")?.as_str()?.to_string(),
                id: Identity {
                    dev: f.get("dev")?.as_u64()?,
                    ino: f.get("ino")?.as_u64()?,
                    fp: f.get("fingerprint")?.as_u64()?,
                    fp_len: f.get("fingerprint_len")?.as_u64()?,
                },
                offset: f.get("offset")?.as_u64()?,
            })
        })
        .collect()
}

/// Does `name` match the shell pattern `pat` (`*`, `?`, `[abc]`, `[a-z]`, `[!x]`)?
/// Iterative with one backtrack point: linear in practice, never exponential.
pub(crate) fn glob_match(pat: &[u8], name: &[u8]) -> bool {
    let (mut p, mut n) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while n < name.len() {
        if p < pat.len() {
            match pat[p] {
                b'*' => {
                    star = Some((p, n));
                    p += 1;
                    continue;
                }
                b'?' => {
                    p += 1;
                    n += 1;
                    continue;
                }
                b'[' => {
                    if let Some((ok, next)) = class(&pat[p..], name[n]) {
                        if ok {
                            p += next;
                            n += 1;
                            continue;
                        }
                    } else if name[n] == b'[' {
                        p += 1;
                        n += 1;
                        continue;
                    }
                }
                c if c == name[n] => {
                    p += 1;
                    n += 1;
                    continue;
                }
                _ => {}
            }
        }
        match star {
            Some((sp, sn)) => {
                p = sp + 1;
                n = sn + 1;
                star = Some((sp, sn + 1));
            }
            None => return false,
        }
    }
    pat[p..].iter().all(|c| *c == b'*')
}

/// Matches `c` against the class at the start of `pat`; `(matched, class length)`, or
/// `None` if the class is not closed.
fn class(pat: &[u8], c: u8) -> Option<(bool, usize)> {
    let mut i = 1;
    let negate = matches!(pat.get(i), Some(b'!' | b'^'));
    if negate {
        i += 1;
    }
    let mut hit = false;
    let mut first = true;
    while i < pat.len() {
        if pat[i] == b']' && !first {
            return Some((hit != negate, i + 1));
        }
        first = false;
        if i + 2 < pat.len() && pat[i + 1] == b'-' && pat[i + 2] != b']' {
            hit |= pat[i] <= c && c <= pat[i + 2];
            i += 3;
        } else {
            hit |= pat[i] == c;
            i += 1;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_like_the_shell() {
        let m = |p: &str, n: &str| glob_match(p.as_bytes(), n.as_bytes());
        assert!(m("*.log", "app.log"));
        assert!(!m("*.log", "app.log.1"));
        assert!(m("app-??.log", "app-01.log"));
        assert!(m("[ab]*.log", "b.log"));
        assert!(!m("[!ab]*.log", "b.log"));
        assert!(m("x[0-9]", "x7"));
        assert!(m("*", ""));
        assert!(!m("a*b*c", "aXbY"));
        assert!(m("a*b*c", "aXbYc"));
        // Pathological pattern stays fast.
        let long = "a".repeat(5000);
        assert!(!m("*a*a*a*a*a*b", &long));
    }

    #[test]
    fn checkpoints_round_trip_and_find_files_by_identity() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("x.log");
        std::fs::write(&f, b"hello world\n").unwrap();
        let file = std::fs::File::open(&f).unwrap();
        use std::os::unix::fs::MetadataExt as _;
        let md = file.metadata().unwrap();
        let (fp, fp_len) = fingerprint(&file, 256).unwrap();
        assert_eq!(fp_len, 12);
        let mut s = Store::load(dir.path(), "t").unwrap();
        s.save(vec![Entry {
            path: f.display().to_string(),
            id: Identity {
                dev: md.dev(),
                ino: md.ino(),
                fp,
                fp_len,
            },
            offset: 6,
        }])
        .unwrap();
        let s = Store::load(dir.path(), "t").unwrap();
        assert_eq!(s.find(md.dev(), md.ino(), &file), Some(6));
        // The file grows: still the same file.
        std::fs::write(&f, b"hello world\nmore\n").unwrap();
        assert_eq!(s.find(md.dev(), md.ino(), &file), Some(6));
        // Its first bytes change (a new file that reused the inode): not the same.
        std::fs::write(&f, b"HELLO world\nmore\n").unwrap();
        assert_eq!(s.find(md.dev(), md.ino(), &file), None);
        std::fs::write(dir.path().join("tail-bad.json"), b"{").unwrap();
        assert!(Store::load(dir.path(), "bad").is_err());
    }
}
