//! Progress and findings from the library to whoever called it, through one [`Reporter`]: the
//! binary prints them on stderr, a test or another program can collect them ([`Collect`]).
//! Library stages never print; they report.

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
