//! `stormpack verify`.

use crate::cli::BuildArgs;

pub fn run(args: &BuildArgs) -> anyhow::Result<i32> {
    let _ = args;
    anyhow::bail!("`stormpack verify` is not implemented yet")
}
