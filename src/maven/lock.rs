//! `stormpack.lock`: every resolved coordinate, its scope and the sha256 of its file, in
//! classpath order (the order decides which duplicate entry wins in the shaded jar, so it is
//! part of what is locked). `--locked` compares a fresh resolution against it.
//!
//! The format is line-based text, one artifact a line, so that a diff reads as the change:
//!
//! ```text
//! # stormpack.lock — written by stormpack; `--locked` fails if resolution would change it.
//! version 1
//! org.apache.storm:flux-core:jar:2.8.4 compile sha256=0a1b…
//! ```

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

use anyhow::Context;

use super::coord::{Artifact, Scope};
use super::resolve::Resolution;
use super::transport::shared_temp_file;

/// The lockfile's name, beside the project's manifest.
pub const LOCKFILE_NAME: &str = "stormpack.lock";

const FORMAT_VERSION: &str = "1";

const HEADER: &str = "# stormpack.lock — the resolved Maven dependencies, in classpath order, with the sha256 of each file.\n\
                      # Written by stormpack; `--locked` fails if resolution would change it. Do not edit by hand.\n";

/// One locked artifact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockEntry {
    /// `group:artifact:type[:classifier]:version`.
    pub coordinate: String,
    pub scope: Scope,
    /// Lower-case hex.
    pub sha256: String,
}

impl LockEntry {
    /// The coordinate without its version (`group:artifact:type[:classifier]`): what stays the
    /// same when a version changes.
    fn key(&self) -> &str {
        self.coordinate
            .rsplit_once(':')
            .map_or(self.coordinate.as_str(), |(k, _)| k)
    }

    fn version(&self) -> &str {
        self.coordinate.rsplit_once(':').map_or("", |(_, v)| v)
    }
}

/// The artifact a lock line names (`group:artifact:type[:classifier]:version`, 4 or 5 parts).
fn locked_artifact(coordinate: &str) -> Artifact {
    let parts: Vec<&str> = coordinate.split(':').collect();
    let (classifier, version) = match parts.as_slice() {
        [_, _, _, classifier, version] => (Some((*classifier).to_string()), *version),
        [.., version] => (None, *version),
        [] => (None, ""),
    };
    Artifact {
        group_id: parts.first().copied().unwrap_or_default().to_string(),
        artifact_id: parts.get(1).copied().unwrap_or_default().to_string(),
        version: version.to_string(),
        kind: parts.get(2).copied().unwrap_or_default().to_string(),
        classifier,
    }
}

/// The whole lockfile.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Lockfile {
    pub entries: Vec<LockEntry>,
}

impl Lockfile {
    /// The lockfile for a resolution: every artifact (all scopes) in classpath order, each
    /// file hashed.
    pub fn from_resolution(resolution: &Resolution) -> anyhow::Result<Lockfile> {
        Lockfile::from_artifacts(
            resolution
                .artifacts
                .iter()
                .map(|a| (&a.artifact, a.scope, a.file.as_path())),
        )
    }

