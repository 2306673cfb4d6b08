//! The jar writer, the raw-copy shader and `stormpack inspect`, end to end: small jars built here
//! with the zip crate, real Flux jars from the local Maven repository, the real binary for
//! `inspect` and for writing jars from different directories/umasks/time zones, and the JDK
//! reading the result.

use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use sha2::{Digest, Sha256};
use stormpack::jar::{write_jar, JarBuild};
use stormpack::maven::Artifact;
use stormpack::shade::{plan, plan_with, ShadeInput, ShadeOptions, ShadePlan, StormGuardError};
use stormpack::staging::{EntrySource, StagedEntry, Staging};
use stormpack::timestamp::Timestamp;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

/// Storm 2.8.8 is not served by the Maven registry this project is tested against; 2.8.3 is the
/// newest release whose Flux and multilang artifacts resolve there.
const STORM_VERSION: &str = "2.8.3";

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_stormpack")
}

fn run(cmd: &mut Command) -> Output {
    let out = cmd.output().expect("run stormpack");
    if !out.status.success() {
        eprintln!("stdout:\n{}", String::from_utf8_lossy(&out.stdout));
        eprintln!("stderr:\n{}", String::from_utf8_lossy(&out.stderr));
    }
    out
}

/// One entry of a test jar: path, content, Unix mode (None: made as the JDK does, no mode).
struct Src<'a>(&'a str, &'a [u8], Option<u32>);

