//! `stormpack build`: plan, stage the project's entries (manifest, Maven metadata, resources,
//! Rust components and their launchers), resolve and plan the shaded dependencies, write the jar
//! to a temporary file beside the target, check the topology against it, then rename it into
//! place and write `<jar>.sha256`. A failure at any step leaves the previous jar untouched.

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::{Deserialize, Serialize};

use crate::cli::BuildArgs;
use crate::error::Diagnostic as Error;
use crate::jar::{EntryInfo, JarBuild};
use crate::maven::lock::{sync_lockfile, LockStatus, Lockfile};
use crate::maven::resolve::Resolution;
use crate::plan::BuildPlan;
use crate::shade::ShadeInput;
use crate::staging::{EntrySource, StagedEntry, Staging};
use crate::topology::{Diagnostic, Severity};

/// Flux's entry point, the jar's Main-Class when Flux is shaded in.
pub const FLUX_MAIN_CLASS: &str = "org.apache.storm.flux.Flux";

/// What a finished build produced (`--json` prints it).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BuildOutcome {
    pub jar: PathBuf,
    pub sha256: String,
    pub size: u64,
    pub timestamp: String,
    pub main_class: Option<String>,
    /// The jar path Flux reads (`-R /<topology>`).
    pub topology: Option<String>,
    pub storm_version: String,
    pub warnings: Vec<String>,
    pub overlaps: Vec<String>,
    /// The Java compile (`None`: the project has no Java sources).
    #[serde(default)]
    pub java: Option<crate::java::JavaOutcome>,
    pub entries: Vec<EntryInfo>,
}

pub fn run(args: &BuildArgs) -> anyhow::Result<i32> {
    if args.dry_run {
        let plan = BuildPlan::resolve(args)?;
        if args.json {
            println!("{}", serde_json::to_string_pretty(&plan)?);
        } else {
            print!("{}", plan.render());
        }
        return Ok(0);
    }
    let outcome = build_project(args)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&outcome)?);
    } else {
        eprintln!(
            "    Finished {} ({} entries, {} bytes)\n      sha256 {}",
            outcome.jar.display(),
            outcome.entries.len(),
            outcome.size,
            outcome.sha256
        );
    }
    Ok(0)
}

/// Build the project `args` names; the jar is in place when this returns `Ok`.
pub fn build_project(args: &BuildArgs) -> anyhow::Result<BuildOutcome> {
    let plan = BuildPlan::resolve(args)?;
    build_plan(&plan)
}

