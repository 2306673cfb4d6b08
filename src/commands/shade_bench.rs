//! `stormpack shade-bench` (hidden): shades a list of jars into one jar with the same
//! `shade::plan_with` + `jar::write_jar` path as `build`, for benches/shade/run.sh. The project
//! part is only a manifest; the artifacts are named after their files.

use std::time::Instant;

use crate::cli::ShadeBenchArgs;
use crate::jar::{write_jar, JarBuild};
use crate::maven::Artifact;
use crate::shade::{plan_with, ShadeInput, ShadeOptions};
use crate::staging::{EntrySource, StagedEntry, Staging};
use crate::timestamp::Timestamp;

pub fn run(args: &ShadeBenchArgs) -> anyhow::Result<i32> {
    let start = Instant::now();
    let root = Artifact::new("stormpack.bench", "shade-bench", "0");
    let inputs = args
        .jars
        .iter()
        .map(|file| {
            let stem = file.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
            let artifact = Artifact::new("file", &stem, "0");
            ShadeInput { artifact: artifact.clone(), file: file.clone(), trail: vec![root.clone(), artifact] }
        })
        .collect();
    let mut staging = Staging::new();
    staging.add(StagedEntry {
        path: "META-INF/MANIFEST.MF".to_string(),
        source: EntrySource::Bytes(b"Manifest-Version: 1.0\r\nCreated-By: stormpack shade-bench\r\n\r\n".to_vec()),
        executable: false,
        origin: "shade-bench".to_string(),
    })?;
    let options = ShadeOptions { allow_storm_runtime: args.allow_storm_runtime };
    let plan = plan_with(&staging, inputs, &options)?;
    let planned = start.elapsed();
    let build = JarBuild { project: &staging, leading: Vec::new(), shaded: &plan, timestamp: Timestamp::decide(None, None)? };
    let summary = write_jar(&build, &args.out)?;
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
