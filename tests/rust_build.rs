//! Rust components end to end, through the library: read a Rust-first fixture's manifest, build
//! its components with cargo for x86_64 and aarch64 musl, check their ELF headers, stage the
//! launchers, then "extract" `resources/` the way a Storm supervisor does (every file 0644) and
//! start the components through `sh <component>.sh`: natively on x86_64, under qemu for aarch64,
//! and with an architecture the jar lacks. Broken fixtures check the error messages.
//!
//! Fixtures are copied under `CARGO_TARGET_TMPDIR` (a stable path, so cargo's cache is reused
//! between runs) and all share one cargo target directory there.

#![cfg(unix)]

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use stormpack::cargo_build::{self, BuiltBinary};
use stormpack::launcher;
use stormpack::manifest::rust::{self, RustManifest};
use stormpack::staging::{EntrySource, Staging};

const X86: &str = "x86_64-unknown-linux-musl";
const ARM: &str = "aarch64-unknown-linux-musl";

fn tmp_root() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("rust_build")
}

/// Copy `fixtures/<name>` to a stable per-test directory, rewriting only files whose content
/// changed (unchanged mtimes keep cargo's fingerprints fresh).
fn fixture(name: &str, test: &str) -> PathBuf {
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name);
    let dest = tmp_root().join(test).join(name);
    copy_tree(&src, &dest);
    dest
}

fn copy_tree(src: &Path, dest: &Path) {
    fs::create_dir_all(dest).unwrap();
    for entry in fs::read_dir(src).unwrap() {
        let entry = entry.unwrap();
        let (from, to) = (entry.path(), dest.join(entry.file_name()));
        if entry.file_name() == "target" {
            continue;
        }
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&from, &to);
        } else {
            let mut bytes = fs::read(&from).unwrap();
            if entry.file_name() == "Cargo.toml" {
                // The copy lives elsewhere: point the multilang path dependency at this checkout.
                let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/multilang");
                bytes = String::from_utf8(bytes)
                    .unwrap()
                    .replace(
                        "path = \"../../crates/multilang\"",
                        &format!("path = {:?}", crate_dir.display().to_string()),
                    )
                    .into_bytes();
            }
            if fs::read(&to).ok().as_deref() != Some(&bytes[..]) {
                fs::write(&to, bytes).unwrap();
            }
        }
    }
}

/// Copy a directory as it is (no rewriting), leaving out build output.
fn copy_verbatim(src: &Path, dest: &Path) {
    fs::create_dir_all(dest).unwrap();
    for entry in fs::read_dir(src).unwrap() {
        let entry = entry.unwrap();
        let (from, to) = (entry.path(), dest.join(entry.file_name()));
        if entry.file_name() == "target" {
            continue;
        }
        if entry.file_type().unwrap().is_dir() {
            copy_verbatim(&from, &to);
        } else {
            fs::copy(&from, &to).unwrap();
        }
    }
}

/// Load a fixture's manifest, pointing cargo at the shared target directory.
fn manifest(dir: &Path) -> RustManifest {
    let mut m = rust::load(dir)
        .unwrap()
        .expect("fixture has [package.metadata.stormpack]");
    m.target_directory = tmp_root().join("cargo-target");
    m
}