/// Carry out a resolved plan.
pub fn build_plan(plan: &BuildPlan) -> anyhow::Result<BuildOutcome> {
    let mut staging = Staging::new();
    for set in &plan.resources {
        crate::resources::stage(
            set,
            &plan.project_dir,
            &plan.filter_properties,
            &mut staging,
        )?;
    }
    if let Some(rust) = &plan.rust {
        for dep in &rust.manifest.outside_path_dependencies {
            eprintln!(
                "note: path dependency {dep} lies outside the Cargo workspace: cargo hashes its \
                 absolute path into symbol names, so the component binaries (and the jar) differ \
                 between checkout directories\n  fix: for byte-identical jars from any directory, \
                 depend on it from a registry or git, or move it inside the workspace"
            );
        }
        let binaries = crate::cargo_build::build(&rust.manifest, &rust.targets, &plan.output_dir)?;
        crate::launcher::stage(&binaries, &mut staging)?;
    }

    let resolution = resolve_dependencies(plan)?;
    for warning in &resolution.warnings {
        eprintln!("warning: {warning}");
    }
    let java = compile_java(plan, &resolution, &mut staging)?;
    let lock = lockfile_for(plan, &resolution)?;
    if let Some(lock) = &lock {
        let files: Vec<_> = resolution
            .artifacts
            .iter()
            .map(|a| (&a.artifact, a.file.as_path()))
            .collect();
        crate::maven::lock::check_integrity(&plan.lockfile, lock, &files)?;
    }
    if let (Some(lock), true) = (&lock, plan.locked) {
        // Under --locked a changed resolution fails before anything is written.
        sync_lockfile(&plan.lockfile, lock, true)?;
    }
    let main_class = plan.configured_main_class.clone().or_else(|| {
        resolution
            .packaged()
            .any(|a| {
                a.artifact.group_id == "org.apache.storm" && a.artifact.artifact_id == "flux-core"
            })
            .then(|| FLUX_MAIN_CLASS.to_string())
    });
    let (pom_path, props_path) = plan.maven_metadata_paths();
    stage_generated(&mut staging, &pom_path, plan.pom_bytes.clone())?;
    stage_generated(&mut staging, &props_path, pom_properties(plan))?;

    let inputs: Vec<ShadeInput> = resolution
        .packaged()
        .map(|a| ShadeInput {
            artifact: a.artifact.clone(),
            file: a.file.clone(),
            trail: a.trail.clone(),
        })
        .collect();
    let shaded = crate::shade::plan(&staging, inputs)?;
    // A project class shadowing a dependency's is what Maven does too, but rarely intended.
    for line in shaded
        .overlaps
        .iter()
        .filter(|l| l.contains(".class: kept from the project,"))
    {
        eprintln!("warning: a project class replaces a dependency's: {line}");
    }
    // Versioned classes (META-INF/versions/N/) of shaded dependencies only take effect when the
    // jar itself is a multi-release jar.
    let multi_release = !shaded.multi_release.is_empty();
    stage_generated(
        &mut staging,
        "META-INF/MANIFEST.MF",
        manifest(
            main_class.as_deref(),
            multi_release,
            java.as_ref().map(|j| j.build_jdk_spec.as_str()),
        ),
    )?;

    fs_err::create_dir_all(&plan.output_dir)?;
    remove_stale_temporaries(&plan.output_dir);
    let tmp = tempfile::Builder::new()
        .prefix(".stormpack-")
        .suffix(".jar.tmp")
        .permissions(readable())
        .tempfile_in(&plan.output_dir)
        .with_context(|| format!("cannot create a file in {}", plan.output_dir.display()))?
        .into_temp_path();
    let summary = crate::jar::write_jar(
        &JarBuild {
            project: &staging,
            leading: vec![pom_path, props_path],
            shaded: &shaded,
            timestamp: plan.epoch,
        },
        &tmp,
    )?;

    let mut warnings = Vec::new();
    if let Some(topology) = &plan.topology {
        let diagnostics = check_topology(plan, topology, &staging, &tmp, &resolution)?;
        let errors = diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count();
        for d in &diagnostics {
            let text = d.to_string();
            eprintln!("{text}");
            if d.severity == Severity::Warning {
                warnings.push(text);
            }
        }
        if errors > 0 {
            anyhow::bail!(Error::new(format!(
                "the topology has {errors} error(s) (listed above); {} was not changed",
                plan.jar.display()
            ))
            .fix("correct the topology, or run `stormpack check` to see the findings again"));
        }
    }

    // Streamed: a large uber jar is never held in memory.
    let sha256 = crate::maven::lock::sha256_file(&tmp)?;
    let size = fs_err::metadata(&tmp)?.len();
    tmp.persist(&plan.jar)
        .with_context(|| format!("cannot move the new jar to {}", plan.jar.display()))?;
    write_checksum(&plan.jar, &sha256)?;
    if let (Some(lock), false) = (&lock, plan.locked) {
        if let LockStatus::Written(changes) = sync_lockfile(&plan.lockfile, lock, false)? {
            for change in changes {
                eprintln!("    stormpack.lock: {change}");
            }
        }
    }

    Ok(BuildOutcome {
        jar: plan.jar.clone(),
        sha256,
        size,
        timestamp: plan.timestamp.clone(),
        main_class,
        topology: plan.topology.clone(),
        storm_version: plan.storm_version.clone(),
        warnings,
        overlaps: shaded.overlaps.clone(),
        java,
        entries: summary.entries,
    })
}

/// Compile the project's Java sources (javac skipped when nothing changed) and stage the
/// classes; `None` when there are none.
fn compile_java(
    plan: &BuildPlan,
    resolution: &Resolution,
    staging: &mut Staging,
) -> anyhow::Result<Option<crate::java::JavaOutcome>> {
    let Some(java) = &plan.java else {
        return Ok(None);
    };
    if java.has_tests() {
        eprintln!(
            "note: `stormpack build` does not run the tests in {}; `stormpack test` runs them",
            java.test_source_dir
                .strip_prefix(&plan.project_dir)
                .unwrap_or(&java.test_source_dir)
                .display()
        );
    }
    let Some((compiled, jdk)) = java.compile_main(resolution, &plan.request, &plan.repos)? else {
        return Ok(None);
    };
    let classes = java.stage_classes(&compiled, staging)?;
    if compiled.fresh {
        eprintln!(
            "       Fresh {} Java source(s) unchanged: javac not started ({classes} classes, JDK {})",
            compiled.sources, jdk.version
        );
    } else {
        eprintln!(
            "    Compiled {} Java source(s) with javac {} ({classes} classes{})",
            compiled.sources,
            jdk.version,
            match compiled.warnings {
                0 => String::new(),
                n => format!(", {n} warning(s)"),
            }
        );
    }
    Ok(Some(crate::java::JavaOutcome {
        jdk_version: jdk.version.clone(),
        build_jdk_spec: jdk.feature.to_string(),
        sources: compiled.sources,
        classes,
        fresh: compiled.fresh,
    }))
}

