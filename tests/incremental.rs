//! The whole-build fingerprint (`target/.stormpack-build.json`), both ways, with the real
//! binary on copies of the fixtures: a build with nothing changed leaves the jar alone and says
//! `up_to_date`; a touched file with the same bytes changes nothing; every changed input (a
//! resource, a Python component, a Java source, a parent pom, a topology include, an
//! environment variable, a new file) and a deleted or modified jar rebuild.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::SystemTime;

use serde_json::Value;

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Copy `fixtures/<name>` into a fresh temp dir (never build inside the repository).
fn copy_fixture(name: &str) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dest = tmp.path().join(name);
    let from = repo_root().join("fixtures").join(name);
    for entry in walkdir::WalkDir::new(&from) {
        let entry = entry.unwrap();
        let rel = entry.path().strip_prefix(&from).unwrap();
        if rel.starts_with("target") {
            continue;
        }
        let to = dest.join(rel);
        if entry.file_type().is_dir() {
            fs::create_dir_all(&to).unwrap();
        } else {
            fs::copy(entry.path(), &to).unwrap();
        }
    }
    (tmp, dest)
}

/// `stormpack build --json` in `dir` with `env` set (SOURCE_DATE_EPOCH unset unless given).
fn build_env(dir: &Path, env: &[(&str, &str)]) -> Value {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_stormpack"));
    cmd.env_remove("SOURCE_DATE_EPOCH")
        .env_remove("GREETING_FROM_ENV")
        .stdin(Stdio::null())
        .args(["build", "--json", "--project"])
        .arg(dir);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "build failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn build(dir: &Path) -> Value {
    build_env(dir, &[])
}

fn up_to_date(v: &Value) -> bool {
    v["up_to_date"].as_bool().unwrap()
}

fn sha(v: &Value) -> String {
    v["sha256"].as_str().unwrap().to_string()
}

fn jar(v: &Value) -> PathBuf {
    PathBuf::from(v["jar"].as_str().unwrap())
}

fn mtime(path: &Path) -> SystemTime {
    fs::metadata(path).unwrap().modified().unwrap()
}

/// Rewrite `path` with the same bytes (a new modification time, nothing else).
fn touch(path: &Path) {
    let bytes = fs::read(path).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    fs::write(path, bytes).unwrap();
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{} lacks {from:?}", path.display());
    fs::write(path, text.replacen(from, to, 1)).unwrap();
}

#[test]
fn a_no_op_build_leaves_the_jar_alone_and_a_touched_file_changes_nothing() {
    let (_tmp, dir) = copy_fixture("wordcount-maven");
    let first = build(&dir);
    assert!(!up_to_date(&first));
    assert!(dir.join("target/.stormpack-build.json").is_file());
    let jar = jar(&first);
    let before = mtime(&jar);

    let again = build(&dir);
    assert!(up_to_date(&again), "{again}");
    assert_eq!(sha(&again), sha(&first));
    assert_eq!(again["entries"], first["entries"]);
    assert_eq!(mtime(&jar), before, "a no-op build rewrote the jar");

    // Same bytes, new modification times: still up to date (compared by content).
    touch(&dir.join("pom.xml"));
    touch(&dir.join("multilang/resources/split_bolt.py"));
    let touched = build(&dir);
    assert!(up_to_date(&touched), "{touched}");
    assert_eq!(mtime(&jar), before);
}

/// Every jar the build writes counts: a deleted thin `original-*.jar` (beside the uber jar
/// maven-shade-plugin puts in the main jar's place) rebuilds.
#[test]
fn a_deleted_thin_jar_beside_the_uber_jar_rebuilds() {
    let (_tmp, dir) = copy_fixture("wordcount-maven");
    let first = build(&dir);
    let jars: Vec<PathBuf> = first["jars"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| PathBuf::from(j["path"].as_str().unwrap()))
        .collect();
    let original = jars
        .iter()
        .find(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("original-"))
        })
        .unwrap_or_else(|| panic!("no original-*.jar in {jars:?}"))
        .clone();
    assert!(original.is_file());
    assert!(up_to_date(&build(&dir)));
    fs::remove_file(&original).unwrap();
    let again = build(&dir);
    assert!(!up_to_date(&again), "{again}");
    assert!(original.is_file());
    assert_eq!(sha(&again), sha(&first));
}

