//! `stormpack cluster up|status|down`: the local multi-daemon cluster of `stormpack::cluster`.

use crate::cli::ClusterCommand;
use stormpack::cluster;
use stormpack::maven::repository::RepositorySystem;

pub fn run(cmd: &ClusterCommand) -> anyhow::Result<i32> {
    match cmd {
        ClusterCommand::Up(args) => {
            let repos = RepositorySystem::from_environment(
                args.maven_repo_local.as_deref(),
                None,
                args.offline,
            )?;
            let opts = cluster::UpOptions {
                dir: args.dir.dir.clone(),
                supervisors: args.supervisors,
                slots: args.slots,
                storm_version: args.storm_version.clone(),
                ui: args.ui,
            };
            let state = cluster::up(&opts, &repos)?;
            print!("{}", cluster::status(&state.home)?);
            if state.daemons.iter().any(|d| d.name == "ui") {
                println!("UI: http://127.0.0.1:{}/", state.ports.ui);
            }
            println!(
                "Nimbus is up at {} (export STORMPACK_NIMBUS={} for submit/list/kill)",
                state.nimbus(),
                state.nimbus()
            );
            Ok(0)
        }
        ClusterCommand::Status(args) => {
            let home = cluster::existing_home_dir(&args.dir)?;
            print!("{}", cluster::status(&home)?);
            Ok(0)
        }
        ClusterCommand::Down(args) => {
            let home = cluster::existing_home_dir(&args.dir)?;
            let stopped = cluster::down(&home)?;
            println!(
                "stopped the cluster in {} ({} processes); none is left",
                home.display(),
                stopped.len()
            );
            Ok(0)
        }
    }
}
