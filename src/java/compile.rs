//! One compile of a source set (main or test): list the `.java` files, skip javac when the
//! fingerprint is unchanged, else run javac into a fresh directory and swap it in for the
//! output directory only when javac succeeded (a failed compile leaves the previous classes and
//! fingerprint as they were).

use std::path::{Path, PathBuf};

use anyhow::Context;
use walkdir::WalkDir;

use super::fingerprint::{self, Fingerprint};
use super::javac::{self, Invocation};
use super::jdk::Jdk;

/// One source set to compile.
#[derive(Debug, Clone)]
pub struct SourceSet {
    /// `main` or `test`, for messages and file names.
    pub label: &'static str,
    pub source_dirs: Vec<PathBuf>,
    /// The class path, in order (the output directory is put first by the compile).
    pub classpath: Vec<PathBuf>,
    /// `-processorpath` entries (`None`: javac looks for processors on the class path).
    pub processor_path: Option<Vec<PathBuf>>,
    /// Options from [`super::options::CompilerOptions::javac_args`].
    pub options: Vec<String>,
    /// `target/classes` or `target/test-classes`.
    pub output: PathBuf,
    /// Where annotation processors write sources (`-s`).
    pub generated: PathBuf,
    /// The build directory's `stormpack/` directory (fingerprints, argument files).
    pub state_dir: PathBuf,
    pub project_dir: PathBuf,
}

/// The outcome of a compile.
#[derive(Debug, Clone)]
pub struct Compiled {
    pub sources: usize,
    /// javac was not started: nothing changed since the last compile.
    pub fresh: bool,
    pub warnings: usize,
    pub fingerprint: Fingerprint,
    /// The files javac (and annotation processors) wrote, relative to the output directory,
    /// sorted: what goes into the jar (other files there, such as resources `mvn` copied, do not).
    pub outputs: Vec<String>,
}

/// Every `.java` file under `dirs`, sorted (absolute paths).
pub fn java_sources(dirs: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for dir in dirs.iter().filter(|d| d.is_dir()) {
        for entry in WalkDir::new(dir).sort_by_file_name().follow_links(true) {
            let entry =
                entry.with_context(|| format!("cannot read the sources in {}", dir.display()))?;
            if entry.file_type().is_file() && entry.path().extension().is_some_and(|e| e == "java")
            {
                files.push(entry.into_path());
            }
        }
    }
    files.sort();
    Ok(files)
}

fn join_paths(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(":")
}

/// Compile `set` with `jdk`; `Ok(None)` when it has no sources.
pub fn compile(set: &SourceSet, jdk: &Jdk) -> anyhow::Result<Option<Compiled>> {
    let sources = java_sources(&set.source_dirs)?;
    if sources.is_empty() {
        return Ok(None);
    }
    let mut args = set.options.clone();
    if let Some(path) = &set.processor_path {
        args.push("-processorpath".to_string());
        args.push(join_paths(path));
    }
    let fp = Fingerprint {
        jdk: format!("{} {}", jdk.javac.display(), jdk.version),
        args: args.clone(),
        classpath: set.classpath.clone(),
        sources: sources.clone(),
    };
    let digest = fp.digest()?;
    let stamp = set.state_dir.join(format!("javac-{}.sha256", set.label));
    if let Some(outputs) = fingerprint::fresh_outputs(&stamp, &digest, &set.output) {
        return Ok(Some(Compiled {
            sources: sources.len(),
            fresh: true,
            warnings: 0,
            fingerprint: fp,
            outputs,
        }));
    }

    let parent = set
        .output
        .parent()
        .context("the class output directory has no parent")?;
    fs_err::create_dir_all(parent)?;
    let fresh_out = tempfile::Builder::new()
        .prefix(&format!(".stormpack-{}-classes-", set.label))
        .tempdir_in(parent)?;
    if set.generated.exists() {
        fs_err::remove_dir_all(&set.generated)?;
    }
    fs_err::create_dir_all(&set.generated)?;
    let full = javac_args(set, fresh_out.path(), args, &sources);
    let report = javac::run(&Invocation {
        javac: jdk.javac.clone(),
        args: full,
        argfile: set.state_dir.join(format!("javac-{}.args", set.label)),
        project_dir: set.project_dir.clone(),
    })?;
    if !report.rendered.trim().is_empty() {
        crate::report::notify(crate::report::Event::ToolOutput(report.rendered.clone()));
    }
    if !report.success {
        anyhow::bail!(crate::error::Diagnostic::new(format!(
            "javac found {} error(s) in the {} sources (listed above)",
            report.errors, set.label
        ))
        .fix("correct the sources; nothing was replaced (the previous classes and jar are as they were)"));
    }
    // Swap the new classes in.
    if set.output.exists() {
        fs_err::remove_dir_all(&set.output)?;
    }
    let kept = fresh_out.keep();
    fs_err::rename(&kept, &set.output)?;
    let outputs = fingerprint::store(&stamp, &digest, &set.output)?;
    Ok(Some(Compiled {
        sources: sources.len(),
        fresh: false,
        warnings: report.warnings,
        fingerprint: fp,
        outputs,
    }))
}

/// javac's command line: output and generated-source directories, class path, source path,
/// then the options and the sources.
fn javac_args(set: &SourceSet, out: &Path, args: Vec<String>, sources: &[PathBuf]) -> Vec<String> {
    let mut full = vec![
        "-d".to_string(),
        out.to_string_lossy().into_owned(),
        "-classpath".to_string(),
        // Maven puts the output directory first; the whole set is compiled at once here, so it
        // is left out: a class whose source was deleted must not satisfy a reference.
        join_paths(&set.classpath),
        "-sourcepath".to_string(),
        join_paths(
            &set.source_dirs
                .iter()
                .cloned()
                .chain(std::iter::once(set.generated.clone()))
                .collect::<Vec<_>>(),
        ),
        "-s".to_string(),
        set.generated.to_string_lossy().into_owned(),
    ];
    full.extend(args);
    full.extend(sources.iter().map(|s| s.to_string_lossy().into_owned()));
    full
}