/// A dependency jar written by the zip crate at deflate level 1 (stormpack writes level 6, so a
/// recompressed copy could not match these bytes), with a `.txt` entry stored.
fn make_jar(path: &Path, entries: &[Src<'_>]) {
    let mut zip = ZipWriter::new(fs::File::create(path).unwrap());
    for Src(name, data, mode) in entries {
        let method = if name.ends_with(".txt") {
            CompressionMethod::Stored
        } else {
            CompressionMethod::Deflated
        };
        let mut options = SimpleFileOptions::default().compression_method(method);
        if method == CompressionMethod::Deflated {
            options = options.compression_level(Some(1));
        }
        options = match mode {
            Some(m) => options.unix_permissions(*m),
            None => options.system(zip::System::Dos),
        };
        if name.ends_with('/') {
            zip.add_directory(*name, options).unwrap();
        } else {
            zip.start_file(*name, options).unwrap();
            zip.write_all(data).unwrap();
        }
    }
    zip.finish().unwrap();
}

fn input(group: &str, artifact: &str, file: &Path) -> ShadeInput {
    let a = Artifact::new(group, artifact, "1.0");
    ShadeInput {
        artifact: a.clone(),
        file: file.to_path_buf(),
        trail: vec![a],
    }
}

fn staged(path: &str, data: &[u8], executable: bool) -> StagedEntry {
    StagedEntry {
        path: path.to_string(),
        source: EntrySource::Bytes(data.to_vec()),
        executable,
        origin: format!("test {path}"),
    }
}

fn project() -> Staging {
    let mut s = Staging::new();
    let manifest = b"Manifest-Version: 1.0\r\nCreated-By: stormpack test\r\nMain-Class: org.apache.storm.flux.Flux\r\n\r\n";
    s.add(staged("META-INF/MANIFEST.MF", manifest, false))
        .unwrap();
    s.add(staged(
        "META-INF/maven/com.example/WordCount/pom.xml",
        b"<project/>\n",
        false,
    ))
    .unwrap();
    s.add(staged(
        "META-INF/maven/com.example/WordCount/pom.properties",
        b"version=1.0-SNAPSHOT\n",
        false,
    ))
    .unwrap();
    s.add(staged("topology.yaml", b"name: wordcount\n", false))
        .unwrap();
    s.add(staged(
        "resources/splitsentence.py",
        b"import storm\n",
        false,
    ))
    .unwrap();
    s.add(staged(
        "resources/launch.sh",
        b"#!/bin/sh\nexec true\n",
        true,
    ))
    .unwrap();
    s.add(staged(
        "META-INF/services/com.example.Api",
        b"# ours\ncom.example.Mine\n",
        false,
    ))
    .unwrap();
    s
}

fn leading() -> Vec<String> {
    vec![
        "META-INF/maven/com.example/WordCount/pom.xml".to_string(),
        "META-INF/maven/com.example/WordCount/pom.properties".to_string(),
    ]
}

fn write(staging: &Staging, plan: &ShadePlan, out: &Path) -> stormpack::jar::JarSummary {
    let build = JarBuild {
        project: staging,
        leading: leading(),
        shaded: plan.for_jar(),
        timestamp: Timestamp::decide(None, None).unwrap(),
    };
    write_jar(&build, out).unwrap()
}

/// Two dependency jars with overlaps, services, signatures, a manifest, INDEX.LIST and
/// module-info.class.
fn two_deps(dir: &Path) -> Vec<ShadeInput> {
    let a = dir.join("a.jar");
    make_jar(
        &a,
        &[
            Src("META-INF/", b"", None),
            Src(
                "META-INF/MANIFEST.MF",
                b"Manifest-Version: 1.0\r\nMulti-Release: true\r\n\r\n",
                None,
            ),
            Src("META-INF/A.SF", b"sig", None),
            Src("META-INF/A.RSA", b"sig", None),
            Src("META-INF/INDEX.LIST", b"JarIndex-Version: 1.0\n", None),
            Src("module-info.class", b"\xca\xfe\xba\xbe", None),
            Src(
                "META-INF/versions/11/module-info.class",
                b"\xca\xfe\xba\xbe",
                None,
            ),
            Src(
                "META-INF/maven/org.a/a/pom.properties",
                b"version=1.0\n",
                None,
            ),
            Src(
                "META-INF/services/com.example.Api",
                b"org.a.ImplA\ncom.example.Mine\n",
                None,
            ),
            Src("org/a/A.class", &[7u8; 3000], None),
            Src("org/shared/Same.class", b"same bytes", None),
            Src("org/shared/Differs.class", b"from a", None),
            Src("topology.yaml", b"name: not-ours\n", None),
            Src("bin/tool", b"#!/bin/sh\n", Some(0o755)),
            Src("notes.txt", b"stored, not deflated\n", Some(0o644)),
        ],
    );
    let b = dir.join("b.jar");
    make_jar(
        &b,
        &[
            Src(
                "META-INF/MANIFEST.MF",
                b"Manifest-Version: 1.0\r\n\r\n",
                None,
            ),
            Src("META-INF/B.DSA", b"sig", None),
            Src(
                "META-INF/maven/org.b/b/pom.properties",
                b"version=1.0\n",
                None,
            ),
            Src(
                "META-INF/services/com.example.Api",
                b"# comment\n\norg.b.ImplB\norg.a.ImplA\n",
                None,
            ),
            Src("META-INF/services/org.other.Spi", b"org.b.Other\n", None),
            Src("org/b/B.class", b"bbb", None),
            Src("org/shared/Same.class", b"same bytes", None),
            Src("org/shared/Differs.class", b"from b!", None),
        ],
    );
    vec![input("org.a", "a", &a), input("org.b", "b", &b)]
}

fn names(jar: &Path) -> Vec<String> {
    let archive = ZipArchive::new(fs::File::open(jar).unwrap()).unwrap();
    (0..archive.len())
        .map(|i| String::from_utf8(archive.by_index_data(i).unwrap().name_raw().to_vec()).unwrap())
        .collect()
}

fn read_entry(jar: &Path, name: &str) -> Vec<u8> {
    let mut archive = ZipArchive::new(fs::File::open(jar).unwrap()).unwrap();
    let mut out = Vec::new();
    archive
        .by_name(name)
        .unwrap()
        .read_to_end(&mut out)
        .unwrap();
    out
}

/// The stored (compressed) bytes of an entry, without decompressing.
fn raw_bytes(jar: &Path, name: &str) -> Vec<u8> {
    let mut archive = ZipArchive::new(fs::File::open(jar).unwrap()).unwrap();
    let index = archive
        .index_for_name(name)
        .unwrap_or_else(|| panic!("{name} not in {}", jar.display()));
    let mut out = Vec::new();
    archive
        .by_index_raw(index)
        .unwrap()
        .read_to_end(&mut out)
        .unwrap();
    out
}

fn sha256(path: &Path) -> String {
    hex::encode(Sha256::digest(fs::read(path).unwrap()))
}

#[test]
fn entry_order_modes_time_and_no_extra_fields() {
    let dir = tempfile::tempdir().unwrap();
    let staging = project();
    let plan = plan(&staging, two_deps(dir.path())).unwrap();
    let out = dir.path().join("out.jar");
    let summary = write(&staging, &plan, &out);

    let names = names(&out);
    assert_eq!(
        &names[..7],
        [
            "META-INF/",
            "META-INF/MANIFEST.MF",
            "META-INF/maven/",
            "META-INF/maven/com.example/",
            "META-INF/maven/com.example/WordCount/",
            "META-INF/maven/com.example/WordCount/pom.xml",
            "META-INF/maven/com.example/WordCount/pom.properties",
        ]
    );
    let rest = &names[7..];
    let mut sorted = rest.to_vec();
    sorted.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
    assert_eq!(
        rest, sorted,
        "entries after the leading ones are sorted by path bytes"
    );
    // Every parent directory is present exactly once, before its children.
    for (i, name) in names.iter().enumerate() {
        if let Some(pos) = name[..name.len() - 1].rfind('/') {
            let parent = &name[..=pos];
            let at = names
                .iter()
                .position(|n| n == parent)
                .unwrap_or_else(|| panic!("no dir entry {parent}"));
            assert!(at < i, "{parent} after {name}");
        }
    }
    let mut unique = names.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), names.len());

    let bytes = fs::read(&out).unwrap();
    let mut archive = ZipArchive::new(fs::File::open(&out).unwrap()).unwrap();
    for i in 0..archive.len() {
        assert!(
            archive
                .by_index_raw(i)
                .unwrap()
                .extra_data_fields()
                .next()
                .is_none(),
            "entry {i} carries central extra fields"
        );
        let e = archive.by_index_data(i).unwrap();
        let name = String::from_utf8(e.name_raw().to_vec()).unwrap();
        let t = e.last_modified().unwrap();
        assert_eq!(
            (
                t.year(),
                t.month(),
                t.day(),
                t.hour(),
                t.minute(),
                t.second()
            ),
            (1980, 2, 1, 0, 0, 0),
            "{name}"
        );
        let local = e.header_start() as usize;
        assert_eq!(
            &bytes[local + 28..local + 30],
            [0, 0],
            "{name} carries local extra fields"
        );
        let mode = e.unix_mode().unwrap();
        let want = if name.ends_with('/') {
            0o40755
        } else if name == "resources/launch.sh" || name == "bin/tool" {
            0o100755
        } else {
            0o100644
        };
        assert_eq!(mode, want, "{name}: {mode:o}");
        if name.ends_with('/') {
            assert_eq!(e.compression(), CompressionMethod::Stored, "{name}");
        }
    }
    assert_eq!(
        archive
            .by_index_data(names.iter().position(|n| n == "topology.yaml").unwrap())
            .unwrap()
            .compression(),
        CompressionMethod::Deflated
    );
    assert_eq!(
        summary
            .entries
            .iter()
            .map(|e| e.path.clone())
            .collect::<Vec<_>>(),
        names
    );
    assert_eq!(summary.entries[1].mode, 0o100644);
}