    /// The lockfile for `(artifact, scope, file)` triples, in the order given.
    pub fn from_artifacts<'a>(
        artifacts: impl IntoIterator<Item = (&'a Artifact, Scope, &'a Path)>,
    ) -> anyhow::Result<Lockfile> {
        let entries = artifacts
            .into_iter()
            .map(|(artifact, scope, file)| {
                Ok(LockEntry {
                    coordinate: artifact.to_string(),
                    scope,
                    sha256: crate::digest::sha256_file(file)
                        .with_context(|| format!("cannot hash {artifact} for {LOCKFILE_NAME}"))?,
                })
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        Ok(Lockfile { entries })
    }

    /// Reads a lockfile.
    pub fn read(path: &Path) -> anyhow::Result<Lockfile> {
        let bytes = crate::fsread::read_regular(path, crate::fsread::MAX_TEXT_FILE)?;
        let text = String::from_utf8(bytes).map_err(|e| {
            let at = e.utf8_error().valid_up_to();
            let bytes = e.as_bytes();
            let before = &bytes[..at];
            let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
            let line_start = before
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |i| i + 1);
            let column = String::from_utf8_lossy(&before[line_start..])
                .chars()
                .count()
                + 1;
            anyhow::anyhow!(
                "{}:{line}:{column}: not a stormpack lockfile: byte 0x{:02X} is not UTF-8 \
                 (stormpack writes it as ASCII)\n  \
                 fix: delete {} and run without --locked to write it again",
                path.display(),
                bytes.get(at).copied().unwrap_or(0),
                path.display()
            )
        })?;
        Lockfile::parse(&text, path)
    }

    /// Reads a lockfile if it exists.
    pub fn read_optional(path: &Path) -> anyhow::Result<Option<Lockfile>> {
        if path.exists() {
            Lockfile::read(path).map(Some)
        } else {
            Ok(None)
        }
    }

    /// Parses lockfile text; `path` is used in messages.
    pub fn parse(text: &str, path: &Path) -> anyhow::Result<Lockfile> {
        let fix = format!(
            "fix: delete {} and run without --locked to write it again",
            path.display()
        );
        let mut entries = Vec::new();
        let mut version_seen = false;
        for (index, raw) in text.lines().enumerate() {
            let line_no = index + 1;
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if !version_seen {
                match line.strip_prefix("version ") {
                    Some(v) if v.trim() == FORMAT_VERSION => {
                        version_seen = true;
                        continue;
                    }
                    Some(v) => anyhow::bail!(
                        "{}:{line_no}: lockfile format version {} is not supported (this stormpack reads version {FORMAT_VERSION})\n  \
                         fix: use the stormpack release that wrote it, or delete the file and run without --locked",
                        path.display(),
                        v.trim()
                    ),
                    None => anyhow::bail!(
                        "{}:{line_no}: expected `version {FORMAT_VERSION}` before the first artifact, found `{line}`\n  {fix}",
                        path.display()
                    ),
                }
            }
            let Some(entry) = entry_of(line) else {
                anyhow::bail!(
                    "{}:{line_no}: expected `group:artifact:type[:classifier]:version scope sha256=<64 hex digits>`, found `{}`\n  {fix}",
                    path.display(),
                    super::coord::escape(line)
                );
            };
            if let Err(invalid) = locked_artifact(&entry.coordinate).validate() {
                anyhow::bail!("{}:{line_no}: {invalid}\n  {fix}", path.display());
            }
            if entries
                .iter()
                .any(|e: &LockEntry| e.coordinate == entry.coordinate)
            {
                anyhow::bail!(
                    "{}:{line_no}: {} is listed twice\n  {fix}",
                    path.display(),
                    entry.coordinate
                );
            }
            entries.push(entry);
        }
        if !version_seen {
            anyhow::bail!(
                "{}: not a stormpack lockfile (no `version {FORMAT_VERSION}` line)\n  {fix}",
                path.display()
            );
        }
        Ok(Lockfile { entries })
    }

    /// The file's text.
    pub fn render(&self) -> String {
        let mut out = String::from(HEADER);
        out.push_str("version ");
        out.push_str(FORMAT_VERSION);
        out.push('\n');
        for e in &self.entries {
            out.push_str(&format!(
                "{} {} sha256={}\n",
                e.coordinate, e.scope, e.sha256
            ));
        }
        out
    }

    /// Writes the lockfile atomically (temp file in the same directory, then rename).
    pub fn write(&self, path: &Path) -> anyhow::Result<()> {
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        let write = || -> std::io::Result<()> {
            let mut temp = shared_temp_file(".stormpack.lock.", "").tempfile_in(dir)?;
            temp.write_all(self.render().as_bytes())?;
            temp.as_file().sync_all()?;
            temp.persist(path).map_err(|e| e.error)?;
            Ok(())
        };
        write().with_context(|| format!("cannot write {}", path.display()))
    }

    /// What changes from `self` (the existing lockfile) to `new`, one line each: added,
    /// removed, version/scope/sha256 changes, and classpath order.
    pub fn diff(&self, new: &Lockfile) -> Vec<String> {
        let old_by_key: HashMap<&str, &LockEntry> =
            self.entries.iter().map(|e| (e.key(), e)).collect();
        let new_by_key: HashMap<&str, &LockEntry> =
            new.entries.iter().map(|e| (e.key(), e)).collect();
        let mut changes = Vec::new();
        for e in &self.entries {
            if !new_by_key.contains_key(e.key()) {
                changes.push(format!("removed {} ({})", e.coordinate, e.scope));
            }
        }
        for n in &new.entries {
            let Some(o) = old_by_key.get(n.key()) else {
                changes.push(format!("added   {} ({})", n.coordinate, n.scope));
                continue;
            };
            if o.version() != n.version() {
                changes.push(format!(
                    "changed {}: version {} -> {}",
                    n.key(),
                    o.version(),
                    n.version()
                ));
            } else if o.sha256 != n.sha256 {
                changes.push(format!(
                    "changed {}: the file's sha256 is now {} (locked: {}); the artifact in the local repository differs from the one locked",
                    n.coordinate, n.sha256, o.sha256
                ));
            }
            if o.scope != n.scope {
                changes.push(format!(
                    "changed {}: scope {} -> {}",
                    n.coordinate, o.scope, n.scope
                ));
            }
        }
        // Classpath order among the artifacts in both.
        let old_order: Vec<&str> = self
            .entries
            .iter()
            .map(LockEntry::key)
            .filter(|k| new_by_key.contains_key(k))
            .collect();
        let new_order: Vec<&str> = new
            .entries
            .iter()
            .map(LockEntry::key)
            .filter(|k| old_by_key.contains_key(k))
            .collect();
        if let Some(i) = (0..old_order.len()).find(|&i| old_order[i] != new_order[i]) {
            changes.push(format!(
                "reordered: {} now comes before {} on the classpath (this changes which duplicate entry wins in the jar)",
                new_order[i], old_order[i]
            ));
        }
        changes
    }
}

