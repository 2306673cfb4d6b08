//! `stormpack check` on the fixture topologies in `fixtures/topologies/`, run as the real binary
//! against a jar written into a temp dir (entries as a built WordCount jar has them) and a local
//! repository holding a storm-client jar.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/topologies");

/// The entries of the jar the topologies are checked against.
const JAR_ENTRIES: &[(&str, &str)] = &[
    (
        "META-INF/MANIFEST.MF",
        "Manifest-Version: 1.0\nMain-Class: org.apache.storm.flux.Flux\n",
    ),
    ("topology.yaml", "name: x\n"),
    ("shared-config.yaml", "name: \"wordcount-from-jar\"\n"),
    ("resources/sentencespout.py", "import storm\n"),
    ("resources/countbolt.py", "import storm\n"),
    ("resources/storm.py", "# storm.py\n"),
    ("resources/split.sh", "#!/bin/sh\n"),
    ("resources/x86_64/split", "\x7fELF"),
    ("org/apache/storm/flux/Flux.class", ""),
    (
        "org/apache/storm/flux/wrappers/spouts/FluxShellSpout.class",
        "",
    ),
    (
        "org/apache/storm/flux/wrappers/bolts/FluxShellBolt.class",
        "",
    ),
    ("org/apache/storm/flux/wrappers/bolts/LogInfoBolt.class", ""),
    ("com/example/SentenceSource.class", ""),
    ("com/example/FileSpout.class", ""),
];

struct Env {
    dir: tempfile::TempDir,
}

fn write_zip(path: &Path, entries: &[(&str, &str)]) {
    let file = std::fs::File::create(path).unwrap();
    let mut zip = zip::ZipWriter::new(file);
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, content) in entries {
        zip.start_file(*name, options).unwrap();
        zip.write_all(content.as_bytes()).unwrap();
    }
    zip.finish().unwrap();
}

impl Env {
    fn new() -> Env {
        let dir = tempfile::tempdir().unwrap();
        write_zip(&dir.path().join("WordCount-1.0-SNAPSHOT.jar"), JAR_ENTRIES);
        let version = stormpack::plan::DEFAULT_STORM_VERSION;
        let client = dir
            .path()
            .join(format!("repo/org/apache/storm/storm-client/{version}"));
        std::fs::create_dir_all(&client).unwrap();
        write_zip(
            &client.join(format!("storm-client-{version}.jar")),
            &[
                ("org/apache/storm/testing/TestWordSpout.class", ""),
                ("defaults.yaml", ""),
            ],
        );
        Env { dir }
    }

    fn jar(&self) -> PathBuf {
        self.dir.path().join("WordCount-1.0-SNAPSHOT.jar")
    }