#[test]
fn raw_copy_keeps_the_compressed_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let staging = project();
    let inputs = two_deps(dir.path());
    let source = inputs[0].file.clone();
    let plan = plan(&staging, inputs).unwrap();
    let out = dir.path().join("out.jar");
    write(&staging, &plan, &out);

    for name in ["org/a/A.class", "notes.txt", "bin/tool"] {
        assert_eq!(
            raw_bytes(&out, name),
            raw_bytes(&source, name),
            "{name}: compressed bytes differ"
        );
    }
    // The test can fail: stormpack's own deflate (level 6) of the same content gives other bytes.
    let recompressed = dir.path().join("recompressed.jar");
    let mut zip = ZipWriter::new(fs::File::create(&recompressed).unwrap());
    zip.start_file(
        "org/a/A.class",
        SimpleFileOptions::default().compression_level(Some(6)),
    )
    .unwrap();
    zip.write_all(&[7u8; 3000]).unwrap();
    zip.finish().unwrap();
    assert_ne!(
        raw_bytes(&recompressed, "org/a/A.class"),
        raw_bytes(&source, "org/a/A.class")
    );
    assert_eq!(read_entry(&out, "org/a/A.class"), vec![7u8; 3000]);
    let archive = ZipArchive::new(fs::File::open(&out).unwrap()).unwrap();
    let i = archive.index_for_name("notes.txt").unwrap();
    assert_eq!(
        archive.by_index_data(i).unwrap().compression(),
        CompressionMethod::Stored
    );
}

