//! A real multi-daemon Storm cluster on this machine, from Maven Central: ZooKeeper, Nimbus,
//! N Supervisors (and the UI when asked), each its own JVM, run from a Storm home that
//! stormpack lays out under DIR (default `target/stormpack-cluster`):
//! `lib/` (storm-server's closure), `lib-worker/` (storm-client's closure: what the Supervisor
//! puts ahead of the topology jar on a worker's classpath), `lib-webapp/` (storm-webapp, for
//! the UI), `log4j2/cluster.xml` + `log4j2/worker.xml`, `conf/storm.yaml`, `logs/` (daemon
//! logs; worker logs under `logs/workers-artifacts/<topology-id>/<port>/worker.log`), `data/`,
//! and `cluster.json` (ports and pids, for `status`, `down`, and clients).
//!
//! Every port is chosen free at `up`; nothing uses Storm's fixed defaults.

pub mod config;
pub mod process;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::Context;
use serde::{Deserialize, Serialize};

use crate::maven::repository::RepositorySystem;
use crate::maven::resolve::ResolvedArtifact;
use crate::nimbus::{Nimbus, NimbusAddress};
use config::Ports;

pub const NIMBUS_MAIN: &str = "org.apache.storm.daemon.nimbus.Nimbus";
pub const SUPERVISOR_MAIN: &str = "org.apache.storm.daemon.supervisor.Supervisor";
pub const UI_MAIN: &str = "org.apache.storm.daemon.ui.UIServer";
/// ZooKeeper as storm-shaded-deps carries it (part of storm-server's closure).
pub const ZOOKEEPER_MAIN: &str =
    "org.apache.storm.shade.org.apache.zookeeper.server.ZooKeeperServerMain";
/// The state file in the cluster's home.
pub const STATE_FILE: &str = "cluster.json";
/// The default home, under the current directory.
pub const DEFAULT_DIR: &str = "target/stormpack-cluster";

/// How long Nimbus may take to answer after start.
const NIMBUS_TIMEOUT: Duration = Duration::from_secs(240);
/// How long Supervisors may take to register.
const SUPERVISOR_TIMEOUT: Duration = Duration::from_secs(180);

/// What `up` is asked for.
#[derive(Debug, Clone)]
pub struct UpOptions {
    pub dir: PathBuf,
    pub supervisors: usize,
    pub slots: usize,
    pub storm_version: String,
    pub ui: bool,
}

/// One daemon process.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Daemon {
    pub name: String,
    /// Its pid, also its process group.
    pub pid: i32,
    pub log: PathBuf,
}

/// `cluster.json`: what a running cluster is made of.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct State {
    pub home: PathBuf,
    pub storm_version: String,
    pub ports: Ports,
    pub daemons: Vec<Daemon>,
}

impl State {
    pub fn nimbus(&self) -> NimbusAddress {
        NimbusAddress {
            host: "127.0.0.1".to_string(),
            port: self.ports.nimbus,
            source: self.home.join(STATE_FILE).display().to_string(),
        }
    }

    pub fn load(home: &Path) -> anyhow::Result<Option<State>> {
        let path = home.join(STATE_FILE);
        if !path.is_file() {
            return Ok(None);
        }
        let text = fs_err::read_to_string(&path)?;
        let state = serde_json::from_str(&text).with_context(|| {
            format!(
                "{} is damaged\nfix: stop any leftover processes, remove the file, and run \
                 `stormpack cluster up` again",
                path.display()
            )
        })?;
        Ok(Some(state))
    }

    fn save(&self) -> anyhow::Result<()> {
        let path = self.home.join(STATE_FILE);
        let tmp = self.home.join(format!("{STATE_FILE}.tmp"));
        fs_err::write(&tmp, serde_json::to_string_pretty(self)?)?;
        fs_err::rename(&tmp, &path)?;
        Ok(())
    }

    pub fn groups(&self) -> Vec<i32> {
        self.daemons.iter().map(|d| d.pid).collect()
    }
}

/// The cluster home for `--dir` (made absolute: workers and logs name it in full), created
/// for `up`.
pub fn home_dir(dir: &Path) -> anyhow::Result<PathBuf> {
    let abs = absolute(dir)?;
    fs_err::create_dir_all(&abs)?;
    Ok(fs_err::canonicalize(&abs)?)
}

/// The cluster home for `--dir` as `status` and `down` look at it: never created (a mistyped
/// `--dir` must not leave a directory behind); canonical when it exists.
pub fn existing_home_dir(dir: &Path) -> anyhow::Result<PathBuf> {
    let abs = absolute(dir)?;
    Ok(fs_err::canonicalize(&abs).unwrap_or(abs))
}

