//! The JDK's system properties (`java.version`, `java.home`, `os.arch`, ...) as `java
//! -XshowSettings:properties -version` prints them, cached so that a build does not start a JVM
//! to learn them: the cache lives in `<local repository>/.stormpack/jvm/<key>.json`, keyed by
//! the `java` binary's real path, size, modification time and the JDK's version (its `release`
//! file), and is written atomically. A JVM is started only the first time a given `java` is seen
//! (or after it was replaced); no `java` on PATH means no properties and no JVM.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// The first field of a cache file; another value means the file is from another format.
const CACHE_FORMAT: &str = "stormpack-jvm-properties-2";

/// The system properties of the `java` on `path` (the PATH value), from the cache
/// under `cache_root` (a local Maven repository) when it holds them for this very binary, else
/// from one JVM run whose answer is then cached. Empty when there is no `java`.
pub fn java_properties(
    path: Option<&std::ffi::OsStr>,
    cache_root: Option<&Path>,
) -> BTreeMap<String, String> {
    let Some(java) = find_java(path) else {
        return BTreeMap::new();
    };
    let cache_file = cache_root.and_then(|root| {
        let key = cache_key(&java)?;
        Some(
            root.join(".stormpack")
                .join("jvm")
                .join(format!("{key}.json")),
        )
    });
    let mut props = match cache_file.as_deref().and_then(read_cache) {
        Some(props) => props,
        None => {
            let props = ask_jvm(&java);
            if let (Some(file), false) = (&cache_file, props.is_empty()) {
                // A cache that cannot be written (read-only repository) only costs the next
                // build a JVM.
                let _ = write_cache(file, &props);
            }
            props
        }
    };
    // The one property that depends on where the build runs, not on the JDK.
    if let (Some(dir), true) = (std::env::current_dir().ok(), props.contains_key("user.dir")) {
        props.insert("user.dir".into(), dir.to_string_lossy().into_owned());
    }
    props
}

/// The directory mvn takes its `java` from: `$JAVA_HOME/bin` when JAVA_HOME is set (mvn's
/// launcher script), else the PATH value.
pub fn maven_java_path() -> Option<std::ffi::OsString> {
    match std::env::var_os("JAVA_HOME").filter(|h| !h.is_empty()) {
        Some(home) => Some(Path::new(&home).join("bin").into_os_string()),
        None => std::env::var_os("PATH"),
    }
}

/// maven-archiver's `Build-Jdk-Spec`: `java.specification.version` of the JVM mvn runs on
/// (whether or not anything is compiled); `None` without a `java`.
pub fn maven_build_jdk_spec(cache_root: Option<&Path>) -> Option<String> {
    java_properties(maven_java_path().as_deref(), cache_root).remove("java.specification.version")
}

/// The default charset (`file.encoding`) of the JVM mvn runs on: a `-Dfile.encoding=` in
/// `MAVEN_OPTS` (the last one), else the JVM's own (from the locale); `None` without a `java`.
pub fn maven_default_charset(cache_root: Option<&Path>) -> Option<String> {
    let from_opts = std::env::var("MAVEN_OPTS").ok().and_then(|opts| {
        opts.split_whitespace()
            .rev()
            .find_map(|o| o.strip_prefix("-Dfile.encoding="))
            .map(str::to_string)
    });
    from_opts.or_else(|| {
        java_properties(maven_java_path().as_deref(), cache_root).remove("file.encoding")
    })
}

/// The first executable `java` on `path` (the PATH value), symlinks resolved (Debian's /usr/bin/java ->
/// /etc/alternatives/java -> the JDK's).
pub fn find_java(path: Option<&std::ffi::OsStr>) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    std::env::split_paths(path?)
        .map(|dir| dir.join("java"))
        .find(|java| {
            std::fs::metadata(java)
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
        .and_then(|java| std::fs::canonicalize(java).ok())
}

/// SHA-256 of the binary's path, size and modification time and the JDK's `release` file
/// (its version), hex; `None` when the binary cannot be read.
fn cache_key(java: &Path) -> Option<String> {
    let meta = std::fs::metadata(java).ok()?;
    let mtime = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos());
    let release = java
        .parent()
        .and_then(Path::parent)
        .and_then(|home| std::fs::read(home.join("release")).ok())
        .unwrap_or_default();
    let mut h = Sha256::new();
    h.update(CACHE_FORMAT.as_bytes());
    h.update([0]);
    h.update(java.as_os_str().as_encoded_bytes());
    h.update([0]);
    h.update(format!("{} {mtime}", meta.len()).as_bytes());
    h.update([0]);
    h.update(&release);
    // The default charset (file.encoding before Java 18) follows the locale and
    // JAVA_TOOL_OPTIONS.
    for var in ["LC_ALL", "LC_CTYPE", "LANG", "JAVA_TOOL_OPTIONS"] {
        h.update([0]);
        h.update(std::env::var_os(var).unwrap_or_default().as_encoded_bytes());
    }
    Some(hex::encode(h.finalize()))
}

