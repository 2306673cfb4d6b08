//! `stormpack inspect`: list a jar's entries (size, compressed size, mode, method, CRC, time) and
//! print its manifest; `--json` for machines.

use crate::cli::InspectArgs;
use stormpack::jar::inspect::{escape_json_for_terminal, inspect, render};

pub fn run(args: &InspectArgs) -> anyhow::Result<i32> {
    let inspection = inspect(&args.jar)?;
    if args.json {
        let json = serde_json::to_string_pretty(&inspection)?;
        println!("{}", escape_json_for_terminal(&json));
    } else {
        print!("{}", render(&inspection));
    }
    Ok(0)
}
