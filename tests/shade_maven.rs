//! stormpack against real maven-shade-plugin: `fixtures/shade/` is one Maven reactor with one
//! module per shade feature stormpack honours, or per rule of how Maven merges and evaluates the
//! plugin's configuration (parents under `parents/`). `mvn package` builds them all (shade 3.5.1, pinned
//! in the parent's pluginManagement; an empty local repository is filled from Central), then
//! `stormpack build` builds each module, and the two jars must hold the same file entries with the
//! same bytes (class files, relocated ones included: same bytes or the same normalized `javap -v
//! -p`; the table counts the classes at each level), and manifests with
//! the same attributes (except `Created-By`, which names the tool). Also: what stormpack does not
//! honour yet is an error naming the element.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// module -> the feature it exercises (the report's table).
const MODULES: &[(&str, &str)] = &[
    (
        "artifactset",
        "artifactSet includes/excludes with wildcards and g:a:type:classifier",
    ),
    (
        "filters",
        "filters: per-artifact includes/excludes, `dir/` and `**` globs, excludeDefaults=false",
    ),
    (
        "transformers",
        "Services + Manifest(mainClass, manifestEntries) + ApacheLicense + DontIncludeResource",
    ),
    (
        "manifest-filtered",
        "no ManifestResourceTransformer: a *:* filter on META-INF/MANIFEST.MF leaves no manifest",
    ),
    (
        "manifest-from-dependency",
        "no ManifestResourceTransformer: the project's manifest filtered, the first dependency's kept as is",
    ),
    (
        "pm-inherited",
        "whole configuration and execution from the parent's pluginManagement, ${...} from the child; inherited=false plugin and execution stay in the parent",
    ),
    (
        "pm-two-levels",
        "pluginManagement over two parents merged element by element (paired artifactSet excludes), a middle pom's property, combine.self=\"override\" on transformers",
    ),
    (
        "combine-append",
        "combine.children=\"append\" on transformers over managed ones",
    ),
    (
        "append-inherited",
        "combine.children=\"append\" written on the parent's side still appends (copied before it is read)",
    ),
    (
        "combine-merge",
        "default Xpp3Dom merge: same-named children pair in order, unpaired managed ones dropped, missing children filled in",
    ),
    (
        "combine-override",
        "combine.self=\"override\" on a filter: the managed filter it pairs with is not merged in",
    ),
    (
        "combine-remove",
        "combine.self=\"remove\" on a filter removes the managed filter it pairs with",
    ),
    (
        "exec-by-id",
        "execution merged by id with the parent's (phase, goals, configuration), plugin-level configuration under it",
    ),
    (
        "profile-injected",
        "an active profile's shade plugin merged over the pom's, the profile dominant (execution phase by id, appended transformer, artifactSet)",
    ),
    (
        "relocations",
        "relocations: explicit and default (hidden.) shadedPattern, excludes and includes globs, slashed pattern; class references, signatures, strings, annotations, records, lambdas, switches, resources and services relocated; the jar runs",
    ),
    (
        "relocations-libraries",
        "relocations over guava, jackson-databind, commons-math3 (Java 5 classes) and commons-compress: every class file with maven-shade-plugin's bytes",
    ),
    (
        "undefined-property",
        "an undefined ${...} alone is no value (no Main-Class, attribute removed), embedded stays literal; -D over pom properties",
    ),
    (
        "appending",
        "AppendingTransformer: copies matched in any case, the project's first, each followed by a newline, written under the configured name; an earlier DontIncludeResourceTransformer takes its copy first",
    ),
    (
        "notice",
        "ApacheNoticeResourceTransformer: NOTICE, NOTICE.txt, notice.txt merged (header, projectName copyright paragraph, organization block, ISO-8859-1 encoding); NOTICE.md taken first by DontIncludeResourceTransformer",
    ),
    (
        "notice-defaults",
        "ApacheNoticeResourceTransformer with its defaults: the default header and the generated copyright line (2006 to the current year), Markdown NOTICE.md copies",
    ),
    (
        "include",
        "IncludeResourceTransformer: a file relative to the module's basedir and a ${project.basedir} path with `..`, beside ApacheLicenseResourceTransformer",
    ),
    (
        "resource-bundle",
        "ResourceBundleAppendingTransformer: basename as a Java regular expression (`.` matches `/`), each bundle file's copies appended, the project's first",
    ),
    (
        "properties",
        "properties.PropertiesTransformer: copies loaded as java.util.Properties (comments, continuations, escapes, Latin-1), ordered by ordinalKey/defaultOrdinal, later keys winning, stored sorted without the date line",
    ),
    (
        "properties-subclasses",
        "properties.OpenWebBeansPropertiesTransformer (its default resource and ordinal key) and properties.MicroprofileConfigTransformer (resource configured): each class named in its comment line, its ordinal key removed",
    ),
    (
        "sisu-index",
        "SisuIndexResourceTransformer: every line of every META-INF/sisu/javax.inject.Named (duplicates and blank lines kept; CRLF, CR, LF), the project's first",
    ),
];

