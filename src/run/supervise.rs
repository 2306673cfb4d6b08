//! Running the Storm JVM as a supervised child: its own process group (so every component
//! process it starts can be found and stopped), its output streamed line by line to ours while
//! [`LogScan`] reads it, Ctrl-C/SIGTERM/SIGHUP forwarded, a hard deadline in case Storm does
//! not stop by itself, and — whatever happened — no process of the group left when this returns.
//! On Linux the JVM also gets SIGTERM if stormpack itself dies (PR_SET_PDEATHSIG).

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use anyhow::Context;

use super::logscan::LogScan;

/// How often the supervisor looks at the child, the signals and the clock.
const TICK: Duration = Duration::from_millis(100);
/// How long the JVM gets to exit after SIGTERM before the whole group is killed.
const TERM_GRACE: Duration = Duration::from_secs(10);
/// How long component processes get to exit by themselves once the JVM is gone.
const EOF_GRACE: Duration = Duration::from_secs(2);
/// How long leftover component processes get after SIGTERM before SIGKILL.
const LEFTOVER_GRACE: Duration = Duration::from_secs(5);

/// How the run ended.
#[derive(Debug)]
pub struct Supervised {
    /// The JVM's exit status.
    pub status: ExitStatus,
    /// The signal that made stormpack stop the run (SIGINT for Ctrl-C), if any.
    pub interrupted_by: Option<i32>,
    /// The hard deadline passed and stormpack stopped the JVM.
    pub timed_out: bool,
    /// Processes of the group still alive after the JVM exited (and then stopped), `pid cmdline`.
    pub leftovers: Vec<String>,
    pub scan: LogScan,
}

/// Start `command` and supervise it until it and every process it started are gone.
/// `deadline` is the longest the JVM may run before it is stopped.
pub fn supervise(mut command: Command, deadline: Duration) -> anyhow::Result<Supervised> {
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    set_parent_death_signal(&mut command);

    let signals = SignalFlags::register()?;
    let mut child = command
        .spawn()
        .with_context(|| format!("cannot start {}", command.get_program().to_string_lossy()))?;
    let pgid = child.id() as i32;
    let scan = Arc::new(Mutex::new(LogScan::default()));
    let pumps = start_pumps(&mut child, &scan);

    let started = Instant::now();
    let mut interrupted_by = None;
    let mut timed_out = false;
    let mut kill_at: Option<Instant> = None;
    let status = loop {
        if let Some(status) = child.try_wait().context("cannot wait for the Storm JVM")? {
            break status;
        }
        if let Some(sig) = signals.take() {
            if interrupted_by.is_none() {
                interrupted_by = Some(sig);
                crate::report::status(format!(
                    "stormpack: stopping Storm ({}); press Ctrl-C again to kill it at once",
                    signal_name(sig)
                ));
                // SIGTERM, not SIGINT: a JVM started with SIGINT ignored never sees SIGINT.
                send(pgid, libc::SIGTERM);
                kill_at = Some(Instant::now() + TERM_GRACE);
            } else {
                crate::report::status("stormpack: killing Storm and its components".to_string());
                send_group(pgid, libc::SIGKILL);
            }
        }
        if kill_at.is_none() && started.elapsed() >= deadline {
            timed_out = true;
            crate::report::status(format!(
                "stormpack: Storm is still running {}s after it started (it should have stopped by \
                 itself); stopping it",
                deadline.as_secs()
            ));
            send(pgid, libc::SIGTERM);
            kill_at = Some(Instant::now() + TERM_GRACE);
        }
        if kill_at.is_some_and(|at| Instant::now() >= at) {
            crate::report::status(
                "stormpack: Storm did not exit after SIGTERM; killing it".to_string(),
            );
            send_group(pgid, libc::SIGKILL);
            kill_at = Some(Instant::now() + TERM_GRACE);
        }
        std::thread::sleep(TICK);
    };
    let leftovers = stop_group(pgid);
    signals.unregister();
    for pump in pumps {
        // A pump ends at EOF; once the group is gone nothing holds the pipes open.
        let _ = pump.join();
    }
    let scan = scan.lock().map(|s| s.clone()).unwrap_or_default();
    Ok(Supervised {
        status,
        interrupted_by,
        timed_out,
        leftovers,
        scan,
    })
}

