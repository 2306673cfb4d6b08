//! One module per subcommand, each a translation from its arguments to the library's API plus
//! printing; `dispatch` routes the parsed command line. Each returns the exit code (0 success, 1
//! failure reported through the error, other codes as documented per command). [`Stderr`] is
//! how the binary shows the library's progress and findings.

pub mod build;
pub mod check;
pub mod cluster;
pub mod deps;
pub mod inspect;
pub mod run;
pub mod shade_bench;
pub mod submit;
pub mod test;
pub mod topology;
pub mod verify;

use stormpack::report::{Download, Event, Reporter};

use crate::cli::{Cli, Command};

pub fn dispatch(mut cli: Cli) -> anyhow::Result<i32> {
    // `-D` is global (as mvn takes it anywhere); the project commands pass it on.
    let defines = std::mem::take(&mut cli.define);
    match &mut cli.command {
        Command::Build(a) | Command::Verify(a) | Command::Test(a) => {
            a.project.properties = defines;
        }
        Command::Deps(a) => a.project.properties = defines,
        Command::Check(a) => a.project.properties = defines,
        Command::Run(a) => a.build.project.properties = defines,
        Command::Submit(a) => a.build.project.properties = defines,
        _ => {}
    }
    match cli.command {
        Command::Build(args) => build::run(&args),
        Command::Inspect(args) => inspect::run(&args),
        Command::Verify(args) => verify::run(&args),
        Command::Deps(args) => deps::run(&args),
        Command::Check(args) => check::run(&args),
        Command::Run(args) => run::run(&args),
        Command::Cluster(cmd) => cluster::run(&cmd),
        Command::Submit(args) => submit::run(&args),
        Command::List(args) => topology::list(&args),
        Command::Kill(args) => topology::kill(&args),
        Command::Activate(args) => topology::activate(&args, true),
        Command::Deactivate(args) => topology::activate(&args, false),
        Command::Test(args) => test::run(&args),
        Command::ShadeBench(args) => shade_bench::run(&args),
    }
}

/// Prints the library's events on stderr, as they come.
pub struct Stderr;

impl Reporter for Stderr {
    fn report(&mut self, event: Event) {
        // Events quote inputs (topology keys, entry names): never raw terminal controls.
        let safe = |text: &str| stormpack::error::escape_control(text);
        match event {
            Event::Stage(_) => {}
            Event::Note(note) => eprintln!("note: {}", safe(&note.to_string())),
            Event::Warning(warning) => eprintln!("warning: {}", safe(&warning.to_string())),
            Event::Finding(finding) => eprintln!("{}", safe(&finding.to_string())),
            Event::Status(line) => eprintln!("{}", safe(&line)),
            // The tool's own rendering (colours included), as it would print it itself.
            Event::ToolOutput(text) => eprintln!("{}", text.trim_end_matches('\n')),
            Event::Download(download) => draw_download(download),
        }
    }
}

/// The download whose progress line is being redrawn in place (one at a time: other downloads
/// meanwhile get a single line each).
static REDRAWN: std::sync::Mutex<Option<u64>> = std::sync::Mutex::new(None);

fn draw_download(download: Download) {
    use std::io::{IsTerminal, Write};
    let mib = |bytes: u64| format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0));
    let mut redrawn = REDRAWN
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let line = |label: &str, received: u64, total: Option<u64>| {
        let total = total.map(|t| format!("/{}", mib(t))).unwrap_or_default();
        eprint!(
            "\rDownloading {} {}{total}",
            stormpack::error::escape_control(label),
            mib(received)
        );
        let _ = std::io::stderr().flush();
    };
    match download {
        Download::Started { id, label, total } => {
            if redrawn.is_none() && std::io::stderr().is_terminal() {
                line(&label, 0, total);
                *redrawn = Some(id);
            } else {
                let size = total.map(|t| format!(" ({})", mib(t))).unwrap_or_default();
                eprintln!(
                    "Downloading {}{size}",
                    stormpack::error::escape_control(&label)
                );
            }
        }
        Download::Received {
            id,
            label,
            received,
            total,
        } => {
            if *redrawn == Some(id) {
                line(&label, received, total);
            }
        }
        Download::Finished {
            id,
            label,
            received,
            total,
            done,
        } => {
            if *redrawn == Some(id) {
                if done {
                    line(&label, received, total);
                }
                eprintln!("{}", if done { " done" } else { " failed" });
                *redrawn = None;
            }
        }
    }
}