/// Given to both tools: a user property beats the pom's property of the same name.
const USER_PROPERTY: &str = "-Dcorpus.user=from-the-command-line";

fn stormpack() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_stormpack"));
    cmd.env_remove("SOURCE_DATE_EPOCH").stdin(Stdio::null());
    cmd
}

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn have(tool: &str) -> bool {
    Command::new(tool)
        .arg(if tool == "mvn" { "-v" } else { "-version" })
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

/// A missing tool skips the test on a developer machine, but fails it in CI.
fn skip_outside_ci(why: &str) {
    assert!(std::env::var_os("CI").is_none(), "CI must have it: {why}");
    eprintln!("skipping: {why}");
}

fn copy_tree(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let rel = entry.path().strip_prefix(from).unwrap();
        if rel
            .components()
            .any(|c| c.as_os_str() == "target" || c.as_os_str() == "stormpack.lock")
        {
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

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Whether mvn's output shows a network failure worth another try (Maven caches a failed
/// transfer, so a retry passes `-U`).
fn transient_network_failure(output: &str) -> bool {
    [
        "UnknownHostException",
        "Temporary failure in name resolution",
        "Could not transfer",
        "Connection reset",
        "timed out",
    ]
    .iter()
    .any(|needle| output.contains(needle))
}

/// `mvn clean package` over the reactor, in the local repository stormpack uses
/// (`STORMPACK_MAVEN_REPO_LOCAL` when set); up to three tries when Central fails transiently.
fn mvn_package(dir: &Path) {
    for attempt in 1..=3 {
        let mut cmd = Command::new("mvn");
        cmd.args(["-B", "-q", "clean", "package", "-DskipTests", USER_PROPERTY])
            .current_dir(dir)
            .stdin(Stdio::null());
        if attempt > 1 {
            cmd.arg("-U");
        }
        if let Some(local) = std::env::var_os("STORMPACK_MAVEN_REPO_LOCAL") {
            let mut arg = std::ffi::OsString::from("-Dmaven.repo.local=");
            arg.push(local);
            cmd.arg(arg);
        }
        let out = cmd.output().unwrap();
        if out.status.success() {
            return;
        }
        let text = text(&out);
        if !(attempt < 3 && transient_network_failure(&text)) {
            panic!("mvn clean package failed in {}:\n{text}", dir.display());
        }
        eprintln!("mvn failed on the network (attempt {attempt} of 3); trying again");
        std::thread::sleep(std::time::Duration::from_secs(5 * attempt));
    }
}

/// File entries (no directories) and their bytes.
fn entries(jar: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut archive = zip::ZipArchive::new(fs::File::open(jar).unwrap()).unwrap();
    let mut out = BTreeMap::new();
    for i in 0..archive.len() {
        let mut e = archive.by_index(i).unwrap();
        if e.is_dir() {
            continue;
        }
        let name = e.name().unwrap().to_string();
        let mut bytes = Vec::new();
        e.read_to_end(&mut bytes).unwrap();
        out.insert(name, bytes);
    }
    out
}

/// Main attributes of a manifest (continuation lines joined), `Created-By` left out.
fn manifest_attributes(bytes: &[u8]) -> BTreeMap<String, String> {
    let text = String::from_utf8_lossy(bytes).replace("\r\n", "\n");
    let mut lines: Vec<String> = Vec::new();
    for line in text.split('\n') {
        if line.is_empty() {
            break;
        }
        match (line.strip_prefix(' '), lines.last_mut()) {
            (Some(more), Some(last)) => last.push_str(more),
            _ => lines.push(line.to_string()),
        }
    }
    lines
        .iter()
        .filter_map(|l| l.split_once(": "))
        .filter(|(k, _)| !k.eq_ignore_ascii_case("Created-By"))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// How closely the class files two jars hold under one name agree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum ClassLevel {
    /// Same bytes.
    Bytes,
    /// The same `javap -v -p` (constant pool, attributes, frames).
    Verbose,
    /// The same `javap -c -p -s -constants` once constant-pool indexes (`#12`) and the spaces
    /// around them are taken out: same members, descriptors, signatures, constants and code,
    /// instruction by instruction, each reference naming the same member; the pool's order may
    /// differ.
    Code,
    /// As [`ClassLevel::Code`] once each instruction offset (and branch target, switch target,
    /// exception-table bound) is replaced by the instruction's number and `ldc_w` read as `ldc`:
    /// the same instructions in the same order with the same control flow, where a different
    /// constant-pool order made a constant need the wide `ldc_w` (or not).
    Instructions,
}

/// `javap <args>` of every class file in `classes`, per class, without the lines
/// naming the file, its date and checksum; one javap run per 400 classes (each class's section
/// opens with its `Classfile` line: pass `-v` or `-sysinfo`).
fn javap_all(args: &[&str], classes: &[&[u8]], dir: &Path) -> Vec<String> {
    fs::create_dir_all(dir).unwrap();
    let files: Vec<PathBuf> = classes
        .iter()
        .enumerate()
        .map(|(i, bytes)| {
            let file = dir.join(format!("c{i}.class"));
            fs::write(&file, bytes).unwrap();
            file
        })
        .collect();
    let mut out = vec![String::new(); files.len()];
    for (chunk_no, chunk) in files.chunks(400).enumerate() {
        let run = Command::new("javap")
            .args(args)
            .args(chunk)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&run.stdout).into_owned();
        let mut current: Option<usize> = None;
        for line in text.lines() {
            let t = line.trim_start();
            if let Some(rest) = t.strip_prefix("Classfile ") {
                current = chunk
                    .iter()
                    .position(|f| f.to_string_lossy() == rest.trim());
                continue;
            }
            if t.starts_with("Last modified")
                || t.starts_with("SHA-256 checksum")
                || t.starts_with("MD5 checksum")
            {
                continue;
            }
            if let Some(c) = current {
                let slot = &mut out[chunk_no * 400 + c];
                slot.push_str(line);
                slot.push('\n');
            }
        }
    }
    out
}

fn pick<'a>(from: &'a BTreeMap<String, Vec<u8>>, names: &[&String]) -> Vec<&'a [u8]> {
    names.iter().map(|n| from[*n].as_slice()).collect()
}

