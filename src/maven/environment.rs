//! The properties a pom sees for interpolation and profile activation: the JVM's system
//! properties (every one `java -XshowSettings:properties` lists: `java.version`, `os.name`,
//! `sun.arch.data.model`, `user.name`, ...), `env.*`, detected once per run, and the user
//! properties (`-Dkey=value`), which take precedence as in Maven.

use std::collections::BTreeMap;
use std::sync::OnceLock;

/// The Java and OS properties Maven exposes (`java.version`, `os.name`, ..., `env.*`), used for
/// interpolation and profile activation.
#[derive(Debug, Clone)]
pub struct Environment {
    pub system: BTreeMap<String, String>,
    /// `-Dkey=value`: above the pom's `<properties>` and the system properties.
    pub user: BTreeMap<String, String>,
}

impl Environment {
    /// The running machine's properties; the Java ones are those `java -XshowSettings` prints,
    /// cached under `local_repo` by [`crate::jvm`] (no JVM once a `java` binary was seen)
    /// (`STORMPACK_JAVA_VERSION` overrides the version; Java 17 is assumed without a JDK).
    pub fn detect(local_repo: Option<&std::path::Path>) -> Environment {
        static DETECTED: OnceLock<Environment> = OnceLock::new();
        DETECTED
            .get_or_init(|| detect_environment(local_repo))
            .clone()
    }

    /// With `user` as the user properties.
    pub fn with_user(mut self, user: &BTreeMap<String, String>) -> Environment {
        self.user.clone_from(user);
        self
    }

    /// A property as profile activation sees it: the user's, else the system's.
    pub fn property(&self, name: &str) -> Option<&String> {
        self.user.get(name).or_else(|| self.system.get(name))
    }
}

fn detect_environment(local_repo: Option<&std::path::Path>) -> Environment {
    let mut system = crate::jvm::java_properties(std::env::var_os("PATH").as_deref(), local_repo);
    if let Ok(v) = std::env::var("STORMPACK_JAVA_VERSION") {
        system.insert("java.version".into(), v);
    }
    system
        .entry("java.version".into())
        .or_insert_with(|| "17".into());
    let spec = system["java.version"]
        .split('.')
        .next()
        .unwrap_or("17")
        .to_string();
    system
        .entry("java.specification.version".into())
        .or_insert(spec);
    let os_name = match std::env::consts::OS {
        "linux" => "Linux",
        "macos" => "Mac OS X",
        "windows" => "Windows",
        other => other,
    };
    system
        .entry("os.name".into())
        .or_insert_with(|| os_name.into());
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        other => other,
    };
    system
        .entry("os.arch".into())
        .or_insert_with(|| arch.into());
    let os_version = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    system
        .entry("os.version".into())
        .or_insert_with(|| os_version.trim().to_string());
    system.insert("file.separator".into(), "/".into());
    system.insert("path.separator".into(), ":".into());
    system.insert("line.separator".into(), "\n".into());
    if let Ok(home) = std::env::var("HOME") {
        system.insert("user.home".into(), home);
    }
    for (k, v) in std::env::vars() {
        system.insert(format!("env.{k}"), v);
    }
    Environment {
        system,
        user: BTreeMap::new(),
    }
}
