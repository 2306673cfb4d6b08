//! `stormpack shade-bench` (hidden): shades a list of jars, plus optional project files, into one
//! jar with the same `shade::plan_with` + `jar::write_jar` path as `build`. Used by
//! benches/shade/run.sh and by tests/jar.rs (reproducibility across directories, umask and TZ).
//! Artifacts are named after their files; the entry time comes from `SOURCE_DATE_EPOCH` or the
//! default.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;

use crate::cli::ShadeBenchArgs;
use stormpack::jar::{write_jar, JarBuild};
use stormpack::maven::Artifact;
use stormpack::shade::{plan_with, ShadeInput, ShadeOptions};
use stormpack::staging::{EntrySource, StagedEntry, Staging};
use stormpack::timestamp::Timestamp;

pub fn run(args: &ShadeBenchArgs) -> anyhow::Result<i32> {
    let start = Instant::now();
    let inputs = args
        .jars
        .iter()
        .map(|file| {
            let stem = file
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            let artifact = Artifact::new("file", &stem, "0");
            ShadeInput {
                artifact: artifact.clone(),
                file: file.clone(),
                trail: vec![artifact],
            }
        })
        .collect();
    let mut staging = Staging::new();
    let mut manifest = "Manifest-Version: 1.0\r\nCreated-By: stormpack shade-bench\r\n".to_string();
    if let Some(main) = &args.main_class {
        manifest.push_str(&format!("Main-Class: {main}\r\n"));
    }
    manifest.push_str("\r\n");
    staging.add(StagedEntry {
        path: "META-INF/MANIFEST.MF".to_string(),
        source: EntrySource::Bytes(manifest.into_bytes()),
        executable: false,
        origin: "shade-bench".to_string(),
    })?;
    for (spec, executable) in args
        .files
        .iter()
        .map(|s| (s, false))
        .chain(args.exec_files.iter().map(|s| (s, true)))
    {
        let (path, file) = spec
            .split_once('=')
            .with_context(|| format!("`{spec}` is not PATH_IN_JAR=FILE"))?;
        staging.add(StagedEntry {
            path: path.to_string(),
            source: EntrySource::File(PathBuf::from(file)),
            executable,
            origin: format!("--file {spec}"),
        })?;
    }
    let options = ShadeOptions {
        allow_storm_runtime: args.allow_storm_runtime,
        config: None,
        assembly: false,
    };
    let plan = plan_with(&staging, inputs, &options)?;
    let planned = start.elapsed();
    let timestamp = Timestamp::decide(std::env::var("SOURCE_DATE_EPOCH").ok().as_deref(), None)?;
    let build = JarBuild {
        project: &staging,
        leading: args.leading.clone(),
        shaded: plan.for_jar(),
        timestamp,
    };
    let summary = write_jar(&build, &args.out)?;
    for line in &plan.overlaps {
        eprintln!("overlap: {line}");
    }
    if !plan.multi_release.is_empty() {
        eprintln!("multi-release jars: {}", plan.multi_release.join(", "));
    }
    eprintln!(
        "shade-bench: {} jars -> {} ({} entries, {} overlaps, {} identical duplicates); plan {:.3}s, total {:.3}s",
        plan.inputs.len(),
        args.out.display(),
        summary.entries.len(),
        plan.overlaps.len(),
        plan.identical.len(),
        planned.as_secs_f64(),
        start.elapsed().as_secs_f64()
    );
    Ok(0)
}
