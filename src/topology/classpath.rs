//! What a topology is checked against: the entries of the built jar and of Storm's provided
//! runtime (storm-client), read through `jar::read`, and the class lookup built from them.
//! `build` uses [`JarIndex`] for the jar it just wrote; `stormpack check` for the jar in
//! `target/`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::error::Diagnostic;
use anyhow::Context as _;

/// The entry paths of one jar.
#[derive(Debug, Clone, Default)]
pub struct JarIndex {
    pub path: PathBuf,
    pub entries: BTreeSet<String>,
}

impl JarIndex {
    /// List `jar`'s entries.
    pub fn read(jar: &Path) -> anyhow::Result<JarIndex> {
        let file = crate::fsread::open_regular(jar).map_err(|e| {
            // A FIFO or a device: the refusal says what it is and carries its own fix.
            if e.kind() == std::io::ErrorKind::InvalidInput {
                return anyhow::Error::msg(e.to_string());
            }
            anyhow::Error::new(e).context(
                Diagnostic::new(format!("cannot open the jar {}", jar.display()))
                    .fix("build it with `stormpack build`, or pass the right file with --jar FILE"),
            )
        })?;
        let entries = crate::jar::read::entry_names(file).with_context(|| {
            format!(
                "{} is not a readable jar; rebuild it with `stormpack build`",
                jar.display()
            )
        })?;
        Ok(JarIndex {
            path: jar.to_path_buf(),
            entries,
        })
    }

    /// The text of one entry, `None` when it is absent or not UTF-8. At most a little more
    /// than Flux's YAML parser accepts (3 Mi code points) is decompressed: a longer entry (a zip
    /// bomb of several GB) comes back cut there, still longer than the parser's limit, so the
    /// check reports it as too long instead of reading it all.
    pub fn read_text(&self, entry: &str) -> Option<String> {
        if !self.entries.contains(entry) {
            return None;
        }
        let limit = 4 * (crate::topology::yaml::MAX_CODE_POINTS as u64 + 1) + 3;
        let mut bytes = crate::jar::read::entry_bytes(&self.path, entry, Some(limit))?;
        if bytes.len() as u64 > limit {
            let valid = match std::str::from_utf8(&bytes) {
                Ok(_) => bytes.len(),
                Err(e) => e.valid_up_to(),
            };
            bytes.truncate(valid);
        }
        String::from_utf8(bytes).ok()
    }

    /// The bytes of one entry, `None` when it is absent or unreadable.
    pub fn read_bytes(&self, entry: &str) -> Option<Vec<u8>> {
        if !self.entries.contains(entry) {
            return None;
        }
        crate::jar::read::entry_bytes(&self.path, entry, None)
    }

    /// The classes it holds (`a/b/C$D.class` -> `a.b.C$D`).
    pub fn classes(&self) -> BTreeSet<String> {
        self.entries.iter().filter_map(|p| class_name(p)).collect()
    }
}

/// The class an entry path holds, if it is a class file (multi-release entries included).
pub fn class_name(path: &str) -> Option<String> {
    let stem = path.strip_suffix(".class")?;
    let stem = match stem.strip_prefix("META-INF/versions/") {
        Some(rest) => rest.split_once('/')?.1,
        None => stem,
    };
    if stem.ends_with("module-info") || stem.ends_with("package-info") {
        return None;
    }
    Some(stem.replace('/', "."))
}

/// Classes every JVM provides.
pub fn is_jdk_class(name: &str) -> bool {
    ["java.", "javax.", "jdk.", "sun.", "com.sun."]
        .iter()
        .any(|p| name.starts_with(p))
}

/// Where storm-client (Storm's provided runtime for workers) sits in a Maven local repository.
pub fn storm_client_jar(local_repository: &Path, storm_version: &str) -> PathBuf {
    local_repository
        .join("org/apache/storm/storm-client")
        .join(storm_version)
        .join(format!("storm-client-{storm_version}.jar"))
}

/// The class lookup for checks: the jar's classes, storm-client's when known, the JDK's.
/// Without storm-client, any `org.apache.storm.` class outside `org.apache.storm.flux.` is
/// given the benefit of the doubt (`runtime_known` false).
pub struct ClassLookup {
    pub classes: BTreeSet<String>,
    pub runtime_known: bool,
}

impl ClassLookup {
    pub fn new(jar: &JarIndex, storm_runtime: Option<&JarIndex>) -> ClassLookup {
        let mut classes = jar.classes();
        if let Some(runtime) = storm_runtime {
            classes.extend(runtime.classes());
        }
        ClassLookup {
            classes,
            runtime_known: storm_runtime.is_some(),
        }
    }

    pub fn exists(&self, name: &str) -> bool {
        self.classes.contains(name)
            || is_jdk_class(name)
            || (!self.runtime_known
                && name.starts_with("org.apache.storm.")
                && !name.starts_with("org.apache.storm.flux."))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn class_names_from_entries() {
        assert_eq!(
            class_name("org/apache/storm/flux/Flux.class").as_deref(),
            Some("org.apache.storm.flux.Flux")
        );
        assert_eq!(class_name("a/B$C.class").as_deref(), Some("a.B$C"));
        assert_eq!(
            class_name("META-INF/versions/9/a/B.class").as_deref(),
            Some("a.B")
        );
        assert_eq!(class_name("module-info.class"), None);
        assert_eq!(class_name("resources/storm.py"), None);
    }

    #[test]
    fn lookup_without_storm_runtime_trusts_storm_packages() {
        let jar = JarIndex {
            path: PathBuf::new(),
            entries: BTreeSet::from(["com/x/Y.class".to_string()]),
        };
        let lookup = ClassLookup::new(&jar, None);
        assert!(lookup.exists("com.x.Y"));
        assert!(lookup.exists("org.apache.storm.testing.TestWordSpout"));
        assert!(!lookup.exists("org.apache.storm.flux.wrappers.bolts.FluxShellBolt"));
        assert!(!lookup.exists("com.x.Z"));
        assert!(lookup.exists("java.lang.String"));
    }
}
