//! Java sources: `stormpack build` compiles `src/main/java` with the real JDK as `mvn package`
//! does (compared with a real `mvn package`), reports javac errors with file:line:col, skips javac
//! when nothing changed (counted by a javac wrapper), names a JRE or a too-old JDK with the fix;
//! `stormpack test` runs JUnit 5 and 4 tests as surefire does.

use std::collections::{BTreeMap, BTreeSet};
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

fn copy_fixture(name: &str) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dest = tmp.path().join(name);
    for entry in walkdir::WalkDir::new(repo_root().join("fixtures").join(name)) {
        let entry = entry.unwrap();
        let rel = entry
            .path()
            .strip_prefix(repo_root().join("fixtures").join(name))
            .unwrap();
        if rel.starts_with("target") {
            continue;
        }
        if entry.file_type().is_dir() {
            fs::create_dir_all(dest.join(rel)).unwrap();
        } else {
            fs::copy(entry.path(), dest.join(rel)).unwrap();
        }
    }
    (tmp, dest)
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn json(out: &Output) -> Value {
    assert!(out.status.success(), "build failed:\n{}", stderr(out));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn skip_outside_ci(why: &str) {
    assert!(std::env::var_os("CI").is_none(), "CI must have it: {why}");
    eprintln!("skipping: {why}");
}

fn have(tool: &str) -> bool {
    Command::new(tool)
        .arg(if tool == "mvn" { "-v" } else { "-version" })
        .output()
        .is_ok()
}

/// name -> bytes of every file entry of a jar.
fn jar_files(path: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut archive = zip::ZipArchive::new(fs::File::open(path).unwrap()).unwrap();
    let mut out = BTreeMap::new();
    for i in 0..archive.len() {
        let mut f = archive.by_index(i).unwrap();
        if f.is_dir() {
            continue;
        }
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut f, &mut bytes).unwrap();
        out.insert(f.name().unwrap().to_string(), bytes);
    }
    out
}

/// A small Maven project without dependencies, written into a temp dir.
fn project(files: &[(&str, &str)]) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("p");
    let pom = "<project><modelVersion>4.0.0</modelVersion><groupId>g</groupId><artifactId>tiny</artifactId><version>1</version>\n\
               <properties><maven.compiler.release>17</maven.compiler.release><project.build.sourceEncoding>UTF-8</project.build.sourceEncoding></properties></project>\n";
    write(&dir, "pom.xml", pom);
    for (path, text) in files {
        write(&dir, path, text);
    }
    (tmp, dir)
}

