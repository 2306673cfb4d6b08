//! Which file is the deliverable, against Maven itself (issue 17): every project under
//! `fixtures/packaging/` (one packaging rule each, named in its `Rule:` comment) is a module of one
//! reactor that `mvn clean package` builds once; then `stormpack build` builds each project.
//!
//! For a project stormpack builds, the jars must be the same files under the same names (paths
//! relative to the build directory; mvn's temporaries under `archive-tmp/` and the sources jar
//! maven-source-plugin adds are not stormpack's business), the deployable jar `build --json`
//! names must be mvn's (the one holding the most entries: the uber jar when there is one), and
//! every jar must match mvn's of the same name: file entries, the bytes of every entry but class
//! files and `META-INF/MANIFEST.MF`, and the manifest's attributes (names, values, order) but
//! `Created-By`, which names the tool that wrote the jar.
//!
//! A project whose pom says `<!-- stormpack fails: A | B -->` must make `stormpack build` fail
//! with every part in its message and write no jar, while mvn builds it (`<!-- mvn jar has: P -->`
//! names an entry mvn's jar has, proving the plugin stormpack refuses changes the jar).
//!
//! Both tools get the same user property, [`USER_PROPERTY`] (`-D`), which resource filtering
//! must prefer to the pom's property of that name.
//!
//! `STORMPACK_MAVEN_REPO_LOCAL` (which stormpack reads) is passed to mvn as `-Dmaven.repo.local`,
//! so the corpus can be run against an empty local repository.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// `-D` given to mvn and to stormpack alike (`fixtures/packaging/filtering-command-line-properties`).
const USER_PROPERTY: &str = "-Dcorpus.user.property=from the command line";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/packaging")
}

/// A missing tool skips the test on a developer machine, but fails it in CI.
fn have_mvn() -> bool {
    if Command::new("mvn").arg("-v").output().is_ok() {
        return true;
    }
    assert!(std::env::var_os("CI").is_none(), "CI must have mvn");
    eprintln!("skipping: no `mvn` on PATH");
    false
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Whether a failure's output says the network failed (worth one more try).
fn transient(text: &str) -> bool {
    [
        "UnknownHostException",
        "Temporary failure in name resolution",
        "Could not transfer",
        "timed out",
        "failed to lookup address",
        "dns error",
    ]
    .iter()
    .any(|n| text.contains(n))
}

/// `mvn -B -q clean package` in `dir`, tried again (with `-U`, as Maven caches a failed
/// transfer) when the network failed.
fn mvn_package(dir: &Path) {
    for attempt in 1..=3 {
        let mut cmd = Command::new("mvn");
        cmd.args(["-B", "-q", "clean", "package", "-DskipTests", USER_PROPERTY])
            .current_dir(dir)
            .stdin(Stdio::null());
        if let Some(repo) = std::env::var_os("STORMPACK_MAVEN_REPO_LOCAL") {
            let mut arg = std::ffi::OsString::from("-Dmaven.repo.local=");
            arg.push(repo);
            cmd.arg(arg);
        }
        if attempt > 1 {
            cmd.arg("-U");
        }
        let out = cmd.output().unwrap();
        if out.status.success() {
            return;
        }
        let text = text(&out);
        if !(transient(&text) && attempt < 3) {
            panic!("mvn package failed in {}:\n{text}", dir.display());
        }
        std::thread::sleep(std::time::Duration::from_secs(5));
    }
}

/// `stormpack build --json` of `project` into `out`, tried once more on a network failure.
fn stormpack_build(project: &Path, out: &Path) -> Output {
    let mut last = None;
    for _ in 0..2 {
        let result = Command::new(env!("CARGO_BIN_EXE_stormpack"))
            .args([USER_PROPERTY, "build", "--json", "--project"])
            .arg(project)
            .arg("--out-dir")
            .arg(out)
            .env_remove("SOURCE_DATE_EPOCH")
            .stdin(Stdio::null())
            .output()
            .unwrap();
        if result.status.success() || !transient(&text(&result)) {
            return result;
        }
        last = Some(result);
    }
    last.unwrap()
}

/// The fixtures, each with its pom's text.
fn fixtures() -> Vec<(String, String)> {
    let mut names: Vec<(String, String)> = std::fs::read_dir(root())
        .unwrap()
        .map(|e| {
            let name = e.unwrap().file_name().to_string_lossy().into_owned();
            let pom = std::fs::read_to_string(root().join(&name).join("pom.xml")).unwrap();
            (name, pom)
        })
        .collect();
    names.sort();
    names
}

/// The text of `<!-- key: ... -->` in a pom.
fn comment<'a>(pom: &'a str, key: &str) -> Option<&'a str> {
    let start = pom.find(&format!("<!-- {key}: "))? + key.len() + 7;
    let end = start + pom[start..].find(" -->")?;
    Some(&pom[start..end])
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
            std::fs::create_dir_all(&dest).unwrap();
        } else {
            std::fs::copy(entry.path(), &dest).unwrap();
        }
    }
}

