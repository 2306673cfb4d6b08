//! End to end on a real Storm: each project is copied to a scratch directory, built by the real
//! `stormpack` binary and run with `stormpack run` on a real LocalCluster (Storm's runtime is
//! resolved by stormpack into the shared local Maven repository, so a fresh machine downloads it
//! once). The assertions read Storm's own log: the topology was submitted, sentences/shipments
//! flowed through every component, the counts of known words rise one by one, a word injected
//! into the project at build time (and, for the held-back topology, one more through Flux's
//! `--filter` at run time) is counted, nothing failed before the shutdown, and the components ran
//! from the `resources/` directory Storm extracted — without exec bits — and were all gone after.
//!
//! Runs take turns (one LocalCluster at a time on a 2-core machine). Each run's output is kept
//! under `target/tmp/e2e/<test>/` for inspection.

#![cfg(unix)]

use std::collections::BTreeMap;
use std::fs;
use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// How long each topology runs: long enough for a slow, shared machine to start the worker and
/// the components and still count for a while.
const RUN_FOR: &str = "25s";

/// Problems that must not appear before Storm begins its shutdown.
const FAILURES: &[&str] = &[
    "Pipe to subprocess seems to be broken",
    "heartbeat timeout",
    "Worker died",
    "ShellBolt died",
    "ShellSpout died",
    "Async loop died",
    "Found multiple defaults.yaml",
];

static ONE_STORM_AT_A_TIME: Mutex<()> = Mutex::new(());

fn storm_turn() -> MutexGuard<'static, ()> {
    ONE_STORM_AT_A_TIME
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn evidence_dir(test: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("e2e")
        .join(test);
    fs::create_dir_all(&dir).unwrap();
    dir
}

/// A word no earlier run produced.
fn fresh_marker(prefix: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{prefix}{:x}{:x}", std::process::id(), nanos % 0xffff_ffff)
}

/// Copy `src` into `dest` (no `target/`), rewriting only files whose content changed, so that
/// cargo's fingerprints stay fresh for stable destinations.
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

/// Set `key: <yaml_value>` in the topology's `config:` section: replace the key's line if the section
/// has one (e.g. a `${...}` placeholder), else add it (creating the section if missing).
fn inject_config(topology: &Path, key: &str, yaml_value: &str) {
    let text = fs::read_to_string(topology).unwrap();
    let setting = format!("  {key}: {yaml_value}\n");
    let mut out = String::new();
    let mut in_config = false;
    let mut done = false;
    for line in text.split_inclusive('\n') {
        if !line.starts_with(' ') && !line.trim().is_empty() && !line.starts_with('#') {
            if in_config && !done {
                out.push_str(&setting);
                done = true;
            }
            in_config = line.trim_end() == "config:";
        }
        if in_config && !done && line.trim_start().starts_with(&format!("{key}:")) {
            out.push_str(&setting);
            done = true;
            continue;
        }
        out.push_str(line);
    }
    if in_config && !done {
        out.push_str(&setting);
        done = true;
    }
    if !done {
        out.push_str("\nconfig:\n");
        out.push_str(&setting);
    }
    fs::write(topology, out).unwrap();
}

// ---------------------------------------------------------------------------------------------
// Running stormpack and watching its processes
// ---------------------------------------------------------------------------------------------

/// A process seen while the topology ran.
#[derive(Debug, Clone)]
struct SeenProcess {
    pid: u32,
    cmdline: String,
    exe: PathBuf,
    cwd: PathBuf,
}

struct Run {
    status: ExitStatus,
    stdout: String,
    stderr: String,
    elapsed: Duration,
    /// Component processes (cwd in an extracted `resources/`), last sighting of each pid.
    components: Vec<SeenProcess>,
    /// `name -> mode` of the files in each extracted `resources/` directory, as Storm left them.
    extracted: BTreeMap<PathBuf, BTreeMap<String, u32>>,
}

impl Run {
    fn log(&self) -> Log {
        Log::new(&self.stdout)
    }

    fn save(&self, dir: &Path) {
        fs::write(dir.join("stdout.log"), &self.stdout).unwrap();
        fs::write(dir.join("stderr.log"), &self.stderr).unwrap();
        let mut procs = String::new();
        for p in &self.components {
            procs.push_str(&format!(
                "{} exe={} cwd={} cmd={}\n",
                p.pid,
                p.exe.display(),
                p.cwd.display(),
                p.cmdline
            ));
        }
        for (dir, files) in &self.extracted {
            procs.push_str(&format!("{}:\n", dir.display()));
            for (name, mode) in files {
                procs.push_str(&format!("  {mode:o} {name}\n"));
            }
        }
        fs::write(dir.join("processes.txt"), procs).unwrap();
    }

