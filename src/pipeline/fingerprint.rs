//! The whole-build fingerprint: a record, beside the jar (`<jar dir>/.stormpack-build.json`), of
//! every input a build read and of what it wrote, so that the next build with nothing changed
//! does nothing.
//!
//! The inputs: every file opened through [`crate::fsread`] during the build (the pom and its
//! parents, settings.xml, the lockfile, resources, topology files and their includes, the
//! dependency jars), the Java sources, the files cargo's dep-info lists for each component
//! binary (Rust sources, path dependencies' and registry crates' sources) with the Cargo
//! manifests, `.cargo/config`s and `rust-toolchain` files around them, the toolchains (`javac`,
//! `java`, the Rust sysroot's `rustc`), the listing of the project directory (a new file may be
//! a new resource or source), and a key over stormpack's own version and binary, the caller's
//! options, the working directory and the environment variables that can change the output
//! (`SOURCE_DATE_EPOCH`, `PATH`, `JAVA_HOME`, `STORMPACK_*`, `CARGO*`, `RUST*`, `MAVEN*`, ...,
//! and every `${env.X}` / `${ENV-X}` the recorded files mention).
//!
//! A file is unchanged when its size and modification time are those recorded and that time
//! is older than the build's start (else its content is hashed again and compared: a touched
//! file with the same bytes stays up to date). The record is valid only while the jar (same
//! digest) and its `.sha256` are still there; anything else means a full build, which writes a
//! new record. An input that changed while the build ran leaves no record.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::Metadata;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::BuildOutcome;
use crate::cargo_build::BuiltBinary;
use crate::plan::{BuildOptions, BuildPlan};

/// The record's file name, in the jar's directory.
pub const RECORD_NAME: &str = ".stormpack-build.json";

/// The record's format; another value means "build".
const FORMAT: &str = "stormpack-build-fingerprint-1";

/// Files up to this size have their SHA-256 recorded (a touched one is then compared by
/// content); larger ones only when they changed during the build's first seconds.
const HASH_LIMIT: u64 = 1 << 20;

/// A file modified less than this before the build started is compared by content: its
/// modification time alone cannot tell a later write in the same clock tick.
const RACY_NS: u128 = 2_000_000_000;

/// Environment variables that can change a build's output (with [`ENV_PREFIXES`]).
const ENV_NAMES: &[&str] = &[
    "SOURCE_DATE_EPOCH",
    "PATH",
    "HOME",
    "M2_HOME",
    "CC",
    "CXX",
    "AR",
    "CFLAGS",
    "LDFLAGS",
    // The JVM's default charset follows the locale (a NOTICE merged without <encoding>).
    "LANG",
    "LC_ALL",
    "LC_CTYPE",
];
const ENV_PREFIXES: &[&str] = &[
    "STORMPACK_",
    "CARGO",
    "RUST",
    "MAVEN",
    "JAVA",
    "JDK_",
    "_JAVA",
    "CC_",
    "CFLAGS_",
    "TARGET_",
];

#[derive(Debug, Serialize, Deserialize)]
struct Record {
    format: String,
    key: String,
    /// Variables the recorded files mention (`${env.X}`, `${ENV-X}`), part of the key.
    env_names: BTreeSet<String>,
    /// When the build started (ns since the epoch).
    started_at: u128,
    files: Vec<FileInput>,
    dirs: Vec<DirInput>,
    /// Directories left out of the listings (the output directories).
    skip: Vec<PathBuf>,
    jar: PathBuf,
    jar_size: u64,
    jar_mtime: u128,
    sidecar: PathBuf,
    sidecar_text: String,
    outcome: BuildOutcome,
}

#[derive(Debug, Serialize, Deserialize)]
struct FileInput {
    path: PathBuf,
    /// Size and modification time; `None`: the file did not exist (and must not).
    stat: Option<(u64, u128)>,
    sha256: Option<String>,
    /// Written by the build itself (cargo's binaries): size and time decide alone.
    #[serde(default)]
    output: bool,
}

