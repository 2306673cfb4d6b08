//! Runs cargo for each requested target (`--release --message-format=json-render-diagnostics`),
//! takes the component binaries from cargo's artifact messages, and checks every binary's ELF
//! header against its target.
//!
//! Before anything is compiled, every target's standard library must be installed (else the
//! error gives the `rustup target add` command). Cargo builds in the package's own target
//! directory (as `cargo metadata` reports it), so repeated builds reuse its cache; cargo's
//! diagnostics stream to stderr as cargo renders them. The binaries are then copied to
//! `<out_dir>/stormpack/bin/<triple>/<component>`, a snapshot that later cargo runs do not touch.

mod linker;

use crate::report::{notify, Event};
use std::collections::BTreeMap;
use std::ffi::OsString;
use std::io::{BufRead, BufReader, IsTerminal};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{bail, Context};
use cargo_metadata::{Message, TargetKind};

use crate::elf::{self, ElfInfo};
use crate::manifest::rust::RustManifest;
use crate::target::{self, TargetSpec};

use crate::error::Diagnostic;
pub use linker::linker_env_var;

/// One built component binary.
#[derive(Debug, Clone, serde::Serialize)]
pub struct BuiltBinary {
    /// The bin target name (= component name).
    pub component: String,
    pub target: String,
    /// The snapshot under `<out_dir>/stormpack/bin/<target>/<component>`.
    pub path: PathBuf,
    /// What its ELF header says (checked against `target`).
    pub elf: ElfInfo,
}

/// Build every component of `manifest` for each of `targets` (empty: the manifest's targets,
/// whose default is `x86_64-unknown-linux-musl`), in target order then component order.
pub fn build(
    manifest: &RustManifest,
    targets: &[String],
    out_dir: &Path,
) -> anyhow::Result<Vec<BuiltBinary>> {
    build_with(&Tools::from_env(), manifest, targets, out_dir)
}

/// The programs a build runs.
struct Tools {
    /// `$CARGO` when stormpack itself runs under cargo, else `cargo` on PATH.
    cargo: OsString,
    /// `$RUSTC`, else `rustc` on PATH (a rustup proxy picks the project's toolchain).
    rustc: OsString,
}

impl Tools {
    fn from_env() -> Self {
        Tools {
            cargo: std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()),
            rustc: std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into()),
        }
    }
}

fn build_with(
    tools: &Tools,
    manifest: &RustManifest,
    targets: &[String],
    out_dir: &Path,
) -> anyhow::Result<Vec<BuiltBinary>> {
    let triples = if targets.is_empty() {
        manifest.targets.clone()
    } else {
        targets.to_vec()
    };
    if triples.is_empty() {
        bail!(
            Diagnostic::new("no target to build the Rust components for")
                .fix(format!("pass --target {}", target::DEFAULT_TARGET))
        );
    }
    let specs = target::check_list(&triples)?;
    for spec in &specs {
        check_installed(&tools.rustc, spec, &manifest.project_dir)?;
    }
    let mut built = Vec::new();
    for spec in specs {
        let mut env = vec![(
            "CARGO_TARGET_DIR".to_string(),
            manifest.target_directory.display().to_string(),
        )];
        env.extend(linker::linker_override(
            spec,
            &manifest.project_dir,
            &tools.rustc,
        )?);
        let produced = run_cargo(tools, manifest, spec, &env)?;
        for component in &manifest.components {
            let Some(path) = produced.get(component) else {
                bail!(Diagnostic::new(format!(
                    "cargo succeeded but produced no binary for component `{component}` (target \
                     {})\n  command: {}",
                    spec.triple,
                    command_line(tools, manifest, spec, &env),
                ))
                .fix(format!(
                    "check that the bin `{component}` in {} builds with `--release --target \
                     {}` (required-features, a `[[bin]]` path)",
                    manifest.manifest_path.display(),
                    spec.triple
                )));
            };
            let info = elf::check(path, spec)?;
            let snapshot = snapshot(path, out_dir, spec.triple, component)?;
            built.push(BuiltBinary {
                component: component.clone(),
                target: spec.triple.to_string(),
                path: snapshot,
                elf: info,
            });
        }
    }
    Ok(built)
}

/// The target's standard library must be installed for the toolchain cargo will use here.
fn check_installed(rustc: &OsString, spec: &TargetSpec, project_dir: &Path) -> anyhow::Result<()> {
    let out = Command::new(rustc)
        .current_dir(project_dir)
        .args(["--print", "target-libdir", "--target", spec.triple])
        .stderr(Stdio::inherit())
        .output()
        .with_context(|| {
            Diagnostic::new(format!("cannot run `{}`", rustc.to_string_lossy()))
                .fix("install Rust (https://rustup.rs) or set RUSTC")
        })?;
    if !out.status.success() {
        bail!(Diagnostic::new(format!(
            "`{} --print target-libdir --target {}` failed ({})",
            rustc.to_string_lossy(),
            spec.triple,
            out.status,
        ))
        .fix(format!(
            "check the Rust toolchain selected in {}",
            project_dir.display()
        )));
    }
    let libdir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    let has_std = std::fs::read_dir(&libdir).is_ok_and(|entries| {
        entries.flatten().any(|e| {
            let name = e.file_name();
            let name = name.to_string_lossy();
            name.starts_with("libcore-") && name.ends_with(".rlib")
        })
    });
    if !has_std {
        bail!(Diagnostic::new(format!(
            "the Rust target `{triple}` is not installed for the toolchain used in {dir} (no \
             standard library in {libdir})",
            triple = spec.triple,
            dir = project_dir.display(),
            libdir = libdir.display(),
        ))
        .fix(format!(
            "rustup target add {}{}",
            spec.triple,
            toolchain_flag(&libdir)
        )));
    }
    Ok(())
}