#[test]
fn changed_resources_scripts_env_and_new_files_rebuild() {
    let (_tmp, dir) = copy_fixture("wordcount-maven");
    let first = build(&dir);

    edit(
        &dir.join("multilang/resources/split_bolt.py"),
        "import",
        "# changed\nimport",
    );
    let script = build(&dir);
    assert!(!up_to_date(&script));
    assert_ne!(sha(&script), sha(&first));

    edit(
        &dir.join("resources/log4j2.xml"),
        "<",
        "<!-- changed -->\n<",
    );
    let resource = build(&dir);
    assert!(!up_to_date(&resource));
    assert_ne!(sha(&resource), sha(&script));
    assert!(up_to_date(&build(&dir)));

    // SOURCE_DATE_EPOCH changes every entry's time.
    let epoch = build_env(&dir, &[("SOURCE_DATE_EPOCH", "1700000000")]);
    assert!(!up_to_date(&epoch));
    assert_ne!(sha(&epoch), sha(&resource));
    assert!(up_to_date(&build_env(
        &dir,
        &[("SOURCE_DATE_EPOCH", "1700000000")]
    )));
    let back = build(&dir);
    assert!(!up_to_date(&back));
    assert_eq!(sha(&back), sha(&resource));

    // A new file in a resource directory ends up in the jar.
    fs::write(dir.join("multilang/resources/extra_bolt.py"), "print(1)\n").unwrap();
    let added = build(&dir);
    assert!(!up_to_date(&added));
    assert!(added["entries"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["path"] == "resources/extra_bolt.py"
            || e["path"] == "extra_bolt.py"
            || e["path"]
                .as_str()
                .is_some_and(|p| p.ends_with("extra_bolt.py"))));
}

#[test]
fn a_changed_topology_include_rebuilds() {
    let (_tmp, dir) = copy_fixture("wordcount-maven");
    let topology = dir.join("resources/topology.yaml");
    let text = fs::read_to_string(&topology).unwrap();
    fs::write(
        &topology,
        format!("includes:\n  - resource: false\n    file: \"../conf/extra.yaml\"\n    override: false\n\n{text}"),
    )
    .unwrap();
    fs::create_dir_all(dir.join("conf")).unwrap();
    fs::write(
        dir.join("conf/extra.yaml"),
        "config:\n  topology.max.spout.pending: 10\n",
    )
    .unwrap();
    let first = build(&dir);
    assert!(up_to_date(&build(&dir)));
    edit(&dir.join("conf/extra.yaml"), "10", "20");
    let changed = build(&dir);
    assert!(!up_to_date(&changed), "an include's change went unnoticed");
    // The include is read from disk by Flux, not packed: the jar is the same.
    assert_eq!(sha(&changed), sha(&first));
}

#[test]
fn a_deleted_or_modified_jar_rebuilds_to_the_same_bytes() {
    let (_tmp, dir) = copy_fixture("wordcount-maven");
    let first = build(&dir);
    let jar = jar(&first);
    fs::remove_file(&jar).unwrap();
    let rebuilt = build(&dir);
    assert!(!up_to_date(&rebuilt));
    assert_eq!(sha(&rebuilt), sha(&first));
    assert!(jar.is_file());

    let mut bytes = fs::read(&jar).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    fs::write(&jar, &bytes).unwrap();
    let repaired = build(&dir);
    assert!(!up_to_date(&repaired));
    assert_eq!(sha(&repaired), sha(&first));
    assert_eq!(fs::read(&jar).unwrap().len(), bytes.len());

    // A damaged .sha256 also means "build".
    let sidecar = jar.with_file_name(format!(
        "{}.sha256",
        jar.file_name().unwrap().to_string_lossy()
    ));
    fs::write(&sidecar, "0000  x.jar\n").unwrap();
    assert!(!up_to_date(&build(&dir)));
    assert!(fs::read_to_string(&sidecar)
        .unwrap()
        .starts_with(&sha(&first)));
}