#[test]
fn services_are_merged_and_dropped_files_stay_out() {
    let dir = tempfile::tempdir().unwrap();
    let staging = project();
    let plan = plan(&staging, two_deps(dir.path())).unwrap();
    let out = dir.path().join("out.jar");
    write(&staging, &plan, &out);
    let names = names(&out);

    assert_eq!(
        String::from_utf8(read_entry(&out, "META-INF/services/com.example.Api")).unwrap(),
        "com.example.Mine\norg.a.ImplA\norg.b.ImplB\n"
    );
    assert_eq!(
        String::from_utf8(read_entry(&out, "META-INF/services/org.other.Spi")).unwrap(),
        "org.b.Other\n"
    );
    for gone in [
        "META-INF/A.SF",
        "META-INF/A.RSA",
        "META-INF/B.DSA",
        "META-INF/INDEX.LIST",
        "module-info.class",
        "META-INF/versions/11/module-info.class",
    ] {
        assert!(!names.iter().any(|n| n == gone), "{gone} was copied");
    }
    for kept in [
        "META-INF/maven/org.a/a/pom.properties",
        "META-INF/maven/org.b/b/pom.properties",
        "org/b/B.class",
    ] {
        assert!(names.iter().any(|n| n == kept), "{kept} missing");
    }
    // The project's manifest and topology.yaml win over the dependencies'.
    assert!(String::from_utf8(read_entry(&out, "META-INF/MANIFEST.MF"))
        .unwrap()
        .contains("Created-By: stormpack test"));
    assert_eq!(read_entry(&out, "topology.yaml"), b"name: wordcount\n");
    assert_eq!(read_entry(&out, "org/shared/Differs.class"), b"from a");
    assert_eq!(plan.multi_release, ["org.a:a:1.0"]);
}

#[test]
fn overlap_report_names_kept_and_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let plan = plan(&project(), two_deps(dir.path())).unwrap();
    assert_eq!(
        plan.overlaps,
        [
            "org/shared/Differs.class: kept from org.a:a:1.0, dropped from org.b:b:1.0",
            "topology.yaml: kept from the project, dropped from org.a:a:1.0",
        ]
    );
    assert_eq!(
        plan.identical,
        ["org/shared/Same.class: kept from org.a:a:1.0, identical in org.b:b:1.0"]
    );
}

#[test]
fn storm_guard_names_the_artifact_the_path_and_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let fake = dir.path().join("storm-client-2.8.8.jar");
    make_jar(
        &fake,
        &[
            Src("defaults.yaml", b"storm.zookeeper.servers: []\n", None),
            Src("org/apache/storm/Config.class", b"x", None),
        ],
    );
    let mid = Artifact::new("a", "b", "1");
    let storm = Artifact::new("org.apache.storm", "storm-client", "2.8.8");
    let inputs = vec![ShadeInput {
        artifact: storm.clone(),
        file: fake.clone(),
        trail: vec![mid, storm],
    }];
    let err = plan(&Staging::new(), inputs.clone()).unwrap_err();
    assert!(err.downcast_ref::<StormGuardError>().is_some());
    let text = err.to_string();
    println!("{text}");
    assert!(text.contains("org.apache.storm:storm-client:2.8.8 (a Storm runtime artifact, with defaults.yaml at its root)"), "{text}");
    assert!(
        text.contains(
            "dependency path: the project -> a:b:1 -> org.apache.storm:storm-client:2.8.8"
        ),
        "{text}"
    );
    assert!(text.contains(&fake.display().to_string()), "{text}");
    assert!(
        text.contains("<scope>provided</scope>") && text.contains("<exclusion>"),
        "{text}"
    );
    assert!(
        text.contains("Found multiple defaults.yaml resources"),
        "{text}"
    );

    // A jar that is not Storm's but carries defaults.yaml is caught too.
    let other = dir.path().join("uber.jar");
    make_jar(&other, &[Src("defaults.yaml", b"x: 1\n", None)]);
    let text = plan(&Staging::new(), vec![input("com.acme", "uber", &other)])
        .unwrap_err()
        .to_string();
    assert!(
        text.contains("com.acme:uber:1.0 (holds defaults.yaml at its root)"),
        "{text}"
    );
    assert!(
        text.contains(
            "fix: add <scope>provided</scope> to the dependency com.acme:uber in pom.xml"
        ),
        "{text}"
    );

    // The benchmark's explicit bypass.
    let options = ShadeOptions {
        allow_storm_runtime: true,
        config: None,
        assembly: false,
    };
    assert_eq!(
        plan_with(&Staging::new(), inputs, &options)
            .unwrap()
            .entries
            .len(),
        2
    );
}

