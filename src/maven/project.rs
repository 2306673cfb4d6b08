//! The project's own pom.xml as an effective model: parents merged, properties interpolated,
//! build settings (finalName, directory, resources, outputTimestamp) resolved to absolute paths.
//! This is what the build plan reads; dependencies are handed on to `resolve`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::coord::Dependency;
use super::repository::{RemoteRepository, RepositorySystem};

/// Where something was declared, for error messages (`file:line:column`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceLocation {
    pub file: PathBuf,
    pub line: usize,
    pub column: usize,
}

impl std::fmt::Display for SourceLocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}", self.file.display(), self.line, self.column)
    }
}

/// One `<build><resources><resource>` (or Maven's default `src/main/resources`).
#[derive(Debug, Clone)]
pub struct ResourceDecl {
    /// Absolute directory (the pom's `directory`, resolved against the project dir).
    pub directory: PathBuf,
    /// The directory as written in the pom, for messages.
    pub declared_directory: String,
    pub includes: Vec<String>,
    pub excludes: Vec<String>,
    pub target_path: Option<String>,
    pub filtering: bool,
    /// Where the `<resource>` element is; `None` for Maven's implicit default.
    pub location: Option<SourceLocation>,
}

/// The effective project model stormpack builds from.
#[derive(Debug, Clone)]
pub struct MavenProject {
    pub project_dir: PathBuf,
    pub pom_path: PathBuf,
    /// The pom.xml bytes as on disk (shipped as META-INF/maven/<g>/<a>/pom.xml).
    pub pom_bytes: Vec<u8>,
    pub group_id: String,
    pub artifact_id: String,
    pub version: String,
    pub packaging: String,
    /// `<build><finalName>` or `artifactId-version`.
    pub final_name: String,
    /// `<build><directory>` (absolute) or `<project>/target`.
    pub build_directory: PathBuf,
    /// `project.build.outputTimestamp`, as written.
    pub output_timestamp: Option<String>,
    pub resources: Vec<ResourceDecl>,
    /// Every property a `${...}` can name in resource filtering: `<properties>` (own and
    /// inherited), `project.*`, `pom.*`, `basedir`, `project.basedir`, ...
    pub properties: BTreeMap<String, String>,
    pub dependencies: Vec<Dependency>,
    /// The effective `<dependencyManagement>` (parents merged, BOM imports expanded).
    pub dependency_management: Vec<Dependency>,
    pub repositories: Vec<RemoteRepository>,
    /// `mainClass` of a maven-shade-plugin ManifestResourceTransformer, if the pom declares one.
    pub shade_main_class: Option<String>,
}

/// Read and resolve `<dir>/pom.xml`. Parents come from `relativePath` or the repository.
pub fn load_project(dir: &Path, repos: &RepositorySystem) -> anyhow::Result<MavenProject> {
    let _ = (dir, repos);
    anyhow::bail!("pom.xml loading is not implemented yet")
}