/// A dependency-free child project whose filtered resource takes a property from its parent
/// pom (by relativePath) and one the child pom takes from the environment.
fn parent_child_project() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let parent = tmp.path().join("parent");
    let child = tmp.path().join("parent/child");
    fs::create_dir_all(child.join("src/main/resources")).unwrap();
    fs::write(
        parent.join("pom.xml"),
        r#"<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>com.example</groupId>
  <artifactId>parent</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <properties>
    <greeting>hello</greeting>
  </properties>
</project>
"#,
    )
    .unwrap();
    fs::write(
        child.join("pom.xml"),
        r#"<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <parent>
    <groupId>com.example</groupId>
    <artifactId>parent</artifactId>
    <version>1</version>
  </parent>
  <artifactId>child</artifactId>
  <properties>
    <who>${env.GREETING_FROM_ENV}</who>
  </properties>
  <build>
    <resources>
      <resource>
        <directory>src/main/resources</directory>
        <filtering>true</filtering>
      </resource>
    </resources>
  </build>
</project>
"#,
    )
    .unwrap();
    fs::write(
        child.join("src/main/resources/message.txt"),
        "${greeting} from ${who}\n",
    )
    .unwrap();
    (tmp, child)
}

#[test]
fn a_changed_parent_pom_or_mentioned_env_variable_rebuilds() {
    let (_tmp, child) = parent_child_project();
    let env = [("GREETING_FROM_ENV", "one")];
    let first = build_env(&child, &env);
    assert!(up_to_date(&build_env(&child, &env)));

    edit(&child.join("../pom.xml"), "hello", "howdy");
    let parent = build_env(&child, &env);
    assert!(!up_to_date(&parent), "a parent pom change went unnoticed");
    assert_ne!(sha(&parent), sha(&first));
    assert!(up_to_date(&build_env(&child, &env)));

    // The child pom mentions ${env.GREETING_FROM_ENV}: its value is an input.
    let other = build_env(&child, &[("GREETING_FROM_ENV", "two")]);
    assert!(!up_to_date(&other));
    assert_ne!(sha(&other), sha(&parent));
}

#[test]
fn a_changed_java_source_rebuilds() {
    if Command::new("javac").arg("-version").output().is_err() {
        assert!(std::env::var_os("CI").is_none(), "CI must have javac");
        eprintln!("skipping: no javac");
        return;
    }
    let (_tmp, dir) = copy_fixture("java-wordcount");
    let first = build(&dir);
    let again = build(&dir);
    assert!(up_to_date(&again), "{again}");
    let source = walkdir::WalkDir::new(dir.join("src/main/java"))
        .into_iter()
        .map(|e| e.unwrap().into_path())
        .find(|p| p.extension().is_some_and(|e| e == "java"))
        .unwrap();
    touch(&source);
    assert!(up_to_date(&build(&dir)));
    let text = fs::read_to_string(&source).unwrap();
    fs::write(&source, format!("{text}\n// changed\nclass Extra {{}}\n")).unwrap();
    let changed = build(&dir);
    assert!(!up_to_date(&changed));
    assert_ne!(sha(&changed), sha(&first));
}

/// Copy `from` to `to`, rewriting only files whose bytes differ (cargo's own fingerprints of
/// the unchanged ones stay fresh between runs of this test).
fn sync_tree(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let rel = entry.path().strip_prefix(from).unwrap();
        if rel.starts_with("target") {
            continue;
        }
        let dest = to.join(rel);
        if entry.file_type().is_dir() {
            fs::create_dir_all(&dest).unwrap();
        } else if fs::read(&dest).ok() != Some(fs::read(entry.path()).unwrap()) {
            fs::copy(entry.path(), &dest).unwrap();
        }
    }
}