/// A lockfile line `coordinate scope sha256=<hex>`, when it is well formed.
fn entry_of(line: &str) -> Option<LockEntry> {
    let fields: Vec<&str> = line.split_whitespace().collect();
    let [coordinate, scope, digest] = fields.as_slice() else {
        return None;
    };
    let scope = Scope::parse(scope)?;
    let sha256 = digest
        .strip_prefix("sha256=")
        .filter(|h| h.len() == 64 && h.chars().all(|c| c.is_ascii_hexdigit()))?;
    let parts = coordinate.split(':').count();
    (4..=5).contains(&parts).then(|| LockEntry {
        coordinate: (*coordinate).to_string(),
        scope,
        sha256: sha256.to_ascii_lowercase(),
    })
}

/// The `--locked` check: an error listing every change when `new` differs from `existing`.
pub fn check_locked(existing: &Lockfile, new: &Lockfile) -> anyhow::Result<()> {
    locked_result(LOCKFILE_NAME, existing, new)
}

fn locked_result(name: &str, existing: &Lockfile, new: &Lockfile) -> anyhow::Result<()> {
    let changes = existing.diff(new);
    if changes.is_empty() {
        return Ok(());
    }
    let mut message = format!(
        "{name} is out of date: dependency resolution now gives a different result, and --locked forbids updating it:"
    );
    for c in &changes {
        message.push_str("\n  - ");
        message.push_str(c);
    }
    message.push_str(&format!(
        "\n  fix: review the changes, then run without --locked to update {LOCKFILE_NAME} (and commit it)"
    ));
    Err(anyhow::anyhow!(message))
}

/// What [`sync_lockfile`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LockStatus {
    /// The lockfile already said exactly this.
    Unchanged,
    /// Written (new, or updated); the changes from the old one.
    Written(Vec<String>),
}

/// The lockfile step of a build: with `locked`, the file must exist and match `new`;
/// otherwise it is written when it differs (and left untouched when it does not).
pub fn sync_lockfile(path: &Path, new: &Lockfile, locked: bool) -> anyhow::Result<LockStatus> {
    if !locked {
        return Ok(match lockfile_update(path, new)? {
            Some(changes) => {
                new.write(path)?;
                LockStatus::Written(changes)
            }
            None => LockStatus::Unchanged,
        });
    }
    match Lockfile::read_optional(path)? {
        None => anyhow::bail!(
            "--locked needs {}, which does not exist\n  fix: run once without --locked to create it, and commit it",
            path.display()
        ),
        Some(existing) => {
            locked_result(&path.display().to_string(), &existing, new)?;
            Ok(LockStatus::Unchanged)
        }
    }
}

/// Without `--locked`: whether `path` must be rewritten to hold `new`, and the changes to
/// report (`None`: it already does). Writes nothing; the build commits the new file with the
/// jar.
pub fn lockfile_update(path: &Path, new: &Lockfile) -> anyhow::Result<Option<Vec<String>>> {
    match Lockfile::read_optional(path) {
        // The lockfile is only an output here: a damaged one (a merge conflict, a hand edit) is
        // replaced rather than failing the build.
        Err(err) => {
            let reason = err.to_string();
            let reason = reason.lines().next().unwrap_or_default();
            Ok(Some(vec![format!(
                "replaced: the old file could not be read ({reason})"
            )]))
        }
        Ok(Some(existing)) if existing.render() == new.render() => Ok(None),
        Ok(existing) => Ok(Some(existing.unwrap_or_default().diff(new))),
    }
}