fn mode(path: &Path) -> u32 {
    fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// Write the staged `resources/` entries into `dir` as a supervisor leaves them: mode 0644.
fn extract_resources(staging: &Staging, dir: &Path) -> PathBuf {
    let resources = dir.join("resources");
    for entry in staging.entries() {
        let Some(rel) = entry.path.strip_prefix("resources/") else {
            continue;
        };
        let to = resources.join(rel);
        fs::create_dir_all(to.parent().unwrap()).unwrap();
        match &entry.source {
            EntrySource::File(p) => fs::copy(p, &to).unwrap(),
            EntrySource::Bytes(b) => {
                fs::write(&to, b).unwrap();
                0
            }
        };
        fs::set_permissions(&to, fs::Permissions::from_mode(0o644)).unwrap();
    }
    resources
}

/// A PATH directory whose `uname -m` prints `machine` (other uname calls go to the real one).
fn uname_shim(dir: &Path, machine: &str) -> PathBuf {
    let shim = dir.join(format!("shim-{machine}"));
    fs::create_dir_all(&shim).unwrap();
    let real = ["/usr/bin/uname", "/bin/uname"]
        .into_iter()
        .find(|p| Path::new(p).is_file())
        .unwrap();
    let script = format!(
        "#!/bin/sh\nif [ \"$1\" = -m ]; then echo {machine}; else exec {real} \"$@\"; fi\n"
    );
    let path = shim.join("uname");
    fs::write(&path, script).unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
    shim
}

fn with_path(shim: &Path) -> String {
    format!("{}:{}", shim.display(), std::env::var("PATH").unwrap())
}

fn run_launcher(shell: &str, resources: &Path, component: &str, envs: &[(&str, String)]) -> Output {
    let mut cmd = Command::new(shell);
    cmd.arg(format!("{component}.sh"))
        .args(["first", "second arg"])
        .current_dir(resources);
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    println!(
        "$ cd {} && {shell} {component}.sh first 'second arg'   (env {:?})\n  exit: {}\n  stdout: {}  stderr: {}",
        resources.display(),
        envs,
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn on_path(name: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|d| d.join(name).is_file()))
}

fn qemu() -> Option<PathBuf> {
    ["qemu-aarch64-static", "qemu-aarch64"]
        .iter()
        .find_map(|name| {
            std::env::var_os("PATH").and_then(|paths| {
                std::env::split_paths(&paths)
                    .map(|d| d.join(name))
                    .find(|p| p.is_file())
            })
        })
}

/// The rust-first fixture built once for both targets, shared by the tests of this binary (one
/// project directory and one cargo target directory: no two tests rebuild the same outputs).
fn build_two_targets() -> (PathBuf, Vec<BuiltBinary>) {
    static BUILT: OnceLock<(PathBuf, Vec<BuiltBinary>)> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            let dir = fixture("rust-first", "shared");
            let m = manifest(&dir);
            assert_eq!(m.components, ["probe-spout", "probe-bolt", "upper-bolt"]);
            assert_eq!(m.targets, [X86, ARM]);
            let built = cargo_build::build(&m, &[], &dir.join("target")).unwrap();
            (dir, built)
        })
        .clone()
}

fn sha256(path: &Path) -> String {
    let out = Command::new("sha256sum").arg(path).output().unwrap();
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .unwrap()
        .to_string()
}

/// The real binary, end to end: `stormpack build` on a copy of the fixture in another directory
/// (another cargo target directory too) writes a jar whose component binaries are byte-identical
/// to the library build's (what `stormpack verify` relies on), staged 0755 with their launchers;
/// `resources/` extracted from the jar as a supervisor does (no modes) runs.
#[test]
fn stormpack_build_writes_a_two_target_jar_whose_resources_run() {
    let (_dir, built) = build_two_targets();
    let other = fixture("rust-first", "elsewhere");
    let out = Command::new(env!("CARGO_BIN_EXE_stormpack"))
        .args(["build", "--project"])
        .arg(&other)
        .env(
            "CARGO_TARGET_DIR",
            tmp_root().join("cargo-target-elsewhere"),
        )
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "stormpack build failed:\n{stderr}");
    let jar = other.join("target/ProbeTopology-1.0-SNAPSHOT.jar");
    let mut archive = zip::ZipArchive::new(fs::File::open(&jar).unwrap()).unwrap();
    let run = tempfile::tempdir().unwrap();
    let mut listing = Vec::new();
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).unwrap();
        let name = entry.name().unwrap().to_string();
        if !name.starts_with("resources/") || name.ends_with('/') {
            continue;
        }
        let mode = entry.unix_mode().unwrap_or(0) & 0o777;
        listing.push(format!("{mode:o} {name}"));
        let to = run.path().join(&name);
        fs::create_dir_all(to.parent().unwrap()).unwrap();
        let mut file = fs::File::create(&to).unwrap();
        std::io::copy(&mut entry, &mut file).unwrap();
        fs::set_permissions(&to, fs::Permissions::from_mode(0o644)).unwrap();
    }
    println!("{}:\n  {}", jar.display(), listing.join("\n  "));
    for b in &built {
        let arch = stormpack::target::spec(&b.target).unwrap().arch;
        let name = format!("resources/bin/{arch}/{}", b.component);
        assert!(
            listing.contains(&format!("755 {name}")),
            "{name} in {listing:?}"
        );
        assert!(listing.contains(&format!("755 resources/{}.sh", b.component)));
        let (ours, theirs) = (sha256(&b.path), sha256(&run.path().join(&name)));
        println!("{name}: library build {ours}, jar built elsewhere {theirs}");
        assert_eq!(ours, theirs, "{name}");
    }
    let resources = run.path().join("resources");
    let out = run_launcher("sh", &resources, "probe-spout", &[]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "probe-spout arch=x86_64 args=[first,second arg]\n"
    );
    converse(&resources, &[]);
}

