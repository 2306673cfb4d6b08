//! `stormpack submit`: build (unless `--jar`), then submit to Nimbus by the path the topology
//! allows (`crate::nimbus::submit`), and say which path it took.

use std::path::Path;

use anyhow::Context;

use crate::cli::SubmitArgs;
use crate::maven::repository::RepositorySystem;
use crate::nimbus::address;
use crate::nimbus::submit::{submit, SubmitPath, SubmitRequest};
use crate::plan::{BuildPlan, DEFAULT_STORM_VERSION};

pub fn run(args: &SubmitArgs) -> anyhow::Result<i32> {
    let address = address::from_env(args.nimbus.nimbus.as_deref())?;
    let conf = crate::run::parse_conf(&args.conf)?;
    let filter = args
        .filter
        .as_deref()
        .map(|f| {
            fs_err::canonicalize(f).with_context(|| {
                format!(
                    "the --filter file {} does not exist\nfix: pass a Java properties file with the ${{key}} values",
                    f.display()
                )
            })
        })
        .transpose()?;
    let (jar, entry, storm_version, work_dir, repos) = match &args.jar {
        Some(jar) => {
            let jar = fs_err::canonicalize(jar).with_context(|| {
                format!(
                    "the jar {} does not exist\nfix: build it first (`stormpack build`), or drop --jar to build the project",
                    jar.display()
                )
            })?;
            let p = &args.build.project;
            let repos = RepositorySystem::from_environment(
                p.maven_repo_local.as_deref(),
                p.settings.as_deref(),
                p.offline,
            )?;
            let dir = jar
                .parent()
                .unwrap_or(Path::new("/"))
                .join("stormpack-submit");
            (
                jar,
                "topology.yaml".to_string(),
                DEFAULT_STORM_VERSION.to_string(),
                dir,
                repos,
            )
        }
        None => {
            let mut plan = BuildPlan::resolve(&args.build)?;
            plan.flux_filter = filter.clone();
            plan.flux_env_filter = args.env_filter;
            let outcome = crate::commands::build::build_plan(&plan)?;
            eprintln!(
                "stormpack: built {} (sha256 {})",
                outcome.jar.display(),
                outcome.sha256
            );
            let entry = plan.topology.clone().with_context(|| {
                format!(
                    "{} has no topology to submit\nfix: add resources/topology.yaml (Maven) or \
                     `topology = \"topology.yaml\"` under [package.metadata.stormpack] (Cargo.toml)",
                    plan.project_dir.display()
                )
            })?;
            let dir = plan.output_dir.join("stormpack-submit");
            (
                outcome.jar,
                entry,
                plan.storm_version.clone(),
                dir,
                plan.repos,
            )
        }
    };
    let storm_version = args.storm_version.clone().unwrap_or(storm_version);
    let request = SubmitRequest {
        address,
        jar,
        topology_entry: entry,
        name: args.name.clone(),
        conf,
        filter,
        env_filter: args.env_filter,
        force_jvm: args.jvm,
        storm_version,
        repos: &repos,
        work_dir,
    };
    let done = submit(&request)?;
    for w in &done.warnings {
        eprintln!("warning: {w}");
    }
    match &done.path {
        SubmitPath::Thrift => println!(
            "submitted `{}` to Nimbus at {} without a JVM (Flux topology translated, Thrift): \
             {} bytes uploaded, {:.2}s",
            done.name,
            request.address,
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
                request.address,
                done.jar_bytes,
                done.elapsed.as_secs_f64(),
                done.log
                    .as_deref()
                    .map(|l| l.display().to_string())
                    .unwrap_or_default()
            );
        }
    }
    Ok(0)
}
