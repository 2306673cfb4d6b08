//! Hostile and careless input (issue 12), through the real binary: coordinates that try to leave
//! the local repository, tampered cached artifacts, includes outside the project, resource
//! exhaustion (alias bombs, deep nesting, zip bombs, FIFOs), encodings, and messages that must
//! point the right way. Every case asserts the exit code, the message (with its fix) and that
//! nothing outside the project's `target/` and the local repository changed.
//!
//! Each test works in a sandbox: `project/`, `local/` (the local repository), `central/` (a
//! `file://` Maven Central), `outside/` (files a hostile input aims at), `home/`.

use std::collections::BTreeMap;
use std::fs;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use sha2::Digest;

struct Sandbox {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    project: PathBuf,
    local: PathBuf,
    central: PathBuf,
    outside: PathBuf,
    /// An address-space limit (bytes) for every stormpack this sandbox starts.
    memory_limit: std::cell::Cell<Option<u64>>,
}

impl Sandbox {
    fn new() -> Self {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().canonicalize().unwrap();
        let sandbox = Sandbox {
            project: root.join("project"),
            local: root.join("local"),
            central: root.join("central"),
            outside: root.join("outside"),
            root,
            _tmp: tmp,
            memory_limit: std::cell::Cell::new(None),
        };
        for d in [
            &sandbox.project,
            &sandbox.local,
            &sandbox.central,
            &sandbox.outside,
        ] {
            fs::create_dir_all(d).unwrap();
        }
        fs::create_dir_all(sandbox.root.join("home")).unwrap();
        fs::write(
            sandbox.outside.join("secret.txt"),
            "root:x:0:0\nsecret: 42\n",
        )
        .unwrap();
        fs::write(sandbox.root.join("settings.xml"), "<settings/>").unwrap();
        sandbox
    }

    fn file(&self, path: &str, content: impl AsRef<[u8]>) -> &Self {
        let p = self.project.join(path);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, content).unwrap();
        self
    }

    /// `stormpack <args>` in the project directory, with the sandbox's repositories. A run
    /// still going after two minutes is a hang: it is killed and the test fails.
    fn run(&self, args: &[&str]) -> Output {
        let child = self
            .command(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let pid = child.id();
        let (done, result) = std::sync::mpsc::channel();
        std::thread::spawn(move || done.send(child.wait_with_output()));
        match result.recv_timeout(std::time::Duration::from_secs(120)) {
            Ok(out) => out.unwrap(),
            Err(_) => {
                // SAFETY: kill(2) on the pid of the child this test started.
                unsafe { libc::kill(pid as i32, libc::SIGKILL) };
                panic!("stormpack {args:?} hung (killed after 120 s)");
            }
        }
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_stormpack"));
        cmd.args(args)
            .current_dir(&self.project)
            .env("HOME", self.root.join("home"))
            .env("STORMPACK_MAVEN_REPO_LOCAL", &self.local)
            .env(
                "STORMPACK_MAVEN_CENTRAL",
                format!("file://{}", self.central.display()),
            )
            .env("STORMPACK_MAVEN_GLOBAL_SETTINGS", "")
            .env_remove("SOURCE_DATE_EPOCH")
            .stdin(Stdio::null());
        if let Some(bytes) = self.memory_limit.get() {
            // SAFETY: setrlimit in the child before exec; no allocation.
            unsafe {
                std::os::unix::process::CommandExt::pre_exec(&mut cmd, move || {
                    let limit = libc::rlimit {
                        rlim_cur: bytes,
                        rlim_max: bytes,
                    };
                    libc::setrlimit(libc::RLIMIT_AS, &limit);
                    Ok(())
                });
            }
        }
        cmd
    }

    /// Publishes `group:artifact:version` (a pom with `dependencies`, and a jar holding `files`)
    /// in the sandbox's central, with `.sha1` files.
    fn publish(&self, gav: &str, dependencies: &str, files: &[(&str, &[u8])]) {
        let [g, a, v] = gav.split(':').collect::<Vec<_>>()[..] else {
            panic!("{gav}")
        };
        let dir = self.central.join(g.replace('.', "/")).join(a).join(v);
        fs::create_dir_all(&dir).unwrap();
        let pom = format!(
            "<project><modelVersion>4.0.0</modelVersion><groupId>{g}</groupId>\
             <artifactId>{a}</artifactId><version>{v}</version>\
             <dependencies>{dependencies}</dependencies></project>"
        );
        let jar = zip_bytes(files);
        for (ext, bytes) in [("pom", pom.into_bytes()), ("jar", jar)] {
            let path = dir.join(format!("{a}-{v}.{ext}"));
            fs::write(&path, &bytes).unwrap();
            let sha1 = hex::encode(sha1::Sha1::digest(&bytes));
            fs::write(path.with_extension(format!("{ext}.sha1")), sha1).unwrap();
        }
    }

    /// Every file of the sandbox outside `project/target/` and the local repository, with its
    /// bytes.
    fn snapshot(&self) -> BTreeMap<PathBuf, Vec<u8>> {
        let target = self.project.join("target");
        walkdir::WalkDir::new(&self.root)
            .into_iter()
            .filter_entry(|e| e.path() != target && e.path() != self.local)
            .filter_map(Result::ok)
            .filter(|e| !e.file_type().is_dir())
            .map(|e| {
                let bytes = if e.file_type().is_file() {
                    fs::read(e.path()).unwrap()
                } else {
                    Vec::new()
                };
                (e.path().to_path_buf(), bytes)
            })
            .collect()
    }
}

fn zip_bytes(files: &[(&str, &[u8])]) -> Vec<u8> {
    use std::io::Write;
    let mut out = std::io::Cursor::new(Vec::new());
    {
        let mut zip = zip::ZipWriter::new(&mut out);
        for (name, bytes) in files {
            zip.start_file(*name, zip::write::SimpleFileOptions::default())
                .unwrap();
            zip.write_all(bytes).unwrap();
        }
        zip.finish().unwrap();
    }
    out.into_inner()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Runs `args`, which must fail with exit code 1 and a message holding every needle and a fix,
/// and must change nothing outside `target/` and the local repository.
fn fails(sandbox: &Sandbox, args: &[&str], needles: &[&str]) -> String {
    let before = sandbox.snapshot();
    let out = sandbox.run(args);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "stormpack {args:?}:\n{err}");
    for n in needles {
        assert!(err.contains(n), "expected {n:?} in:\n{err}");
    }
    assert!(err.contains("fix:"), "no fix in:\n{err}");
    let after = sandbox.snapshot();
    let changed: Vec<&PathBuf> = before
        .keys()
        .chain(after.keys())
        .filter(|p| before.get(*p) != after.get(*p))
        .collect();
    assert!(
        changed.is_empty(),
        "stormpack {args:?} changed {changed:?}:\n{err}"
    );
    err
}

/// Runs `args` and asserts it changed nothing outside `target/` and the local repository.
fn run_unchanged(sandbox: &Sandbox, args: &[&str]) -> Output {
    let before = sandbox.snapshot();
    let out = sandbox.run(args);
    assert_eq!(
        before,
        sandbox.snapshot(),
        "stormpack {args:?} changed files outside target/:\n{}",
        stderr(&out)
    );
    out
}

fn pom(dependencies: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <project xmlns=\"http://maven.apache.org/POM/4.0.0\">\n\
         <modelVersion>4.0.0</modelVersion>\n\
         <groupId>com.example</groupId>\n\
         <artifactId>hostile</artifactId>\n\
         <version>0.1</version>\n\
         <dependencies>{dependencies}</dependencies>\n\
         </project>\n"
    )
}

/// [`pom`] with maven-shade-plugin's `shade` goal bound to `package`, so that the jar `mvn
/// package` leaves (and stormpack writes) holds the dependencies.
fn shaded_pom(dependencies: &str) -> String {
    pom(dependencies).replace(
        "</project>",
        "<build><plugins><plugin><groupId>org.apache.maven.plugins</groupId>\
         <artifactId>maven-shade-plugin</artifactId><version>3.5.1</version>\
         <executions><execution><phase>package</phase><goals><goal>shade</goal></goals>\
         </execution></executions></plugin></plugins></build></project>",
    )
}