#[test]
fn two_target_build_stages_launchers_that_survive_lost_exec_bits() {
    let (dir, built) = build_two_targets();
    let summary: Vec<(String, String, String)> = built
        .iter()
        .map(|b| (b.component.clone(), b.target.clone(), b.elf.describe()))
        .collect();
    for (c, t, e) in &summary {
        println!("ELF check: {c} for {t}: {e}");
    }
    assert_eq!(
        summary,
        [
            ("probe-spout", X86, "ELF64 LE x86_64 static"),
            ("probe-bolt", X86, "ELF64 LE x86_64 static"),
            ("upper-bolt", X86, "ELF64 LE x86_64 static"),
            ("probe-spout", ARM, "ELF64 LE aarch64 static"),
            ("probe-bolt", ARM, "ELF64 LE aarch64 static"),
            ("upper-bolt", ARM, "ELF64 LE aarch64 static"),
        ]
        .map(|(c, t, e)| (c.to_string(), t.to_string(), e.to_string()))
    );
    for b in &built {
        assert!(
            b.path.starts_with(dir.join("target/stormpack/bin")),
            "{}",
            b.path.display()
        );
    }

    let mut staging = Staging::new();
    launcher::stage(&built, &mut staging).unwrap();
    let listing: Vec<String> = staging
        .entries()
        .map(|e| format!("{} {}", if e.executable { "0755" } else { "0644" }, e.path))
        .collect();
    println!("staged jar paths:\n  {}", listing.join("\n  "));
    assert_eq!(
        listing,
        [
            "0755 resources/bin/aarch64/probe-bolt",
            "0755 resources/bin/aarch64/probe-spout",
            "0755 resources/bin/aarch64/upper-bolt",
            "0755 resources/bin/x86_64/probe-bolt",
            "0755 resources/bin/x86_64/probe-spout",
            "0755 resources/bin/x86_64/upper-bolt",
            "0755 resources/probe-bolt.sh",
            "0755 resources/probe-spout.sh",
            "0755 resources/upper-bolt.sh",
        ]
    );

    let run = tempfile::tempdir().unwrap();
    let resources = extract_resources(&staging, run.path());
    let x86_bin = resources.join("bin/x86_64/probe-spout");
    assert_eq!(mode(&x86_bin), 0o644);

    // Native x86_64, with the shell Storm's `sh` is here (dash) and with bash.
    for shell in ["sh", "dash", "bash"] {
        if !on_path(shell) {
            println!("SKIPPED {shell}: not installed");
            continue;
        }
        let out = run_launcher(shell, &resources, "probe-spout", &[]);
        assert!(out.status.success(), "{shell}: {out:?}");
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            "probe-spout arch=x86_64 args=[first,second arg]\n"
        );
        assert!(out.stderr.is_empty(), "{shell}: {out:?}");
    }
    assert_eq!(
        mode(&x86_bin) & 0o100,
        0o100,
        "the launcher restores the exec bit in place"
    );

    // `uname -m` spelled the BSD/macOS way maps to the same binary.
    let amd64 = uname_shim(run.path(), "amd64");
    let out = run_launcher(
        "sh",
        &resources,
        "probe-bolt",
        &[("PATH", with_path(&amd64))],
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "probe-bolt arch=x86_64 args=[first,second arg]\n"
    );

    // aarch64: the launcher picks bin/aarch64/, restores its bit, and runs it (under qemu here).
    let arm_bin = resources.join("bin/aarch64/probe-bolt");
    assert_eq!(mode(&arm_bin), 0o644);
    for machine in ["aarch64", "arm64"] {
        let shim = uname_shim(run.path(), machine);
        match qemu() {
            Some(qemu) => {
                let envs = [
                    ("PATH", with_path(&shim)),
                    ("STORMPACK_LAUNCH_WRAPPER", qemu.display().to_string()),
                ];
                let out = run_launcher("sh", &resources, "probe-bolt", &envs);
                assert!(out.status.success(), "{out:?}");
                assert_eq!(
                    String::from_utf8_lossy(&out.stdout),
                    "probe-bolt arch=aarch64 args=[first,second arg]\n"
                );
            }
            None => skip_outside_ci(
                "running the aarch64 binary: qemu-aarch64-static not found (install \
                 qemu-user-static; scripts/setup.sh does)",
            ),
        }
    }
    assert_eq!(mode(&arm_bin) & 0o100, 0o100);

    // An architecture the jar has no binary for: a clear message, nothing on stdout.
    let riscv = uname_shim(run.path(), "riscv64");
    let out = run_launcher(
        "sh",
        &resources,
        "probe-spout",
        &[("PATH", with_path(&riscv))],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("architecture 'riscv64'"), "{stderr}");
    assert!(
        stderr.contains("this jar has binaries for: aarch64 x86_64"),
        "{stderr}"
    );
    assert!(stderr.contains("stormpack build --target"), "{stderr}");
}

