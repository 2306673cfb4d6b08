//! `stormpack build`, `verify` and `--dry-run` on real projects: the Maven WordCount fixture and
//! small projects written into temp dirs, run through the real binary, jars opened and checked.

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn stormpack() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_stormpack"));
    cmd.env_remove("SOURCE_DATE_EPOCH").stdin(Stdio::null());
    cmd
}

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Copy `fixtures/<name>` into a fresh temp dir (never build inside the repository).
fn copy_fixture(name: &str) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dest = tmp.path().join(name);
    copy_tree(&repo_root().join("fixtures").join(name), &dest);
    (tmp, dest)
}

fn copy_tree(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let rel = entry.path().strip_prefix(from).unwrap();
        if rel.starts_with("target") {
            continue;
        }
        let dest = to.join(rel);
        if entry.file_type().is_dir() {
            fs::create_dir_all(&dest).unwrap();
        } else {
            fs::copy(entry.path(), &dest).unwrap();
        }
    }
}

/// A project written file by file into a temp dir.
struct Project {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
}

impl Project {
    fn new() -> Self {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("project");
        fs::create_dir_all(&dir).unwrap();
        Project { _tmp: tmp, dir }
    }

    fn file(self, path: &str, content: &str) -> Self {
        let p = self.dir.join(path);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, content).unwrap();
        self
    }

    fn build(&self, extra: &[&str]) -> Output {
        stormpack()
            .arg("build")
            .arg("--project")
            .arg(&self.dir)
            .args(extra)
            .output()
            .unwrap()
    }
}

/// A dependency-free pom (builds without the network) with the given `<build>` body.
fn pom(build: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>com.example</groupId>
  <artifactId>tiny</artifactId>
  <version>0.1</version>
  <properties>
    <greeting>hello</greeting>
  </properties>
  <build>
{build}
  </build>
</project>
"#
    )
}

/// A missing tool skips the test on a developer machine, but fails it in CI, where
/// scripts/setup.sh installs it.
fn skip_outside_ci(why: &str) {
    assert!(std::env::var_os("CI").is_none(), "CI must have it: {why}");
    eprintln!("skipping: {why}");
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn json(out: &Output) -> Value {
    assert!(out.status.success(), "build failed:\n{}", stderr(out));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn entry_paths(summary: &Value) -> Vec<String> {
    summary["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].as_str().unwrap().to_string())
        .collect()
}

/// Every file below `dir` outside `target/`, with its bytes: to prove a build wrote nothing else.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_entry(|e| e.file_name() != "target")
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| (e.path().to_path_buf(), fs::read(e.path()).unwrap()))
        .collect()
}

fn assert_failed_with(out: &Output, needles: &[&str], project: &Path) {
    let err = stderr(out);
    assert!(
        !out.status.success(),
        "expected failure, got success:\n{err}"
    );
    for n in needles {
        assert!(err.contains(n), "expected {n:?} in:\n{err}");
    }
    assert!(err.contains("fix:"), "no fix in:\n{err}");
    let jars: Vec<_> = walkdir::WalkDir::new(project)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| {
            e.path()
                .extension()
                .is_some_and(|x| x == "jar" || x == "tmp")
        })
        .collect();
    assert!(jars.is_empty(), "a failed build left {jars:?}");
}