/// The integrity check every build makes before it writes anything: an artifact whose
/// coordinate `lockfile` already records with another sha256 is a tampered or damaged file in
/// the local repository (a released coordinate never changes its bytes), and an error naming
/// the file, both digests and the fix, whether or not the build runs with `--locked`. A lockfile
/// that cannot be read is left to [`sync_lockfile`].
pub fn check_integrity(
    lockfile: &Path,
    new: &Lockfile,
    files: &[(&Artifact, &Path)],
) -> anyhow::Result<()> {
    let Ok(Some(existing)) = Lockfile::read_optional(lockfile) else {
        return Ok(());
    };
    let locked: HashMap<&str, &str> = existing
        .entries
        .iter()
        .map(|e| (e.coordinate.as_str(), e.sha256.as_str()))
        .collect();
    let mut message = String::new();
    let mut first_file = None;
    for entry in &new.entries {
        let Some(expected) = locked.get(entry.coordinate.as_str()) else {
            continue;
        };
        if *expected == entry.sha256 {
            continue;
        }
        let file = files
            .iter()
            .find(|(a, _)| a.to_string() == entry.coordinate)
            .map_or_else(
                || entry.coordinate.clone(),
                |(_, f)| f.display().to_string(),
            );
        message.push_str(&format!(
            "\n  {}\n    file:   {file}\n    sha256: {} (the file)\n    locked: {} ({})",
            entry.coordinate,
            entry.sha256,
            expected,
            lockfile.display()
        ));
        first_file.get_or_insert(file);
    }
    let Some(file) = first_file else {
        return Ok(());
    };
    anyhow::bail!(
        "integrity check failed: a file in the local repository differs from the one {LOCKFILE_NAME} \
         records for the same coordinate (tampered with or damaged); nothing was written:{message}\n  \
         fix: delete the file ({file}) so that stormpack downloads it again, verified against \
         the repository's checksums, and build again; {LOCKFILE_NAME} stays as it is"
    )
}

/// The sha256 of a file, lower-case hex, streaming.
#[cfg(test)]
mod tests {
    use super::*;

    fn entry(coordinate: &str, scope: Scope, fill: char) -> LockEntry {
        LockEntry {
            coordinate: coordinate.to_string(),
            scope,
            sha256: fill.to_string().repeat(64),
        }
    }

    fn lock(entries: Vec<LockEntry>) -> Lockfile {
        Lockfile { entries }
    }

