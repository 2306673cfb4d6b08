//! The `stormpack` binary: parse the command line, hand it to the library, report errors.

use clap::Parser;

fn main() {
    // Rust ignores SIGPIPE, which turns `stormpack inspect x.jar | head` into a panic; a CLI
    // should end quietly like any other Unix tool.
    // SAFETY: called first thing in main, before any other thread exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = stormpack::cli::Cli::parse();
    match stormpack::commands::dispatch(cli) {
        Ok(code) => std::process::exit(code),
        Err(err) => {
            eprint!("{}", stormpack::error::render(&err));
            std::process::exit(1);
        }
    }
}
