//! The staging area: every entry the jar will hold, keyed by its path in the jar. Adding a path
//! twice is an error naming both sources; iteration is in sorted path order. Dependency entries
//! are not staged here one by one: `shade` merges them under the project's entries.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::error::Diagnostic;
use anyhow::bail;

/// Where an entry's bytes come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntrySource {
    /// Generated in memory (manifest, pom.properties, launchers, filtered resources).
    Bytes(Vec<u8>),
    /// A file on disk, stored as is.
    File(PathBuf),
}

/// One project entry of the jar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StagedEntry {
    /// The path inside the jar, `/`-separated, no leading `/`, never a directory.
    pub path: String,
    pub source: EntrySource,
    /// Stored with mode 0755 instead of 0644.
    pub executable: bool,
    /// Where it came from, for messages: `resources/topology.yaml (from <resource> at pom.xml:31:13)`.
    pub origin: String,
}

#[derive(Debug, Default, Clone)]
pub struct Staging {
    entries: BTreeMap<String, StagedEntry>,
}

impl Staging {
    pub fn new() -> Self {
        Self::default()
    }

    /// Stage `entry`; a path already staged is an error that names both sources.
    pub fn add(&mut self, entry: StagedEntry) -> anyhow::Result<()> {
        check_jar_path(&entry.path, &entry.origin)?;
        if let Some(existing) = self.entries.get(&entry.path) {
            bail!(Diagnostic::new(format!(
                "two files map to the same jar path `{}`:\n  - {}\n  - {}",
                entry.path, existing.origin, entry.origin
            ))
            .fix(
                "exclude one of them (an <exclude> in its <resource>), or give one a different targetPath"
            ));
        }
        self.entries.insert(entry.path.clone(), entry);
        Ok(())
    }

    pub fn contains(&self, path: &str) -> bool {
        self.entries.contains_key(path)
    }

    /// Keep only the entries `keep` says yes to (shade filters on the project's own entries).
    pub fn retain(&mut self, mut keep: impl FnMut(&str) -> bool) {
        self.entries.retain(|path, _| keep(path));
    }

    pub fn get(&self, path: &str) -> Option<&StagedEntry> {
        self.entries.get(path)
    }

    /// Entries in sorted path order.
    pub fn entries(&self) -> impl Iterator<Item = &StagedEntry> {
        self.entries.values()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn into_entries(self) -> Vec<StagedEntry> {
        self.entries.into_values().collect()
    }
}

/// A jar path must be relative, `/`-separated, and stay inside the jar.
fn check_jar_path(path: &str, origin: &str) -> anyhow::Result<()> {
    let bad = path.is_empty()
        || path.starts_with('/')
        || path.ends_with('/')
        || path.contains('\\')
        || path
            .split('/')
            .any(|part| part.is_empty() || part == "." || part == "..");
    if bad {
        bail!(Diagnostic::new(format!(
            "`{path}` is not a valid path inside a jar (from {origin})"
        ))
        .fix("use a relative path with `/` separators and no `..` segments"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(path: &str, origin: &str) -> StagedEntry {
        StagedEntry {
            path: path.to_string(),
            source: EntrySource::Bytes(Vec::new()),
            executable: false,
            origin: origin.to_string(),
        }
    }

    #[test]
    fn duplicates_name_both_sources() {
        let mut s = Staging::new();
        s.add(entry("topology.yaml", "resources/topology.yaml"))
            .unwrap();
        let err = s
            .add(entry("topology.yaml", "conf/topology.yaml"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("resources/topology.yaml"), "{err}");
        assert!(err.contains("conf/topology.yaml"), "{err}");
    }

    #[test]
    fn escaping_paths_are_rejected() {
        let mut s = Staging::new();
        for bad in ["../x", "/abs", "a/../../b", "a//b", "dir/"] {
            assert!(s.add(entry(bad, "test")).is_err(), "{bad}");
        }
    }

    #[test]
    fn iteration_is_sorted() {
        let mut s = Staging::new();
        for p in ["b", "a/z", "a"] {
            s.add(entry(p, p)).unwrap();
        }
        let paths: Vec<_> = s.entries().map(|e| e.path.as_str()).collect();
        assert_eq!(paths, ["a", "a/z", "b"]);
    }
}
