//! `stormpack inspect`.

use crate::cli::InspectArgs;

pub fn run(args: &InspectArgs) -> anyhow::Result<i32> {
    let _ = args;
    anyhow::bail!("`stormpack inspect` is not implemented yet")
}
