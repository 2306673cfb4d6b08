//! Committing a build's outputs together: the jar, `<jar>.sha256` and `stormpack.lock` are
//! written to temporary files (fsynced) and only then renamed into place, so a failed build
//! changes nothing, and a build killed at any moment leaves the old outputs or the new ones.
//!
//! Every build is a [`Transaction`] with a token of its own. It holds an exclusive lock on
//! `<output dir>/.stormpack-<token>.owner` for its whole life (taken before the file has that
//! name, so no other build ever sees it unlocked), and its temporaries are named
//! `.stormpack-<token>-<what>.tmp`. To commit, it writes a journal
//! (`.stormpack-<token>.commit`: the renames, in order) and carries it out; the journal goes
//! when the renames are done. The next build in the same directory finds the owner files whose
//! lock it can take (their build is gone: killed, or the machine stopped), carries out a
//! journal it finds (every file it names was complete and fsynced before the journal existed),
//! and removes that build's temporaries. A running build's lock cannot be taken, so two builds
//! at once never delete each other's files; commits into one directory take turns
//! (`.stormpack-commit.lock`).
//!
//! The jar's rename is preceded by removing the old `.sha256`, so there is no moment at which a
//! `.sha256` names a jar it does not match: the sidecar is the old one beside the old jar, none,
//! or the new one beside the new jar.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::{Deserialize, Serialize};

use crate::error::{Diagnostic, Location};

const PREFIX: &str = ".stormpack-";
const OWNER_SUFFIX: &str = ".owner";
/// An owner file before it has its name (see [`take_owner_file`]).
const UNNAMED_OWNER_SUFFIX: &str = "-owner.tmp";
const JOURNAL_SUFFIX: &str = ".commit";
const COMMIT_LOCK: &str = ".stormpack-commit.lock";

/// How old a temporary file without an owner must be before it counts as an interrupted build's
/// leftover (files written by stormpack versions before owner files).
const STALE_TEMPORARY: std::time::Duration = std::time::Duration::from_secs(3600);

/// One rename of a commit: `tmp` becomes `dest`; `remove_first`, when set, is removed just
/// before (the old `.sha256` before the new jar).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Step {
    tmp: PathBuf,
    dest: PathBuf,
    remove_first: Option<PathBuf>,
}

impl Step {
    /// Idempotent: a step whose temporary is gone was carried out already.
    fn carry_out(&self) -> std::io::Result<()> {
        if !self.tmp.exists() {
            return Ok(());
        }
        if let Some(old) = &self.remove_first {
            match std::fs::remove_file(old) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
                _ => {}
            }
        }
        std::fs::rename(&self.tmp, &self.dest)?;
        sync_parent(&self.dest);
        Ok(())
    }
}

/// A build's outputs on their way into place.
pub(super) struct Transaction {
    dir: PathBuf,
    token: String,
    owner: Option<(File, PathBuf)>,
    steps: Vec<Step>,
    temporaries: Vec<PathBuf>,
}

impl Transaction {
    /// Start a build writing into `dir` (created if needed) and, for the lockfile, `other_dirs`;
    /// first recovers or cleans up after builds that were killed there.
    pub fn begin(dir: &Path, other_dirs: &[&Path]) -> anyhow::Result<Transaction> {
        create_output_dir(dir)?;
        let other_dirs: Vec<PathBuf> = other_dirs.iter().map(|d| d.to_path_buf()).collect();
        recover(dir, &other_dirs);
        let (token, owner, owner_path) = take_owner_file(dir)?;
        Ok(Transaction {
            dir: dir.to_path_buf(),
            token,
            owner: Some((owner, owner_path)),
            steps: Vec::new(),
            temporaries: Vec::new(),
        })
    }

    /// A new temporary file in `dir` (this build's output directory or one of its other
    /// directories), removed unless committed.
    pub fn temporary(&mut self, dir: &Path, what: &str) -> anyhow::Result<(File, PathBuf)> {
        let path = dir.join(format!("{PREFIX}{}-{what}.tmp", self.token));
        let file = File::options()
            .write(true)
            .read(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| write_error(e, &path))?;
        self.temporaries.push(path.clone());
        Ok((file, path))
    }