#[derive(Debug, Serialize, Deserialize)]
struct DirInput {
    path: PathBuf,
    /// SHA-256 of the sorted relative paths and kinds below it.
    listing: String,
}

/// Where the record of a build with `options` is when the project keeps its jar in the usual
/// place (`--out-dir`, else `<project>/target`); `None` if the project directory is missing.
pub fn usual_record_path(options: &BuildOptions) -> Option<PathBuf> {
    let dir = match &options.out_dir {
        Some(out) => std::path::absolute(out).ok()?,
        None => std::fs::canonicalize(&options.project.project)
            .ok()?
            .join("target"),
    };
    Some(dir.join(RECORD_NAME))
}

/// The recorded outcome (with `up_to_date`) when the record at `record_path` is valid for
/// `options`: same key, every input unchanged, the jar and its `.sha256` as written.
pub fn check(record_path: &Path, options: &BuildOptions) -> Option<BuildOutcome> {
    let bytes = std::fs::read(record_path).ok()?;
    let record: Record = serde_json::from_slice(&bytes).ok()?;
    if record.format != FORMAT || record.key != key(options, &record.env_names) {
        return None;
    }
    let jar = std::fs::metadata(&record.jar).ok()?;
    if !jar.is_file() || jar.len() != record.jar_size {
        return None;
    }
    if mtime(&jar) != record.jar_mtime
        && crate::digest::sha256_uncached(&record.jar).ok()? != record.outcome.sha256
    {
        return None;
    }
    if std::fs::read_to_string(&record.sidecar).ok()? != record.sidecar_text {
        return None;
    }
    // The other jars the build wrote (the thin main jar beside an uber jar) are still there.
    if !record.outcome.jars.iter().all(|j| j.path.is_file()) {
        return None;
    }
    if !record.files.iter().all(|f| f.unchanged(record.started_at)) {
        return None;
    }
    if !record
        .dirs
        .iter()
        .all(|d| listing(&d.path, &record.skip).is_some_and(|l| l == d.listing))
    {
        return None;
    }
    let mut outcome = record.outcome;
    outcome.up_to_date = true;
    if let Some(java) = outcome.java.as_mut() {
        java.fresh = true; // javac was not started
    }
    Some(outcome)
}

impl FileInput {
    fn unchanged(&self, started_at: u128) -> bool {
        match (std::fs::metadata(&self.path), self.stat) {
            (Err(e), None) => e.kind() == std::io::ErrorKind::NotFound,
            (Ok(meta), Some((size, time))) => {
                if meta.len() != size {
                    return false;
                }
                if mtime(&meta) == time && (self.output || time + RACY_NS < started_at) {
                    return true;
                }
                match &self.sha256 {
                    Some(digest) => {
                        meta.is_file() && sha256(&self.path).is_some_and(|d| &d == digest)
                    }
                    None => false,
                }
            }
            _ => false,
        }
    }
}

/// What the build knew that the fingerprint needs beyond the plan and the outcome.
#[derive(Default)]
pub(super) struct Extra {
    pub jdk: Option<crate::java::Jdk>,
    pub binaries: Vec<BuiltBinary>,
}

