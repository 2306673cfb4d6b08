//! End to end on a real multi-daemon Storm cluster (`stormpack cluster up`: ZooKeeper, Nimbus,
//! one Supervisor with three slots, each its own JVM), reused by every step of one test:
//! the Maven WordCount (Python) and the Rust example submitted without a JVM, a topology that
//! needs Flux submitted through a JVM; the worker logs show every component ran in a worker JVM
//! the Supervisor started (main class Storm's Worker, `lib-worker/*` ahead of the topology jar),
//! from the Supervisor's extracted `resources/`, and that counts grow; `kill` removes a topology
//! and its worker; `cluster down` leaves no process. Output is kept under
//! `target/tmp/cluster/`.

#![cfg(unix)]

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn stormpack() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_stormpack"));
    cmd.env_remove("STORMPACK_NIMBUS");
    cmd
}

fn run(args: &[&str]) -> Output {
    let out = stormpack().args(args).output().expect("start stormpack");
    eprintln!(
        "$ stormpack {}\n{}{}",
        args.join(" "),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn ok(args: &[&str]) -> String {
    let out = run(args);
    assert!(out.status.success(), "stormpack {args:?} failed");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Copy `src` into `dest` (no `target/`), rewriting only changed files (cargo's cache stays
/// fresh for a stable destination).
fn copy_tree(src: &Path, dest: &Path) {
    fs::create_dir_all(dest).unwrap();
    for entry in fs::read_dir(src).unwrap() {
        let entry = entry.unwrap();
        let (from, to) = (entry.path(), dest.join(entry.file_name()));
        if entry.file_name() == "target" {
            continue;
        }
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&from, &to);
        } else {
            let bytes = fs::read(&from).unwrap();
            if fs::read(&to).ok().as_deref() != Some(&bytes[..]) {
                fs::write(&to, bytes).unwrap();
            }
        }
    }
}

/// Stops the cluster even when an assertion fails.
struct Cluster {
    home: PathBuf,
    down: bool,
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if !self.down {
            let _ = stormpack()
                .args(["cluster", "down", "--dir"])
                .arg(&self.home)
                .output();
        }
    }
}

fn cmdline(pid: i32) -> Option<Vec<String>> {
    let raw = fs::read(format!("/proc/{pid}/cmdline")).ok()?;
    Some(
        raw.split(|b| *b == 0)
            .filter(|a| !a.is_empty())
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect(),
    )
}

fn ppid(pid: i32) -> Option<i32> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (_, rest) = stat.rsplit_once(')')?;
    rest.split_whitespace().nth(1)?.parse().ok()
}

fn live(pid: i32) -> bool {
    fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| {
            s.rsplit_once(')')
                .map(|(_, r)| !r.trim_start().starts_with('Z'))
        })
        .unwrap_or(false)
}

fn pids() -> Vec<i32> {
    fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
        .collect()
}

/// Processes that belong to the cluster at `home`: named in their command line, or running in it.
fn cluster_processes(home: &Path) -> Vec<(i32, String)> {
    let marker = home.display().to_string();
    pids()
        .into_iter()
        .filter(|p| live(*p) && *p != std::process::id() as i32)
        .filter_map(|p| {
            let cmd = cmdline(p)?.join(" ");
            let cwd = fs::read_link(format!("/proc/{p}/cwd")).ok();
            (cmd.contains(&format!("-Dstorm.home={marker}"))
                || cwd.is_some_and(|c| c.starts_with(home)))
            .then_some((p, cmd))
        })
        .collect()
}

/// The worker JVM of a topology: main class Storm's Worker, its topology id on the command line.
fn worker_of(topology_id: &str) -> Option<(i32, Vec<String>)> {
    pids().into_iter().filter(|p| live(*p)).find_map(|p| {
        let args = cmdline(p)?;
        // Not the LogWriter that started it (whose arguments hold the worker's command).
        let is_worker = args
            .iter()
            .any(|a| a == "org.apache.storm.daemon.worker.Worker")
            && !args.iter().any(|a| a == "org.apache.storm.LogWriter")
            && args.iter().any(|a| a == topology_id);
        is_worker.then_some((p, args))
    })
}

