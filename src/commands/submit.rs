//! `stormpack submit`: build (unless `--jar`), then submit to Nimbus by the path the topology
//! allows (`stormpack::nimbus::submit`), and say which path it took.

use std::path::{Path, PathBuf};

use anyhow::Context;

use stormpack::error::Diagnostic;
use stormpack::maven::repository::RepositorySystem;
use stormpack::nimbus::address;
use stormpack::nimbus::submit::{submit, SubmitPath, SubmitRequest, Submitted};
use stormpack::plan::{BuildOptions, BuildPlan, DEFAULT_STORM_VERSION};

use super::Stderr;
use crate::cli::SubmitArgs;

pub fn run(args: &SubmitArgs) -> anyhow::Result<i32> {
    let address = address::from_env(args.nimbus.nimbus.as_deref())?;
    let conf = stormpack::run::parse_conf(&args.conf)?;
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
    let target = match &args.jar {
        Some(jar) => given_jar(jar, args)?,
        None => build_jar(args, filter.as_deref())?,
    };
    let storm_version = args.storm_version.clone().unwrap_or(target.storm_version);
    let request = SubmitRequest {
        address,
        jar: target.jar,
        topology_entry: target.entry,
        name: args.name.clone(),
        conf,
        filter,
        env_filter: args.env_filter,
        force_jvm: args.jvm,
        storm_version,
        repos: &target.repos,
        work_dir: target.work_dir,
    };
    let done = submit(&request)?;
    for w in &done.warnings {
        eprintln!("warning: {w}");
    }
    report(&done, &request.address);
    Ok(0)
}

/// The jar to submit and what goes with it.
struct Target {
    jar: PathBuf,
    /// The topology file inside the jar.
    entry: String,
    storm_version: String,
    work_dir: PathBuf,
    repos: RepositorySystem,
}

/// `--jar`: submit a jar built before, with its topology at the jar root.
fn given_jar(jar: &Path, args: &SubmitArgs) -> anyhow::Result<Target> {
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
    let work_dir = jar
        .parent()
        .unwrap_or(Path::new("/"))
        .join("stormpack-submit");
    Ok(Target {
        jar,
        entry: "topology.yaml".to_string(),
        storm_version: DEFAULT_STORM_VERSION.to_string(),
        work_dir,
        repos,
    })
}

/// No `--jar`: build the project, and submit the jar with the plan's topology.
fn build_jar(args: &SubmitArgs, filter: Option<&Path>) -> anyhow::Result<Target> {
    // The build's topology check substitutes `${...}` as Flux will on the cluster.
    let options = BuildOptions {
        flux_filter: filter.map(Path::to_path_buf),
        flux_env_filter: args.env_filter,
        ..args.build.to_lib()
    };
    let plan = BuildPlan::resolve(&options)?;
    let outcome = stormpack::build(&plan, &mut Stderr)?;
    eprintln!(
        "stormpack: built {} (sha256 {})",
        outcome.jar.display(),
        outcome.sha256
    );
    let entry = plan.required_topology("to submit")?;
    let work_dir = plan.output_dir.join("stormpack-submit");
    Ok(Target {
        jar: outcome.jar,
        entry,
        storm_version: plan.storm_version.clone(),
        work_dir,
        repos: plan.repos,
    })
}

/// Which path the submission took, and how it went.
fn report(done: &Submitted, address: &impl std::fmt::Display) {
    match &done.path {
        SubmitPath::Thrift => println!(
            "submitted `{}` to Nimbus at {} without a JVM (Flux topology translated, Thrift): \
             {} bytes uploaded, {:.2}s",
            done.name,
            address,
            done.jar_bytes,
            done.elapsed.as_secs_f64()
        ),
        SubmitPath::Jvm(reasons) => {
            if reasons.is_empty() {
                println!("path: Flux in a JVM (--jvm)");
            } else {
                println!(
                    "path: Flux in a JVM, because the topology needs what only Flux can build:"
                );
                for r in reasons {
                    println!("  - {r}");
                }
            }
            println!(
                "submitted `{}` to Nimbus at {} through Flux in a JVM (storm-client resolved by \
                 stormpack): {} bytes uploaded, {:.2}s; Flux's output: {}",
                done.name,
                address,
                done.jar_bytes,
                done.elapsed.as_secs_f64(),
                done.log
                    .as_deref()
                    .map(|l| l.display().to_string())
                    .unwrap_or_default()
            );
        }
    }
}
