//! `stormpack deps`.

use crate::cli::DepsArgs;

pub fn run(args: &DepsArgs) -> anyhow::Result<i32> {
    let _ = args;
    anyhow::bail!("`stormpack deps` is not implemented yet")
}
