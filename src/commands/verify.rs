//! `stormpack verify`: builds the project, then rebuilds it in a scratch output directory
//! (`<target>/stormpack-verify/`) in a child process with another time zone and umask, and
//! compares the two jars' digests. Exit 0 when identical, 2 when they differ (naming the entries
//! that differ).

use std::collections::BTreeMap;
use std::process::{Command, Stdio};

use anyhow::Context;

use stormpack::{BuildOutcome, BuildPlan};

use super::Stderr;
use crate::cli::BuildArgs;

pub fn run(args: &BuildArgs) -> anyhow::Result<i32> {
    let plan = BuildPlan::resolve(&args.to_lib())?;
    let first = stormpack::build(&plan, &mut Stderr)?;
    let scratch = first
        .jar
        .parent()
        .context("jar path has no directory")?
        .join("stormpack-verify");
    let second = rebuild_in_child(args, &scratch)?;

    println!("build    {}  {}", first.sha256, first.jar.display());
    println!("rebuild  {}  {}", second.sha256, second.jar.display());
    if first.sha256 == second.sha256 {
        println!("reproducible: the two builds are byte-identical");
        return Ok(0);
    }
    println!("NOT reproducible: the jars differ");
    for line in entry_differences(&first, &second) {
        println!("  {line}");
    }
    Ok(2)
}

/// Run `stormpack build --out-dir <scratch> --json` under TZ and umask different from ours.
fn rebuild_in_child(args: &BuildArgs, scratch: &std::path::Path) -> anyhow::Result<BuildOutcome> {
    let exe = std::env::current_exe().context("cannot find the stormpack executable")?;
    let project = fs_err::canonicalize(&args.project.project)?;
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg("umask 077 && exec \"$@\"")
        .arg("sh")
        .arg(exe)
        .arg("build")
        .arg("--json")
        .arg("--project")
        .arg(&project)
        .arg("--out-dir")
        .arg(scratch);
    if args.project.offline {
        cmd.arg("--offline");
    }
    if args.project.locked {
        cmd.arg("--locked");
    }
    if let Some(repo) = &args.project.maven_repo_local {
        cmd.arg("--maven-repo-local").arg(repo);
    }
    if let Some(settings) = &args.project.settings {
        cmd.arg("--settings").arg(settings);
    }
    for t in &args.targets {
        cmd.arg("--target").arg(t);
    }
    // Java sources are compiled again too, into a fresh directory.
    let java = scratch.join("java");
    if java.exists() {
        fs_err::remove_dir_all(&java)?;
    }
    let output = cmd
        .env("TZ", "Pacific/Chatham")
        .env(stormpack::java::JAVA_OUTPUT_ENV, &java)
        // Rust components are compiled again from scratch, not taken from the first build.
        .env("CARGO_TARGET_DIR", scratch.join("cargo"))
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .context("cannot start the verification build")?;
    if !output.status.success() {
        anyhow::bail!(
            "the verification build in {} failed ({})",
            scratch.display(),
            output.status
        );
    }
    serde_json::from_slice(&output.stdout).context("cannot read the verification build's summary")
}

fn entry_differences(a: &BuildOutcome, b: &BuildOutcome) -> Vec<String> {
    let index = |o: &BuildOutcome| -> BTreeMap<String, (u32, u64, u32)> {
        o.entries
            .iter()
            .map(|e| (e.path.clone(), (e.crc32, e.size, e.mode)))
            .collect()
    };
    let (ia, ib) = (index(a), index(b));
    let mut out = Vec::new();
    for (path, va) in &ia {
        match ib.get(path) {
            None => out.push(format!("{path}: only in the first build")),
            Some(vb) if vb != va => out.push(format!(
                "{path}: crc {:08x}/{:08x}, size {}/{}, mode {:o}/{:o}",
                va.0, vb.0, va.1, vb.1, va.2, vb.2
            )),
            _ => {}
        }
    }
    for path in ib.keys().filter(|p| !ia.contains_key(*p)) {
        out.push(format!("{path}: only in the rebuild"));
    }
    if out.is_empty() {
        out.push("same entries and contents: the difference is in order or zip metadata".into());
    }
    out
}
