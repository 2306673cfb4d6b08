//! The cluster's processes: each daemon starts in its own process group (the workers a
//! Supervisor launches, and their shell components, stay in the Supervisor's group), detached
//! from stormpack; stopping is by process group (SIGTERM, then SIGKILL), followed by a sweep of
//! `/proc` for anything still running from the cluster's home.

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Start `command` detached, in a new process group, its output appended to `out`.
pub fn spawn(mut command: Command, out: &Path) -> anyhow::Result<i32> {
    let log = fs_err::OpenOptions::new()
        .create(true)
        .append(true)
        .open(out)?;
    let err = log.file().try_clone()?;
    command
        .stdin(Stdio::null())
        .stdout(Stdio::from(log.into_file()))
        .stderr(Stdio::from(err))
        .process_group(0);
    let child = command
        .spawn()
        .map_err(|e| anyhow::anyhow!("cannot start {:?}: {e}", command.get_program()))?;
    Ok(child.id() as i32)
}

/// Whether `pid` is a live (not zombie) process.
pub fn alive(pid: i32) -> bool {
    if pid <= 0 {
        return false;
    }
    match fs_err::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .is_some_and(|state| state != "Z" && state != "X"),
        Err(_) => false,
    }
}

/// Live processes of process group `pgid`.
pub fn group_members(pgid: i32) -> Vec<i32> {
    all_pids()
        .into_iter()
        .filter(|pid| alive(*pid) && unsafe { libc::getpgid(*pid) } == pgid)
        .collect()
}

fn all_pids() -> Vec<i32> {
    fs_err::read_dir("/proc")
        .map(|d| {
            d.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i32>().ok())
                .collect()
        })
        .unwrap_or_default()
}

/// The command line of `pid`, arguments joined by spaces.
pub fn cmdline(pid: i32) -> Option<String> {
    let raw = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
    Some(
        raw.split(|b| *b == 0)
            .filter(|a| !a.is_empty())
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect::<Vec<_>>()
            .join(" "),
    )
}

/// Processes that belong to the cluster at `home`: their command line names it (daemons,
/// workers: `-Dstorm.home=<home>`) or they run inside it (shell components run in the
/// supervisor's extracted resources).
pub fn processes_of(home: &Path) -> Vec<i32> {
    let me = std::process::id() as i32;
    let marker = format!("-Dstorm.home={}", home.display());
    all_pids()
        .into_iter()
        .filter(|pid| *pid != me && alive(*pid))
        .filter(|pid| {
            cmdline(*pid).is_some_and(|c| c.contains(&marker))
                || std::fs::read_link(format!("/proc/{pid}/cwd"))
                    .is_ok_and(|cwd: PathBuf| cwd.starts_with(home))
        })
        .collect()
}

/// Stop every process group in `groups` and every process of the cluster: SIGTERM, up to
/// `grace` for them to exit, then SIGKILL. Returns the pids that were running.
pub fn stop_all(groups: &[i32], home: &Path, grace: Duration) -> Vec<i32> {
    let mut seen: Vec<i32> = groups
        .iter()
        .flat_map(|g| group_members(*g))
        .chain(processes_of(home))
        .collect();
    seen.sort();
    seen.dedup();
    for g in groups {
        unsafe { libc::kill(-g, libc::SIGTERM) };
    }
    for pid in &seen {
        unsafe { libc::kill(*pid, libc::SIGTERM) };
    }
    let deadline = Instant::now() + grace;
    loop {
        let left = remaining(groups, home);
        if left.is_empty() {
            break;
        }
        if Instant::now() >= deadline {
            for g in groups {
                unsafe { libc::kill(-g, libc::SIGKILL) };
            }
            for pid in left {
                unsafe { libc::kill(pid, libc::SIGKILL) };
            }
            std::thread::sleep(Duration::from_millis(300));
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    seen
}

/// Processes still alive from `groups` or the cluster's home.
pub fn remaining(groups: &[i32], home: &Path) -> Vec<i32> {
    let mut left: Vec<i32> = groups
        .iter()
        .flat_map(|g| group_members(*g))
        .chain(processes_of(home))
        .collect();
    left.sort();
    left.dedup();
    left
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spawned_group_is_stopped_with_its_children() {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().canonicalize().unwrap();
        let mut cmd = Command::new("sh");
        cmd.args(["-c", "sleep 300 & sleep 300"]).current_dir(&home);
        let pid = spawn(cmd, &home.join("out.log")).unwrap();
        let deadline = Instant::now() + Duration::from_secs(5);
        while group_members(pid).len() < 2 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        assert!(group_members(pid).len() >= 2);
        assert!(processes_of(&home).contains(&pid));
        let stopped = stop_all(&[pid], &home, Duration::from_secs(5));
        assert!(stopped.contains(&pid));
        // The direct child is reaped by nobody (stormpack detaches): wait for the zombie state.
        let deadline = Instant::now() + Duration::from_secs(5);
        while !remaining(&[pid], &home).is_empty() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        assert!(remaining(&[pid], &home).is_empty());
    }
}