    #[test]
    fn hashes_files_in_the_given_order_and_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let a_file = dir.path().join("a.jar");
        let b_file = dir.path().join("b.jar");
        std::fs::write(&a_file, b"abc").unwrap();
        std::fs::write(&b_file, b"").unwrap();
        let a = Artifact::new("org.example", "a", "1.0");
        let b = Artifact {
            classifier: Some("linux".into()),
            ..Artifact::new("org.example", "b", "2.0")
        };
        let lock = Lockfile::from_artifacts([
            (&b, Scope::Provided, b_file.as_path()),
            (&a, Scope::Compile, a_file.as_path()),
        ])
        .unwrap();
        let text = lock.render();
        assert!(text.ends_with(
            "version 1\n\
             org.example:b:jar:linux:2.0 provided sha256=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n\
             org.example:a:jar:1.0 compile sha256=ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\n"
        ), "{text}");
        let path = dir.path().join(LOCKFILE_NAME);
        lock.write(&path).unwrap();
        assert_eq!(Lockfile::read(&path).unwrap(), lock);
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            3,
            "no temp files left"
        );
    }

    #[test]
    fn parse_errors_name_the_line_and_the_fix() {
        let p = Path::new("/p/stormpack.lock");
        let err = Lockfile::parse("version 1\norg.x:y:jar:1 compile sha256=abc\n", p)
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("/p/stormpack.lock:2: expected"), "{err}");
        assert!(err.contains("run without --locked"), "{err}");
        let err = Lockfile::parse("version 7\n", p).unwrap_err().to_string();
        assert!(err.contains("format version 7"), "{err}");
        let err = Lockfile::parse("", p).unwrap_err().to_string();
        assert!(err.contains("not a stormpack lockfile"), "{err}");
        let line = format!("org.x:y:jar:1 bogus sha256={}", "a".repeat(64));
        let err = Lockfile::parse(&format!("version 1\n{line}\n"), p)
            .unwrap_err()
            .to_string();
        assert!(err.contains(":2:"), "{err}");
    }

    #[test]
    fn diff_reports_each_kind_of_change() {
        let old = lock(vec![
            entry("g:flux-core:jar:2.8.3", Scope::Compile, 'a'),
            entry("g:gone:jar:1.0", Scope::Compile, 'b'),
            entry("g:same:jar:1.0", Scope::Compile, 'c'),
            entry("g:scoped:jar:1.0", Scope::Compile, 'd'),
        ]);
        let new = lock(vec![
            entry("g:flux-core:jar:2.8.4", Scope::Compile, 'e'),
            entry("g:scoped:jar:1.0", Scope::Provided, 'd'),
            entry("g:same:jar:1.0", Scope::Compile, 'f'),
            entry("g:new:jar:tests:3.0", Scope::Test, '0'),
        ]);
        let changes = old.diff(&new);
        assert_eq!(
            changes,
            vec![
                "removed g:gone:jar:1.0 (compile)".to_string(),
                "changed g:flux-core:jar: version 2.8.3 -> 2.8.4".to_string(),
                "changed g:scoped:jar:1.0: scope compile -> provided".to_string(),
                format!(
                    "changed g:same:jar:1.0: the file's sha256 is now {} (locked: {}); the artifact in the local repository differs from the one locked",
                    "f".repeat(64),
                    "c".repeat(64)
                ),
                "added   g:new:jar:tests:3.0 (test)".to_string(),
                "reordered: g:scoped:jar now comes before g:same:jar on the classpath (this changes which duplicate entry wins in the jar)".to_string(),
            ]
        );
        assert!(old.diff(&old).is_empty());
    }

    #[test]
    fn locked_check_lists_changes_and_the_fix() {
        let old = lock(vec![entry("g:a:jar:1.0", Scope::Compile, 'a')]);
        let new = lock(vec![entry("g:a:jar:1.1", Scope::Compile, 'a')]);
        check_locked(&old, &old).unwrap();
        let err = check_locked(&old, &new).unwrap_err().to_string();
        assert!(
            err.contains("- changed g:a:jar: version 1.0 -> 1.1"),
            "{err}"
        );
        assert!(err.contains("run without --locked"), "{err}");
    }

    #[test]
    fn sync_writes_updates_and_enforces_locked() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(LOCKFILE_NAME);
        let v1 = lock(vec![entry("g:a:jar:1.0", Scope::Compile, 'a')]);
        let v2 = lock(vec![entry("g:a:jar:1.1", Scope::Compile, 'a')]);
        let err = sync_lockfile(&path, &v1, true).unwrap_err().to_string();
        assert!(err.contains("does not exist"), "{err}");
        assert!(!path.exists());
        assert_eq!(
            sync_lockfile(&path, &v1, false).unwrap(),
            LockStatus::Written(vec!["added   g:a:jar:1.0 (compile)".to_string()])
        );
        assert_eq!(
            sync_lockfile(&path, &v1, true).unwrap(),
            LockStatus::Unchanged
        );
        assert_eq!(
            sync_lockfile(&path, &v1, false).unwrap(),
            LockStatus::Unchanged
        );
        let err = format!("{:#}", sync_lockfile(&path, &v2, true).unwrap_err());
        assert!(err.contains("out of date"), "{err}");
        assert_eq!(Lockfile::read(&path).unwrap(), v1, "--locked never writes");
        sync_lockfile(&path, &v2, false).unwrap();
        assert_eq!(Lockfile::read(&path).unwrap(), v2);

        // A damaged lockfile fails --locked, and is replaced without it.
        std::fs::write(&path, "<<<<<<< HEAD\n").unwrap();
        let err = format!("{:#}", sync_lockfile(&path, &v2, true).unwrap_err());
        assert!(err.contains("fix:"), "{err}");
        let LockStatus::Written(changes) = sync_lockfile(&path, &v2, false).unwrap() else {
            panic!("not rewritten");
        };
        assert!(changes[0].starts_with("replaced: "), "{changes:?}");
        assert_eq!(Lockfile::read(&path).unwrap(), v2);
    }
}