/// The plan's dependencies resolved (nothing to do without any); errors name the project.
pub fn resolve_dependencies(plan: &BuildPlan) -> anyhow::Result<Resolution> {
    if plan.request.dependencies.is_empty() {
        return Ok(Resolution::default());
    }
    crate::maven::resolve::resolve(&plan.request, &plan.repos).with_context(|| {
        format!(
            "cannot resolve the dependencies of {}:{}:{}",
            plan.group_id, plan.artifact_id, plan.version
        )
    })
}

/// The lockfile for `resolution`; `None` for a project without dependencies (nothing to lock).
fn lockfile_for(plan: &BuildPlan, resolution: &Resolution) -> anyhow::Result<Option<Lockfile>> {
    if plan.request.dependencies.is_empty() {
        return Ok(None);
    }
    Lockfile::from_resolution(resolution).map(Some)
}

fn stage_generated(staging: &mut Staging, path: &str, bytes: Vec<u8>) -> anyhow::Result<()> {
    staging.add(StagedEntry {
        path: path.to_string(),
        source: EntrySource::Bytes(bytes),
        executable: false,
        origin: format!("{path} (generated by stormpack)"),
    })
}

/// MANIFEST.MF: nothing from the build host, 72-byte lines with continuations, CRLF.
/// `build_jdk_spec`: the feature release of the JDK that compiled the project's classes, as
/// maven-archiver records it.
pub fn manifest(
    main_class: Option<&str>,
    multi_release: bool,
    build_jdk_spec: Option<&str>,
) -> Vec<u8> {
    let mut attrs = vec![
        ("Manifest-Version", "1.0".to_string()),
        (
            "Created-By",
            format!("stormpack {}", env!("CARGO_PKG_VERSION")),
        ),
    ];
    if let Some(spec) = build_jdk_spec {
        attrs.push(("Build-Jdk-Spec", spec.to_string()));
    }
    if let Some(main) = main_class {
        attrs.push(("Main-Class", main.to_string()));
    }
    if multi_release {
        attrs.push(("Multi-Release", "true".to_string()));
    }
    let mut out = Vec::new();
    for (k, v) in attrs {
        let line = format!("{k}: {v}");
        let bytes = line.as_bytes();
        let mut start = 0;
        let mut width = 72;
        while start < bytes.len() {
            let mut end = (start + width).min(bytes.len());
            while !line.is_char_boundary(end) {
                end -= 1;
            }
            if start > 0 {
                out.push(b' ');
            }
            out.extend_from_slice(&bytes[start..end]);
            out.extend_from_slice(b"\r\n");
            start = end;
            width = 71;
        }
    }
    out.extend_from_slice(b"\r\n");
    out
}

/// pom.properties as Maven writes it, minus the date comment.
fn pom_properties(plan: &BuildPlan) -> Vec<u8> {
    format!(
        "artifactId={}\ngroupId={}\nversion={}\n",
        plan.artifact_id, plan.group_id, plan.version
    )
    .into_bytes()
}

