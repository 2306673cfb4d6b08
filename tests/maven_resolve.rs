//! The resolver against Maven itself: every pom under `fixtures/maven-resolve/` (one Maven rule
//! each, named in its first comment) is a module of one Maven reactor, so `mvn` starts once and
//! runs `dependency:list` and `dependency:tree` on all of them; `stormpack deps` and
//! `stormpack deps --tree` must give the same coordinates, scopes and `(optional)` marks, and
//! the same tree (whose preorder is the classpath order). Both share the local repository
//! (Maven runs first and fills it). Also: the broken-pom fixtures and repository poms that are
//! malformed or form a parent cycle, each with its message.
//!
//! maven-dependency-plugin 2.8 is the version Maven 3.8's super POM pins, so it is what a bare
//! `mvn dependency:tree` runs with Maven 3.8.7: its list is the project's artifacts as Maven
//! core's resolver left them (printed in no particular order, so compared as a set), and its
//! tree is drawn from the same resolver. Later plugins (3.x) resolve again on their own, with
//! semantics that vary by plugin version (3.8.1 gave other trees for hadoop-client and
//! mixed-semantics). 2.8 prints no `(optional)` marks, so the same Maven run also draws the
//! tree with 3.8.1, and where that tree has 2.8's lines, its marks must be ours.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const DEPENDENCY_PLUGIN: &str = "org.apache.maven.plugins:maven-dependency-plugin:2.8";
/// Only for the `(optional)` marks, which 2.8 does not print.
const MARKING_PLUGIN: &str = "org.apache.maven.plugins:maven-dependency-plugin:3.8.1";
const OPTIONAL: &str = " (optional)";

/// User properties given to both tools (the `profile-user-property*` fixtures need them).
const USER_PROPERTIES: [&str; 2] = ["-Dcorpus.flavour=full", "-Dcorpus.cli.version=1.4"];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn stormpack(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_stormpack"))
        .args(args)
        .env("CI", "true")
        .output()
        .unwrap()
}

fn fixtures() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(root().join("fixtures/maven-resolve"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// The corpus copied into a temp dir (neither tool writes into `fixtures/`) with an aggregator
/// pom listing every fixture as a module.
fn reactor(names: &[String]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for entry in walkdir::WalkDir::new(root().join("fixtures/maven-resolve")) {
        let entry = entry.unwrap();
        let rel = entry
            .path()
            .strip_prefix(root().join("fixtures/maven-resolve"))
            .unwrap();
        let to = dir.path().join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&to).unwrap();
        } else {
            std::fs::copy(entry.path(), &to).unwrap();
        }
    }
    let modules: String = names
        .iter()
        .map(|n| format!("    <module>{n}</module>\n"))
        .collect();
    std::fs::write(
        dir.path().join("pom.xml"),
        format!(
            "<project xmlns=\"http://maven.apache.org/POM/4.0.0\">\n  <modelVersion>4.0.0</modelVersion>\n  <groupId>com.example.resolve</groupId>\n  <artifactId>corpus</artifactId>\n  <version>1.0</version>\n  <packaging>pom</packaging>\n  <modules>\n{modules}  </modules>\n</project>\n"
        ),
    )
    .unwrap();
    dir
}

/// Whether Maven's output shows a network failure worth another try (Maven caches a failed
/// transfer, so the retry passes `-U`).
fn transient_network_failure(output: &str) -> bool {
    [
        "UnknownHostException",
        "Temporary failure in name resolution",
        "Could not transfer",
        "Connection reset",
        "Connect timed out",
        "Read timed out",
        "SocketTimeoutException",
    ]
    .iter()
    .any(|needle| output.contains(needle))
}

/// `mvn dependency:list dependency:tree` (and 3.8.1's tree) over the reactor, each module
/// appending them to its own `deps.txt`.
fn mvn_reactor(dir: &Path) {
    for attempt in 1..=3 {
        for entry in walkdir::WalkDir::new(dir) {
            let entry = entry.unwrap();
            if entry.file_name() == "deps.txt" {
                std::fs::remove_file(entry.path()).unwrap();
            }
        }
        let mut cmd = Command::new("mvn");
        cmd.current_dir(dir)
            .args([
                "-B",
                &format!("{DEPENDENCY_PLUGIN}:list"),
                &format!("{DEPENDENCY_PLUGIN}:tree"),
                &format!("{MARKING_PLUGIN}:tree"),
                "-DoutputFile=deps.txt",
                "-DappendOutput=true",
            ])
            .args(USER_PROPERTIES)
            .stdin(std::process::Stdio::null());
        if attempt > 1 {
            cmd.arg("-U");
        }
        if let Ok(local) = std::env::var("STORMPACK_MAVEN_REPO_LOCAL") {
            cmd.arg(format!("-Dmaven.repo.local={local}"));
        }
        let output = cmd.output().unwrap_or_else(|e| {
            panic!("this test needs Maven (`mvn`, e.g. apt-get install maven): {e}")
        });
        if output.status.success() {
            return;
        }
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        if attempt < 3 && transient_network_failure(&text) {
            eprintln!("mvn failed on the network (attempt {attempt} of 3); trying again");
            std::thread::sleep(std::time::Duration::from_secs(5 * attempt));
            continue;
        }
        panic!("mvn dependency:list dependency:tree failed:\n{text}");
    }
}