/// Every `.jar` below `dir`, by its path relative to `dir`.
fn jars(dir: &Path) -> BTreeSet<PathBuf> {
    if !dir.is_dir() {
        return BTreeSet::new();
    }
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "jar"))
        .map(|e| e.path().strip_prefix(dir).unwrap().to_path_buf())
        .collect()
}

/// A jar's file entries (no directories) and their bytes.
fn entries(path: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut out = BTreeMap::new();
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).unwrap();
        if entry.is_dir() {
            continue;
        }
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        out.insert(entry.name().unwrap().to_string(), bytes);
    }
    out
}

/// The manifest's attributes in order (continuation lines joined; a blank line between
/// sections kept as an empty name), without `Created-By`: the tool that wrote the jar
/// (`Maven JAR Plugin 3.4.1`, `stormpack 0.x`) is the one attribute that legitimately differs.
fn manifest(entries: &BTreeMap<String, Vec<u8>>) -> Vec<(String, String)> {
    let Some(bytes) = entries.get("META-INF/MANIFEST.MF") else {
        return Vec::new();
    };
    let text = String::from_utf8_lossy(bytes)
        .replace("\r\n", "\n")
        .replace("\n ", "");
    text.trim_end_matches('\n')
        .split('\n')
        .map(|l| match l.split_once(": ") {
            Some((k, v)) => (k.to_string(), v.to_string()),
            None => (String::new(), l.to_string()),
        })
        .filter(|(k, _)| k != "Created-By")
        .collect()
}

fn main_class(entries: &BTreeMap<String, Vec<u8>>) -> Option<String> {
    manifest(entries)
        .into_iter()
        .take_while(|(k, _)| !k.is_empty())
        .find(|(k, _)| k == "Main-Class")
        .map(|(_, v)| v)
}

/// What differs between mvn's jar and stormpack's (empty: equal as the issue asks).
fn differences(theirs: &Path, ours: &Path) -> Vec<String> {
    let (theirs, ours) = (entries(theirs), entries(ours));
    let mut out = Vec::new();
    let only = |a: &BTreeMap<String, Vec<u8>>, b: &BTreeMap<String, Vec<u8>>| {
        a.keys()
            .filter(|k| !b.contains_key(*k))
            .cloned()
            .collect::<Vec<_>>()
    };
    let only_theirs = only(&theirs, &ours);
    let only_ours = only(&ours, &theirs);
    if !only_theirs.is_empty() {
        out.push(format!("only in mvn's jar: {only_theirs:?}"));
    }
    if !only_ours.is_empty() {
        out.push(format!("only in stormpack's jar: {only_ours:?}"));
    }
    let bytes: Vec<&String> = theirs
        .iter()
        .filter(|(k, v)| {
            !k.ends_with(".class")
                && *k != "META-INF/MANIFEST.MF"
                && ours.get(*k).is_some_and(|o| o != *v)
        })
        .map(|(k, _)| k)
        .collect();
    if !bytes.is_empty() {
        out.push(format!("bytes differ: {bytes:?}"));
    }
    let (a, b) = (main_class(&theirs), main_class(&ours));
    if a != b {
        out.push(format!("Main-Class: mvn {a:?}, stormpack {b:?}"));
    }
    let (a, b) = (manifest(&theirs), manifest(&ours));
    if a != b {
        out.push(format!("manifest: mvn {a:?}, stormpack {b:?}"));
    }
    out
}

/// mvn's jars that stormpack is to write: not its assembly temporaries, not a sources jar.
fn deliverables(target: &Path) -> BTreeSet<PathBuf> {
    jars(target)
        .into_iter()
        .filter(|p| !p.starts_with("archive-tmp") && !p.starts_with("stormpack"))
        .filter(|p| !p.to_string_lossy().ends_with("-sources.jar"))
        .collect()
}

