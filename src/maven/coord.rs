//! Maven coordinates: artifacts, dependencies, scopes and exclusions, and how they are written
//! (`g:a:type[:classifier]:version[:scope]`) and laid out in a repository.

use std::fmt;

/// One artifact file: `groupId:artifactId:type[:classifier]:version`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Artifact {
    pub group_id: String,
    pub artifact_id: String,
    pub version: String,
    /// The Maven `type` (jar, pom, test-jar, ...), not the file extension.
    pub kind: String,
    pub classifier: Option<String>,
}

impl Artifact {
    pub fn new(group_id: &str, artifact_id: &str, version: &str) -> Self {
        Artifact {
            group_id: group_id.to_string(),
            artifact_id: artifact_id.to_string(),
            version: version.to_string(),
            kind: "jar".to_string(),
            classifier: None,
        }
    }

    /// The file extension for this artifact's type, as Maven's artifact handlers map it.
    pub fn extension(&self) -> &str {
        match self.kind.as_str() {
            "test-jar" | "maven-plugin" | "ejb" | "ejb-client" | "java-source" | "javadoc"
            | "bundle" => "jar",
            other => other,
        }
    }

    /// The classifier, including the one a type implies (`test-jar` -> `tests`).
    pub fn effective_classifier(&self) -> Option<&str> {
        match (&self.classifier, self.kind.as_str()) {
            (Some(c), _) if !c.is_empty() => Some(c),
            (_, "test-jar") => Some("tests"),
            (_, "java-source") => Some("sources"),
            (_, "javadoc") => Some("javadoc"),
            (_, "ejb-client") => Some("client"),
            _ => None,
        }
    }

    /// `group:artifact` — the key mediation and exclusions work on (with type/classifier).
    pub fn key(&self) -> String {
        format!("{}:{}", self.group_id, self.artifact_id)
    }

    /// The path of this artifact's file inside a repository (local or remote), `/`-separated.
    pub fn repository_path(&self) -> String {
        let classifier = self
            .effective_classifier()
            .map(|c| format!("-{c}"))
            .unwrap_or_default();
        format!(
            "{}/{}/{}/{}-{}{}.{}",
            self.group_id.replace('.', "/"),
            self.artifact_id,
            self.version,
            self.artifact_id,
            self.version,
            classifier,
            self.extension()
        )
    }

    /// This artifact's pom.
    pub fn pom(&self) -> Artifact {
        Artifact {
            kind: "pom".to_string(),
            classifier: None,
            ..self.clone()
        }
    }
}

impl fmt::Display for Artifact {
    /// `group:artifact:type[:classifier]:version`, as `mvn dependency:list` writes it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.group_id, self.artifact_id, self.kind)?;
        if let Some(c) = &self.classifier {
            if !c.is_empty() {
                write!(f, ":{c}")?;
            }
        }
        write!(f, ":{}", self.version)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    Compile,
    Provided,
    Runtime,
    Test,
    System,
    Import,
}

impl Scope {
    pub fn parse(s: &str) -> Option<Scope> {
        Some(match s {
            "compile" | "" => Scope::Compile,
            "provided" => Scope::Provided,
            "runtime" => Scope::Runtime,
            "test" => Scope::Test,
            "system" => Scope::System,
            "import" => Scope::Import,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Compile => "compile",
            Scope::Provided => "provided",
            Scope::Runtime => "runtime",
            Scope::Test => "test",
            Scope::System => "system",
            Scope::Import => "import",
        }
    }

    /// Whether an artifact in this scope is shaded into the topology jar.
    pub fn is_packaged(self) -> bool {
        matches!(self, Scope::Compile | Scope::Runtime)
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `<exclusion>`: `*` in either part is a wildcard.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Exclusion {
    pub group_id: String,
    pub artifact_id: String,
}

impl Exclusion {
    pub fn matches(&self, artifact: &Artifact) -> bool {
        (self.group_id == "*" || self.group_id == artifact.group_id)
            && (self.artifact_id == "*" || self.artifact_id == artifact.artifact_id)
    }
}

/// A declared `<dependency>` (after interpolation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dependency {
    pub artifact: Artifact,
    /// `None` when the pom left it unset (so dependencyManagement may supply it).
    pub scope: Option<Scope>,
    pub optional: bool,
    pub exclusions: Vec<Exclusion>,
    /// `<systemPath>` for system scope.
    pub system_path: Option<String>,
}

impl Dependency {
    pub fn compile(artifact: Artifact) -> Self {
        Dependency {
            artifact,
            scope: Some(Scope::Compile),
            optional: false,
            exclusions: Vec::new(),
            system_path: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repository_path_follows_maven_layout() {
        let a = Artifact::new("org.apache.storm", "flux-core", "2.8.8");
        assert_eq!(
            a.repository_path(),
            "org/apache/storm/flux-core/2.8.8/flux-core-2.8.8.jar"
        );
        assert_eq!(
            a.pom().repository_path(),
            "org/apache/storm/flux-core/2.8.8/flux-core-2.8.8.pom"
        );
        let t = Artifact {
            kind: "test-jar".into(),
            ..a
        };
        assert_eq!(
            t.repository_path(),
            "org/apache/storm/flux-core/2.8.8/flux-core-2.8.8-tests.jar"
        );
    }

    #[test]
    fn wildcard_exclusions_match() {
        let a = Artifact::new("org.slf4j", "slf4j-api", "1.7.36");
        let all = Exclusion {
            group_id: "*".into(),
            artifact_id: "*".into(),
        };
        let other = Exclusion {
            group_id: "org.slf4j".into(),
            artifact_id: "log4j".into(),
        };
        assert!(all.matches(&a));
        assert!(!other.matches(&a));
    }
}
