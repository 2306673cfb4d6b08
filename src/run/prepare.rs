//! Everything decided before Storm starts ([`plan`]): Java, the jar (built through the build
//! pipeline unless `--jar` or `--dry-run`), Storm's runtime classpath, the directories.

use std::path::{Path, PathBuf};

use anyhow::Context;

use super::{classpath, duration, java, RunPlan};
use crate::error::Diagnostic;
use crate::maven::repository::{RemoteRepository, RepositorySystem};
use crate::plan::{BuildOptions, BuildPlan, DEFAULT_STORM_VERSION};
use crate::report::{Event, Reporter};

/// What a caller may choose about a run.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// The project and how to build it (`flux_filter`/`flux_env_filter` are taken from
    /// `filter`/`env_filter` below).
    pub build: BuildOptions,
    /// Decide the run without building or starting anything.
    pub dry_run: bool,
    /// How long the LocalCluster runs (`30s`, `2m`, `1h`).
    pub duration: String,
    /// The Storm version to run on (default: the project's).
    pub storm_version: Option<String>,
    /// Flux's `--filter` properties file.
    pub filter: Option<PathBuf>,
    /// Flux's `--env-filter`.
    pub env_filter: bool,
    /// `key=value` Storm settings.
    pub conf: Vec<String>,
    /// Run this jar as it is instead of building the project.
    pub jar: Option<PathBuf>,
}

/// Decide the run; builds the project first unless `options.jar` or `options.dry_run`.
pub fn plan(options: &RunOptions, reporter: &mut dyn Reporter) -> anyhow::Result<RunPlan> {
    let duration = duration::parse(&options.duration)?;
    let conf = super::parse_conf(&options.conf)?;
    let filter = options
        .filter
        .as_deref()
        .map(|f| {
            fs_err::canonicalize(f).with_context(|| {
                Diagnostic::new(format!("the --filter file {} does not exist", f.display()))
                    .fix("pass a Java properties file with the ${key} values")
            })
        })
        .transpose()?;
    if let Some(version) = &options.storm_version {
        crate::plan::check_storm_version(version)?;
    }
    let java = java::find_from_env()?;

    let target = match &options.jar {
        Some(jar) => prebuilt(options, jar)?,
        None => build(options, reporter)?,
    };
    let storm_version = options
        .storm_version
        .clone()
        .unwrap_or_else(|| target.storm_version.clone());

    check_runnable_storm(&storm_version)?;

    let entries = if target.jar.is_file() {
        let entries = classpath::jar_entry_names(&target.jar)?;
        check_jar(&target.jar, &target.topology, &entries)?;
        entries
    } else {
        // Only with --dry-run, before the first build.
        Default::default()
    };
    let storm =
        classpath::resolve_storm_runtime(&storm_version, &target.repositories, &target.repos)?;
    let run_dir = target.run_dir;
    let work_dir = run_dir.join(super::work_dir_name());
    let extra = match filter {
        Some(_) => vec![work_dir.join("classpath")],
        None => Vec::new(),
    };
    let cp = classpath::assemble(&target.jar, &entries, &storm, &extra);
    Ok(RunPlan {
        java,
        jar: target.jar,
        topology: target.topology,
        storm_version,
        classpath: cp.entries,
        classpath_notes: cp.notes,
        duration_secs: duration.as_secs(),
        run_dir,
        work_dir,
        filter,
        env_filter: options.env_filter,
        conf,
    })
}

/// `run` starts Storm 2's LocalCluster (storm-server's closure, Flux 2's command line). A
/// Storm 1.x project (storm-core, Flux 1.x) stops here with the versions that run, rather than
/// failing later on a storm-server that 1.x never published.
fn check_runnable_storm(version: &str) -> anyhow::Result<()> {
    let major = version
        .split(|c: char| !c.is_ascii_digit())
        .next()
        .and_then(|m| m.parse::<u32>().ok());
    match major {
        Some(m) if m >= 2 => Ok(()),
        _ => Err(Diagnostic::new(format!(
            "stormpack run supports Storm 2.x (2.0.0 and later; default {DEFAULT_STORM_VERSION}); \
             this project's Storm is {version}, whose local mode (storm-core, Flux {version}) \
             stormpack does not start"
        ))
        .fix(format!(
            "build the jar with `stormpack build` and run it on a Storm {version} installation \
             (`storm jar <jar> org.apache.storm.flux.Flux --local <topology.yaml>`), or move the \
             project to Storm 2 (storm-client provided, Flux 2.x) and run it here"
        ))
        .into()),
    }
}