/// The README's Rust example: a Rust source (its own or its path dependency's) touched stays
/// up to date; changed, it is built again (cargo decides what to recompile).
#[test]
fn rust_sources_as_cargo_reports_them() {
    let repo = repo_root();
    let checkout = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("incremental/checkout");
    fs::create_dir_all(&checkout).unwrap();
    for file in ["Cargo.toml", "Cargo.lock"] {
        let bytes = fs::read(repo.join(file)).unwrap();
        if fs::read(checkout.join(file)).ok() != Some(bytes.clone()) {
            fs::write(checkout.join(file), bytes).unwrap();
        }
    }
    for dir in ["src", "crates/multilang", "examples/wordcount"] {
        sync_tree(&repo.join(dir), &checkout.join(dir));
    }
    let project = checkout.join("examples/wordcount");
    let _ = fs::remove_file(project.join("target/.stormpack-build.json"));
    let build = || {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_stormpack"));
        cmd.env_remove("SOURCE_DATE_EPOCH")
            .env_remove("CARGO_TARGET_DIR")
            .stdin(Stdio::null())
            .args([
                "build",
                "--json",
                "--target",
                "x86_64-unknown-linux-musl",
                "--project",
            ])
            .arg(&project);
        let out = cmd.output().unwrap();
        assert!(
            out.status.success(),
            "build failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice::<Value>(&out.stdout).unwrap()
    };
    let first = build();
    assert!(!up_to_date(&first));
    let jar = jar(&first);
    let before = mtime(&jar);
    let again = build();
    assert!(up_to_date(&again), "{again}");
    assert_eq!(mtime(&jar), before);

    let bolt = project.join("src/bin/split-bolt.rs");
    let library = checkout.join("crates/multilang/src/lib.rs");
    touch(&bolt);
    touch(&library);
    assert!(up_to_date(&build()));

    let original = fs::read_to_string(&bolt).unwrap();
    fs::write(&bolt, format!("{original}\n// changed\n")).unwrap();
    assert!(
        !up_to_date(&build()),
        "a changed Rust source went unnoticed"
    );
    assert!(up_to_date(&build()));
    let original_lib = fs::read_to_string(&library).unwrap();
    fs::write(&library, format!("{original_lib}\n// changed\n")).unwrap();
    assert!(
        !up_to_date(&build()),
        "a changed path dependency went unnoticed"
    );
    fs::write(&bolt, original).unwrap();
    fs::write(&library, original_lib).unwrap();
}

/// A one-entry jar.
fn jar_with(name: &str, bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut out = std::io::Cursor::new(Vec::new());
    {
        let mut zip = zip::ZipWriter::new(&mut out);
        zip.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(bytes).unwrap();
        zip.finish().unwrap();
    }
    out.into_inner()
}

/// maven-shade-plugin bound as Maven binds it: the dependencies are in the jar (without it the
/// jar is maven-jar-plugin's, the project's entries only).
const SHADE: &str = "<build><plugins><plugin><artifactId>maven-shade-plugin</artifactId>\
     <executions><execution><goals><goal>shade</goal></goals></execution></executions>\
     </plugin></plugins></build>";

/// A pom and jar in a file:// "Central" (with .sha1 files, as a real repository serves them).
fn publish(central: &Path, a: &str, dependencies: &str) {
    use sha1::Digest;
    let dir = central.join("com/example").join(a).join("1.0");
    fs::create_dir_all(&dir).unwrap();
    let pom = format!(
        "<project><modelVersion>4.0.0</modelVersion><groupId>com.example</groupId>\
         <artifactId>{a}</artifactId><version>1.0</version>\
         <dependencies>{dependencies}</dependencies></project>"
    );
    let jar = jar_with(&format!("{a}.txt"), a.as_bytes());
    for (ext, bytes) in [("pom", pom.into_bytes()), ("jar", jar)] {
        let path = dir.join(format!("{a}-1.0.{ext}"));
        fs::write(&path, &bytes).unwrap();
        fs::write(
            path.with_extension(format!("{ext}.sha1")),
            hex::encode(sha1::Sha1::digest(&bytes)),
        )
        .unwrap();
    }
}

/// Resolutions are remembered in the local repository, and a changed pom there is seen: the
/// next clean build resolves again.
#[test]
fn a_remembered_resolution_follows_a_changed_dependency_pom() {
    let tmp = tempfile::tempdir().unwrap();
    let (central, local, project) = (
        tmp.path().join("central"),
        tmp.path().join("local"),
        tmp.path().join("project"),
    );
    let dep = |a: &str| {
        format!("<dependency><groupId>com.example</groupId><artifactId>{a}</artifactId><version>1.0</version></dependency>")
    };
    publish(&central, "other", "");
    publish(&central, "lib", &dep("other"));
    fs::create_dir_all(&project).unwrap();
    fs::write(
        project.join("pom.xml"),
        format!(
            "<project><modelVersion>4.0.0</modelVersion><groupId>com.example</groupId>\
             <artifactId>app</artifactId><version>0.1</version>\
             <dependencies>{}</dependencies>{SHADE}</project>",
            dep("lib")
        ),
    )
    .unwrap();
    let build = || {
        let out = Command::new(env!("CARGO_BIN_EXE_stormpack"))
            .args(["build", "--json", "--project"])
            .arg(&project)
            .env("HOME", tmp.path().join("home"))
            .env("STORMPACK_MAVEN_REPO_LOCAL", &local)
            .env(
                "STORMPACK_MAVEN_CENTRAL",
                format!("file://{}", central.display()),
            )
            .env("STORMPACK_MAVEN_GLOBAL_SETTINGS", "")
            .env_remove("SOURCE_DATE_EPOCH")
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "build failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice::<Value>(&out.stdout).unwrap()
    };
    let has = |v: &Value, path: &str| {
        v["entries"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["path"] == path)
    };
    let first = build();
    assert!(has(&first, "other.txt") && has(&first, "lib.txt"));
    // Downloaded files are too new to be trusted by their times: age them, then clean builds
    // remember the resolution.
    let hour_ago = SystemTime::now() - std::time::Duration::from_secs(3600);
    for entry in walkdir::WalkDir::new(&local) {
        let entry = entry.unwrap();
        if entry.file_type().is_file() && !entry.path().to_string_lossy().contains(".stormpack") {
            fs::File::options()
                .write(true)
                .open(entry.path())
                .unwrap()
                .set_modified(hour_ago)
                .unwrap();
        }
    }
    fs::remove_dir_all(project.join("target")).unwrap();
    build();
    let remembered = local.join(".stormpack/resolutions");
    assert_eq!(fs::read_dir(&remembered).unwrap().count(), 1);
    fs::remove_dir_all(project.join("target")).unwrap();
    let cached = build();
    assert_eq!(cached["sha256"], first["sha256"]);

    // lib's pom in the local repository no longer depends on other.
    let pom = local.join("com/example/lib/1.0/lib-1.0.pom");
    let text = fs::read_to_string(&pom).unwrap();
    fs::write(&pom, text.replace(&dep("other"), "")).unwrap();
    fs::remove_dir_all(project.join("target")).unwrap();
    let changed = build();
    assert!(has(&changed, "lib.txt"));
    assert!(!has(&changed, "other.txt"), "a stale resolution was used");
}

/// The topology check's warnings are shown again by an up-to-date build.
#[test]
fn an_up_to_date_build_repeats_the_topology_warnings() {
    let (_tmp, dir) = copy_fixture("wordcount-maven");
    edit(
        &dir.join("resources/topology.yaml"),
        "bolts:\n",
        "bolts:\n  - id: \"lonely-bolt\"\n    className: \"org.apache.storm.flux.wrappers.bolts.LogInfoBolt\"\n    parallelism: 1\n",
    );
    let stderr = || {
        let out = Command::new(env!("CARGO_BIN_EXE_stormpack"))
            .args(["build", "--project"])
            .arg(&dir)
            .env_remove("SOURCE_DATE_EPOCH")
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert!(out.status.success());
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let first = stderr();
    assert!(
        first.contains("`lonely-bolt` receives no stream"),
        "{first}"
    );
    let again = stderr();
    assert!(again.contains("Up to date"), "{again}");
    assert!(
        again.contains("`lonely-bolt` receives no stream"),
        "{again}"
    );
}

/// A remembered resolution is not used when an environment variable a pom's profile activates
/// on has changed.
#[test]
fn a_remembered_resolution_follows_the_environment_its_poms_mention() {
    let tmp = tempfile::tempdir().unwrap();
    let (central, local, project) = (
        tmp.path().join("central"),
        tmp.path().join("local"),
        tmp.path().join("project"),
    );
    let dep = |a: &str| {
        format!("<dependency><groupId>com.example</groupId><artifactId>{a}</artifactId><version>1.0</version></dependency>")
    };
    publish(&central, "other", "");
    publish(&central, "lib", "");
    // lib's pom: `other` only under a profile that env.WITH_OTHER activates.
    let lib_pom = central.join("com/example/lib/1.0/lib-1.0.pom");
    let text = fs::read_to_string(&lib_pom).unwrap().replace(
        "</project>",
        &format!(
            "<profiles><profile><id>o</id><activation><property><name>env.WITH_OTHER</name>\
             </property></activation><dependencies>{}</dependencies></profile></profiles></project>",
            dep("other")
        ),
    );
    fs::write(&lib_pom, &text).unwrap();
    {
        use sha1::Digest;
        fs::write(
            lib_pom.with_extension("pom.sha1"),
            hex::encode(sha1::Sha1::digest(text.as_bytes())),
        )
        .unwrap();
    }
    fs::create_dir_all(&project).unwrap();
    fs::write(
        project.join("pom.xml"),
        format!(
            "<project><modelVersion>4.0.0</modelVersion><groupId>com.example</groupId>\
             <artifactId>app</artifactId><version>0.1</version>\
             <dependencies>{}</dependencies>{SHADE}</project>",
            dep("lib")
        ),
    )
    .unwrap();
    let build = |with_other: bool| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_stormpack"));
        cmd.args(["build", "--json", "--project"])
            .arg(&project)
            .env("HOME", tmp.path().join("home"))
            .env("STORMPACK_MAVEN_REPO_LOCAL", &local)
            .env(
                "STORMPACK_MAVEN_CENTRAL",
                format!("file://{}", central.display()),
            )
            .env("STORMPACK_MAVEN_GLOBAL_SETTINGS", "")
            .env_remove("SOURCE_DATE_EPOCH")
            .env_remove("WITH_OTHER")
            .stdin(Stdio::null());
        if with_other {
            cmd.env("WITH_OTHER", "1");
        }
        let out = cmd.output().unwrap();
        assert!(
            out.status.success(),
            "build failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        v["entries"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["path"] == "other.txt")
    };
    assert!(!build(false));
    let hour_ago = SystemTime::now() - std::time::Duration::from_secs(3600);
    for entry in walkdir::WalkDir::new(&local) {
        let entry = entry.unwrap();
        if entry.file_type().is_file() && !entry.path().to_string_lossy().contains(".stormpack") {
            fs::File::options()
                .write(true)
                .open(entry.path())
                .unwrap()
                .set_modified(hour_ago)
                .unwrap();
        }
    }
    fs::remove_dir_all(project.join("target")).unwrap();
    assert!(!build(false));
    assert_eq!(
        fs::read_dir(local.join(".stormpack/resolutions"))
            .unwrap()
            .count(),
        1
    );
    fs::remove_dir_all(project.join("target")).unwrap();
    assert!(
        build(true),
        "a remembered resolution ignored env.WITH_OTHER"
    );
}