    /// A temporary file in `dir` holding `bytes`, fsynced, to become `dest` at commit.
    pub fn write(
        &mut self,
        dir: &Path,
        what: &str,
        bytes: &[u8],
        dest: &Path,
    ) -> anyhow::Result<()> {
        let (mut file, path) = self.temporary(dir, what)?;
        // Named by the file it becomes: the temporary's name means nothing to the user.
        file.write_all(bytes)
            .and_then(|()| file.sync_all())
            .map_err(|e| write_error(e, dest))?;
        self.replace(&path, dest, None);
        Ok(())
    }

    /// At commit, rename `tmp` (one of this build's temporaries) to `dest`, after removing
    /// `remove_first` if given. Renames happen in the order of these calls.
    pub fn replace(&mut self, tmp: &Path, dest: &Path, remove_first: Option<&Path>) {
        self.steps.push(Step {
            tmp: tmp.to_path_buf(),
            dest: dest.to_path_buf(),
            remove_first: remove_first.map(Path::to_path_buf),
        });
    }

    /// Put every output in place: fsync the temporaries, write the journal, carry it out,
    /// remove it.
    pub fn commit(mut self) -> anyhow::Result<()> {
        for step in &self.steps {
            File::open(&step.tmp)
                .and_then(|f| f.sync_all())
                .map_err(|e| write_error(e, &step.tmp))?;
        }
        let _turn = commit_lock(&self.dir)?;
        let journal = self.journal_path();
        let text = serde_json::to_vec(&self.steps)?;
        let (mut file, tmp) = self.temporary(&self.dir.clone(), "journal")?;
        file.write_all(&text)
            .and_then(|()| file.sync_all())
            .map_err(|e| write_error(e, &tmp))?;
        std::fs::rename(&tmp, &journal).map_err(|e| write_error(e, &journal))?;
        sync_parent(&journal);
        // From here on the new state is decided: a build killed now is completed by the next.
        for (done, step) in self.steps.iter().enumerate() {
            if let Err(err) = step.carry_out() {
                if done == 0 {
                    // Nothing changed yet: clean up as after any failure.
                    let _ = std::fs::remove_file(&journal);
                    return Err(write_error(err, &step.dest));
                }
                // Leave the journal, the temporaries and the (unlocked) owner file: the next
                // build completes this commit.
                self.temporaries.clear();
                if let Some((file, _)) = self.owner.take() {
                    drop(file);
                }
                return Err(write_error(err, &step.dest)).with_context(|| {
                    format!(
                        "the next build in {} completes this one from {}",
                        self.dir.display(),
                        journal.display()
                    )
                });
            }
        }
        let _ = std::fs::remove_file(&journal);
        self.steps.clear();
        Ok(())
    }

    fn journal_path(&self) -> PathBuf {
        self.dir
            .join(format!("{PREFIX}{}{JOURNAL_SUFFIX}", self.token))
    }
}

impl Drop for Transaction {
    fn drop(&mut self) {
        for tmp in &self.temporaries {
            let _ = std::fs::remove_file(tmp);
        }
        if let Some((file, path)) = self.owner.take() {
            let _ = std::fs::remove_file(&path);
            drop(file);
        }
    }
}

/// The lock commits into `dir` take turns on (held while the returned file is open).
fn commit_lock(dir: &Path) -> anyhow::Result<File> {
    let path = dir.join(COMMIT_LOCK);
    let file = File::options()
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(|e| write_error(e, &path))?;
    file.lock()
        .with_context(|| format!("cannot lock {}", path.display()))?;
    Ok(file)
}

