//! Finding the JDK that compiles the project's Java sources: `$JAVA_HOME/bin/javac` when
//! JAVA_HOME is set, else the first `javac` on PATH (symlinks followed to the JDK). Its version
//! comes from the JDK's `release` file (no JVM is started for it), else from `javac -version`.
//! A JRE without javac, or a JDK older than the release the pom asks for, is an error that says
//! which package to install or how to point JAVA_HOME at a JDK.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::Diagnostic;

/// The JDK found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Jdk {
    /// The JDK's home (`javac` is `<home>/bin/javac`).
    pub home: PathBuf,
    pub javac: PathBuf,
    pub java: PathBuf,
    /// The full version, as `JAVA_VERSION` in `<home>/release` (`17.0.15`).
    pub version: String,
    /// The feature release (`17`): what maven-archiver records as `Build-Jdk-Spec`.
    pub feature: u32,
}

fn install_hint(feature: u32) -> String {
    format!(
        "install a JDK {feature} or newer (the compiler, not only the runtime), e.g. \
         `sudo apt-get install openjdk-{feature}-jdk-headless` on Debian/Ubuntu, or set JAVA_HOME \
         to a JDK's directory (the one holding bin/javac)"
    )
}

/// Locate the JDK from `java_home` (JAVA_HOME) or else `path` (PATH); `wanted` is the Java
/// release the project asks for (for the error's fix).
pub fn find(java_home: Option<&OsStr>, path: Option<&OsStr>, wanted: u32) -> anyhow::Result<Jdk> {
    let javac = if let Some(home) = java_home.filter(|h| !h.is_empty()) {
        let home = Path::new(home);
        let javac = home.join("bin").join("javac");
        if !is_executable(&javac) {
            let what = if is_executable(&home.join("bin").join("java")) {
                "a Java runtime without a compiler (a JRE)"
            } else {
                "not a Java installation"
            };
            anyhow::bail!(Diagnostic::new(format!(
                "JAVA_HOME is {}, {what}: there is no {}; the project has Java sources to compile",
                home.display(),
                javac.display()
            ))
            .fix(install_hint(wanted)));
        }
        javac
    } else {
        let found = path.and_then(|path| {
            std::env::split_paths(path)
                .map(|dir| dir.join("javac"))
                .find(|javac| is_executable(javac))
        });
        match found {
            Some(javac) => javac,
            None => {
                let jre = path.is_some_and(|path| {
                    std::env::split_paths(path).any(|d| is_executable(&d.join("java")))
                });
                anyhow::bail!(Diagnostic::new(format!(
                    "the project has Java sources, but there is no `javac` on PATH and JAVA_HOME is not set{}",
                    if jre { " (the `java` on PATH is a runtime without a compiler)" } else { "" }
                ))
                .fix(install_hint(wanted)));
            }
        }
    };
    let javac = fs_err::canonicalize(&javac)?;
    let home = javac
        .parent()
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let version = match release_version(&home) {
        Some(v) => v,
        None => javac_version(&javac)?,
    };
    let feature = super::options::feature_number(&version).unwrap_or(0);
    Ok(Jdk {
        java: home.join("bin").join("java"),
        home,
        javac,
        version,
        feature,
    })
}

/// Locate the JDK from this process's environment.
pub fn find_from_env(wanted: u32) -> anyhow::Result<Jdk> {
    find(
        std::env::var_os("JAVA_HOME").as_deref(),
        std::env::var_os("PATH").as_deref(),
        wanted,
    )
}

impl Jdk {
    /// Fail when this JDK is older than the `release`/`target` the project asks for.
    pub fn require(&self, feature: u32, declared_at: &str) -> anyhow::Result<()> {
        if self.feature != 0 && self.feature < feature {
            anyhow::bail!(Diagnostic::new(format!(
                "{declared_at}: the project asks javac for Java {feature}, but the JDK found is {} \
                 ({}), which cannot compile for it",
                self.version,
                self.home.display()
            ))
            .fix(install_hint(feature)));
        }
        Ok(())
    }
}

/// `JAVA_VERSION="17.0.15"` from `<home>/release`.
fn release_version(home: &Path) -> Option<String> {
    let text = std::fs::read_to_string(home.join("release")).ok()?;
    text.lines().find_map(|l| {
        l.strip_prefix("JAVA_VERSION=")
            .map(|v| v.trim().trim_matches('"').to_string())
    })
}

/// `javac 17.0.15` from `javac -version`.
fn javac_version(javac: &Path) -> anyhow::Result<String> {
    let out = std::process::Command::new(javac)
        .arg("-version")
        .output()
        .map_err(|e| anyhow::anyhow!("cannot run {}: {e}", javac.display()))?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    text.lines()
        .find_map(|l| l.trim().strip_prefix("javac ").map(str::to_string))
        .ok_or_else(|| {
            anyhow::anyhow!(
                "{} -version printed no version ({})",
                javac.display(),
                text.trim()
            )
        })
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

    fn exe(path: &Path) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    #[test]
    fn jdk_version_from_the_release_file() {
        let tmp = tempfile::tempdir().unwrap();
        exe(&tmp.path().join("jdk/bin/javac"));
        std::fs::write(
            tmp.path().join("jdk/release"),
            "IMPLEMENTOR=\"x\"\nJAVA_VERSION=\"21.0.2\"\n",
        )
        .unwrap();
        let jdk = find(Some(tmp.path().join("jdk").as_os_str()), None, 17).unwrap();
        assert_eq!(jdk.version, "21.0.2");
        assert_eq!(jdk.feature, 21);
        jdk.require(17, "pom.xml").unwrap();
        let err = jdk.require(25, "pom.xml:3:5").unwrap_err().to_string();
        assert!(err.contains("Java 25"), "{err}");
        assert!(err.contains("openjdk-25-jdk-headless"), "{err}");
    }

    #[test]
    fn a_jre_is_named_with_the_fix() {
        let tmp = tempfile::tempdir().unwrap();
        exe(&tmp.path().join("jre/bin/java"));
        let err = find(Some(tmp.path().join("jre").as_os_str()), None, 17)
            .unwrap_err()
            .to_string();
        assert!(err.contains("without a compiler"), "{err}");
        assert!(err.contains("openjdk-17-jdk-headless"), "{err}");
        let err = find(None, Some(tmp.path().join("jre/bin").as_os_str()), 11)
            .unwrap_err()
            .to_string();
        assert!(err.contains("no `javac` on PATH"), "{err}");
        assert!(err.contains("runtime without a compiler"), "{err}");
    }
}