/// Start `upper-bolt` (written with stormpack-multilang) the way Storm does — `sh upper-bolt.sh`
/// in the extracted 0644 `resources/` — and hold a protocol conversation with it: handshake
/// (pid file, pid reply equal to the process Storm started, proving the launcher `exec`s), a
/// tuple (anchored emit + ack), a heartbeat (sync). Returns the messages the bolt sent.
fn converse(resources: &Path, envs: &[(&str, String)]) -> Vec<serde_json::Value> {
    use std::io::Write;
    let pid_dir = tempfile::tempdir().unwrap();
    let mut cmd = Command::new("sh");
    cmd.arg("upper-bolt.sh")
        .current_dir(resources)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    let handshake = serde_json::json!({
        "pidDir": pid_dir.path(),
        "conf": {"topology.name": "probe-topology"},
        "context": {
            "taskid": 3,
            "componentid": "upper-bolt",
            "task->component": {"1": "probe-spout", "2": "probe-bolt", "3": "upper-bolt", "-1": "__system"},
            "streams": ["default"],
            "stream->outputfields": {"default": ["upper"]},
            "source->stream->fields": {"probe-bolt": {"default": ["word"]}}
        }
    });
    let tuple = serde_json::json!({"id": "t-1", "comp": "probe-bolt", "stream": "default", "task": 2, "tuple": ["hello"]});
    let heartbeat = serde_json::json!({"id": "-1", "comp": null, "stream": "__heartbeat", "task": -1, "tuple": []});
    let mut stdin = child.stdin.take().unwrap();
    for m in [handshake, tuple, heartbeat] {
        write!(stdin, "{m}\nend\n").unwrap();
    }
    drop(stdin);
    let pid = child.id();
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    println!(
        "upper-bolt via sh upper-bolt.sh {envs:?}: exit {}\n--- stdout ---\n{stdout}--- stderr ---\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let messages: Vec<serde_json::Value> = stdout
        .split("\nend\n")
        .filter(|m| !m.trim().is_empty())
        .map(|m| serde_json::from_str(m).unwrap())
        .collect();
    assert_eq!(
        messages[0],
        serde_json::json!({"pid": pid}),
        "the pid Storm sees is the bolt's own"
    );
    assert!(pid_dir.path().join(pid.to_string()).is_file(), "pid file");
    messages
}

#[test]
fn multilang_bolt_speaks_the_protocol_through_its_launcher() {
    let (_dir, built) = build_two_targets();
    let mut staging = Staging::new();
    launcher::stage(&built, &mut staging).unwrap();
    let run = tempfile::tempdir().unwrap();
    let resources = extract_resources(&staging, run.path());
    let mut runs = vec![("x86_64", Vec::new())];
    match qemu() {
        Some(qemu) => runs.push((
            "aarch64",
            vec![
                ("PATH", with_path(&uname_shim(run.path(), "aarch64"))),
                ("STORMPACK_LAUNCH_WRAPPER", qemu.display().to_string()),
            ],
        )),
        None => skip_outside_ci("the aarch64 conversation: qemu-aarch64-static not found"),
    }
    for (arch, envs) in runs {
        let messages = converse(&resources, &envs);
        let rest: Vec<serde_json::Value> = messages[1..]
            .iter()
            .filter(|m| m["command"] != "log")
            .cloned()
            .collect();
        assert_eq!(
            rest,
            [
                serde_json::json!({"command": "emit", "anchors": ["t-1"], "tuple": ["HELLO"], "need_task_ids": false}),
                serde_json::json!({"command": "ack", "id": "t-1"}),
                serde_json::json!({"command": "sync"}),
            ],
            "{arch}"
        );
        assert_eq!(
            mode(&resources.join(format!("bin/{arch}/upper-bolt"))) & 0o100,
            0o100
        );
    }
}

/// The launcher needs nothing beyond busybox (an Alpine-like node): busybox `sh` with a PATH that
/// holds only busybox applets, both when it can chmod in place and when it must copy.
#[test]
fn launcher_runs_with_busybox_alone() {
    let Some(busybox) = ["/usr/bin/busybox", "/bin/busybox"]
        .into_iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
    else {
        skip_outside_ci("busybox not installed (scripts/setup.sh installs it)");
        return;
    };
    let (_dir, built) = build_two_targets();
    let mut staging = Staging::new();
    launcher::stage(&built, &mut staging).unwrap();
    let run = tempfile::tempdir().unwrap();
    let resources = extract_resources(&staging, run.path());
    let applets = run.path().join("busybox-bin");
    fs::create_dir_all(&applets).unwrap();
    for applet in [
        "sh", "dirname", "uname", "chmod", "id", "mkdir", "find", "cp", "mv", "rm",
    ] {
        std::os::unix::fs::symlink(&busybox, applets.join(applet)).unwrap();
    }
    let bb = |envs: &[(&str, String)]| {
        let mut cmd = Command::new(&busybox);
        cmd.args(["sh", "probe-spout.sh", "x"])
            .current_dir(&resources)
            .env_clear()
            .env("PATH", &applets);
        for (k, v) in envs {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        println!("busybox sh probe-spout.sh x {envs:?}: {out:?}");
        assert!(out.status.success(), "{out:?}");
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            "probe-spout arch=x86_64 args=[x]\n"
        );
    };
    // A chmod that refuses the in-place `u+x` forces the private copy.
    let refusing = run.path().join("refusing-chmod");
    fs::create_dir_all(&refusing).unwrap();
    fs::write(
        refusing.join("chmod"),
        format!(
            "#!{} sh\nif [ \"$1\" = u+x ]; then exit 1; fi\nexec {} chmod \"$@\"\n",
            busybox.display(),
            busybox.display()
        ),
    )
    .unwrap();
    fs::set_permissions(refusing.join("chmod"), fs::Permissions::from_mode(0o755)).unwrap();
    let tmpdir = run.path().join("tmp");
    fs::create_dir_all(&tmpdir).unwrap();
    bb(&[
        (
            "PATH",
            format!("{}:{}", refusing.display(), applets.display()),
        ),
        ("TMPDIR", tmpdir.display().to_string()),
    ]);
    assert_eq!(mode(&resources.join("bin/x86_64/probe-spout")), 0o644);
    assert_eq!(
        fs::read_dir(&tmpdir).unwrap().count(),
        1,
        "one private cache dir"
    );
    bb(&[]);
    assert_eq!(
        mode(&resources.join("bin/x86_64/probe-spout")) & 0o100,
        0o100
    );
}

/// When the extracted binary cannot be made executable (read-only resources, another owner),
/// the launcher runs a private copy, made once and then reused.
#[test]
fn launcher_uses_a_private_copy_when_chmod_is_refused() {
    let (_dir, built) = build_two_targets();
    let mut staging = Staging::new();
    launcher::stage(&built, &mut staging).unwrap();
    let run = tempfile::tempdir().unwrap();
    let resources = extract_resources(&staging, run.path());
    // A chmod that refuses files under resources/ (as for a file of another owner; root could
    // chmod anything, so the refusal is simulated).
    let shim = run.path().join("shim-chmod");
    fs::create_dir_all(&shim).unwrap();
    // The launcher restores the bit in place with `chmod u+x`; refuse exactly that.
    fs::write(
        shim.join("chmod"),
        "#!/bin/sh\nif [ \"$1\" = u+x ]; then echo \"chmod: refused\" >&2; exit 1; fi\nexec /bin/chmod \"$@\"\n",
    )
    .unwrap();
    fs::set_permissions(shim.join("chmod"), fs::Permissions::from_mode(0o755)).unwrap();
    let tmpdir = run.path().join("tmp");
    fs::create_dir_all(&tmpdir).unwrap();
    let envs = [
        ("PATH", with_path(&shim)),
        ("TMPDIR", tmpdir.display().to_string()),
    ];
    for _ in 0..2 {
        let out = run_launcher("sh", &resources, "probe-spout", &envs);
        assert!(out.status.success(), "{out:?}");
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            "probe-spout arch=x86_64 args=[first,second arg]\n"
        );
    }
    assert_eq!(mode(&resources.join("bin/x86_64/probe-spout")), 0o644);
    let uid = String::from_utf8(Command::new("id").arg("-u").output().unwrap().stdout).unwrap();
    let cache = tmpdir.join(format!("stormpack-{}", uid.trim()));
    assert_eq!(mode(&cache), 0o700);
    let copies: Vec<String> = fs::read_dir(&cache)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(copies.len(), 1, "{copies:?}");
    assert!(copies[0].starts_with("probe-spout-x86_64-"), "{copies:?}");
    assert_eq!(mode(&cache.join(&copies[0])), 0o700);
}

