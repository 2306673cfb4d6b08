//! `stormpack run`'s engine: a real Storm LocalCluster running the topology jar, the way
//! `storm local` does it in Storm 2.x —
//! `java -Dstorm.jar=<jar> -Dstorm.local.sleeptime=<secs> -cp <jar>:<storm-server runtime>
//! org.apache.storm.LocalCluster org.apache.storm.flux.Flux -R /<topology>` — with stormpack's
//! log4j2 configuration (component logs on the terminal), Flux's `--filter`/`--env-filter`,
//! `storm.options` for `-c key=value`, and everything Storm writes (its local dirs, the extracted
//! `resources/`) kept under `<target>/stormpack-run/`.
//!
//! [`RunPlan`] is the whole invocation, decided before anything starts (`--dry-run` prints it);
//! [`execute`] runs it under [`supervise`] and reports what the log showed.

pub mod classpath;
pub mod duration;
pub mod java;
pub mod log4j2;
pub mod logscan;
pub mod prepare;
pub mod supervise;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::error::Diagnostic;
use anyhow::Context;
use serde::Serialize;

/// LocalCluster's entry point: starts an in-process cluster, runs a main class, sleeps, stops.
pub const LOCAL_CLUSTER: &str = "org.apache.storm.LocalCluster";
/// Flux's entry point.
pub const FLUX: &str = "org.apache.storm.flux.Flux";
/// The classpath name Flux reads `--filter` from: under `-R`, Flux loads the properties file as
/// a classpath resource, not from the file system.
pub const FILTER_RESOURCE: &str = "stormpack-run-filter.properties";
/// Time for the JVM to start, submit the topology and shut down, on top of `--duration`, before
/// stormpack stops it itself.
pub const START_AND_STOP_ALLOWANCE: Duration = Duration::from_secs(180);

/// Everything about one run, decided up front.
#[derive(Debug, Clone, Serialize)]
pub struct RunPlan {
    pub java: PathBuf,
    pub jar: PathBuf,
    /// The topology's path inside the jar (Flux's `-R /<topology>`).
    pub topology: String,
    pub storm_version: String,
    pub classpath: Vec<PathBuf>,
    /// Why any Storm jar goes ahead of the topology jar.
    pub classpath_notes: Vec<String>,
    pub duration_secs: u64,
    /// `<target>/stormpack-run`: the log4j2 configuration and the per-run work directories.
    pub run_dir: PathBuf,
    /// This run's work directory (Storm's temp/local dirs, the filter resource); removed after.
    pub work_dir: PathBuf,
    /// The user's `--filter` properties file.
    pub filter: Option<PathBuf>,
    pub env_filter: bool,
    /// `-c key=value` settings, passed to Storm as `storm.options`.
    pub conf: Vec<(String, String)>,
}

impl RunPlan {
    pub fn log4j2_path(&self) -> PathBuf {
        self.run_dir.join("log4j2.xml")
    }

    fn filter_dir(&self) -> PathBuf {
        self.work_dir.join("classpath")
    }

    fn tmp_dir(&self) -> PathBuf {
        self.work_dir.join("tmp")
    }

    /// The JVM's arguments (after the `java` program).
    pub fn java_args(&self) -> Vec<OsString> {
        let mut args: Vec<OsString> = vec![
            prop("storm.jar", self.jar.as_os_str()),
            prop("storm.local.sleeptime", self.duration_secs.to_string()),
            prop("log4j.configurationFile", self.log4j2_path().as_os_str()),
            prop("java.io.tmpdir", self.tmp_dir().as_os_str()),
        ];
        if !self.conf.is_empty() {
            args.push(prop(
                "storm.options",
                crate::storm::storm_options(&self.conf),
            ));
        }
        args.push("-cp".into());
        args.push(join_classpath(&self.classpath));
        args.push(LOCAL_CLUSTER.into());
        args.push(FLUX.into());
        args.push("-R".into());
        args.push(format!("/{}", self.topology.trim_start_matches('/')).into());
        if self.filter.is_some() {
            args.push("--filter".into());
            args.push(format!("/{FILTER_RESOURCE}").into());
        }
        if self.env_filter {
            args.push("--env-filter".into());
        }
        args
    }