fn absolute(dir: &Path) -> anyhow::Result<PathBuf> {
    Ok(if dir.is_absolute() {
        dir.to_path_buf()
    } else {
        std::env::current_dir()?.join(dir)
    })
}

/// Start the cluster; returns its state once Nimbus answers and the Supervisors registered.
pub fn up(opts: &UpOptions, repos: &RepositorySystem) -> anyhow::Result<State> {
    if opts.supervisors == 0 || opts.slots == 0 {
        anyhow::bail!(
            "a cluster needs at least one supervisor with at least one slot\n\
             fix: pass --supervisors 1 or more and --slots 1 or more"
        );
    }
    let home = home_dir(&opts.dir)?;
    refuse_running(&home)?;
    let java = crate::run::java::find_from_env()?;
    let ui = link_storm(opts, repos, &home)?;
    let ports = Ports::choose(opts.supervisors, opts.slots)?;
    write_config(&home, &ports)?;

    let mut state = State {
        home: home.clone(),
        storm_version: opts.storm_version.clone(),
        ports: ports.clone(),
        daemons: Vec::new(),
    };
    let result = start_daemons(&mut state, &java, opts, ui);
    if let Err(e) = result {
        let groups = state.groups();
        process::stop_all(&groups, &home, Duration::from_secs(10));
        let _ = fs_err::remove_file(home.join(STATE_FILE));
        return Err(e);
    }
    Ok(state)
}

/// An error when a cluster started from `home` still runs.
fn refuse_running(home: &Path) -> anyhow::Result<()> {
    if let Some(old) = State::load(home)? {
        let running = process::remaining(&old.groups(), home);
        if !running.is_empty() {
            anyhow::bail!(
                "a cluster is already running from {} (Nimbus at {}, pids {running:?})\n\
                 fix: use it (`stormpack cluster status --dir {}`), or stop it first with \
                 `stormpack cluster down --dir {}`",
                home.display(),
                old.nimbus(),
                home.display(),
                home.display()
            );
        }
    }
    Ok(())
}

/// Resolve Storm's server, client (and with `--ui`, webapp) closures and link them into
/// `lib/`, `lib-worker/` and `lib-webapp/`; `true` when the UI can run.
fn link_storm(opts: &UpOptions, repos: &RepositorySystem, home: &Path) -> anyhow::Result<bool> {
    crate::report::status(format!(
        "stormpack: resolving Storm {} from Maven",
        opts.storm_version
    ));
    let server = crate::storm::resolve(
        repos,
        "storm-server",
        &opts.storm_version,
        "for the local cluster",
    )?;
    let client = crate::storm::resolve(
        repos,
        "storm-client",
        &opts.storm_version,
        "for the local cluster",
    )?;
    link_dir(&home.join("lib"), &server)?;
    link_dir(&home.join("lib-worker"), &client)?;
    if !opts.ui {
        return Ok(false);
    }
    match crate::storm::resolve(
        repos,
        "storm-webapp",
        &opts.storm_version,
        "for the Storm UI",
    ) {
        Ok(webapp) => {
            link_dir(&home.join("lib-webapp"), &webapp)?;
            Ok(true)
        }
        Err(e) => {
            crate::report::status(format!(
                "stormpack: warning: no UI: org.apache.storm:storm-webapp:{} does not \
                 resolve ({e:#})",
                opts.storm_version
            ));
            Ok(false)
        }
    }
}

/// The cluster's directories and configuration: storm.yaml, log4j2 files, zoo.cfg.
fn write_config(home: &Path, ports: &Ports) -> anyhow::Result<()> {
    for d in ["conf", "log4j2", "logs", "data", "tmp"] {
        fs_err::create_dir_all(home.join(d))?;
    }
    fs_err::write(
        home.join("conf/storm.yaml"),
        config::storm_yaml(home, ports),
    )?;
    fs_err::write(home.join("log4j2/cluster.xml"), config::CLUSTER_XML)?;
    fs_err::write(home.join("log4j2/worker.xml"), config::WORKER_XML)?;
    let zk_data = home.join("data/zookeeper");
    fs_err::create_dir_all(&zk_data)?;
    fs_err::write(
        home.join("conf/zoo.cfg"),
        config::zoo_cfg(&zk_data, ports.zookeeper),
    )?;
    Ok(())
}

