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

    /// Whether the type's artifact handler says the file bundles its dependencies (`war`,
    /// `ear`, `rar`): Maven's collector does not follow such an artifact's dependencies.
    pub fn includes_dependencies(&self) -> bool {
        matches!(self.kind.as_str(), "war" | "ear" | "rar")
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

    /// Checks that every part of the coordinate is one Maven accepts, so that
    /// [`Artifact::repository_path`] names a file inside the repository: groupId and artifactId
    /// of `[A-Za-z0-9_.-]+` (a groupId with no empty `.`-separated part, an artifactId that is
    /// not `.` or `..`), and a version, type and classifier without path separators, the
    /// characters Maven bans in them (`\ / : " < > | ? *`) or control characters.
    pub fn validate(&self) -> Result<(), InvalidCoordinate> {
        let err = |field: &'static str, value: &str, reason: String| InvalidCoordinate {
            coordinate: self.to_string(),
            field,
            value: value.to_string(),
            reason,
        };
        check_id("groupId", &self.group_id, true).map_err(|r| err("groupId", &self.group_id, r))?;
        check_id("artifactId", &self.artifact_id, false)
            .map_err(|r| err("artifactId", &self.artifact_id, r))?;
        check_file_component(&self.version).map_err(|r| err("version", &self.version, r))?;
        check_file_component(&self.kind).map_err(|r| err("type", &self.kind, r))?;
        if let Some(c) = self.classifier.as_deref().filter(|c| !c.is_empty()) {
            check_file_component(c).map_err(|r| err("classifier", c, r))?;
        }
        Ok(())
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
    /// `group:artifact:type[:classifier]:version`, as `mvn dependency:list` writes it: with
    /// the classifier a type implies (`test-jar` -> `tests`, `java-source` -> `sources`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.group_id, self.artifact_id, self.kind)?;
        if let Some(c) = self.effective_classifier() {
            write!(f, ":{c}")?;
        }
        write!(f, ":{}", self.version)
    }
}

/// A coordinate part that Maven rejects, or that would lead a repository path outside the
/// repository (`..`, `/`, a groupId starting with `.`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidCoordinate {
    /// The whole coordinate as written (`g:a:type[:classifier]:version`).
    pub coordinate: String,
    pub field: &'static str,
    pub value: String,
    pub reason: String,
}

impl fmt::Display for InvalidCoordinate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid coordinate {}: {} `{}` {}",
            escape(&self.coordinate),
            self.field,
            escape(&self.value),
            self.reason
        )
    }
}

impl std::error::Error for InvalidCoordinate {}

/// A groupId or artifactId: Maven's `[A-Za-z0-9_.-]+`; a groupId's `.`-separated parts (its
/// directories) must not be empty, an artifactId (one directory) must not be `.` or `..`.
pub fn check_id(field: &str, value: &str, group: bool) -> Result<(), String> {
    if value.is_empty() {
        return Err("is empty".to_string());
    }
    if let Some(c) = value
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')))
    {
        return Err(format!(
            "contains {}; a {field} may only contain A-Z, a-z, 0-9, `_`, `.` and `-`",
            describe_char(c)
        ));
    }
    if group && value.split('.').any(str::is_empty) {
        return Err(
            "has an empty part (a leading, trailing or doubled `.`), which would leave the repository's directory"
                .to_string(),
        );
    }
    if !group && (value == "." || value == "..") {
        return Err("names a directory outside the artifact's".to_string());
    }
    Ok(())
}

/// A version, type or classifier, which become one file or directory name: not `.` or `..`,
/// none of `\ / : " < > | ? *`, no whitespace or control characters.
pub fn check_file_component(value: &str) -> Result<(), String> {
    if value.is_empty() {
        return Err("is empty".to_string());
    }
    if value == "." || value == ".." {
        return Err("names a directory outside the artifact's".to_string());
    }
    if let Some(c) = value
        .chars()
        .find(|c| "\\/:\"<>|?*".contains(*c) || c.is_whitespace() || c.is_control())
    {
        return Err(format!(
            "contains {}, which Maven does not allow there (none of \\ / : \" < > | ? * or whitespace)",
            describe_char(c)
        ));
    }
    Ok(())
}

fn describe_char(c: char) -> String {
    if c.is_control() || c.is_whitespace() {
        format!("the character U+{:04X}", u32::from(c))
    } else {
        format!("`{c}`")
    }
}

/// `value` with control characters escaped (`\n`, `\u{1b}`), for messages printed to a
/// terminal.
pub fn escape(value: &str) -> String {
    if value.chars().any(char::is_control) {
        value.escape_debug().to_string()
    } else {
        value.to_string()
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

    /// Issue 10 defect 6: types that imply a classifier print it, as dependency:list does.
    #[test]
    fn implied_classifiers_are_printed() {
        let of = |kind: &str| {
            Artifact {
                kind: kind.into(),
                ..Artifact::new("g", "a", "1")
            }
            .to_string()
        };
        assert_eq!(of("test-jar"), "g:a:test-jar:tests:1");
        assert_eq!(of("java-source"), "g:a:java-source:sources:1");
        assert_eq!(of("javadoc"), "g:a:javadoc:javadoc:1");
        assert_eq!(of("jar"), "g:a:jar:1");
        assert!(Artifact {
            kind: "war".into(),
            ..Artifact::new("g", "a", "1")
        }
        .includes_dependencies());
    }

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
    fn coordinates_that_leave_the_repository_are_invalid() {
        let ok = Artifact::new("org.apache.storm", "flux-core", "2.8.8-SNAPSHOT");
        assert_eq!(ok.validate(), Ok(()));
        let bad = |g: &str, a: &str, v: &str| Artifact::new(g, a, v).validate().unwrap_err();
        assert_eq!(bad(".etc", "a", "1").field, "groupId");
        assert_eq!(bad("org..x", "a", "1").field, "groupId");
        assert_eq!(bad("org/x", "a", "1").field, "groupId");
        assert_eq!(bad("g", "..", "1").field, "artifactId");
        assert_eq!(bad("g", "a/b", "1").field, "artifactId");
        assert_eq!(bad("g", "a", "..").field, "version");
        assert_eq!(bad("g", "a", "1/../../x").field, "version");
        assert_eq!(bad("g", "a", "1\\x").field, "version");
        assert_eq!(bad("g", "a", "").field, "version");
        let e = bad("g", "a", "1\n2");
        assert_eq!(
            e.to_string(),
            "invalid coordinate g:a:jar:1\\n2: version `1\\n2` contains the character U+000A, \
             which Maven does not allow there (none of \\ / : \" < > | ? * or whitespace)"
        );
        let classified = Artifact {
            classifier: Some("../x".into()),
            ..ok.clone()
        };
        assert_eq!(classified.validate().unwrap_err().field, "classifier");
        let typed = Artifact {
            kind: "ja/r".into(),
            ..ok
        };
        assert_eq!(typed.validate().unwrap_err().field, "type");
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