/// A new owner file in `dir`, locked, under its name: `(token, file, path)`.
///
/// The file is locked before it gets its name: another build's `recover` must never see a named
/// owner file unlocked (it would take this build for a dead one and remove its files). Under its
/// temporary name (`-owner.tmp`) an unlocked file is a build killed before it named it, and
/// `recover` removes it; should that happen between this build's create and lock, the lock is
/// taken on a file no longer in the directory, so it starts again with a new token.
fn take_owner_file(dir: &Path) -> anyhow::Result<(String, File, PathBuf)> {
    use std::os::unix::fs::MetadataExt;
    let mut attempt = 0;
    loop {
        attempt += 1;
        let token = format!("{}-{:08x}", std::process::id(), random());
        let owner_path = dir.join(format!("{PREFIX}{token}{OWNER_SUFFIX}"));
        let unnamed = dir.join(format!("{PREFIX}{token}{UNNAMED_OWNER_SUFFIX}"));
        let owner = File::options()
            .write(true)
            .create_new(true)
            .open(&unnamed)
            .map_err(|e| write_error_in(e, dir))?;
        if let Err(e) = owner.lock() {
            let _ = std::fs::remove_file(&unnamed);
            return Err(
                anyhow::Error::from(e).context(format!("cannot lock {}", unnamed.display()))
            );
        }
        let same =
            |a: &std::fs::Metadata, b: &std::fs::Metadata| a.dev() == b.dev() && a.ino() == b.ino();
        let in_place = match (owner.metadata(), std::fs::metadata(&unnamed)) {
            (Ok(ours), Ok(there)) => same(&ours, &there),
            _ => false,
        };
        if !in_place && attempt < 8 {
            continue;
        }
        let named = if in_place {
            std::fs::rename(&unnamed, &owner_path).map_err(|e| write_error(e, &owner_path))
        } else {
            Err(anyhow::anyhow!(
                "another build kept removing this build's owner file in {}",
                dir.display()
            ))
        };
        if let Err(err) = named {
            let _ = std::fs::remove_file(&unnamed);
            return Err(err);
        }
        return Ok((token, owner, owner_path));
    }
}

/// Complete or clean up after the builds in `dir` that are gone (their owner lock can be
/// taken); temporaries in `other_dirs` with their token go too.
pub(super) fn recover(dir: &Path, other_dirs: &[PathBuf]) {
    let Ok(read) = std::fs::read_dir(dir) else {
        return;
    };
    let names: Vec<String> = read
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    let mut live = Vec::new();
    for name in &names {
        if name.starts_with(PREFIX) && name.ends_with(UNNAMED_OWNER_SUFFIX) {
            remove_unnamed_owner(&dir.join(name));
            continue;
        }
        let Some(token) = name
            .strip_prefix(PREFIX)
            .and_then(|n| n.strip_suffix(OWNER_SUFFIX))
        else {
            continue;
        };
        if recover_owner(dir, other_dirs, name, token) {
            live.push(token.to_string());
        }
    }
    remove_stale_temporaries(dir, other_dirs, &live);
}

