//! `stormpack build`: the plan (`--dry-run` prints it), else the library's build pipeline and a
//! summary (`--json`: the whole outcome on stdout).

use stormpack::BuildPlan;

use super::Stderr;
use crate::cli::BuildArgs;

pub fn run(args: &BuildArgs) -> anyhow::Result<i32> {
    let options = args.to_lib();
    if args.dry_run {
        let plan = BuildPlan::resolve(&options)?;
        if args.json {
            println!("{}", serde_json::to_string_pretty(&plan)?);
        } else {
            print!("{}", plan.render());
        }
        return Ok(0);
    }
    let outcome = stormpack::pipeline::build_incremental(&options, &mut Stderr)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&outcome)?);
    } else {
        eprintln!(
            "    Finished {} ({} entries, {} bytes)\n      sha256 {}",
            outcome.jar.display(),
            outcome.entries.len(),
            outcome.size,
            outcome.sha256
        );
    }
    Ok(0)
}