/// ` --toolchain <name>` when the toolchain is pinned (RUSTUP_TOOLCHAIN or a rust-toolchain file)
/// and the libdir shows its rustup name, so the command fixes the toolchain cargo will use.
fn toolchain_flag(libdir: &Path) -> String {
    // <rustup home>/toolchains/<name>/lib/rustlib/<triple>/lib
    let name = libdir
        .ancestors()
        .nth(4)
        .filter(|sysroot| {
            sysroot
                .parent()
                .and_then(|p| p.file_name())
                .is_some_and(|n| n == "toolchains")
        })
        .and_then(|sysroot| sysroot.file_name())
        .map(|n| n.to_string_lossy().into_owned());
    let pinned = std::env::var_os("RUSTUP_TOOLCHAIN").is_some();
    match name {
        Some(name) if pinned => format!(" --toolchain {name}"),
        _ => String::new(),
    }
}

fn cargo_args(manifest: &RustManifest, spec: &TargetSpec) -> Vec<String> {
    let mut args: Vec<String> = [
        "build",
        "--release",
        "--message-format=json-render-diagnostics",
        "--target",
        spec.triple,
        "--manifest-path",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.push(manifest.manifest_path.display().to_string());
    for c in &manifest.components {
        args.push("--bin".to_string());
        args.push(c.clone());
    }
    args
}

/// The exact command, as a user can paste it into a shell.
fn command_line(
    tools: &Tools,
    manifest: &RustManifest,
    spec: &TargetSpec,
    env: &[(String, String)],
) -> String {
    let mut words = vec![
        "cd".to_string(),
        shell_quote(&manifest.project_dir.display().to_string()),
        "&&".to_string(),
    ];
    words.extend(env.iter().map(|(k, v)| format!("{k}={}", shell_quote(v))));
    words.push(shell_quote(&tools.cargo.to_string_lossy()));
    words.extend(cargo_args(manifest, spec).iter().map(|a| shell_quote(a)));
    words.join(" ")
}

fn shell_quote(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c));
    if plain {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// Run cargo for one target; returns component name -> binary path from the artifact messages.
fn run_cargo(
    tools: &Tools,
    manifest: &RustManifest,
    spec: &TargetSpec,
    env: &[(String, String)],
) -> anyhow::Result<BTreeMap<String, PathBuf>> {
    let command = command_line(tools, manifest, spec, env);
    let mut cmd = Command::new(&tools.cargo);
    cmd.current_dir(&manifest.project_dir)
        .args(cargo_args(manifest, spec))
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if std::io::stderr().is_terminal() {
        cmd.arg("--color=always");
    }
    let mut child = cmd.spawn().with_context(|| {
        Diagnostic::new(format!("cannot start cargo\n  command: {command}"))
            .fix("install Rust (https://rustup.rs) or set CARGO")
    })?;
    let stderr = child
        .stderr
        .take()
        .context("cargo's stderr was not captured")?;
    // Forward cargo's rendered diagnostics as they come, keeping the `error` lines for the message.
    let forward = std::thread::spawn(move || {
        let mut errors = Vec::new();
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            let plain = strip_ansi(&line);
            notify(Event::ToolOutput(line));
            if plain.starts_with("error") && errors.len() < 20 {
                errors.push(plain);
            }
        }
        errors
    });
    let mut produced = BTreeMap::new();
    let stdout = child
        .stdout
        .take()
        .context("cargo's stdout was not captured")?;
    for message in Message::parse_stream(BufReader::new(stdout)) {
        match message.context("cannot read cargo's JSON messages")? {
            Message::CompilerArtifact(artifact) => {
                let is_component = artifact.target.kind.contains(&TargetKind::Bin)
                    && manifest.components.contains(&artifact.target.name);
                if let (true, Some(exe)) = (is_component, artifact.executable) {
                    produced.insert(artifact.target.name.clone(), exe.into_std_path_buf());
                }
            }
            Message::CompilerMessage(msg) => {
                if let Some(rendered) = msg.message.rendered {
                    notify(Event::ToolOutput(rendered));
                }
            }
            Message::TextLine(line) => notify(Event::ToolOutput(line)),
            _ => {}
        }
    }
    let status = child.wait().context("cargo did not finish")?;
    let errors = forward.join().unwrap_or_default();
    if !status.success() {
        let summary = if errors.is_empty() {
            String::new()
        } else {
            format!("\n  {}", errors.join("\n  "))
        };
        bail!(Diagnostic::new(format!(
            "cargo failed ({status}) building the Rust components for {}; its diagnostics are \
             above{summary}\n  command: {command}",
            spec.triple
        ))
        .fix("fix the errors cargo reports, then run the build again"));
    }
    Ok(produced)
}