    /// The command line as a shell would take it (for `--dry-run` and error messages).
    pub fn render_command(&self) -> String {
        std::iter::once(self.java.clone().into_os_string())
            .chain(self.java_args())
            .map(|a| shell_quote(&a.to_string_lossy()))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

fn prop(key: &str, value: impl Into<OsString>) -> OsString {
    let mut s = OsString::from(format!("-D{key}="));
    s.push(value.into());
    s
}

fn join_classpath(entries: &[PathBuf]) -> OsString {
    let mut joined = OsString::new();
    for (i, e) in entries.iter().enumerate() {
        if i > 0 {
            joined.push(":");
        }
        joined.push(e.as_os_str());
    }
    joined
}

fn shell_quote(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:@%+,".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// Parse `-c key=value`.
pub fn parse_conf(items: &[String]) -> anyhow::Result<Vec<(String, String)>> {
    items
        .iter()
        .map(|item| match item.split_once('=') {
            Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_string(), v.to_string())),
            _ => anyhow::bail!(
                Diagnostic::new(format!("-c {item:?} is not a Storm setting"))
                    .fix("write it as key=value, e.g. -c topology.debug=true")
            ),
        })
        .collect()
}

/// Start Storm as the plan says, stream its output, stop it, clean up. Returns the exit code.
pub fn execute(plan: &RunPlan) -> anyhow::Result<i32> {
    prepare_dirs(plan)?;
    let mut command = Command::new(&plan.java);
    command.args(plan.java_args()).current_dir(&plan.work_dir);
    for note in &plan.classpath_notes {
        crate::report::status(format!("stormpack: note: {note}"));
    }
    crate::report::status(format!(
        "stormpack: running {} on a Storm {} LocalCluster for {}s (Ctrl-C stops it)",
        plan.jar.display(),
        plan.storm_version,
        plan.duration_secs
    ));
    let deadline = Duration::from_secs(plan.duration_secs) + START_AND_STOP_ALLOWANCE;
    let result = supervise::supervise(command, deadline);
    let cleanup = fs_err::remove_dir_all(&plan.work_dir);
    let run = result.with_context(|| format!("the command was: {}", plan.render_command()))?;
    if let Err(err) = cleanup {
        crate::report::status(format!(
            "stormpack: warning: could not remove {}: {err}",
            plan.work_dir.display()
        ));
    }

    let code = supervise::exit_code(&run.status);
    report_leftovers_and_problems(&run);
    if let Some(sig) = run.interrupted_by {
        crate::report::status("stormpack: run interrupted; Storm stopped".to_string());
        return Ok(128 + sig);
    }
    if run.timed_out {
        crate::report::status(format!(
            "stormpack: Storm did not stop by itself within {}s and was stopped",
            deadline.as_secs()
        ));
        return Ok(if code == 0 { 1 } else { code });
    }
    if code != 0
        && run.scan.submitted
        && run.scan.halted_while_stopping
        && run.scan.problems.is_empty()
    {
        // Storm's shutdown interrupts each executor and waits 100 ms; a thread still reading its
        // component's pipe then reports the closed pipe and halts the JVM with status 1. Nothing
        // went wrong before the shutdown, so the run succeeded.
        crate::report::status(format!(
            "stormpack: the topology ran for {}s; Storm halted itself with status {code} while \
             stopping (an executor did not stop within 100 ms of its interruption), after the \
             topology had stopped: not a problem of the topology",
            plan.duration_secs
        ));
        return Ok(0);
    }
    if code != 0 && !run.scan.submitted {
        crate::report::status(format!(
            "stormpack: Storm exited with status {code} before the topology was submitted; \
             the error above is from Flux or Storm (topology.yaml, a missing class, the filter)"
        ));
    } else if code != 0 {
        crate::report::status(format!("stormpack: Storm exited with status {code}"));
    } else {
        crate::report::status(format!(
            "stormpack: the topology ran for {}s; Storm stopped cleanly",
            plan.duration_secs
        ));
    }
    Ok(code)
}

/// The processes Storm left behind (stopped by then) and the problems its output showed.
fn report_leftovers_and_problems(run: &supervise::Supervised) {
    if !run.leftovers.is_empty() {
        crate::report::status(format!(
            "stormpack: stopped {} process(es) Storm left behind:",
            run.leftovers.len()
        ));
        for p in &run.leftovers {
            crate::report::status(format!("  {p}"));
        }
    }
    for (line, meaning) in &run.scan.problems {
        crate::report::status(format!(
            "stormpack: Storm reported: {line}\n  meaning: {meaning}"
        ));
    }
}

/// Write the log4j2 configuration, the run's work directory and the filter resource; remove
/// work directories that earlier runs (killed before they could clean up) left behind.
fn prepare_dirs(plan: &RunPlan) -> anyhow::Result<()> {
    fs_err::create_dir_all(&plan.run_dir)?;
    remove_stale_work_dirs(&plan.run_dir);
    write_atomically(&plan.log4j2_path(), log4j2::CONFIG.as_bytes())?;
    fs_err::create_dir_all(plan.tmp_dir())?;
    fs_err::create_dir_all(plan.filter_dir())?;
    if let Some(filter) = &plan.filter {
        fs_err::copy(filter, plan.filter_dir().join(FILTER_RESOURCE)).with_context(|| {
            Diagnostic::new(format!(
                "cannot read the --filter file {}",
                filter.display()
            ))
            .fix("pass an existing Java properties file")
        })?;
    }
    Ok(())
}

fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = path.parent().context("the run directory has no parent")?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("cannot create a file in {}", dir.display()))?;
    std::io::Write::write_all(&mut tmp, bytes)?;
    tmp.persist(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// The work directory name for this process: `run-<pid>`.
pub fn work_dir_name() -> String {
    format!("run-{}", std::process::id())
}

fn remove_stale_work_dirs(run_dir: &Path) {
    let Ok(entries) = std::fs::read_dir(run_dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix("run-"))
            .and_then(|p| p.parse::<i32>().ok())
        else {
            continue;
        };
        // SAFETY: signal 0 only asks whether the process exists.
        let alive = unsafe { libc::kill(pid, 0) } == 0
            || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM);
        if pid != std::process::id() as i32 && !alive {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan() -> RunPlan {
        RunPlan {
            java: PathBuf::from("/usr/bin/java"),
            jar: PathBuf::from("/p/target/WordCount-1.0-SNAPSHOT.jar"),
            topology: "topology.yaml".into(),
            storm_version: "2.8.3".into(),
            classpath: vec![
                PathBuf::from("/p/target/WordCount-1.0-SNAPSHOT.jar"),
                PathBuf::from("/m2/storm-server-2.8.3.jar"),
            ],
            classpath_notes: Vec::new(),
            duration_secs: 30,
            run_dir: PathBuf::from("/p/target/stormpack-run"),
            work_dir: PathBuf::from("/p/target/stormpack-run/run-7"),
            filter: None,
            env_filter: false,
            conf: Vec::new(),
        }
    }

    #[test]
    fn the_command_is_what_storm_local_runs() {
        let args: Vec<String> = plan()
            .java_args()
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            args,
            [
                "-Dstorm.jar=/p/target/WordCount-1.0-SNAPSHOT.jar",
                "-Dstorm.local.sleeptime=30",
                "-Dlog4j.configurationFile=/p/target/stormpack-run/log4j2.xml",
                "-Djava.io.tmpdir=/p/target/stormpack-run/run-7/tmp",
                "-cp",
                "/p/target/WordCount-1.0-SNAPSHOT.jar:/m2/storm-server-2.8.3.jar",
                "org.apache.storm.LocalCluster",
                "org.apache.storm.flux.Flux",
                "-R",
                "/topology.yaml",
            ]
        );
    }

    #[test]
    fn filter_env_filter_and_conf_reach_flux_and_storm() {
        let mut p = plan();
        p.filter = Some(PathBuf::from("/p/dev.properties"));
        p.env_filter = true;
        p.conf = vec![
            ("wordcount.marker".into(), "zq 1".into()),
            ("topology.workers".into(), "1".into()),
        ];
        let rendered = p.render_command();
        assert!(
            rendered.contains("-Dstorm.options=wordcount.marker%3Dzq+1,topology.workers%3D1"),
            "{rendered}"
        );
        assert!(
            rendered.ends_with(
                "-R /topology.yaml --filter /stormpack-run-filter.properties --env-filter"
            ),
            "{rendered}"
        );
    }

    #[test]
    fn conf_needs_key_equals_value() {
        assert_eq!(
            parse_conf(&["a.b=c=d".into()]).unwrap(),
            vec![("a.b".to_string(), "c=d".to_string())]
        );
        let err = parse_conf(&["nokey".into()]).unwrap_err().to_string();
        assert!(err.contains("key=value"), "{err}");
        assert!(parse_conf(&["=v".into()]).is_err());
    }

    #[test]
    fn shell_quoting_keeps_plain_words_and_quotes_the_rest() {
        assert_eq!(shell_quote("-Dstorm.jar=/a/b.jar"), "-Dstorm.jar=/a/b.jar");
        assert_eq!(shell_quote("a b"), "'a b'");
        assert_eq!(shell_quote("it's"), "'it'\\''s'");
    }
}