#[test]
fn truncated_or_non_zip_jar_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.jar");
    make_jar(&good, &[Src("org/x/X.class", &[1u8; 5000], None)]);
    let bytes = fs::read(&good).unwrap();
    let cut = dir.path().join("flux-core-2.8.8.jar");
    fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let text = plan(
        &Staging::new(),
        vec![input("org.apache.storm", "flux-core", &cut)],
    )
    .unwrap_err()
    .to_string();
    println!("{text}");
    assert!(text.contains("org.apache.storm:flux-core:1.0"), "{text}");
    assert!(text.contains(&cut.display().to_string()), "{text}");
    assert!(
        text.contains("fix: delete it from the local repository"),
        "{text}"
    );

    let html = dir.path().join("page.jar");
    fs::write(&html, b"<html>404 Not Found</html>").unwrap();
    let text = plan(&Staging::new(), vec![input("g", "page", &html)])
        .unwrap_err()
        .to_string();
    assert!(text.contains("not a valid zip file"), "{text}");
}

/// Write the project files and two dependency jars into `dir`, with file times `mtime`.
fn reproducibility_inputs(dir: &Path, mtime: std::time::SystemTime) {
    fs::create_dir_all(dir.join("multilang/resources")).unwrap();
    fs::write(dir.join("topology.yaml"), "name: wordcount\nspouts: []\n").unwrap();
    fs::write(
        dir.join("multilang/resources/split.py"),
        "import storm\n".repeat(50),
    )
    .unwrap();
    fs::write(dir.join("launch.sh"), "#!/bin/sh\nexec ./bin\n").unwrap();
    fs::write(dir.join("pom.properties"), "groupId=com.example\n").unwrap();
    two_deps(dir);
    for f in [
        "topology.yaml",
        "multilang/resources/split.py",
        "launch.sh",
        "pom.properties",
        "a.jar",
        "b.jar",
    ] {
        fs::File::options()
            .write(true)
            .open(dir.join(f))
            .unwrap()
            .set_modified(mtime)
            .unwrap();
    }
}

fn shade_bench(dir: &Path, out: &str, tz: &str, umask: &str) -> Output {
    let mut cmd = Command::new("sh");
    cmd.current_dir(dir)
        .env("TZ", tz)
        .env_remove("SOURCE_DATE_EPOCH")
        .arg("-c")
        .arg(format!("umask {umask} && exec \"$0\" \"$@\""))
        .arg(bin());
    cmd.args([
        "shade-bench",
        "--out",
        out,
        "--main-class",
        "org.apache.storm.flux.Flux",
        "--file",
        "META-INF/maven/com.example/WordCount/pom.properties=pom.properties",
        "--leading",
        "META-INF/maven/com.example/WordCount/pom.properties",
        "--file",
        "topology.yaml=topology.yaml",
        "--file",
        "resources/split.py=multilang/resources/split.py",
        "--exec-file",
        "resources/launch.sh=launch.sh",
        "a.jar",
        "b.jar",
    ]);
    run(&mut cmd)
}

