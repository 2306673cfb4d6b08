//! The project manifest: a Maven `pom.xml`, or a Rust-first `Cargo.toml` with
//! `[package.metadata.stormpack]` (read through `cargo metadata`). A Rust-first project may also
//! have a pom.xml; then the pom supplies coordinates, resources and dependencies, and Cargo.toml
//! the components. [`Project::load`] reads whichever the directory has, with the Maven
//! repositories the environment configures (a parent pom may need downloading).

pub mod rust;

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};

use crate::error::Diagnostic;
use crate::maven::project::MavenProject;
use crate::maven::repository::RepositorySystem;

/// Where the project is and how its dependencies are found (every project command has these).
#[derive(Debug, Clone, Default)]
pub struct ProjectOptions {
    /// The project directory (holding pom.xml or Cargo.toml).
    pub project: PathBuf,
    /// Use only the local Maven repository (settings.xml `<offline>true</offline>` also does).
    pub offline: bool,
    /// Fail if dependency resolution would change stormpack.lock.
    pub locked: bool,
    /// The local Maven repository (default: settings.xml's localRepository, else ~/.m2/repository).
    pub maven_repo_local: Option<PathBuf>,
    /// A Maven settings.xml to use instead of ~/.m2/settings.xml.
    pub settings: Option<PathBuf>,
    /// User properties (`-Dkey=value`): profile activation and interpolation, as Maven's.
    pub properties: std::collections::BTreeMap<String, String>,
}

/// A loaded project: its directory, its manifests, and the repositories to resolve against.
#[derive(Debug, Clone)]
pub struct Project {
    pub(crate) dir: PathBuf,
    pub(crate) repos: RepositorySystem,
    pub(crate) rust: Option<rust::RustManifest>,
    pub(crate) pom: Option<MavenProject>,
    pub(crate) locked: bool,
}

impl Project {
    /// Read the manifest(s) in `options.project`.
    pub fn load(options: &ProjectOptions) -> anyhow::Result<Project> {
        let dir = fs_err::canonicalize(&options.project).with_context(|| {
            Diagnostic::new(format!(
                "project directory {} not found",
                options.project.display()
            ))
            .fix("pass --project <dir> pointing at a directory with pom.xml or Cargo.toml")
        })?;
        let mut repos = RepositorySystem::from_environment(
            options.maven_repo_local.as_deref(),
            options.settings.as_deref(),
            options.offline,
        )?;
        repos.user_properties.clone_from(&options.properties);
        let rust = rust::load(&dir)?;
        // A pom.xml that is there but not a regular file (a FIFO) is named by load_project,
        // not reported as missing.
        let pom = if dir.join("pom.xml").exists() {
            Some(crate::maven::project::load_project(&dir, &repos)?)
        } else {
            None
        };
        if rust.is_none() && pom.is_none() {
            bail!(Diagnostic::new(format!(
                "no pom.xml in {}, and no Cargo.toml with [package.metadata.stormpack]",
                dir.display()
            ))
            .fix(
                "run stormpack in a Maven project (pom.xml), or add [package.metadata.stormpack] \
                 to Cargo.toml (see examples/wordcount)"
            ));
        }
        Ok(Project {
            dir,
            repos,
            rust,
            pom,
            locked: options.locked,
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Offline mode, from the options or settings.xml's `<offline>`.
    pub fn offline(&self) -> bool {
        self.repos.offline
    }
}