/// `javap -c` text without constant-pool indexes, runs of spaces (javap pads after an index to
/// align the comments) made one.
fn without_pool_indexes(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '#' && chars.peek().is_some_and(char::is_ascii_digit) {
            while chars
                .peek()
                .is_some_and(|c| c.is_ascii_digit() || *c == ':' || *c == '#')
            {
                chars.next();
            }
            out.push('#');
        } else if c == ' ' && out.ends_with(' ') {
            continue;
        } else {
            out.push(c);
        }
    }
    out
}

/// `text` (already [`without_pool_indexes`]) with instruction offsets replaced by instruction
/// numbers, method by method, and `ldc_w` spelled `ldc`.
fn by_instruction_number(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::with_capacity(lines.len());
    let mut i = 0;
    while i < lines.len() {
        out.push(lines[i].to_string());
        if lines[i].trim() != "Code:" {
            i += 1;
            continue;
        }
        // The method's code runs to the next blank line.
        let end = (i + 1..lines.len())
            .find(|&k| lines[k].trim().is_empty())
            .unwrap_or(lines.len());
        let block = &lines[i + 1..end];
        let offset_of = |line: &str| -> Option<u32> {
            let (n, rest) = line.trim_start().split_once(": ")?;
            rest.starts_with(|c: char| c.is_ascii_lowercase())
                .then(|| n.parse().ok())
                .flatten()
        };
        let numbers: BTreeMap<u32, usize> = block
            .iter()
            .filter_map(|l| offset_of(l))
            .enumerate()
            .map(|(k, o)| (o, k))
            .collect();
        let number = |o: &str| -> String {
            match o.parse::<u32>().ok().and_then(|o| numbers.get(&o)) {
                Some(k) => format!("@{k}"),
                None if o
                    .parse::<u32>()
                    .is_ok_and(|o| numbers.keys().all(|k| *k < o)) =>
                {
                    "@end".to_string()
                }
                None => o.to_string(),
            }
        };
        for line in block {
            let trimmed = line.trim_start();
            let mut words: Vec<String> = trimmed.split(' ').map(str::to_string).collect();
            if offset_of(line).is_some() {
                words[0] = number(words[0].trim_end_matches(':')) + ":";
                if words.len() > 1 && words[1] == "ldc_w" {
                    words[1] = "ldc".to_string();
                }
                let branch = words.len() > 2
                    && (words[1].starts_with("if")
                        || ["goto", "goto_w", "jsr", "jsr_w"].contains(&words[1].as_str()));
                if branch {
                    words[2] = number(&words[2]);
                }
            } else if let Some((key, target)) = trimmed.split_once(": ") {
                // A tableswitch/lookupswitch case.
                if target.parse::<u32>().is_ok() && (key == "default" || key.parse::<i64>().is_ok())
                {
                    words = vec![format!("{key}:"), number(target)];
                }
            } else if words.len() >= 4 && words[..3].iter().all(|w| w.parse::<u32>().is_ok()) {
                // An exception-table row: from, to, target.
                for w in &mut words[..3] {
                    *w = number(w);
                }
            }
            out.push(words.join(" "));
        }
        i = end;
    }
    out.join("\n")
}