#[test]
fn wordcount_maven_layout_matches_the_reference_build() {
    let (_tmp, dir) = copy_fixture("wordcount-maven");
    let out = stormpack()
        .args(["build", "--json", "--project"])
        .arg(&dir)
        .output()
        .unwrap();
    let summary = json(&out);
    let paths = entry_paths(&summary);
    assert_eq!(&paths[..2], ["META-INF/", "META-INF/MANIFEST.MF"]);
    let files: Vec<&String> = paths.iter().filter(|p| !p.ends_with('/')).collect();
    assert_eq!(
        &files[..3],
        [
            "META-INF/MANIFEST.MF",
            "META-INF/maven/com.example/WordCount/pom.xml",
            "META-INF/maven/com.example/WordCount/pom.properties"
        ]
    );
    for p in [
        "topology.yaml",
        "log4j2.xml",
        "resources/sentence_spout.py",
        "resources/split_bolt.py",
        "resources/count_bolt.py",
        "resources/storm.py",
        "org/apache/storm/flux/Flux.class",
        "org/apache/storm/flux/wrappers/spouts/FluxShellSpout.class",
        "org/apache/storm/flux/wrappers/bolts/FluxShellBolt.class",
    ] {
        assert!(paths.iter().any(|x| x == p), "{p} missing from the jar");
    }
    for p in &paths {
        assert_ne!(p, "defaults.yaml", "Storm's defaults.yaml was shaded");
        assert!(
            !p.starts_with("org/apache/storm/topology/"),
            "storm-client class {p} shaded"
        );
        assert!(
            !p.ends_with(".SF") && !p.ends_with(".RSA") && !p.ends_with(".DSA"),
            "{p}"
        );
    }
    assert_eq!(summary["main_class"], "org.apache.storm.flux.Flux");
    let jar = dir.join("target/WordCount-1.0-SNAPSHOT.jar");
    assert_eq!(PathBuf::from(summary["jar"].as_str().unwrap()), jar);

    // The .sha256 beside it is `sha256sum -c` compatible.
    let check = Command::new("sha256sum")
        .args(["-c", "WordCount-1.0-SNAPSHOT.jar.sha256"])
        .current_dir(dir.join("target"))
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );

    // The JDK reads it: JarInputStream, JarFile(verify=true), Main-Class, every entry.
    if Command::new("java").arg("-version").output().is_ok() {
        let read = Command::new("java")
            .arg(repo_root().join("tests/java/ReadJar.java"))
            .arg(&jar)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&read.stdout);
        assert!(
            read.status.success(),
            "{text}\n{}",
            String::from_utf8_lossy(&read.stderr)
        );
        assert!(
            text.contains("Main-Class: org.apache.storm.flux.Flux"),
            "{text}"
        );
    } else {
        skip_outside_ci("the JDK read: no `java` on PATH");
    }
}

#[test]
fn project_files_land_where_mvn_package_puts_them() {
    if Command::new("mvn").arg("-v").output().is_err() {
        skip_outside_ci("no `mvn` on PATH");
        return;
    }
    let (_tmp, dir) = copy_fixture("wordcount-maven");
    let mvn = Command::new("mvn")
        .args(["-B", "-q", "package", "-DskipTests"])
        .current_dir(&dir)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        mvn.status.success(),
        "{}",
        String::from_utf8_lossy(&mvn.stdout)
    );
    let maven_jar = dir.join("target/WordCount-1.0-SNAPSHOT.jar");
    let maven_entries = zip_names(&maven_jar);
    let out = stormpack()
        .args(["build", "--json", "--project"])
        .arg(&dir)
        .args(["--out-dir"])
        .arg(dir.join("target/stormpack"))
        .output()
        .unwrap();
    let ours: std::collections::BTreeSet<String> = entry_paths(&json(&out)).into_iter().collect();
    let theirs: std::collections::BTreeSet<String> = maven_entries.into_iter().collect();
    // Maven's shade plugin keeps the dependency-reduced pom's original under META-INF/maven and
    // writes directory entries the same way we do; the class and resource sets must agree (the
    // fixture's ApacheLicenseResourceTransformer drops META-INF/LICENSE* in both).
    let only_ours: Vec<_> = ours.difference(&theirs).collect();
    let only_theirs: Vec<_> = theirs.difference(&ours).collect();
    assert!(
        only_ours.is_empty() && only_theirs.is_empty(),
        "entries only in stormpack's jar: {only_ours:?}\nentries only in Maven's jar: {only_theirs:?}"
    );
}

/// `mvn -B -q clean package` in `dir`, tried again (with `-U`, as Maven caches a failed
/// transfer) when the network failed.
fn mvn_package(dir: &Path) {
    for attempt in 1..=3 {
        let mut cmd = Command::new("mvn");
        cmd.args(["-B", "-q", "clean", "package", "-DskipTests"])
            .current_dir(dir)
            .stdin(Stdio::null());
        if attempt > 1 {
            cmd.arg("-U");
        }
        let out = cmd.output().unwrap();
        if out.status.success() {
            return;
        }
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let transient = [
            "UnknownHostException",
            "Temporary failure in name resolution",
            "Could not transfer",
            "timed out",
        ]
        .iter()
        .any(|n| text.contains(n));
        if !(transient && attempt < 3) {
            panic!("mvn package failed in {}:\n{text}", dir.display());
        }
        std::thread::sleep(std::time::Duration::from_secs(5));
    }
}

