//! `stormpack run`: the library's run plan (`--dry-run` prints it: the command, or `--json`),
//! else the topology on a real LocalCluster for `--duration`; the exit code is the JVM's (128 +
//! signal when the run was interrupted).

use stormpack::error::Diagnostic;

use super::Stderr;
use crate::cli::RunArgs;

pub fn run(args: &RunArgs) -> anyhow::Result<i32> {
    if args.build.json && !args.build.dry_run {
        anyhow::bail!(Diagnostic::new(
            "`stormpack run --json` prints the run plan, so it needs --dry-run"
        )
        .fix("add --dry-run, or drop --json (Storm's log goes to stdout)"));
    }
    let plan = stormpack::run::prepare::plan(&args.to_lib(), &mut Stderr)?;
    if args.build.dry_run {
        if args.build.json {
            println!("{}", serde_json::to_string_pretty(&plan)?);
        } else {
            for note in &plan.classpath_notes {
                println!("# {note}");
            }
            println!("# in {}", plan.work_dir.display());
            println!("{}", plan.render_command());
        }
        return Ok(0);
    }
    stormpack::run::execute(&plan)
}