/// What differs between Maven's jar and stormpack's, one line each, with how many class files
/// agree at each [`ClassLevel`]; class files are accepted down to `accepted`.
fn differences(
    theirs: &Path,
    ours: &Path,
    scratch: &Path,
    accepted: ClassLevel,
) -> (Vec<String>, BTreeMap<ClassLevel, usize>) {
    let theirs = entries(theirs);
    let ours = entries(ours);
    let mut diffs = Vec::new();
    let mut levels = BTreeMap::new();
    let names_t: BTreeSet<&String> = theirs.keys().collect();
    let names_o: BTreeSet<&String> = ours.keys().collect();
    for only in names_t.difference(&names_o) {
        diffs.push(format!("only in mvn's jar: {only}"));
    }
    for only in names_o.difference(&names_t) {
        diffs.push(format!("only in stormpack's jar: {only}"));
    }
    let mut classes = Vec::new();
    for name in names_t.intersection(&names_o) {
        let (t, o) = (&theirs[*name], &ours[*name]);
        if name.as_str() == "META-INF/MANIFEST.MF" {
            let (mt, mo) = (manifest_attributes(t), manifest_attributes(o));
            if mt != mo {
                diffs.push(format!("manifest: mvn {mt:?}, stormpack {mo:?}"));
            }
        } else if t == o {
            if name.ends_with(".class") {
                *levels.entry(ClassLevel::Bytes).or_insert(0) += 1;
            }
        } else if name.ends_with(".class") {
            classes.push(*name);
        } else {
            diffs.push(format!("bytes differ: {name}"));
        }
    }
    let verbose = ["-v", "-p"];
    let (vt, vo) = (
        javap_all(&verbose, &pick(&theirs, &classes), &scratch.join("vt")),
        javap_all(&verbose, &pick(&ours, &classes), &scratch.join("vo")),
    );
    let mut rest = Vec::new();
    for (i, name) in classes.iter().enumerate() {
        if vt[i] == vo[i] && !vt[i].is_empty() {
            *levels.entry(ClassLevel::Verbose).or_insert(0) += 1;
        } else {
            rest.push(*name);
        }
    }
    // -sysinfo: a `Classfile` line opens each class's section, as with -v.
    let code = ["-c", "-p", "-s", "-constants", "-sysinfo"];
    let (ct, co) = (
        javap_all(&code, &pick(&theirs, &rest), &scratch.join("ct")),
        javap_all(&code, &pick(&ours, &rest), &scratch.join("co")),
    );
    for (i, name) in rest.iter().enumerate() {
        let (t, o) = (without_pool_indexes(&ct[i]), without_pool_indexes(&co[i]));
        let level = if ct[i].is_empty() {
            None
        } else if t == o {
            Some(ClassLevel::Code)
        } else if by_instruction_number(&t) == by_instruction_number(&o) {
            Some(ClassLevel::Instructions)
        } else {
            None
        };
        match level {
            Some(level) if level <= accepted => *levels.entry(level).or_insert(0) += 1,
            Some(level) => diffs.push(format!("{name}: equal only at {level:?} level")),
            None => diffs.push(format!("bytes differ: {name}")),
        }
    }
    (diffs, levels)
}