#[test]
fn every_packaging_rule_gives_the_jars_mvn_package_gives() {
    if !have_mvn() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let fixtures = fixtures();
    for (name, _) in &fixtures {
        copy_tree(&root().join(name), &tmp.path().join(name));
    }
    let modules: String = fixtures
        .iter()
        .map(|(n, _)| format!("    <module>{n}</module>\n"))
        .collect();
    std::fs::write(
        tmp.path().join("pom.xml"),
        format!(
            "<project xmlns=\"http://maven.apache.org/POM/4.0.0\">\n  <modelVersion>4.0.0</modelVersion>\n  <groupId>com.example.packaging</groupId>\n  <artifactId>corpus</artifactId>\n  <version>1.0</version>\n  <packaging>pom</packaging>\n  <modules>\n{modules}  </modules>\n</project>\n"
        ),
    )
    .unwrap();
    mvn_package(tmp.path());

    let mut table = vec![
        "| rule | mvn's deployable jar | stormpack's | equal | what differs |".to_string(),
        "|---|---|---|---|---|".to_string(),
    ];
    let mut failures = Vec::new();
    for (name, pom) in &fixtures {
        let dir = tmp.path().join(name);
        let target = dir.join("target");
        let out_dir = target.join("stormpack");
        let theirs = deliverables(&target);
        let deployable_theirs = theirs
            .iter()
            .max_by_key(|p| entries(&target.join(p)).len())
            .cloned();
        let out = stormpack_build(&dir, &out_dir);
        if let Some(expected) = comment(pom, "stormpack fails") {
            let err = text(&out);
            let mut wrong = Vec::new();
            if out.status.success() {
                wrong.push("stormpack built it".to_string());
            }
            for needle in expected.split(" | ") {
                if !err.contains(needle) {
                    wrong.push(format!("message lacks `{needle}`"));
                }
            }
            if !jars(&out_dir).is_empty() {
                wrong.push(format!("wrote {:?}", jars(&out_dir)));
            }
            // Only the build is refused: the project's dependencies are still listed.
            let deps = Command::new(env!("CARGO_BIN_EXE_stormpack"))
                .args(["deps", "--project"])
                .arg(&dir)
                .stdin(Stdio::null())
                .output()
                .unwrap();
            if !deps.status.success() {
                wrong.push(format!("`stormpack deps` failed too:\n{}", text(&deps)));
            }
            if let Some(entry) = comment(pom, "mvn jar has") {
                let has = deployable_theirs
                    .as_ref()
                    .is_some_and(|j| entries(&target.join(j)).contains_key(entry));
                if !has {
                    wrong.push(format!("mvn's jar lacks {entry}: the rule proves nothing"));
                }
            }
            table.push(format!(
                "| {name} | {} | error | {} | {} |",
                deployable_theirs
                    .as_ref()
                    .map_or("none".to_string(), |p| p.display().to_string()),
                if wrong.is_empty() { "yes" } else { "no" },
                if wrong.is_empty() {
                    "stormpack refuses it by name and writes nothing".to_string()
                } else {
                    wrong.join("; ")
                }
            ));
            if !wrong.is_empty() {
                failures.push(format!("{name}: {}\n{err}", wrong.join("; ")));
            }
            continue;
        }
        if !out.status.success() {
            failures.push(format!("{name}: stormpack build failed:\n{}", text(&out)));
            table.push(format!("| {name} | - | failed | no | stormpack failed |"));
            continue;
        }
        let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let deployable_ours = Path::new(summary["jar"].as_str().unwrap())
            .strip_prefix(&out_dir)
            .unwrap()
            .to_path_buf();
        let listed: BTreeSet<PathBuf> = summary["jars"]
            .as_array()
            .unwrap()
            .iter()
            .map(|j| {
                Path::new(j["path"].as_str().unwrap())
                    .strip_prefix(&out_dir)
                    .unwrap()
                    .to_path_buf()
            })
            .collect();
        let ours = jars(&out_dir);
        let mut wrong = Vec::new();
        if listed != ours {
            wrong.push(format!(
                "--json lists {listed:?}, the directory holds {ours:?}"
            ));
        }
        if ours != theirs {
            wrong.push(format!("jars: mvn {theirs:?}, stormpack {ours:?}"));
        }
        if deployable_theirs.as_ref() != Some(&deployable_ours) {
            wrong.push(format!(
                "deployable: mvn {deployable_theirs:?}, stormpack {deployable_ours:?}"
            ));
        }
        for jar in ours.intersection(&theirs) {
            for d in differences(&target.join(jar), &out_dir.join(jar)) {
                wrong.push(format!("{}: {d}", jar.display()));
            }
        }
        // `run` takes the deployable jar (Storm 2.x projects; `run` refuses 1.x), or says why it
        // cannot (a thin jar has no Flux).
        let run = Command::new(env!("CARGO_BIN_EXE_stormpack"))
            .args(["run", "--dry-run", "--project"])
            .arg(&dir)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let run = text(&run);
        if let Some(jar) = &deployable_theirs {
            let expected = format!("-Dstorm.jar={}", target.join(jar).display());
            let refused = format!("{} does not contain Flux", target.join(jar).display());
            if !run.contains("stormpack run supports Storm 2.x")
                && !run.contains(&expected)
                && !run.contains(&refused)
            {
                wrong.push(format!("`run --dry-run` does not run {expected}:\n{run}"));
            }
        }
        table.push(format!(
            "| {name} | {} | {} | {} | {} |",
            deployable_theirs
                .as_ref()
                .map_or("none".to_string(), |p| p.display().to_string()),
            deployable_ours.display(),
            if wrong.is_empty() { "yes" } else { "no" },
            if wrong.is_empty() {
                format!("- ({} jar(s) compared)", ours.len())
            } else {
                wrong.join("; ")
            }
        ));
        if !wrong.is_empty() {
            failures.push(format!("{name}: {}", wrong.join("\n  ")));
        }
    }
    eprintln!("{}", table.join("\n"));
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