fn start_daemons(state: &mut State, java: &Path, opts: &UpOptions, ui: bool) -> anyhow::Result<()> {
    let home = state.home.clone();
    let mut zk = daemon_command(java, &home, "zookeeper", "lib", "256m", &[]);
    zk.arg("-Dzookeeper.admin.enableServer=false")
        .arg(ZOOKEEPER_MAIN)
        .arg(home.join("conf/zoo.cfg"));
    start(state, "zookeeper", zk)?;
    wait_for_port(
        state,
        "zookeeper",
        state.ports.zookeeper,
        Duration::from_secs(60),
    )?;

    let mut nimbus = daemon_command(java, &home, "nimbus", "lib", "512m", &[]);
    nimbus.arg(NIMBUS_MAIN);
    start(state, "nimbus", nimbus)?;
    wait_for_nimbus(state, 0)?;

    for (i, sup) in state.ports.supervisors.clone().iter().enumerate() {
        let name = format!("supervisor-{}", i + 1);
        let local = home.join("data").join(&name);
        let options = [
            (
                "supervisor.slots.ports",
                serde_json::json!(sup.slots).to_string(),
            ),
            ("supervisor.thrift.port", sup.thrift.to_string()),
            (
                "storm.local.dir",
                serde_json::json!(local.display().to_string()).to_string(),
            ),
        ];
        let mut cmd = daemon_command(java, &home, &name, "lib", "256m", &options);
        cmd.arg(SUPERVISOR_MAIN);
        start(state, &name, cmd)?;
    }
    wait_for_nimbus(state, opts.supervisors)?;

    if ui {
        let mut cmd = daemon_command(java, &home, "ui", "lib-webapp", "256m", &[]);
        cmd.arg(UI_MAIN);
        start(state, "ui", cmd)?;
        wait_for_port(state, "ui", state.ports.ui, Duration::from_secs(120))?;
    }
    Ok(())
}

/// `java ... -cp <home>/<lib>/*:<home>/conf`, as Storm's launcher starts a daemon.
fn daemon_command(
    java: &Path,
    home: &Path,
    name: &str,
    lib: &str,
    heap: &str,
    options: &[(&str, String)],
) -> Command {
    let mut cmd = Command::new(java);
    cmd.current_dir(home)
        .arg("-server")
        .arg(format!("-Xmx{heap}"))
        .arg(format!("-Ddaemon.name={name}"))
        .arg(format!("-Dstorm.home={}", home.display()))
        .arg(format!("-Dstorm.log.dir={}", home.join("logs").display()))
        .arg(format!("-Dlogfile.name={name}.log"))
        .arg(format!(
            "-Dlog4j.configurationFile={}",
            home.join("log4j2/cluster.xml").display()
        ))
        .arg(format!("-Djava.io.tmpdir={}", home.join("tmp").display()));
    if !options.is_empty() {
        cmd.arg(format!(
            "-Dstorm.options={}",
            crate::storm::storm_options(options)
        ));
    }
    cmd.arg("-cp").arg(format!(
        "{}:{}",
        home.join(lib).join("*").display(),
        home.join("conf").display()
    ));
    cmd.env("STORM_CONF_DIR", home.join("conf"));
    cmd
}

fn start(state: &mut State, name: &str, cmd: Command) -> anyhow::Result<()> {
    let log = state.home.join("logs").join(format!("{name}.out"));
    let pid = process::spawn(cmd, &log)?;
    state.daemons.push(Daemon {
        name: name.to_string(),
        pid,
        log: state.home.join("logs").join(format!("{name}.log")),
    });
    state.save()
}

fn died(state: &State, name: &str) -> anyhow::Error {
    let home = &state.home;
    anyhow::anyhow!(
        "{name} exited during start-up\nfix: read {} and {} for the reason",
        home.join("logs").join(format!("{name}.out")).display(),
        home.join("logs").join(format!("{name}.log")).display()
    )
}

fn wait_for_port(state: &State, name: &str, port: u16, timeout: Duration) -> anyhow::Result<()> {
    let pid = state
        .daemons
        .iter()
        .find(|d| d.name == name)
        .map_or(0, |d| d.pid);
    let deadline = Instant::now() + timeout;
    loop {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok(());
        }
        if !process::alive(pid) {
            return Err(died(state, name));
        }
        if Instant::now() > deadline {
            anyhow::bail!(
                "{name} did not open port {port} within {}s\nfix: read {} for the reason",
                timeout.as_secs(),
                state
                    .home
                    .join("logs")
                    .join(format!("{name}.log"))
                    .display()
            );
        }
        std::thread::sleep(Duration::from_millis(250));
    }
}

/// Whether the Nimbus on `port` of this machine is the leader among `nimbuses`.
fn leads(nimbuses: &[crate::nimbus::generated::NimbusSummary], port: u16) -> bool {
    nimbuses
        .iter()
        .any(|n| n.is_leader && n.port == i32::from(port))
}