/// Modules whose jars also run (`java -cp <jar> com.example.shade.Main`) with the same output.
const RUN: &[&str] = &["relocations"];

#[test]
fn each_shade_feature_gives_the_jar_maven_shade_plugin_gives() {
    if !have("mvn") || !have("javap") {
        skip_outside_ci("no `mvn` or `javap` on PATH");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let reactor = tmp.path().join("shade");
    copy_tree(&repo_root().join("fixtures/shade"), &reactor);
    mvn_package(&reactor);
    let scratch = tmp.path().join("javap");

    let mut table = vec!["| module | feature | mvn jar | stormpack jar | equal |".to_string()];
    let mut failures = Vec::new();
    for (module, feature) in MODULES {
        let dir = reactor.join(module);
        let out_dir = tmp.path().join("stormpack").join(module);
        let out = stormpack()
            .args(["build", USER_PROPERTY, "--project"])
            .arg(&dir)
            .arg("--out-dir")
            .arg(&out_dir)
            .output()
            .unwrap();
        let jar_name = format!("{module}-1.0.jar");
        let theirs = dir.join("target").join(&jar_name);
        let count = entries(&theirs).len();
        if !out.status.success() {
            let first = text(&out).lines().next().unwrap_or("").to_string();
            table.push(format!(
                "| {module} | {feature} | target/{jar_name} ({count} files) | build failed: {first} | no |"
            ));
            failures.push(format!("{module}: stormpack build failed:\n{}", text(&out)));
            continue;
        }
        let ours = out_dir.join(&jar_name);
        // Same bytes or the same `javap -v -p`; a class equal only at a looser level is a
        // difference (the message names the level it reaches).
        let (mut diffs, levels) =
            differences(&theirs, &ours, &scratch.join(module), ClassLevel::Verbose);
        if RUN.contains(module) {
            diffs.extend(runs_alike(&theirs, &ours));
        }
        table.push(format!(
            "| {module} | {feature} | target/{jar_name} ({count} files) | {jar_name} ({} files) | {} |",
            entries(&ours).len(),
            if diffs.is_empty() {
                format!("yes (classes: {levels:?})")
            } else {
                format!("no: {}", diffs.len())
            }
        ));
        if !diffs.is_empty() {
            failures.push(format!("{module}:\n  {}", diffs.join("\n  ")));
        }
    }
    println!("{}", table.join("\n"));
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Both jars run on a real JVM (`java -cp <jar> com.example.shade.Main`, which calls through
/// every relocated dependency) and print the same lines, relocated names included.
fn runs_alike(theirs: &Path, ours: &Path) -> Vec<String> {
    let run = |jar: &Path| {
        let out = Command::new("java")
            .arg("-cp")
            .arg(jar)
            .arg("com.example.shade.Main")
            .stdin(Stdio::null())
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            text(&out),
        )
    };
    let (t_ok, t_out, t_all) = run(theirs);
    let (o_ok, o_out, o_all) = run(ours);
    let mut diffs = Vec::new();
    if !t_ok {
        diffs.push(format!("mvn's jar does not run: {t_all}"));
    }
    if !o_ok {
        diffs.push(format!("stormpack's jar does not run: {o_all}"));
    }
    if t_out != o_out {
        diffs.push(format!(
            "the jars print different lines:\nmvn:\n{t_out}stormpack:\n{o_out}"
        ));
    }
    if !o_out.contains("gson class com.example.shaded.gson.Gson")
        || !o_out.contains("logger hidden.org.slf4j.simple.SimpleLogger")
    {
        diffs.push(format!(
            "stormpack's jar does not use the relocated classes:\n{o_out}"
        ));
    }
    diffs
}

/// A project whose pom configures maven-shade-plugin with `body`.
fn project_with(body: &str) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let pom = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>com.example</groupId>
  <artifactId>unhonoured</artifactId>
  <version>1.0</version>
  <build>
    <plugins>
      <plugin>
        <artifactId>maven-shade-plugin</artifactId>
        <version>3.5.1</version>
        <executions><execution><goals><goal>shade</goal></goals></execution></executions>
        <configuration>
{body}
        </configuration>
      </plugin>
    </plugins>
  </build>
</project>
"#
    );
    fs::write(tmp.path().join("pom.xml"), pom).unwrap();
    tmp
}