#[derive(serde::Serialize, serde::Deserialize)]
struct CacheFile {
    format: String,
    properties: BTreeMap<String, String>,
}

fn read_cache(file: &Path) -> Option<BTreeMap<String, String>> {
    // Not through fsread: a cache is not an input of the build.
    let bytes = std::fs::read(file).ok()?;
    let cache: CacheFile = serde_json::from_slice(&bytes).ok()?;
    (cache.format == CACHE_FORMAT && !cache.properties.is_empty()).then_some(cache.properties)
}

/// Written to a temporary file in the same directory and renamed: a reader sees the old file,
/// the new one or none, never half of one.
fn write_cache(file: &Path, props: &BTreeMap<String, String>) -> anyhow::Result<()> {
    let dir = file.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    let json = serde_json::to_vec_pretty(&CacheFile {
        format: CACHE_FORMAT.into(),
        properties: props.clone(),
    })?;
    tmp.write_all(&json)?;
    tmp.persist(file)?;
    Ok(())
}

/// One `java -XshowSettings:properties -version`: its `key = value` lines.
fn ask_jvm(java: &Path) -> BTreeMap<String, String> {
    let out = std::process::Command::new(java)
        .args(["-XshowSettings:properties", "-version"])
        .stdin(std::process::Stdio::null())
        .output()
        .map(|o| String::from_utf8_lossy(&o.stderr).into_owned())
        .unwrap_or_default();
    parse_properties(&out)
}

fn parse_properties(text: &str) -> BTreeMap<String, String> {
    let mut props = BTreeMap::new();
    for line in text.lines() {
        if let Some((k, v)) = line.trim().split_once(" = ") {
            // Every system property activates profiles (as in Maven); continuation lines of
            // multi-valued properties hold no ` = ` key.
            if !k.is_empty() && !k.contains(char::is_whitespace) {
                props.insert(k.to_string(), v.to_string());
            }
        }
    }
    props
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    /// A fake `java` that counts its runs in `<dir>/runs` and prints two properties.
    fn fake_java(dir: &Path, version: &str) -> PathBuf {
        let bin = dir.join("jdk/bin");
        std::fs::create_dir_all(&bin).unwrap();
        let java = bin.join("java");
        std::fs::write(
            &java,
            format!(
                "#!/bin/sh\necho run >> '{}'\necho 'Property settings:' >&2\n\
                 echo '    java.version = {version}' >&2\necho '    os.arch = amd64' >&2\n\
                 echo '    user.name = x' >&2\n",
                dir.join("runs").display()
            ),
        )
        .unwrap();
        std::fs::set_permissions(&java, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::write(
            dir.join("jdk/release"),
            format!("JAVA_VERSION=\"{version}\"\n"),
        )
        .unwrap();
        bin
    }

    fn runs(dir: &Path) -> usize {
        std::fs::read_to_string(dir.join("runs"))
            .map(|s| s.lines().count())
            .unwrap_or(0)
    }

    #[test]
    fn the_jvm_is_asked_once_per_binary() {
        let tmp = tempfile::tempdir().unwrap();
        let bin = fake_java(tmp.path(), "17.0.2");
        let repo = tmp.path().join("repo");
        let first = java_properties(Some(bin.as_os_str()), Some(&repo));
        assert_eq!(first["java.version"], "17.0.2");
        assert_eq!(first["os.arch"], "amd64");
        assert_eq!(first["user.name"], "x", "every property activates profiles");
        assert_eq!(runs(tmp.path()), 1);
        let second = java_properties(Some(bin.as_os_str()), Some(&repo));
        assert_eq!(first, second);
        assert_eq!(runs(tmp.path()), 1, "a cached binary starts no JVM");

        // Another JDK in the same place (new version, new binary): asked again.
        std::thread::sleep(std::time::Duration::from_millis(20));
        fake_java(tmp.path(), "21.0.1");
        let third = java_properties(Some(bin.as_os_str()), Some(&repo));
        assert_eq!(third["java.version"], "21.0.1");
        assert_eq!(runs(tmp.path()), 2);
    }

    #[test]
    fn no_java_no_properties_and_a_corrupt_cache_is_ignored() {
        let tmp = tempfile::tempdir().unwrap();
        let empty = tmp.path().join("empty");
        std::fs::create_dir_all(&empty).unwrap();
        assert!(java_properties(Some(empty.as_os_str()), Some(tmp.path())).is_empty());
        let bin = fake_java(tmp.path(), "17.0.2");
        let repo = tmp.path().join("repo");
        java_properties(Some(bin.as_os_str()), Some(&repo));
        for f in std::fs::read_dir(repo.join(".stormpack/jvm")).unwrap() {
            std::fs::write(f.unwrap().path(), "{not json").unwrap();
        }
        let again = java_properties(Some(bin.as_os_str()), Some(&repo));
        assert_eq!(again["java.version"], "17.0.2");
        assert_eq!(runs(tmp.path()), 2);
    }
}