#[test]
fn elf_check_rejects_a_binary_staged_for_the_wrong_target() {
    let (_dir, built) = build_two_targets();
    let mut wrong = built[0].clone();
    assert_eq!(wrong.target, X86);
    wrong.target = ARM.to_string();
    let err = format!(
        "{:#}",
        launcher::stage(&[wrong.clone()], &mut Staging::new()).unwrap_err()
    );
    println!("ELF mismatch: {err}");
    assert!(err.contains(&wrong.path.display().to_string()), "{err}");
    assert!(
        err.contains("is ELF64 LE x86_64 static but it was built for `aarch64-unknown-linux-musl`"),
        "{err}"
    );
}

#[test]
fn cargo_failure_names_the_command_and_shows_rustc_errors() {
    let dir = fixture("rust-compile-error", "compile_error");
    let m = manifest(&dir);
    let err = format!(
        "{:#}",
        cargo_build::build(&m, &[], &dir.join("target")).unwrap_err()
    );
    println!("cargo failure: {err}");
    assert!(err.contains("cargo failed (exit status: 101) building the Rust components for x86_64-unknown-linux-musl"), "{err}");
    assert!(err.contains("error[E0308]: mismatched types"), "{err}");
    assert!(
        err.contains(&format!(
            "command: cd {} && CARGO_TARGET_DIR=",
            dir.display()
        )),
        "{err}"
    );
    assert!(err.contains("build --release --message-format=json-render-diagnostics --target x86_64-unknown-linux-musl --manifest-path"), "{err}");
    assert!(err.contains("--bin broken-bolt"), "{err}");
    assert!(
        !dir.join("target/stormpack/bin").exists(),
        "no binary snapshot after a failure"
    );
}

