//! `stormpack run`: build the project (or take `--jar`), resolve Storm's runtime, and run the
//! topology on a real LocalCluster for `--duration`; the exit code is the JVM's (128 + signal
//! when the run was interrupted).

use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::cli::RunArgs;
use crate::error::Diagnostic;
use crate::maven::repository::{RemoteRepository, RepositorySystem};
use crate::plan::{BuildPlan, DEFAULT_STORM_VERSION};
use crate::run::{classpath, duration, java, RunPlan};

pub fn run(args: &RunArgs) -> anyhow::Result<i32> {
    if args.build.json && !args.build.dry_run {
        anyhow::bail!(Diagnostic::new(
            "`stormpack run --json` prints the run plan, so it needs --dry-run"
        )
        .fix("add --dry-run, or drop --json (Storm's log goes to stdout)"));
    }
    let plan = plan(args)?;
    if args.build.dry_run {
        if args.build.json {
            println!("{}", serde_json::to_string_pretty(&plan)?);
        } else {
            for note in &plan.classpath_notes {
                println!("# {note}");
            }
            println!("# in {}", plan.work_dir.display());
            println!("{}", plan.render_command());
        }
        return Ok(0);
    }
    crate::run::execute(&plan)
}

/// Everything decided before Storm starts: Java, the jar (built unless `--jar` or `--dry-run`),
/// Storm's runtime classpath, the directories.
pub fn plan(args: &RunArgs) -> anyhow::Result<RunPlan> {
    let duration = duration::parse(&args.duration)?;
    let conf = crate::run::parse_conf(&args.conf)?;
    let filter = args
        .filter
        .as_deref()
        .map(|f| {
            fs_err::canonicalize(f).with_context(|| {
                Diagnostic::new(format!("the --filter file {} does not exist", f.display()))
                    .fix("pass a Java properties file with the ${key} values")
            })
        })
        .transpose()?;
    if let Some(version) = &args.storm_version {
        crate::commands::check::check_storm_version(version)?;
    }
    let java = java::find_from_env()?;

    let target = match &args.jar {
        Some(jar) => prebuilt(args, jar)?,
        None => build(args)?,
    };
    let storm_version = args
        .storm_version
        .clone()
        .unwrap_or_else(|| target.storm_version.clone());

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
    let work_dir = run_dir.join(crate::run::work_dir_name());
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
        env_filter: args.env_filter,
        conf,
    })
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

fn build(args: &RunArgs) -> anyhow::Result<Target> {
    let mut plan = BuildPlan::resolve(&args.build)?;
    // The build's topology check substitutes `${...}` as this run's Flux will.
    plan.flux_filter = args.filter.clone();
    plan.flux_env_filter = args.env_filter;
    let jar = if args.build.dry_run {
        plan.jar.clone()
    } else {
        let outcome = crate::commands::build::build_plan(&plan)?;
        eprintln!(
            "stormpack: built {} (sha256 {})",
            outcome.jar.display(),
            outcome.sha256
        );
        outcome.jar
    };
    let topology = plan.topology.clone().with_context(|| {
        Diagnostic::new(format!(
            "{} has no topology for Flux to run",
            plan.project_dir.display()
        ))
        .fix(
            "add resources/topology.yaml (Maven) or \
             `topology = \"topology.yaml\"` under [package.metadata.stormpack] (Cargo.toml)",
        )
    })?;
    Ok(Target {
        run_dir: plan.output_dir.join("stormpack-run"),
        jar,
        topology,
        storm_version: plan.storm_version.clone(),
        repositories: plan.request.repositories.clone(),
        repos: plan.repos,
    })
}

fn prebuilt(args: &RunArgs, jar: &Path) -> anyhow::Result<Target> {
    let jar = fs_err::canonicalize(jar).with_context(|| {
        Diagnostic::new(format!("the jar {} does not exist", jar.display()))
            .fix("build it first (`stormpack build`), or drop --jar to build the project")
    })?;
    let p = &args.build.project;
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
             compile dependencies"
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