fn dep(g: &str, a: &str, v: &str) -> String {
    format!("<dependency><groupId>{g}</groupId><artifactId>{a}</artifactId><version>{v}</version></dependency>")
}

// ---- 1. coordinates cannot walk out of the local repository ----

#[test]
fn a_project_dependency_that_leaves_the_repository_is_refused() {
    let s = Sandbox::new();
    for (g, a, v, field) in [
        (".tmp.x", "a", "1", "groupId `.tmp.x` has an empty part"),
        (
            "com.example",
            "..",
            "1",
            "artifactId `..` names a directory",
        ),
        (
            "com.example",
            "a",
            "../../../outside/x",
            "version `../../../outside/x` contains `/`",
        ),
    ] {
        s.file("pom.xml", pom(&dep(g, a, v)));
        fails(&s, &["build"], &["pom.xml: invalid coordinate", field]);
    }
    assert!(!s.root.join("x").exists());
}

#[test]
fn a_transitive_pom_cannot_write_outside_the_repository() {
    let s = Sandbox::new();
    s.publish(
        "com.example:lib:1.0",
        &dep("com.example", "evil", "../../../../../outside/pwned"),
        &[("lib.txt", b"lib")],
    );
    s.file("pom.xml", pom(&dep("com.example", "lib", "1.0")));
    fails(
        &s,
        &["build"],
        &[
            "resolving com.example:lib:jar:1.0 -> com.example:evil:jar:../../../../../outside/pwned",
            "invalid coordinate com.example:evil:jar:../../../../../outside/pwned: version",
            "contains `/`",
        ],
    );
    assert!(!s.outside.join("pwned").exists());
}

#[test]
fn a_parent_classifier_type_or_repository_id_cannot_leave_the_repository() {
    let s = Sandbox::new();
    s.publish("com.example:lib:1.0", "", &[("lib.txt", b"lib")]);
    let climb = "../../../../../outside/pwned";
    let project =
        |inside: &str| format!("<project><modelVersion>4.0.0</modelVersion>{inside}</project>");
    s.file(
        "pom.xml",
        project(&format!(
            "<parent><groupId>com.example</groupId><artifactId>par</artifactId>\
             <version>{climb}</version></parent><artifactId>hostile</artifactId>"
        )),
    );
    fails(
        &s,
        &["build"],
        &[
            "pom.xml:1:",
            &format!("cannot get the parent pom com.example:par:{climb}"),
            &format!(
                "invalid coordinate com.example:par:pom:{climb}: version `{climb}` contains `/`"
            ),
            "nothing was downloaded or written",
            "fix: correct the coordinate",
        ],
    );
    let gav =
        "<groupId>com.example</groupId><artifactId>hostile</artifactId><version>0.1</version>";
    for (extra, field) in [
        (format!("<classifier>{climb}</classifier>"), "classifier"),
        (format!("<type>{climb}</type>"), "type"),
    ] {
        s.file(
            "pom.xml",
            project(&format!(
                "{gav}<dependencies><dependency><groupId>com.example</groupId>\
                 <artifactId>lib</artifactId><version>1.0</version>{extra}</dependency></dependencies>"
            )),
        );
        fails(
            &s,
            &["build"],
            &[
                "pom.xml: invalid coordinate com.example:lib:",
                &format!("{field} `{climb}` contains `/`"),
                "fix: correct it in the pom",
            ],
        );
    }
    // A repository id becomes part of a metadata file's name (maven-metadata-<id>.xml).
    s.file(
        "pom.xml",
        project(&format!(
            "{gav}<repositories><repository><id>{climb}</id><url>file://{}</url></repository>\
             </repositories><dependencies><dependency><groupId>com.example</groupId>\
             <artifactId>lib</artifactId><version>[1.0,2.0)</version></dependency></dependencies>",
            s.central.display()
        )),
    );
    fails(
        &s,
        &["build"],
        &[
            &format!(
                "refusing to write {}/com/example/lib/maven-metadata-{climb}.xml: it is outside the local repository",
                s.local.display()
            ),
            "fix: the repository id or the repository's maven-metadata.xml is malformed",
        ],
    );
    assert!(!s.outside.join("pwned").exists());
    assert!(!s.outside.join("pwned.xml").exists());
}

#[test]
fn a_lockfile_coordinate_that_leaves_the_repository_is_refused() {
    let s = Sandbox::new();
    s.publish("com.example:lib:1.0", "", &[("lib.txt", b"lib")]);
    s.file("pom.xml", pom(&dep("com.example", "lib", "1.0")));
    s.file(
        "stormpack.lock",
        format!(
            "version 1\ncom.example:lib:jar:../../x compile sha256={}\n",
            "0".repeat(64)
        ),
    );
    fails(
        &s,
        &["build", "--locked"],
        &["stormpack.lock:2: invalid coordinate com.example:lib:jar:../../x: version"],
    );
}

#[test]
fn check_storm_version_must_be_a_version() {
    let s = Sandbox::new();
    s.file("topology.yaml", "name: t\n");
    fails(
        &s,
        &["check", "--storm-version", "../../x"],
        &["--storm-version `../../x` is not a Maven version: it contains `/`"],
    );
}

// ---- 2. a tampered cached artifact is an integrity error ----

