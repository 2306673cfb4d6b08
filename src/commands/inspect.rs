//! `stormpack inspect`: list a jar's entries (size, compressed size, mode, method, CRC, time) and
//! print its manifest; `--json` for machines.

use crate::cli::InspectArgs;
use stormpack::jar::inspect::{inspect, render};

pub fn run(args: &InspectArgs) -> anyhow::Result<i32> {
    let inspection = inspect(&args.jar)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&inspection)?);
    } else {
        print!("{}", render(&inspection));
    }
    Ok(0)
}