/// The shell-style exit code for a status: the code, or 128 + the signal that ended it.
pub fn exit_code(status: &ExitStatus) -> i32 {
    status
        .code()
        .or_else(|| status.signal().map(|s| 128 + s))
        .unwrap_or(1)
}

fn start_pumps(child: &mut Child, scan: &Arc<Mutex<LogScan>>) -> Vec<JoinHandle<()>> {
    let mut pumps = Vec::new();
    if let Some(out) = child.stdout.take() {
        let scan = Arc::clone(scan);
        pumps.push(std::thread::spawn(move || {
            pump(out, &mut std::io::stdout(), &scan)
        }));
    }
    if let Some(err) = child.stderr.take() {
        let scan = Arc::clone(scan);
        pumps.push(std::thread::spawn(move || {
            pump(err, &mut std::io::stderr(), &scan)
        }));
    }
    pumps
}

/// Copy `from` to `to` line by line (flushing each, so the terminal sees logs as they come),
/// showing every line to the scanner. Bytes that are not UTF-8 pass through unchanged.
fn pump(from: impl Read, to: &mut impl Write, scan: &Mutex<LogScan>) {
    let mut reader = BufReader::new(from);
    let mut line = Vec::new();
    loop {
        line.clear();
        match reader.read_until(b'\n', &mut line) {
            Ok(0) | Err(_) => return,
            Ok(_) => {
                if let Ok(mut scan) = scan.lock() {
                    scan.observe(&String::from_utf8_lossy(&line));
                }
                // A closed terminal must not stop the run: keep draining the pipe.
                let _ = to.write_all(&line).and_then(|()| to.flush());
            }
        }
    }
}

/// Stop whatever is left of the process group once the JVM is gone: SIGTERM, a grace period,
/// then SIGKILL. Returns what was found alive.
fn stop_group(pgid: i32) -> Vec<String> {
    // Components see EOF on stdin when the JVM is gone and exit by themselves; give them a moment.
    let until = Instant::now() + EOF_GRACE;
    while Instant::now() < until && !group_members(pgid).is_empty() {
        std::thread::sleep(TICK);
    }
    let found = group_members(pgid);
    if found.is_empty() {
        return found;
    }
    send_group(pgid, libc::SIGTERM);
    let until = Instant::now() + LEFTOVER_GRACE;
    while Instant::now() < until && !group_members(pgid).is_empty() {
        std::thread::sleep(TICK);
    }
    if !group_members(pgid).is_empty() {
        send_group(pgid, libc::SIGKILL);
        let until = Instant::now() + LEFTOVER_GRACE;
        while Instant::now() < until && !group_members(pgid).is_empty() {
            std::thread::sleep(TICK);
        }
    }
    found
}

/// The live (not zombie) processes in group `pgid`, as `pid cmdline`.
fn group_members(pgid: i32) -> Vec<String> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        // No procfs: ask the kernel whether the group still has members.
        // SAFETY: kill with signal 0 only checks for existence and permission.
        let alive = unsafe { libc::kill(-pgid, 0) } == 0;
        return if alive {
            vec![format!("process group {pgid}")]
        } else {
            Vec::new()
        };
    };
    let mut members = Vec::new();
    for entry in dir.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(|n| n.parse::<i32>().ok()) else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        if let Some((state, group)) = parse_stat(&stat) {
            if group == pgid && state != 'Z' && state != 'X' {
                let cmdline = std::fs::read(entry.path().join("cmdline"))
                    .map(|b| {
                        String::from_utf8_lossy(&b)
                            .replace('\0', " ")
                            .trim()
                            .to_string()
                    })
                    .unwrap_or_default();
                members.push(format!("{pid} {cmdline}"));
            }
        }
    }
    members.sort();
    members
}

/// `(state, pgrp)` from a `/proc/<pid>/stat` line; the command name may hold spaces and
/// parentheses, so fields are counted after the last `)`.
fn parse_stat(stat: &str) -> Option<(char, i32)> {
    let rest = &stat[stat.rfind(')')? + 1..];
    let mut fields = rest.split_whitespace();
    let state = fields.next()?.chars().next()?;
    let _ppid = fields.next()?;
    let pgrp = fields.next()?.parse().ok()?;
    Some((state, pgrp))
}

fn send(pid: i32, signal: i32) {
    // SAFETY: plain kill(2) on our own child; failure (already gone) is fine.
    unsafe {
        libc::kill(pid, signal);
    }
}