    /// Run `stormpack check` from the fixtures directory (so paths in messages are relative).
    fn check(&self, topology: &str, extra: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_stormpack"))
            .current_dir(FIXTURES)
            .args(["check", "--topology", topology, "--jar"])
            .arg(self.jar())
            .arg("--maven-repo-local")
            .arg(self.dir.path().join("repo"))
            .args(extra)
            .env_remove("STORMPACK_MAVEN_REPO_LOCAL")
            .output()
            .unwrap()
    }
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// One broken topology, one problem: the severity, position, message and fix it must produce.
struct Case {
    file: &'static str,
    at: &'static str,
    message: &'static str,
    fix: &'static str,
}

const BROKEN: &[Case] = &[
    Case { file: "yaml-syntax", at: "15:15: error", message: "YAML syntax error", fix: "indentation" },
    Case { file: "unknown-key", at: "15:5: error", message: "unknown key `paralelism` in a bolt", fix: "did you mean `parallelism`?" },
    Case { file: "duplicate-id", at: "12:9: error", message: "duplicate bolt id `split-bolt` (also at line 10)", fix: "its own id" },
    Case { file: "reserved-id", at: "16:9: error", message: "bolt id `__count` starts with `__`", fix: "`count`" },
    Case { file: "dotted-name", at: "2:7: error", message: "topology name `word.count` contains `.`", fix: "name: \"word-count\"" },
    Case { file: "undefined-target", at: "26:9: error", message: "stream to `count-blot`, which is not a defined bolt", fix: "did you mean `count-bolt`?" },
    Case { file: "unknown-grouping", at: "24:22: error", message: "unknown grouping type `shuffle`", fix: "did you mean `SHUFFLE`?" },
    Case { file: "undeclared-field", at: "27:37: error", message: "FIELDS grouping on `words`, but stream `default` of `split-bolt` declares only [word]", fix: "did you mean `word`?" },
    Case { file: "unknown-stream", at: "27:56: error", message: "`split-bolt` (FluxShellBolt) declares no stream `errors`", fix: "declare `errors` with `setNamedStream`" },
    Case { file: "custom-without-class", at: "24:22: error", message: "CUSTOM grouping without `customClass`", fix: "customClass: {className:" },
    Case { file: "unreached-bolt", at: "21:9: warning", message: "bolt `audit-bolt` receives no stream: Flux leaves it out", fix: "to: \"audit-bolt\"" },
    Case { file: "lonely-spout", at: "9:9: warning", message: "spout `tick-spout` has no outgoing stream", fix: "from: \"tick-spout\"" },
    Case { file: "missing-class", at: "17:16: error", message: "class `org.apache.storm.flux.wrappers.bolts.FluxShelBolt` (bolt) is neither in the jar nor in Storm's runtime", fix: "did you mean `org.apache.storm.flux.wrappers.bolts.FluxShellBolt`?" },
    Case { file: "storm-class-typo", at: "5:16: error", message: "class `org.apache.storm.testing.TestWordSpot` (spout) is neither in the jar nor in Storm's runtime", fix: "did you mean `org.apache.storm.testing.TestWordSpout`?" },
    Case { file: "missing-script", at: "19:21: error", message: "`count-bolt` runs `countbolts.py`, but the jar has no `resources/countbolts.py`", fix: "did you mean `countbolt.py`?" },
    Case { file: "native-binary", at: "13:10: error", message: "`split-bolt` starts `./x86_64/split` (a native binary in resources/) directly", fix: "[\"sh\", \"<launcher>.sh\"]" },
    Case { file: "python2", at: "19:10: warning", message: "`python` starts `count-bolt`: Storm 2.x hosts often have only `python3`", fix: "use `python3`" },
    Case { file: "undefined-ref", at: "11:14: error", message: "`ref: sentence-sorce` names no component", fix: "did you mean `sentence-source`?" },
    Case { file: "resource-include", at: "4:11: error", message: "resource include `shared.yaml` has no leading `/`", fix: "file: \"/shared.yaml\"" },
    Case { file: "unresolved-filter", at: "15:18: error", message: "`${split.parallelism}` is not substituted: `split.parallelism` is not defined in filter/dev.properties", fix: "define `split.parallelism=<value>`" },
];

#[test]
fn each_broken_topology_reports_its_one_problem() {
    let env = Env::new();
    let mut failures = Vec::new();
    for case in BROKEN {
        let path = format!("broken/{}.yaml", case.file);
        let out = env.check(&path, &["--filter", "filter/dev.properties"]);
        let text = stderr(&out);
        let expected_line = format!("{path}:{}: {}", case.at, case.message);
        let found = text.lines().any(|l| l.starts_with(&expected_line));
        let fix_found = text.contains(case.fix);
        let is_error = case.at.ends_with("error");
        let code_ok = out.status.code() == Some(if is_error { 1 } else { 0 });
        let diagnostics = text
            .lines()
            .filter(|l| l.contains(": error: ") || l.contains(": warning: "))
            .count();
        if !(found && fix_found && code_ok && diagnostics == 1) {
            failures.push(format!("{path}: expected `{expected_line}` / fix `{}` (exit {:?}, {diagnostics} diagnostics):\n{text}", case.fix, out.status.code()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn broken_topologies_report_snapshot() {
    let env = Env::new();
    let mut report = String::new();
    for case in BROKEN {
        let out = env.check(
            &format!("broken/{}.yaml", case.file),
            &["--filter", "filter/dev.properties"],
        );
        for line in stderr(&out).lines().filter(|l| !l.starts_with("checked ")) {
            report.push_str(line);
            report.push('\n');
        }
    }
    insta::assert_snapshot!("broken_topologies", report);
}

#[test]
fn the_good_topology_passes_clean() {
    let env = Env::new();
    let out = env.check("good/topology.yaml", &[]);
    let text = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert_eq!(
        text.trim(),
        "checked good/topology.yaml: 0 errors, 0 warnings"
    );
}

#[test]
fn includes_are_merged_with_flux_override_rules() {
    let env = Env::new();
    let out = env.check("include/topology.yaml", &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = env.check("include/topology.yaml", &["--dot"]);
    let dot = String::from_utf8(out.stdout).unwrap();
    // override: true on the jar's resource include replaces the name.
    assert!(dot.starts_with("digraph \"wordcount-from-jar\" {"), "{dot}");
    assert!(
        dot.contains("\"split-bolt\" -> \"count-bolt\" [label=\"FIELDS(word)\"];"),
        "{dot}"
    );
}

#[test]
fn without_a_jar_class_and_resource_checks_are_skipped() {
    let project = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(project.path().join("resources")).unwrap();
    let broken =
        std::fs::read_to_string(Path::new(FIXTURES).join("broken/missing-script.yaml")).unwrap();
    std::fs::write(project.path().join("resources/topology.yaml"), broken).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_stormpack"))
        .args(["check", "--project"])
        .arg(project.path())
        .output()
        .unwrap();
    let text = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("note: no jar at"), "{text}");
    assert!(
        text.contains("class and resources/ checks skipped"),
        "{text}"
    );
    assert!(text.contains("0 errors, 0 warnings"), "{text}");
    // A resource include is then read from beside the topology.
    let out = Command::new(env!("CARGO_BIN_EXE_stormpack"))
        .args([
            "check",
            "--dot",
            "--topology",
            "include/topology.yaml",
            "--project",
            "no-such-project",
        ])
        .current_dir(FIXTURES)
        .output()
        .unwrap();
    let dot = String::from_utf8(out.stdout.clone()).unwrap();
    assert!(
        dot.starts_with("digraph \"wordcount-prod\" {"),
        "{dot}{}",
        stderr(&out)
    );
}

#[test]
fn filter_and_env_filter_substitute_as_flux() {
    let env = Env::new();
    let out = env.check(
        "filter/topology.yaml",
        &["--filter", "filter/dev.properties"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("0 errors, 0 warnings"),
        "{}",
        stderr(&out)
    );
    let out = env.check(
        "filter/topology.yaml",
        &["--filter", "filter/dev.properties", "--dot"],
    );
    let dot = String::from_utf8(out.stdout).unwrap();
    assert!(dot.contains("digraph \"wordcount-dev\""), "{dot}");
    assert!(dot.contains("FluxShellBolt x3"), "{dot}");
    // Without --filter: warnings (Flux would stop on each line), no error, exit 0.
    let out = env.check("filter/topology.yaml", &[]);
    let text = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("filter/topology.yaml:2:8: warning: `${topology.name}` is not substituted: no --filter file was given"), "{text}");
}

#[test]
fn env_filter_reads_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let topology = dir.path().join("topology.yaml");
    std::fs::write(
        &topology,
        "name: \"${ENV-TOPO_NAME}\"\nspouts:\n  - id: s\n    className: org.apache.storm.testing.TestWordSpout\nbolts:\n  - id: b\n    className: org.apache.storm.flux.wrappers.bolts.LogInfoBolt\n    parallelism: ${ENV-TOPO_PAR}\nstreams:\n  - {from: s, to: b, grouping: {type: SHUFFLE}}\n",
    )
    .unwrap();
    let run = |envs: &[(&str, &str)]| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_stormpack"));
        cmd.args(["check", "--env-filter", "--topology"])
            .arg(&topology)
            .arg("--project")
            .arg(dir.path());
        cmd.env_remove("TOPO_NAME").env_remove("TOPO_PAR");
        for (k, v) in envs {
            cmd.env(k, v);
        }
        cmd.output().unwrap()
    };
    let out = run(&[("TOPO_NAME", "wc-env"), ("TOPO_PAR", "2")]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = run(&[("TOPO_NAME", "wc.env"), ("TOPO_PAR", "2")]);
    assert!(
        stderr(&out).contains(":1:7: error: topology name `wc.env` contains `.`"),
        "{}",
        stderr(&out)
    );
    let out = run(&[("TOPO_NAME", "wc")]);
    let text = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains(":8:18: error: `${ENV-TOPO_PAR}` is not substituted: the environment variable `TOPO_PAR` is not set"), "{text}");
}

#[test]
fn dot_of_the_wordcount_topology() {
    let env = Env::new();
    let first = env.check("good/topology.yaml", &["--dot"]);
    let second = env.check("good/topology.yaml", &["--dot"]);
    assert_eq!(first.status.code(), Some(0));
    assert_eq!(
        first.stdout, second.stdout,
        "DOT output must be deterministic"
    );
    let dot = String::from_utf8(first.stdout).unwrap();
    assert!(dot.contains("\"sentence-spout\" [shape=box"), "{dot}");
    assert!(dot.contains("\"split-bolt\" [shape=ellipse"), "{dot}");
    assert!(
        dot.contains("\"split-bolt\" -> \"reject-log\" [label=\"GLOBAL\\nstream: rejected\"];"),
        "{dot}"
    );
    insta::assert_snapshot!("wordcount_dot", dot);
}

#[test]
fn missing_topology_names_the_paths_tried() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_stormpack"))
        .args(["check", "--project"])
        .arg(dir.path())
        .output()
        .unwrap();
    let text = stderr(&out);
    assert_eq!(out.status.code(), Some(1));
    assert!(text.contains("no topology found (tried"), "{text}");
    assert!(text.contains("src/main/resources/topology.yaml"), "{text}");
    assert!(
        text.contains("\n  fix: pass it with --topology FILE"),
        "{text}"
    );
}

#[test]
fn a_missing_topology_file_is_named_with_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_stormpack"))
        .args(["check", "--topology", "nope.yaml", "--project"])
        .arg(dir.path())
        .current_dir(dir.path())
        .output()
        .unwrap();
    let text = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains(
            "error: the topology nope.yaml does not exist\n  fix: correct the --topology path"
        ),
        "{text}"
    );
}

#[test]
fn a_missing_jar_is_named_with_the_fix() {
    let env = Env::new();
    std::fs::remove_file(env.jar()).unwrap();
    let out = env.check("good/topology.yaml", &[]);
    let text = stderr(&out);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text.contains(&format!("cannot open the jar {}", env.jar().display())),
        "{text}"
    );
    assert!(
        text.contains("fix: build it with `stormpack build`"),
        "{text}"
    );
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            if entry.file_name() != "target" {
                copy_dir(&entry.path(), &target);
            }
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

#[test]
fn a_maven_project_is_checked_against_its_jar_from_the_build_plan() {
    let env = Env::new();
    let project = env.dir.path().join("wordcount");
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/wordcount-maven"),
        &project,
    );
    std::fs::create_dir_all(project.join("target")).unwrap();
    // The jar the pom names (finalName = artifactId-version), missing the split bolt's script.
    let entries: Vec<(&str, &str)> = JAR_ENTRIES
        .iter()
        .copied()
        .chain([
            ("resources/sentence_spout.py", "import storm\n"),
            ("resources/count_bolt.py", "import storm\n"),
        ])
        .collect();
    write_zip(&project.join("target/WordCount-1.0-SNAPSHOT.jar"), &entries);
    let out = Command::new(env!("CARGO_BIN_EXE_stormpack"))
        .args(["check", "--offline", "--project"])
        .arg(&project)
        .arg("--maven-repo-local")
        .arg(env.dir.path().join("repo"))
        .output()
        .unwrap();
    let text = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    let expected = format!(
        "{}:21:21: error: `split-bolt` runs `split_bolt.py`, but the jar has no `resources/split_bolt.py`",
        project.join("resources/topology.yaml").display()
    );
    assert!(text.contains(&expected), "expected {expected}\n{text}");
    assert!(text.contains("1 error, 0 warnings"), "{text}");
}
