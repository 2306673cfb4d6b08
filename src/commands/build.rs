//! `stormpack build`.

use crate::cli::BuildArgs;

pub fn run(args: &BuildArgs) -> anyhow::Result<i32> {
    let _ = args;
    anyhow::bail!("`stormpack build` is not implemented yet")
}