/// Write the record of a build that just succeeded. `opened`: the files [`crate::fsread`]
/// recorded (with their metadata when first opened); `started_at`: ns since the epoch.
pub(super) fn record(
    plan: &BuildPlan,
    options: &BuildOptions,
    outcome: &BuildOutcome,
    opened: BTreeMap<PathBuf, Metadata>,
    extra: &Extra,
    started_at: u128,
) -> anyhow::Result<()> {
    let record_path = super::jar_dir(plan).join(RECORD_NAME);
    // Never leave an older record claiming this jar is up to date.
    let _ = std::fs::remove_file(&record_path);
    let mut inputs = Inputs::new(started_at);
    inputs.local_repo = Some(plan.repos.local.clone());
    if !opened_unchanged(plan, &opened, &mut inputs) {
        // Changed while the build ran: the jar may hold either version. No record.
        return Ok(());
    }
    let dirs = other_inputs(plan, extra, &mut inputs);
    let skip = [plan.output_dir.clone(), super::jar_dir(plan).to_path_buf()];
    let dir_inputs = dir_inputs(plan, dirs, &skip, &mut inputs);
    let jar = std::fs::metadata(&plan.jar)?;
    let name = plan
        .jar
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let sidecar = super::jar_dir(plan).join(format!("{name}.sha256"));
    let mut outcome = outcome.clone();
    outcome.up_to_date = false;
    let record = Record {
        format: FORMAT.into(),
        key: key(options, &inputs.env_names),
        env_names: inputs.env_names,
        started_at,
        files: inputs.files.into_values().collect(),
        dirs: dir_inputs,
        skip: skip.to_vec(),
        jar: std::path::absolute(&plan.jar)?,
        jar_size: jar.len(),
        jar_mtime: mtime(&jar),
        sidecar_text: format!("{}  {name}\n", outcome.sha256),
        sidecar: std::path::absolute(&sidecar)?,
        outcome,
    };
    write_record(&record_path, &record)
}

/// Add the files the build opened; `false` when one of them (but the lockfile, which the
/// build writes) changed while the build ran.
fn opened_unchanged(
    plan: &BuildPlan,
    opened: &BTreeMap<PathBuf, Metadata>,
    inputs: &mut Inputs,
) -> bool {
    for (path, then) in opened {
        if path.starts_with(&plan.output_dir) && !path.is_file() {
            continue; // the build's own temporaries (the jar before its rename)
        }
        let now = std::fs::metadata(path).ok();
        let same = now
            .as_ref()
            .is_some_and(|m| m.len() == then.len() && mtime(m) == mtime(then));
        if !same && path != &plan.lockfile {
            return false;
        }
        inputs.file(path, false);
    }
    true
}

/// Add what the build may read without opening it through [`crate::fsread`]: the manifests and
/// settings that could appear, storm-client, java/javac, the Java sources and the Rust side.
/// Returns the directories whose listing matters.
fn other_inputs(plan: &BuildPlan, extra: &Extra, inputs: &mut Inputs) -> Vec<PathBuf> {
    for probe in [
        plan.project_dir.join("pom.xml"),
        plan.project_dir.join("Cargo.toml"),
        plan.lockfile.clone(),
    ] {
        inputs.file(&probe, false);
    }
    if let Some(home) = std::env::var_os("HOME") {
        inputs.file(&Path::new(&home).join(".m2/settings.xml"), false);
    }
    // The topology check reads storm-client from the local repository when it is there.
    inputs.file(
        &crate::storm::storm_client_jar(&plan.local_repository, &plan.storm_version),
        false,
    );
    // The JVM's properties: profile activation (PATH's java) and Build-Jdk-Spec (mvn's java).
    for path in [std::env::var_os("PATH"), crate::jvm::maven_java_path()] {
        if let Some(java) = crate::jvm::find_java(path.as_deref()) {
            inputs.file(&java, false);
        }
    }
    let mut dirs = vec![plan.project_dir.clone()];
    if let Some(java) = &plan.java {
        inputs.tree(&java.source_dir);
        dirs.push(java.source_dir.clone());
    }
    if let Some(jdk) = &extra.jdk {
        inputs.file(&jdk.javac, false);
        inputs.file(&jdk.home.join("release"), false);
    }
    for set in &plan.resources {
        dirs.push(set.directory.clone());
    }
    if let Some(rust) = &plan.rust {
        rust_inputs(rust, &extra.binaries, inputs);
    }
    dirs
}

