//! Finding the `java` that runs Storm: `$JAVA_HOME/bin/java` when JAVA_HOME is set, else the
//! first `java` on PATH. A missing Java is an error that says how to install one.

use crate::error::Diagnostic;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};

/// What to tell the user when there is no Java to run Storm with.
const INSTALL_HINT: &str = "install a Java runtime (Storm 2.8 needs Java 17 or newer), \
e.g. `sudo apt-get install openjdk-17-jre-headless` on Debian/Ubuntu or `brew install openjdk@17` on macOS, \
or set JAVA_HOME to an installed JDK/JRE";

/// Locate `java`, from `java_home` (the JAVA_HOME value) or else from `path` (the PATH value).
pub fn find(java_home: Option<&OsStr>, path: Option<&OsStr>) -> anyhow::Result<PathBuf> {
    if let Some(home) = java_home.filter(|h| !h.is_empty()) {
        let java = Path::new(home).join("bin").join("java");
        if is_executable(&java) {
            return Ok(java);
        }
        anyhow::bail!(Diagnostic::new(format!(
            "JAVA_HOME is {}, but {} is not an executable file",
            Path::new(home).display(),
            java.display()
        ))
        .fix(INSTALL_HINT));
    }
    if let Some(path) = path {
        for dir in std::env::split_paths(path) {
            let java = dir.join("java");
            if is_executable(&java) {
                return Ok(java);
            }
        }
    }
    anyhow::bail!(Diagnostic::new(
        "`stormpack run` needs Java to start Storm, but there is no `java` on PATH and JAVA_HOME is not set"
    )
    .fix(INSTALL_HINT))
}

/// Locate `java` from this process's environment.
pub fn find_from_env() -> anyhow::Result<PathBuf> {
    find(
        std::env::var_os("JAVA_HOME").as_deref(),
        std::env::var_os("PATH").as_deref(),
    )
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn fake_java(dir: &Path) -> PathBuf {
        let java = dir.join("java");
        std::fs::write(&java, "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(&java, std::fs::Permissions::from_mode(0o755)).unwrap();
        java
    }

    #[test]
    fn java_home_wins_over_path() {
        let home = tempfile::tempdir().unwrap();
        std::fs::create_dir(home.path().join("bin")).unwrap();
        let in_home = fake_java(&home.path().join("bin"));
        let other = tempfile::tempdir().unwrap();
        fake_java(other.path());
        let found = find(
            Some(home.path().as_os_str()),
            Some(other.path().as_os_str()),
        )
        .unwrap();
        assert_eq!(found, in_home);
    }

    #[test]
    fn path_is_searched_in_order_skipping_non_executables() {
        let first = tempfile::tempdir().unwrap();
        std::fs::write(first.path().join("java"), "not executable").unwrap();
        let second = tempfile::tempdir().unwrap();
        let java = fake_java(second.path());
        let path = std::env::join_paths([first.path(), second.path()]).unwrap();
        assert_eq!(find(None, Some(&path)).unwrap(), java);
    }

    #[test]
    fn missing_java_says_how_to_install_it() {
        let empty = tempfile::tempdir().unwrap();
        let err = find(None, Some(empty.path().as_os_str()))
            .unwrap_err()
            .to_string();
        assert!(err.contains("no `java` on PATH"), "{err}");
        assert!(
            err.contains("apt-get install openjdk-17-jre-headless"),
            "{err}"
        );
        assert!(err.contains("JAVA_HOME"), "{err}");
    }

    #[test]
    fn broken_java_home_is_named() {
        let home = tempfile::tempdir().unwrap();
        let err = find(Some(home.path().as_os_str()), None)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(&home.path().join("bin/java").display().to_string()),
            "{err}"
        );
        assert!(err.contains("openjdk-17-jre-headless"), "{err}");
    }
}
