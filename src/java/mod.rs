//! The project's Java sources, compiled as `mvn compile` does and tested as `mvn package` does:
//! `jdk` (which javac), `options` (javac options from the pom as maven-compiler-plugin reads
//! them), `javac` (invocation and diagnostics), `fingerprint` (javac skipped when nothing
//! changed), `compile` (one source set), `junit` (test compile, JUnit Platform run, surefire XML).
//! This module stages the compiled classes; the jar writer puts them where `mvn package` does.

pub mod compile;
pub mod fingerprint;
pub mod javac;
pub mod jdk;
pub mod junit;
pub mod options;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::maven::pom::Element;
use crate::maven::repository::RepositorySystem;
use crate::maven::resolve::{Resolution, ResolveRequest};
use crate::maven::{Artifact, Scope};
use crate::staging::{EntrySource, StagedEntry, Staging};
pub use compile::{Compiled, SourceSet};
pub use jdk::Jdk;
pub use options::CompilerOptions;

/// Where `stormpack verify`'s rebuild puts its classes and javac state (instead of `target/`).
pub const JAVA_OUTPUT_ENV: &str = "STORMPACK_JAVA_OUTPUT";

/// The Java half of a build plan.
#[derive(Debug, Clone, Serialize)]
pub struct JavaPlan {
    /// `<build><sourceDirectory>` (default `src/main/java`), absolute.
    pub source_dir: PathBuf,
    /// `<build><testSourceDirectory>` (default `src/test/java`), absolute.
    pub test_source_dir: PathBuf,
    /// `target/classes`.
    pub classes_dir: PathBuf,
    /// `target/test-classes`.
    pub test_classes_dir: PathBuf,
    /// `target/`.
    pub build_dir: PathBuf,
    pub project_dir: PathBuf,
    pub options: CompilerOptions,
}

/// What the Java compile of a build did (in `build --json`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JavaOutcome {
    /// The JDK that compiled the classes (`17.0.15`).
    pub jdk_version: String,
    /// Its feature release, recorded in the manifest as `Build-Jdk-Spec` (maven-archiver).
    pub build_jdk_spec: String,
    pub sources: usize,
    pub classes: usize,
    /// javac was not started: sources, class path, options and JDK were unchanged.
    pub fresh: bool,
}

impl JavaPlan {
    /// The Java sources of a Maven project: directories from the pom's `<build>` and options
    /// from its maven-compiler-plugin configuration.
    /// `build_lineage`: the `<build>` elements of the pom and its parents, nearest first.
    pub fn from_pom(
        project_dir: &Path,
        build_dir: &Path,
        build_lineage: &[(PathBuf, Element)],
        properties: &std::collections::BTreeMap<String, String>,
    ) -> JavaPlan {
        // Inherited like any <build> setting: the nearest pom that declares it.
        let dir = |name: &str, default: &str| {
            let declared = build_lineage
                .iter()
                .find_map(|(_, build)| build.child(name))
                .map(|e| options::interpolate(&e.text, properties))
                .filter(|d| !d.trim().is_empty())
                .unwrap_or_else(|| default.to_string());
            absolute(project_dir, &declared)
        };
        JavaPlan {
            source_dir: dir("sourceDirectory", "src/main/java"),
            test_source_dir: dir("testSourceDirectory", "src/test/java"),
            classes_dir: build_dir.join("classes"),
            test_classes_dir: build_dir.join("test-classes"),
            build_dir: build_dir.to_path_buf(),
            project_dir: project_dir.to_path_buf(),
            options: CompilerOptions::from_lineage(build_lineage, properties),
        }
    }

    /// A Rust-first project's `java-sources` directory (tests under `src/test/java`).
    pub fn from_dir(
        project_dir: &Path,
        build_dir: &Path,
        sources: &Path,
        declared_at: &str,
    ) -> JavaPlan {
        JavaPlan {
            source_dir: absolute(project_dir, &sources.to_string_lossy()),
            test_source_dir: project_dir.join("src/test/java"),
            classes_dir: build_dir.join("classes"),
            test_classes_dir: build_dir.join("test-classes"),
            build_dir: build_dir.to_path_buf(),
            project_dir: project_dir.to_path_buf(),
            options: CompilerOptions::defaults(declared_at),
        }
    }

    /// Compile into `dir` (classes, test classes, javac state) instead of the build directory.
    pub fn relocate(&mut self, dir: &Path) {
        self.build_dir = dir.to_path_buf();
        self.classes_dir = dir.join("classes");
        self.test_classes_dir = dir.join("test-classes");
    }

    /// Whether there is anything to compile.
    pub fn has_sources(&self) -> bool {
        compile::java_sources(std::slice::from_ref(&self.source_dir)).is_ok_and(|s| !s.is_empty())
    }

    /// Whether there are tests (`stormpack build` says it does not run them).
    pub fn has_tests(&self) -> bool {
        compile::java_sources(std::slice::from_ref(&self.test_source_dir))
            .is_ok_and(|s| !s.is_empty())
    }

    fn state_dir(&self) -> PathBuf {
        self.build_dir.join("stormpack")
    }

