//! Progress and findings from the library to whoever called it, through one [`Reporter`]: the
//! binary prints them on stderr, a test or another program can collect them ([`Collect`]).
//! Library stages never print; they report. Stage functions take the caller's reporter; code
//! deep inside a stage that has none at hand (the resolver's download threads, a compiler's
//! output as it streams) reports with [`notify`], to the reporter the program installed with
//! [`set_notices`] (the binary installs its printer; without one, those events are dropped).
//! The one exception is `stormpack run`'s own purpose: Storm's stdout and stderr are streamed
//! through unchanged (`run::supervise`).

use std::sync::Mutex;

use crate::error::Diagnostic;
use crate::topology;

/// The build pipeline's stages, in the order [`crate::pipeline::build`] runs them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Resolve,
    Compile,
    Stage,
    Shade,
    WriteJar,
    Check,
}

/// One thing worth telling the user.
#[derive(Debug, Clone)]
pub enum Event {
    /// A stage starts.
    Stage(Stage),
    /// Something the user should know that is not a problem (`note: ...`), maybe with a fix.
    Note(Diagnostic),
    /// A problem that does not stop the build (`warning: ...`).
    Warning(Diagnostic),
    /// A topology check finding (printed as `file:line:col: level: message` + `  fix: ...`).
    Finding(topology::Diagnostic),
    /// A line of progress, printed as it is (e.g. `    stormpack.lock: ...`).
    Status(String),
    /// Output of a tool stormpack runs (javac's diagnostics, cargo's), as the tool wrote it
    /// (maybe with the tool's own terminal colours).
    ToolOutput(String),
    /// A large download's progress.
    Download(Download),
}

/// A download over 1 MiB: shown as one line, redrawn in place on a terminal. `id` tells
/// downloads apart (two can have the same file name).
#[derive(Debug, Clone)]
pub enum Download {
    Started {
        id: u64,
        label: String,
        total: Option<u64>,
    },
    /// More bytes arrived (at most every 200 ms).
    Received {
        id: u64,
        label: String,
        received: u64,
        total: Option<u64>,
    },
    /// It ended, complete (`done`) or not.
    Finished {
        id: u64,
        label: String,
        received: u64,
        total: Option<u64>,
        done: bool,
    },
}

static NOTICES: Mutex<Option<Box<dyn Reporter + Send>>> = Mutex::new(None);

/// Where [`notify`] sends events from now on (the program's printer, or a collector).
pub fn set_notices(reporter: Box<dyn Reporter + Send>) {
    *NOTICES
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(reporter);
}

/// A line of progress from code that has no reporter at hand ([`notify`]).
pub fn status(line: String) {
    notify(Event::Status(line));
}

/// Report from code that has no reporter at hand (any thread): to the one [`set_notices`]
/// installed, in the order the calls are made; dropped when none is installed.
pub fn notify(event: Event) {
    let mut notices = NOTICES
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(reporter) = notices.as_mut() {
        reporter.report(event);
    }
}

pub trait Reporter {
    fn report(&mut self, event: Event);
}

/// Keeps every event (tests; callers that print later).
#[derive(Debug, Default)]
pub struct Collect {
    pub events: Vec<Event>,
}

impl Reporter for Collect {
    fn report(&mut self, event: Event) {
        self.events.push(event);
    }
}

/// Drops every event.
pub struct Quiet;

impl Reporter for Quiet {
    fn report(&mut self, _event: Event) {}
}