fn write(dir: &Path, rel: &str, text: &str) {
    let path = dir.join(rel);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

const GOOD: &str = "package p;\n\npublic class Good {\n    public int x = 1;\n}\n";

#[test]
fn java_classes_land_where_mvn_package_puts_them() {
    if !have("mvn") || !have("javac") {
        skip_outside_ci("no `mvn` or `javac` on PATH");
        return;
    }
    let (_tmp, dir) = copy_fixture("java-wordcount");
    // One Maven run: the jar, and Maven's compile class path (compile, provided, system).
    let mvn = Command::new("mvn")
        .args([
            "-B",
            "-q",
            "package",
            "dependency:build-classpath",
            "-DskipTests",
            "-Dmdep.includeScope=compile",
            "-Dmdep.outputFile=maven-compile-classpath.txt",
        ])
        .current_dir(&dir)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        mvn.status.success(),
        "{}",
        String::from_utf8_lossy(&mvn.stdout)
    );
    let theirs = jar_files(&dir.join("target/JavaWordCount-1.0-SNAPSHOT.jar"));
    let out = stormpack()
        .args(["build", "--json", "--project"])
        .arg(&dir)
        .arg("--out-dir")
        .arg(dir.join("target/stormpack"))
        .output()
        .unwrap();
    let summary = json(&out);
    let ours = jar_files(&dir.join("target/stormpack/JavaWordCount-1.0-SNAPSHOT.jar"));

    let classes = |files: &BTreeMap<String, Vec<u8>>| -> BTreeMap<String, Vec<u8>> {
        files
            .iter()
            .filter(|(p, _)| p.starts_with("com/example/"))
            .map(|(p, b)| (p.clone(), b.clone()))
            .collect()
    };
    let (our_classes, their_classes) = (classes(&ours), classes(&theirs));
    assert_eq!(
        our_classes.keys().collect::<Vec<_>>(),
        [
            "com/example/wordcount/TaggedCountBolt$Counter.class",
            "com/example/wordcount/TaggedCountBolt.class"
        ],
        "the project's entries in stormpack's jar"
    );
    assert_eq!(
        our_classes.keys().collect::<Vec<_>>(),
        their_classes.keys().collect::<Vec<_>>(),
        "the project's class entries differ from mvn package's"
    );
    for (path, bytes) in &our_classes {
        assert!(
            bytes == &their_classes[path],
            "{path}: stormpack's javac output differs from maven-compiler-plugin's"
        );
    }
    // The whole entry set agrees too (the fixture's ApacheLicenseResourceTransformer drops
    // META-INF/LICENSE* in both).
    let ours_set: BTreeSet<&String> = ours.keys().collect();
    let theirs_set: BTreeSet<&String> = theirs.keys().collect();
    let only_ours: Vec<_> = ours_set.difference(&theirs_set).collect();
    let only_theirs: Vec<_> = theirs_set.difference(&ours_set).collect();
    assert!(
        only_ours.is_empty() && only_theirs.is_empty(),
        "only in stormpack's jar: {only_ours:?}\nonly in Maven's jar: {only_theirs:?}"
    );
    assert!(!ours.keys().any(|p| p.ends_with("README.txt")));
    let manifest = String::from_utf8(ours["META-INF/MANIFEST.MF"].clone()).unwrap();
    let spec = summary["java"]["build_jdk_spec"].as_str().unwrap();
    assert!(
        manifest.contains(&format!("Build-Jdk-Spec: {spec}\r\n")),
        "{manifest}"
    );
    assert_eq!(summary["java"]["classes"], 2);

    // javac's class path is Maven's compile class path, in Maven's order.
    let file_names = |cp: &str| -> Vec<String> {
        cp.trim()
            .split(':')
            .map(|p| {
                Path::new(p)
                    .file_name()
                    .unwrap()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect()
    };
    let theirs_cp =
        file_names(&fs::read_to_string(dir.join("maven-compile-classpath.txt")).unwrap());
    let args = fs::read_to_string(dir.join("target/stormpack/javac-main.args")).unwrap();
    let lines: Vec<&str> = args.lines().collect();
    let at = lines.iter().position(|l| *l == "\"-classpath\"").unwrap();
    let ours_cp = file_names(lines[at + 1].trim_matches('"'));
    assert!(theirs_cp.len() > 20, "{theirs_cp:?}");
    assert_eq!(
        ours_cp, theirs_cp,
        "javac's class path differs from Maven's"
    );

    // `check` finds the Java bolt among the compiled classes in the jar.
    let check = stormpack()
        .args(["check", "-p"])
        .arg(&dir)
        .arg("--jar")
        .arg(dir.join("target/stormpack/JavaWordCount-1.0-SNAPSHOT.jar"))
        .output()
        .unwrap();
    assert!(check.status.success(), "{}", stderr(&check));
    let topology = dir.join("resources/topology.yaml");
    let text = fs::read_to_string(&topology).unwrap();
    fs::write(
        &topology,
        text.replace("TaggedCountBolt\"", "TaggedCountBolts\""),
    )
    .unwrap();
    let check = stormpack()
        .args(["check", "-p"])
        .arg(&dir)
        .arg("--jar")
        .arg(dir.join("target/stormpack/JavaWordCount-1.0-SNAPSHOT.jar"))
        .output()
        .unwrap();
    let err = stderr(&check);
    assert!(!check.status.success(), "{err}");
    assert!(
        err.contains("com.example.wordcount.TaggedCountBolts"),
        "{err}"
    );
}

#[test]
fn same_sources_give_the_same_jar_from_any_directory() {
    if !have("javac") {
        skip_outside_ci("no `javac` on PATH");
        return;
    }
    let (_a, a) = project(&[("src/main/java/p/Good.java", GOOD)]);
    let (_b, b) = project(&[("src/main/java/p/Good.java", GOOD)]);
    let sa = json(
        &stormpack()
            .args(["build", "--json", "-p"])
            .arg(&a)
            .output()
            .unwrap(),
    );
    let sb = json(
        &stormpack()
            .args(["build", "--json", "-p"])
            .arg(&b)
            .output()
            .unwrap(),
    );
    assert_eq!(sa["sha256"], sb["sha256"]);
    assert!(jar_files(&a.join("target/tiny-1.jar")).contains_key("p/Good.class"));
    // `verify` compiles the sources again (not reusing target/classes) and gets the same jar.
    let verify = stormpack().args(["verify", "-p"]).arg(&a).output().unwrap();
    let err = stderr(&verify);
    assert!(verify.status.success(), "{err}");
    assert!(
        String::from_utf8_lossy(&verify.stdout)
            .contains("reproducible: the two builds are byte-identical"),
        "{err}"
    );
    assert!(err.contains("javac not started"), "{err}");
    assert!(err.contains("Compiled 1 Java source(s)"), "{err}");
}

#[test]
fn javac_errors_name_file_line_column_and_keep_the_previous_jar() {
    if !have("javac") {
        skip_outside_ci("no `javac` on PATH");
        return;
    }
    let (_tmp, dir) = project(&[("src/main/java/p/Good.java", GOOD)]);
    let ok = stormpack()
        .args(["build", "-p"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(ok.status.success(), "{}", stderr(&ok));
    let jar = dir.join("target/tiny-1.jar");
    let before = fs::read(&jar).unwrap();
    write(
        &dir,
        "src/main/java/p/Good.java",
        "package p;\n\npublic class Good {\n    public int x = \"one\";\n}\n",
    );
    let bad = stormpack()
        .args(["build", "-p"])
        .arg(&dir)
        .output()
        .unwrap();
    let err = stderr(&bad);
    eprintln!("{err}");
    assert!(!bad.status.success());
    assert!(
        err.contains("src/main/java/p/Good.java:4:20: error: incompatible types: String cannot be converted to int"),
        "{err}"
    );
    assert!(err.contains("public int x = \"one\";"), "{err}");
    assert!(err.contains("javac found 1 error(s)"), "{err}");
    assert_eq!(
        fs::read(&jar).unwrap(),
        before,
        "the previous jar was replaced"
    );
}

/// A JDK whose javac counts its runs in `<home>/runs`, then runs the real javac.
fn counting_jdk(dir: &Path) -> PathBuf {
    let real = fs::canonicalize(
        String::from_utf8(
            Command::new("sh")
                .args(["-c", "command -v javac"])
                .output()
                .unwrap()
                .stdout,
        )
        .unwrap()
        .trim(),
    )
    .unwrap();
    let real_home = real.parent().unwrap().parent().unwrap();
    let home = dir.join("jdk");
    fs::create_dir_all(home.join("bin")).unwrap();
    let javac = home.join("bin/javac");
    fs::write(
        &javac,
        format!(
            "#!/bin/sh\necho run >> '{}'\nexec '{}' \"$@\"\n",
            home.join("runs").display(),
            real.display()
        ),
    )
    .unwrap();
    fs::set_permissions(&javac, fs::Permissions::from_mode(0o755)).unwrap();
    std::os::unix::fs::symlink(real_home.join("bin/java"), home.join("bin/java")).unwrap();
    fs::copy(real_home.join("release"), home.join("release")).unwrap();
    home
}

fn runs(home: &Path) -> usize {
    fs::read_to_string(home.join("runs"))
        .map(|s| s.lines().count())
        .unwrap_or(0)
}

#[test]
fn unchanged_java_sources_do_not_start_javac() {
    if !have("javac") {
        skip_outside_ci("no `javac` on PATH");
        return;
    }
    let (tmp, dir) = project(&[("src/main/java/p/Good.java", GOOD)]);
    let home = counting_jdk(tmp.path());
    let build = || {
        let out = stormpack()
            .args(["build", "--json", "-p"])
            .arg(&dir)
            .env("JAVA_HOME", &home)
            .output()
            .unwrap();
        let s = json(&out);
        (s, stderr(&out))
    };
    let (first, _) = build();
    assert_eq!(runs(&home), 1);
    assert_eq!(first["java"]["fresh"], false);
    // Nothing changed: the whole build is up to date (javac not started either).
    let (noop, _) = build();
    assert_eq!(runs(&home), 1, "javac ran again with nothing changed");
    assert_eq!(noop["up_to_date"], true);
    assert_eq!(noop["java"]["fresh"], true);
    // A new resource: the jar is built again, but the Java sources are unchanged.
    write(&dir, "src/main/resources/extra.txt", "x\n");
    let (second, err) = build();
    assert_eq!(
        runs(&home),
        1,
        "javac ran again with the Java sources unchanged"
    );
    assert_eq!(second["up_to_date"], false);
    assert_eq!(second["java"]["fresh"], true);
    assert!(err.contains("javac not started"), "{err}");
    assert_ne!(first["sha256"], second["sha256"]);
    // A changed source, a changed option: compiled again.
    write(&dir, "src/main/java/p/Good.java", &GOOD.replace("1;", "2;"));
    build();
    assert_eq!(runs(&home), 2, "a changed source was not recompiled");
    let pom = fs::read_to_string(dir.join("pom.xml")).unwrap();
    write(
        &dir,
        "pom.xml",
        &pom.replace(
            "</properties>",
            "<maven.compiler.parameters>true</maven.compiler.parameters></properties>",
        ),
    );
    build();
    assert_eq!(runs(&home), 3, "a changed javac option was not recompiled");
    // A class deleted from target/classes: compiled again.
    fs::remove_file(dir.join("target/classes/p/Good.class")).unwrap();
    let (last, _) = build();
    assert_eq!(runs(&home), 4);
    assert_eq!(last["java"]["classes"], 1);
}

#[test]
fn a_jre_or_an_old_jdk_is_named_with_the_fix() {
    let (tmp, dir) = project(&[("src/main/java/p/Good.java", GOOD)]);
    let jre = tmp.path().join("jre");
    fs::create_dir_all(jre.join("bin")).unwrap();
    fs::write(jre.join("bin/java"), "#!/bin/sh\n").unwrap();
    fs::set_permissions(jre.join("bin/java"), fs::Permissions::from_mode(0o755)).unwrap();
    let out = stormpack()
        .args(["build", "-p"])
        .arg(&dir)
        .env("JAVA_HOME", &jre)
        .output()
        .unwrap();
    let err = stderr(&out);
    assert!(!out.status.success());
    assert!(
        err.contains("a Java runtime without a compiler (a JRE)"),
        "{err}"
    );
    assert!(err.contains("openjdk-17-jdk-headless"), "{err}");
    assert!(!dir.join("target/tiny-1.jar").exists());

    if !have("javac") {
        skip_outside_ci("no `javac` on PATH");
        return;
    }
    let pom = fs::read_to_string(dir.join("pom.xml")).unwrap();
    write(&dir, "pom.xml", &pom.replace(">17<", ">99<"));
    let out = stormpack()
        .args(["build", "-p"])
        .arg(&dir)
        .output()
        .unwrap();
    let err = stderr(&out);
    assert!(!out.status.success());
    assert!(err.contains("asks javac for Java 99"), "{err}");
    assert!(err.contains("install a JDK 99 or newer"), "{err}");
}

#[test]
fn stormpack_test_runs_junit_as_surefire_and_build_does_not() {
    if !have("javac") {
        skip_outside_ci("no `javac` on PATH");
        return;
    }
    let (_tmp, dir) = copy_fixture("java-junit");
    let out = stormpack().args(["test", "-p"]).arg(&dir).output().unwrap();
    let err = stderr(&out);
    eprintln!("{err}");
    assert_eq!(
        out.status.code(),
        Some(1),
        "a failing test must fail the run"
    );
    assert!(
        err.contains("Tests run: 5, Failures: 1, Errors: 0, Skipped: 0"),
        "{err}"
    );
    assert!(
        err.contains("FAILED com.example.calc.CalculatorTest.failsOnPurpose: org.opentest4j.AssertionFailedError: two and two ==> expected: <5> but was: <4>"),
        "{err}"
    );
    let reports = dir.join("target/surefire-reports");
    let jupiter =
        fs::read_to_string(reports.join("TEST-com.example.calc.CalculatorTest.xml")).unwrap();
    assert!(
        jupiter.contains(r#"name="com.example.calc.CalculatorTest""#)
            && jupiter.contains(r#"tests="2" errors="0" skipped="0" failures="1""#),
        "{jupiter}"
    );
    assert!(
        jupiter.contains(r#"<testcase name="adds" classname="com.example.calc.CalculatorTest""#)
    );
    assert!(jupiter.contains("CalculatorTest.java:15"), "{jupiter}");
    let vintage =
        fs::read_to_string(reports.join("TEST-com.example.calc.LegacyCalculatorTest.xml")).unwrap();
    assert!(
        vintage.contains(r#"tests="1" errors="0" skipped="0" failures="0""#),
        "{vintage}"
    );

    let resources =
        fs::read_to_string(reports.join("TEST-com.example.calc.ResourcesTest.xml")).unwrap();
    assert!(
        resources.contains(r#"tests="2" errors="0" skipped="0" failures="0""#),
        "{resources}"
    );

    // Fixed: passes, exit 0.
    let test = dir.join("src/test/java/com/example/calc/CalculatorTest.java");
    fs::write(
        &test,
        fs::read_to_string(&test)
            .unwrap()
            .replace("assertEquals(5,", "assertEquals(4,"),
    )
    .unwrap();
    let out = stormpack().args(["test", "-p"]).arg(&dir).output().unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains("Tests run: 5, Failures: 0, Errors: 0, Skipped: 0"),
        "{err}"
    );
    assert!(
        err.contains("Fresh 1 main Java source(s) unchanged"),
        "{err}"
    );

    // `build` says once that it does not run tests, and ships no test class.
    let out = stormpack()
        .args(["build", "--json", "-p"])
        .arg(&dir)
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(err.matches("does not run the tests").count(), 1, "{err}");
    let files = jar_files(&dir.join("target/calc-1.0.jar"));
    assert!(files.contains_key("com/example/calc/Calculator.class"));
    assert!(
        !files.keys().any(|p| p.contains("Test")),
        "{:?}",
        files.keys()
    );
}

#[test]
fn a_project_class_wins_over_a_shaded_dependency_class_and_is_reported() {
    if !have("javac") {
        skip_outside_ci("no `javac` on PATH");
        return;
    }
    let (_tmp, dir) = project(&[(
        "src/main/java/org/apache/commons/cli/HelpFormatter.java",
        "package org.apache.commons.cli;\n\npublic class HelpFormatter {\n    public static final String MARK = \"project\";\n}\n",
    )]);
    let pom = fs::read_to_string(dir.join("pom.xml")).unwrap();
    write(
        &dir,
        "pom.xml",
        &pom.replace(
            "</project>",
            "<dependencies><dependency><groupId>commons-cli</groupId><artifactId>commons-cli</artifactId><version>1.2</version></dependency></dependencies>\
             <build><plugins><plugin><artifactId>maven-shade-plugin</artifactId><executions><execution>\
             <goals><goal>shade</goal></goals></execution></executions></plugin></plugins></build></project>",
        ),
    );
    let out = stormpack()
        .args(["build", "--json", "-p"])
        .arg(&dir)
        .output()
        .unwrap();
    let err = stderr(&out);
    let summary = json(&out);
    let line = "org/apache/commons/cli/HelpFormatter.class: kept from the project, dropped from commons-cli:commons-cli:1.2";
    assert!(
        summary["overlaps"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o.as_str() == Some(line)),
        "{}",
        summary["overlaps"]
    );
    assert!(
        err.contains(&format!(
            "warning: a project class replaces a dependency's: {line}"
        )),
        "{err}"
    );
    let files = jar_files(&dir.join("target/tiny-1.jar"));
    assert_eq!(
        files["org/apache/commons/cli/HelpFormatter.class"],
        fs::read(dir.join("target/classes/org/apache/commons/cli/HelpFormatter.class")).unwrap()
    );
    // The dependency's other classes are still shaded.
    assert!(files.contains_key("org/apache/commons/cli/Options.class"));
}

#[test]
fn a_rust_first_project_compiles_its_java_sources() {
    if !have("javac") || !have("cargo") {
        skip_outside_ci("no `javac` or `cargo` on PATH");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("mixed");
    write(
        &dir,
        "Cargo.toml",
        "[package]\nname = \"mixed\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n\n\
         [package.metadata.stormpack]\ngroup-id = \"com.example\"\njava-sources = \"java\"\n\
         dependencies = [\"org.apache.storm:flux-core:2.4.0\", \"org.apache.storm:flux-wrappers:2.4.0\"]\n",
    );
    write(&dir, "src/main.rs", "fn main() {}\n");
    write(
        &dir,
        "java/com/example/Hello.java",
        "package com.example;\n\npublic class Hello {\n    public static String hello() {\n        return \"hello\";\n    }\n}\n",
    );
    write(&dir, "java/com/example/notes.md", "not a class\n");
    write(
        &dir,
        "topology.yaml",
        "name: \"mixed\"\nspouts:\n  - id: \"s\"\n    className: \"org.apache.storm.testing.TestWordSpout\"\n    parallelism: 1\n\
         bolts:\n  - id: \"b\"\n    className: \"org.apache.storm.flux.wrappers.bolts.FluxShellBolt\"\n    constructorArgs:\n      - [\"sh\", \"mixed.sh\"]\n      - [\"word\"]\n    parallelism: 1\n\
         streams:\n  - from: \"s\"\n    to: \"b\"\n    grouping:\n      type: SHUFFLE\n",
    );
    let out = stormpack()
        .args(["build", "--json", "-p"])
        .arg(&dir)
        .output()
        .unwrap();
    let err = stderr(&out);
    let summary = json(&out);
    assert_eq!(summary["java"]["classes"], 1, "{err}");
    assert!(!err.contains("warning: [options]"), "{err}");
    let files = jar_files(&dir.join("target/mixed-0.1.0.jar"));
    assert!(files.contains_key("com/example/Hello.class"));
    assert!(!files.keys().any(|p| p.ends_with("notes.md")));
    // Class file major version 61 = Java 17.
    assert_eq!(&files["com/example/Hello.class"][6..8], &[0, 61]);
}

/// Lombok's processor writes `getX()`; `Use` compiles only if it ran.
const LOMBOK_SOURCES: &[(&str, &str)] = &[
    (
        "src/main/java/p/Point.java",
        "package p;\n\n@lombok.Getter\npublic class Point {\n    private final int x = 3;\n}\n",
    ),
    (
        "src/main/java/p/Use.java",
        "package p;\n\npublic class Use {\n    public static int x() {\n        return new Point().getX();\n    }\n}\n",
    ),
];

const LOMBOK: &str =
    "<groupId>org.projectlombok</groupId><artifactId>lombok</artifactId><version>1.18.34</version>";

#[test]
fn annotation_processors_from_the_class_path_and_from_annotation_processor_paths() {
    if !have("javac") {
        skip_outside_ci("no `javac` on PATH");
        return;
    }
    // Found on the class path, as javac does (lombok declares its processor as a service).
    let (_a, dir) = project(LOMBOK_SOURCES);
    let pom = fs::read_to_string(dir.join("pom.xml")).unwrap();
    write(
        &dir,
        "pom.xml",
        &pom.replace(
            "</project>",
            &format!("<dependencies><dependency>{LOMBOK}<scope>provided</scope></dependency></dependencies></project>"),
        ),
    );
    let out = stormpack()
        .args(["build", "--json", "-p"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(json(&out)["java"]["classes"], 2, "{}", stderr(&out));

    // Named in annotationProcessorPaths: javac then looks for processors only on
    // -processorpath (the provided dependency stays, for the annotation itself).
    let (_b, dir) = project(LOMBOK_SOURCES);
    write(
        &dir,
        "pom.xml",
        &pom.replace(
            "</project>",
            &format!(
                "<dependencies><dependency>{LOMBOK}<scope>provided</scope></dependency></dependencies>\
                 <build><plugins><plugin><artifactId>maven-compiler-plugin</artifactId><configuration>\
                 <annotationProcessorPaths><path>{LOMBOK}</path></annotationProcessorPaths>\
                 </configuration></plugin></plugins></build></project>"
            ),
        ),
    );
    let out = stormpack()
        .args(["build", "--json", "-p"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(json(&out)["java"]["classes"], 2, "{}", stderr(&out));
    let args = fs::read_to_string(dir.join("target/stormpack/javac-main.args")).unwrap();
    assert!(args.contains("\"-processorpath\""), "{args}");
    assert!(args.contains("lombok-1.18.34.jar"), "{args}");

    // With proc=none the processor does not run, and javac says where getX() is missing.
    let pom2 = fs::read_to_string(dir.join("pom.xml")).unwrap();
    write(
        &dir,
        "pom.xml",
        &pom2.replace("<configuration>", "<configuration><proc>none</proc>"),
    );
    let out = stormpack()
        .args(["build", "-p"])
        .arg(&dir)
        .output()
        .unwrap();
    let err = stderr(&out);
    assert!(!out.status.success());
    assert!(err.contains("src/main/java/p/Use.java:5:"), "{err}");
    assert!(err.contains("cannot find symbol"), "{err}");
}

#[test]
fn compiler_settings_are_inherited_from_the_parent_pom() {
    if !have("javac") {
        skip_outside_ci("no `javac` on PATH");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    write(
        tmp.path(),
        "pom.xml",
        "<project><modelVersion>4.0.0</modelVersion><groupId>g</groupId><artifactId>parent</artifactId><version>1</version><packaging>pom</packaging>\n\
         <properties><maven.compiler.release>17</maven.compiler.release></properties>\n\
         <build><sourceDirectory>java</sourceDirectory><pluginManagement><plugins><plugin><artifactId>maven-compiler-plugin</artifactId>\n\
         <configuration><parameters>true</parameters><compilerArgs><arg>-Xlint:deprecation</arg></compilerArgs></configuration>\n\
         </plugin></plugins></pluginManagement></build></project>\n",
    );
    let child = tmp.path().join("child");
    write(
        &child,
        "pom.xml",
        "<project><modelVersion>4.0.0</modelVersion><parent><groupId>g</groupId><artifactId>parent</artifactId><version>1</version></parent>\n\
         <artifactId>child</artifactId></project>\n",
    );
    write(&child, "java/p/Good.java", GOOD);
    let out = stormpack()
        .args(["build", "--json", "-p"])
        .arg(&child)
        .output()
        .unwrap();
    assert_eq!(json(&out)["java"]["classes"], 1, "{}", stderr(&out));
    let args = fs::read_to_string(child.join("target/stormpack/javac-main.args")).unwrap();
    for arg in [
        "\"-parameters\"",
        "\"--release\"\n\"17\"",
        "\"-Xlint:deprecation\"",
    ] {
        assert!(args.contains(arg), "{arg} missing from\n{args}");
    }
    assert!(jar_files(&child.join("target/child-1.jar")).contains_key("p/Good.class"));
}
