//! The resolver against Maven itself: for every pom under `fixtures/maven-resolve/`, runs
//! `mvn dependency:list` and `dependency:tree` (Maven 3.8, maven-dependency-plugin 3.6.1) and
//! `stormpack deps` / `stormpack deps --tree`, and requires the same coordinates and scopes in
//! the same (classpath) order, and the same tree. Both share the local repository (Maven runs
//! first and fills it). Also: the broken-pom fixtures and repository poms that are malformed or
//! form a parent cycle, each with its message.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const DEPENDENCY_PLUGIN: &str = "org.apache.maven.plugins:maven-dependency-plugin:3.6.1";

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

/// A copy of the fixture's pom in a temp dir, so neither tool writes into `fixtures/`.
fn copy_fixture(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        root()
            .join("fixtures/maven-resolve")
            .join(name)
            .join("pom.xml"),
        dir.path().join("pom.xml"),
    )
    .unwrap();
    dir
}

fn mvn(project: &Path, goal: &str, out: &Path) {
    let mut cmd = Command::new("mvn");
    cmd.current_dir(project)
        .args(["-B", "-q", &format!("{DEPENDENCY_PLUGIN}:{goal}")])
        .arg(format!("-DoutputFile={}", out.display()))
        .stdin(std::process::Stdio::null());
    if let Ok(local) = std::env::var("STORMPACK_MAVEN_REPO_LOCAL") {
        cmd.arg(format!("-Dmaven.repo.local={local}"));
    }
    let output = cmd.output().unwrap_or_else(|e| {
        panic!("this test needs Maven (`mvn`, e.g. apt-get install maven): {e}")
    });
    assert!(
        output.status.success(),
        "mvn {goal} failed in {}:\n{}{}",
        project.display(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// `   g:a:type[:classifier]:version:scope` lines, without dependency:list's module suffix.
fn list_lines(text: &str) -> Vec<String> {
    text.lines()
        .filter(|l| l.starts_with("   ") && l.trim() != "none")
        .map(|l| {
            let l = l.trim();
            let l = l.split(" -- ").next().unwrap_or(l);
            l.trim_end_matches(" (optional)").to_string()
        })
        .collect()
}

fn fixtures() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(root().join("fixtures/maven-resolve"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn deps_equals_mvn_dependency_list_and_tree() {
    let names = fixtures();
    assert!(
        names.len() >= 8,
        "expected the fixture poms, found {names:?}"
    );
    let mut failures = Vec::new();
    let mut summary = Vec::new();
    for name in &names {
        let project = copy_fixture(name);
        let out = tempfile::tempdir().unwrap();
        let list_file = out.path().join("list.txt");
        let tree_file = out.path().join("tree.txt");
        mvn(project.path(), "list", &list_file);
        mvn(project.path(), "tree", &tree_file);
        let maven = list_lines(&std::fs::read_to_string(&list_file).unwrap());
        let maven_tree = std::fs::read_to_string(&tree_file).unwrap();

        let dir = project.path().to_str().unwrap();
        let ours = stormpack(&["deps", "-p", dir]);
        assert!(
            ours.status.success(),
            "stormpack deps failed for {name}: {}",
            String::from_utf8_lossy(&ours.stderr)
        );
        let ours_list = list_lines(&String::from_utf8_lossy(&ours.stdout));
        let tree = stormpack(&["deps", "--tree", "-p", dir]);
        assert!(
            tree.status.success(),
            "stormpack deps --tree failed for {name}"
        );
        let ours_tree = String::from_utf8_lossy(&tree.stdout).into_owned();

        let only_maven: Vec<&String> = maven.iter().filter(|l| !ours_list.contains(l)).collect();
        let only_ours: Vec<&String> = ours_list.iter().filter(|l| !maven.contains(l)).collect();
        if !only_maven.is_empty() || !only_ours.is_empty() {
            failures.push(format!(
                "{name}: only in mvn dependency:list: {only_maven:#?}\n{name}: only in stormpack deps: {only_ours:#?}"
            ));
        } else if maven != ours_list {
            failures.push(format!(
                "{name}: same set, different order\nmvn:\n{}\nstormpack:\n{}",
                maven.join("\n"),
                ours_list.join("\n")
            ));
        }
        if maven_tree.trim_end() != ours_tree.trim_end() {
            failures.push(format!(
                "{name}: trees differ\nmvn dependency:tree:\n{maven_tree}\nstormpack deps --tree:\n{ours_tree}"
            ));
        }
        summary.push(format!("{name}: {} coordinates", maven.len()));
    }
    eprintln!(
        "compared with mvn dependency:list:\n  {}",
        summary.join("\n  ")
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