/// The listings of `dirs` outside the project (and the project's own), and of javac's output.
fn dir_inputs(
    plan: &BuildPlan,
    mut dirs: Vec<PathBuf>,
    skip: &[PathBuf],
    inputs: &mut Inputs,
) -> Vec<DirInput> {
    // Directories inside the project are in its listing already.
    dirs.sort();
    dirs.dedup();
    let outside: Vec<PathBuf> = dirs
        .iter()
        .filter(|d| *d == &plan.project_dir || !d.starts_with(&plan.project_dir))
        .cloned()
        .collect();
    let mut dir_inputs = Vec::new();
    let mut listed = outside;
    if let Some(java) = &plan.java {
        // javac's output (`target/classes`) is kept as the build left it.
        inputs.tree(&java.classes_dir);
        listed.push(java.classes_dir.clone());
    }
    for dir in listed {
        if let Some(l) = listing(&dir, skip) {
            dir_inputs.push(DirInput {
                path: dir,
                listing: l,
            });
        }
    }
    dir_inputs
}

/// Renamed into place: a reader sees a whole record or none. A build killed here leaves the
/// temporary, which the next record overwrites.
fn write_record(record_path: &Path, record: &Record) -> anyhow::Result<()> {
    let mut tmp_name = record_path.to_path_buf().into_os_string();
    tmp_name.push(".tmp");
    let tmp = PathBuf::from(tmp_name);
    let mut file = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
    serde_json::to_writer(&mut file, record)?;
    file.flush()?;
    drop(file);
    std::fs::rename(&tmp, record_path)?;
    Ok(())
}

/// The Rust side: each binary as cargo wrote it and its snapshot, every file cargo's dep-info
/// lists for it, the Cargo manifests of the crates those files belong to, cargo's and rustup's
/// configuration around the project, and the toolchain's `rustc`.
fn rust_inputs(rust: &crate::plan::RustPlan, binaries: &[BuiltBinary], inputs: &mut Inputs) {
    let manifest = &rust.manifest;
    let mut crate_dirs = BTreeSet::new();
    for bin in binaries {
        inputs.file(&bin.path, true);
        let built = manifest
            .target_directory
            .join(&bin.target)
            .join("release")
            .join(&bin.component);
        inputs.file(&built, true);
        let mut dep_info = built.into_os_string();
        dep_info.push(".d");
        // Not the dep-info file itself: cargo rewrites it on every run, even a no-op.
        let dep_info = PathBuf::from(dep_info);
        for dep in dep_info_files(&dep_info) {
            inputs.file(&dep, false);
            if let Some(dir) = dep.parent() {
                crate_dirs.insert(dir.to_path_buf());
            }
        }
    }
    // The nearest Cargo.toml above each source: its crate's manifest.
    let mut seen = BTreeSet::new();
    for dir in crate_dirs {
        for ancestor in dir.ancestors() {
            if !seen.insert(ancestor.to_path_buf()) {
                break;
            }
            let toml = ancestor.join("Cargo.toml");
            if toml.is_file() {
                inputs.file(&toml, false);
                break;
            }
        }
    }
    for ancestor in manifest.project_dir.ancestors() {
        for name in [
            "Cargo.toml",
            "Cargo.lock",
            ".cargo/config",
            ".cargo/config.toml",
            "rust-toolchain",
            "rust-toolchain.toml",
        ] {
            inputs.file(&ancestor.join(name), false);
        }
    }
    if let Some(home) = std::env::var_os("HOME") {
        let home = Path::new(&home);
        for name in [
            ".cargo/config",
            ".cargo/config.toml",
            ".rustup/settings.toml",
        ] {
            inputs.file(&home.join(name), false);
        }
    }
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    if let Ok(out) = std::process::Command::new(rustc)
        .current_dir(&manifest.project_dir)
        .args(["--print", "sysroot"])
        .stderr(std::process::Stdio::null())
        .output()
    {
        let sysroot = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if out.status.success() && sysroot.is_absolute() {
            inputs.file(&sysroot.join("bin/rustc"), false);
            inputs.file(&sysroot.join("lib"), false);
        }
    }
}