/// `g:a:type[:classifier]:version:scope[ (optional)]` lines of a dependency:list text.
fn list_lines(text: &str) -> BTreeSet<String> {
    text.lines()
        .filter(|l| l.starts_with("   ") && l.trim() != "none")
        .map(|l| {
            let l = l.trim();
            l.split(" -- ").next().unwrap_or(l).trim_end().to_string()
        })
        .collect()
}

/// A module's `deps.txt`: the list, 2.8's tree and 3.8.1's tree (each tree starts at the
/// module's own coordinate line).
fn split_maven_output(text: &str, name: &str) -> (String, String, String) {
    let marker = format!("com.example.resolve:{name}:");
    let lines: Vec<&str> = text.lines().collect();
    let roots: Vec<usize> = (0..lines.len())
        .filter(|&i| lines[i].starts_with(&marker))
        .collect();
    let [first, second] = roots[..] else {
        panic!("expected two dependency:tree outputs for {name} in:\n{text}");
    };
    (
        lines[..first].join("\n"),
        lines[first..second].join("\n").trim_end().to_string(),
        lines[second..].join("\n").trim_end().to_string(),
    )
}

fn unmarked(text: &str) -> String {
    text.lines()
        .map(|l| l.strip_suffix(OPTIONAL).unwrap_or(l))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Each fixture's first comment: `Rule: ...`.
fn rule_of(name: &str) -> String {
    let pom = std::fs::read_to_string(
        root()
            .join("fixtures/maven-resolve")
            .join(name)
            .join("pom.xml"),
    )
    .unwrap();
    pom.split("<!--")
        .nth(1)
        .and_then(|c| c.split("-->").next())
        .map(|c| c.split_whitespace().collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

#[test]
fn deps_equals_mvn_dependency_list_and_tree() {
    let names = fixtures();
    assert!(
        names.len() >= 40,
        "expected at least 40 fixture poms, found {}: {names:?}",
        names.len()
    );
    let dir = reactor(&names);
    mvn_reactor(dir.path());
    let mut failures = Vec::new();
    let mut table = Vec::new();
    for name in &names {
        let module = dir.path().join(name);
        let text = std::fs::read_to_string(module.join("deps.txt")).unwrap();
        let (maven_list, maven_tree, marked_tree) = split_maven_output(&text, name);
        let maven = list_lines(&maven_list);

        let project = module.to_str().unwrap();
        let mut args = vec!["deps", "-p", project];
        args.extend(USER_PROPERTIES);
        let ours = stormpack(&args);
        let mut tree_args = args.clone();
        tree_args.push("--tree");
        let tree = stormpack(&tree_args);
        if !ours.status.success() || !tree.status.success() {
            failures.push(format!(
                "{name}: stormpack deps failed:\n{}",
                String::from_utf8_lossy(&ours.stderr)
            ));
            table.push(format!("| {name} | - | no |"));
            continue;
        }
        let ours_list: BTreeSet<String> = list_lines(&String::from_utf8_lossy(&ours.stdout))
            .iter()
            .map(|l| unmarked(l))
            .collect();
        let ours_tree = String::from_utf8_lossy(&tree.stdout).trim_end().to_string();
        let mut same = true;
        let only_maven: Vec<&String> = maven.difference(&ours_list).collect();
        let only_ours: Vec<&String> = ours_list.difference(&maven).collect();
        if !only_maven.is_empty() || !only_ours.is_empty() {
            same = false;
            failures.push(format!(
                "{name}: only in mvn dependency:list: {only_maven:#?}\n{name}: only in stormpack deps: {only_ours:#?}"
            ));
        }
        if maven_tree != unmarked(&ours_tree) {
            same = false;
            failures.push(format!(
                "{name}: trees differ\nmvn dependency:tree:\n{maven_tree}\nstormpack deps --tree:\n{ours_tree}"
            ));
        } else if unmarked(&marked_tree) == maven_tree && marked_tree != ours_tree {
            same = false;
            failures.push(format!(
                "{name}: (optional) marks differ\nmvn dependency:tree ({MARKING_PLUGIN}):\n{marked_tree}\nstormpack deps --tree:\n{ours_tree}"
            ));
        }
        table.push(format!(
            "| {name} | {} | {} coordinates | {} |",
            rule_of(name),
            maven.len(),
            if same { "yes" } else { "no" }
        ));
    }
    eprintln!(
        "compared with mvn dependency:list and dependency:tree ({DEPENDENCY_PLUGIN}):\n| fixture | rule | coordinates | identical |\n|---|---|---|---|\n{}",
        table.join("\n")
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

fn fails_with(project: &Path, extra: &[&str], needles: &[&str]) -> String {
    let mut args = vec!["deps", "-p", project.to_str().unwrap()];
    args.extend_from_slice(extra);
    let out = stormpack(&args);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        !out.status.success(),
        "expected failure, got:\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(out.stdout.is_empty(), "nothing on stdout on failure");
    for n in needles {
        assert!(stderr.contains(n), "missing `{n}` in:\n{stderr}");
    }
    stderr
}

#[test]
fn broken_project_poms_are_reported_with_positions() {
    let f = root().join("fixtures");
    fails_with(
        &f.join("maven-broken-nopom"),
        &[],
        &[
            "no pom.xml in",
            "maven-broken-nopom",
            "[package.metadata.stormpack]",
        ],
    );
    fails_with(
        &f.join("maven-broken-xml"),
        &[],
        &[
            "maven-broken-xml/pom.xml:10:28: malformed XML",
            "`</artifact>`",
            "fix:",
        ],
    );
    fails_with(
        &f.join("maven-broken-property"),
        &[],
        &[
            "maven-broken-property/pom.xml:14:7: unknown property `${flux.version}` in dependency version",
            "fix: define it in <properties>",
        ],
    );
    fails_with(
        &f.join("maven-broken-parent-cycle"),
        &[],
        &[
            "pom cycle: com.example.broken:cycle-child:1.0 -> com.example.broken:cycle-parent:1.0 -> com.example.broken:cycle-child:1.0",
            "maven-broken-parent-cycle/parent/pom.xml:5:3",
        ],
    );
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn project_depending_on(dir: &Path, artifact: &str) {
    write(
        &dir.join("pom.xml"),
        &format!(
            "<project><groupId>t</groupId><artifactId>t</artifactId><version>1</version>
  <dependencies><dependency><groupId>com.example</groupId><artifactId>{artifact}</artifactId><version>1.0</version></dependency></dependencies>
</project>"
        ),
    );
}

#[test]
fn broken_repository_poms_name_coordinate_file_and_line() {
    let tmp = tempfile::tempdir().unwrap();
    let m2 = tmp.path().join("m2");
    let repo = m2.to_str().unwrap();
    write(
        &m2.join("com/example/bad/1.0/bad-1.0.pom"),
        "<project>\n  <groupId>com.example</groupId>\n  <artifactId>bad</artifactId>\n  <version>1.0</version>\n  <dependencies>\n    <dependency><groupId>x</groupId>\n  </dependencies>\n</project>\n",
    );
    write(
        &m2.join("com/example/loop/1.0/loop-1.0.pom"),
        "<project><parent><groupId>com.example</groupId><artifactId>loop-parent</artifactId><version>1.0</version></parent><artifactId>loop</artifactId></project>",
    );
    write(
        &m2.join("com/example/loop-parent/1.0/loop-parent-1.0.pom"),
        "<project><parent><groupId>com.example</groupId><artifactId>loop</artifactId><version>1.0</version></parent><artifactId>loop-parent</artifactId></project>",
    );
    let project = tmp.path().join("bad");
    project_depending_on(&project, "bad");
    fails_with(
        &project,
        &["--offline", "--maven-repo-local", repo],
        &[
            "the pom of com.example:bad:pom:1.0 (reached by com.example:bad:jar:1.0) is malformed",
            "bad-1.0.pom:7:3: malformed XML",
            "delete",
        ],
    );
    let project = tmp.path().join("loop");
    project_depending_on(&project, "loop");
    fails_with(
        &project,
        &["--offline", "--maven-repo-local", repo],
        &["pom cycle: com.example:loop:1.0 -> com.example:loop-parent:1.0 -> com.example:loop:1.0"],
    );
}

/// A file repository holding `com.example.sp:<artifact>:1.0` (pom and jar, with sha1 files).
fn file_repository(dir: &Path, artifact: &str) {
    use sha1::Digest;
    let base = dir.join(format!("com/example/sp/{artifact}/1.0"));
    std::fs::create_dir_all(&base).unwrap();
    let pom = format!(
        "<project><modelVersion>4.0.0</modelVersion><groupId>com.example.sp</groupId>\
         <artifactId>{artifact}</artifactId><version>1.0</version></project>\n"
    );
    let jar = stormpack_test_jar(artifact);
    for (name, bytes) in [
        (format!("{artifact}-1.0.pom"), pom.into_bytes()),
        (format!("{artifact}-1.0.jar"), jar),
    ] {
        let sha1 = hex::encode(sha1::Sha1::digest(&bytes));
        std::fs::write(base.join(&name), &bytes).unwrap();
        std::fs::write(base.join(format!("{name}.sha1")), sha1).unwrap();
    }
}

/// An empty but valid jar (a zip with one text entry).
fn stormpack_test_jar(name: &str) -> Vec<u8> {
    use std::io::Write;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    zip.start_file(
        format!("{name}.txt"),
        zip::write::SimpleFileOptions::default(),
    )
    .unwrap();
    zip.write_all(name.as_bytes()).unwrap();
    zip.finish().unwrap().into_inner()
}

/// settings.xml `<profiles>`: the repositories of a profile named in `<activeProfiles>` are asked
/// (a dependency only they serve resolves), an `activeByDefault` profile stays inactive beside an
/// active one (its `central` pointing nowhere would otherwise break Central artifacts), and the
/// result equals `mvn -s settings.xml dependency:list`.
#[test]
fn settings_profile_repositories_are_used_as_maven_uses_them() {
    let dir = tempfile::tempdir().unwrap();
    let extra = dir.path().join("extra-repo");
    file_repository(&extra, "only-in-extra");
    let settings = dir.path().join("settings.xml");
    write(
        &settings,
        &format!(
            "<settings>\n  <profiles>\n    <profile>\n      <id>extra</id>\n      <repositories>\n        \
             <repository><id>extra</id><url>file://{}</url></repository>\n      </repositories>\n    \
             </profile>\n    <profile>\n      <id>nowhere</id>\n      <activation><activeByDefault>true</activeByDefault></activation>\n      \
             <repositories>\n        <repository><id>central</id><url>https://central.invalid/maven2</url></repository>\n      \
             </repositories>\n    </profile>\n  </profiles>\n  <activeProfiles><activeProfile>extra</activeProfile></activeProfiles>\n</settings>\n",
            extra.display()
        ),
    );
    let project = dir.path().join("project");
    std::fs::create_dir_all(&project).unwrap();
    write(
        &project.join("pom.xml"),
        "<project><modelVersion>4.0.0</modelVersion><groupId>com.example.resolve</groupId>\
         <artifactId>settings-profile</artifactId><version>1</version><dependencies>\
         <dependency><groupId>com.example.sp</groupId><artifactId>only-in-extra</artifactId><version>1.0</version></dependency>\
         <dependency><groupId>commons-cli</groupId><artifactId>commons-cli</artifactId><version>1.2</version></dependency>\
         </dependencies></project>\n",
    );
    let settings_arg = settings.to_str().unwrap();
    let mut maven = None;
    for attempt in 1..=3 {
        let mut cmd = Command::new("mvn");
        cmd.current_dir(&project)
            .args(["-B", "-s", settings_arg])
            .arg(format!("{DEPENDENCY_PLUGIN}:list"))
            .arg("-DoutputFile=deps.txt")
            .stdin(std::process::Stdio::null());
        if let Ok(local) = std::env::var("STORMPACK_MAVEN_REPO_LOCAL") {
            cmd.arg(format!("-Dmaven.repo.local={local}"));
        }
        let output = cmd.output().unwrap_or_else(|e| {
            panic!("this test needs Maven (`mvn`, e.g. apt-get install maven): {e}")
        });
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        if output.status.success() {
            maven = Some(list_lines(
                &std::fs::read_to_string(project.join("deps.txt")).unwrap(),
            ));
            break;
        }
        if attempt < 3 && transient_network_failure(&text) {
            std::thread::sleep(std::time::Duration::from_secs(5 * attempt));
            continue;
        }
        panic!("mvn -s settings.xml dependency:list failed:\n{text}");
    }
    let maven = maven.unwrap();
    assert!(
        maven.contains("com.example.sp:only-in-extra:jar:1.0:compile"),
        "{maven:?}"
    );
    // Its own local repository: Maven's copy of only-in-extra must not answer for the profile.
    let local = dir.path().join("local-repository");
    let ours = stormpack(&[
        "deps",
        "-p",
        project.to_str().unwrap(),
        "--settings",
        settings_arg,
        "--maven-repo-local",
        local.to_str().unwrap(),
    ]);
    assert!(
        ours.status.success(),
        "stormpack deps failed:\n{}",
        String::from_utf8_lossy(&ours.stderr)
    );
    let ours = list_lines(&String::from_utf8_lossy(&ours.stdout));
    assert_eq!(ours, maven);
}