    fn assert_success(&self, evidence: &Path) {
        assert!(
            self.status.success(),
            "stormpack run failed ({:?}); logs in {}\nstderr:\n{}",
            self.status,
            evidence.display(),
            tail(&self.stderr, 40)
        );
    }
}

fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

fn stormpack() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_stormpack"));
    cmd.stdin(Stdio::null()).env("CI", "true");
    cmd
}

/// Run `stormpack <args>` to the end, watching the processes whose working directory lies under
/// `watch` (the project copy: Storm's local dirs are under its target/), and checking that none
/// is left afterwards.
fn run_watched(args: &[&str], watch: &Path, interrupt_after_first: Option<&str>) -> Run {
    let started = Instant::now();
    let mut child = stormpack()
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start stormpack");
    let out = reader(child.stdout.take().unwrap());
    let err = reader(child.stderr.take().unwrap());
    let mut components: Vec<SeenProcess> = Vec::new();
    let mut extracted = BTreeMap::new();
    let mut interrupted = false;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        for p in processes_under(watch) {
            if is_extracted_resources(&p.cwd) {
                extracted
                    .entry(p.cwd.clone())
                    .or_insert_with(|| modes(&p.cwd));
                // Keep the latest sighting: a launcher or a shim may exec the real program.
                match components.iter_mut().find(|c| c.pid == p.pid) {
                    Some(seen) => *seen = p,
                    None => components.push(p),
                }
            }
        }
        if let Some(needle) = interrupt_after_first {
            let seen = fs::read_to_string(&out.1).unwrap_or_default();
            if !interrupted && seen.contains(needle) {
                // What Ctrl-C in a terminal does to stormpack.
                let _ = Command::new("kill")
                    .args(["-INT", &child.id().to_string()])
                    .status();
                interrupted = true;
            }
        }
        assert!(
            started.elapsed() < Duration::from_secs(900),
            "stormpack run did not finish in 15 minutes"
        );
        std::thread::sleep(Duration::from_millis(300));
    };
    let elapsed = started.elapsed();
    let stdout = out.0.join().unwrap();
    let stderr = err.0.join().unwrap();
    let left: Vec<SeenProcess> = processes_under(watch);
    assert!(
        left.is_empty(),
        "processes left behind after stormpack exited: {left:#?}\nstderr:\n{}",
        tail(&stderr, 30)
    );
    let leftovers_by_pid: Vec<SeenProcess> = components
        .iter()
        .filter(|c| Path::new(&format!("/proc/{}/cwd", c.pid)).exists())
        .filter(|c| {
            fs::read_link(format!("/proc/{}/cwd", c.pid))
                .ok()
                .as_deref()
                == Some(c.cwd.as_path())
        })
        .cloned()
        .collect();
    assert!(
        leftovers_by_pid.is_empty(),
        "component processes still running: {leftovers_by_pid:#?}"
    );
    Run {
        status,
        stdout,
        stderr,
        elapsed,
        components,
        extracted,
    }
}

/// Read a pipe to the end on a thread, mirroring it into a file (so a caller can peek).
fn reader(
    mut pipe: impl Read + Send + 'static,
) -> (std::thread::JoinHandle<String>, tempfile::TempPath) {
    let mirror = tempfile::NamedTempFile::new().unwrap().into_temp_path();
    let path = mirror.to_path_buf();
    let handle = std::thread::spawn(move || {
        let mut all = Vec::new();
        let mut buf = [0u8; 65536];
        let mut file = fs::File::create(&path).unwrap();
        loop {
            match pipe.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    all.extend_from_slice(&buf[..n]);
                    let _ = std::io::Write::write_all(&mut file, &buf[..n]);
                }
            }
        }
        String::from_utf8_lossy(&all).into_owned()
    });
    (handle, mirror)
}