#[test]
fn missing_component_is_an_error_naming_cargo_toml_and_the_fix() {
    let dir = fixture("rust-missing-component", "missing_component");
    let err = format!("{:#}", rust::load(&dir).unwrap_err());
    println!("missing component: {err}");
    let toml = dir.join("Cargo.toml");
    assert!(err.starts_with(&format!("{}:8: component `ghost-bolt` is not a bin target of package `missing-component` (its bins: real-spout)", toml.display())), "{err}");
    assert!(err.contains("fix: add src/bin/ghost-bolt.rs"), "{err}");
}

#[test]
fn unknown_metadata_key_lists_the_valid_keys() {
    let dir = fixture("rust-bad-metadata", "bad_metadata");
    let err = format!("{:#}", rust::load(&dir).unwrap_err());
    println!("bad metadata: {err}");
    assert!(
        err.contains(
            "unknown key `group_id` in [package.metadata.stormpack] (did you mean `group-id`?)"
        ),
        "{err}"
    );
    assert!(
        err.contains("fix: use only these keys: group-id, artifact-id, version, topology"),
        "{err}"
    );
}

#[test]
fn missing_target_toolchain_gives_the_rustup_command() {
    // A supported triple that is not installed here; rustup-managed toolchains report an empty
    // or missing libdir for it.
    let triple = "aarch64-unknown-linux-gnu";
    let libdir = Command::new("rustc")
        .args(["--print", "target-libdir", "--target", triple])
        .output()
        .unwrap();
    let libdir = PathBuf::from(String::from_utf8_lossy(&libdir.stdout).trim());
    let installed = fs::read_dir(&libdir).is_ok_and(|entries| {
        entries
            .flatten()
            .any(|e| e.file_name().to_string_lossy().starts_with("libcore-"))
    });
    if installed {
        println!("SKIPPED: {triple} is installed on this machine; the unit test cargo_build::tests::missing_target_names_rustup_command covers the message");
        return;
    }
    let (dir, m) = {
        let dir = fixture("rust-first", "missing_target");
        let m = manifest(&dir);
        (dir, m)
    };
    let err = format!(
        "{:#}",
        cargo_build::build(
            &m,
            &[X86.to_string(), triple.to_string()],
            &dir.join("target")
        )
        .unwrap_err()
    );
    println!("missing target: {err}");
    assert!(
        err.contains(&format!("the Rust target `{triple}` is not installed")),
        "{err}"
    );
    assert!(
        err.contains(&format!("fix: rustup target add {triple}")),
        "{err}"
    );
}