fn strip_ansi(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            // CSI: ESC [ params final-byte
            if chars.next() == Some('[') {
                for c in chars.by_ref() {
                    if ('@'..='~').contains(&c) {
                        break;
                    }
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Copy a cargo output to `<out_dir>/stormpack/bin/<triple>/<component>` (temp file + rename).
fn snapshot(path: &Path, out_dir: &Path, triple: &str, component: &str) -> anyhow::Result<PathBuf> {
    let dir = out_dir.join("stormpack").join("bin").join(triple);
    fs_err::create_dir_all(&dir)?;
    let dest = dir.join(component);
    let tmp = dir.join(format!(".{component}.tmp"));
    fs_err::copy(path, &tmp)?;
    fs_err::rename(&tmp, &dest)?;
    Ok(dest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ansi_is_stripped() {
        assert_eq!(
            strip_ansi("\u{1b}[0m\u{1b}[1m\u{1b}[38;5;9merror[E0308]\u{1b}[0m: mismatched"),
            "error[E0308]: mismatched"
        );
    }

    #[test]
    fn quoting() {
        assert_eq!(shell_quote("--bin"), "--bin");
        assert_eq!(shell_quote("/a b/c"), "'/a b/c'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
    }

    #[cfg(unix)]
    fn script(path: &Path, text: &str) {
        use std::os::unix::fs::PermissionsExt;
        std::fs::write(path, text).unwrap();
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    /// cargo succeeds but its messages name no binary for a declared component.
    #[cfg(unix)]
    #[test]
    fn a_component_cargo_did_not_produce_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let libdir = dir.path().join("sysroot/lib/rustlib/t/lib");
        std::fs::create_dir_all(&libdir).unwrap();
        std::fs::write(libdir.join("libcore-0.rlib"), b"").unwrap();
        let rustc = dir.path().join("rustc");
        script(&rustc, &format!("#!/bin/sh\necho '{}'\n", libdir.display()));
        let cargo = dir.path().join("cargo");
        script(
            &cargo,
            "#!/bin/sh\necho '{\"reason\":\"build-finished\",\"success\":true}'\n",
        );
        let tools = Tools {
            cargo: cargo.into_os_string(),
            rustc: rustc.into_os_string(),
        };
        let project = dir.path().join("p");
        std::fs::create_dir_all(&project).unwrap();
        let manifest = RustManifest {
            manifest_path: project.join("Cargo.toml"),
            project_dir: project.clone(),
            target_directory: project.join("target"),
            package_name: "p".into(),
            package_version: "0.1.0".into(),
            group_id: "g".into(),
            artifact_id: "a".into(),
            version: "1".into(),
            topology: "topology.yaml".into(),
            resources: Vec::new(),
            storm_version: "2.8.3".into(),
            components: vec!["split-bolt".into()],
            targets: vec!["aarch64-unknown-linux-musl".into()],
            dependencies: Vec::new(),
            java_sources: None,
            outside_path_dependencies: Vec::new(),
        };
        let err = build_with(&tools, &manifest, &[], &project.join("target"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("cargo succeeded but produced no binary for component `split-bolt` (target aarch64-unknown-linux-musl)"),
            "{err}"
        );
        assert!(err.contains("--target aarch64-unknown-linux-musl"), "{err}");
        assert!(err.contains("--bin split-bolt"), "{err}");
        let spec = target::spec("aarch64-unknown-linux-musl").unwrap();
        if let Some((var, value)) = linker::linker_override(spec, &project, &tools.rustc).unwrap() {
            assert!(err.contains(&format!("{var}={value} ")), "{err}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn missing_target_names_rustup_command() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        // A rustc whose target libdir is empty: the target is not installed.
        let libdir = dir
            .path()
            .join("sysroot/lib/rustlib/aarch64-unknown-linux-musl/lib");
        std::fs::create_dir_all(&libdir).unwrap();
        let fake = dir.path().join("rustc");
        std::fs::write(&fake, format!("#!/bin/sh\necho '{}'\n", libdir.display())).unwrap();
        std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
        let spec = target::spec("aarch64-unknown-linux-musl").unwrap();
        let err = check_installed(&fake.into_os_string(), spec, dir.path())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("fix: rustup target add aarch64-unknown-linux-musl"),
            "{err}"
        );
        assert!(err.contains("is not installed"), "{err}");
        // Once the standard library is there, the check passes.
        std::fs::write(libdir.join("libcore-0123.rlib"), b"").unwrap();
        let fake = dir.path().join("rustc").into_os_string();
        check_installed(&fake, spec, dir.path()).unwrap();
    }
}