/// Issue 10: the classic Storm 1.x Flux WordCount (storm-core 1.0.6 provided, flux-core and
/// flux-wrappers compiled in, two resource directories, Python multilang bolts) builds, and its
/// jar holds exactly the entries of the jar `mvn clean package` shades with the pom's
/// maven-shade-plugin configuration.
#[test]
fn storm1_flux_wordcount_holds_exactly_the_entries_of_mvn_package() {
    if Command::new("mvn").arg("-v").output().is_err() {
        skip_outside_ci("no `mvn` on PATH");
        return;
    }
    let (_tmp, dir) = copy_fixture("storm1-wordcount");
    mvn_package(&dir);
    let theirs: std::collections::BTreeSet<String> =
        zip_names(&dir.join("target/storm1-wordcount-1.0-SNAPSHOT.jar"))
            .into_iter()
            .collect();
    let out = stormpack()
        .args(["build", "--json", "--project"])
        .arg(&dir)
        .args(["--out-dir"])
        .arg(dir.join("target/stormpack"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let summary = json(&out);
    assert_eq!(summary["main_class"], "org.apache.storm.flux.Flux");
    assert_eq!(summary["storm_version"], "1.0.6");
    let ours: std::collections::BTreeSet<String> = entry_paths(&summary).into_iter().collect();
    let only_ours: Vec<_> = ours.difference(&theirs).collect();
    let only_theirs: Vec<_> = theirs.difference(&ours).collect();
    assert!(
        only_ours.is_empty() && only_theirs.is_empty(),
        "entries only in stormpack's jar: {only_ours:?}\nentries only in Maven's jar: {only_theirs:?}"
    );
    assert!(ours.contains("resources/split_bolt.py") && ours.contains("topology.yaml"));
    assert!(ours.contains("org/apache/storm/flux/Flux.class"));
    assert!(
        !ours
            .iter()
            .any(|e| e.starts_with("org/apache/storm/daemon/")),
        "storm-core is provided"
    );
    eprintln!(
        "storm1-wordcount: {} entries, identical to mvn package",
        ours.len()
    );
}

/// Issue 10: `stormpack run` on a Storm 1.x project stops with the Storm versions it runs.
#[test]
fn run_on_a_storm1_project_names_the_supported_versions() {
    let (_tmp, dir) = copy_fixture("storm1-wordcount");
    let out = stormpack()
        .args(["run", "--dry-run", "--project"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("stormpack run supports Storm 2.x (2.0.0 and later; default 2.8.3)")
            && err.contains("this project's Storm is 1.0.6")
            && err.contains("fix: build the jar with `stormpack build`"),
        "{err}"
    );
    assert!(!dir.join("target").exists(), "nothing written");
}

fn zip_names(path: &Path) -> Vec<String> {
    let archive = zip::ZipArchive::new(fs::File::open(path).unwrap()).unwrap();
    archive
        .file_names()
        .map(|n| n.unwrap().to_string())
        .collect()
}

#[test]
fn builds_are_byte_identical_across_dirs_mtimes_umask_and_tz() {
    let make = || {
        Project::new()
            .file(
                "pom.xml",
                &pom("<resources><resource><directory>conf</directory></resource></resources>"),
            )
            .file("conf/topology.yaml", "name: tiny\n")
            .file("conf/nested/deep/data.txt", "some data\n")
    };
    let (a, b) = (make(), make());
    // Different mtimes on the second copy.
    let touched = Command::new("touch")
        .args(["-d", "2001-02-03 04:05:06"])
        .arg(b.dir.join("conf/topology.yaml"))
        .arg(b.dir.join("conf/nested/deep/data.txt"))
        .status()
        .unwrap();
    assert!(touched.success());
    let ja = stormpack()
        .args(["build", "--json", "--project"])
        .arg(&a.dir)
        .env("TZ", "UTC")
        .output()
        .unwrap();
    let jb = Command::new("sh")
        .arg("-c")
        .arg("umask 077 && exec \"$@\"")
        .arg("sh")
        .arg(env!("CARGO_BIN_EXE_stormpack"))
        .args(["build", "--json", "--project"])
        .arg(&b.dir)
        .env("TZ", "Asia/Kathmandu")
        .env_remove("SOURCE_DATE_EPOCH")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let (sa, sb) = (json(&ja), json(&jb));
    let bytes_a = fs::read(a.dir.join("target/tiny-0.1.jar")).unwrap();
    let bytes_b = fs::read(b.dir.join("target/tiny-0.1.jar")).unwrap();
    eprintln!("digests: {} {}", sa["sha256"], sb["sha256"]);
    assert_eq!(sa["sha256"], sb["sha256"]);
    assert!(bytes_a == bytes_b, "jars differ");
    // Entry modes: 0644 files.
    for e in sa["entries"].as_array().unwrap() {
        let mode = e["mode"].as_u64().unwrap() & 0o777;
        let expect = if e["path"].as_str().unwrap().ends_with('/') {
            0o755
        } else {
            0o644
        };
        assert_eq!(mode, expect, "{e}");
    }
}

#[test]
fn source_date_epoch_and_output_timestamp_set_the_entry_time() {
    let p = Project::new()
        .file(
            "pom.xml",
            &pom("<resources><resource><directory>conf</directory></resource></resources>")
                .replace("<greeting>", "<project.build.outputTimestamp>2024-05-06T07:08:10Z</project.build.outputTimestamp><greeting>"),
        )
        .file("conf/a.txt", "a\n");
    let s = json(&p.build(&["--json"]));
    assert_eq!(s["timestamp"], "2024-05-06T07:08:10Z");
    let s = json(
        &stormpack()
            .args(["build", "--json", "--project"])
            .arg(&p.dir)
            .env("SOURCE_DATE_EPOCH", "1700000000")
            .output()
            .unwrap(),
    );
    assert_eq!(s["timestamp"], "2023-11-14T22:13:20Z");
}

#[test]
fn default_resources_includes_excludes_target_path_and_filtering() {
    let p = Project::new()
        .file(
            "pom.xml",
            &pom(r#"<finalName>custom-name</finalName>
    <resources>
      <resource>
        <directory>${basedir}/conf</directory>
        <targetPath>config</targetPath>
        <filtering>true</filtering>
        <includes><include>**/*.properties</include><include>top.yaml</include></includes>
        <excludes><exclude>secret/**</exclude></excludes>
      </resource>
      <resource><directory>scripts</directory><targetPath>resources</targetPath></resource>
    </resources>"#),
        )
        .file(
            "conf/app.properties",
            "v=${project.version} g=@greeting@ u=${undefined}\n",
        )
        .file("conf/sub/more.properties", "name=${project.artifactId}\n")
        .file("conf/top.yaml", "x: 1\n")
        .file("conf/sub/skip.yaml", "not included\n")
        .file("conf/secret/key.properties", "excluded\n")
        .file("scripts/run.py", "print('hi')\n")
        .file("scripts/.gitignore", "default-excluded\n")
        .file(
            "src/main/resources/ignored.txt",
            "not a declared resource\n",
        );
    let s = json(&p.build(&["--json"]));
    let paths: Vec<String> = entry_paths(&s)
        .into_iter()
        .filter(|p| !p.ends_with('/'))
        .collect();
    assert_eq!(
        paths,
        [
            "META-INF/MANIFEST.MF",
            "META-INF/maven/com.example/tiny/pom.xml",
            "META-INF/maven/com.example/tiny/pom.properties",
            "config/app.properties",
            "config/sub/more.properties",
            "config/top.yaml",
            "resources/run.py",
        ]
    );
    let jar = p.dir.join("target/custom-name.jar");
    let mut archive = zip::ZipArchive::new(fs::File::open(&jar).unwrap()).unwrap();
    let mut text = String::new();
    std::io::Read::read_to_string(
        &mut archive.by_name("config/app.properties").unwrap(),
        &mut text,
    )
    .unwrap();
    assert_eq!(text, "v=0.1 g=hello u=${undefined}\n");
}

#[test]
fn no_resources_declared_means_src_main_resources() {
    let p = Project::new()
        .file("pom.xml", &pom(""))
        .file("src/main/resources/topology.yaml", "name: x\n")
        .file("other/ignored.txt", "x\n");
    let s = json(&p.build(&["--json"]));
    let paths = entry_paths(&s);
    assert!(paths.contains(&"topology.yaml".to_string()), "{paths:?}");
    assert!(!paths.iter().any(|p| p.contains("ignored")), "{paths:?}");
}

#[test]
fn a_project_without_src_main_resources_builds() {
    let p = Project::new().file("pom.xml", &pom(""));
    let s = json(&p.build(&["--json"]));
    let paths: Vec<String> = entry_paths(&s)
        .into_iter()
        .filter(|p| !p.ends_with('/'))
        .collect();
    assert_eq!(
        paths,
        [
            "META-INF/MANIFEST.MF",
            "META-INF/maven/com.example/tiny/pom.xml",
            "META-INF/maven/com.example/tiny/pom.properties",
        ]
    );
}

#[test]
fn dry_run_prints_the_plan_and_writes_nothing() {
    let p = Project::new()
        .file(
            "pom.xml",
            &pom("<resources><resource><directory>conf</directory></resource></resources>"),
        )
        .file("conf/a.txt", "a\n");
    let out = p.build(&["--dry-run", "--json"]);
    let plan = json(&out);
    assert_eq!(plan["artifact_id"], "tiny");
    assert!(plan["jar"]
        .as_str()
        .unwrap()
        .ends_with("target/tiny-0.1.jar"));
    assert!(!p.dir.join("target").exists());
}

#[test]
fn verify_rebuilds_and_compares() {
    let p = Project::new()
        .file(
            "pom.xml",
            &pom("<resources><resource><directory>conf</directory></resource></resources>"),
        )
        .file("conf/a.txt", "a\n");
    let out = stormpack()
        .arg("verify")
        .arg("--project")
        .arg(&p.dir)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}\n{}", stderr(&out));
    assert!(text.contains("byte-identical"), "{text}");
}

// ---- bad input: one clear error naming the file, the problem and the fix; no jar ----

#[test]
fn missing_pom() {
    let p = Project::new().file("README", "nothing here\n");
    let out = p.build(&[]);
    assert_failed_with(&out, &["pom.xml", "project"], &p.dir);
}

#[test]
fn malformed_xml_names_line_and_column() {
    let p = Project::new().file(
        "pom.xml",
        "<project>\n  <groupId>g</groupId>\n  <artifactId>a</artifactId>\n  <version>1</version>\n  <build></oops>\n</project>\n",
    );
    let out = p.build(&[]);
    assert_failed_with(&out, &["pom.xml:5:"], &p.dir);
}

#[test]
fn unknown_property_is_named() {
    let p = Project::new().file(
        "pom.xml",
        &pom("").replace("<version>0.1</version>", "<version>${revision}</version>"),
    );
    let out = p.build(&[]);
    assert_failed_with(&out, &["${revision}", "pom.xml:"], &p.dir);
}

#[test]
fn missing_resource_directory() {
    let p = Project::new().file(
        "pom.xml",
        &pom("<resources><resource><directory>nope</directory></resource></resources>"),
    );
    let out = p.build(&[]);
    assert_failed_with(&out, &["nope", "does not exist", "pom.xml:"], &p.dir);
}

#[test]
fn two_resources_mapping_to_one_path_name_both() {
    let p = Project::new()
        .file(
            "pom.xml",
            &pom("<resources><resource><directory>a</directory></resource><resource><directory>b</directory></resource></resources>"),
        )
        .file("a/topology.yaml", "a\n")
        .file("b/topology.yaml", "b\n");
    let out = p.build(&[]);
    assert_failed_with(
        &out,
        &["topology.yaml", "/a/topology.yaml", "/b/topology.yaml"],
        &p.dir,
    );
}

#[test]
fn target_path_and_include_escaping_the_project() {
    for build in [
        "<resources><resource><directory>conf</directory><targetPath>../outside</targetPath></resource></resources>",
        "<resources><resource><directory>conf</directory><includes><include>../../etc/*</include></includes></resource></resources>",
        "<resources><resource><directory>conf</directory><targetPath>/abs</targetPath></resource></resources>",
    ] {
        let p = Project::new().file("pom.xml", &pom(build)).file("conf/a.txt", "a\n");
        let out = p.build(&[]);
        assert_failed_with(&out, &["escapes"], &p.dir);
    }
}

#[test]
fn symlink_outside_the_project() {
    let p = Project::new()
        .file(
            "pom.xml",
            &pom("<resources><resource><directory>conf</directory></resource></resources>"),
        )
        .file("conf/a.txt", "a\n");
    let outside = p.dir.parent().unwrap().join("secret.txt");
    fs::write(&outside, "secret\n").unwrap();
    std::os::unix::fs::symlink(&outside, p.dir.join("conf/link.txt")).unwrap();
    let out = p.build(&[]);
    assert_failed_with(
        &out,
        &["symlink", "link.txt", "outside the project"],
        &p.dir,
    );
}

#[test]
fn unreadable_file() {
    let p = Project::new()
        .file(
            "pom.xml",
            &pom("<resources><resource><directory>conf</directory></resource></resources>"),
        )
        .file("conf/a.txt", "a\n");
    // A dangling link cannot be read by anyone (chmod 000 would not stop root).
    std::os::unix::fs::symlink(p.dir.join("conf/gone.txt"), p.dir.join("conf/broken.txt")).unwrap();
    let out = p.build(&[]);
    assert_failed_with(&out, &["broken.txt"], &p.dir);
    let unreadable = p.dir.join("conf/b.txt");
    fs::write(&unreadable, "b\n").unwrap();
    fs::remove_file(p.dir.join("conf/broken.txt")).unwrap();
    fs::set_permissions(&unreadable, fs::Permissions::from_mode(0o000)).unwrap();
    if fs::read(&unreadable).is_err() {
        let out = p.build(&[]);
        assert_failed_with(&out, &["b.txt", "cannot read"], &p.dir);
    }
}

#[test]
fn a_failed_build_leaves_the_previous_jar_and_writes_nothing_else() {
    let p = Project::new()
        .file(
            "pom.xml",
            &pom("<resources><resource><directory>conf</directory></resource></resources>"),
        )
        .file("conf/a.txt", "a\n");
    let first = p.build(&[]);
    assert!(first.status.success(), "{}", stderr(&first));
    let jar = p.dir.join("target/tiny-0.1.jar");
    let good = fs::read(&jar).unwrap();
    let sha = fs::read(p.dir.join("target/tiny-0.1.jar.sha256")).unwrap();
    let before = snapshot(&p.dir);
    // Break the project: a second resource set that maps onto the same path.
    fs::write(
        p.dir.join("pom.xml"),
        pom("<resources><resource><directory>conf</directory></resource><resource><directory>conf</directory></resource></resources>"),
    )
    .unwrap();
    let before_pom = fs::read(p.dir.join("pom.xml")).unwrap();
    let out = p.build(&[]);
    assert!(!out.status.success());
    assert_eq!(fs::read(&jar).unwrap(), good, "the good jar was replaced");
    assert_eq!(
        fs::read(p.dir.join("target/tiny-0.1.jar.sha256")).unwrap(),
        sha
    );
    let mut after = snapshot(&p.dir);
    after.insert(
        p.dir.join("pom.xml"),
        before.get(&p.dir.join("pom.xml")).unwrap().clone(),
    );
    assert_eq!(
        before.keys().collect::<Vec<_>>(),
        after.keys().collect::<Vec<_>>()
    );
    assert_eq!(fs::read(p.dir.join("pom.xml")).unwrap(), before_pom);
    let leftovers: Vec<_> = fs::read_dir(p.dir.join("target"))
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

/// A Maven-filtered topology is checked as the jar holds it, by `build` and by `check` alike.
#[test]
fn a_filtered_topology_is_checked_as_filtered_by_build_and_check() {
    let topology = |to: &str| {
        format!(
            r#"name: "wc-${{project.artifactId}}"
spouts:
  - id: "words"
    className: "org.apache.storm.testing.TestWordSpout"
bolts:
  - id: "${{project.artifactId}}"
    className: "org.apache.storm.testing.TestWordCounter"
streams:
  - from: "words"
    to: "{to}"
    grouping:
      type: SHUFFLE
"#
        )
    };
    let resources = "<resources><resource><directory>resources</directory><filtering>true</filtering></resource></resources>";
    let good = Project::new()
        .file("pom.xml", &pom(resources))
        .file("resources/topology.yaml", &topology("tiny"));
    let check = || {
        let out = stormpack()
            .arg("check")
            .arg("--project")
            .arg(&good.dir)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(!stderr(&out).contains("warning:"), "{}", stderr(&out));
    };
    // Before the build (no jar) and after it.
    check();
    let out = good.build(&[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stderr(&out).contains("error:"), "{}", stderr(&out));
    check();

    // After filtering, the stream goes to a bolt that does not exist (it is named `tiny`).
    let bad = Project::new()
        .file("pom.xml", &pom(resources))
        .file("resources/topology.yaml", &topology("counter"));
    let out = bad.build(&[]);
    let source = bad.dir.join("resources/topology.yaml");
    let source = fs::canonicalize(&source).unwrap();
    assert_failed_with(
        &out,
        &[
            &format!("{}:", source.display()),
            "`counter`",
            "was not changed",
        ],
        &bad.dir,
    );
}