#[test]
fn defaults_and_validation_of_a_minimal_manifest() {
    let dir = tmp_root().join("minimal").join("p");
    fs::create_dir_all(dir.join("src/bin")).unwrap();
    fs::write(dir.join("src/bin/b-bolt.rs"), "fn main() {}\n").unwrap();
    fs::write(dir.join("src/bin/a-spout.rs"), "fn main() {}\n").unwrap();
    fs::write(dir.join("topology.yaml"), "name: t\n").unwrap();
    let write = |meta: &str| {
        fs::write(
            dir.join("Cargo.toml"),
            format!("[package]\nname = \"mini\"\nversion = \"0.2.1\"\nedition = \"2021\"\n\n[package.metadata.stormpack]\n{meta}\n[workspace]\n"),
        )
        .unwrap();
    };
    write("group-id = \"org.example\"\n");
    let m = rust::load(&dir).unwrap().unwrap();
    assert_eq!(
        (
            m.group_id.as_str(),
            m.artifact_id.as_str(),
            m.version.as_str()
        ),
        ("org.example", "mini", "0.2.1")
    );
    assert_eq!(m.topology, Path::new("topology.yaml"));
    assert_eq!(m.storm_version, stormpack::plan::DEFAULT_STORM_VERSION);
    let mut components = m.components.clone();
    components.sort();
    assert_eq!(components, ["a-spout", "b-bolt"]);
    assert_eq!(m.targets, [X86]);
    assert!(m.dependencies.is_empty(), "the plan supplies the defaults");

    for (meta, expected) in [
        ("", "has no `group-id`"),
        ("group-id = \"g\"\ntargets = [\"x86_64-pc-windows-msvc\"]\n", "unsupported target `x86_64-pc-windows-msvc`"),
        ("group-id = \"g\"\ntargets = [\"x86_64-unknown-linux-musl\", \"x86_64-unknown-linux-gnu\"]\n", "both build x86_64 binaries"),
        ("group-id = \"g\"\ndependencies = [\"org.apache.storm:flux-core\"]\n", "is not a dependency coordinate"),
        ("group-id = \"\"\n", "`group-id` = \"\" is not a valid Maven coordinate part"),
        ("group-id = \"g\"\ntopology = \"../outside.yaml\"\n", "is not a relative path inside the project"),
        ("group-id = \"g\"\ntopology = \"missing.yaml\"\n", "the topology file"),
        ("group-id = \"g\"\ncomponents = \"a-spout\"\n", "`components` must be a list of strings"),
        ("group-id = \"g\"\ncomponents = []\n", "has no components"),
    ] {
        write(meta);
        let err = format!("{:#}", rust::load(&dir).unwrap_err());
        assert!(err.contains(expected), "{meta:?}: {err}");
        assert!(err.contains("Cargo.toml:6"), "{meta:?}: {err}");
    }

    // No table: not a Rust-first project.
    fs::write(
        dir.join("Cargo.toml"),
        "[package]\nname = \"mini\"\nversion = \"0.2.1\"\nedition = \"2021\"\n[workspace]\n",
    )
    .unwrap();
    assert!(rust::load(&dir).unwrap().is_none());
}

