//! `stormpack check`.

use crate::cli::CheckArgs;

pub fn run(args: &CheckArgs) -> anyhow::Result<i32> {
    let _ = args;
    anyhow::bail!("`stormpack check` is not implemented yet")
}
