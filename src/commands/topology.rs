//! `stormpack list`, `kill`, `activate`, `deactivate`: one Thrift call each to Nimbus.

use std::time::{Duration, Instant};

use crate::cli::{KillArgs, NameArgs, NimbusArgs};
use stormpack::nimbus::{address, Nimbus};

fn connect(args: &NimbusArgs) -> anyhow::Result<Nimbus> {
    Nimbus::connect(&address::from_env(args.nimbus.as_deref())?)
}

pub fn list(args: &NimbusArgs) -> anyhow::Result<i32> {
    let mut nimbus = connect(args)?;
    let info = nimbus.cluster_info()?;
    if info.topologies.is_empty() {
        println!("no topologies running on Nimbus at {}", nimbus.address);
        return Ok(0);
    }
    println!(
        "{:<24} {:<10} {:>7} {:>9} {:>6} {:>8}  ID",
        "NAME", "STATUS", "WORKERS", "EXECUTORS", "TASKS", "UPTIME"
    );
    let mut topologies = info.topologies;
    topologies.sort_by(|a, b| a.name.cmp(&b.name));
    for t in topologies {
        println!(
            "{:<24} {:<10} {:>7} {:>9} {:>6} {:>7}s  {}",
            t.name, t.status, t.num_workers, t.num_executors, t.num_tasks, t.uptime_secs, t.id
        );
    }
    Ok(0)
}

pub fn kill(args: &KillArgs) -> anyhow::Result<i32> {
    let mut nimbus = connect(&args.topology.nimbus)?;
    let name = &args.topology.name;
    let wait = args.wait.map(|w| i32::try_from(w).unwrap_or(i32::MAX));
    nimbus.kill(name, wait)?;
    eprintln!(
        "stormpack: killing `{name}` on Nimbus at {}",
        nimbus.address
    );
    // Nimbus deactivates at once and removes after the wait; report when it is gone.
    let limit = Duration::from_secs(u64::from(args.wait.unwrap_or(30)) + 120);
    let deadline = Instant::now() + limit;
    loop {
        let info = Nimbus::connect(&nimbus.address)?.cluster_info()?;
        if !info.topologies.iter().any(|t| &t.name == name) {
            println!("killed `{name}`: Nimbus no longer lists it");
            return Ok(0);
        }
        if Instant::now() > deadline {
            anyhow::bail!(
                "Nimbus at {} still lists `{name}` {}s after the kill\nfix: check Nimbus's log; \
                 `stormpack list` shows its status",
                nimbus.address,
                limit.as_secs()
            );
        }
        std::thread::sleep(Duration::from_millis(500));
    }
}

pub fn activate(args: &NameArgs, active: bool) -> anyhow::Result<i32> {
    let mut nimbus = connect(&args.nimbus)?;
    if active {
        nimbus.activate(&args.name)?;
        println!("activated `{}`", args.name);
    } else {
        nimbus.deactivate(&args.name)?;
        println!("deactivated `{}`", args.name);
    }
    Ok(0)
}