/// The prerequisites in a Makefile-style dep-info file (`target: dep dep ...`, spaces escaped
/// with a backslash).
fn dep_info_files(path: &Path) -> Vec<PathBuf> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return Vec::new();
    };
    let mut files = Vec::new();
    for line in text.lines() {
        let Some(pos) = line.find(": ") else { continue };
        let mut current = String::new();
        let mut chars = line[pos + 2..].chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\\' if chars.peek().is_some() => {
                    if let Some(next) = chars.next() {
                        current.push(next);
                    }
                }
                ' ' => {
                    if !current.is_empty() {
                        files.push(PathBuf::from(std::mem::take(&mut current)));
                    }
                }
                c => current.push(c),
            }
        }
        if !current.is_empty() {
            files.push(PathBuf::from(current));
        }
    }
    files
}

/// The recorded files, by absolute path, and the environment variables they mention.
struct Inputs {
    files: BTreeMap<PathBuf, FileInput>,
    /// The local Maven repository (its files' digests come from [`crate::digest`]).
    local_repo: Option<PathBuf>,
    env_names: BTreeSet<String>,
    started_at: u128,
}

impl Inputs {
    fn new(started_at: u128) -> Self {
        Inputs {
            files: BTreeMap::new(),
            local_repo: None,
            env_names: BTreeSet::new(),
            started_at,
        }
    }

    fn file(&mut self, path: &Path, output: bool) {
        let path = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        if self.files.contains_key(&path) {
            return;
        }
        let meta = std::fs::metadata(&path).ok();
        let stat = meta.as_ref().map(|m| (m.len(), mtime(m)));
        let racy = stat.is_some_and(|(_, t)| t + RACY_NS >= self.started_at);
        let sha256 = match &meta {
            Some(m) if m.is_file() && !output && (m.len() <= HASH_LIMIT || racy) => {
                if self
                    .local_repo
                    .as_ref()
                    .is_some_and(|r| path.starts_with(r))
                {
                    // The dependencies: digests remembered across builds, no `${env.}` scan.
                    crate::digest::sha256_file(&path).ok()
                } else {
                    self.read_and_hash(&path)
                }
            }
            _ => None,
        };
        self.files.insert(
            path.clone(),
            FileInput {
                path,
                stat,
                sha256,
                output,
            },
        );
    }

    /// The file's digest, noting the environment variables its text mentions.
    fn read_and_hash(&mut self, path: &Path) -> Option<String> {
        let bytes = std::fs::read(path).ok()?;
        env_mentions(&bytes, &mut self.env_names);
        Some(hex::encode(Sha256::digest(&bytes)))
    }

    /// Every file below `dir`.
    fn tree(&mut self, dir: &Path) {
        for entry in walkdir::WalkDir::new(dir)
            .sort_by_file_name()
            .into_iter()
            .flatten()
        {
            if entry.file_type().is_file() {
                self.file(entry.path(), false);
            }
        }
    }
}

/// The names in `${env.NAME}` (Maven) and `${ENV-NAME}` (Flux) in `bytes`.
fn env_mentions(bytes: &[u8], names: &mut BTreeSet<String>) {
    for prefix in [&b"${env."[..], &b"${ENV-"[..]] {
        let mut rest = bytes;
        while let Some(pos) = rest.windows(prefix.len()).position(|w| w == prefix) {
            rest = &rest[pos + prefix.len()..];
            let end = rest.iter().position(|&b| b == b'}').unwrap_or(0);
            if let Ok(name) = std::str::from_utf8(&rest[..end]) {
                if !name.is_empty() && name.len() < 256 {
                    names.insert(name.to_string());
                }
            }
        }
    }
}

/// SHA-256 over the sorted relative paths and kinds of everything below `dir` (except `.git`,
/// a `target` directly inside it, and the `skip` directories); `None` when `dir` is missing.
fn listing(dir: &Path, skip: &[PathBuf]) -> Option<String> {
    if !dir.is_dir() {
        return None;
    }
    let mut h = Sha256::new();
    let walk = walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            let name = e.file_name();
            !(name == ".git"
                || (e.depth() == 1 && name == "target" && e.file_type().is_dir())
                || skip.iter().any(|s| s == e.path()))
        });
    for entry in walk {
        let entry = entry.ok()?;
        let kind = if entry.file_type().is_dir() {
            b'd'
        } else if entry.file_type().is_symlink() {
            b'l'
        } else {
            b'f'
        };
        h.update([kind]);
        h.update(entry.path().as_os_str().as_encoded_bytes());
        h.update([0]);
    }
    Some(hex::encode(h.finalize()))
}