#[test]
fn path_dependencies_outside_the_workspace_are_reported() {
    // A path dependency outside the project's workspace: cargo hashes its absolute path into
    // symbol names, which the build reports as a note.
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let write = |path: &str, text: &str| {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write(
        "helper/Cargo.toml",
        "[package]\nname = \"helper\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    );
    write("helper/src/lib.rs", "");
    let manifest = |dep: &str| {
        format!(
            "[package]\nname = \"inside\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
             [workspace]\n\n[dependencies]\nhelper = {{ path = \"{dep}\" }}\n\n\
             [package.metadata.stormpack]\ngroup-id = \"g\"\ntopology = \"topology.yaml\"\n"
        )
    };
    write("outside/Cargo.toml", &manifest("../helper"));
    write("outside/src/bin/bolt.rs", "fn main() {}\n");
    write("outside/topology.yaml", "name: outside\n");
    let m = rust::load(&root.join("outside")).unwrap().unwrap();
    assert_eq!(
        m.outside_path_dependencies.len(),
        1,
        "{:?}",
        m.outside_path_dependencies
    );
    assert!(m.outside_path_dependencies[0].starts_with("helper ("));

    // A project whose path dependency lives inside its own workspace has none.
    write("inside/Cargo.toml", &manifest("helper"));
    write("inside/src/bin/bolt.rs", "fn main() {}\n");
    write(
        "inside/helper/Cargo.toml",
        "[package]\nname = \"helper\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    );
    write("inside/helper/src/lib.rs", "");
    write("inside/topology.yaml", "name: inside\n");
    let m = rust::load(&root.join("inside")).unwrap().unwrap();
    assert!(
        m.outside_path_dependencies.is_empty(),
        "{:?}",
        m.outside_path_dependencies
    );

    // The example's dependency on crates/multilang is inside the repository's workspace.
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/wordcount");
    let m = rust::load(&example).unwrap().unwrap();
    assert!(
        m.outside_path_dependencies.is_empty(),
        "{:?}",
        m.outside_path_dependencies
    );
}

/// The README's example builds byte-identical jars from two checkouts at different paths (each
/// with its own cargo target directory), without the outside-path-dependency note.
#[test]
fn example_jar_is_identical_from_any_checkout_directory() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tmp = tempfile::tempdir().unwrap();
    let checkouts = [
        tmp.path().join("one"),
        tmp.path().join("two/a-longer/checkout-path"),
    ];
    let mut digests = Vec::new();
    for checkout in &checkouts {
        // What a checkout holds that the example's build reads: the workspace manifest and lock,
        // the library crate and the example.
        fs::create_dir_all(checkout).unwrap();
        for file in ["Cargo.toml", "Cargo.lock"] {
            fs::copy(repo.join(file), checkout.join(file)).unwrap();
        }
        for dir in ["src", "crates/multilang", "examples/wordcount"] {
            copy_verbatim(&repo.join(dir), &checkout.join(dir));
        }
        let project = checkout.join("examples/wordcount");
        let out = Command::new(env!("CARGO_BIN_EXE_stormpack"))
            .args(["build", "--json", "--target", X86, "--project"])
            .arg(&project)
            .env_remove("CARGO_TARGET_DIR")
            .env_remove("SOURCE_DATE_EPOCH")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{stderr}");
        assert!(!stderr.contains("outside the Cargo workspace"), "{stderr}");
        let outcome: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let jar = PathBuf::from(outcome["jar"].as_str().unwrap());
        assert!(jar.starts_with(checkout), "{}", jar.display());
        let component = checkout.join(format!("target/{X86}/release/split-bolt"));
        assert!(component.is_file(), "{} was not built", component.display());
        digests.push(outcome["sha256"].as_str().unwrap().to_string());
    }
    assert_eq!(digests[0], digests[1], "the jars differ between checkouts");
}

/// A missing tool skips a check on a developer machine but fails it in CI, where
/// scripts/setup.sh installs it.
fn skip_outside_ci(why: &str) {
    assert!(std::env::var_os("CI").is_none(), "CI must have it: {why}");
    println!("SKIPPED {why}");
}
