//! The `stormpack` binary: parse the command line, hand it to the library, report errors.

use clap::Parser;

fn main() {
    let cli = stormpack::cli::Cli::parse();
    match stormpack::commands::dispatch(cli) {
        Ok(code) => std::process::exit(code),
        Err(err) => {
            eprintln!("error: {err}");
            for cause in err.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            std::process::exit(1);
        }
    }
}
