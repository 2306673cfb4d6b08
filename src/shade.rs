//! Shading by raw copy: decides which entry of which dependency jar goes into the topology jar
//! (project wins, then first in classpath order), drops manifests, signatures, INDEX.LIST and
//! module-info.class, merges `META-INF/services/*`, reports overlaps, and guards against Storm's
//! own runtime (storm-client/-core/-server, `defaults.yaml`) landing in the jar.

use std::path::PathBuf;

use crate::maven::Artifact;
use crate::staging::Staging;

/// A dependency jar to shade, in classpath order.
#[derive(Debug, Clone)]
pub struct ShadeInput {
    pub artifact: Artifact,
    pub file: PathBuf,
    /// The dependency path from the project down to this artifact (for the Storm guard).
    pub trail: Vec<Artifact>,
}

/// The decided merge: which raw entries to copy, merged service files, and what was dropped.
#[derive(Debug, Default)]
pub struct ShadePlan {
    pub inputs: Vec<ShadeInput>,
    /// Human-readable overlap report lines, sorted.
    pub overlaps: Vec<String>,
}

/// Plan the merge of `inputs` under the project's `staging`.
pub fn plan(staging: &Staging, inputs: Vec<ShadeInput>) -> anyhow::Result<ShadePlan> {
    let _ = staging;
    if inputs.is_empty() {
        return Ok(ShadePlan::default());
    }
    anyhow::bail!("shading is not implemented yet")
}