/// Live processes whose working directory or command line lies under `dir`.
fn processes_under(dir: &Path) -> Vec<SeenProcess> {
    let dir_text = dir.to_string_lossy().into_owned();
    let mut found = Vec::new();
    let me = std::process::id();
    for entry in fs::read_dir("/proc").unwrap().flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        if pid == me {
            continue;
        }
        let stat = fs::read_to_string(entry.path().join("stat")).unwrap_or_default();
        let state = stat
            .rfind(')')
            .and_then(|i| stat[i + 1..].split_whitespace().next())
            .unwrap_or("");
        if state.is_empty() || state == "Z" || state == "X" {
            continue;
        }
        let cwd = fs::read_link(entry.path().join("cwd")).unwrap_or_default();
        let cmdline = fs::read(entry.path().join("cmdline"))
            .map(|b| {
                String::from_utf8_lossy(&b)
                    .replace('\0', " ")
                    .trim()
                    .to_string()
            })
            .unwrap_or_default();
        let exe = fs::read_link(entry.path().join("exe")).unwrap_or_default();
        // stormpack itself mentions the project in its arguments (and is waited for).
        if exe == Path::new(env!("CARGO_BIN_EXE_stormpack")) {
            continue;
        }
        if cwd.starts_with(dir) || cmdline.contains(&dir_text) {
            found.push(SeenProcess {
                pid,
                exe,
                cmdline,
                cwd,
            });
        }
    }
    found
}

/// `.../supervisor/stormdist/<topology-id>/resources`: where Storm extracts the jar's resources.
fn is_extracted_resources(dir: &Path) -> bool {
    let parts: Vec<String> = dir
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let n = parts.len();
    n >= 4
        && parts[n - 1] == "resources"
        && parts[n - 3] == "stormdist"
        && parts[n - 4] == "supervisor"
}

fn modes(dir: &Path) -> BTreeMap<String, u32> {
    let mut out = BTreeMap::new();
    for entry in walk(dir) {
        if let Ok(meta) = fs::metadata(&entry) {
            if meta.is_file() {
                let name = entry
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                out.insert(name, meta.permissions().mode() & 0o7777);
            }
        }
    }
    out
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Reading Storm's log
// ---------------------------------------------------------------------------------------------

/// One tuple LogInfoBolt logged: `source: <component>:<task>, stream: <s>, id: ..., [values]`.
#[derive(Debug, Clone)]
struct Logged {
    component: String,
    task: u32,
    stream: String,
    values: Vec<serde_json::Value>,
}

struct Log {
    lines: Vec<String>,
    /// Index of the line that starts the shutdown.
    stop: usize,
}

impl Log {
    fn new(stdout: &str) -> Log {
        let lines: Vec<String> = stdout.lines().map(str::to_string).collect();
        let stop = lines
            .iter()
            .position(|l| l.contains("STOPPING LOCAL MODE CLUSTER"))
            .unwrap_or(lines.len());
        Log { lines, stop }
    }

    fn before_stop(&self) -> &[String] {
        &self.lines[..self.stop]
    }

    /// The topology was submitted, LocalCluster stopped it after the duration, and no failure
    /// happened in between.
    fn assert_healthy(&self, topology: &str) {
        assert!(
            self.lines
                .iter()
                .any(|l| l.contains(&format!("Finished submitting topology: {topology}"))),
            "topology {topology} was never submitted"
        );
        assert!(
            self.stop < self.lines.len(),
            "LocalCluster never began its shutdown (STOPPING LOCAL MODE CLUSTER)"
        );
        for line in self.before_stop() {
            for failure in FAILURES {
                assert!(
                    !line.contains(failure),
                    "Storm reported a failure before the shutdown: {line}"
                );
            }
        }
    }

    fn lines_with(&self, needle: &str) -> Vec<&String> {
        self.before_stop()
            .iter()
            .filter(|l| l.contains(needle))
            .collect()
    }

    /// Every tuple LogInfoBolt logged before the shutdown.
    fn logged_tuples(&self) -> Vec<Logged> {
        self.before_stop()
            .iter()
            .filter_map(|l| parse_logged(l))
            .collect()
    }
}

fn parse_logged(line: &str) -> Option<Logged> {
    if !line.contains("LogInfoBolt") {
        return None;
    }
    let rest = &line[line.find("source: ")? + "source: ".len()..];
    let (source, rest) = rest.split_once(", stream: ")?;
    let (component, task) = source.rsplit_once(':')?;
    let (stream, rest) = rest.split_once(", id: ")?;
    let start = rest.find('[')?;
    let end = rest.rfind(']')?;
    // Multilang tuples print as JSON; a Java bolt's values print as Java's List.toString
    // (`[javatag, cow, 3]`): words and whole numbers then.
    let values: Vec<serde_json::Value> = serde_json::from_str(&rest[start..=end])
        .ok()
        .unwrap_or_else(|| {
            rest[start + 1..end]
                .split(", ")
                .map(|v| {
                    v.parse::<i64>()
                        .map_or_else(|_| serde_json::Value::from(v), serde_json::Value::from)
                })
                .collect()
        });
    Some(Logged {
        component: component.to_string(),
        task: task.parse().ok()?,
        stream: stream.to_string(),
        values,
    })
}

/// The counts logged for each key (all values but the last), per source task, in log order.
fn count_series(tuples: &[Logged], component: &str) -> BTreeMap<(Vec<String>, u32), Vec<i64>> {
    let mut series: BTreeMap<(Vec<String>, u32), Vec<i64>> = BTreeMap::new();
    for t in tuples.iter().filter(|t| t.component == component) {
        let Some((last, key)) = t.values.split_last() else {
            continue;
        };
        let Some(count) = last.as_i64() else {
            continue;
        };
        let key: Vec<String> = key
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| v.to_string())
            })
            .collect();
        series.entry((key, t.task)).or_default().push(count);
    }
    series
}