/// The jar to run and where it came from.
struct Target {
    jar: PathBuf,
    topology: String,
    storm_version: String,
    run_dir: PathBuf,
    repositories: Vec<RemoteRepository>,
    repos: RepositorySystem,
}

fn build(options: &RunOptions, reporter: &mut dyn Reporter) -> anyhow::Result<Target> {
    // The build's topology check substitutes `${...}` as this run's Flux will.
    let build_options = BuildOptions {
        flux_filter: options.filter.clone(),
        flux_env_filter: options.env_filter,
        ..options.build.clone()
    };
    let plan = BuildPlan::resolve(&build_options)?;
    let jar = if options.dry_run {
        plan.jar.clone()
    } else {
        let outcome = crate::pipeline::build(&plan, reporter)?;
        reporter.report(Event::Status(format!(
            "stormpack: built {} (sha256 {})",
            outcome.jar.display(),
            outcome.sha256
        )));
        outcome.jar
    };
    let topology = plan.required_topology("for Flux to run")?;
    Ok(Target {
        run_dir: plan.output_dir.join("stormpack-run"),
        jar,
        topology,
        storm_version: plan.storm_version.clone(),
        repositories: plan.request.repositories.clone(),
        repos: plan.repos,
    })
}

fn prebuilt(options: &RunOptions, jar: &Path) -> anyhow::Result<Target> {
    let jar = fs_err::canonicalize(jar).with_context(|| {
        Diagnostic::new(format!("the jar {} does not exist", jar.display()))
            .fix("build it first (`stormpack build`), or drop --jar to build the project")
    })?;
    let p = &options.build.project;
    let repos = RepositorySystem::from_environment(
        p.maven_repo_local.as_deref(),
        p.settings.as_deref(),
        p.offline,
    )?;
    let dir = jar.parent().unwrap_or(Path::new("/")).to_path_buf();
    Ok(Target {
        jar,
        topology: "topology.yaml".to_string(),
        storm_version: DEFAULT_STORM_VERSION.to_string(),
        run_dir: dir.join("stormpack-run"),
        repositories: Vec::new(),
        repos,
    })
}

/// What Storm would otherwise fail on with a stack trace: no topology, no Flux, Storm shaded in.
fn check_jar(
    jar: &Path,
    topology: &str,
    entries: &std::collections::BTreeSet<String>,
) -> anyhow::Result<()> {
    let topology = topology.trim_start_matches('/');
    if !entries.contains(topology) {
        anyhow::bail!(Diagnostic::new(format!(
            "{} has no {topology} at its root, so Flux has no topology to run",
            jar.display()
        ))
        .fix("put topology.yaml in the jar's root (Maven: a <resource> including it)"));
    }
    if !entries.contains("org/apache/storm/flux/Flux.class") {
        anyhow::bail!(Diagnostic::new(format!(
            "{} does not contain Flux (org/apache/storm/flux/Flux.class)",
            jar.display()
        ))
        .fix(
            "add org.apache.storm:flux-core (and flux-wrappers for shell components) as \
             compile dependencies, and package them into the jar (maven-shade-plugin's shade \
             goal, or maven-assembly-plugin's jar-with-dependencies): without either, the jar \
             is maven-jar-plugin's, the project's own classes only"
        ));
    }
    if entries.contains("defaults.yaml") {
        anyhow::bail!(Diagnostic::new(format!(
            "{} contains defaults.yaml: Storm itself is shaded into the jar, and Storm refuses \
             to start with two (\"Found multiple defaults.yaml resources\")",
            jar.display()
        ))
        .fix("give storm-client/storm-core <scope>provided</scope>"));
    }
    Ok(())
}