#[test]
fn same_inputs_give_identical_bytes_across_dirs_mtimes_umask_and_tz() {
    let root_dir = tempfile::tempdir().unwrap();
    let one = root_dir.path().join("one");
    let two = root_dir.path().join("second/checkout");
    let day = std::time::Duration::from_secs(86_400);
    reproducibility_inputs(&one, std::time::UNIX_EPOCH + 20_000 * day);
    reproducibility_inputs(
        &two,
        std::time::UNIX_EPOCH + 10_000 * day + std::time::Duration::from_secs(4321),
    );

    assert!(shade_bench(&one, "out.jar", "UTC", "022").status.success());
    assert!(shade_bench(&two, "WordCount.jar", "Pacific/Chatham", "077")
        .status
        .success());
    let (a, b) = (one.join("out.jar"), two.join("WordCount.jar"));
    let (da, db) = (sha256(&a), sha256(&b));
    println!("sha256 {da}  {}\nsha256 {db}  {}", a.display(), b.display());
    assert_eq!(da, db);
    let bytes = fs::read(&a).unwrap();
    let needle = root_dir.path().to_string_lossy().into_owned();
    assert!(
        !bytes.windows(needle.len()).any(|w| w == needle.as_bytes()),
        "the jar holds a host path"
    );

    // The check can fail: another entry time gives other bytes.
    let mut cmd = Command::new(bin());
    cmd.current_dir(&one)
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .args(["shade-bench", "--out", "later.jar", "a.jar", "b.jar"]);
    assert!(run(&mut cmd).status.success());
    let mut cmd = Command::new(bin());
    cmd.current_dir(&one)
        .args(["shade-bench", "--out", "default.jar", "a.jar", "b.jar"]);
    assert!(run(&mut cmd).status.success());
    assert_ne!(
        sha256(&one.join("later.jar")),
        sha256(&one.join("default.jar"))
    );
}

/// The local Maven repository (shared with Maven by design).
fn local_repository() -> PathBuf {
    if let Some(dir) = std::env::var_os("STORMPACK_MAVEN_REPO_LOCAL") {
        return PathBuf::from(dir);
    }
    PathBuf::from(std::env::var_os("HOME").expect("HOME")).join(".m2/repository")
}

/// A Storm artifact's jar from the local repository, fetched with Maven if missing.
fn storm_jar(artifact: &str) -> PathBuf {
    let path = local_repository().join(format!(
        "org/apache/storm/{artifact}/{STORM_VERSION}/{artifact}-{STORM_VERSION}.jar"
    ));
    if !path.is_file() {
        let status = Command::new("mvn")
            .args(["-q", "-B", "dependency:get", "-Dtransitive=false"])
            .arg(format!(
                "-Dartifact=org.apache.storm:{artifact}:{STORM_VERSION}"
            ))
            .arg(format!(
                "-Dmaven.repo.local={}",
                local_repository().display()
            ))
            .status()
            .expect("run mvn (needed to fetch the Flux jars)");
        assert!(
            status.success(),
            "mvn dependency:get org.apache.storm:{artifact}:{STORM_VERSION} failed"
        );
    }
    path
}

/// flux-core + flux-wrappers + multilang-python, shaded under the project, written by the library.
fn flux_jar(dir: &Path) -> (PathBuf, ShadePlan) {
    let inputs: Vec<ShadeInput> = ["flux-core", "flux-wrappers", "multilang-python"]
        .iter()
        .map(|a| {
            let artifact = Artifact::new("org.apache.storm", a, STORM_VERSION);
            ShadeInput {
                artifact: artifact.clone(),
                file: storm_jar(a),
                trail: vec![artifact],
            }
        })
        .collect();
    let staging = project();
    let plan = plan(&staging, inputs).unwrap();
    let out = dir.join("WordCount-1.0-SNAPSHOT.jar");
    write(&staging, &plan, &out);
    (out, plan)
}