    /// The JDK, checked against the release the project asks for.
    pub fn jdk(&self, test: bool) -> anyhow::Result<Jdk> {
        let wanted = self.options.required_feature(test).unwrap_or(17);
        let jdk = jdk::find_from_env(wanted)?;
        jdk.require(wanted, &self.options.declared_at)?;
        Ok(jdk)
    }

    /// `-processorpath` from `annotationProcessorPaths` (resolved with their dependencies).
    fn processor_path(
        &self,
        request: &ResolveRequest,
        repos: &RepositorySystem,
    ) -> anyhow::Result<Option<Vec<PathBuf>>> {
        if self.options.processor_paths.is_empty() {
            return Ok(None);
        }
        let processors = ResolveRequest {
            root: Artifact::new("stormpack.internal", "annotation-processors", "0"),
            dependencies: self.options.processor_dependencies()?,
            dependency_management: request.dependency_management.clone(),
            repositories: request.repositories.clone(),
        };
        let resolved = crate::maven::resolve::resolve(&processors, repos).map_err(|e| {
            e.context(format!(
                "cannot resolve the annotationProcessorPaths declared at {}",
                self.options.declared_at
            ))
        })?;
        Ok(Some(
            resolved.artifacts.iter().map(|a| a.file.clone()).collect(),
        ))
    }

    /// Compile the main sources into `target/classes` (javac skipped when nothing changed);
    /// `Ok(None)` when there are none.
    pub fn compile_main(
        &self,
        resolution: &Resolution,
        request: &ResolveRequest,
        repos: &RepositorySystem,
    ) -> anyhow::Result<Option<(Compiled, Jdk)>> {
        if !self.has_sources() {
            return Ok(None);
        }
        let jdk = self.jdk(false)?;
        let set = SourceSet {
            label: "main",
            source_dirs: vec![self.source_dir.clone()],
            classpath: compile_classpath(resolution),
            processor_path: self.processor_path(request, repos)?,
            options: self.options.javac_args(false),
            output: self.classes_dir.clone(),
            generated: self.build_dir.join("generated-sources/annotations"),
            state_dir: self.state_dir(),
            project_dir: self.project_dir.clone(),
        };
        Ok(compile::compile(&set, &jdk)?.map(|c| (c, jdk)))
    }

    /// Compile the test sources into `target/test-classes` against the main classes and every
    /// resolved dependency (test scope included).
    pub fn compile_tests(
        &self,
        resolution: &Resolution,
        request: &ResolveRequest,
        repos: &RepositorySystem,
        jdk: &Jdk,
    ) -> anyhow::Result<Option<Compiled>> {
        let mut classpath = Vec::new();
        if self.classes_dir.is_dir() {
            classpath.push(self.classes_dir.clone());
        }
        classpath.extend(test_classpath(resolution));
        let set = SourceSet {
            label: "test",
            source_dirs: vec![self.test_source_dir.clone()],
            classpath,
            processor_path: self.processor_path(request, repos)?,
            options: self.options.javac_args(true),
            output: self.test_classes_dir.clone(),
            generated: self
                .build_dir
                .join("generated-test-sources/test-annotations"),
            state_dir: self.state_dir(),
            project_dir: self.project_dir.clone(),
        };
        compile::compile(&set, jdk)
    }

    /// Stage the files javac (and annotation processors) wrote to `target/classes`, at the same
    /// path `mvn package` gives them in the jar; returns how many.
    pub fn stage_classes(
        &self,
        compiled: &Compiled,
        staging: &mut Staging,
    ) -> anyhow::Result<usize> {
        let shown = self
            .classes_dir
            .strip_prefix(&self.project_dir)
            .unwrap_or(&self.classes_dir)
            .display()
            .to_string();
        for rel in &compiled.outputs {
            staging.add(StagedEntry {
                origin: format!("{shown}/{rel} (compiled by javac)"),
                path: rel.clone(),
                source: EntrySource::File(self.classes_dir.join(rel)),
                executable: false,
            })?;
        }
        Ok(compiled.outputs.len())
    }
}

/// `mvn compile`'s class path: compile, provided and system dependencies, in resolution order.
pub fn compile_classpath(resolution: &Resolution) -> Vec<PathBuf> {
    resolution
        .artifacts
        .iter()
        .filter(|a| matches!(a.scope, Scope::Compile | Scope::Provided | Scope::System))
        .filter(|a| on_classpath(&a.artifact))
        .map(|a| a.file.clone())
        .collect()
}

/// `mvn test`'s class path (after the test and main classes): every resolved dependency.
pub fn test_classpath(resolution: &Resolution) -> Vec<PathBuf> {
    resolution
        .artifacts
        .iter()
        .filter(|a| on_classpath(&a.artifact))
        .map(|a| a.file.clone())
        .collect()
}

fn on_classpath(a: &Artifact) -> bool {
    a.extension() == "jar"
}

fn absolute(base: &Path, p: &str) -> PathBuf {
    let p = Path::new(p);
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        base.join(p)
    }
}
