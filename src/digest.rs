//! SHA-256 digests of files, remembered across builds: `<local repository>/.stormpack/digests.tsv`
//! maps a file's path, size, modification and status-change times (ns) and inode to its digest,
//! so that the lockfile's integrity check and the build fingerprint do not hash the same
//! dependency jars on every build. Any write to a file, or `touch -d` restoring its modification
//! time, changes its status-change time (which no user can set): the entry no longer matches and
//! the file is hashed again, so a tampered jar is still caught. Without an open cache (or for a
//! path the cache cannot hold) files are simply hashed.

use std::collections::HashMap;
use std::io::Write;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The largest cache file read; a bigger one is ignored (and replaced).
const MAX_CACHE: u64 = 64 << 20;
/// Entries kept at most (the oldest are not tracked: the file is rewritten from this run's map).
const MAX_ENTRIES: usize = 200_000;

#[derive(Clone, Copy, PartialEq, Eq)]
struct Stamp {
    size: u64,
    mtime: i128,
    ctime: i128,
    ino: u64,
}

impl Stamp {
    fn of(meta: &std::fs::Metadata) -> Stamp {
        Stamp {
            size: meta.len(),
            mtime: i128::from(meta.mtime()) * 1_000_000_000 + i128::from(meta.mtime_nsec()),
            ctime: i128::from(meta.ctime()) * 1_000_000_000 + i128::from(meta.ctime_nsec()),
            ino: meta.ino(),
        }
    }
}

struct Cache {
    file: PathBuf,
    entries: HashMap<PathBuf, (Stamp, String)>,
    dirty: bool,
}

static CACHE: Mutex<Option<Cache>> = Mutex::new(None);

/// Use (and later [`flush`] to) the digest cache of the local repository `local_repo`.
pub fn open_cache(local_repo: &Path) {
    let file = local_repo.join(".stormpack").join("digests.tsv");
    let mut cache = CACHE.lock().unwrap_or_else(|e| e.into_inner());
    if cache.as_ref().is_some_and(|c| c.file == file) {
        return;
    }
    let entries = std::fs::metadata(&file)
        .ok()
        .filter(|m| m.is_file() && m.len() <= MAX_CACHE)
        .and_then(|_| std::fs::read_to_string(&file).ok())
        .map(|text| parse(&text))
        .unwrap_or_default();
    *cache = Some(Cache {
        file,
        entries,
        dirty: false,
    });
}

fn parse(text: &str) -> HashMap<PathBuf, (Stamp, String)> {
    let mut entries = HashMap::new();
    for line in text.lines() {
        let mut f = line.splitn(6, '\t');
        let (Some(digest), Some(size), Some(mtime), Some(ctime), Some(ino), Some(path)) =
            (f.next(), f.next(), f.next(), f.next(), f.next(), f.next())
        else {
            continue;
        };
        let (Ok(size), Ok(mtime), Ok(ctime), Ok(ino)) =
            (size.parse(), mtime.parse(), ctime.parse(), ino.parse())
        else {
            continue;
        };
        if digest.len() != 64 || !digest.bytes().all(|b| b.is_ascii_hexdigit()) {
            continue;
        }
        entries.insert(
            PathBuf::from(path),
            (
                Stamp {
                    size,
                    mtime,
                    ctime,
                    ino,
                },
                digest.to_string(),
            ),
        );
    }
    entries
}

/// A file's digest with `D` (lower-case hex), streaming; no cache.
pub fn hash_file<D: sha2::Digest>(path: &Path) -> std::io::Result<String> {
    use std::io::Read;
    let mut file = std::fs::File::open(path)?;
    let mut hasher = D::new();
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex::encode(hasher.finalize()))
}

/// The SHA-256 of `path` (lower-case hex), always hashed (for files just written, or checked
/// against a record).
pub fn sha256_uncached(path: &Path) -> anyhow::Result<String> {
    use anyhow::Context;
    hash_file::<sha2::Sha256>(path).with_context(|| format!("cannot read {}", path.display()))
}

/// The SHA-256 of `path` (lower-case hex), from the cache when its entry matches the file's
/// current stamp, else hashed (and remembered).
pub fn sha256_file(path: &Path) -> anyhow::Result<String> {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let before = std::fs::metadata(&absolute).ok().map(|m| Stamp::of(&m));
    if let Some(stamp) = before {
        let cache = CACHE.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((cached, digest)) = cache.as_ref().and_then(|c| c.entries.get(&absolute)) {
            if *cached == stamp {
                return Ok(digest.clone());
            }
        }
    }
    let digest = sha256_uncached(path)?;
    let after = std::fs::metadata(&absolute).ok().map(|m| Stamp::of(&m));
    // Remembered only when the file did not change while it was read.
    if let (Some(stamp), true) = (before, before == after) {
        if absolute
            .to_str()
            .is_some_and(|text| !text.contains(['\t', '\n', '\r']))
        {
            let mut cache = CACHE.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(cache) = cache.as_mut() {
                if cache.entries.len() < MAX_ENTRIES {
                    cache.entries.insert(absolute, (stamp, digest.clone()));
                    cache.dirty = true;
                }
            }
        }
    }
    Ok(digest)
}

/// Write the cache back when it learnt something (atomically: a temporary renamed over it).
/// A cache that cannot be written only costs the next build some hashing.
pub fn flush() {
    let mut guard = CACHE.lock().unwrap_or_else(|e| e.into_inner());
    let Some(cache) = guard.as_mut().filter(|c| c.dirty) else {
        return;
    };
    let write = || -> std::io::Result<()> {
        let dir = cache.file.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir)?;
        let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
        {
            let mut out = std::io::BufWriter::new(tmp.as_file_mut());
            let mut rows: Vec<_> = cache.entries.iter().collect();
            rows.sort_by(|a, b| a.0.cmp(b.0));
            for (path, (s, digest)) in rows {
                writeln!(
                    out,
                    "{digest}\t{}\t{}\t{}\t{}\t{}",
                    s.size,
                    s.mtime,
                    s.ctime,
                    s.ino,
                    path.to_string_lossy()
                )?;
            }
            out.flush()?;
        }
        tmp.persist(&cache.file).map_err(|e| e.error)?;
        Ok(())
    };
    if write().is_ok() {
        cache.dirty = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rewritten_file_is_hashed_again_even_with_its_old_times() {
        let tmp = tempfile::tempdir().unwrap();
        open_cache(&tmp.path().join("repo"));
        let f = tmp.path().join("a.jar");
        std::fs::write(&f, "one").unwrap();
        let first = sha256_file(&f).unwrap();
        flush();
        assert!(tmp.path().join("repo/.stormpack/digests.tsv").is_file());
        assert_eq!(sha256_file(&f).unwrap(), first);
        // Same size, same modification time put back: the status-change time differs.
        let mtime = std::fs::metadata(&f).unwrap().modified().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(10));
        std::fs::write(&f, "two").unwrap();
        std::fs::File::options()
            .write(true)
            .open(&f)
            .unwrap()
            .set_modified(mtime)
            .unwrap();
        let second = sha256_file(&f).unwrap();
        assert_ne!(second, first);
        assert_eq!(second, sha256_uncached(&f).unwrap());
    }
}