#[test]
fn real_flux_jars_are_shaded_by_raw_copy() {
    let dir = tempfile::tempdir().unwrap();
    let (out, plan) = flux_jar(dir.path());
    let names = names(&out);
    for want in [
        "org/apache/storm/flux/Flux.class",
        "org/apache/storm/flux/wrappers/spouts/FluxShellSpout.class",
        "org/apache/storm/flux/wrappers/bolts/FluxShellBolt.class",
        "resources/storm.py",
        "META-INF/maven/org.apache.storm/flux-core/pom.xml",
    ] {
        assert!(
            names.iter().any(|n| n == want),
            "{want} missing from the shaded jar"
        );
    }
    let flux = storm_jar("flux-core");
    for name in ["org/apache/storm/flux/Flux.class", "resources/storm.py"] {
        assert_eq!(
            raw_bytes(&out, name),
            raw_bytes(&flux, name),
            "{name} was recompressed"
        );
    }
    println!("overlaps:\n{}", plan.overlaps.join("\n"));
    println!("identical duplicates: {}", plan.identical.len());
    let mut inspect = Command::new(bin());
    inspect.arg("inspect").arg(&out);
    let listing = run(&mut inspect);
    assert!(listing.status.success());
    let text = String::from_utf8(listing.stdout).unwrap();
    let keep = [
        "META-INF/",
        "Flux.class",
        "FluxShell",
        "resources/",
        "entries",
        "Main-Class",
        "Manifest-Version",
        "size",
    ];
    println!(
        "{}",
        text.lines()
            .filter(|l| keep.iter().any(|k| l.contains(k)))
            .take(40)
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn the_jdk_reads_the_jar() {
    if Command::new("java").arg("-version").output().is_err() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must have `java` (scripts/setup.sh installs it)"
        );
        println!("SKIPPED: `java` is not on PATH (install a JDK 17 to run the JDK read test)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (out, _) = flux_jar(dir.path());
    let program = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/java/ReadJar.java");
    let result = run(Command::new("java").arg(&program).arg(&out));
    assert!(result.status.success());
    let text = String::from_utf8(result.stdout).unwrap();
    println!("{text}");
    assert!(
        text.contains("Main-Class: org.apache.storm.flux.Flux"),
        "{text}"
    );
    let count = names(&out).len();
    assert!(
        text.contains(&format!("JarFile(verify=true) entries: {count},")),
        "{text}"
    );

    // The check can fail: a jar with a damaged entry is rejected by the same program.
    let mut bytes = fs::read(&out).unwrap();
    let archive = ZipArchive::new(fs::File::open(&out).unwrap()).unwrap();
    let i = archive.index_for_name("topology.yaml").unwrap();
    let start =
        archive.by_index_data(i).unwrap().header_start() as usize + 30 + "topology.yaml".len();
    bytes[start] ^= 0xff;
    let broken = dir.path().join("broken.jar");
    fs::write(&broken, bytes).unwrap();
    assert!(!Command::new("java")
        .arg(&program)
        .arg(&broken)
        .output()
        .unwrap()
        .status
        .success());
}

#[test]
fn inspect_lists_entries_and_manifest() {
    let dir = tempfile::tempdir().unwrap();
    let staging = project();
    let plan = plan(&staging, two_deps(dir.path())).unwrap();
    let out = dir.path().join("out.jar");
    let summary = write(&staging, &plan, &out);

    let text = run(Command::new(bin()).arg("inspect").arg(&out));
    assert!(text.status.success());
    let text = String::from_utf8(text.stdout).unwrap();
    let launch = text
        .lines()
        .find(|l| l.ends_with(" resources/launch.sh"))
        .unwrap();
    let fields: Vec<&str> = launch.split_whitespace().collect();
    let info = summary
        .entries
        .iter()
        .find(|e| e.path == "resources/launch.sh")
        .unwrap();
    assert_eq!(fields[0], info.size.to_string());
    assert_eq!(fields[1], info.compressed_size.to_string());
    assert_eq!(fields[2], "755");
    assert_eq!(fields[3], "deflated");
    assert_eq!(fields[4], format!("{:08x}", info.crc32));
    assert_eq!(&fields[5..7], ["1980-02-01", "00:00:00"]);
    assert!(
        text.lines()
            .any(|l| l.ends_with(" META-INF/") && l.contains(" 755 stored ")),
        "{text}"
    );
    assert!(
        text.contains("META-INF/MANIFEST.MF:\nManifest-Version: 1.0\nCreated-By: stormpack test\n"),
        "{text}"
    );
    assert!(text.contains(&format!("{} entries", summary.entries.len())));

    let json = run(Command::new(bin()).args(["inspect", "--json"]).arg(&out));
    let value: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(
        value["entries"].as_array().unwrap().len(),
        summary.entries.len()
    );
    assert_eq!(value["entries"][1]["path"], "META-INF/MANIFEST.MF");
    assert_eq!(value["entries"][1]["mode"], 0o100644);
    assert!(value["manifest"]
        .as_str()
        .unwrap()
        .contains("Main-Class: org.apache.storm.flux.Flux"));

    let missing = run(Command::new(bin())
        .arg("inspect")
        .arg(dir.path().join("nope.jar")));
    assert!(!missing.status.success());
    let err = String::from_utf8(missing.stderr).unwrap();
    assert!(
        err.contains("cannot open") && err.contains("nope.jar"),
        "{err}"
    );

    let not_zip = dir.path().join("pom.xml");
    fs::write(&not_zip, "<project/>").unwrap();
    let bad = run(Command::new(bin()).arg("inspect").arg(&not_zip));
    assert!(!bad.status.success());
    let err = String::from_utf8(bad.stderr).unwrap();
    assert!(
        err.contains("is not a jar (zip) file") && err.contains("pom.xml"),
        "{err}"
    );
}

#[test]
fn a_failed_write_leaves_no_jar_and_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let mut staging = project();
    let missing = dir.path().join("multilang/resources/gone.py");
    staging
        .add(StagedEntry {
            path: "resources/gone.py".to_string(),
            source: EntrySource::File(missing.clone()),
            executable: false,
            origin: "multilang/resources/gone.py".to_string(),
        })
        .unwrap();
    let first_plan = plan(&staging, two_deps(dir.path())).unwrap();
    let out = dir.path().join("out.jar");
    let build = JarBuild {
        project: &staging,
        leading: leading(),
        shaded: first_plan.for_jar(),
        timestamp: Timestamp::decide(None, None).unwrap(),
    };
    let err = format!("{:#}", write_jar(&build, &out).unwrap_err());
    assert!(
        err.contains("resources/gone.py") && err.contains(&missing.display().to_string()),
        "{err}"
    );
    assert!(!out.exists(), "a partial jar was left behind");

    // A dependency file where the project has a directory: both named, no jar.
    let clash = dir.path().join("clash.jar");
    make_jar(&clash, &[Src("resources", b"a file", None)]);
    let clash_plan = plan(&project(), vec![input("org.clash", "clash", &clash)]).unwrap();
    let build = JarBuild {
        project: &project(),
        leading: leading(),
        shaded: clash_plan.for_jar(),
        timestamp: Timestamp::decide(None, None).unwrap(),
    };
    let err = write_jar(&build, &out).unwrap_err().to_string();
    assert!(
        err.contains("`resources` would be both a file and a directory")
            && err.contains("org.clash:clash:1.0"),
        "{err}"
    );
    assert!(!out.exists());
}

/// The guard through the real `stormpack build`: the Maven WordCount fixture with storm-client's
/// `<scope>provided</scope>` removed fails, names the artifact, its file and the fix, and writes
/// no jar.
#[test]
fn build_refuses_to_shade_storm_client() {
    let tmp = tempfile::tempdir().unwrap();
    let project = tmp.path().join("wordcount");
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/wordcount-maven");
    for entry in walkdir::WalkDir::new(&fixture) {
        let entry = entry.unwrap();
        let rel = entry.path().strip_prefix(&fixture).unwrap();
        if rel.starts_with("target") {
            continue;
        }
        if entry.file_type().is_dir() {
            fs::create_dir_all(project.join(rel)).unwrap();
        } else {
            fs::copy(entry.path(), project.join(rel)).unwrap();
        }
    }
    let pom = fs::read_to_string(project.join("pom.xml")).unwrap();
    let storm_client = pom
        .find("<artifactId>storm-client</artifactId>")
        .expect("the fixture declares storm-client");
    let scope = storm_client + pom[storm_client..].find("<scope>provided</scope>").unwrap();
    let edited = format!(
        "{}{}",
        &pom[..scope],
        &pom[scope + "<scope>provided</scope>".len()..]
    );
    fs::write(project.join("pom.xml"), edited).unwrap();

    let out = run(Command::new(bin())
        .env_remove("SOURCE_DATE_EPOCH")
        .args(["build", "--project"])
        .arg(&project));
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    println!("{err}");
    assert!(err.contains("org.apache.storm:storm-client:"), "{err}");
    assert!(
        err.contains("a Storm runtime artifact, with defaults.yaml at its root"),
        "{err}"
    );
    assert!(
        err.contains("dependency path: the project -> org.apache.storm:storm-client:"),
        "{err}"
    );
    assert!(err.contains("fix: add <scope>provided</scope> to the dependency org.apache.storm:storm-client in pom.xml"), "{err}");
    let jars: Vec<_> = walkdir::WalkDir::new(&project)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| {
            e.path()
                .extension()
                .is_some_and(|x| x == "jar" || x == "tmp")
        })
        .collect();
    assert!(jars.is_empty(), "a jar was written: {jars:?}");
}