/// Wait until Nimbus answers getClusterInfo as the leader, with at least `supervisors`
/// supervisors.
fn wait_for_nimbus(state: &State, supervisors: usize) -> anyhow::Result<()> {
    let timeout = if supervisors == 0 {
        NIMBUS_TIMEOUT
    } else {
        SUPERVISOR_TIMEOUT
    };
    let deadline = Instant::now() + timeout;
    let mut last;
    loop {
        for d in &state.daemons {
            if !process::alive(d.pid) {
                return Err(died(state, &d.name));
            }
        }
        match Nimbus::connect(&state.nimbus()).and_then(|mut n| n.cluster_info()) {
            // Nimbus answers before it holds the leader lock (for a while longer when a previous
            // Nimbus of this directory still holds it in ZooKeeper), and refuses uploads until
            // then: ready means leader.
            Ok(info) if !leads(&info.nimbuses, state.ports.nimbus) => {
                last = "Nimbus is not the leader yet".to_string()
            }
            Ok(info) if info.supervisors.len() >= supervisors => return Ok(()),
            Ok(info) => {
                last = format!(
                    "{} of {supervisors} supervisors registered",
                    info.supervisors.len()
                )
            }
            Err(e) => last = format!("{e:#}"),
        }
        if Instant::now() > deadline {
            anyhow::bail!(
                "the cluster did not come up within {}s: {last}\nfix: read the logs in {}",
                timeout.as_secs(),
                state.home.join("logs").display()
            );
        }
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// Make `dir` hold exactly links to `artifacts`' jars.
fn link_dir(dir: &Path, artifacts: &[ResolvedArtifact]) -> anyhow::Result<()> {
    if dir.exists() {
        fs_err::remove_dir_all(dir)?;
    }
    fs_err::create_dir_all(dir)?;
    for a in artifacts {
        let name = a.file.file_name().map(|n| n.to_owned()).unwrap_or_default();
        std::os::unix::fs::symlink(&a.file, dir.join(name))
            .with_context(|| format!("linking {} into {}", a.file.display(), dir.display()))?;
    }
    Ok(())
}

/// What `status` shows.
pub fn status(home: &Path) -> anyhow::Result<String> {
    let Some(state) = State::load(home)? else {
        anyhow::bail!(
            "no cluster in {} (no {STATE_FILE})\nfix: start one with `stormpack cluster up --dir {}`",
            home.display(),
            home.display()
        );
    };
    let mut out = format!(
        "cluster {} (Storm {})\nNimbus: {}\n",
        home.display(),
        state.storm_version,
        state.nimbus()
    );
    out.push_str("daemons:\n");
    for d in &state.daemons {
        let members = process::group_members(d.pid).len();
        out.push_str(&format!(
            "  {:<14} pid {:<8} {}{}\n",
            d.name,
            d.pid,
            if process::alive(d.pid) {
                "running"
            } else {
                "STOPPED"
            },
            if members > 1 {
                format!(" ({members} processes in its group)")
            } else {
                String::new()
            }
        ));
    }
    match Nimbus::connect(&state.nimbus()).and_then(|mut n| n.cluster_info()) {
        Ok(info) => {
            out.push_str(&format!("supervisors: {}\n", info.supervisors.len()));
            for s in &info.supervisors {
                out.push_str(&format!(
                    "  {} {} slots used {}/{}\n",
                    s.supervisor_id, s.host, s.num_used_workers, s.num_workers
                ));
            }
            out.push_str(&format!("topologies: {}\n", info.topologies.len()));
            for t in &info.topologies {
                out.push_str(&format!(
                    "  {:<20} {:<8} {} workers {} executors {} up {}s\n",
                    t.name, t.status, t.id, t.num_workers, t.num_executors, t.uptime_secs
                ));
            }
        }
        Err(e) => out.push_str(&format!("Nimbus does not answer: {e:#}\n")),
    }
    Ok(out)
}

/// Stop every process of the cluster; returns the pids that were running.
pub fn down(home: &Path) -> anyhow::Result<Vec<i32>> {
    let groups = State::load(home)?.map(|s| s.groups()).unwrap_or_default();
    let stopped = process::stop_all(&groups, home, Duration::from_secs(20));
    let left = process::remaining(&groups, home);
    if !left.is_empty() {
        anyhow::bail!(
            "processes of the cluster in {} are still running after SIGKILL: {left:?}\n\
             fix: check them with `ps -o pid,stat,cmd -p {}`",
            home.display(),
            left.iter()
                .map(|p| p.to_string())
                .collect::<Vec<_>>()
                .join(",")
        );
    }
    let _ = fs_err::remove_file(home.join(STATE_FILE));
    Ok(stopped)
}