/// Everything outside the files that decides the output: stormpack itself, the options, the
/// working directory (relative options), and the environment variables that matter.
fn key(options: &BuildOptions, env_names: &BTreeSet<String>) -> String {
    let mut h = Sha256::new();
    let mut field = |tag: &str, bytes: &[u8]| {
        h.update(tag.as_bytes());
        h.update((bytes.len() as u64).to_le_bytes());
        h.update(bytes);
    };
    field("format", FORMAT.as_bytes());
    field("version", env!("CARGO_PKG_VERSION").as_bytes());
    if let Ok(exe) = std::env::current_exe() {
        field("exe", exe.as_os_str().as_encoded_bytes());
        if let Ok(meta) = std::fs::metadata(&exe) {
            field(
                "exestat",
                format!("{} {}", meta.len(), mtime(&meta)).as_bytes(),
            );
        }
    }
    field("options", format!("{options:?}").as_bytes());
    if let Ok(cwd) = std::env::current_dir() {
        field("cwd", cwd.as_os_str().as_encoded_bytes());
    }
    let mut vars: Vec<_> = std::env::vars_os()
        .filter(|(k, _)| {
            let k = k.to_string_lossy();
            ENV_NAMES.contains(&k.as_ref())
                || ENV_PREFIXES.iter().any(|p| k.starts_with(p))
                || env_names.contains(k.as_ref())
        })
        .collect();
    vars.sort();
    for (k, v) in vars {
        field("envname", k.as_encoded_bytes());
        field("envvalue", v.as_encoded_bytes());
    }
    hex::encode(h.finalize())
}

fn sha256(path: &Path) -> Option<String> {
    crate::digest::sha256_uncached(path).ok()
}

/// A file's modification time, in ns since the epoch (0 when unknown).
pub(super) fn mtime_ns(meta: &Metadata) -> u128 {
    mtime(meta)
}

fn mtime(meta: &Metadata) -> u128 {
    meta.modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos())
}

/// Now, in ns since the epoch.
pub(super) fn now() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dep_info_prerequisites_with_escaped_spaces() {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path().join("bin.d");
        std::fs::write(
            &d,
            "/t/release/bin: /p/src/main.rs /p/my\\ dir/lib.rs\n\n/p/src/main.rs:\n",
        )
        .unwrap();
        assert_eq!(
            dep_info_files(&d),
            vec![
                PathBuf::from("/p/src/main.rs"),
                PathBuf::from("/p/my dir/lib.rs")
            ]
        );
    }

    #[test]
    fn env_mentions_of_maven_and_flux() {
        let mut names = BTreeSet::new();
        env_mentions(
            b"<v>${env.BUILD_ID}</v> host: ${ENV-REDIS_HOST} ${other}",
            &mut names,
        );
        assert_eq!(
            names.into_iter().collect::<Vec<_>>(),
            vec!["BUILD_ID".to_string(), "REDIS_HOST".to_string()]
        );
    }

    #[test]
    fn a_touched_file_is_compared_by_content() {
        let tmp = tempfile::tempdir().unwrap();
        let f = tmp.path().join("a.txt");
        std::fs::write(&f, "one").unwrap();
        let mut inputs = Inputs::new(now() + 10 * RACY_NS);
        inputs.file(&f, false);
        let input = inputs.files.into_values().next().unwrap();
        let later = now() + 10 * RACY_NS;
        assert!(input.unchanged(later));
        std::fs::write(&f, "one").unwrap(); // same bytes, new time
        assert!(input.unchanged(later));
        std::fs::write(&f, "two").unwrap(); // same size, other bytes
        assert!(!input.unchanged(later));
        std::fs::remove_file(&f).unwrap();
        assert!(!input.unchanged(later));
    }
}