/// `["word",N]` counts that LogInfoBolt logged, per word, in order.
fn counts(log: &str) -> BTreeMap<String, Vec<u64>> {
    let mut out: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    for line in log.lines().filter(|l| l.contains("LogInfoBolt")) {
        let Some(start) = line.find("[\"") else {
            continue;
        };
        let rest = &line[start + 2..];
        let Some((word, rest)) = rest.split_once("\",") else {
            continue;
        };
        let n: String = rest.chars().take_while(char::is_ascii_digit).collect();
        if let Ok(n) = n.parse() {
            out.entry(word.to_string()).or_default().push(n);
        }
    }
    out
}

fn topology_id(home: &Path, name: &str) -> Option<String> {
    let dir = home.join("logs/workers-artifacts");
    fs::read_dir(dir).ok()?.find_map(|e| {
        let n = e.ok()?.file_name().to_string_lossy().into_owned();
        (n.starts_with(&format!("{name}-"))).then_some(n)
    })
}

fn worker_log(home: &Path, id: &str) -> Option<(PathBuf, String)> {
    let dir = home.join("logs/workers-artifacts").join(id);
    let port = fs::read_dir(&dir).ok()?.next()?.ok()?.path();
    let log = port.join("worker.log");
    let text = fs::read_to_string(&log).ok()?;
    Some((log, text))
}

/// Wait until the topology's worker log shows a word's count rising (three counts, increasing).
fn assert_counts_grow(home: &Path, name: &str) -> (String, PathBuf, String) {
    let deadline = Instant::now() + Duration::from_secs(240);
    loop {
        if let Some(id) = topology_id(home, name) {
            if let Some((log, text)) = worker_log(home, &id) {
                for failure in ["Async loop died", "Worker died", "Pipe to subprocess"] {
                    assert!(
                        !text.contains(failure),
                        "{name}: `{failure}` in {}",
                        log.display()
                    );
                }
                let c = counts(&text);
                if let Some((word, seen)) = c
                    .iter()
                    .find(|(_, v)| v.len() >= 3 && v.windows(2).all(|w| w[0] < w[1]))
                {
                    eprintln!(
                        "{name}: `{word}` counted {:?} in {}",
                        &seen[..3.min(seen.len())],
                        log.display()
                    );
                    return (id, log, text);
                }
            }
        }
        assert!(
            Instant::now() < deadline,
            "{name}: no growing counts in its worker log under {} within 240s",
            home.join("logs/workers-artifacts").display()
        );
        std::thread::sleep(Duration::from_secs(2));
    }
}

/// The worker JVM was started by the Supervisor (through Storm's LogWriter), runs Storm's Worker
/// with lib-worker ahead of the topology jar, and its shell components run from the
/// Supervisor's extracted resources.
fn assert_real_worker(home: &Path, id: &str, supervisor: i32, components: usize) {
    let (pid, args) = worker_of(id).unwrap_or_else(|| panic!("no worker JVM for {id}"));
    eprintln!("worker {pid}: {}", args.join(" "));
    let parent = ppid(pid).unwrap();
    let parent_args = cmdline(parent).unwrap_or_default();
    assert!(
        parent_args
            .iter()
            .any(|a| a == "org.apache.storm.LogWriter"),
        "the worker's parent {parent} is not Storm's LogWriter: {parent_args:?}"
    );
    assert_eq!(
        ppid(parent),
        Some(supervisor),
        "the LogWriter was not started by the Supervisor"
    );
    let cp = args
        .iter()
        .position(|a| a == "-cp")
        .map(|i| args[i + 1].clone())
        .expect("the worker has a -cp");
    let entries: Vec<&str> = cp.split(':').collect();
    let lib_worker = format!("{}/lib-worker/*", home.display());
    let jar = format!(
        "{}/data/supervisor-1/supervisor/stormdist/{id}/stormjar.jar",
        home.display()
    );
    let lw = entries.iter().position(|e| *e == lib_worker);
    let tj = entries.iter().position(|e| *e == jar);
    assert!(
        lw.is_some() && tj.is_some() && lw < tj,
        "lib-worker/* must come before the topology jar: {cp}"
    );
    let resources = home
        .join("data/supervisor-1/supervisor/stormdist")
        .join(id)
        .join("resources");
    let children: Vec<i32> = pids()
        .into_iter()
        .filter(|p| live(*p) && ppid(*p) == Some(pid))
        .collect();
    let in_resources = children
        .iter()
        .filter(|c| fs::read_link(format!("/proc/{c}/cwd")).is_ok_and(|d| d == resources))
        .count();
    assert_eq!(
        in_resources,
        components,
        "{components} shell components should run from {} (children of the worker: {children:?})",
        resources.display()
    );
}