/// The counts of `key` rise one at a time from 1 (nothing lost, nothing counted twice: one key
/// always reaches the same task) and reach at least `min`; returns the last count.
fn assert_counts_rise(
    series: &BTreeMap<(Vec<String>, u32), Vec<i64>>,
    key: &[&str],
    min: i64,
) -> i64 {
    let key: Vec<String> = key.iter().map(|s| s.to_string()).collect();
    let per_task: Vec<(&u32, &Vec<i64>)> = series
        .iter()
        .filter(|((k, _), _)| *k == key)
        .map(|((_, task), counts)| (task, counts))
        .collect();
    assert_eq!(
        per_task.len(),
        1,
        "{key:?} should be counted by exactly one task (fields grouping), got {per_task:?}"
    );
    let counts = per_task[0].1;
    for (i, pair) in counts.windows(2).enumerate() {
        assert_eq!(
            pair[1],
            pair[0] + 1,
            "the count of {key:?} did not rise by one at step {i}: {:?}",
            &counts[i.saturating_sub(3)..(i + 3).min(counts.len())]
        );
    }
    let last = *counts.last().unwrap();
    assert!(
        last >= min,
        "{key:?} was counted only {last} times (expected at least {min}); counts {counts:?}"
    );
    last
}

/// The components ran from Storm's extracted `resources/` directory, whose files have no exec
/// bit (as on a real supervisor).
fn assert_ran_from_extracted_resources(run: &Run, scripts: &[&str]) {
    assert!(
        !run.components.is_empty(),
        "no component process was seen running from an extracted resources/ directory"
    );
    for (dir, files) in &run.extracted {
        for script in scripts {
            let mode = files
                .get(*script)
                .unwrap_or_else(|| panic!("{script} missing from {}: {files:?}", dir.display()));
            assert_eq!(
                mode & 0o111,
                0,
                "{script} in {} kept an exec bit ({mode:o}); Storm extracts without them",
                dir.display()
            );
        }
    }
}

fn summary(name: &str, run: &Run, evidence: &Path, extra: &str) {
    eprintln!(
        "e2e {name}: stormpack run took {:.1}s; {} component processes seen; logs in {}\n{extra}",
        run.elapsed.as_secs_f64(),
        run.components.len(),
        evidence.display()
    );
}

// ---------------------------------------------------------------------------------------------
// The topologies
// ---------------------------------------------------------------------------------------------

/// The sentences both WordCount projects' spouts emit, with the words to check from each.
const KNOWN_WORDS: &[&str] = &[
    "cow", "moon", "apple", "doctor", "score", "seven", "dwarfs", "nature",
];

/// WordCount's proof: the topology was submitted and stopped cleanly, every known word (so every
/// sentence, split into words) was counted, one by one, and so was the injected marker.
fn assert_wordcount(log: &Log, topology: &str, count_bolt: &str, marker: &str) -> String {
    log.assert_healthy(topology);
    let tuples = log.logged_tuples();
    assert!(
        tuples.len() > 100,
        "LogInfoBolt logged only {} tuples before the shutdown",
        tuples.len()
    );
    let series = count_series(&tuples, count_bolt);
    let mut report = String::new();
    for word in KNOWN_WORDS {
        let last = assert_counts_rise(&series, &[word], 3);
        report.push_str(&format!("  {word}: {last}\n"));
    }
    let last = assert_counts_rise(&series, &[marker], 2);
    report.push_str(&format!("  {marker} (injected at build time): {last}\n"));
    report
}