fn send_group(pgid: i32, signal: i32) {
    // SAFETY: kill(2) on the process group our child leads; failure (empty group) is fine.
    unsafe {
        libc::kill(-pgid, signal);
    }
}

#[cfg(target_os = "linux")]
fn set_parent_death_signal(command: &mut Command) {
    // SAFETY: the closure runs between fork and exec and calls only async-signal-safe functions
    // (prctl, getppid); it allocates nothing.
    unsafe {
        command.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            // The parent may have died before prctl took effect.
            if libc::getppid() == 1 {
                return Err(std::io::Error::other(
                    "stormpack exited while starting Storm",
                ));
            }
            Ok(())
        });
    }
}

#[cfg(not(target_os = "linux"))]
fn set_parent_death_signal(_command: &mut Command) {}

fn signal_name(sig: i32) -> &'static str {
    match sig {
        libc::SIGINT => "Ctrl-C",
        libc::SIGTERM => "SIGTERM",
        libc::SIGHUP => "SIGHUP",
        _ => "signal",
    }
}

/// SIGINT, SIGTERM and SIGHUP, caught for the length of a run.
struct SignalFlags {
    flags: Vec<(i32, Arc<AtomicBool>, signal_hook::SigId)>,
}

impl SignalFlags {
    fn register() -> anyhow::Result<Self> {
        let mut flags = Vec::new();
        for sig in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
            let flag = Arc::new(AtomicBool::new(false));
            let id = signal_hook::flag::register(sig, Arc::clone(&flag))
                .with_context(|| format!("cannot install a handler for signal {sig}"))?;
            flags.push((sig, flag, id));
        }
        Ok(SignalFlags { flags })
    }

    /// The first signal that arrived since the last call, if any.
    fn take(&self) -> Option<i32> {
        self.flags
            .iter()
            .find(|(_, flag, _)| flag.swap(false, Ordering::SeqCst))
            .map(|(sig, _, _)| *sig)
    }

    fn unregister(self) {
        for (_, _, id) in self.flags {
            signal_hook::low_level::unregister(id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_lines_with_odd_command_names_parse() {
        assert_eq!(
            parse_stat("1234 (java) S 1 1234 1234 0 -1 4194560"),
            Some(('S', 1234))
        );
        assert_eq!(
            parse_stat("77 (a (weird) name) Z 5 42 42 0"),
            Some(('Z', 42))
        );
        assert_eq!(parse_stat("garbage"), None);
    }

    #[test]
    fn a_whole_group_is_stopped_even_when_its_leader_exits_first() {
        // The leader starts a child that ignores SIGTERM-free EOF and sleeps, then exits.
        let mut cmd = Command::new("sh");
        cmd.arg("-c").arg("sleep 300 & echo started; exit 3");
        let run = supervise(cmd, Duration::from_secs(60)).unwrap();
        assert_eq!(exit_code(&run.status), 3);
        assert_eq!(run.leftovers.len(), 1, "{:?}", run.leftovers);
        assert!(
            run.leftovers[0].contains("sleep 300"),
            "{:?}",
            run.leftovers
        );
        let pid: i32 = run.leftovers[0].split(' ').next().unwrap().parse().unwrap();
        let gone = std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .map(|s| {
                parse_stat(&s)
                    .map(|(state, _)| state == 'Z')
                    .unwrap_or(true)
            })
            .unwrap_or(true);
        assert!(gone, "process {pid} survived");
    }

    #[test]
    fn the_deadline_stops_a_child_that_does_not_stop_by_itself() {
        let mut cmd = Command::new("sh");
        cmd.arg("-c").arg("exec sleep 300");
        let started = Instant::now();
        let run = supervise(cmd, Duration::from_secs(1)).unwrap();
        assert!(run.timed_out);
        assert_eq!(exit_code(&run.status), 128 + libc::SIGTERM);
        assert!(started.elapsed() < Duration::from_secs(10));
    }

    #[test]
    fn output_is_scanned_as_it_streams() {
        let mut cmd = Command::new("sh");
        cmd.arg("-c").arg(
            "echo 'Finished submitting topology: t'; \
             echo 'java.lang.RuntimeException: subprocess heartbeat timeout' >&2",
        );
        let run = supervise(cmd, Duration::from_secs(60)).unwrap();
        assert!(run.scan.submitted);
        assert_eq!(run.scan.problems.len(), 1);
        assert!(run.leftovers.is_empty());
    }
}