/// The topology checks `stormpack check` runs, against the jar just written (`jar`): the same
/// class lookup (the jar, storm-client, the JDK), resources read from the jar, and a
/// Maven-filtered topology checked as filtered.
fn check_topology(
    plan: &BuildPlan,
    topology: &str,
    staging: &Staging,
    jar: &Path,
    resolution: &Resolution,
) -> anyhow::Result<Vec<Diagnostic>> {
    let Some(entry) = staging.get(topology) else {
        if plan.rust.is_some() {
            anyhow::bail!(Error::new(format!(
                "the topology `{topology}` named in Cargo.toml is not in the jar"
            ))
            .fix("check `topology` in [package.metadata.stormpack]"));
        }
        eprintln!("note: no /{topology} in the jar, so no topology was checked");
        return Ok(Vec::new());
    };
    let (source, text) = match &entry.source {
        EntrySource::File(path) => (path.clone(), None),
        EntrySource::Bytes(bytes) => {
            let source = crate::commands::check::plan_topology(plan)
                .map_or_else(|| plan.project_dir.join(topology), |(file, _)| file);
            let text = String::from_utf8(bytes.clone()).with_context(|| {
                Error::new(format!(
                    "the filtered topology {} is not UTF-8",
                    source.display()
                ))
                .fix("save it as UTF-8")
            })?;
            (source, Some(text))
        }
    };
    // storm-client as resolved, else where the local repository keeps the plan's version.
    let storm_client = resolution
        .artifacts
        .iter()
        .find(|a| {
            a.artifact.group_id == "org.apache.storm"
                && a.artifact.artifact_id == "storm-client"
                && a.artifact.classifier.is_none()
                && a.file.is_file()
        })
        .map(|a| a.file.clone())
        .or_else(|| {
            crate::commands::check::storm_runtime_jar(&plan.local_repository, &plan.storm_version)
                .ok()
        });
    crate::commands::check::check_jar(
        &source,
        text.as_deref(),
        jar,
        storm_client.as_deref(),
        plan.flux_filter.clone(),
        plan.flux_env_filter,
    )
}

/// `<jar>.sha256` in `sha256sum -c` format, written atomically.
fn write_checksum(jar: &Path, sha256: &str) -> anyhow::Result<()> {
    let name = jar
        .file_name()
        .context("jar path has no file name")?
        .to_string_lossy();
    let dir = jar.parent().context("jar path has no directory")?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".stormpack-")
        .suffix(".sha256.tmp")
        .permissions(readable())
        .tempfile_in(dir)?;
    writeln!(tmp, "{sha256}  {name}")?;
    let target = dir.join(format!("{name}.sha256"));
    tmp.persist(&target)
        .with_context(|| format!("cannot write {}", target.display()))?;
    Ok(())
}

/// Output files get 0666 less the umask, like any file a build tool writes (tempfile's own
/// default is 0600).
fn readable() -> std::fs::Permissions {
    std::fs::Permissions::from_mode(0o666)
}

/// How old a temporary file must be before a build takes it for an interrupted build's leftover.
const STALE_TEMPORARY: std::time::Duration = std::time::Duration::from_secs(3600);

/// Temporary files an interrupted build left behind. Recent ones may belong to a build running
/// at the same time into the same directory (removing them would fail its rename), so only
/// files older than [`STALE_TEMPORARY`] go.
fn remove_stale_temporaries(dir: &Path) {
    let Ok(read) = fs_err::read_dir(dir) else {
        return;
    };
    let now = std::time::SystemTime::now();
    for entry in read.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if !(name.starts_with(".stormpack-") && name.ends_with(".tmp")) {
            continue;
        }
        let stale = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|modified| now.duration_since(modified).ok())
            .is_some_and(|age| age > STALE_TEMPORARY);
        if stale {
            let _ = fs_err::remove_file(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_stale_temporaries_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let old = dir.path().join(".stormpack-old.jar.tmp");
        let fresh = dir.path().join(".stormpack-fresh.jar.tmp");
        let other = dir.path().join("keep.tmp");
        for p in [&old, &fresh, &other] {
            std::fs::write(p, b"x").unwrap();
        }
        let two_hours_ago = std::time::SystemTime::now() - 2 * STALE_TEMPORARY;
        for p in [&old, &other] {
            std::fs::File::options()
                .write(true)
                .open(p)
                .unwrap()
                .set_modified(two_hours_ago)
                .unwrap();
        }
        remove_stale_temporaries(dir.path());
        assert!(!old.exists());
        assert!(fresh.exists(), "a concurrent build's temporary was removed");
        assert!(other.exists());
    }

    #[test]
    fn manifest_is_host_free_and_wrapped() {
        let m = String::from_utf8(manifest(Some(FLUX_MAIN_CLASS), false, None)).unwrap();
        assert!(m.starts_with("Manifest-Version: 1.0\r\nCreated-By: stormpack "));
        assert!(m.contains("Main-Class: org.apache.storm.flux.Flux\r\n"));
        assert!(m.ends_with("\r\n\r\n"));
        let long = "a.".repeat(60) + "Main";
        let m = String::from_utf8(manifest(Some(&long), true, Some("17"))).unwrap();
        for line in m.split("\r\n") {
            assert!(line.len() <= 72, "{line}");
        }
        let joined = m.replace("\r\n ", "");
        assert!(joined.contains(&format!("Main-Class: {long}\r\n")));
        assert!(joined.contains("Multi-Release: true\r\n"));
    }
}