#[test]
fn real_cluster_submit_list_kill_down() {
    let scratch = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cluster");
    let home = scratch.join("storm");
    let _ = fs::remove_dir_all(&home);
    fs::create_dir_all(&scratch).unwrap();
    let home_arg = home.to_string_lossy().into_owned();

    // Up: 1 Nimbus, 1 Supervisor, 3 slots (one per topology).
    let up = ok(&[
        "cluster",
        "up",
        "--dir",
        &home_arg,
        "--supervisors",
        "1",
        "--slots",
        "3",
    ]);
    let home = fs::canonicalize(&home).unwrap();
    let mut cluster = Cluster {
        home: home.clone(),
        down: false,
    };
    let nimbus = up
        .lines()
        .find_map(|l| l.strip_prefix("Nimbus is up at "))
        .and_then(|l| l.split_whitespace().next())
        .expect("`cluster up` prints the Nimbus address")
        .to_string();
    assert!(nimbus.starts_with("127.0.0.1:"), "{up}");
    assert_ne!(nimbus, "127.0.0.1:6627", "ports must be chosen free");
    let state: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(home.join("cluster.json")).unwrap()).unwrap();
    let supervisor = state["daemons"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == "supervisor-1")
        .and_then(|d| d["pid"].as_i64())
        .unwrap() as i32;
    let status = ok(&["cluster", "status", "--dir", &home_arg]);
    for needle in [
        "zookeeper",
        "nimbus",
        "supervisor-1",
        "supervisors: 1",
        "topologies: 0",
    ] {
        assert!(status.contains(needle), "{needle} missing from:\n{status}");
    }
    for lib in ["lib", "lib-worker"] {
        assert!(
            home.join(lib).read_dir().unwrap().count() > 10,
            "{lib}/ is empty"
        );
    }
    assert!(home.join("log4j2/worker.xml").is_file());

    // An unreachable Nimbus is named, with the fix.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out = run(&["list", "--nimbus", &format!("127.0.0.1:{closed}")]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        err.contains(&format!("cannot reach Nimbus at 127.0.0.1:{closed}")) && err.contains("fix:"),
        "{err}"
    );

    // The Python WordCount, without a JVM.
    let python = scratch.join("wordcount-maven");
    let _ = fs::remove_dir_all(&python);
    copy_tree(&repo().join("fixtures/wordcount-maven"), &python);
    let python_arg = python.to_string_lossy().into_owned();
    let out = ok(&[
        "submit",
        "-p",
        &python_arg,
        "--nimbus",
        &nimbus,
        "--name",
        "wc-python",
    ]);
    assert!(out.contains("without a JVM"), "{out}");

    // The same name again: refused, naming isTopologyNameAllowed and the fix.
    let jar = python.join("target/WordCount-1.0-SNAPSHOT.jar");
    let jar_arg = jar.to_string_lossy().into_owned();
    let again = run(&[
        "submit",
        "--jar",
        &jar_arg,
        "--nimbus",
        &nimbus,
        "--name",
        "wc-python",
    ]);
    let err = String::from_utf8_lossy(&again.stderr);
    assert_eq!(again.status.code(), Some(1), "{err}");
    assert!(
        err.contains("isTopologyNameAllowed") && err.contains("stormpack kill"),
        "{err}"
    );

    // A topology only Flux can build (a configMethod), through Flux in a JVM.
    let jvm = scratch.join("wordcount-jvm");
    let _ = fs::remove_dir_all(&jvm);
    copy_tree(&repo().join("fixtures/wordcount-maven"), &jvm);
    let topology = jvm.join("resources/topology.yaml");
    let text = fs::read_to_string(&topology).unwrap().replace(
        "      - [\"word\", \"count\"]\n    parallelism: 1\n",
        "      - [\"word\", \"count\"]\n    configMethods:\n      - name: \"addComponentConfig\"\n        args: [\"stormpack.path\", \"jvm\"]\n    parallelism: 1\n",
    );
    assert!(text.contains("addComponentConfig"));
    fs::write(&topology, text).unwrap();
    let jvm_arg = jvm.to_string_lossy().into_owned();
    let out = ok(&[
        "submit", "-p", &jvm_arg, "--nimbus", &nimbus, "--name", "wc-jvm",
    ]);
    assert!(out.contains("through Flux in a JVM"), "{out}");
    assert!(out.contains("configMethods"), "{out}");

    // The Rust example, without a JVM (a stable copy keeps cargo's cache between runs; the
    // example is a member of the repository's workspace).
    let root = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("e2e-rust");
    copy_tree(
        &repo().join("examples/wordcount"),
        &root.join("examples/wordcount"),
    );
    copy_tree(
        &repo().join("crates/multilang"),
        &root.join("crates/multilang"),
    );
    copy_tree(&repo().join("src"), &root.join("src"));
    for file in ["Cargo.toml", "Cargo.lock"] {
        let bytes = fs::read(repo().join(file)).unwrap();
        if fs::read(root.join(file)).ok().as_deref() != Some(&bytes[..]) {
            fs::write(root.join(file), bytes).unwrap();
        }
    }
    let rust_arg = root
        .join("examples/wordcount")
        .to_string_lossy()
        .into_owned();
    let out = ok(&[
        "submit", "-p", &rust_arg, "--nimbus", &nimbus, "--name", "wc-rust",
    ]);
    assert!(out.contains("without a JVM"), "{out}");

    // Every topology: counts grow in its worker's log, in a real worker JVM.
    let mut ids = BTreeMap::new();
    for name in ["wc-python", "wc-jvm", "wc-rust"] {
        let (id, _, _) = assert_counts_grow(&home, name);
        assert_real_worker(&home, &id, supervisor, 3);
        ids.insert(name, id);
    }

    // list, kill, list.
    let listed = ok(&["list", "--nimbus", &nimbus]);
    for name in ["wc-python", "wc-jvm", "wc-rust"] {
        assert!(listed.contains(name), "{name} missing from:\n{listed}");
    }
    ok(&["kill", "wc-python", "--wait", "1", "--nimbus", &nimbus]);
    let listed = ok(&["list", "--nimbus", &nimbus]);
    assert!(!listed.contains("wc-python"), "{listed}");
    assert!(listed.contains("wc-rust"), "{listed}");
    let deadline = Instant::now() + Duration::from_secs(120);
    while worker_of(&ids["wc-python"]).is_some() {
        assert!(
            Instant::now() < deadline,
            "the killed topology's worker still runs after 120s"
        );
        std::thread::sleep(Duration::from_secs(1));
    }
    let out = run(&["kill", "wc-python", "--nimbus", &nimbus]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no such live topology"), "{err}");

    // Down: nothing of the cluster is left, workers included.
    assert!(!cluster_processes(&home).is_empty());
    let out = ok(&["cluster", "down", "--dir", &home_arg]);
    cluster.down = true;
    assert!(out.contains("none is left"), "{out}");
    let left = cluster_processes(&home);
    assert!(
        left.is_empty(),
        "processes left after `cluster down`: {left:?}"
    );
    assert!(worker_of(&ids["wc-rust"]).is_none());
}

#[test]
fn status_and_down_of_a_missing_cluster_create_nothing() {
    let base = repo().join("target/tmp/cluster-missing");
    let _ = fs::remove_dir_all(&base);
    fs::create_dir_all(&base).unwrap();
    let dir = base.join("no-such-cluster");
    let dir_s = dir.display().to_string();
    let out = run(&["cluster", "status", "--dir", &dir_s]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no cluster in"), "{err}");
    assert!(err.contains("cluster up --dir"), "{err}");
    let out = run(&["cluster", "down", "--dir", &dir_s]);
    assert!(out.status.success());
    assert!(!dir.exists(), "status/down created {}", dir.display());
}