#[test]
fn maven_wordcount_runs_on_storm() {
    let _turn = storm_turn();
    let evidence = evidence_dir("maven_wordcount");
    let scratch = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let project = scratch.path().join("wordcount-maven");
    copy_tree(&repo().join("fixtures/wordcount-maven"), &project);
    let marker = fresh_marker("mvnmark");
    inject_config(
        &project.join("resources/topology.yaml"),
        "wordcount.marker",
        &format!("\"{marker}\""),
    );

    let project_arg = project.to_string_lossy().into_owned();
    let run = run_watched(
        &["run", "--project", &project_arg, "--duration", RUN_FOR],
        &project,
        None,
    );
    run.save(&evidence);
    run.assert_success(&evidence);
    let log = run.log();
    let report = assert_wordcount(&log, "wordcount", "count-bolt", &marker);
    assert_ran_from_extracted_resources(
        &run,
        &[
            "sentence_spout.py",
            "split_bolt.py",
            "count_bolt.py",
            "storm.py",
        ],
    );
    let first_counts: Vec<&String> = log.lines_with("count: ").into_iter().take(3).collect();
    summary(
        "maven_wordcount",
        &run,
        &evidence,
        &format!("{report}  component log lines: {first_counts:#?}"),
    );
}

/// A Java bolt compiled by stormpack (its constructor argument from topology.yaml) between
/// Python components: the bolt's tag and counts reach LogInfoBolt.
#[test]
fn java_bolt_wordcount_runs_on_storm() {
    let _turn = storm_turn();
    let evidence = evidence_dir("java_wordcount");
    let scratch = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let project = scratch.path().join("java-wordcount");
    copy_tree(&repo().join("fixtures/java-wordcount"), &project);
    let marker = fresh_marker("javamark");
    inject_config(
        &project.join("resources/topology.yaml"),
        "wordcount.marker",
        &format!("\"{marker}\""),
    );
    let project_arg = project.to_string_lossy().into_owned();
    let run = run_watched(
        &["run", "--project", &project_arg, "--duration", RUN_FOR],
        &project,
        None,
    );
    run.save(&evidence);
    run.assert_success(&evidence);
    assert!(
        run.stderr.contains("Compiled 1 Java source(s) with javac"),
        "stormpack did not compile the bolt:\n{}",
        tail(&run.stderr, 20)
    );
    let log = run.log();
    log.assert_healthy("java-wordcount");
    let tuples = log.logged_tuples();
    assert!(
        tuples.len() > 100,
        "LogInfoBolt logged only {} tuples before the shutdown",
        tuples.len()
    );
    // The Java bolt emits (tag, word, count): the tag is topology.yaml's constructor argument.
    let series = count_series(&tuples, "count-bolt");
    let mut report = String::new();
    for word in KNOWN_WORDS {
        let last = assert_counts_rise(&series, &["javatag", word], 3);
        report.push_str(&format!("  javatag {word}: {last}\n"));
    }
    let last = assert_counts_rise(&series, &["javatag", &marker], 2);
    report.push_str(&format!(
        "  javatag {marker} (injected at build time): {last}\n"
    ));
    assert_ran_from_extracted_resources(&run, &["sentence_spout.py", "split_bolt.py", "storm.py"]);
    summary("java_wordcount", &run, &evidence, &report);
}

