//! `stormpack run`.

use crate::cli::RunArgs;

pub fn run(args: &RunArgs) -> anyhow::Result<i32> {
    let _ = args;
    anyhow::bail!("`stormpack run` is not implemented yet")
}