#[test]
fn what_stormpack_cannot_honour_is_an_error_naming_the_element() {
    for (body, names) in [
        ("<minimizeJar>true</minimizeJar>", "<minimizeJar>"),
        (
            "<useDependencyReducedPomInJar>true</useDependencyReducedPomInJar>",
            "<useDependencyReducedPomInJar>",
        ),
        (
            "<filters><filter><artefact>x:y</artefact></filter></filters>",
            "<artefact>",
        ),
        (
            "<relocations><relocation><pattern>a.b</pattern><rawString>true</rawString></relocation></relocations>",
            "<rawString>",
        ),
        (
            "<relocations><relocation><pattern>a.b</pattern><shadedPatern>x</shadedPatern></relocation></relocations>",
            "<shadedPatern>",
        ),
        (
            "<transformers><transformer implementation=\"com.example.MyTransformer\"/></transformers>",
            "com.example.MyTransformer",
        ),
        (
            "<transformers><transformer implementation=\"org.apache.maven.plugins.shade.resource.ApacheNoticeResourceTransformer\"><encoding>Shift_JIS</encoding></transformer></transformers>",
            "Shift_JIS",
        ),
        (
            "<transformers><transformer implementation=\"org.apache.maven.plugins.shade.resource.AppendingTransformer\"><resources>x</resources></transformer></transformers>",
            "<resources>",
        ),
        (
            "<transformers><transformer implementation=\"org.apache.maven.plugins.shade.resource.ResourceBundleAppendingTransformer\"><basename>(?=x)a</basename></transformer></transformers>",
            "ResourceBundleAppendingTransformer's <basename>",
        ),
        (
            "<transformers><transformer implementation=\"org.apache.maven.plugins.shade.resource.IncludeResourceTransformer\"><resource>X</resource><file>../../etc/passwd</file></transformer></transformers>",
            "outside the project",
        ),
        (
            "<transformers><transformer implementation=\"org.apache.maven.plugins.shade.resource.IncludeResourceTransformer\"><resource>../../evil.sh</resource><file>pom.xml</file></transformer></transformers>",
            "not a valid path inside a jar",
        ),
        (
            "<transformers><transformer implementation=\"org.apache.maven.plugins.shade.resource.IncludeResourceTransformer\"><resource>X</resource><file>MISSING.txt</file></transformer></transformers>",
            "MISSING.txt",
        ),
        (
            "<transformers><transformer implementation=\"org.apache.maven.plugins.shade.resource.IncludeResourceTransformer\"><resource>META-INF/NOTICE</resource><file>pom.xml</file></transformer>\
             <transformer implementation=\"org.apache.maven.plugins.shade.resource.ApacheNoticeResourceTransformer\"/></transformers>",
            "duplicate entry: META-INF/NOTICE",
        ),
        (
            "<transformers><transformer implementation=\"org.apache.maven.plugins.shade.resource.IncludeResourceTransformer\"><resource>META-INF/maven/com.example/unhonoured/pom.xml</resource><file>pom.xml</file></transformer></transformers>",
            "duplicate entry: META-INF/maven/com.example/unhonoured/pom.xml",
        ),
    ] {
        let project = project_with(body);
        let out = stormpack()
            .args(["build", "--project"])
            .arg(project.path())
            .output()
            .unwrap();
        let err = text(&out);
        assert!(!out.status.success(), "{body}: {err}");
        assert!(err.contains(names), "{body}: {err}");
        assert!(err.contains("pom.xml:"), "{body} gives a location: {err}");
        assert!(err.contains("fix"), "{body} gives a fix: {err}");
        assert!(
            !project.path().join("target/unhonoured-1.0.jar").exists(),
            "{body}: no jar"
        );
    }
}
