//! Which linker a cross build needs, and whether the user already chose one. A musl target for
//! another architecture links with `rust-lld` (shipped with every rustup toolchain; rustc links
//! musl targets self-contained by default), but only when neither the environment nor a cargo
//! config file names a linker for that target: the user's choice always wins.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use anyhow::Context;
use cargo_platform::{Cfg, Platform};
use toml::{Table, Value};

use crate::target::TargetSpec;

/// The environment variable cargo reads for `target.<triple>.linker`.
pub fn linker_env_var(triple: &str) -> String {
    format!(
        "CARGO_TARGET_{}_LINKER",
        triple.to_uppercase().replace(['-', '.'], "_")
    )
}

/// The `(variable, value)` stormpack sets for this target, or `None` when cargo's own default
/// works (native musl builds link with `cc`) or the user configured a linker.
pub fn linker_override(
    spec: &TargetSpec,
    project_dir: &Path,
    rustc: &OsString,
) -> anyhow::Result<Option<(String, String)>> {
    if !spec.must_be_static || spec.arch == std::env::consts::ARCH {
        return Ok(None);
    }
    if user_configured(spec.triple, project_dir, rustc, &|k| std::env::var_os(k))? {
        return Ok(None);
    }
    Ok(Some((linker_env_var(spec.triple), "rust-lld".to_string())))
}

/// Does the environment or any cargo config file cargo would read from `project_dir` name a
/// linker for `triple` (`target.<triple>.linker`, a matching `target.'cfg(..)'.linker`, or
/// `-C linker=` in rustflags)?
fn user_configured(
    triple: &str,
    project_dir: &Path,
    rustc: &OsString,
    env: &dyn Fn(&str) -> Option<OsString>,
) -> anyhow::Result<bool> {
    if env(&linker_env_var(triple)).is_some() {
        return Ok(true);
    }
    for var in ["RUSTFLAGS", "CARGO_ENCODED_RUSTFLAGS"] {
        if env(var).is_some_and(|v| v.to_string_lossy().contains("linker=")) {
            return Ok(true);
        }
    }
    let mut cfgs: Option<Vec<Cfg>> = None;
    for file in config_files(project_dir, env) {
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        let table: Table = text
            .parse()
            .with_context(|| format!("cannot parse the cargo config file {}", file.display()))?;
        if rustflags_set_linker(table.get("build").and_then(|b| b.get("rustflags"))) {
            return Ok(true);
        }
        let Some(targets) = table.get("target").and_then(Value::as_table) else {
            continue;
        };
        for (key, section) in targets {
            let names_linker =
                section.get("linker").is_some() || rustflags_set_linker(section.get("rustflags"));
            if !names_linker {
                continue;
            }
            if key == triple {
                return Ok(true);
            }
            if key.starts_with("cfg(") {
                if cfgs.is_none() {
                    cfgs = Some(target_cfgs(rustc, triple, project_dir)?);
                }
                let applies = match Platform::from_str(key) {
                    Ok(platform) => platform.matches(triple, cfgs.as_deref().unwrap_or(&[])),
                    Err(_) => false,
                };
                if applies {
                    return Ok(true);
                }
            }
        }
    }
    Ok(false)
}

fn rustflags_set_linker(value: Option<&Value>) -> bool {
    match value {
        Some(Value::String(s)) => s.contains("linker="),
        Some(Value::Array(a)) => a
            .iter()
            .any(|v| v.as_str().is_some_and(|s| s.contains("linker="))),
        _ => false,
    }
}

/// The config files cargo reads, most specific first: `.cargo/config.toml` (or `.cargo/config`)
/// in the project directory and each parent, then in `$CARGO_HOME`.
fn config_files(project_dir: &Path, env: &dyn Fn(&str) -> Option<OsString>) -> Vec<PathBuf> {
    let start = std::fs::canonicalize(project_dir).unwrap_or_else(|_| project_dir.to_path_buf());
    let mut dirs: Vec<PathBuf> = start.ancestors().map(|d| d.join(".cargo")).collect();
    let cargo_home = env("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| env("HOME").map(|h| PathBuf::from(h).join(".cargo")));
    if let Some(home) = cargo_home {
        if !dirs.contains(&home) {
            dirs.push(home);
        }
    }
    let mut files = Vec::new();
    for dir in dirs {
        for name in ["config.toml", "config"] {
            let file = dir.join(name);
            if file.is_file() {
                files.push(file);
                break;
            }
        }
    }
    files
}

/// `rustc --print cfg --target <triple>`, parsed.
fn target_cfgs(rustc: &OsString, triple: &str, project_dir: &Path) -> anyhow::Result<Vec<Cfg>> {
    let out = std::process::Command::new(rustc)
        .current_dir(project_dir)
        .args(["--print", "cfg", "--target", triple])
        .output()
        .with_context(|| format!("cannot run `{} --print cfg`", rustc.to_string_lossy()))?;
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| Cfg::from_str(l).ok())
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<OsString> {
        None
    }

    const TRIPLE: &str = "aarch64-unknown-linux-musl";

    fn configured(config: Option<&str>, env: &dyn Fn(&str) -> Option<OsString>) -> bool {
        let dir = tempfile::tempdir().unwrap();
        let project = dir.path().join("p");
        std::fs::create_dir_all(project.join(".cargo")).unwrap();
        if let Some(c) = config {
            std::fs::write(project.join(".cargo/config.toml"), c).unwrap();
        }
        // CARGO_HOME is pointed at the empty temp dir so the machine's own config is not read.
        let home = dir.path().join("home").into_os_string();
        let env = |k: &str| {
            if k == "CARGO_HOME" {
                Some(home.clone())
            } else {
                env(k)
            }
        };
        user_configured(TRIPLE, &project, &OsString::from("rustc"), &env).unwrap()
    }

    #[test]
    fn env_var_name() {
        assert_eq!(
            linker_env_var(TRIPLE),
            "CARGO_TARGET_AARCH64_UNKNOWN_LINUX_MUSL_LINKER"
        );
    }

    #[test]
    fn nothing_configured() {
        assert!(!configured(None, &no_env));
        assert!(!configured(
            Some("[target.x86_64-unknown-linux-musl]\nlinker = \"x\"\n"),
            &no_env
        ));
    }

    #[test]
    fn user_choices_win() {
        assert!(configured(
            Some("[target.aarch64-unknown-linux-musl]\nlinker = \"aarch64-linux-musl-gcc\"\n"),
            &no_env
        ));
        assert!(configured(
            Some("target.aarch64-unknown-linux-musl.rustflags = [\"-C\", \"linker=clang\"]\n"),
            &no_env
        ));
        assert!(configured(
            Some("[build]\nrustflags = \"-Clinker=zig-cc\"\n"),
            &no_env
        ));
        assert!(configured(None, &|k: &str| {
            (k == "CARGO_TARGET_AARCH64_UNKNOWN_LINUX_MUSL_LINKER").then(|| "cc".into())
        }));
        assert!(configured(None, &|k: &str| {
            (k == "RUSTFLAGS").then(|| "-C linker=clang".into())
        }));
    }

    #[test]
    fn cfg_sections_are_evaluated() {
        let aarch64 = "[target.'cfg(target_arch = \"aarch64\")']\nlinker = \"x\"\n";
        assert!(configured(Some(aarch64), &no_env));
        let windows = "[target.'cfg(windows)']\nlinker = \"x\"\n";
        assert!(!configured(Some(windows), &no_env));
    }
}
