//! `[package.metadata.stormpack]` in Cargo.toml, read through `cargo metadata`:
//!
//! ```toml
//! [package.metadata.stormpack]
//! group-id = "com.example"
//! artifact-id = "WordCount"            # default: the package name
//! version = "1.0-SNAPSHOT"             # default: the package version
//! topology = "topology.yaml"           # stored at the jar root
//! resources = ["log4j2.xml"]           # files or globs, stored at the jar root (relative path kept)
//! storm-version = "2.8.3"
//! components = ["sentence-spout", "split-bolt", "count-bolt"]   # bins; default: every bin
//! targets = ["x86_64-unknown-linux-musl"]
//! dependencies = ["org.apache.storm:flux-core:2.8.3"]           # default: flux-core + flux-wrappers
//! ```

use std::path::{Path, PathBuf};

/// The Rust side of a project.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RustManifest {
    pub manifest_path: PathBuf,
    pub package_name: String,
    pub package_version: String,
    pub group_id: String,
    pub artifact_id: String,
    pub version: String,
    /// Relative to the project directory.
    pub topology: PathBuf,
    /// Relative file paths or globs.
    pub resources: Vec<String>,
    pub storm_version: String,
    /// Binary target names that are Storm components.
    pub components: Vec<String>,
    pub targets: Vec<String>,
    /// `group:artifact:version[:scope]` coordinates to shade.
    pub dependencies: Vec<String>,
}

/// `Ok(None)` when `dir` has no Cargo.toml or it has no `[package.metadata.stormpack]`.
pub fn load(dir: &Path) -> anyhow::Result<Option<RustManifest>> {
    if !dir.join("Cargo.toml").is_file() {
        return Ok(None);
    }
    anyhow::bail!("Rust-first projects are not implemented yet")
}
