//! The `stormpack` binary: parse the command line (`cli`), translate it into the library's options
//! and call the library (`commands`, one file per subcommand), print the results and the errors.

mod cli;
mod commands;

use clap::Parser;

fn main() {
    // Rust ignores SIGPIPE, which turns `stormpack inspect x.jar | head` into a panic; a CLI
    // should end quietly like any other Unix tool.
    // SAFETY: called first thing in main, before any other thread exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = cli::Cli::parse();
    // Events from inside the library's stages that come without a reporter at hand.
    stormpack::report::set_notices(Box::new(commands::Stderr));
    match commands::dispatch(cli) {
        Ok(code) => std::process::exit(code),
        Err(err) => {
            // Messages quote inputs (keys, coordinates, names): never raw terminal controls.
            let text = stormpack::error::render(&err);
            eprint!("{}", stormpack::error::escape_control(&text));
            std::process::exit(1);
        }
    }
}