/// An owner file under its temporary name, removed unless locked: its build was killed before
/// it named the file (a build between create and lock checks that its file is still there,
/// and starts again if not).
fn remove_unnamed_owner(path: &Path) {
    if let Ok(file) = File::options().write(true).open(path) {
        if file.try_lock().is_ok() {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// The build of owner file `name` (token `token`) in `dir`: `true` when it is running (its
/// lock is held); otherwise its commit is finished, if it had begun one, and what it left
/// removed, owner file last (its lock held till then).
fn recover_owner(dir: &Path, other_dirs: &[PathBuf], name: &str, token: &str) -> bool {
    let owner_path = dir.join(name);
    let Ok(owner) = File::options().write(true).open(&owner_path) else {
        return false;
    };
    if owner.try_lock().is_err() {
        return true;
    }
    finish_journal(dir, token);
    let own = format!("{PREFIX}{token}-");
    for d in std::iter::once(dir).chain(other_dirs.iter().map(PathBuf::as_path)) {
        remove_matching(d, |n| n.starts_with(&own) && n.ends_with(".tmp"));
    }
    let _ = std::fs::remove_file(&owner_path);
    drop(owner);
    false
}

/// Carry out and remove the journal of the gone build `token` in `dir`, if there is one.
fn finish_journal(dir: &Path, token: &str) {
    let journal = dir.join(format!("{PREFIX}{token}{JOURNAL_SUFFIX}"));
    let Ok(text) = std::fs::read(&journal) else {
        return;
    };
    if let Ok(steps) = serde_json::from_slice::<Vec<Step>>(&text) {
        if let Ok(_turn) = commit_lock(dir) {
            for step in &steps {
                let _ = step.carry_out();
            }
        }
    }
    let _ = std::fs::remove_file(&journal);
}

/// Temporaries in `dir` and `other_dirs` without a live owner (tokens `live`), old enough not
/// to be a build starting right now.
fn remove_stale_temporaries(dir: &Path, other_dirs: &[PathBuf], live: &[String]) {
    let now = std::time::SystemTime::now();
    for d in std::iter::once(dir).chain(other_dirs.iter().map(PathBuf::as_path)) {
        let Ok(read) = std::fs::read_dir(d) else {
            continue;
        };
        for entry in read.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if !(name.starts_with(PREFIX) && name.ends_with(".tmp")) {
                continue;
            }
            if live
                .iter()
                .any(|t| name.starts_with(&format!("{PREFIX}{t}-")))
            {
                continue;
            }
            let stale = entry
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|modified| now.duration_since(modified).ok())
                .is_some_and(|age| age > STALE_TEMPORARY);
            if stale {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
}

fn remove_matching(dir: &Path, matches: impl Fn(&str) -> bool) {
    let Ok(read) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in read.flatten() {
        if matches(&entry.file_name().to_string_lossy()) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Make the output directory, with an error that says what to do when it cannot be made.
fn create_output_dir(dir: &Path) -> anyhow::Result<()> {
    if dir.exists() && !dir.is_dir() {
        return Err(Diagnostic::new(format!(
            "the output directory {} is a file, not a directory",
            dir.display()
        ))
        .at(Location::file(dir))
        .fix("pass --out-dir a directory (it is created if it does not exist), or move the file away")
        .into());
    }
    std::fs::create_dir_all(dir).map_err(|e| write_error(e, dir))
}

/// An I/O error while writing an output, as a diagnostic with the fix for the usual causes.
pub(super) fn write_error(err: std::io::Error, path: &Path) -> anyhow::Error {
    write_error_at(err, path, path.parent().unwrap_or(path))
}

/// [`write_error`] for a file stormpack names itself (its first file in the output directory):
/// the message names the directory, not the internal file.
fn write_error_in(err: std::io::Error, dir: &Path) -> anyhow::Error {
    write_error_at(err, dir, dir)
}

fn write_error_at(err: std::io::Error, path: &Path, place: &Path) -> anyhow::Error {
    use std::io::ErrorKind;
    let fix = match err.kind() {
        ErrorKind::StorageFull => format!(
            "free space on the file system that holds {} (`df -h {}`) and build again; the \
             previous outputs are untouched",
            place.display(),
            place.display()
        ),
        ErrorKind::PermissionDenied | ErrorKind::ReadOnlyFilesystem => format!(
            "make {} writable for this user (or pass --out-dir a writable directory) and build \
             again; the previous outputs are untouched",
            place.display()
        ),
        ErrorKind::QuotaExceeded => format!(
            "the disk quota is used up: free space under {} and build again",
            place.display()
        ),
        ErrorKind::NotADirectory => format!(
            "a path component of {} is a file: move it away or pass --out-dir another directory",
            path.display()
        ),
        _ => "check the path and build again; the previous outputs are untouched".to_string(),
    };
    let what = if path == place {
        format!("cannot write in {}", path.display())
    } else {
        format!("cannot write {}", path.display())
    };
    Diagnostic::new(format!("{what}: {err}"))
        .at(Location::file(path))
        .fix(fix)
        .into()
}

fn sync_parent(path: &Path) {
    if let Some(parent) = path.parent() {
        if let Ok(dir) = File::open(parent) {
            let _ = dir.sync_all();
        }
    }
}

/// A few random bits for the token (the pid alone repeats across containers and reboots).
fn random() -> u32 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0),
    );
    h.finish() as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn a_commit_puts_everything_in_place_and_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(d.join("a.jar"), b"old").unwrap();
        std::fs::write(d.join("a.jar.sha256"), b"old-sum").unwrap();
        let mut t = Transaction::begin(d, &[]).unwrap();
        t.write(d, "jar", b"new", &d.join("a.jar")).unwrap();
        t.write(d, "sha256", b"new-sum", &d.join("a.jar.sha256"))
            .unwrap();
        t.commit().unwrap();
        assert_eq!(std::fs::read(d.join("a.jar")).unwrap(), b"new");
        assert_eq!(std::fs::read(d.join("a.jar.sha256")).unwrap(), b"new-sum");
        assert_eq!(
            names(d),
            [".stormpack-commit.lock", "a.jar", "a.jar.sha256"]
        );
    }

    #[test]
    fn an_owner_file_killed_before_its_name_is_removed_by_the_next_build_but_a_locked_one_stays() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        // Killed between create and rename: nobody holds its lock.
        let dead = format!("{PREFIX}3-0badc0de{UNNAMED_OWNER_SUFFIX}");
        std::fs::write(d.join(&dead), b"").unwrap();
        // A build between its lock and its rename: locked, so it stays.
        let starting = format!("{PREFIX}4-5ca1ab1e{UNNAMED_OWNER_SUFFIX}");
        let held = File::options()
            .write(true)
            .create_new(true)
            .open(d.join(&starting))
            .unwrap();
        held.lock().unwrap();
        let t = Transaction::begin(d, &[]).unwrap();
        let own = format!("{PREFIX}{}{OWNER_SUFFIX}", t.token);
        let mut expected = vec![own, starting];
        expected.sort();
        assert_eq!(names(d), expected);
        drop(t);
        drop(held);
    }

    #[test]
    fn a_dropped_transaction_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(d.join("a.jar"), b"old").unwrap();
        let mut t = Transaction::begin(d, &[]).unwrap();
        t.write(d, "jar", b"new", &d.join("a.jar")).unwrap();
        drop(t);
        assert_eq!(std::fs::read(d.join("a.jar")).unwrap(), b"old");
        assert_eq!(names(d), ["a.jar"]);
    }

    #[test]
    fn a_killed_commit_is_completed_and_a_killed_build_cleaned_up_by_the_next() {
        let dir = tempfile::tempdir().unwrap();
        let other = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(d.join("a.jar"), b"old").unwrap();
        std::fs::write(d.join("a.jar.sha256"), b"old-sum").unwrap();
        // A live build: its files stay.
        let live = Transaction::begin(d, &[]).unwrap();
        let live_owner = format!("{PREFIX}{}{OWNER_SUFFIX}", live.token);
        let live_tmp = format!("{PREFIX}{}-jar.tmp", live.token);
        std::fs::write(d.join(&live_tmp), b"busy").unwrap();
        // A dead build that had written its journal and renamed nothing yet.
        let dead = ".stormpack-1-deadbeef";
        std::fs::write(d.join(format!("{dead}.owner")), b"").unwrap();
        std::fs::write(d.join(format!("{dead}-jar.tmp")), b"new").unwrap();
        std::fs::write(d.join(format!("{dead}-sha256.tmp")), b"new-sum").unwrap();
        let steps = vec![
            Step {
                tmp: d.join(format!("{dead}-jar.tmp")),
                dest: d.join("a.jar"),
                remove_first: Some(d.join("a.jar.sha256")),
            },
            Step {
                tmp: d.join(format!("{dead}-sha256.tmp")),
                dest: d.join("a.jar.sha256"),
                remove_first: None,
            },
        ];
        std::fs::write(
            d.join(format!("{dead}.commit")),
            serde_json::to_vec(&steps).unwrap(),
        )
        .unwrap();
        // A dead build that never reached its commit, with a lockfile temporary elsewhere.
        let early = ".stormpack-2-cafef00d";
        std::fs::write(d.join(format!("{early}.owner")), b"").unwrap();
        std::fs::write(d.join(format!("{early}-jar.tmp")), b"half").unwrap();
        std::fs::write(other.path().join(format!("{early}-lock.tmp")), b"x").unwrap();

        recover(d, &[other.path().to_path_buf()]);
        assert_eq!(std::fs::read(d.join("a.jar")).unwrap(), b"new");
        assert_eq!(std::fs::read(d.join("a.jar.sha256")).unwrap(), b"new-sum");
        let mut expected = vec![
            ".stormpack-commit.lock".to_string(),
            "a.jar".to_string(),
            "a.jar.sha256".to_string(),
            live_owner,
            live_tmp,
        ];
        expected.sort();
        assert_eq!(names(d), expected);
        assert!(names(other.path()).is_empty());
        drop(live);
    }

    #[test]
    fn an_owner_file_is_locked_before_it_has_its_name() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let t = Transaction::begin(d, &[]).unwrap();
        let owner = format!("{PREFIX}{}{OWNER_SUFFIX}", t.token);
        assert_eq!(names(d), std::slice::from_ref(&owner));
        let other = File::options().write(true).open(d.join(&owner)).unwrap();
        assert!(other.try_lock().is_err(), "the owner file is not locked");
        drop(t);
        assert!(names(d).is_empty());
    }

    #[test]
    fn an_output_dir_that_is_a_file_is_an_error_with_the_fix() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("out");
        std::fs::write(&file, b"").unwrap();
        let err = Transaction::begin(&file, &[]).err().unwrap().to_string();
        assert!(err.contains("is a file, not a directory"), "{err}");
        assert!(err.contains("fix: pass --out-dir a directory"), "{err}");
    }
}