#[test]
fn a_tampered_cached_artifact_is_an_integrity_error() {
    let s = Sandbox::new();
    s.publish(
        "com.example:lib:1.0",
        "",
        &[("lib.txt", b"the library's bytes")],
    );
    s.file("pom.xml", pom(&dep("com.example", "lib", "1.0")));
    let out = s.run(&["build"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let jar = s.project.join("target/hostile-0.1.jar");
    let built = fs::read(&jar).unwrap();
    let sidecar = fs::read(s.project.join("target/hostile-0.1.jar.sha256")).unwrap();

    let cached = s.local.join("com/example/lib/1.0/lib-1.0.jar");
    let good = fs::read(&cached).unwrap();
    let mut bad = good.clone();
    let middle = bad.len() / 2;
    bad[middle] ^= 0x20; // same size, one byte flipped
    fs::write(&cached, &bad).unwrap();
    let good_sha = hex::encode(sha2::Sha256::digest(&good));
    let bad_sha = hex::encode(sha2::Sha256::digest(&bad));
    let cached_text = cached.display().to_string();
    for args in [&["build"][..], &["build", "--locked"], &["verify"]] {
        let err = fails(
            &s,
            args,
            &[
                "integrity check failed",
                "com.example:lib:jar:1.0",
                &format!("file:   {cached_text}"),
                &format!("sha256: {bad_sha} (the file)"),
                &format!("locked: {good_sha}"),
                &format!(
                    "fix: delete the file ({cached_text}) so that stormpack downloads it again"
                ),
            ],
        );
        assert!(!err.contains("run without --locked"), "{err}");
        assert_eq!(fs::read(&jar).unwrap(), built, "the jar changed");
        assert_eq!(
            fs::read(s.project.join("target/hostile-0.1.jar.sha256")).unwrap(),
            sidecar
        );
    }
    // The fix works: deleted, downloaded again (verified), and the build is as before.
    fs::remove_file(&cached).unwrap();
    let out = s.run(&["build", "--locked"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(fs::read(&cached).unwrap(), good);
    assert_eq!(fs::read(&jar).unwrap(), built);
}

// ---- 3. includes outside the project are refused before reading ----

#[test]
fn an_include_outside_the_project_is_refused_and_never_quoted() {
    let s = Sandbox::new();
    s.file("pom.xml", pom(""));
    let secret = s.outside.join("secret.txt");
    std::os::unix::fs::symlink(&secret, s.project.join("link.yaml")).unwrap();
    for file in [
        secret.display().to_string(),
        "../outside/secret.txt".to_string(),
        "link.yaml".to_string(),
        "/etc/passwd".to_string(),
    ] {
        s.file(
            "topology.yaml",
            format!(
                "name: t\nincludes:\n  - resource: false\n    file: \"{file}\"\n    override: false\n\
                 spouts: []\nbolts: []\nstreams: []\n"
            ),
        );
        let err = fails(
            &s,
            &["check", "--topology", "topology.yaml"],
            &[
                &format!(
                    "include file `{file}` lies outside the project ({})",
                    s.project.display()
                ),
                "fix: include only files inside the project",
            ],
        );
        assert!(!err.contains("secret") || !err.contains("42"), "{err}");
        assert!(!err.contains("root:"), "{err}");
    }
}

#[test]
fn an_include_inside_the_project_is_quoted_one_line_at_a_time() {
    let s = Sandbox::new();
    s.file("pom.xml", pom(""));
    s.file("notes.yaml", "alpha: 1\nbeta: 2\ngamma: 3\n");
    s.file(
        "topology.yaml",
        "name: t\nincludes:\n  - resource: false\n    file: \"notes.yaml\"\n    override: false\n\
         spouts: []\nbolts: []\nstreams: []\n",
    );
    let out = run_unchanged(&s, &["check", "--topology", "topology.yaml"]);
    let err = stderr(&out);
    for line in err.lines() {
        let quoted = ["alpha", "beta", "gamma"]
            .iter()
            .filter(|k| line.contains(*k))
            .count();
        assert!(
            quoted <= 1,
            "a message quotes more than one line: {line}\n{err}"
        );
    }
}

// ---- 8. FIFOs and devices are refused, never read ----

fn mkfifo(path: &std::path::Path) {
    let status = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(status.success());
}

#[test]
fn fifos_and_devices_are_refused_wherever_a_file_is_read() {
    let s = Sandbox::new();
    s.file("pom.xml", pom(""));
    fs::create_dir_all(s.project.join("src/main/resources")).unwrap();
    mkfifo(&s.project.join("src/main/resources/topology.yaml"));
    fails(
        &s,
        &["build"],
        &[
            "src/main/resources/topology.yaml",
            "is a named pipe (FIFO), not a regular file",
        ],
    );
    fails(
        &s,
        &["check", "--topology", "src/main/resources/topology.yaml"],
        &["is a named pipe (FIFO), not a regular file"],
    );
    fs::remove_file(s.project.join("src/main/resources/topology.yaml")).unwrap();

    mkfifo(&s.project.join("inc.yaml"));
    s.file(
        "topology.yaml",
        "name: t\nincludes:\n  - resource: false\n    file: \"inc.yaml\"\n    override: false\n\
         spouts: []\nbolts: []\nstreams: []\n",
    );
    fails(
        &s,
        &["check", "--topology", "topology.yaml"],
        &[
            "include file `inc.yaml` cannot be read",
            "is a named pipe (FIFO)",
        ],
    );
    fails(
        &s,
        &["build", "--settings", "/dev/zero"],
        &["/dev/zero is a character device, not a regular file"],
    );
    for args in [
        &["check", "--topology", "topology.yaml", "--jar", "/dev/zero"][..],
        &["inspect", "/dev/zero"],
    ] {
        let err = fails(
            &s,
            args,
            &[
                "error: /dev/zero is a character device, not a regular file",
                "fix: replace it with a regular file",
            ],
        );
        assert_eq!(
            err.matches("fix:").count(),
            1,
            "one fix, the right one:\n{err}"
        );
    }
}

#[test]
fn a_fifo_pom_settings_resource_include_or_lockfile_is_refused() {
    let s = Sandbox::new();
    let fifo = "is a named pipe (FIFO), not a regular file";
    // The project's pom.xml: named as what it is, not "no pom.xml".
    mkfifo(&s.project.join("pom.xml"));
    let err = fails(
        &s,
        &["build"],
        &[
            &format!("error: {}/pom.xml {fifo}", s.project.display()),
            "fix: replace it with a regular file",
        ],
    );
    assert!(!err.contains("no pom.xml"), "{err}");
    fs::remove_file(s.project.join("pom.xml")).unwrap();
    s.publish("com.example:lib:1.0", "", &[("lib.txt", b"lib")]);
    s.file("pom.xml", pom(&dep("com.example", "lib", "1.0")));

    // ~/.m2/settings.xml: an error, not silently "no user settings".
    let user_settings = s.root.join("home/.m2/settings.xml");
    fs::create_dir_all(user_settings.parent().unwrap()).unwrap();
    mkfifo(&user_settings);
    fails(
        &s,
        &["build"],
        &[
            &format!(
                "error: cannot read the Maven settings file {}",
                user_settings.display()
            ),
            "fix: make it a regular settings.xml file, or remove it",
            fifo,
        ],
    );
    fs::remove_file(&user_settings).unwrap();

    // A resource.
    fs::create_dir_all(s.project.join("src/main/resources")).unwrap();
    mkfifo(&s.project.join("src/main/resources/data.txt"));
    fails(
        &s,
        &["build"],
        &[
            "error: resource ",
            &format!("src/main/resources/data.txt {fifo}"),
            "fix: replace it with a regular file; or exclude it from the resource set",
        ],
    );
    fs::remove_file(s.project.join("src/main/resources/data.txt")).unwrap();

    // A file include of the topology `build` checks: one message, one fix.
    fs::create_dir_all(s.project.join("conf")).unwrap();
    mkfifo(&s.project.join("conf/inc.yaml"));
    s.file(
        "src/main/resources/topology.yaml",
        format!(
            "{VALID_TOPOLOGY}includes:\n  - resource: false\n    file: \"../../../conf/inc.yaml\"\n"
        ),
    );
    let err = fails(
        &s,
        &["build"],
        &[
            "topology.yaml:15:11: error: include file `../../../conf/inc.yaml` cannot be read: ",
            &format!("conf/inc.yaml {fifo}"),
            "fix: replace it with a regular file",
        ],
    );
    assert_eq!(err.matches("fix: replace it").count(), 1, "{err}");
    assert!(!err.contains("--topology"), "{err}");

    // `/dev/zero`, named or through a link inside the project, is outside it: never opened.
    std::os::unix::fs::symlink("/dev/zero", s.project.join("conf/zero.yaml")).unwrap();
    for file in ["/dev/zero", "../../../conf/zero.yaml"] {
        s.file(
            "src/main/resources/topology.yaml",
            format!("{VALID_TOPOLOGY}includes:\n  - resource: false\n    file: \"{file}\"\n"),
        );
        for args in [&["build"][..], &["check"]] {
            fails(
                &s,
                args,
                &[
                    &format!("include file `{file}` lies outside the project"),
                    "fix: include only files inside the project",
                ],
            );
        }
    }
    fs::remove_file(s.project.join("src/main/resources/topology.yaml")).unwrap();

    // The lockfile, read by --locked.
    mkfifo(&s.project.join("stormpack.lock"));
    fails(
        &s,
        &["build", "--locked"],
        &[
            &format!("error: {}/stormpack.lock {fifo}", s.project.display()),
            "fix: replace it with a regular file",
        ],
    );
}

/// maven-shade-plugin's IncludeResourceTransformer naming `file`: read only when it is a regular
/// file inside the project.
fn include_pom(file: &str) -> String {
    shaded_pom("").replace(
        "</execution></executions>",
        &format!(
            "<configuration><transformers><transformer \
             implementation=\"org.apache.maven.plugins.shade.resource.IncludeResourceTransformer\">\
             <resource>META-INF/LICENSE</resource><file>{file}</file></transformer></transformers>\
             </configuration></execution></executions>"
        ),
    )
}

#[test]
fn an_included_shade_resource_is_a_regular_file_inside_the_project() {
    let s = Sandbox::new();
    let fifo = "is a named pipe (FIFO), not a regular file";
    mkfifo(&s.project.join("LICENSE"));
    s.file("pom.xml", include_pom("LICENSE"));
    fails(
        &s,
        &["build"],
        &["pom.xml:", "IncludeResourceTransformer's file", fifo],
    );
    fs::remove_file(s.project.join("LICENSE")).unwrap();
    // Missing: Maven silently adds nothing; stormpack names the file and the pom line.
    fails(
        &s,
        &["build"],
        &["pom.xml:", "LICENSE cannot be read", "create the file"],
    );
    std::os::unix::fs::symlink("/dev/zero", s.project.join("zero")).unwrap();
    std::os::unix::fs::symlink(s.outside.join("secret.txt"), s.project.join("LICENSE")).unwrap();
    for file in ["zero", "LICENSE", "../outside/secret.txt", "/dev/zero"] {
        s.file("pom.xml", include_pom(file));
        fails(
            &s,
            &["build"],
            &[
                "pom.xml:",
                "outside the project",
                "fix: copy the file into the project",
            ],
        );
    }
}

// ---- 4, 5, 7. resource exhaustion ends in a clear error ----

const VALID_TOPOLOGY: &str = "name: \"t\"\nspouts:\n  - id: \"s\"\n    className: \"org.apache.storm.testing.TestWordSpout\"\n\
bolts:\n  - id: \"b\"\n    className: \"org.apache.storm.flux.wrappers.bolts.LogInfoBolt\"\n\
streams:\n  - from: \"s\"\n    to: \"b\"\n    grouping:\n      type: SHUFFLE\n";

/// The topology in `src/main/resources/` (so `build` stages and checks it) of a pom project.
fn topology_project(topology: impl AsRef<[u8]>) -> Sandbox {
    let s = Sandbox::new();
    s.file("pom.xml", pom(""));
    s.file("src/main/resources/topology.yaml", topology);
    s
}

#[test]
fn a_yaml_alias_bomb_is_stopped() {
    // 1.6 KB, 9 levels of 9 aliases: 9^9 values once expanded.
    let mut bomb = String::from("name: t\na0: &a0 [\"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\"]\n");
    for i in 1..10 {
        let refs = vec![format!("*a{}", i - 1); 9].join(", ");
        bomb.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
    }
    let s = topology_project(&bomb);
    s.memory_limit.set(Some(1 << 30)); // 9^9 values would need far more
    for args in [&["build"][..], &["check"]] {
        fails(
            &s,
            args,
            &[
                "topology.yaml:",
                "error: YAML syntax error: ",
                "alias",
                "fix: write",
            ],
        );
    }
}

#[test]
fn yaml_nested_40000_levels_deep_is_an_error_not_a_stack_overflow() {
    for deep in [
        "- ".repeat(40_000) + "x\n",
        "[".repeat(40_000) + &"]".repeat(40_000),
    ] {
        let s = topology_project(format!("name: t\nspouts:\n  {deep}\n"));
        s.memory_limit.set(Some(1 << 30));
        for args in [&["build"][..], &["check"]] {
            fails(
                &s,
                args,
                &[
                    "nested more than 50 levels deep: Flux (SnakeYAML) stops with \"Nesting Depth exceeded max 50\"",
                    "fix: flatten the structure",
                ],
            );
        }
    }
}

/// A jar whose `big.yaml` inflates to 3 GiB of spaces from about 3 MB: the same deflate block
/// (back-references only) repeated, written as a zip by hand.
fn zip_bomb(path: &std::path::Path) {
    use flate2::{Compress, Compression, FlushCompress};
    const MIB: usize = 1024 * 1024;
    let spaces = vec![b' '; MIB];
    let mut deflate = Compress::new(Compression::best(), false);
    let mut block = |input: &[u8], flush: FlushCompress| {
        let mut out = Vec::with_capacity(MIB);
        let before = deflate.total_in();
        deflate.compress_vec(input, &mut out, flush).unwrap();
        assert_eq!((deflate.total_in() - before) as usize, input.len());
        out
    };
    let first = block(&spaces, FlushCompress::Sync);
    let repeat = block(&spaces, FlushCompress::Sync);
    let last = block(&[], FlushCompress::Finish);
    let copies = 3 * 1024 - 2;
    let mut data = first;
    for _ in 0..copies {
        data.extend_from_slice(&repeat);
    }
    data.extend_from_slice(&last);
    let size = (copies + 2) as u32 * MIB as u32;
    let name = b"big.yaml";
    let mut zip = Vec::new();
    let header = |sig: u32, central: bool| {
        let mut h = Vec::new();
        h.extend_from_slice(&sig.to_le_bytes());
        if central {
            h.extend_from_slice(&20u16.to_le_bytes());
        }
        h.extend_from_slice(&20u16.to_le_bytes()); // version needed
        h.extend_from_slice(&0u16.to_le_bytes()); // flags
        h.extend_from_slice(&8u16.to_le_bytes()); // deflate
        h.extend_from_slice(&0u32.to_le_bytes()); // time, date
        h.extend_from_slice(&0u32.to_le_bytes()); // crc: never reached
        h.extend_from_slice(&(data.len() as u32).to_le_bytes());
        h.extend_from_slice(&size.to_le_bytes());
        h.extend_from_slice(&(name.len() as u16).to_le_bytes());
        h.extend_from_slice(&0u16.to_le_bytes()); // extra
        if central {
            h.extend_from_slice(&[0; 6]); // comment, disk, internal attributes
            h.extend_from_slice(&0u32.to_le_bytes()); // external attributes
            h.extend_from_slice(&0u32.to_le_bytes()); // local header offset
        }
        h.extend_from_slice(name);
        h
    };
    zip.extend(header(0x0403_4b50, false));
    zip.extend_from_slice(&data);
    let central_at = zip.len() as u32;
    let central = header(0x0201_4b50, true);
    zip.extend_from_slice(&central);
    zip.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    zip.extend_from_slice(&[0; 4]);
    zip.extend_from_slice(&1u16.to_le_bytes());
    zip.extend_from_slice(&1u16.to_le_bytes());
    zip.extend_from_slice(&(central.len() as u32).to_le_bytes());
    zip.extend_from_slice(&central_at.to_le_bytes());
    zip.extend_from_slice(&0u16.to_le_bytes());
    fs::write(path, zip).unwrap();
}

#[test]
fn check_jar_reads_a_zip_bomb_include_only_up_to_the_yaml_limit() {
    let s = Sandbox::new();
    s.file(
        "topology.yaml",
        format!("{VALID_TOPOLOGY}includes:\n  - resource: true\n    file: \"/big.yaml\"\n"),
    );
    zip_bomb(&s.root.join("bomb.jar"));
    let jar = s.root.join("bomb.jar").display().to_string();
    fails(
        &s,
        &["check", "--topology", "topology.yaml", "--jar", &jar],
        &[
            "big.yaml:",
            "the document is longer than 3145728 characters: Flux (SnakeYAML) stops with",
            "fix: split the topology",
        ],
    );
}

#[test]
fn a_zip_bomb_dependency_is_shaded_without_inflating_and_its_include_is_bounded() {
    let s = Sandbox::new();
    let dir = s.central.join("com/example/bomb/1.0");
    fs::create_dir_all(&dir).unwrap();
    zip_bomb(&dir.join("bomb-1.0.jar"));
    fs::write(
        dir.join("bomb-1.0.pom"),
        "<project><modelVersion>4.0.0</modelVersion><groupId>com.example</groupId>\
         <artifactId>bomb</artifactId><version>1.0</version></project>",
    )
    .unwrap();
    for name in ["bomb-1.0.jar", "bomb-1.0.pom"] {
        let bytes = fs::read(dir.join(name)).unwrap();
        fs::write(
            dir.join(format!("{name}.sha1")),
            hex::encode(sha1::Sha1::digest(&bytes)),
        )
        .unwrap();
    }
    s.file("pom.xml", shaded_pom(&dep("com.example", "bomb", "1.0")));
    s.file(
        "src/main/resources/topology.yaml",
        format!("{VALID_TOPOLOGY}includes:\n  - resource: true\n    file: \"/big.yaml\"\n"),
    );
    // Within 1 GiB of address space: the 3 GiB entry is copied as it is, never inflated whole.
    s.memory_limit.set(Some(1 << 30));
    fails(
        &s,
        &["build"],
        &[
            "big.yaml:",
            "the document is longer than 3145728 characters: Flux (SnakeYAML) stops with",
            "fix: split the topology",
        ],
    );
    assert!(!s.project.join("target/hostile-0.1.jar").exists());
}

#[test]
fn a_malformed_class_in_a_relocated_dependency_is_named_with_its_jar_and_entry() {
    let s = Sandbox::new();
    // Right magic, then a constant pool that runs past the end of the file.
    let truncated: &[u8] = b"\xCA\xFE\xBA\xBE\x00\x00\x00\x3D\x00\x09\x01\x00\x20com/evil";
    s.publish(
        "com.example:evil:1.0",
        "",
        &[
            ("com/evil/Bad.class", truncated),
            ("com/evil/data.txt", b"x"),
        ],
    );
    s.file(
        "pom.xml",
        shaded_pom(&dep("com.example", "evil", "1.0")).replace(
            "</goals>",
            "</goals><configuration><relocations><relocation><pattern>com.evil</pattern>\
             </relocation></relocations></configuration>",
        ),
    );
    fails(
        &s,
        &["build"],
        &[
            "com.example:evil",
            "com/evil/Bad.class",
            "malformed class file",
            "truncated",
        ],
    );
    assert!(!s.project.join("target/hostile-0.1.jar").exists());
}

// ---- 12. encodings ----

#[test]
fn a_utf8_bom_topology_is_accepted_and_other_encodings_are_named() {
    let s = Sandbox::new();
    s.file("topology.yaml", format!("\u{feff}{VALID_TOPOLOGY}"));
    let out = run_unchanged(&s, &["check", "--topology", "topology.yaml"]);
    assert!(out.status.success(), "{}", stderr(&out));

    let latin1: Vec<u8> = VALID_TOPOLOGY
        .replace("name: \"t\"", "name: \"caf\u{e9}\"")
        .chars()
        .map(|c| c as u8)
        .collect();
    s.file("topology.yaml", latin1);
    fails(
        &s,
        &["check", "--topology", "topology.yaml"],
        &[
            "topology.yaml:1:11: byte 0xE9 is not UTF-8",
            "fix: save the file as UTF-8",
        ],
    );
    s.file(
        "topology.yaml",
        VALID_TOPOLOGY.replace("LogInfoBolt", "LogInfoBolt\0"),
    );
    fails(
        &s,
        &["check", "--topology", "topology.yaml"],
        &[
            "topology.yaml:7:",
            "a NUL byte",
            "fix: save the file as UTF-8 text",
        ],
    );
    // UTF-16 with a byte order mark is read, as Flux (SnakeYAML) reads it.
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(VALID_TOPOLOGY.encode_utf16().flat_map(u16::to_le_bytes));
    s.file("topology.yaml", utf16);
    let out = run_unchanged(&s, &["check", "--topology", "topology.yaml"]);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn pom_encodings_are_read_as_maven_reads_them_or_named() {
    let s = Sandbox::new();
    let text = pom("").replace(
        "<version>0.1</version>",
        "<version>0.1</version><name>Caf\u{e9}</name>",
    );
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(
        text.replace("UTF-8", "UTF-16")
            .encode_utf16()
            .flat_map(u16::to_le_bytes),
    );
    s.file("pom.xml", utf16);
    let out = s.run(&["build"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let latin1: Vec<u8> = text
        .replace("UTF-8", "ISO-8859-1")
        .chars()
        .map(|c| c as u8)
        .collect();
    s.file("pom.xml", &latin1);
    let out = s.run(&["build"]);
    assert!(out.status.success(), "{}", stderr(&out));
    s.file(
        "pom.xml",
        // Latin-1 bytes under a declaration that says UTF-8.
        text.chars().map(|c| c as u8).collect::<Vec<u8>>(),
    );
    fails(
        &s,
        &["build"],
        &[
            "pom.xml:6:32: byte 0xE9 is not UTF-8, and the XML declaration names no other encoding",
            "fix: save the file as UTF-8, or declare its encoding",
        ],
    );
    s.file("pom.xml", text.replace("<name>", "<name>\0"));
    fails(
        &s,
        &["build"],
        &[
            "pom.xml:6:",
            "a NUL byte, which XML does not allow",
            "fix: remove the byte",
        ],
    );
}

#[test]
fn settings_encodings_are_read_as_maven_reads_them_or_named() {
    let s = Sandbox::new();
    s.publish("com.example:lib:1.0", "", &[("lib.txt", b"lib")]);
    s.file("pom.xml", pom(&dep("com.example", "lib", "1.0")));
    // <offline> proves the file was read: the dependency is not in the local repository.
    let text = "<?xml version=\"1.0\" encoding=\"ENC\"?>\n<settings><!-- Caf\u{e9} -->\
                <offline>true</offline></settings>\n";
    let settings = s.root.join("encoded-settings.xml");
    let path = settings.to_str().unwrap();
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(
        text.replace("ENC", "UTF-16")
            .encode_utf16()
            .flat_map(u16::to_le_bytes),
    );
    let latin1: Vec<u8> = text
        .replace("ENC", "ISO-8859-1")
        .chars()
        .map(|c| c as u8)
        .collect();
    for bytes in [utf16, latin1] {
        fs::write(&settings, bytes).unwrap();
        fails(
            &s,
            &["build", "--settings", path],
            &[
                "com.example:lib:pom:1.0 is not in the local repository, and offline mode forbids downloading it",
                "fix: run once without --offline",
            ],
        );
    }
    // Latin-1 bytes under a declaration that says UTF-8.
    let wrong: Vec<u8> = text
        .replace("ENC", "UTF-8")
        .chars()
        .map(|c| c as u8)
        .collect();
    fs::write(&settings, wrong).unwrap();
    fails(
        &s,
        &["build", "--settings", path],
        &[
            &format!("{path}:2:19: byte 0xE9 is not UTF-8, and the XML declaration names no other encoding"),
            "fix: save the file as UTF-8, or declare its encoding",
        ],
    );
}

// ---- 11. inspect: duplicates, wrapped counts, control characters ----

/// A zip of stored entries written by hand: `names` in order (duplicates allowed), `contents`
/// for each; the end record's 16-bit counts are the real count modulo 65,536, as a writer
/// without zip64 leaves them.
fn hand_zip(names: &[Vec<u8>], content: &[u8]) -> Vec<u8> {
    let crc = {
        let mut table = [0u32; 256];
        for (i, t) in table.iter_mut().enumerate() {
            let mut c = i as u32;
            for _ in 0..8 {
                c = if c & 1 != 0 {
                    0xEDB8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
            }
            *t = c;
        }
        !content.iter().fold(!0u32, |c, &b| {
            table[((c ^ u32::from(b)) & 0xFF) as usize] ^ (c >> 8)
        })
    };
    let mut out = Vec::new();
    let mut central = Vec::new();
    for name in names {
        let offset = out.len() as u32;
        let fields = |v: &mut Vec<u8>| {
            v.extend_from_slice(&20u16.to_le_bytes());
            v.extend_from_slice(&0u16.to_le_bytes());
            v.extend_from_slice(&0u16.to_le_bytes()); // stored
            v.extend_from_slice(&0x6000u16.to_le_bytes()); // 12:00
            v.extend_from_slice(&0x5821u16.to_le_bytes()); // 2024-01-01
            v.extend_from_slice(&crc.to_le_bytes());
            v.extend_from_slice(&(content.len() as u32).to_le_bytes());
            v.extend_from_slice(&(content.len() as u32).to_le_bytes());
            v.extend_from_slice(&(name.len() as u16).to_le_bytes());
            v.extend_from_slice(&0u16.to_le_bytes());
        };
        out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        fields(&mut out);
        out.extend_from_slice(name);
        out.extend_from_slice(content);
        central.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        central.extend_from_slice(&0x031Eu16.to_le_bytes()); // made on Unix
        fields(&mut central);
        central.extend_from_slice(&[0; 6]);
        central.extend_from_slice(&(0o100644u32 << 16).to_le_bytes());
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(name);
    }
    let at = out.len() as u32;
    out.extend_from_slice(&central);
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    out.extend_from_slice(&[0; 4]);
    let count = (names.len() % 65_536) as u16;
    out.extend_from_slice(&count.to_le_bytes());
    out.extend_from_slice(&count.to_le_bytes());
    out.extend_from_slice(&(central.len() as u32).to_le_bytes());
    out.extend_from_slice(&at.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

#[test]
fn inspect_lists_duplicates_and_entries_past_a_wrapped_count() {
    let s = Sandbox::new();
    let jar = s.root.join("dup.jar");
    fs::write(
        &jar,
        hand_zip(
            &[b"a.txt".to_vec(), b"b.txt".to_vec(), b"a.txt".to_vec()],
            b"hi\n",
        ),
    )
    .unwrap();
    let out = run_unchanged(&s, &["inspect", jar.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(text.matches("  a.txt\n").count(), 2, "{text}");
    assert!(text.contains("3 entries\n"), "{text}");
    assert!(
        text.contains("warning: duplicate entry name a.txt (2 entries"),
        "{text}"
    );

    let names: Vec<Vec<u8>> = (0..65_536)
        .map(|i| format!("e/{i:05}").into_bytes())
        .collect();
    fs::write(&jar, hand_zip(&names, b"")).unwrap();
    let out = run_unchanged(&s, &["inspect", jar.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        text.contains("65536 entries\n"),
        "{}",
        &text[text.len().saturating_sub(200)..]
    );
    assert!(text.contains("  e/65535\n"));
}

#[test]
fn inspect_escapes_control_characters() {
    let s = Sandbox::new();
    let jar = s.root.join("ctl.jar");
    fs::write(
        &jar,
        hand_zip(&[b"evil\x1b[2J\x07name\r.txt".to_vec()], b"hi\n"),
    )
    .unwrap();
    let out = run_unchanged(&s, &["inspect", jar.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        text.contains("evil\\u{1b}[2J\\u{7}name\\u{d}.txt"),
        "{text}"
    );
    assert!(!text.contains('\x1b') && !text.contains('\x07') && !text.contains('\r'));

    // The manifest, and a name that would print in another order than it has.
    let manifest =
        b"Manifest-Version: 1.0\r\nX-Evil: \x1b]0;owned\x07\x1b[31mred\x9b\r\nX-Lone: a\rb\r\n\r\n";
    fs::write(
        &jar,
        hand_zip(
            &[
                b"META-INF/MANIFEST.MF".to_vec(),
                "invoice\u{202e}fdp.exe".as_bytes().to_vec(),
            ],
            manifest,
        ),
    )
    .unwrap();
    let out = run_unchanged(&s, &["inspect", jar.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(text.contains("  invoice\\u{202e}fdp.exe\n"), "{text}");
    assert!(
        text.contains("X-Evil: \\u{1b}]0;owned\\u{7}\\u{1b}[31mred"),
        "{text}"
    );
    assert!(text.contains("X-Lone: a\\u{d}b\n"), "{text}");
    for raw in ['\x1b', '\x07', '\r', '\u{202e}', '\u{9b}'] {
        assert!(!text.contains(raw), "{raw:?} printed raw:\n{text}");
    }

    // --json: the same names, escaped the JSON way; nothing a terminal acts on printed raw
    // (C1 controls such as U+009B, CSI, and bidirectional overrides, which JSON allows raw).
    let name = "csi\u{9b}31m\u{7f}rlo\u{202e}txt.exe";
    fs::write(
        &jar,
        hand_zip(&[name.as_bytes().to_vec(), b"esc\x1b[2J".to_vec()], b"hi\n"),
    )
    .unwrap();
    let out = run_unchanged(&s, &["inspect", "--json", jar.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", stderr(&out));
    for raw in ['\x1b', '\u{9b}', '\u{7f}', '\u{202e}'] {
        assert!(!text.contains(raw), "{raw:?} printed raw:\n{text}");
    }
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    let paths: Vec<&str> = value["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, [name, "esc\x1b[2J"]);
}

#[test]
fn messages_never_print_terminal_controls_from_the_input() {
    let s = Sandbox::new();
    let topology = "name: t\n\"evil\\e]0;owned\\a\\e[2J\\u202e\": 1\n";
    let escaped = "evil\\u{1b}]0;owned\\u{7}\\u{1b}[2J\\u{202e}";
    s.file("topology.yaml", topology);
    s.file("pom.xml", pom(""));
    s.file("src/main/resources/topology.yaml", topology);
    let filter = "x\x1b[2J.properties";
    for (args, needles) in [
        (
            &["check", "--topology", "topology.yaml"][..],
            vec![format!("topology.yaml:2:1: error: unknown key `{escaped}`")],
        ),
        (
            &["build"],
            vec![format!("topology.yaml:2:1: error: unknown key `{escaped}`")],
        ),
        (
            &["check", "--topology", "topology.yaml", "--filter", filter],
            vec![
                "error: cannot read the --filter properties file x\\u{1b}[2J.properties"
                    .to_string(),
                "fix: pass --filter an existing properties file".to_string(),
            ],
        ),
    ] {
        let needles: Vec<&str> = needles.iter().map(String::as_str).collect();
        let err = fails(&s, args, &needles);
        for raw in ['\x1b', '\x07', '\u{202e}'] {
            assert!(!err.contains(raw), "{args:?}: {raw:?} printed raw:\n{err}");
        }
    }
}

// ---- 13. messages that point the right way ----

#[test]
fn source_date_epoch_errors_are_not_blamed_on_the_pom() {
    let s = Sandbox::new();
    s.file("pom.xml", pom(""));
    for (value, needle) in [
        (
            "yesterday",
            "SOURCE_DATE_EPOCH=`yesterday` is not a whole number of seconds",
        ),
        (
            "99999999999",
            "SOURCE_DATE_EPOCH=`99999999999` is after 2107-12-31T23:59:58Z",
        ),
    ] {
        let before = s.snapshot();
        let out = s
            .command(&["build"])
            .env("SOURCE_DATE_EPOCH", value)
            .output()
            .unwrap();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert!(err.contains(needle), "{err}");
        assert!(err.contains("fix: export SOURCE_DATE_EPOCH="), "{err}");
        assert!(!err.contains("pom.xml"), "blamed on the pom:\n{err}");
        assert_eq!(before, s.snapshot());
    }
    // Before 1980 (what a zip entry can hold): not silently clamped; the build says so.
    for value in ["-1", "-99999999999999999999", "315532799"] {
        let out = s
            .command(&["build"])
            .env("SOURCE_DATE_EPOCH", value)
            .output()
            .unwrap();
        let err = stderr(&out);
        assert!(out.status.success(), "{err}");
        assert!(
            err.contains(&format!(
                "note: SOURCE_DATE_EPOCH={value} is before 1980-01-01, the first time a zip \
                 entry can hold: entries carry 1980-01-01T00:00:00Z"
            )),
            "{err}"
        );
        let jar = fs::File::open(s.project.join("target/hostile-0.1.jar")).unwrap();
        let mut jar = zip::ZipArchive::new(jar).unwrap();
        let time = jar.by_index(0).unwrap().last_modified().unwrap();
        assert_eq!((time.year(), time.month(), time.day()), (1980, 1, 1));
    }
}

#[test]
fn a_lockfile_that_is_not_utf8_is_named_with_its_line_and_the_fix() {
    let s = Sandbox::new();
    s.publish("com.example:lib:1.0", "", &[("lib.txt", b"lib")]);
    s.file("pom.xml", pom(&dep("com.example", "lib", "1.0")));
    let out = s.run(&["build"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let lock = s.project.join("stormpack.lock");
    let good = fs::read_to_string(&lock).unwrap();
    let mut bad = good.replace("compile", "comp\u{e9}le").into_bytes();
    let at = bad.iter().position(|&b| b == 0xC3).unwrap();
    bad.splice(at..at + 2, [0xE9]); // the Latin-1 byte for é
    let line = good.lines().position(|l| l.contains("compile")).unwrap() + 1;
    let column = good.lines().nth(line - 1).unwrap().find("compile").unwrap() + 5;
    fs::write(&lock, &bad).unwrap();
    let err = fails(
        &s,
        &["build", "--locked"],
        &[
            &format!(
                "error: {}:{line}:{column}: not a stormpack lockfile: byte 0xE9 is not UTF-8",
                lock.display()
            ),
            &format!(
                "fix: delete {} and run without --locked to write it again",
                lock.display()
            ),
        ],
    );
    assert!(!err.contains("caused by"), "{err}");
    assert_eq!(fs::read(&lock).unwrap(), bad);
}

#[test]
fn build_and_run_never_suggest_the_check_only_topology_flag() {
    let s = topology_project(
        VALID_TOPOLOGY
            .replace("name: \"t\"", "name: \"caf\u{e9}\"")
            .chars()
            .map(|c| c as u8)
            .collect::<Vec<u8>>(),
    );
    for args in [&["build"][..], &["run"]] {
        let err = fails(
            &s,
            args,
            &[
                "error: cannot read the topology ",
                "src/main/resources/topology.yaml:1:11: byte 0xE9 is not UTF-8",
                "fix: save the file as UTF-8",
            ],
        );
        assert!(!err.contains("--topology"), "{args:?}:\n{err}");
    }
}

#[test]
fn huge_durations_are_refused_before_anything_is_built_or_started() {
    let s = Sandbox::new();
    s.file("pom.xml", pom(""));
    for duration in [
        "8785h",
        "99999999999999999999",
        "99999999999999999999h",
        "9223372036854775808s",
        "5124095576030432h1s",
    ] {
        fails(
            &s,
            &["run", "--duration", duration],
            &[
                &format!(
                    "error: --duration \"{duration}\" is longer than a year (31622400 seconds)"
                ),
                "fix: give a shorter duration, e.g. --duration 24h",
            ],
        );
    }
    assert!(!s.project.join("target").exists(), "a build ran");
}

// ---- 9, 10. a failed or killed build never leaves a jar its .sha256 does not match ----

/// The files of `dir` whose names start with `.stormpack-` (temporaries, owner files, journals),
/// but not the commit lock every build keeps nor the build's fingerprint record.
fn leftovers(dir: &std::path::Path) -> Vec<String> {
    fs::read_dir(dir)
        .map(|r| {
            r.filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| {
                    n.starts_with(".stormpack-")
                        && n != ".stormpack-commit.lock"
                        && n != ".stormpack-build.json"
                })
                .collect()
        })
        .unwrap_or_default()
}

fn sidecar_matches(jar: &std::path::Path) -> Option<bool> {
    let sidecar = fs::read_to_string(jar.with_extension("jar.sha256")).ok()?;
    let bytes = fs::read(jar).ok()?;
    Some(sidecar.starts_with(&format!("{}  ", hex::encode(sha2::Sha256::digest(&bytes)))))
}

#[test]
fn a_lockfile_that_cannot_be_replaced_changes_nothing() {
    let s = Sandbox::new();
    s.publish("com.example:lib:1.0", "", &[("lib.txt", b"one")]);
    s.publish("com.example:other:1.0", "", &[("other.txt", b"two")]);
    s.file("pom.xml", pom(&dep("com.example", "lib", "1.0")));
    let out = s.run(&["build"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let jar = s.project.join("target/hostile-0.1.jar");
    let built = fs::read(&jar).unwrap();
    let sidecar = fs::read(jar.with_extension("jar.sha256")).unwrap();
    // A new dependency needs a new lockfile, and the lockfile's place is taken by a directory.
    s.file(
        "pom.xml",
        pom(&(dep("com.example", "lib", "1.0") + &dep("com.example", "other", "1.0"))),
    );
    let lock = s.project.join("stormpack.lock");
    fs::remove_file(&lock).unwrap();
    fs::create_dir_all(lock.join("in-the-way")).unwrap();
    fails(&s, &["build"], &["cannot write", "stormpack.lock", "fix:"]);
    assert_eq!(fs::read(&jar).unwrap(), built, "the jar changed");
    assert_eq!(fs::read(jar.with_extension("jar.sha256")).unwrap(), sidecar);
    assert!(leftovers(&s.project.join("target")).is_empty());
    assert!(leftovers(&s.project).is_empty());
    // Out of the way, the next build replaces all three.
    fs::remove_dir_all(&lock).unwrap();
    let out = s.run(&["build"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_ne!(fs::read(&jar).unwrap(), built);
    assert_eq!(sidecar_matches(&jar), Some(true));
    assert!(fs::read_to_string(&lock)
        .unwrap()
        .contains("com.example:other"));
}

#[test]
fn an_out_dir_that_is_a_file_is_an_error_with_the_fix() {
    let s = Sandbox::new();
    s.file("pom.xml", pom(""));
    s.file("not-a-dir", "x");
    fails(
        &s,
        &["build", "--out-dir", "not-a-dir"],
        &[
            "is a file, not a directory",
            "fix: pass --out-dir a directory",
        ],
    );
    assert_eq!(fs::read(s.project.join("not-a-dir")).unwrap(), b"x");
}

#[test]
fn a_build_killed_at_any_moment_leaves_a_matching_sha256_and_the_next_cleans_up() {
    let s = Sandbox::new();
    s.publish("com.example:lib:1.0", "", &[("lib.txt", b"one")]);
    s.file("pom.xml", pom(&dep("com.example", "lib", "1.0")));
    s.file("src/main/resources/data.txt", "0");
    let out = s.run(&["build"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let jar = s.project.join("target/hostile-0.1.jar");
    // How long a build takes here: kills are spread over that time and a bit beyond.
    let start = std::time::Instant::now();
    s.file("src/main/resources/data.txt", "warm");
    assert!(s.run(&["build"]).status.success());
    let mut span = start.elapsed().as_micros().max(1_000) as u64 * 5 / 4;
    let mut seed = 0x9e37_79b9_7f4a_7c15u64 ^ u64::from(std::process::id());
    let (mut mid_build, mut after) = (0, 0);
    // At least 30 kills, and at least 10 inside a build: on a loaded machine one build's time
    // is a poor guess, so kills that land after the build narrow the span (up to 300 rounds).
    let mut round = 0;
    while round < 30 || (mid_build < 10 && round < 300) {
        round += 1;
        // Each round changes a resource, so every build writes a new jar.
        s.file("src/main/resources/data.txt", format!("round {round}"));
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let delay = std::time::Duration::from_micros(seed % span);
        let mut child = s
            .command(&["build"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(delay);
        let finished = child.try_wait().unwrap().is_some();
        child.kill().unwrap_or(()); // SIGKILL, by the child's id
        child.wait().unwrap();
        if finished {
            after += 1;
            span = (span * 7 / 8).max(1_000);
        } else {
            mid_build += 1;
        }
        assert_ne!(
            sidecar_matches(&jar),
            Some(false),
            "round {round}: killed after {delay:?}, the .sha256 does not match the jar"
        );
    }
    eprintln!("{mid_build} builds killed while running, {after} after they finished");
    assert!(mid_build >= 10, "too few kills landed inside a build");
    // The next build cleans up after the killed ones and leaves a matching pair.
    let out = s.run(&["build"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(sidecar_matches(&jar), Some(true));
    assert!(
        leftovers(&s.project.join("target")).is_empty(),
        "{:?}",
        leftovers(&s.project.join("target"))
    );
    assert!(
        leftovers(&s.project).is_empty(),
        "{:?}",
        leftovers(&s.project)
    );
}

#[test]
fn concurrent_builds_never_delete_each_others_files() {
    let s = Sandbox::new();
    s.publish("com.example:lib:1.0", "", &[("lib.txt", b"one")]);
    s.file("pom.xml", pom(&dep("com.example", "lib", "1.0")));
    s.file("src/main/resources/data.txt", "0");
    let out = s.run(&["build"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let jar = s.project.join("target/hostile-0.1.jar");
    for round in 0..12 {
        // Every build of a round builds the same new jar; some start while others commit.
        s.file("src/main/resources/data.txt", format!("round {round}"));
        let before = s.snapshot();
        let children: Vec<_> = (0..4)
            .map(|_| {
                s.command(&["build"])
                    .stdout(Stdio::null())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for child in children {
            let out = child.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "round {round}: a concurrent build failed:\n{}",
                stderr(&out)
            );
        }
        assert_eq!(sidecar_matches(&jar), Some(true), "round {round}");
        assert_eq!(
            before,
            s.snapshot(),
            "round {round}: outside target/ changed"
        );
        let entries = zip::ZipArchive::new(fs::File::open(&jar).unwrap()).unwrap();
        let mut entries = entries;
        let mut data = String::new();
        std::io::Read::read_to_string(&mut entries.by_name("data.txt").unwrap(), &mut data)
            .unwrap();
        assert_eq!(data, format!("round {round}"));
    }
    assert!(
        leftovers(&s.project.join("target")).is_empty(),
        "{:?}",
        leftovers(&s.project.join("target"))
    );
    assert!(
        leftovers(&s.project).is_empty(),
        "{:?}",
        leftovers(&s.project)
    );
}

/// Runs `stormpack <args>` in the sandbox with `target/` on a small tmpfs of its own (a user and
/// mount namespace: no privileges needed) holding the jar and `.sha256` of `good/`, then either
/// filled up leaving `free_pages` pages (`Some`) or remounted read-only (`None`). Prints, after
/// stormpack's output, `same <file>`/`CHANGED <file>` for the good files and `left <name>` for
/// every file then in `target/`. `None` when namespaces are not available here (never in CI).
fn with_small_target(s: &Sandbox, free_pages: Option<u32>, args: &[&str]) -> Option<Output> {
    const SCRIPT: &str = r#"
set -u
target=$1; good=$2; free=$3; shift 3
mount -t tmpfs -o size=256k tmpfs "$target" || exit 97
cp "$good"/* "$target"/
if [ "$free" = ro ]; then
    mount -o remount,ro "$target" || exit 98
else
    dd if=/dev/zero of="$target/filler" bs=4096 2>/dev/null
    [ "$free" -gt 0 ] && truncate -s -$((4096 * free)) "$target/filler"
fi
"$@"; rc=$?
for f in "$good"/*; do
    if cmp -s "$f" "$target/${f##*/}"; then echo "same ${f##*/}"; else echo "CHANGED ${f##*/}"; fi
done
for f in "$target"/.* "$target"/*; do
    case "${f##*/}" in .|..|filler) ;; *) [ -e "$f" ] && echo "left ${f##*/}" ;; esac
done
exit $rc
"#;
    let inner = s.command(args);
    let mut cmd = Command::new("unshare");
    cmd.args([
        "--user",
        "--map-root-user",
        "--mount",
        "sh",
        "-c",
        SCRIPT,
        "sh",
    ])
    .arg(s.project.join("target"))
    .arg(s.root.join("good"))
    .arg(free_pages.map_or("ro".to_string(), |p| p.to_string()))
    .arg(inner.get_program())
    .args(inner.get_args())
    .current_dir(&s.project)
    .stdin(Stdio::null());
    for (k, v) in inner.get_envs() {
        match v {
            Some(v) => cmd.env(k, v),
            None => cmd.env_remove(k),
        };
    }
    let out = cmd.output();
    let usable = out.as_ref().is_ok_and(|o| {
        !matches!(o.status.code(), Some(97 | 98)) && !stderr(o).contains("unshare:")
    });
    if !usable {
        let why = out.map_or_else(|e| e.to_string(), |o| stderr(&o));
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must allow unprivileged user and mount namespaces: {why}"
        );
        eprintln!("skipped: no user and mount namespaces here ({why})");
        return None;
    }
    out.ok()
}

#[test]
fn a_full_or_read_only_target_is_an_error_with_the_fix_and_the_old_jar_stays() {
    let s = Sandbox::new();
    s.file("pom.xml", pom(""));
    s.file("src/main/resources/data.txt", "old");
    let out = s.run(&["build"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let good = s.root.join("good");
    fs::create_dir_all(&good).unwrap();
    for name in ["hostile-0.1.jar", "hostile-0.1.jar.sha256"] {
        fs::copy(s.project.join("target").join(name), good.join(name)).unwrap();
    }
    s.file("src/main/resources/data.txt", "new");
    let target = s.project.join("target").display().to_string();
    for (free, what, fails_on, fix) in [
        (
            Some(0),
            "No space left on device",
            format!("{target}/hostile-0.1.jar"),
            format!("fix: free space on the file system that holds {target} (`df -h {target}`) and build again; the previous outputs are untouched"),
        ),
        (
            Some(1), // room for the new jar, none for its .sha256
            "No space left on device",
            format!("{target}/hostile-0.1.jar.sha256"),
            format!("fix: free space on the file system that holds {target}"),
        ),
        (
            None,
            "Read-only file system",
            format!("in {target}: "),
            format!("fix: make {target} writable for this user (or pass --out-dir a writable directory) and build again; the previous outputs are untouched"),
        ),
    ] {
        let before = s.snapshot();
        let Some(out) = with_small_target(&s, free, &["build"]) else {
            return;
        };
        let err = stderr(&out);
        let report = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(1), "{free:?}:\n{err}\n{report}");
        assert!(err.contains(&format!("error: cannot write {fails_on}")), "{free:?}:\n{err}");
        assert!(err.contains(what), "{free:?}:\n{err}");
        assert!(err.contains(&fix), "{free:?}:\n{err}");
        assert!(report.contains("same hostile-0.1.jar\n"), "{free:?}: {report}");
        assert!(report.contains("same hostile-0.1.jar.sha256\n"), "{free:?}: {report}");
        let left: Vec<&str> = report.lines().filter(|l| l.starts_with("left ")).collect();
        assert_eq!(
            left,
            ["left hostile-0.1.jar", "left hostile-0.1.jar.sha256"],
            "{free:?}: temporaries left behind"
        );
        assert_eq!(before, s.snapshot(), "{free:?}: outside target/ changed");
    }
}

// ---- 6. properties that double at each level ----

#[test]
fn doubling_properties_are_bounded_and_named_where_used() {
    let s = Sandbox::new();
    let mut props = String::from("<e0>ab</e0>");
    for i in 1..40 {
        props += &format!("<e{i}>${{e{}}}${{e{}}}</e{i}>", i - 1, i - 1);
    }
    let project = |deps: &str| {
        format!(
            "<project><modelVersion>4.0.0</modelVersion><groupId>com.example</groupId>\
             <artifactId>hostile</artifactId><version>0.1</version>\
             <properties>{props}</properties><dependencies>{deps}</dependencies></project>"
        )
    };
    // Unused: the build goes on (2^40 bytes if expanded), within 1 GiB of address space.
    s.file("pom.xml", project(""));
    let limited = |args: &[&str]| {
        let mut cmd = s.command(args);
        // SAFETY: setrlimit in the child before exec; no allocation.
        unsafe {
            std::os::unix::process::CommandExt::pre_exec(&mut cmd, || {
                let limit = libc::rlimit {
                    rlim_cur: 1 << 30,
                    rlim_max: 1 << 30,
                };
                libc::setrlimit(libc::RLIMIT_AS, &limit);
                Ok(())
            });
        }
        cmd.output().unwrap()
    };
    let out = limited(&["deps"]);
    assert!(out.status.success(), "{}", stderr(&out));
    // Used: an error naming the property, the place and the fix.
    s.file("pom.xml", project(&dep("com.example", "lib", "${e39}")));
    let out = limited(&["deps"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    for needle in [
        "pom.xml:1:",
        "`${e39}` in dependency version expands to more than 1 MiB",
        "fix: give `e39`",
    ] {
        assert!(err.contains(needle), "{needle:?} not in {err}");
    }
    // Used by resource filtering: an error naming the file and line, not `${e38}${e38}` (one
    // level expanded) silently in the jar. `check` of the filtered topology says the same.
    s.file(
        "pom.xml",
        project("").replace(
            "</properties>",
            "</properties><build><resources><resource><directory>src/main/resources</directory>\
         <filtering>true</filtering></resource></resources></build>",
        ),
    );
    s.file(
        "src/main/resources/app.properties",
        "name=x\nvalue=${e39}\n",
    );
    s.file(
        "src/main/resources/topology.yaml",
        format!("{VALID_TOPOLOGY}# @e39@\n"),
    );
    s.memory_limit.set(Some(1 << 30));
    for (args, file, line) in [
        (&["build"][..], "src/main/resources/app.properties", 2),
        (
            &["check"],
            "src/main/resources/topology.yaml",
            VALID_TOPOLOGY.lines().count() + 1,
        ),
    ] {
        fails(
            &s,
            args,
            &[
                &format!("{file}:{line}: `e39` cannot be filtered in: the pom could not expand its value"),
                "fix: give `e39` (or the properties it refers to) a shorter, literal value in the pom",
            ],
        );
    }
    assert!(!s.project.join("target/hostile-0.1.jar").exists());
}