#[test]
fn heldback_topology_runs_on_storm() {
    let _turn = storm_turn();
    let evidence = evidence_dir("heldback");
    let scratch = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let project = scratch.path().join("e2e-heldback");
    copy_tree(&repo().join("fixtures/e2e-heldback"), &project);

    // A depot added at build time (a resource the spout reads from its working directory) and a
    // SKU at run time (Flux --filter): only this build, run this way, can tally that pair.
    let depot = fresh_marker("depot-");
    let depots = project.join("src/main/resources/resources/depots.txt");
    let mut text = fs::read_to_string(&depots).unwrap();
    text.push_str(&format!("{depot}\n"));
    fs::write(&depots, text).unwrap();
    let sku = fresh_marker("sku-");
    let filter = scratch.path().join("audit.properties");
    fs::write(&filter, format!("audit.extra.sku={sku}\n")).unwrap();

    let project_arg = project.to_string_lossy().into_owned();
    let filter_arg = filter.to_string_lossy().into_owned();
    let run = run_watched(
        &[
            "run",
            "--project",
            &project_arg,
            "--duration",
            RUN_FOR,
            "--filter",
            &filter_arg,
        ],
        &project,
        None,
    );
    run.save(&evidence);
    run.assert_success(&evidence);
    let log = run.log();
    log.assert_healthy("shipment-audit");

    let feed = log.lines_with("manifest-feed: depots=");
    assert_eq!(feed.len(), 1, "the spout should start once: {feed:?}");
    assert!(
        feed[0].contains(&depot) && feed[0].contains(&sku),
        "the spout did not see the injected depot/SKU: {}",
        feed[0]
    );
    // The tally bolt received on the named stream, from the router.
    let firsts = log.lines_with("pair-tally task ");
    assert!(!firsts.is_empty(), "pair-tally never logged");
    for line in &firsts {
        assert!(
            line.contains("via stream restock from depot-router"),
            "pair-tally got a tuple from elsewhere: {line}"
        );
    }

    let tuples = log.logged_tuples();
    assert!(tuples
        .iter()
        .all(|t| t.component == "pair-tally" && t.stream == "default"));
    let series = count_series(&tuples, "pair-tally");
    let mut report = String::new();
    for pair in [
        ["harbor", "bolt-m8"],
        ["airfield", "hinge-3"],
        ["harbor", sku.as_str()],
        [depot.as_str(), "washer-12"],
        [depot.as_str(), sku.as_str()],
    ] {
        let last = assert_counts_rise(&series, &pair, 3);
        report.push_str(&format!("  {}/{}: {last}\n", pair[0], pair[1]));
    }
    let tasks: std::collections::BTreeSet<u32> = series.keys().map(|(_, t)| *t).collect();
    report.push_str(&format!("  pair-tally tasks that counted: {tasks:?}\n"));
    assert_ran_from_extracted_resources(
        &run,
        &[
            "manifest_feed.py",
            "depot_router.py",
            "pair_tally.py",
            "depots.txt",
        ],
    );
    summary("heldback", &run, &evidence, &report);

    // Ctrl-C in the middle of a run: Storm stops, stormpack exits 130, nothing is left behind
    // (run_watched checks the processes).
    let jar = project.join("target/shipment-audit.jar");
    let jar_arg = jar.to_string_lossy().into_owned();
    let interrupted = run_watched(
        &[
            "run",
            "--jar",
            &jar_arg,
            "--duration",
            "5m",
            "--filter",
            &filter_arg,
        ],
        &project,
        Some("LogInfoBolt"),
    );
    interrupted.save(&evidence_dir("heldback_interrupted"));
    assert_eq!(
        interrupted.status.code(),
        Some(130),
        "stderr:\n{}",
        tail(&interrupted.stderr, 20)
    );
    assert!(
        interrupted.elapsed < Duration::from_secs(180),
        "the interrupted run took {:?}",
        interrupted.elapsed
    );
    assert!(
        interrupted
            .stderr
            .contains("stormpack: run interrupted; Storm stopped"),
        "{}",
        interrupted.stderr
    );
    eprintln!(
        "e2e heldback (Ctrl-C): stopped after {:.1}s with status 130",
        interrupted.elapsed.as_secs_f64()
    );
}

#[test]
fn run_without_java_says_how_to_install_it() {
    let scratch = tempfile::tempdir().unwrap();
    let out = stormpack()
        .args(["run", "--project"])
        .arg(repo().join("fixtures/wordcount-maven"))
        .env_remove("JAVA_HOME")
        .env("PATH", scratch.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no `java` on PATH"), "{stderr}");
    assert!(
        stderr.contains("apt-get install openjdk-17-jre-headless"),
        "{stderr}"
    );
    assert!(stderr.contains("JAVA_HOME"), "{stderr}");
}

#[test]
fn run_rejects_a_bad_duration_before_building() {
    let out = stormpack()
        .args(["run", "--duration", "5 parsecs", "--project"])
        .arg(repo().join("fixtures/wordcount-maven"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--duration"), "{stderr}");
    assert!(stderr.contains("fix: write it as"), "{stderr}");
}

#[test]
fn rust_wordcount_runs_on_storm() {
    let _turn = storm_turn();
    let evidence = evidence_dir("rust_wordcount");
    // A stable copy (cargo's cache survives between test runs) keeping the example's relative
    // path to the multilang crate and its workspace.
    let root = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("e2e-rust");
    let project = root.join("examples/wordcount");
    let example = repo().join("examples/wordcount");
    assert!(
        example.join("Cargo.toml").is_file(),
        "the Rust-first example {} is missing",
        example.display()
    );
    copy_tree(&example, &project);
    copy_tree(
        &repo().join("crates/multilang"),
        &root.join("crates/multilang"),
    );
    // The example is a member of the repository's workspace (the root manifest and lock).
    copy_tree(&repo().join("src"), &root.join("src"));
    for file in ["Cargo.toml", "Cargo.lock"] {
        let bytes = fs::read(repo().join(file)).unwrap();
        if fs::read(root.join(file)).ok().as_deref() != Some(&bytes[..]) {
            fs::write(root.join(file), bytes).unwrap();
        }
    }
    let marker = fresh_marker("rustmark");
    inject_config(
        &project.join("topology.yaml"),
        "wordcount.marker",
        &format!("\"{marker}\""),
    );

    let project_arg = project.to_string_lossy().into_owned();
    let run = run_watched(
        &["run", "--project", &project_arg, "--duration", RUN_FOR],
        &project,
        None,
    );
    run.save(&evidence);
    run.assert_success(&evidence);
    let log = run.log();
    let report = assert_wordcount(&log, "wordcount", "count-bolt", &marker);
    let components = ["sentence-spout", "split-bolt", "count-bolt"];
    let launchers: Vec<String> = components.iter().map(|c| format!("{c}.sh")).collect();
    let launchers: Vec<&str> = launchers.iter().map(String::as_str).collect();
    assert_ran_from_extracted_resources(&run, &launchers);
    // Each component runs as its own binary (the launcher exec'd it), from the extracted
    // bin/<arch>/ directory; Storm left it without exec bits for group and others, the launcher
    // gave its owner one.
    let mut report = report;
    for component in components {
        let proc = run
            .components
            .iter()
            .find(|p| p.exe.file_name().is_some_and(|n| n == component))
            .unwrap_or_else(|| {
                panic!(
                    "no process running the {component} binary was seen: {:#?}",
                    run.components
                )
            });
        assert!(
            proc.exe.starts_with(proc.cwd.join("bin")),
            "{component} ran from {} rather than the extracted resources/bin/",
            proc.exe.display()
        );
        let rel = proc
            .exe
            .strip_prefix(&proc.cwd)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let mode = run.extracted[&proc.cwd][&rel];
        assert_eq!(mode & 0o011, 0, "{rel} has mode {mode:o}");
        report.push_str(&format!(
            "  {component}: pid {} exe {rel} mode {mode:o}\n",
            proc.pid
        ));
    }
    summary("rust_wordcount", &run, &evidence, &report);
}

#[test]
fn config_injection_replaces_placeholders_and_adds_missing_keys() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("t.yaml");
    fs::write(
        &file,
        "name: \"x\"\n# c\nconfig:\n  topology.workers: 1\n  m.k: \"${marker}\"\n\nspouts: []\n",
    )
    .unwrap();
    inject_config(&file, "m.k", "\"abc\"");
    assert_eq!(
        fs::read_to_string(&file).unwrap(),
        "name: \"x\"\n# c\nconfig:\n  topology.workers: 1\n  m.k: \"abc\"\n\nspouts: []\n"
    );
    inject_config(&file, "other", "\"v\"");
    assert_eq!(
        fs::read_to_string(&file).unwrap(),
        "name: \"x\"\n# c\nconfig:\n  topology.workers: 1\n  m.k: \"abc\"\n\n  other: \"v\"\nspouts: []\n"
    );
    fs::write(&file, "name: \"x\"\n").unwrap();
    inject_config(&file, "k", "\"v\"");
    assert_eq!(
        fs::read_to_string(&file).unwrap(),
        "name: \"x\"\n\nconfig:\n  k: \"v\"\n"
    );
}

#[test]
fn a_hung_component_fails_the_run_and_nothing_is_left_behind() {
    let _turn = storm_turn();
    let evidence = evidence_dir("hung_component");
    let scratch = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let project = scratch.path().join("e2e-heldback");
    copy_tree(&repo().join("fixtures/e2e-heldback"), &project);
    let resources = project.join("src/main/resources");
    // After a few tuples the tally stops answering anything, heartbeats included, and would
    // sleep on after Storm gives up on it.
    fs::write(
        resources.join("resources/pair_tally.py"),
        "import time\nimport storm\n\n\nclass Hung(storm.BasicBolt):\n    def initialize(self, conf, context):\n        self.seen = 0\n\n    def process(self, tup):\n        self.seen += 1\n        if self.seen == 20:\n            time.sleep(3600)\n        storm.emit([tup.values[0], tup.values[1], self.seen])\n\n\nHung().run()\n",
    )
    .unwrap();
    let filter = scratch.path().join("audit.properties");
    fs::write(&filter, "audit.extra.sku=sku-x\n").unwrap();

    let project_arg = project.to_string_lossy().into_owned();
    let filter_arg = filter.to_string_lossy().into_owned();
    let run = run_watched(
        &[
            "run",
            "--project",
            &project_arg,
            "--duration",
            "2m",
            "--filter",
            &filter_arg,
            // Through storm.options, as `storm jar -c`; the number must arrive as a number.
            "-c",
            "topology.subprocess.timeout.secs=5",
        ],
        &project,
        None,
    );
    run.save(&evidence);
    let log = run.log();
    let submitted = log.lines_with("Submitting topology shipment-audit");
    assert!(
        submitted
            .iter()
            .any(|l| l.contains("\"topology.subprocess.timeout.secs\":5")),
        "-c did not reach the topology's configuration: {submitted:?}"
    );
    assert_eq!(
        run.status.code(),
        Some(1),
        "a worker death ends the LocalCluster with status 1\n{}",
        tail(&run.stderr, 20)
    );
    assert!(
        run.elapsed < Duration::from_secs(110),
        "the failed run should end well before its 2m duration: {:?}",
        run.elapsed
    );
    assert!(
        !log.lines_with("subprocess heartbeat timeout").is_empty(),
        "Storm did not report the heartbeat timeout"
    );
    assert!(
        run.stderr
            .contains("meaning: a component stopped answering Storm's heartbeats"),
        "stormpack did not explain the failure:\n{}",
        tail(&run.stderr, 20)
    );
    assert!(
        run.stderr.contains("process(es) Storm left behind")
            && run.stderr.contains("pair_tally.py"),
        "the sleeping tally process should have been found and stopped:\n{}",
        tail(&run.stderr, 20)
    );
    summary(
        "hung_component",
        &run,
        &evidence,
        &tail(
            &run.stderr
                .lines()
                .filter(|l| l.starts_with("stormpack") || l.starts_with("  "))
                .filter(|l| !l.contains("stormpack.lock"))
                .collect::<Vec<_>>()
                .join("\n"),
            12,
        ),
    );
}

/// A jar with the given (empty) entries.
fn jar_with(dir: &Path, entries: &[&str]) -> PathBuf {
    let path = dir.join("topology.jar");
    let mut zip = zip::ZipWriter::new(fs::File::create(&path).unwrap());
    for name in entries {
        zip.start_file(*name, zip::write::SimpleFileOptions::default())
            .unwrap();
        std::io::Write::write_all(&mut zip, b"x").unwrap();
    }
    zip.finish().unwrap();
    path
}

#[test]
fn run_explains_jars_storm_could_not_run() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&[&str], &str); 3] = [
        (&["resources/x.py"], "has no topology.yaml at its root"),
        (&["topology.yaml"], "does not contain Flux"),
        (
            &[
                "topology.yaml",
                "org/apache/storm/flux/Flux.class",
                "defaults.yaml",
            ],
            "give storm-client/storm-core <scope>provided</scope>",
        ),
    ];
    for (entries, expected) in cases {
        let jar = jar_with(dir.path(), entries);
        let out = stormpack()
            .args(["run", "--jar"])
            .arg(&jar)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{entries:?}: {stderr}");
        assert!(stderr.contains(expected), "{entries:?}: {stderr}");
    }
    let out = stormpack()
        .args(["run", "--jar"])
        .arg(dir.path().join("missing.jar"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("does not exist") && stderr.contains("stormpack build"),
        "{stderr}"
    );
}
